"""Apply from the real window: the confirmation counts what will be refused (a dry run first, with Cancel), moving
into a folder instead of the trash and back with Undo, and keepers proposed again after the keeper rules change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox, QPushButton

from dedup_gui.core import review, trash
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.ui.main_window import MainWindow
from tests.conftest import photo, save_jpeg
from tests.ui.conftest import make_library, open_window, scan

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)


@pytest.fixture
def selected(qtbot, sandbox: Path):
    """A scanned library with every group auto-selected."""
    lib = make_library(sandbox / "lib")
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    scan(qtbot, window)
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_all.trigger()
    yield window, lib
    window.close()


def marked(window: MainWindow) -> list[str]:
    return sorted(p for p, d in window.decisions.marks.items() if d == "trash")


def check(qtbot, window: MainWindow, move_to: Path | None = None) -> QMessageBox:
    with qtbot.waitSignal(window.flow.checked, timeout=20_000):
        if move_to is None:
            window.apply_decisions()
        else:
            window.move_marked_to(move_to)
    assert window.flow.box is not None
    return window.flow.box


def test_the_confirmation_says_how_many_will_be_kept_and_why_before_anything_moves(qtbot, selected) -> None:
    window, lib = selected
    copies = [p for p in marked(window) if "coffee" not in p]
    changed = Path(copies[0])
    with changed.open("ab") as fh:  # edited since the scan
        fh.write(b"\0" * 100)
    coffee = [str(lib / "photos" / "coffee.jpg"), str(lib / "backup" / "coffee.jpg")]
    window.decisions.set([(p, "trash") for p in coffee])  # both copies of a picture: one must stay
    victims = marked(window)
    box = check(qtbot, window)
    assert f"Move {len(victims) - 2} files" in box.text() and "to the trash" in box.text()
    info = box.informativeText()
    assert "2 marked files will be kept because:" in info
    assert "1: changed since the scan (size or date): scan again" in info
    assert "1: the last copy of its group: keep at least one" in info
    assert str(changed) in box.detailedText()
    assert all(Path(p).exists() for p in victims)  # a check moves nothing
    with qtbot.waitSignal(window.flow.applied, timeout=20_000):
        box.accept()
    assert changed.exists() and sum(Path(p).exists() for p in coffee) == 1
    assert not any(Path(p).exists() for p in copies[1:])


def test_when_nothing_can_move_the_confirmation_only_closes(qtbot, selected) -> None:
    window, _ = selected
    for p in marked(window):
        with open(p, "ab") as fh:
            fh.write(b"\0")
    box = check(qtbot, window)
    assert "None of the" in box.text() and box.button(QMessageBox.StandardButton.Close) is not None
    assert box.button(QMessageBox.StandardButton.Cancel) is None
    box.reject()
    assert not window.flow.busy
    assert all(Path(p).exists() for p in marked(window))


def test_the_check_can_be_cancelled(qtbot, selected) -> None:
    window, _ = selected
    window.apply_decisions()
    # pressed before the store thread got to it: the check stops at its first chunk
    window.flow.checking.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: not window.flow.busy, timeout=20_000)
    assert window.flow.box is None and "Check cancelled" in window.statusBar().currentMessage()
    assert all(Path(p).exists() for p in marked(window))


def test_marked_files_move_into_a_folder_and_undo_brings_them_back(qtbot, selected, sandbox: Path) -> None:
    window, _ = selected
    victims = marked(window)
    aside = sandbox / "aside"
    box = check(qtbot, window, aside)
    assert f"Move {len(victims)} files" in box.text() and str(aside) in box.text()
    assert "inside a folder you scan" not in box.informativeText()
    assert box.button(QMessageBox.StandardButton.Cancel) is not None
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        box.accept()
    qtbot.waitUntil(lambda: window.service.idle)
    for p in victims:
        assert not Path(p).exists() and trash.aside_path(p, aside).is_file()
    assert f"{len(victims)} files moved to {aside}" in window.message.text()
    assert window.total.text() == "Nothing marked for the trash"
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        window.undo_last()
    assert all(Path(p).exists() for p in victims)
    assert not any(trash.aside_path(p, aside).exists() for p in victims)


def test_a_folder_inside_the_scanned_ones_is_named_in_the_confirmation(qtbot, selected) -> None:
    window, lib = selected
    box = check(qtbot, window, lib / "aside")
    assert "inside a folder you scan" in box.informativeText()
    box.reject()


def test_new_keeper_rules_offer_to_choose_keepers_again(qtbot, sandbox: Path) -> None:
    lib = sandbox / "lib"
    base = photo("astronaut", (480, 360))
    save_jpeg(base, lib / "big.jpg", quality=40)  # most pixels, smallest file
    save_jpeg(base.resize((400, 300), Image.Resampling.LANCZOS), lib / "heavy.jpg", quality=100)
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    scan(qtbot, window)
    (group,) = window.model.groups()
    assert Path(group.keeper).name == "big.jpg"
    with qtbot.waitSignal(window.decisions.bulk_done, timeout=10_000):
        window.actions.auto_all.trigger()
    rules = ("file-size", *(r for r in DEFAULT_KEEPER_RULES if r != "file-size"))
    window.change_settings(replace(window.settings, keeper_rules=rules))
    box = window.repropose_box
    assert "no photo is read again" in box.informativeText()
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        box.accept()
    (group,) = window.model.groups()
    assert Path(group.keeper).name == "heavy.jpg" and group.keeper_reason == "largest file"
    assert window.decisions.marks == review.proposal(group)  # the untouched auto-select follows
    assert "1 auto-selected groups follow them" in window.statusBar().currentMessage()
    assert "heavy.jpg" in window.compare.header.text()
    window.change_settings(replace(window.settings, mode="similar"))  # not the keeper rules: nothing to offer
    assert window.repropose_box is box
    window.close()


def test_the_check_says_what_it_does_and_shows_its_progress(qtbot, selected) -> None:
    window, _ = selected
    files = len(marked(window))
    seen: list[tuple[int, int]] = []
    window.flow.progressed.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(window.flow.checked, timeout=20_000):
        window.apply_decisions()
        checking = window.flow.checking
        assert f"Checking {files} files before anything moves" in checking.labelText()
        assert checking.isModal()  # the decisions cannot change under the check
    assert seen and seen[-1] == (files, files)
    assert window.flow.checking is None  # closed when the confirmation opens
    window.flow.box.reject()
