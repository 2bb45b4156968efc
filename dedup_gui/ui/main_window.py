"""MainWindow: folders and mode on the left; the empty state, the scan progress or the results on the right.

The window only wires parts together: the store thread (StoreService) does every read and write, the ScanWorker
runs the engine, the ImageLoader decodes pictures; nothing here touches files or SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, QThread, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
)

from dedup_gui.core import collector
from dedup_gui.core import settings as settings_io
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.core.review import Review
from dedup_gui.core.settings import Settings
from dedup_gui.core.types import ScanResult, ScanStats, ScanStatus
from dedup_gui.ui import jobs, scan_worker
from dedup_gui.ui.about import AboutDialog
from dedup_gui.ui.apply_flow import ApplyFlow
from dedup_gui.ui.compare_dialog import CompareDialog
from dedup_gui.ui.decisions import Decisions
from dedup_gui.ui.dismissed_panel import DismissedPanel
from dedup_gui.ui.drops import SortedPaths, offer_folders, sort_paths
from dedup_gui.ui.folder_panel import FolderPanel
from dedup_gui.ui.groups_model import LONG_LIST, GroupsModel
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.problems_panel import ProblemsPanel
from dedup_gui.ui.review_page import ALL, EXACT, SHOWN, ReviewPage
from dedup_gui.ui.scan_progress import ScanProgress
from dedup_gui.ui.settings_dialog import SettingsDialog, offer_repropose
from dedup_gui.ui.start_page import StartPage
from dedup_gui.ui.store_service import StoreService
from dedup_gui.ui.widgets import TrashTotal
from dedup_gui.ui.window_menus import build_actions

log = logging.getLogger("dedup_gui.ui")
EMPTY, SCANNING, RESULTS = range(3)
PROBLEMS_SHOWN_FROM = 820  # window height from which the problems list opens by itself after a scan
FIRST_SIZE = 0.85  # share of the screen's width and height the window takes when it opens for the first time
# a closing window waits this long for a cancelled scan to save its finished work, then ends it (a kill loses only
# what the scan had not yet saved: every write is a transaction)
CLOSE_WAIT_MS = 20_000
SAVE_DELAY_MS = 400  # folder and mode changes are saved this long after the last one


def first_place(area: QRect) -> QRect:
    """The window's place the first time it opens: FIRST_SIZE of the screen's free area, centred in it."""
    place = QRect(0, 0, round(area.width() * FIRST_SIZE), round(area.height() * FIRST_SIZE))
    place.moveCenter(area.center())
    return place


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, store_path: Path, settings_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("dedup-gui — duplicate photos"))
        self.setAcceptDrops(True)
        self.settings, self.store_path, self.settings_path = settings, store_path, settings_path
        self.service = StoreService(store_path, self)
        self.images = ImageLoader(store_path, self)
        self.decisions = Decisions(self.service, self)
        self.model = GroupsModel(self)
        self.references: tuple[str, ...] = ()
        self.problem_list: tuple = ()
        self.scan_thread: QThread | None = None
        self.worker: scan_worker.ScanWorker | None = None
        self.stopped: ScanStats | None = None  # what a cancelled scan had finished, for the page that says so
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_settings)
        self._build()
        self._restore_geometry()
        for role, path in settings.folder_roles():
            self.folders.add_folder(path, role)
        self.folders.set_mode(settings.mode)
        self._save_timer.stop()  # restoring the saved list is not a change
        self.folders.changed.connect(self._save_timer.start)
        self.statusBar().showMessage(self.tr("Opening the last results…"))
        self._reload()

    # -- layout -------------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.folders = FolderPanel()
        self.folders.scan_requested.connect(self.start_scan)
        self.folders.changed.connect(self._update_empty_text)
        self.folders.setMinimumWidth(230)

        self.start = StartPage()
        self.start.add_requested.connect(self.folders.choose_folder)
        self.empty_text = self.start.text
        empty = self.start

        self.progress = ScanProgress()
        self.progress.cancel_requested.connect(self.cancel_scan)

        self.review = ReviewPage(self.model, self.images, self.decisions, self.service, self.keeper_rules)
        self.review.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.review.reloaded.connect(self._on_loaded)
        self.groups, self.compare, self.message = self.review.groups, self.review.compare, self.review.message
        self.decisions.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        results = self.review

        self.stack = QStackedWidget()
        for page in (empty, self.progress, results):
            self.stack.addWidget(page)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.folders)
        self.main_split.addWidget(self.stack)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setCollapsible(1, False)
        self.main_split.setSizes([280, 1040])
        self.setCentralWidget(self.main_split)

        self.problems = ProblemsPanel()
        self.problems_dock = self._dock(self.tr("Problems"), "problems", self.problems)
        self.dismissed = DismissedPanel()
        self.dismissed.undo_requested.connect(self.undo_dismissal)
        self.dismissed_dock = self._dock(self.tr("Dismissed"), "dismissed", self.dismissed)
        self.tabifyDockWidget(self.problems_dock, self.dismissed_dock)
        self.actions = build_actions(
            self, self.problems_dock.toggleViewAction(), self.dismissed_dock.toggleViewAction()
        )
        self.actions.add_folder.triggered.connect(self.folders.choose_folder)
        self.actions.scan.triggered.connect(self.start_scan)
        self.actions.export.triggered.connect(self.choose_export)
        self.actions.quit.triggered.connect(self.close)
        self.actions.auto_all.triggered.connect(lambda: self.review.auto_select_all(ALL))
        self.actions.auto_shown.triggered.connect(lambda: self.review.auto_select_all(SHOWN))
        self.actions.auto_exact.triggered.connect(lambda: self.review.auto_select_all(EXACT))
        self.actions.apply.triggered.connect(self.apply_decisions)
        self.actions.move_to.triggered.connect(self.choose_move_folder)
        self.actions.undo.triggered.connect(self.undo_last)
        self.actions.settings.triggered.connect(self.edit_settings)
        self.actions.about.triggered.connect(self.show_about)
        self.apply_action, self.undo_action, self.problems_action = (
            self.actions.apply,
            self.actions.undo,
            self.actions.problems,
        )
        self.flow = ApplyFlow(
            self, self.service, self.keeper_rules, self._scanned_folders, self.message, self._protected_folders
        )
        self.flow.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.flow.failed.connect(self._on_store_failed)
        self.flow.files_moved.connect(self._reload)
        self.total = TrashTotal(self.decisions)  # "N marked for the trash, X MB", always in view
        self.statusBar().addPermanentWidget(self.total)
        self.decisions.bulk_done.connect(self._on_bulk_selected)
        self._update_empty_text()
        self.resize(1320, 860)

    def _dock(self, title: str, name: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        return dock

    @property
    def compare_dialog(self) -> CompareDialog | None:
        return self.review.compare_dialog

    def open_large_compare(self, flip: bool = False) -> None:
        self.review.open_large_compare(flip)

    def auto_select(self) -> None:
        self.review.auto_select()

    def _scanned_folders(self) -> list[str]:
        return [path for role, path in self.folders.roles() if role != "excluded"]

    def _protected_folders(self) -> list[str]:
        return [path for role, path in self.folders.roles() if role == "protected"]

    def keeper_rules(self) -> tuple[str, ...]:
        return self.settings.keeper_rules or DEFAULT_KEEPER_RULES

    def _update_empty_text(self) -> None:
        self.start.show_start(bool(self.folders.paths()))

    # -- results ------------------------------------------------------------------------------------------------

    def _on_loaded(self, shown: jobs.Loaded | None) -> None:
        if shown is None:
            self.statusBar().showMessage(self.tr("No results yet"), 5000)
            return
        loaded = shown.review
        self.references = loaded.references
        self.decisions.replace_all(loaded.decisions, shown.listing, shown.stamp)
        self.model.show(shown.listing, self.decisions.marks)
        self.problem_list = tuple(loaded.problems)
        self.problems.set_problems(loaded.problems)
        self.problems_action.setText(self.tr("&Problems ({count})").format(count=len(loaded.problems)))
        self.dismissed.set_dismissals(loaded.dismissed)
        self.actions.dismissed.setText(self.tr("&Dismissed ({count})").format(count=len(loaded.dismissed)))
        collector.keep()  # the result stays as long as it is shown: no full collection walks it (collector.py)
        if len(loaded.groups) > LONG_LIST:
            # showing the list lays all its rows out (30 ms at 7,000 groups): in an event-loop turn of its own, so
            # the window answers between the two halves
            QTimer.singleShot(1, lambda: self._show_loaded(loaded))
        else:
            self._show_loaded(loaded)

    def _show_loaded(self, loaded: Review) -> None:
        """The page that fits the loaded review: its list, the start page after a cancel, or "no duplicates"."""
        if loaded.cancelled and not loaded.groups:
            self.stack.setCurrentIndex(EMPTY)
            self.start.show_stopped(self.stopped)
            self.statusBar().showMessage(self.tr("Scan stopped: press Scan to continue"))
        elif loaded.cancelled:
            self.stack.setCurrentIndex(RESULTS)
            self.statusBar().showMessage(
                self.tr("Scan stopped: these are the results of the scan before it; press Scan to continue")
            )
        else:
            self.statusBar().showMessage(self.model.summary())
            self.stack.setCurrentIndex(RESULTS if loaded.groups or loaded.problems else EMPTY)
            if not loaded.groups:
                self.start.show_no_duplicates()
        # on a short window the list would crowd the review: the toolbar's "Problems (n)" says they are there
        tall = self.height() >= PROBLEMS_SHOWN_FROM
        self.problems_dock.setVisible(bool(loaded.problems) and self.stack.currentIndex() == RESULTS and tall)
        self.resizeDocks([self.problems_dock], [110], Qt.Orientation.Vertical)  # a list, not half the window
        if self.stack.currentIndex() == RESULTS:
            self.groups.focus_tree()  # the review keys work at once

    def _on_store_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)
        QMessageBox.warning(self, "dedup-gui", message)

    # -- folders and scanning -------------------------------------------------------------------------------------

    def add_folders(self, paths: list[str]) -> None:
        """Folders are added; files and missing paths are sorted out on the store thread first (a stat each)."""
        self.service.call(lambda _store: sort_paths(paths), self._on_paths_sorted, self._on_store_failed)

    def _on_paths_sorted(self, found: SortedPaths) -> None:
        for path in found.folders:
            self.folders.add_folder(path)
        if found.missing:
            names = ", ".join(found.missing[:3]) + (" …" if len(found.missing) > 3 else "")
            self.statusBar().showMessage(self.tr("Not found: {names}").format(names=names), 15000)
        if found.files:
            box = offer_folders(self, found)
            self.offer_box = box
            box.accepted.connect(lambda: [self.folders.add_folder(f) for f in found.file_folders])
            box.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_folders([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def start_scan(self) -> None:
        if self.scan_thread is not None:
            return
        if self.flow.busy:  # checking, confirming or moving: the scan would see files leave under it
            self.statusBar().showMessage(self.tr("Files are being checked or moved: scan when that has ended"), 8000)
            return
        roles = self.folders.roles()
        self.settings = replace(self.settings, mode=self.folders.current_mode())
        config = self.settings.scan_config(roles)
        if not config.roots:
            self.statusBar().showMessage(self.tr("Add a folder with the role Scan or Protected first"), 8000)
            return
        self._save_settings()
        self.stopped = None
        self.start.stopped = False
        self.message.hide()
        self.worker = scan_worker.ScanWorker(config, self.store_path)
        self.worker.progressed.connect(self.progress.update_event)
        self.worker.finished.connect(self._on_scan_done)
        self.worker.cancelled.connect(self._on_scan_done)
        self.worker.failed.connect(self._on_scan_failed)
        self.progress.start()
        self.folders.set_scanning(True)
        self._set_scanning(True)
        self.stack.setCurrentIndex(SCANNING)
        self.problems_dock.hide()
        self.references = tuple(str(p) for p in config.references)
        self.scan_thread = scan_worker.start(self.worker, self)
        self.scan_thread.finished.connect(self._on_thread_done)

    def cancel_scan(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _on_scan_done(self, result: ScanResult) -> None:
        self.stopped = result.stats if result.status is ScanStatus.CANCELLED else None
        self.statusBar().showMessage(self.tr("Loading results…"))
        self._reload()

    def _on_scan_failed(self, message: str) -> None:
        self.stack.setCurrentIndex(RESULTS if self.model.rowCount() else EMPTY)
        QMessageBox.warning(self, self.tr("Scan failed"), message)

    def _on_thread_done(self) -> None:
        if self.scan_thread is not None:
            self.scan_thread.deleteLater()
        self.scan_thread, self.worker = None, None
        self.folders.set_scanning(False)
        self._set_scanning(False)

    def _set_scanning(self, scanning: bool) -> None:
        """A scan rewrites the records an apply's checks compare with, and its end reloads the list: nothing moves
        and nothing comes back while it runs (the engine refuses an apply then; these say so before asking)."""
        self.actions.scan.setEnabled(not scanning)
        for action in (self.actions.apply, self.actions.move_to, self.actions.undo):
            action.setEnabled(not scanning)

    def _scanning_now(self) -> bool:
        if self.scan_thread is None:
            return False
        self.statusBar().showMessage(self.tr("A scan is running: files can move when it has ended"), 8000)
        return True

    # -- export, apply and undo -------------------------------------------------------------------------------

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export Groups"), "duplicates.csv", self.tr("CSV (*.csv);;JSON (*.json)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """The groups shown (filter applied) and the problems, written on the store thread."""
        self.review.export_to(path, tuple(self.problem_list))

    def _on_bulk_selected(self, files: int, groups: int, uncertain: int) -> None:
        text = self.tr("Auto-selected {groups} groups: {files} files decided; decisions you had made were kept").format(
            groups=f"{groups:,}", files=f"{files:,}"
        )
        self.statusBar().showMessage(text, 10000)
        if uncertain:  # a note that stays until dismissed: these groups still need the person
            self.review.message.show_message(
                self.tr(
                    "{count} uncertain groups were left for you to look at: they are marked “check” in the "
                    "Match column and come first when you sort by it."
                ).format(count=f"{uncertain:,}")
            )

    def apply_decisions(self) -> None:
        """Check every marked file (a dry run, with progress), then confirm with what will move and what stays."""
        if not self._scanning_now():
            self.flow.start(self.decisions.totals.files)

    def choose_move_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Move Marked Files to a Folder"))
        if folder:
            self.move_marked_to(Path(folder))

    def move_marked_to(self, folder: Path) -> None:
        """Like Apply, into `folder` instead of the trash (the same checks and journal; Undo moves them back)."""
        if not self._scanning_now():
            self.flow.start(self.decisions.totals.files, move_to=folder)

    def undo_last(self) -> None:
        if not self._scanning_now():
            self.flow.undo()

    def _reload(self) -> None:
        """The stored review loaded again, sorted and indexed for the list on the store thread."""
        job = jobs.load_last(self.keeper_rules(), self.model.order(), self.decisions.stamp())
        self.service.call(job, self._on_loaded, self._on_store_failed)

    def undo_dismissal(self, dismissal_id: int) -> None:
        """Show a dismissed group's files as copies again (the engine forgets the dismissal; the review reloads)."""
        job = jobs.undo_dismissal(dismissal_id, self.keeper_rules(), self.model.order(), self.decisions.stamp())
        self.service.call(job, self._on_dismissal_undone, self._on_store_failed)

    def _on_dismissal_undone(self, loaded: jobs.Loaded | None) -> None:
        self._on_loaded(loaded)
        self.statusBar().showMessage(self.tr("Undone: those files are shown as copies again"), 8000)

    # -- settings and lifetime ----------------------------------------------------------------------------------

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.change_settings(dialog.settings()))
        self.settings_dialog = dialog
        dialog.open()

    def change_settings(self, new: Settings) -> None:
        """Take and save new settings; new keeper rules offer to propose keepers again for the groups shown."""
        old_rules = self.keeper_rules()
        self.settings = new
        self.folders.set_mode(self.settings.mode)
        self._save_settings()
        if self.keeper_rules() != old_rules and self.model.groups():
            box = offer_repropose(self)
            box.accepted.connect(lambda: self.repropose(old_rules))
            self.repropose_box = box
            box.open()

    def repropose(self, old_rules: tuple[str, ...]) -> None:
        """The last scan regrouped under the new keeper rules (no photo read); untouched auto-selections follow."""
        config = self.settings.scan_config(self.folders.roles())
        self.statusBar().showMessage(self.tr("Proposing the copies to keep again…"))
        job = jobs.repropose(config, old_rules, self.model.order(), self.decisions.stamp())
        self.service.call(job, self._on_reproposed, self._on_store_failed)

    def _on_reproposed(self, result: tuple[int, jobs.Loaded | None]) -> None:
        changed, loaded = result
        self._on_loaded(loaded)
        self.statusBar().showMessage(
            self.tr("Keepers proposed again with the new rules; {count} auto-selected groups follow them").format(
                count=changed
            ),
            10000,
        )

    def show_about(self) -> None:
        dialog = AboutDialog(self.store_path, self.settings_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _save_settings(self) -> None:
        """The folder list, mode and settings, written on the store thread (also on every change)."""
        self._save_timer.stop()
        folders = tuple(f"{role}:{path}" for role, path in self.folders.roles())
        self.settings = replace(self.settings, folders=folders, mode=self.folders.current_mode())
        current, path = self.settings, self.settings_path
        self.service.call(lambda _store: settings_io.save(current, path), None, self._on_store_failed)

    def _restore_geometry(self) -> None:
        """Where the window was last closed; the first time, most of the screen, centred: the list of groups and the
        photos side by side both want room (at its smallest size the list showed 9 groups of 748)."""
        geometry = QSettings("dedup-gui", "dedup-gui").value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            return
        screen = self.screen()
        if screen is not None:
            place = first_place(screen.availableGeometry())
            self.resize(place.size())
            self.move(place.topLeft())

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings("dedup-gui", "dedup-gui").setValue("window/geometry", self.saveGeometry())
        if self.scan_thread is not None and self.scan_thread.isRunning() and self.worker is not None:
            for signal, slot in (
                (self.worker.finished, self._on_scan_done),
                (self.worker.cancelled, self._on_scan_done),
                (self.worker.failed, self._on_scan_failed),
            ):
                signal.disconnect(slot)  # the window is going: no result to load, no message box after it
            self.worker.cancel()
            self.scan_thread.quit()  # its loop ends when the worker returns (the worker's own quit is queued here)
            self.hide()  # closed at once for the person; the scan saves its finished work meanwhile
            if not self.scan_thread.wait(CLOSE_WAIT_MS):
                log.warning("the scan did not stop within %d ms of the window closing; ending it", CLOSE_WAIT_MS)
                self.worker.kill()
            self.scan_thread.wait()
        self.review.close_compare()
        self._save_settings()
        self.images.shutdown()
        self.service.shutdown()
        super().closeEvent(event)
