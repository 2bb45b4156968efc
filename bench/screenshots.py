"""Start the real window on a generated sample library and save PNG screenshots of each step of a review.

    python bench/screenshots.py OUT_DIR

The review is shot at 1024x700 (a small laptop), at 1600x1000 and on a dark palette. Everything (library,
store, settings, trash) lives in a temporary folder; nothing of the user's is touched. Also prints the longest
stall of the UI thread seen during the scan (a 5 ms timer's largest gap).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SCREEN = (1600, 1000)  # a laptop's screen: the compare view must fit in it


def offscreen_platform(tmp: Path) -> None:
    """Qt's offscreen platform with a screen of SCREEN (its default is 800 x 800), unless one is chosen."""
    config = tmp / "screen.json"
    w, h = SCREEN
    config.write_text(f'{{"screens": [{{"name": "laptop", "x": 0, "y": 0, "width": {w}, "height": {h}}}]}}')
    os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={config}")


def make_library(root: Path) -> None:
    from PIL import Image, ImageEnhance, ImageOps
    from skimage import data

    def photo(name: str, size=(1024, 768)) -> Image.Image:
        return Image.fromarray(getattr(data, name)()).convert("RGB").resize(size, Image.Resampling.LANCZOS)

    def save(img: Image.Image, rel: str, **kw) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, **({"quality": 92} | kw) if path.suffix == ".jpg" else kw)
        return path

    astronaut, coffee, cat = photo("astronaut", (1024, 1024)), photo("coffee"), photo("chelsea")
    a = save(astronaut, "Camera Roll/2021/IMG_0412.jpg")
    (root / "Backup/2021").mkdir(parents=True)
    (root / "Backup/2021/IMG_0412.jpg").write_bytes(a.read_bytes())
    save(astronaut.resize((512, 512), Image.Resampling.LANCZOS), "Shared/astronaut_small.jpg")
    save(astronaut.transpose(Image.Transpose.ROTATE_90), "Edits/IMG_0412_rotated.jpg")
    save(coffee, "Camera Roll/2022/coffee.jpg")
    save(ImageEnhance.Color(coffee).enhance(1.5), "Edits/coffee_vivid.jpg")
    save(coffee, "Edits/coffee.png")
    c = save(cat, "Camera Roll/2022/chelsea.jpg")
    (root / "Backup/2022").mkdir(parents=True)
    (root / "Backup/2022/chelsea.jpg").write_bytes(c.read_bytes())
    save(ImageOps.grayscale(cat).convert("RGB"), "Edits/chelsea_bw.jpg")
    for name in ("rocket", "camera", "coins", "hubble_deep_field", "immunohistochemistry"):
        save(photo(name), f"Camera Roll/2023/{name}.jpg")
    (root / "Camera Roll/2023/broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated" * 20)
    import pillow_heif

    pillow_heif.register_heif_opener()
    rocket = photo("rocket", (2000, 1500))
    save(rocket, "Phone/IMG_2040.heic", quality=85)
    save(rocket.resize((800, 600), Image.Resampling.LANCZOS), "Shared/IMG_2040.webp", quality=80)
    save(rocket, "Export/IMG_2040 (full size export from the phone app).jpg")
    for n in range(6):  # a burst of near copies: more than fit side by side
        save(rocket.resize((1600 - 120 * n, 1200 - 90 * n), Image.Resampling.LANCZOS), f"Shared/rocket-{n + 1}.jpg")


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, "#2b2b2b"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1e1e1e"),
        (roles.AlternateBase, "#262626"), (roles.Text, "#e6e6e6"), (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"), (roles.Highlight, "#3d6fb4"), (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#353535"), (roles.ToolTipText, "#e6e6e6"), (roles.PlaceholderText, "#9a9a9a"),
        (roles.Mid, "#4a4a4a"),
    ):  # fmt: skip
        p.setColor(role, QColor(color))
    return p


def main(out: Path) -> int:
    from PySide6.QtCore import QObject, Qt, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dedup-shots-"))
    home = tmp / "home"
    (home / ".local/share").mkdir(parents=True)
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_CONFIG_HOME=str(home / ".config"))
    library = tmp / "Pictures"
    make_library(library)
    offscreen_platform(tmp)

    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.images import THUMB
    from dedup_gui.ui.main_window import RESULTS, MainWindow

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    window = MainWindow(Settings(embeddings=False), tmp / "store.sqlite3", tmp / "settings.toml")
    window.resize(1024, 700)
    window.show()

    def settle(predicate=lambda: True, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            app.processEvents()
            if predicate():
                for _ in range(5):
                    app.processEvents()
                return
            time.sleep(0.01)
        raise TimeoutError("the window did not reach the expected state")

    def shot(widget, name: str) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        print("saved", path)

    settle(lambda: window.service.idle)
    shot(window, "1-empty-state")

    class Watch(QObject):
        """Receives progress on the UI thread; grabs the window once, mid-scan; measures UI-thread gaps."""

        def __init__(self) -> None:
            super().__init__()
            self.taken = False
            self.last = time.perf_counter()
            self.worst = 0.0

        @Slot(object)
        def progressed(self, event) -> None:
            if not self.taken and event.stage.value in ("decoding", "exact") and event.done:
                self.taken = True
                shot(window, "2-scan-in-progress")

        @Slot()
        def tick(self) -> None:
            now = time.perf_counter()
            self.worst = max(self.worst, now - self.last)
            self.last = now

    watch = Watch()
    folders = [library / name for name in ("Camera Roll", "Backup", "Shared", "Edits", "Phone", "Export")]
    window.add_folders([str(f) for f in folders])
    settle(lambda: len(window.folders.paths()) == len(folders))
    window.folders.table.cellWidget(1, 1).setCurrentIndex(1)  # Backup: protected reference
    window.folders.table.clearSelection()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(watch.tick)
    window.start_scan()
    window.worker.progressed.connect(watch.progressed)
    watch.last = time.perf_counter()
    timer.start()
    settle(lambda: window.scan_thread is None and window.stack.currentIndex() == RESULTS and window.service.idle)
    timer.stop()
    if not watch.taken:
        shot(window, "2-scan-in-progress")
    print(f"longest UI-thread stall during the scan: {watch.worst * 1000:.0f} ms")

    def review_shots(win, label: str, size: tuple[int, int]) -> None:
        """The review and the compare view of the HEIC group, with its WebP copy selected."""
        win.resize(*size)
        heic = next(g for g in win.model.groups() if any(p.endswith(".heic") for p in g.paths))
        row = win.model.visible_groups().index(heic)
        win.groups.tree.setCurrentIndex(win.model.index(row, 0))
        win.groups.select_path(next(m.path for m in heic.members if m.path.endswith(".webp")))
        settle(lambda: all(win.images.pixmap(THUMB, m.path) is not None for m in heic.members))
        shot(win, f"3-review-{label}")
        win.open_large_compare()
        dialog = win.compare_dialog
        if size[0] < SCREEN[0]:
            dialog.resize(size[0] - 24, size[1] - 40)  # as on a screen of the window's size
        settle(lambda d=dialog: all(d._picture(p.path)[1] for p in d.panes if p.isVisible()))
        shot(dialog, f"4-compare-{label}")
        if label == "1600x1000":
            dialog.diff.setChecked(True)
            dialog.toggle_flip()
            settle()
            shot(dialog, "4b-compare-ab-difference")
        dialog.close()
        settle()

    done = []
    window.decisions.bulk_done.connect(lambda *_: done.append(1))
    window.actions.auto_all.trigger()  # Auto-select All: the running total shows in the status bar
    settle(lambda: bool(done) and window.service.idle)
    review_shots(window, "1024x700", (1024, 700))
    review_shots(window, "1600x1000", (1600, 1000))
    window.resize(1024, 700)
    shot(window, "5a-results-auto-selected")

    bw = next(g for g in window.model.groups() if any(p.endswith("chelsea_bw.jpg") for p in g.paths))
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(bw), 0))
    window.groups.select_path(next(p for p in bw.paths if p.endswith("chelsea_bw.jpg")))
    window.review.not_duplicates()  # N on a copy: it is listed under Dismissed, with Undo
    settle(lambda: window.service.idle and window.dismissed.tree.topLevelItemCount() == 1)
    window.resize(1024, 760)
    window.problems_dock.hide()
    window.dismissed_dock.show()
    window.resizeDocks([window.dismissed_dock], [130], Qt.Orientation.Vertical)
    shot(window, "6-dismissed")
    window.dismissed_dock.hide()
    window.resize(1024, 700)

    edited = next(p for p, d in window.decisions.marks.items() if d == "trash" and p.endswith("astronaut_small.jpg"))
    with open(edited, "ab") as fh:  # a marked copy edited since the scan: the confirmation says it will stay
        fh.write(b"edited")
    window.apply_decisions()
    settle(lambda: window.flow.box is not None)
    shot(window.flow.box, "5-apply-confirmation")
    window.flow.box.reject()
    window.close()
    settle()

    app.setPalette(dark_palette())  # a desktop on its dark theme: the app starts with that palette
    from dedup_gui.core import settings as settings_io

    saved = settings_io.load(tmp / "settings.toml")  # the folder list the first window saved
    dark = MainWindow(saved, tmp / "store.sqlite3", tmp / "settings.toml")
    dark.show()
    settle(lambda: dark.service.idle and dark.model.rowCount() > 0)
    review_shots(dark, "dark", (1600, 1000))
    dark.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
