"""MainWindow: folders and mode on the left; the empty state, the scan progress or the results on the right.

The window only wires parts together: the store thread (StoreService) does every read and write, the ScanWorker
runs the engine, the ImageLoader decodes pictures; nothing here touches files or SQLite.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QThread, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
)

from dedup_gui.core import export
from dedup_gui.core import settings as settings_io
from dedup_gui.core.actions import Report, Status
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.core.settings import Settings
from dedup_gui.core.types import Group, ScanResult, ScanStats, ScanStatus
from dedup_gui.ui import jobs, scan_worker
from dedup_gui.ui.about import AboutDialog
from dedup_gui.ui.compare_dialog import CompareDialog
from dedup_gui.ui.decisions import Decisions
from dedup_gui.ui.dialogs import ReportDialog, confirm_apply
from dedup_gui.ui.drops import SortedPaths, offer_folders, sort_paths
from dedup_gui.ui.folder_panel import FolderPanel
from dedup_gui.ui.groups_model import GroupsModel
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.problems_panel import ProblemsPanel
from dedup_gui.ui.review_page import ReviewPage
from dedup_gui.ui.scan_progress import ScanProgress
from dedup_gui.ui.settings_dialog import SettingsDialog
from dedup_gui.ui.start_page import StartPage
from dedup_gui.ui.store_service import StoreService
from dedup_gui.ui.text import human_size
from dedup_gui.ui.window_menus import build_actions

log = logging.getLogger("dedup_gui.ui")
EMPTY, SCANNING, RESULTS = range(3)
PROBLEMS_SHOWN_FROM = 820  # window height from which the problems list opens by itself after a scan
SAVE_DELAY_MS = 400  # folder and mode changes are saved this long after the last one


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
        self.service.call(jobs.load_last(self.keeper_rules()), self._on_loaded, self._on_store_failed)

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
        self.problems_dock = QDockWidget(self.tr("Problems"), self)
        self.problems_dock.setObjectName("problems")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self.actions = build_actions(self, self.problems_dock.toggleViewAction())
        self.actions.add_folder.triggered.connect(self.folders.choose_folder)
        self.actions.scan.triggered.connect(self.start_scan)
        self.actions.export.triggered.connect(self.choose_export)
        self.actions.quit.triggered.connect(self.close)
        self.actions.apply.triggered.connect(self.apply_decisions)
        self.actions.undo.triggered.connect(self.undo_last)
        self.actions.settings.triggered.connect(self.edit_settings)
        self.actions.about.triggered.connect(self.show_about)
        self.apply_action, self.undo_action, self.problems_action = (
            self.actions.apply,
            self.actions.undo,
            self.actions.problems,
        )
        self._update_empty_text()
        self.resize(1320, 860)

    @property
    def compare_dialog(self) -> CompareDialog | None:
        return self.review.compare_dialog

    def open_large_compare(self, flip: bool = False) -> None:
        self.review.open_large_compare(flip)

    def auto_select(self) -> None:
        self.review.auto_select()

    def keeper_rules(self) -> tuple[str, ...]:
        return self.settings.keeper_rules or DEFAULT_KEEPER_RULES

    def _update_empty_text(self) -> None:
        self.start.show_start(bool(self.folders.paths()))

    # -- results ------------------------------------------------------------------------------------------------

    def _on_loaded(self, loaded: jobs.Loaded | None) -> None:
        if loaded is None:
            self.statusBar().showMessage(self.tr("No results yet"), 5000)
            return
        self.references = loaded.references
        self.decisions.replace_all(loaded.decisions)
        self.model.set_groups(loaded.groups, self.decisions.marks)
        self.problem_list = tuple(loaded.problems)
        self.problems.set_problems(loaded.problems)
        self.problems_action.setText(self.tr("&Problems ({count})").format(count=len(loaded.problems)))
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
        self.actions.scan.setEnabled(False)
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
        self.service.call(jobs.load_last(self.keeper_rules()), self._on_loaded, self._on_store_failed)

    def _on_scan_failed(self, message: str) -> None:
        self.stack.setCurrentIndex(RESULTS if self.model.rowCount() else EMPTY)
        QMessageBox.warning(self, self.tr("Scan failed"), message)

    def _on_thread_done(self) -> None:
        if self.scan_thread is not None:
            self.scan_thread.deleteLater()
        self.scan_thread, self.worker = None, None
        self.folders.set_scanning(False)
        self.actions.scan.setEnabled(True)

    # -- export, apply and undo -------------------------------------------------------------------------------

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export Groups"), "duplicates.csv", self.tr("CSV (*.csv);;JSON (*.json)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """The groups shown (filter applied) and the problems, written on the store thread."""
        groups = tuple(self.model.visible_groups())
        result = ScanResult(ScanStatus.COMPLETED, groups, tuple(self.problem_list), ScanStats())
        self.service.call(lambda _store: export.save(result, path), lambda _: self._on_exported(path, len(groups)),
                          self._on_export_failed)  # fmt: skip

    def _on_export_failed(self, message: str) -> None:
        self.message.show_message(self.tr("Export failed: {message}").format(message=html.escape(message)))

    def _on_exported(self, path: Path, count: int) -> None:
        self.statusBar().showMessage(self.tr("{count} groups saved to {path}").format(count=count, path=path), 15000)

    def apply_decisions(self) -> None:
        groups = self.model.groups()
        files, size = self.decisions.trash_count(groups)
        if not files:
            self.statusBar().showMessage(
                self.tr("Nothing is marked Trash yet: press T on a copy, or Auto-select"), 8000
            )
            return
        box = confirm_apply(self, files, size)
        self.confirm_box = box
        box.accepted.connect(lambda: self._run_apply(groups))
        box.open()

    def _run_apply(self, groups: list[Group]) -> None:
        self.apply_action.setEnabled(False)
        self.statusBar().showMessage(self.tr("Moving files to the trash…"))
        self.service.call(jobs.apply_decisions(self.keeper_rules()), self._on_applied, self._on_store_failed)

    def _on_applied(self, report: Report) -> None:
        self.apply_action.setEnabled(True)
        gone = report.with_status(Status.TRASHED)
        self.model.remove_members([o.path for o in gone])
        text = self.tr("<b>{count} files moved to the trash</b> ({size}).").format(
            count=len(gone), size=human_size(report.done_bytes)
        )
        if report.failures:
            text += " " + self.tr("{count} were not moved: see the list.").format(count=len(report.failures))
            ReportDialog(self.tr("Apply: some files were not moved"), report, self).open()
        self.message.show_message(text + " " + self.tr("Undo Last Apply (Ctrl+Z) brings them back."))
        self.statusBar().clearMessage()
        self.groups.focus_tree()

    def undo_last(self) -> None:
        self.service.call(jobs.undo_last, self._on_undone, self._on_store_failed)

    def _on_undone(self, report: Report) -> None:
        if report.batch is None:
            self.message.show_message(self.tr("Nothing to undo: no apply is recorded."))
            return
        restored = report.with_status(Status.RESTORED)
        text = self.tr("<b>{count} files restored from the trash</b> to where they were.").format(count=len(restored))
        if report.failures:
            text += " " + self.tr("{count} could not come back: see the list.").format(count=len(report.failures))
            ReportDialog(self.tr("Undo: some files could not come back"), report, self).open()
        self.message.show_message(text)
        self.service.call(jobs.load_last(self.keeper_rules()), self._on_loaded, self._on_store_failed)

    # -- settings and lifetime ----------------------------------------------------------------------------------

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.settings()
            self.folders.set_mode(self.settings.mode)
            self._save_settings()

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
        geometry = QSettings("dedup-gui", "dedup-gui").value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings("dedup-gui", "dedup-gui").setValue("window/geometry", self.saveGeometry())
        if self.worker is not None:
            self.worker.cancel()
        if self.scan_thread is not None:
            self.scan_thread.quit()
            self.scan_thread.wait()
        self.review.close_compare()
        self._save_settings()
        self.images.shutdown()
        self.service.shutdown()
        super().closeEvent(event)
