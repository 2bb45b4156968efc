"""Opening the window on stored results: time to the first painted group list, the longest UI stall, memory.

    python bench/bench_open_window.py STORE [--json] [--repropose]

Starts the real MainWindow on the store (offscreen Qt unless DISPLAY is set), as a user reopening the app after a
scan: the store thread loads the review, the model is filled, the tree paints its first rows. A 5 ms timer on the
UI thread measures the longest gap meanwhile. Settings live in a temporary folder.

With --repropose, once the list has painted the keeper rules change (shortest path first) and the keepers are
proposed again, as when a user accepts that offer in Settings; the longest gap until the new list is shown is
printed apart. Use a copy of the store: the new proposal is saved in it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("store", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON line instead of text")
    ap.add_argument("--repropose", action="store_true", help="then change the keeper rules and propose again")
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

    def repropose() -> None:
        old = window.keeper_rules()
        window.settings = dataclasses.replace(window.settings, keeper_rules=("path", *(r for r in old if r != "path")))
        marks["repropose"] = time.perf_counter()
        window.repropose(old)

    def reset() -> None:
        marks.setdefault("loaded", time.perf_counter())
        if "repropose" in marks and "reproposed" not in marks:
            marks["reproposed"] = time.perf_counter()
            QTimer.singleShot(300, app.quit)

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and window.model.rowCount() and "painted" not in marks:
                marks["painted"] = time.perf_counter()
                # keep measuring stalls a little after the first paint
                QTimer.singleShot(300, repropose if args.repropose else app.quit)
            return False

    watch = PaintWatch()
    window.groups.tree.viewport().installEventFilter(watch)
    window.model.modelReset.connect(reset)
    repropose_gaps: list[float] = []  # while the store thread proposes again
    shown_gaps: list[float] = []  # while the window shows the new list

    def tick() -> None:
        now = time.perf_counter()
        if "reproposed" in marks:
            shown_gaps.append(now - last[0])
        else:
            (repropose_gaps if "repropose" in marks else gaps).append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    groups = window.model.group_count()
    window.close()
    shutil.rmtree(tmp, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "groups": groups,
        "window_to_loaded_s": marks.get("loaded", float("nan")) - t_window,
        "window_to_painted_s": marks.get("painted", float("nan")) - t_window,
        "start_to_painted_s": marks.get("painted", float("nan")) - START,
        "longest_stall_ms": 1000 * max(gaps[1:], default=0.0),
        "peak_rss": peak,
    }
    if args.repropose:
        result["repropose_s"] = marks.get("reproposed", float("nan")) - marks.get("repropose", float("nan"))
        result["repropose_longest_stall_ms"] = 1000 * max(repropose_gaps, default=0.0)
        result["reproposed_shown_longest_stall_ms"] = 1000 * max(shown_gaps, default=0.0)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{groups} groups: painted {result['window_to_painted_s']:.2f} s after the window was made "
            f"({result['start_to_painted_s']:.2f} s after start); longest UI stall "
            f"{result['longest_stall_ms']:.0f} ms; peak RSS {peak / 1e6:.0f} MB"
        )
        if args.repropose:
            print(
                f"keepers proposed again in {result['repropose_s']:.1f} s; longest UI stall meanwhile "
                f"{result['repropose_longest_stall_ms']:.0f} ms, then "
                f"{result['reproposed_shown_longest_stall_ms']:.0f} ms showing the new list"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
