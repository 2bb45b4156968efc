"""Render the app icon's PNG sizes from its SVG with Qt's SVG renderer (QtSvg ships in PySide6-Essentials).

    python packaging/render_icons.py

Writes resources/icons/hicolor/NxN/apps/io.github.dedupgui.DedupGui.png for every size in SIZES; run it again
after editing the SVG and commit the PNGs (the build and the tests only read them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_ID = "io.github.dedupgui.DedupGui"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons" / "hicolor"


def render(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = ICONS / "scalable" / "apps" / f"{APP_ID}.svg"
    for size in SIZES:
        out = ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        render(svg, size, out)
        print(out.relative_to(ICONS.parent.parent.parent))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
