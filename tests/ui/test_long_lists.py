"""Lists of more groups than the view is given at once: the view lays out every row it has in one turn of the
event loop, so GroupsModel hands it FETCH_ROWS at a time. Nothing a person does may act only on the rows handed
over so far: select all, End, a sort, a path looked up, a decision on a group further down."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from dedup_gui.core.review import Review
from dedup_gui.ui import jobs, listing
from dedup_gui.ui.group_columns import column_index
from dedup_gui.ui.group_view import GroupsPanel
from dedup_gui.ui.groups_model import FETCH_ROWS, GroupsModel
from dedup_gui.ui.listing import Order
from tests.ui.conftest import fake_groups

MANY = FETCH_ROWS * 5 + 300  # more than a few layouts fetch on their own (each fetches a chunk)
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def long_panel(qtbot, decisions: dict[str, str] | None = None) -> tuple[GroupsModel, GroupsPanel]:
    model = GroupsModel()
    panel = GroupsPanel(model)
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    model.set_groups(fake_groups(MANY), decisions or {})
    qtbot.waitUntil(lambda: panel.current()[0] is not None)  # the list's first group, made current after the reset
    return model, panel


def test_the_view_gets_the_rows_a_chunk_at_a_time_as_it_scrolls_to_the_end(qtbot) -> None:
    model, panel = long_panel(qtbot)
    assert model.group_count() == MANY
    assert model.rowCount() == FETCH_ROWS
    assert model.summary().startswith(f"{MANY:,} groups")  # the count is of every group, not of the rows given
    bar = panel.tree.verticalScrollBar()
    while model.rowCount() < MANY:
        before = model.rowCount()
        panel.tree.executeDelayedItemsLayout()  # as the next turn of the event loop would
        bar.setValue(bar.maximum())  # what dragging the scroll bar to the bottom does
        qtbot.waitUntil(lambda: model.rowCount() > before)  # noqa: B023  (waited for here, in this iteration)
    assert model.rowCount() == MANY
    assert not model.fetch_more()
    sizes = [model.group_at(model.index(r, 0)).reclaimable_bytes for r in range(MANY)]
    assert sizes == sorted(sizes, reverse=True)  # one order across the chunks


def test_select_all_and_end_reach_every_group(qtbot) -> None:
    model, panel = long_panel(qtbot)
    panel.tree.setFocus()
    panel.tree.setCurrentIndex(model.index(0, 0))
    QTest.keySequence(panel.tree, QKeySequence.StandardKey.SelectAll)
    groups, members = panel.selection()
    assert len(groups) == MANY and not members  # K or T now acts on every group, as the person meant
    QTest.keyClick(panel.tree, Qt.Key.Key_End)
    smallest = min(fake_groups(MANY), key=lambda g: g.reclaimable_bytes)
    assert panel.current()[0] == smallest  # the last group of the whole list, not of the first chunk


def test_a_sort_keeps_the_current_group_when_it_moves_past_the_rows_given(qtbot) -> None:
    model, panel = long_panel(qtbot)
    panel.tree.setCurrentIndex(model.index(0, 0))  # the largest: sorted by name it is the last group
    chosen = panel.current()[0]
    panel.tree.sortByColumn(column_index("file"), Qt.SortOrder.DescendingOrder)
    panel.tree.sortByColumn(column_index("size"), Qt.SortOrder.AscendingOrder)
    assert panel.current()[0] is chosen
    assert panel.tree.currentIndex().row() == MANY - 1
    panel.tree.scrollTo(panel.tree.currentIndex())
    assert panel.tree.visualRect(panel.tree.currentIndex()).isValid()  # a row the view has: shown, not lost


def test_a_path_far_down_the_list_is_found_and_its_decision_shown(qtbot) -> None:
    model, _panel = long_panel(qtbot)
    last = model.visible_groups()[-1]
    path = last.members[1].path
    model.decisions_changed([path])  # a decision on a group the view does not have yet: nothing to repaint
    index = model.row_of(path)
    assert index.isValid() and model.member_at(index).path == path
    assert model.rowCount() == MANY  # the view was given the rows down to that group
    decided = GroupsModel()
    decided.set_groups(fake_groups(MANY), {path: "trash"})
    decided.fetch_all()
    assert decided.row_of(path).siblingAtColumn(column_index("decision")).data() == "✗ trash"


def test_a_filter_starts_over_with_the_first_rows_of_what_it_shows(qtbot) -> None:
    model, _panel = long_panel(qtbot)
    model.fetch_all()
    model.set_filter("copy 2")  # every group has one
    assert model.rowCount() == FETCH_ROWS and model.group_count() == MANY
    model.set_filter("/photos/0000")  # groups 0-9
    assert model.rowCount() == model.group_count() == 10


def test_a_listing_built_on_another_thread_shows_what_the_model_would_have_built(qtbot) -> None:
    groups = fake_groups(300)
    decisions = {groups[5].members[1].path: "trash", groups[7].members[2].path: "trash"}
    built: list[jobs.Loaded | None] = []
    order = Order(column_index("file"), descending=False)
    worker = threading.Thread(target=lambda: built.append(jobs.shown(Review(tuple(groups), (), decisions, ()), order)))
    worker.start()
    worker.join()
    shown = built[0]
    assert shown is not None
    model, by_hand = GroupsModel(), GroupsModel()
    model.sort(order.column, Qt.SortOrder.AscendingOrder)
    model.show(shown.listing, decisions)
    by_hand.sort(order.column, Qt.SortOrder.AscendingOrder)
    by_hand.set_groups(groups, decisions)
    assert model.visible_groups() == by_hand.visible_groups()
    assert model.summary() == by_hand.summary()
    trashed = [groups[5].members[1].size, groups[7].members[2].size]
    assert shown.listing.trashed == (2, sum(trashed))


def test_a_listing_sorted_before_the_person_chose_another_order_is_sorted_again(qtbot) -> None:
    groups = fake_groups(50)
    stale = listing.build(groups, Order(column_index("size"), descending=True), {})
    model = GroupsModel()
    model.sort(column_index("file"), Qt.SortOrder.DescendingOrder)  # clicked while the listing was being built
    model.show(stale, {})
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold, reverse=True)


def test_a_reload_stays_on_the_place_far_down_the_list(qtbot) -> None:
    """After an apply or a dismissal the list comes back: the review goes on at the same row, even past the rows
    the reloaded view has been given."""
    model, panel = long_panel(qtbot)
    model.fetch_all()
    row = MANY - 5
    panel.tree.setCurrentIndex(model.index(row, 0))
    gone = panel.current()[0]
    model.set_groups([g for g in model.groups() if g is not gone])  # that group was dealt with
    qtbot.waitUntil(lambda: panel.current()[0] is not None)
    assert panel.current()[0] == model.visible_groups()[row]  # the group that took its row
    assert panel.tree.visualRect(panel.tree.currentIndex()).isValid()


def test_sorting_again_and_again_does_not_hand_the_view_more_rows(qtbot) -> None:
    """Each layout of the tree costs a call per row it has: clicks on column headers must not add rows to it."""
    model, panel = long_panel(qtbot)
    panel.tree.setCurrentIndex(QModelIndex())  # no current group to follow down the list
    for key in ("file", "folder", "copies", "match", "date", "decision", "size"):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            panel.tree.sortByColumn(column_index(key), order)
            panel.tree.executeDelayedItemsLayout()
            qtbot.wait(10)
    assert model.rowCount() == FETCH_ROWS


def test_the_down_key_walks_on_past_the_rows_first_given(qtbot) -> None:
    model, panel = long_panel(qtbot)
    panel.tree.setFocus()
    panel.tree.setCurrentIndex(model.index(FETCH_ROWS - 2, 0))
    panel.tree.scrollTo(panel.tree.currentIndex())
    for _ in range(4):
        QTest.keyClick(panel.tree, Qt.Key.Key_Down)
        qtbot.wait(5)
    assert panel.tree.currentIndex().row() == FETCH_ROWS + 2
    assert panel.current()[0] is model.visible_groups()[FETCH_ROWS + 2]


def test_t_on_every_group_of_a_long_list_is_saved_and_a_hand_decision_made_meanwhile_stays(qtbot, sandbox) -> None:
    """Past BULK_GROUPS selected groups, K and T are worked out on the store thread (as Auto-select All is)."""
    from dedup_gui.core import review
    from dedup_gui.core.store import Store
    from dedup_gui.ui.decisions import BULK_GROUPS, Decisions
    from dedup_gui.ui.store_service import StoreService

    model, panel = long_panel(qtbot)
    assert model.group_count() > BULK_GROUPS
    service = StoreService(sandbox / "store.sqlite3")
    decisions = Decisions(service)
    decisions.replace_all({}, listing.build(model.groups(), model.order(), {}))
    panel.tree.setFocus()
    QTest.keySequence(panel.tree, QKeySequence.StandardKey.SelectAll)
    groups, members = panel.selection()
    by_hand = model.visible_groups()[0].members[1].path
    expected = dict(review.auto_select(model.groups())) | {by_hand: "keep"}
    try:
        decisions.decide_many(groups, members, "trash")
        decisions.set([(by_hand, "keep")])  # the person changes one copy before the bulk change is saved
        qtbot.waitUntil(lambda: service.idle and len(decisions.marks) == len(expected), timeout=10_000)
        assert decisions.marks == expected
    finally:
        qtbot.waitUntil(lambda: service.idle, timeout=10_000)
        service.shutdown()
    store = Store(sandbox / "store.sqlite3")
    assert store.decisions() == expected  # the store agrees with what the window shows
    store.close()
    trashed = [m for g in model.groups() for m in g.members if expected.get(m.path) == "trash"]
    assert decisions.totals.files == len(trashed)
