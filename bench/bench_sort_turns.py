"""How long a click on a column title holds the window: every event-loop turn of each sort, timed by a zero-interval
timer, on a list loaded as the window loads it (the listing, with every column's sort keys, made beforehand).

    python bench/bench_sort_turns.py [N]      (N groups, default 18,357: 2.6x the simulated 100k library's)

Each sort starts with the first group current; flipping a column's order carries it to the far end, so the view
is given, and lays out, every row down to it. Printed per sort: the turns over 8 ms and where the current row went;
then the median and the longest turn over all sorts (the target: no turn over 100 ms).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for tests.ui.conftest

COLUMNS_TRIED = ("size", "match", "date", "file", "size", "match", "date", "decision")


def main(n: int) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from dedup_gui.ui.group_columns import column_index
    from dedup_gui.ui.group_view import GroupsPanel
    from dedup_gui.ui.groups_model import GroupsModel
    from dedup_gui.ui.listing import build
    from tests.ui.conftest import fake_groups

    app = QApplication.instance() or QApplication([])
    model = GroupsModel()
    panel = GroupsPanel(model)
    panel.resize(1100, 700)
    panel.show()
    model.show(build(fake_groups(n), model.order(), {}), {})

    def settle(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()

    settle(0.3)
    turns: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        turns.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(0)
    longest = []
    for key in COLUMNS_TRIED:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            panel.tree.setCurrentIndex(model.index(0, 0))
            settle(0.2)
            turns.clear()
            last[0] = time.perf_counter()
            column = column_index(key)
            QTimer.singleShot(0, lambda c=column, o=order: panel.tree.sortByColumn(c, o))
            settle(0.5)
            longest.append(max(turns))
            over = [round(t * 1000) for t in turns if t > 0.008]
            way = "up  " if order == Qt.SortOrder.AscendingOrder else "down"
            print(f"{key:9} {way} turns over 8 ms: {over}  current row {panel.tree.currentIndex().row():,}")
    timer.stop()
    longest.sort()
    print(f"longest turn of a sort: median {longest[len(longest) // 2] * 1000:.0f} ms, max {longest[-1] * 1000:.0f} ms")
    panel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 18_357))
