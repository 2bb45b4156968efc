"""GroupsModel: a valid tree model (qtmodeltester), sortable by every column of its spec, filterable, with folder
names that tell copies apart and decisions shown by a mark as well as a colour."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from dedup_gui.core.types import Group, ImageInfo, Member, Tier
from dedup_gui.ui.group_columns import COLUMNS, column_index
from dedup_gui.ui.groups_model import GroupsModel, MemberRole
from dedup_gui.ui.listing import build
from dedup_gui.ui.text import folder_labels
from tests.ui.conftest import fake_groups


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(20), {"/photos/00003/copy 1.jpg": "trash"})
    model.sort(column_index("date"), Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model, force_py=True)
    model.set_filter("00003")  # the tester, connected now, checks the reset too
    qtmodeltester.check(model, force_py=True)


def test_groups_sorted_by_space_to_free_and_filtered() -> None:
    model = GroupsModel()
    groups = fake_groups(5)
    model.set_groups(reversed(groups))
    sizes = [model.group_at(model.index(r, 0)).reclaimable_bytes for r in range(model.rowCount())]
    assert sizes == sorted(sizes, reverse=True)
    assert model.summary().startswith("5 groups · 15 files")
    model.set_filter("00002/COPY")
    assert model.rowCount() == 1
    member = model.index(1, 0, model.index(0, 0)).data(MemberRole)
    assert member.path == "/photos/00002/copy 1.jpg"
    assert "filtered from 5" in model.summary()


def varied_groups() -> list[Group]:
    """Groups that differ in every sortable column."""
    out = []
    for i, g in enumerate(fake_groups(6, members=2)):
        extra = tuple(replace(g.members[1], path=f"{g.members[1].path[:-4]}-{k}.jpg") for k in range(i % 3))
        keeper = replace(g.members[0], info=replace(g.members[0].info, taken=f"20{10 + (i * 7) % 6}-01-01T00:00:00"))
        tier = (Tier.EXACT, Tier.SAME_PHOTO, Tier.SIMILAR)[i % 3]
        out.append(replace(g, tier=tier, members=(keeper, g.members[1], *extra)))
    return out


@pytest.mark.parametrize("key", [c.key for c in COLUMNS])
def test_every_column_sorts_the_groups_both_ways(key: str) -> None:
    model = GroupsModel()
    decisions = {"/photos/00001/copy 1.jpg": "trash"}
    model.set_groups(varied_groups(), decisions)
    column = COLUMNS[column_index(key)]
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(column_index(key), order)
        ctx = model._context
        keys = [column.sort_key(model.group_at(model.index(r, 0)), ctx) for r in range(model.rowCount())]
        assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)
    first = model.headerData(column_index(key), Qt.Orientation.Horizontal, Qt.ItemDataRole.InitialSortOrderRole)
    assert first == column.first_order.value  # sizes and counts: largest first on the first click


@pytest.mark.parametrize("on_the_store_thread", [True, False])
def test_ties_keep_the_keepers_order_both_ways_and_the_decision_column_follows_the_decisions(
    on_the_store_thread: bool,
) -> None:
    """Sort keys are made once per listing (on the store thread for a load, at a column's first sort after a
    removal); a click then only sorts them. Equal keys keep the keepers' path order whichever way a column sorts,
    and the Decision column's keys are made again at each sort, from the decisions as they are then."""
    groups = fake_groups(6)  # three members each: every group ties on Copies
    shuffled = [groups[k] for k in (3, 0, 5, 1, 4, 2)]
    model = GroupsModel()
    marks: dict[str, str] = {}
    if on_the_store_thread:
        model.show(build(shuffled, model.order(), marks), marks)
    else:
        model.set_groups(shuffled, marks)
    keepers = sorted(g.keeper for g in groups)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(column_index("copies"), order)
        assert [model.group_at(model.index(r, 0)).keeper for r in range(6)] == keepers
    marks.update({m.path: "trash" for m in groups[4].members[1:]})  # group 4 decided after the listing was built
    model.sort(column_index("decision"), Qt.SortOrder.AscendingOrder)  # the fewest undecided copies first
    assert model.group_at(model.index(0, 0)) is groups[4]


def test_sorting_keeps_the_current_row_on_its_group(qtbot) -> None:
    from dedup_gui.ui.group_view import GroupsPanel

    model = GroupsModel()
    panel = GroupsPanel(model)
    qtbot.addWidget(panel)
    model.set_groups(varied_groups())
    panel.tree.setCurrentIndex(model.index(2, 0))
    chosen = panel.current()[0]
    panel.tree.sortByColumn(column_index("copies"), Qt.SortOrder.DescendingOrder)
    assert panel.current()[0] is chosen


def test_folders_are_told_apart_by_their_shortest_distinct_end() -> None:
    folders = ["/home/ann/Photos/2020", "/mnt/backup/Photos/2020", "/home/ann/Export", "/home/ann/Export"]
    assert folder_labels(folders) == ["ann/Photos/2020", "backup/Photos/2020", "Export", "Export"]
    info = ImageInfo(800, 600, "JPEG", None, None, False)
    group = Group(Tier.EXACT, "/a/Photos/2020/x.jpg", "most pixels",
                  (Member("/a/Photos/2020/x.jpg", 10, False, info, None),
                   Member("/b/Photos/2020/x.jpg", 10, False, info, None)))  # fmt: skip
    model = GroupsModel()
    model.set_groups([group])
    folder = column_index("folder")
    parent = model.index(0, 0)
    assert [model.index(r, folder, parent).data() for r in range(2)] == ["a/Photos/2020", "b/Photos/2020"]
    assert model.index(1, 0, parent).data(Qt.ItemDataRole.ToolTipRole) == "/b/Photos/2020/x.jpg"


def test_a_decision_shows_a_mark_and_a_colour() -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(1), {"/photos/00000/copy 1.jpg": "trash", "/photos/00000/keeper.jpg": "keep"})
    decision = column_index("decision")
    parent = model.index(0, 0)
    texts = [model.index(r, decision, parent).data() for r in range(3)]
    assert texts == ["✓ keep", "✗ trash", ""]
    assert model.index(1, decision, parent).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, decision).data() == "1 keep · 1 trash"


def test_removing_members_drops_groups_left_alone() -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(2, members=2))
    assert model.summary().startswith("2 groups · 4 files")
    model.remove_members(["/photos/00000/copy 1.jpg"])
    assert model.rowCount() == 1
    assert model.summary().startswith("1 group · 2 files")  # counted again when the rows change


def test_ten_thousand_groups_load_and_sort(qtbot) -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(10_000))
    model.sort(column_index("file"), Qt.SortOrder.AscendingOrder)
    assert model.group_count() == 10_000
    model.fetch_all()
    assert model.rowCount() == 10_000
    names = [model.index(r, 0).data() for r in range(10_000)]
    assert names == sorted(names, key=str.casefold)


def test_sorting_is_a_valid_layout_change(qtmodeltester) -> None:
    model = GroupsModel()
    model.set_groups(varied_groups())
    qtmodeltester.check(model, force_py=True)  # stays connected: checks the layout change below
    model.sort(column_index("copies"), Qt.SortOrder.DescendingOrder)
    model.sort(column_index("match"), Qt.SortOrder.AscendingOrder)
