"""Opening the window on stored results: time to the first painted group list, the longest UI stall, memory.

    python bench/bench_open_window.py STORE [--json]

Starts the real MainWindow on the store (offscreen Qt unless DISPLAY is set), as a user reopening the app after a
scan: the store thread loads the review, the model is filled, the tree paints its first rows. A 5 ms timer on the
UI thread measures the longest gap meanwhile. Settings live in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("store", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON line instead of text")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="dedup-open-"))
    os.environ.update(XDG_CONFIG_HOME=str(tmp / "config"))

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    t_window = time.perf_counter()
    window = MainWindow(Settings(), args.store, tmp / "settings.toml")
    window.show()
    marks: dict[str, float] = {}
    gaps: list[float] = []
    last = [time.perf_counter()]

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and window.model.rowCount() and "painted" not in marks:
                marks["painted"] = time.perf_counter()
                QTimer.singleShot(300, app.quit)  # keep measuring stalls a little after the first paint
            return False

    watch = PaintWatch()
    window.groups.tree.viewport().installEventFilter(watch)
    window.model.modelReset.connect(lambda: marks.setdefault("loaded", time.perf_counter()))

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    groups = window.model.rowCount()
    window.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "groups": groups,
        "window_to_loaded_s": marks.get("loaded", float("nan")) - t_window,
        "window_to_painted_s": marks.get("painted", float("nan")) - t_window,
        "start_to_painted_s": marks.get("painted", float("nan")) - START,
        "longest_stall_ms": 1000 * max(gaps[1:], default=0.0),
        "peak_rss": peak,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{groups} groups: painted {result['window_to_painted_s']:.2f} s after the window was made "
            f"({result['start_to_painted_s']:.2f} s after start); longest UI stall "
            f"{result['longest_stall_ms']:.0f} ms; peak RSS {peak / 1e6:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
