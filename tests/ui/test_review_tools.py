"""Reviewing a whole library quickly, in the real window on a scanned library: auto-select all (three scopes),
several groups or copies at once (keys and the context menu), the running total, and the Dismissed list."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dedup_gui.core import review
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group
from dedup_gui.ui import listing
from dedup_gui.ui.group_columns import column_index
from dedup_gui.ui.listing import Order
from dedup_gui.ui.main_window import MainWindow
from dedup_gui.ui.text import human_size
from tests.ui.conftest import make_library, open_window, scan

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)


@pytest.fixture
def scanned(qtbot, sandbox: Path):
    """The UI library plus an identical copy of the small astronaut: groups of 5 (astronaut) and 2 (coffee)."""
    lib = make_library(sandbox / "lib")
    small = lib / "photos" / "IMG_0001_small.jpg"
    (lib / "backup" / "IMG_0001_small.jpg").write_bytes(small.read_bytes())
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    window.resize(1024, 700)
    window.show()
    scan(qtbot, window)
    yield window, lib
    window.close()


def group_of(window: MainWindow, name: str) -> Group:
    return next(g for g in window.model.groups() if any(Path(p).name == name for p in g.paths))


def trash_marked(window: MainWindow) -> set[str]:
    return {p for p, d in window.decisions.marks.items() if d == "trash"}


def stored_decisions(qtbot, window: MainWindow, sandbox: Path) -> dict[str, str]:
    qtbot.waitUntil(lambda: window.service.idle)
    store = Store(sandbox / "store.sqlite3")
    try:
        return store.decisions()
    finally:
        store.close()


def select_rows(qtbot, window: MainWindow, *indexes) -> None:
    """Ctrl+click each row, as a person selects several."""
    tree = window.groups.tree
    for index in indexes:
        tree.scrollTo(index)
        pos = tree.visualRect(index).center()
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, pos)


def total_text(files: int, size: int) -> str:
    return f"{files} marked for the trash, {human_size(size)}"


def test_auto_select_all_marks_every_group_in_one_job_and_keeps_what_was_decided(qtbot, scanned, sandbox) -> None:
    window, lib = scanned
    groups = window.model.groups()
    assert window.total.text() == "Nothing marked for the trash"
    small = str(lib / "photos" / "IMG_0001_small.jpg")
    window.groups.select_path(small)
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)  # decided by hand before
    submitted: list[int] = []
    window.service.submitted.connect(lambda job_id, _job: submitted.append(job_id))
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        qtbot.keyClick(
            window.groups.tree, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert len(submitted) == 1  # one store job for every group
    expected = dict(review.auto_select(groups)) | {small: "keep"}
    assert window.decisions.marks == expected
    assert stored_decisions(qtbot, window, sandbox) == expected
    sizes = {m.path: m.size for g in groups for m in g.members}
    trashed = [p for p, d in expected.items() if d == "trash"]
    assert window.total.text() == total_text(len(trashed), sum(sizes[p] for p in trashed))
    assert "decisions you had made were kept" in window.statusBar().currentMessage()
    big = group_of(window, "IMG_0001.jpg")
    row = window.model.visible_groups().index(big)
    kept = sum(1 for p in big.paths if expected[p] == "keep")
    shown = window.model.index(row, column_index("decision")).data()
    assert shown == f"{kept} keep · {len(big.members) - kept} trash"  # the list shows it without a reload


def test_auto_select_the_groups_shown_or_only_identical_copies(qtbot, scanned) -> None:
    window, lib = scanned
    window.groups.filter.setText("coffee")
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_shown.trigger()
    coffee = group_of(window, "coffee.jpg")
    assert set(window.decisions.marks) == set(coffee.paths)  # the astronaut group, filtered out, is untouched
    window.groups.filter.clear()
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_exact.trigger()
    big = group_of(window, "IMG_0001.jpg")
    marked = {Path(p).relative_to(lib).as_posix(): d for p, d in window.decisions.marks.items() if p in big.paths}
    keeper = Path(big.keeper).relative_to(lib).as_posix()
    twin = "backup/IMG_0001.jpg" if keeper == "photos/IMG_0001.jpg" else "photos/IMG_0001.jpg"
    # only the keeper's identical copy goes; the small copies, the rotated one, stay undecided
    assert marked == {keeper: "keep", twin: "trash"}


def test_k_and_t_act_on_every_selected_group_and_copy(qtbot, scanned) -> None:
    window, _ = scanned
    tree, model = window.groups.tree, window.model
    tree.setCurrentIndex(model.index(0, 0))
    select_rows(qtbot, window, model.index(1, 0))
    assert len(window.groups.selection()[0]) == 2
    qtbot.keyClick(tree, Qt.Key.Key_T)
    assert window.decisions.marks == dict(review.auto_select(model.groups()))
    qtbot.keyClick(tree, Qt.Key.Key_K)
    assert set(window.decisions.marks.values()) == {"keep"} and len(window.decisions.marks) == 7
    # two copies of the big group: T trashes exactly those two
    big_row = model.visible_groups().index(group_of(window, "IMG_0001.jpg"))
    parent = model.index(big_row, 0)
    copies = [model.index(r, 0, parent) for r in range(1, 3)]
    tree.setCurrentIndex(copies[0])
    select_rows(qtbot, window, copies[1])
    qtbot.keyClick(tree, Qt.Key.Key_T)
    assert trash_marked(window) == {model.member_at(i).path for i in copies}
    sizes = sum(model.member_at(i).size for i in copies)
    assert window.total.text() == total_text(2, sizes)


def test_the_context_menu_offers_the_same_for_the_selection(qtbot, scanned) -> None:
    window, _ = scanned
    tree, model = window.groups.tree, window.model
    tree.setCurrentIndex(model.index(0, 0))
    select_rows(qtbot, window, model.index(1, 0))
    window.groups._menu(tree.visualRect(model.index(1, 0)).center())
    menu = window.groups.menu
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == ["Keep All Selected (K)", "Auto-select Selected Groups (T)"]
    assert "Open in Default Viewer" in texts
    next(a for a in menu.actions() if a.text() == "Auto-select Selected Groups (T)").trigger()
    assert window.decisions.marks == dict(review.auto_select(model.groups()))
    menu.close()


def test_the_running_total_follows_every_change_and_a_reopen(qtbot, scanned, sandbox) -> None:
    window, lib = scanned
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_all.trigger()
    sizes = {m.path: m.size for g in window.model.groups() for m in g.members}
    trashed = sorted(trash_marked(window))
    assert window.total.text() == total_text(len(trashed), sum(sizes[p] for p in trashed))
    window.groups.select_path(trashed[0])
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)
    assert window.total.text() == total_text(len(trashed) - 1, sum(sizes[p] for p in trashed[1:]))
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_T)
    assert window.total.text() == total_text(len(trashed), sum(sizes[p] for p in trashed))
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_T)  # twice is once
    assert window.total.text() == total_text(len(trashed), sum(sizes[p] for p in trashed))
    qtbot.waitUntil(lambda: window.service.idle)
    window.close()
    again = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    assert again.total.text() == total_text(len(trashed), sum(sizes[p] for p in trashed))
    again.close()


def test_n_splits_a_copy_off_with_its_identical_copies_and_the_dismissed_list_undoes_it(qtbot, scanned) -> None:
    window, lib = scanned
    big = group_of(window, "IMG_0001.jpg")
    assert len(big.members) == 5
    small = lib / "photos" / "IMG_0001_small.jpg"
    window.groups.select_path(str(small))
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    names = sorted(sorted(Path(p).relative_to(lib).as_posix() for p in g.paths) for g in window.model.groups())
    assert ["backup/IMG_0001_small.jpg", "photos/IMG_0001_small.jpg"] in names  # split off together
    assert len(group_of(window, "IMG_0001.jpg").members) == 3
    assert window.actions.dismissed.text() == "&Dismissed (1)"
    panel = window.dismissed
    item = panel.tree.topLevelItem(0)
    assert "IMG_0001_small.jpg is not a copy of" in item.text(0)
    assert item.text(1)[:4].isdigit() and item.text(2) == "5" and item.childCount() == 5
    window.actions.dismissed.trigger()
    assert window.dismissed_dock.isVisible()
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.mouseClick(panel.buttons[next(iter(panel.buttons))], Qt.MouseButton.LeftButton)
    assert len(group_of(window, "IMG_0001.jpg").members) == 5
    assert panel.tree.topLevelItemCount() == 0 and panel.empty.isVisible()


def test_n_on_a_group_dismisses_it_but_identical_copies_stay_together(qtbot, scanned) -> None:
    window, lib = scanned
    big = group_of(window, "IMG_0001.jpg")
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(big), 0))
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    names = sorted(sorted(Path(p).relative_to(lib).as_posix() for p in g.paths) for g in window.model.groups())
    assert names == [
        ["backup/IMG_0001.jpg", "photos/IMG_0001.jpg"],
        ["backup/IMG_0001_small.jpg", "photos/IMG_0001_small.jpg"],
        ["backup/coffee.jpg", "photos/coffee.jpg"],
    ]  # the rotated copy stands alone now; every identical pair stays a group
    assert "and 4 others are not duplicates" in window.dismissed.tree.topLevelItem(0).text(0)
    assert QApplication.focusWidget() is window.groups.tree


def test_a_large_selection_is_one_change_of_the_list(qtbot) -> None:
    """Auto-select of many groups repaints the list once, not once per group; one decision repaints its rows."""
    from dedup_gui.ui.groups_model import BULK_PATHS, GroupsModel
    from tests.ui.conftest import fake_groups

    model = GroupsModel()
    groups = fake_groups(BULK_PATHS)
    model.set_groups(groups, {})
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: seen.append((a.row(), b.row(), a.parent().row(), b.column() - a.column()))
    )
    model.layoutChanged.connect(lambda *_: seen.append((-1, -1, -1, -1)))
    model.decisions_changed([m.path for g in groups for m in g.members])
    assert seen == [(0, len(groups) - 1, -1, 0)]  # every group row, the decision column, in one signal
    seen.clear()
    row = model.visible_groups().index(groups[3])
    model.decisions_changed([groups[3].members[1].path])
    assert seen == [(row, row, -1, 0), (1, 1, row, 0)]  # the group's summary and the copy's own row
    seen.clear()
    model.decisions_changed(["/not/in/the/list.jpg"])
    assert seen == []


def test_selection_keeps_a_protected_copy_out_of_the_trash(qtbot, sandbox) -> None:
    from dedup_gui.ui.decisions import Decisions
    from dedup_gui.ui.store_service import StoreService
    from tests.ui.conftest import fake_groups

    service = StoreService(sandbox / "store.sqlite3")
    decisions = Decisions(service)
    group = fake_groups(1)[0]
    guarded = group.members[2]
    from dataclasses import replace

    group = replace(group, members=(*group.members[:2], replace(guarded, protected=True)))
    decisions.replace_all({}, listing.build([group], Order(0, descending=False), {}))
    decisions.decide_many([], [(group, m.path) for m in group.members[1:]], "trash")
    assert decisions.marks == {group.members[1].path: "trash"}
    assert decisions.totals.files == 1 and decisions.totals.bytes == group.members[1].size
    qtbot.waitUntil(lambda: service.idle)
    service.shutdown()


def test_n_on_a_group_of_identical_copies_says_why_nothing_changes(qtbot, scanned) -> None:
    window, _ = scanned
    coffee = group_of(window, "coffee.jpg")
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(coffee), 0))
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: "identical copies of one picture" in window.statusBar().currentMessage())
    assert group_of(window, "coffee.jpg").paths == coffee.paths and window.dismissed.tree.topLevelItemCount() == 0


def test_after_n_the_review_goes_on_in_the_same_group(qtbot, scanned) -> None:
    window, lib = scanned
    rotated = str(lib / "photos" / "IMG_0001_rotated.jpg")
    big = group_of(window, "IMG_0001.jpg")
    window.groups.tree.sortByColumn(column_index("copies"), Qt.SortOrder.AscendingOrder)  # the big group last
    assert window.model.visible_groups().index(big) == 1
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(big), 0))
    window.groups.select_path(rotated)
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    group, member = window.groups.current()
    assert group is not None and group.keeper == big.keeper and member is None  # not back at the top of the list
    assert rotated not in group.paths and window.compare.group is group
