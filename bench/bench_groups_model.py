"""How long the review list takes to load 10,000 groups, to sort them by each column, to filter them, to
auto-select them all and to take one decision.

    python bench/bench_groups_model.py [N]

The target is under one second each, first paint included (the list is shown, expanded as the app does).
Auto-select all runs as the window runs it: the engine's proposal and the save of every decision in one job on the
store thread (a real SQLite store in a temporary folder), then one update of the marks, the list and the running
total on the UI thread (timed on its own too).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for tests.ui.conftest

LIMIT = 1.0


def main(n: int = 10_000) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest
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
    panel.tree.setFocus()
    select_all = QKeySequence.StandardKey.SelectAll
    worst = max(worst, timed("select all (Ctrl+A), then paint", lambda: QTest.keySequence(panel.tree, select_all)))
    worst = max(worst, timed("the selection K/T act on", panel.selection))
    panel.tree.clearSelection()
    worst = max(worst, auto_select_all(app, model, groups, timed))
    print(f"slowest: {worst * 1000:.0f} ms (target under {LIMIT * 1000:.0f} ms)")
    panel.close()
    return 0 if worst < LIMIT else 1


def auto_select_all(app, model, groups, timed) -> float:
    """Auto-select every group through the store thread, then one decision (K on a copy), with the window's parts."""
    from PySide6.QtCore import QEventLoop

    from dedup_gui.ui import listing
    from dedup_gui.ui.decisions import Decisions
    from dedup_gui.ui.store_service import StoreService
    from dedup_gui.ui.widgets import TrashTotal

    folder = Path(tempfile.mkdtemp(prefix="bench-groups-"))
    service = StoreService(folder / "store.sqlite3")
    decisions = Decisions(service)
    total = TrashTotal(decisions)
    decisions.changed.connect(model.decisions_changed)
    decisions.replace_all({}, listing.build(groups, model.order(), {}))
    model.set_groups(groups, decisions.marks)
    app.processEvents()
    ui_thread = [0.0]
    mark = decisions._mark

    def timed_mark(items, serial):  # the UI thread's share: marks, list and running total
        t0 = time.perf_counter()
        out = mark(items, serial)
        ui_thread[0] += time.perf_counter() - t0
        return out

    decisions._mark = timed_mark  # type: ignore[method-assign]

    def select_all() -> None:
        loop = QEventLoop()
        decisions.bulk_done.connect(loop.quit)
        decisions.auto_select_all(groups)
        loop.exec()

    worst = timed(f"auto-select all {len(groups):,} groups", select_all)
    print(f"  of which on the UI thread       {ui_thread[0] * 1000:7.0f} ms  ({total.text()})")
    each = []
    for g in groups[len(groups) // 2 : len(groups) // 2 + 5]:
        t0 = time.perf_counter()
        decisions.set([(g.members[1].path, "keep")])
        app.processEvents()
        each.append(time.perf_counter() - t0)
    each.sort()
    print(f"one decision (K on a copy), 5 times: median {each[2] * 1000:.1f} ms, slowest {each[-1] * 1000:.1f} ms")
    worst = max(worst, each[-1])
    loop = QEventLoop()
    service.call(lambda _store: None, lambda _: loop.quit())
    loop.exec()  # the saves are done
    service.shutdown()
    shutil.rmtree(folder, ignore_errors=True)
    return worst


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
