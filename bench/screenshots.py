"""Start the real window on a generated sample library and save PNG screenshots of each step of a review.

    python bench/screenshots.py OUT_DIR

Everything (library, store, settings, trash) lives in a temporary folder; nothing of the user's is touched. Also
prints the longest stall of the UI thread seen during the scan (a 5 ms timer's largest gap).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


def main(out: Path) -> int:
    from PySide6.QtCore import QObject, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dedup-shots-"))
    home = tmp / "home"
    (home / ".local/share").mkdir(parents=True)
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_CONFIG_HOME=str(home / ".config"))
    library = tmp / "Pictures"
    make_library(library)

    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.main_window import RESULTS, MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(Settings(embeddings=False), tmp / "store.sqlite3", tmp / "settings.toml")
    window.resize(1400, 900)
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
    window.add_folders([str(library / "Camera Roll"), str(library / "Backup"), str(library / "Shared"),
                        str(library / "Edits")])  # fmt: skip
    window.folders.table.cellWidget(1, 1).setCurrentIndex(1)  # Backup: protected reference
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

    window.groups.select_path(window.compare.group.members[1].path)
    group = window.compare.group
    settle(lambda: all(window.images.pixmap("thumb", m.path) is not None for m in group.members))
    shot(window, "3-results-group-selected")

    window.open_large_compare()
    dialog = window.compare_dialog
    dialog.resize(1300, 700)
    settle(lambda: all(window.images.pixmap("full", p.path) is not None for p in dialog.panes))
    shot(dialog, "4-compare-view")
    dialog.diff.setChecked(True)
    dialog.toggle_flip()
    settle()
    shot(dialog, "4b-compare-ab-difference")
    dialog.close()

    for r in range(window.model.rowCount()):
        window.decisions.auto_select(window.model.group_at(window.model.index(r, 0)))
    settle(lambda: window.service.idle)
    shot(window, "5a-results-auto-selected")
    window.apply_decisions()
    settle()
    shot(window.confirm_box, "5-apply-confirmation")
    window.confirm_box.reject()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
