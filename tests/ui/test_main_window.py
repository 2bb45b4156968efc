"""Review flows in the real window: drop folders, scan, decide, reopen, apply and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from dedup_gui.core.review import Review
from dedup_gui.core.store import Store
from dedup_gui.ui import jobs
from dedup_gui.ui.compare_dialog import CompareDialog
from dedup_gui.ui.group_columns import column_index
from dedup_gui.ui.groups_model import LONG_LIST
from dedup_gui.ui.main_window import EMPTY, RESULTS, MainWindow, first_place
from tests.ui.conftest import fake_groups, make_library, open_window

# the offscreen platform says so whenever a dialog opens; harmless
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def drop(window: MainWindow, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(event)


def test_empty_state_says_what_to_do_and_a_drop_adds_folders(qtbot, sandbox: Path) -> None:
    window = open_window(qtbot, sandbox)
    assert window.stack.currentIndex() == EMPTY
    assert "Drop folders here" in window.empty_text.text()
    assert not window.folders.scan_button.isEnabled()
    (sandbox / "a").mkdir()
    (sandbox / "b").mkdir()
    drop(window, sandbox / "a", sandbox / "b")
    qtbot.waitUntil(lambda: len(window.folders.paths()) == 2)
    assert window.folders.paths() == [str(sandbox / "a"), str(sandbox / "b")]
    assert window.folders.scan_button.isEnabled()
    assert "Ready to scan" in window.empty_text.text()
    window.close()


def test_the_first_window_takes_most_of_the_screen_and_a_later_one_its_last_place(qtbot, sandbox: Path) -> None:
    """Opened for the first time, the window took its smallest size (9 of 748 groups in view on a 1600 x 1000
    screen); afterwards it opens where it was closed."""
    assert first_place(QRect(0, 0, 1600, 1000)) == QRect(120, 75, 1360, 850)
    assert first_place(QRect(1920, 30, 2560, 1410)) == QRect(2112, 136, 2176, 1198)  # a second screen, a top bar
    window = open_window(qtbot, sandbox)
    area = window.screen().availableGeometry()  # the test screen is smaller than the window's least size
    assert window.width() >= min(0.85 * area.width(), window.minimumSizeHint().width())
    window.resize(700, 500)
    window.close()
    again = open_window(qtbot, sandbox)
    assert (again.width(), again.height()) == (700, 500)
    again.close()


def test_a_dropped_photo_offers_its_folder_instead_of_breaking_the_scan(qtbot, sandbox: Path) -> None:
    lib = make_library(sandbox / "lib")
    window = open_window(qtbot, sandbox)
    drop(window, lib / "photos" / "coffee.jpg", sandbox / "gone")
    qtbot.waitUntil(lambda: getattr(window, "offer_box", None) is not None)
    box = window.offer_box
    assert "coffee.jpg" in box.text() and "not in single photos" in box.text()
    assert str(lib / "photos") in box.informativeText()
    assert "Not found" in window.statusBar().currentMessage()
    assert window.folders.paths() == []  # nothing added behind the user's back
    box.accept()
    assert window.folders.paths() == [str(lib / "photos")]
    window.close()


def test_scan_shows_groups_problems_and_compare(qtbot, scanned_window) -> None:
    window, _ = scanned_window
    assert window.model.rowCount() == 2  # the astronaut copies and the coffee copies
    assert "2 groups" in window.groups.summary.text()
    assert any(
        "broken.jpg" in window.problems.topLevelItem(i).text(0) for i in range(window.problems.topLevelItemCount())
    )
    group = window.compare.group
    assert group is not None and group.keeper_reason in window.compare.header.text()
    qtbot.waitUntil(lambda: all(window.images.pixmap("thumb", m.path) is not None for m in group.members))


def test_decisions_persist_across_a_reopen(qtbot, scanned_window, sandbox: Path) -> None:
    window, _ = scanned_window
    group = window.compare.group
    window.groups.focus_tree()
    qtbot.mouseClick(window.compare.auto, Qt.MouseButton.LeftButton)
    member = window.model.index(1, 0, window.model.index(0, 0))
    window.groups.tree.setCurrentIndex(member)
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)  # keyboard: keep this copy after all
    qtbot.waitUntil(lambda: window.service.idle)
    expected = {m.path: "trash" for m in group.members if m.path != group.keeper} | {group.keeper: "keep"}
    expected[group.members[1].path] = "keep"
    store = Store(sandbox / "store.sqlite3")
    assert store.decisions() == expected
    store.close()
    window.close()
    again = open_window(qtbot, sandbox)
    assert again.model.rowCount() == 2
    assert again.decisions.marks == expected
    assert "trash" in again.model.index(0, column_index("decision")).data()
    again.close()


def test_apply_from_the_window_then_undo(qtbot, scanned_window, monkeypatch) -> None:
    window, _ = scanned_window
    group = window.compare.group
    window.auto_select()
    victims = [m.path for m in group.members if m.path != group.keeper]
    with qtbot.waitSignal(window.flow.checked, timeout=20_000):  # every marked file checked first (a dry run)
        window.apply_decisions()
    box = window.flow.box
    assert f"Move {len(victims)} files" in box.text()
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        box.button(QMessageBox.StandardButton.Cancel).setFocus()
        box.accept()
    qtbot.waitUntil(lambda: window.service.idle)
    assert not any(Path(p).exists() for p in victims)
    assert window.model.rowCount() == 1
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        window.undo_last()
    assert all(Path(p).exists() for p in victims)
    assert window.model.rowCount() == 2


def test_not_duplicates_hides_a_member(qtbot, scanned_window) -> None:
    window, lib = scanned_window
    rotated = str(lib / "photos" / "IMG_0001_rotated.jpg")
    window.groups.select_path(rotated)
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    assert all(rotated not in g.paths for g in window.model.groups())


def test_large_compare_view_zooms_flips_and_overlays(qtbot, scanned_window) -> None:
    window, _ = scanned_window
    window.open_large_compare()
    dialog = window.compare_dialog
    assert isinstance(dialog, CompareDialog)
    qtbot.waitUntil(lambda: all(window.images.pixmap("full", p.path) is not None for p in dialog.panes))
    qtbot.keyClick(dialog, Qt.Key.Key_Plus)
    assert dialog.state.zoom > 1 and all(p.state is dialog.state for p in dialog.panes)
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    assert dialog.flip_mode and dialog.panes[0].path == dialog.a
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    assert dialog.panes[0].path == dialog.b
    qtbot.keyClick(dialog, Qt.Key.Key_D)
    assert dialog.panes[0].overlay == dialog.a
    dialog.grab()
    dialog.close()


def test_a_long_list_is_shown_with_its_first_group_current(qtbot, sandbox: Path) -> None:
    """Past LONG_LIST groups the list is filled, then shown in a later turn of the event loop (its layout walks
    every row); the person still gets the list, its count, and the first group ready for the review keys."""
    window = open_window(qtbot, sandbox)
    groups = fake_groups(LONG_LIST + 100)
    window._on_loaded(jobs.shown(Review(tuple(groups), (), {}, (), scan_id=1), window.model.order()))
    qtbot.waitUntil(lambda: window.stack.currentIndex() == RESULTS, timeout=5000)
    qtbot.waitUntil(lambda: window.groups.current()[0] is not None, timeout=5000)
    largest = max(groups, key=lambda g: g.reclaimable_bytes)  # sorted by space to free, largest first
    assert window.groups.current()[0] == largest
    assert f"{len(groups):,} groups" in window.statusBar().currentMessage()


def test_the_settings_offer_turned_copies_which_the_scan_then_looks_for(qtbot) -> None:
    """Rotated queries are on with a graphics card; on the processor the person chooses them, and only with the
    image model, which they need."""
    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(embeddings=True, rotations=False))
    qtbot.addWidget(dialog)
    assert not dialog.rotations.isChecked() and dialog.rotations.isEnabled()
    assert dialog.settings().scan_config().rotations is None  # left to the device: on where a GPU runs the model
    dialog.rotations.setChecked(True)
    assert dialog.settings().rotations and dialog.settings().scan_config().rotations is True
    dialog.embeddings.setChecked(False)
    assert not dialog.rotations.isEnabled()
