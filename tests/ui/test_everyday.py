"""Everyday actions and small breaks in the real window: open, show in folder, copy path, export, Problems, the
saved folder list (also on SIGTERM), the progress figure and what a cancel says."""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from dedup_gui.core import settings as settings_io
from dedup_gui.core.progress import PREPARING_MODEL, ProgressEvent, Stage
from dedup_gui.ui import main_window
from dedup_gui.ui.lifecycle import SignalQuit
from dedup_gui.ui.main_window import EMPTY
from dedup_gui.ui.scan_progress import ScanProgress
from tests.conftest import slow_library
from tests.ui.conftest import make_library, open_window

# the offscreen platform says so when a dialog or a context menu opens; harmless
pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)


class UrlCatcher(QObject):
    """Stands in for the desktop's viewer and file manager: QDesktopServices hands file URLs to it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile())


@pytest.fixture
def desktop():
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def menu_action(menu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def test_a_copy_can_be_opened_shown_in_its_folder_and_its_path_copied(qtbot, scanned_window, desktop) -> None:
    window, _ = scanned_window
    group = window.compare.group
    other = next(m.path for m in group.members if m.path != group.keeper)
    window.groups.select_path(other)
    index = window.groups.tree.currentIndex()
    window.groups._menu(window.groups.tree.visualRect(index).center())
    menu = window.groups.menu
    menu_action(menu, "Open in Default Viewer").trigger()
    menu_action(menu, "Open Containing Folder").trigger()
    menu_action(menu, "Copy Path").trigger()
    assert desktop.urls == [other, os.path.dirname(other)]
    assert QGuiApplication.clipboard().text() == other
    menu.close()


def test_files_listed_in_problems_can_be_acted_on(qtbot, scanned_window, desktop) -> None:
    window, lib = scanned_window
    problems = window.problems
    item = problems.topLevelItem(0)
    assert item.text(0) == str(lib / "photos" / "broken.jpg")
    problems._menu(problems.visualItemRect(item).center())
    menu_action(problems.menu, "Open Containing Folder").trigger()
    menu_action(problems.menu, "Copy Path").trigger()
    assert desktop.urls == [str(lib / "photos")]
    assert QGuiApplication.clipboard().text() == str(lib / "photos" / "broken.jpg")
    problems.menu.close()


def test_groups_export_as_csv_and_json_from_the_window(qtbot, scanned_window, sandbox: Path) -> None:
    window, _ = scanned_window
    for name in ("groups.csv", "groups.json"):
        window.export_to(sandbox / name)
    qtbot.waitUntil(lambda: window.service.idle)
    rows = list(csv.DictReader((sandbox / "groups.csv").open(encoding="utf-8")))
    assert len(rows) == sum(len(g.members) for g in window.model.groups())
    words = {r["why"] for r in rows if r["keeper"] == "0"}
    assert "identical file" in words and any(w.startswith("same photo") for w in words)
    assert not any("bits" in w or "score" in w for w in words)
    data = json.loads((sandbox / "groups.json").read_text(encoding="utf-8"))
    assert sorted(map(sorted, data["groups"])) == sorted(sorted(g.paths) for g in window.model.groups())
    assert data["problems"][0]["path"].endswith("broken.jpg")
    window.export_to(sandbox / "no such folder" / "groups.csv")  # a clear message, no crash
    qtbot.waitUntil(lambda: "Export failed: cannot write" in window.message.text())


def test_folders_are_saved_as_they_change_and_on_sigterm(qtbot, sandbox: Path) -> None:
    settings_file = sandbox / "settings.toml"
    window = open_window(qtbot, sandbox)
    window.show()
    (sandbox / "a").mkdir()
    window.folders.add_folder(str(sandbox / "a"))
    qtbot.waitUntil(
        lambda: settings_file.exists() and settings_io.load(settings_file).folders == (f"scan:{sandbox / 'a'}",)
    )
    (sandbox / "b").mkdir()
    window.folders.add_folder(str(sandbox / "b"), "protected")
    stopper = SignalQuit(lambda _signum: window.close())
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # logout: the session asks the app to end
        qtbot.waitUntil(lambda: not window.isVisible())
    finally:
        stopper.restore()
    saved = settings_io.load(settings_file)
    assert saved.folders == (f"scan:{sandbox / 'a'}", f"protected:{sandbox / 'b'}")


def test_the_bar_measures_the_count_under_it_and_says_when_the_model_is_prepared(qtbot) -> None:
    progress = ScanProgress()
    qtbot.addWidget(progress)
    progress.start()
    progress.update_event(ProgressEvent(Stage.DECODING, 250, 1000, detail="/p/IMG_1.jpg"))
    assert (progress.bar.value(), progress.bar.maximum()) == (250, 1000)
    assert progress.bar.text() == "25 %" and "250 of 1,000 photos" in progress.counts.text()
    assert progress.stage.text() == "Step 3 of 4: Reading photos"
    progress.update_event(ProgressEvent(Stage.DECODING, 250, 1000, detail=PREPARING_MODEL))
    assert progress.detail.text() == "Preparing the image model (first scan only)…"
    progress.update_event(ProgressEvent(Stage.MATCHING, 0, None))
    assert progress.bar.maximum() == 0 and progress.counts.text() == ""  # busy, and no count to disagree with


def test_after_a_cancel_the_window_says_what_was_kept_and_how_to_go_on(qtbot, sandbox: Path) -> None:
    lib = make_library(sandbox / "lib")
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    window.start_scan()
    window.worker.cancel()  # before it starts: the scan stops at its first check
    qtbot.waitUntil(lambda: window.scan_thread is None and window.service.idle, timeout=30_000)
    assert window.stack.currentIndex() == EMPTY
    text = window.empty_text.text()
    assert "Scan stopped" in text and "Press <b>Scan</b>" in text and "0 groups" not in text
    window.close()


def test_card_pictures_grow_with_the_window_and_keep_the_buttons_in_view(qtbot, scanned_window) -> None:
    window, _ = scanned_window
    window.show()
    sizes = {}
    for size in ((1024, 700), (1600, 1000)):
        window.resize(*size)
        qtbot.waitUntil(lambda s=size: window.width() == s[0] and not window.compare._resize_timer.isActive())
        picture = next(iter(window.compare._pictures.values()))
        sizes[size] = (picture.width(), picture)
        keep, _ = next(iter(window.compare._buttons.values()))
        qtbot.waitUntil(keep.isVisible)
        viewport = window.compare.scroll.viewport()
        bottom = keep.mapTo(viewport, keep.rect().bottomLeft()).y()
        assert 0 < bottom <= viewport.height()  # Keep/Trash in view without scrolling
    (small, first), (large, second) = sizes.values()
    assert large > small * 1.3 and first is second  # resized in place, not rebuilt


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks use Linux semantics")
def test_closing_the_window_mid_scan_ends_the_scan_without_a_message_after_it(
    qtbot, sandbox: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The window closes at once; a scan that cannot stop within CLOSE_WAIT_MS is ended, not waited for forever,
    and no "Scan failed" box appears after the window is gone."""
    slow_library(sandbox / "lib", 40)
    window = open_window(qtbot, sandbox, folders=(f"scan:{sandbox / 'lib'}",))
    monkeypatch.setattr(main_window, "CLOSE_WAIT_MS", 0)  # a cancel that would take too long
    events = []
    window.start_scan()
    window.worker.progressed.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage is Stage.DECODING for e in events), timeout=30_000)
    scan = psutil.Process(window.worker.process.pid)
    family = [scan, *scan.children(recursive=True)]
    began = time.monotonic()
    window.close()
    assert time.monotonic() - began < 10
    assert "did not stop" in caplog.text  # ended, not waited for
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    qtbot.wait(200)  # queued signals from the ended scan are delivered now, to nobody
    assert QApplication.activeModalWidget() is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks use Linux semantics")
def test_a_scan_killed_mid_way_is_reported_and_the_window_stays_usable(
    qtbot, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The out-of-memory killer ends the scan's process: the window says so, keeps running, and scans again."""
    slow_library(sandbox / "lib", 24)
    window = open_window(qtbot, sandbox, folders=(f"scan:{sandbox / 'lib'}",))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: warnings.append(text))
    events = []
    window.start_scan()
    window.worker.progressed.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage is Stage.DECODING for e in events), timeout=30_000)
    os.kill(window.worker.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.scan_thread is None, timeout=30_000)
    assert warnings and "ended without a result" in warnings[0] and "-9" in warnings[0]
    window.start_scan()  # the store the killed scan was writing is fine: the next scan runs to its end
    qtbot.waitUntil(lambda: window.scan_thread is None and window.service.idle, timeout=120_000)
    assert len(warnings) == 1
    assert window.model.rowCount() == 1  # base.png and its 24 pixel copies
