"""How long the review list takes to load 10,000 groups, to sort them by each column and to filter them.

    python bench/bench_groups_model.py [N]

The target is under one second each, first paint included (the list is shown, expanded as the app does).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for tests.ui.conftest

LIMIT = 1.0


def main(n: int = 10_000) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from dedup_gui.ui.group_columns import COLUMNS
    from dedup_gui.ui.group_view import GroupsPanel
    from dedup_gui.ui.groups_model import GroupsModel
    from tests.ui.conftest import fake_groups

    app = QApplication.instance() or QApplication([])
    groups = fake_groups(n)
    decisions = {g.members[1].path: "trash" for g in groups[::3]}
    model = GroupsModel()
    panel = GroupsPanel(model)
    panel.resize(1100, 700)
    panel.show()
    app.processEvents()

    def timed(label: str, action) -> float:
        t0 = time.perf_counter()
        action()
        app.processEvents()  # the repaint that follows
        seconds = time.perf_counter() - t0
        print(f"{label:<34} {seconds * 1000:7.0f} ms")
        return seconds

    worst = timed(f"load {n:,} groups, first paint", lambda: model.set_groups(groups, decisions))
    for n_col, column in enumerate(COLUMNS):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            name = f"sort by {column.key}, {'up' if order == Qt.SortOrder.AscendingOrder else 'down'}"
            worst = max(worst, timed(name, lambda c=n_col, o=order: panel.tree.sortByColumn(c, o)))
    worst = max(worst, timed("filter '0042'", lambda: model.set_filter("0042")))
    worst = max(worst, timed("clear the filter", lambda: model.set_filter("")))
    print(f"slowest: {worst * 1000:.0f} ms (target under {LIMIT * 1000:.0f} ms)")
    panel.close()
    return 0 if worst < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
