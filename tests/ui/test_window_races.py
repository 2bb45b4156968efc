"""The window while other work is under way: marks made while the list reloads, Apply and Undo while a scan runs,
and a confirmation that names everything that will move (sidecars too). Real window, store, files and trash."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup_gui.core.store import Store
from dedup_gui.ui.main_window import MainWindow
from tests.conftest import photo, save_jpeg
from tests.ui.conftest import make_library, open_window, scan

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)


def _stored(sandbox: Path) -> dict[str, str]:
    store = Store(sandbox / "store.sqlite3")
    try:
        return store.decisions()
    finally:
        store.close()


def _copy_of(window: MainWindow, name: str) -> str:
    group = next(g for g in window.model.groups() if Path(g.keeper).name == name)
    return next(p for p in group.paths if p != group.keeper)


def test_a_mark_made_while_the_list_reloads_stays_as_it_was_saved(qtbot, scanned_window, sandbox: Path) -> None:
    """T pressed after a reload was asked for (N, Undo, an apply's end) and before it came back: the reload read
    the store before that mark was saved, and showed the file undecided while the store and an apply had it Trash."""
    window, _ = scanned_window
    copy = _copy_of(window, "coffee.jpg")
    window._reload()  # the list loaded again on the store thread ...
    window.decisions.set([(copy, "trash")])  # ... and T at once, before it comes back
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: window.service.idle)
    assert _stored(sandbox)[copy] == "trash"
    assert window.decisions.get(copy) == "trash"
    assert window.decisions.totals.files == 1 and window.model.data(window.model.row_of(copy)) is not None
    window._reload()  # a load asked for after the mark has it from the store
    qtbot.waitUntil(lambda: window.service.idle)
    assert window.decisions.get(copy) == "trash" and window.decisions.totals.files == 1


def test_nothing_moves_or_comes_back_while_a_scan_runs(qtbot, scanned_window, sandbox: Path) -> None:
    """A scan rewrites the records an apply's checks compare with; Apply, Move to Folder and Undo wait for it."""
    window, lib = scanned_window
    copy = _copy_of(window, "coffee.jpg")
    window.decisions.set([(copy, "trash")])
    qtbot.waitUntil(lambda: window.service.idle)
    for n in range(6):  # work for the scan, so that it is still running below
        save_jpeg(photo("chelsea", (900, 700)).rotate(n * 9), lib / "more" / f"m{n}.jpg")
    window.start_scan()
    assert window.scan_thread is not None
    assert not window.actions.apply.isEnabled() and not window.actions.undo.isEnabled()
    assert not window.actions.move_to.isEnabled()
    window.apply_decisions()  # a shortcut's path, or a button's, around the disabled menu item
    window.undo_last()
    assert not window.flow.busy and "A scan is running" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.scan_thread is None, timeout=60_000)
    assert window.actions.apply.isEnabled() and window.actions.undo.isEnabled()
    assert Path(copy).exists()


def test_the_confirmation_counts_and_names_the_sidecars_that_go_too(qtbot, sandbox: Path) -> None:
    lib = make_library(sandbox / "lib")
    small = lib / "photos" / "IMG_0001_small.jpg"
    (lib / "photos" / "IMG_0001_small.MOV").write_bytes(b"a Live Photo's video" * 100)
    (lib / "photos" / "IMG_0001_small.xmp").write_text("the edits")
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    scan(qtbot, window)
    window.decisions.set([(str(small), "trash")])
    qtbot.waitUntil(lambda: window.service.idle)
    with qtbot.waitSignal(window.flow.checked, timeout=20_000):
        window.apply_decisions()
    box = window.flow.box
    assert box is not None and "Move 3 files" in box.text()
    info = box.informativeText()
    assert "2 of them belong to the photos" in info
    assert "IMG_0001_small.MOV" in info and "IMG_0001_small.xmp" in info
    with qtbot.waitSignal(window.flow.applied, timeout=20_000):
        box.accept()
    assert not small.exists() and not (lib / "photos" / "IMG_0001_small.MOV").exists()
    window.close()
