"""A whole review through the real window, as a person does it with mouse and keyboard: drop a folder, scan,
auto-select all, change two decisions, dismiss a group and undo that in the Dismissed list, apply (the confirmation
counts the file that will be kept), undo, close and reopen; the files on disk are checked at each step."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from dedup_gui.core import settings as settings_io
from dedup_gui.ui.main_window import EMPTY, RESULTS
from tests.ui.conftest import make_library, open_window
from tests.ui.test_main_window import drop

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
CTRL = Qt.KeyboardModifier.ControlModifier


def on_disk(paths) -> dict[str, bool]:
    return {p: Path(p).exists() for p in paths}


def test_a_whole_review_with_mouse_and_keyboard(qtbot, sandbox: Path) -> None:
    lib = make_library(sandbox / "lib")
    small = lib / "photos" / "IMG_0001_small.jpg"
    (lib / "backup" / "IMG_0001_small.jpg").write_bytes(small.read_bytes())
    every_photo = sorted(str(p) for p in lib.rglob("*.jpg"))
    window = open_window(qtbot, sandbox)
    window.resize(1024, 700)
    window.show()
    assert window.stack.currentIndex() == EMPTY

    # drop the folder on the window; it is saved at once (a crash or logout would not lose it)
    drop(window, lib)
    qtbot.waitUntil(lambda: window.folders.paths() == [str(lib)])
    qtbot.waitUntil(lambda: settings_io.load(sandbox / "settings.toml").folders == (f"scan:{lib}",), timeout=5000)

    # F5 scans; the list gets the keyboard focus when the results arrive
    with qtbot.waitSignal(window.model.modelReset, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.scan_thread is None)
    assert window.stack.currentIndex() == RESULTS
    assert QApplication.focusWidget() is window.groups.tree
    assert all(on_disk(every_photo).values())

    # auto-select every group at once (Ctrl+Shift+A); the running total says what that marks
    groups = window.model.groups()
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    marked = {m.path for g in groups for m in g.members if m.path != g.keeper}
    assert {p for p, d in window.decisions.marks.items() if d == "trash"} == marked
    assert window.total.text().startswith(f"{len(marked)} marked for the trash")

    # change two decisions: K on a copy in the list, and the Keep button under another copy's picture
    big = max(groups, key=lambda g: len(g.members))
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(big), 0))
    first, second = [m.path for m in big.members if m.path != big.keeper][:2]
    window.groups.select_path(first)
    window.groups.focus_tree()
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)
    keep_button, _ = window.compare._buttons[second]
    qtbot.waitUntil(keep_button.isVisible)  # new widgets show on the next pass of the event loop
    assert not keep_button.visibleRegion().isEmpty()  # in view at 1024 x 700, without scrolling
    qtbot.mouseClick(keep_button, Qt.MouseButton.LeftButton)
    assert window.decisions.get(first) == window.decisions.get(second) == "keep"
    assert keep_button.text().startswith("✓")  # the decision is not shown by colour alone
    assert window.total.text().startswith(f"{len(marked) - 2} marked for the trash")
    assert all(on_disk(every_photo).values())  # deciding moves nothing

    # N on the big group (the list's keys): its identical copies stay together, the rest goes apart; then Undo in
    # the Dismissed list: the group is back as it was, without the decisions the dismissal cleared
    window.groups.tree.setCurrentIndex(window.model.index(window.model.visible_groups().index(big), 0))
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_N)
    assert len(window.model.groups()) == 3 and max(len(g.members) for g in window.model.groups()) == 2
    assert window.dismissed.tree.topLevelItemCount() == 1 and window.actions.dismissed.text() == "&Dismissed (1)"
    assert all(on_disk(every_photo).values())
    window.actions.dismissed.trigger()  # View > Dismissed
    undo = next(iter(window.dismissed.buttons.values()))
    qtbot.waitUntil(undo.isVisible)
    with qtbot.waitSignal(window.model.modelReset, timeout=10_000):
        qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert sorted(map(sorted, (g.paths for g in window.model.groups()))) == sorted(sorted(g.paths) for g in groups)
    assert window.dismissed.tree.topLevelItemCount() == 0
    assert not any(p in window.decisions.marks for p in big.paths)  # a dismissal forgets the group's decisions
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_all.trigger()  # fills the group in again, as proposed
    window.groups.select_path(first)
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)
    window.groups.select_path(second)
    qtbot.keyClick(window.groups.tree, Qt.Key.Key_K)
    trashed = sorted(marked - {first, second})
    assert {p for p, d in window.decisions.marks.items() if d == "trash"} == set(trashed)
    assert all(on_disk(every_photo).values())

    # a marked copy is edited meanwhile: Ctrl+Return checks every file first and says it will be kept, and why
    edited = trashed[0]
    with open(edited, "ab") as fh:
        fh.write(b"edited")
    with qtbot.waitSignal(window.flow.checked, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    box = window.flow.box
    moving = trashed[1:]
    assert f"Move {len(moving)} files" in box.text()
    assert "1 marked file will be kept because:" in box.informativeText()
    assert "changed since the scan" in box.informativeText()
    assert all(on_disk(every_photo).values())  # the check moved nothing
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        box.button(QMessageBox.StandardButton.Cancel).setFocus()
        box.accept()
    qtbot.waitUntil(lambda: window.service.idle)
    assert not any(on_disk(moving).values())
    assert all(on_disk(set(every_photo) - set(moving)).values())
    assert window.message.isVisible() and f"{len(moving)} files moved to the trash" in window.message.text()
    assert "1 stayed, as the check said" in window.message.text()  # no second report of what was announced
    assert window.total.text().startswith("1 marked for the trash")  # the edited copy, still marked

    # Ctrl+Z undoes it; the result stays on screen until dismissed
    window.activateWindow()  # what the window manager does when the confirmation closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert QApplication.focusWidget() is window.groups.tree  # back on the list, ready for the next key
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_Z, CTRL)
    assert all(on_disk(every_photo).values())
    assert f"{len(moving)} files restored" in window.message.text()
    assert window.total.text().startswith(f"{len(trashed)} marked for the trash")
    for _ in range(20):
        QApplication.processEvents()
    assert window.message.isVisible()
    qtbot.mouseClick(window.message.close_button, Qt.MouseButton.LeftButton)
    assert not window.message.isVisible()

    # close and reopen: the folder, the groups and the decisions are back
    decisions = dict(window.decisions.marks)
    window.close()
    again = open_window(qtbot, sandbox, **vars_of(settings_io.load(sandbox / "settings.toml")))
    assert again.folders.paths() == [str(lib)]
    assert again.model.rowCount() == len(groups)
    assert again.decisions.marks == decisions
    assert all(on_disk(every_photo).values())
    again.close()


def vars_of(settings: settings_io.Settings) -> dict:
    """The saved settings as MainWindow keyword arguments (open_window adds embeddings=False)."""
    return {"folders": settings.folders, "mode": settings.mode}
