"""A whole review through the real window, as a person does it with mouse and keyboard: drop a folder, scan,
auto-select, change two decisions, apply, undo, close and reopen; the files on disk are checked at each step."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from dedup_gui.core import settings as settings_io
from dedup_gui.ui.main_window import EMPTY, RESULTS
from tests.ui.conftest import make_library
from tests.ui.test_main_window import drop, open_window

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def on_disk(paths) -> dict[str, bool]:
    return {p: Path(p).exists() for p in paths}


def test_a_whole_review_with_mouse_and_keyboard(qtbot, sandbox: Path) -> None:
    lib = make_library(sandbox / "lib")
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

    # auto-select every group (the button of the group shown, group by group)
    groups = window.model.groups()
    for row in range(window.model.rowCount()):
        window.groups.tree.setCurrentIndex(window.model.index(row, 0))
        qtbot.mouseClick(window.compare.auto, Qt.MouseButton.LeftButton)
    marked = {m.path for g in groups for m in g.members if m.path != g.keeper}
    assert {p for p, d in window.decisions.marks.items() if d == "trash"} == marked

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
    trashed = sorted(marked - {first, second})
    assert all(on_disk(every_photo).values())  # deciding moves nothing

    # Ctrl+Return applies after a confirmation that counts the files
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    box = window.confirm_box
    assert f"Move {len(trashed)} files" in box.text()
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        box.button(QMessageBox.StandardButton.Cancel).setFocus()
        box.accept()
    qtbot.waitUntil(lambda: window.service.idle)
    assert not any(on_disk(trashed).values())
    assert all(on_disk(set(every_photo) - set(trashed)).values())
    assert window.message.isVisible() and f"{len(trashed)} files moved to the trash" in window.message.text()

    # Ctrl+Z undoes it; the result stays on screen until dismissed
    window.activateWindow()  # what the window manager does when the confirmation closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert QApplication.focusWidget() is window.groups.tree  # back on the list, ready for the next key
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        qtbot.keyClick(window.groups.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(on_disk(every_photo).values())
    assert f"{len(trashed)} files restored" in window.message.text()
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
