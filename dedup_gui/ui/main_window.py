"""MainWindow: folders and mode on the left; the empty state, the scan progress or the results on the right.

The window only wires parts together: the store thread (StoreService) does every read and write, the ScanWorker
runs the engine, the ImageLoader decodes pictures; nothing here touches files or SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QThread
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core import settings as settings_io
from dedup_gui.core.actions import Report, Status
from dedup_gui.core.settings import Settings
from dedup_gui.core.types import Group, Member, ScanResult
from dedup_gui.ui import jobs, scan_worker
from dedup_gui.ui.about import AboutDialog
from dedup_gui.ui.compare_dialog import CompareDialog
from dedup_gui.ui.compare_view import CompareView
from dedup_gui.ui.decisions import Decisions
from dedup_gui.ui.dialogs import ReportDialog, confirm_apply
from dedup_gui.ui.folder_panel import FolderPanel
from dedup_gui.ui.group_view import GroupsPanel
from dedup_gui.ui.groups_model import GroupsModel
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.problems_panel import ProblemsPanel
from dedup_gui.ui.scan_progress import ScanProgress
from dedup_gui.ui.settings_dialog import SettingsDialog
from dedup_gui.ui.store_service import StoreService

log = logging.getLogger("dedup_gui.ui")
EMPTY, SCANNING, RESULTS = range(3)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, store_path: Path, settings_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("dedup-gui — duplicate photos")
        self.setAcceptDrops(True)
        self.settings, self.store_path, self.settings_path = settings, store_path, settings_path
        self.service = StoreService(store_path, self)
        self.images = ImageLoader(store_path, self)
        self.decisions = Decisions(self.service, self)
        self.model = GroupsModel(self)
        self.references: tuple[str, ...] = ()
        self.scan_thread: QThread | None = None
        self.worker: scan_worker.ScanWorker | None = None
        self.compare_dialog: CompareDialog | None = None
        self._build()
        self._restore_geometry()
        for role, path in settings.folder_roles():
            self.folders.add_folder(path, role)
        self.folders.set_mode(settings.mode)
        self.statusBar().showMessage("Opening the last results…")
        self.service.call(jobs.load_last(self.settings.keeper_rules), self._on_loaded, self._on_store_failed)

    # -- layout -------------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.folders = FolderPanel()
        self.folders.scan_requested.connect(self.start_scan)
        self.folders.changed.connect(self._update_empty_text)
        self.folders.setMinimumWidth(400)

        self.empty_text = QLabel()
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        self.empty_add = QPushButton("Add Folder…")
        self.empty_add.setMinimumSize(180, 40)
        self.empty_add.clicked.connect(self.folders.choose_folder)
        empty = QWidget()
        box = QVBoxLayout(empty)
        box.addStretch()
        box.addWidget(self.empty_text)
        box.addSpacing(12)
        box.addWidget(self.empty_add, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch()

        self.progress = ScanProgress()
        self.progress.cancel_requested.connect(self.cancel_scan)

        self.groups = GroupsPanel(self.model)
        self.groups.current_changed.connect(self._on_current)
        self.groups.key_command.connect(self._on_key_command)
        self.compare = CompareView(self.images, self.decisions.get)
        self.compare.member_selected.connect(self.groups.select_path)
        self.compare.decision_requested.connect(self._mark_path)
        self.compare.auto_select_requested.connect(self.auto_select)
        self.compare.not_duplicates_requested.connect(self.not_duplicates)
        self.compare.large_view_requested.connect(self.open_large_compare)
        self.decisions.changed.connect(self._on_decisions_changed)
        self.decisions.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(self.groups)
        results.addWidget(self.compare)
        results.setSizes([250, 560])

        self.stack = QStackedWidget()
        for page in (empty, self.progress, results):
            self.stack.addWidget(page)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.folders)
        main.addWidget(self.stack)
        main.setStretchFactor(1, 1)
        main.setSizes([420, 980])
        self.setCentralWidget(main)

        self.problems = ProblemsPanel()
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problems")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self._build_actions()
        self._update_empty_text()
        self.resize(1320, 860)

    def _build_actions(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("main")
        bar.setMovable(False)
        self.apply_action = QAction("Apply Decisions…", self)
        self.apply_action.triggered.connect(self.apply_decisions)
        self.undo_action = QAction("Undo Last Apply", self)
        self.undo_action.triggered.connect(self.undo_last)
        settings_action = QAction("Settings…", self)
        settings_action.triggered.connect(self.edit_settings)
        self.problems_action = self.problems_dock.toggleViewAction()
        self.problems_action.setText("Problems")
        for action in (self.apply_action, self.undo_action, self.problems_action, settings_action):
            bar.addAction(action)
        about_action = QAction("&About dedup-gui", self)
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        self.menuBar().addMenu("&Help").addAction(about_action)

    def _on_key_command(self, command: str) -> None:
        if command in ("keep", "trash"):
            self._mark_current(command)
        elif command == "not-duplicates":
            self.not_duplicates()
        else:
            self.open_large_compare(flip=command == "flip")

    def _update_empty_text(self) -> None:
        if self.folders.paths():
            self.empty_text.setText(
                "<h2>Ready to scan</h2><p>Set each folder's role on the left, choose what to look for, "
                "then press <b>Scan</b>.<br>Protected folders are compared but never trashed.</p>"
            )
        else:
            self.empty_text.setText(
                "<h2>Find duplicate photos</h2><p>Drop folders here, or click <b>Add Folder…</b></p>"
                "<p>Then press <b>Scan</b>. Nothing is deleted until you review the copies and apply; "
                "files go to the trash and can be restored.</p>"
            )

    # -- results ------------------------------------------------------------------------------------------------

    def _on_loaded(self, loaded: jobs.Loaded | None) -> None:
        if loaded is None:
            self.statusBar().showMessage("No results yet", 5000)
            return
        self.references = loaded.references
        self.decisions.replace_all(loaded.decisions)
        self.model.set_groups(loaded.groups, self.decisions.marks)
        self.problems.set_problems(loaded.problems)
        self.problems_action.setText(f"Problems ({len(loaded.problems)})")
        self.problems_dock.setVisible(bool(loaded.problems) and self.stack.currentIndex() != EMPTY)
        note = " (scan was cancelled: partial results)" if loaded.cancelled else ""
        self.statusBar().showMessage(self.model.summary() + note)
        self.stack.setCurrentIndex(RESULTS if loaded.groups or loaded.problems else EMPTY)
        if self.stack.currentIndex() == EMPTY and not loaded.groups:
            self.empty_text.setText("<h2>No duplicates found</h2><p>Add more folders or try “Similar shots”.</p>")
        self.problems_dock.setVisible(bool(loaded.problems))
        self.resizeDocks([self.problems_dock], [110], Qt.Orientation.Vertical)  # a list, not half the window

    def _on_store_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)
        QMessageBox.warning(self, "dedup-gui", message)

    def _on_current(self, group: Group | None, member: Member | None) -> None:
        if group is not self.compare.group:
            self.compare.show_group(group, member.path if member else None)
        elif member is not None:
            self.compare.select(member.path)

    def _on_decisions_changed(self, paths: list[str]) -> None:
        self.model.decisions_changed(paths)
        self.compare.refresh_decisions()

    # -- decisions --------------------------------------------------------------------------------------------

    def _mark_path(self, path: str, decision: str) -> None:
        group = self.compare.group
        if group is not None:
            self.decisions.mark(group, path, decision)

    def _mark_current(self, decision: str) -> None:
        group, member = self.groups.current()
        if group is None:
            return
        if member is not None:
            self.decisions.mark(group, member.path, decision)
        elif decision == "trash":
            self.decisions.auto_select(group)
        else:
            self.decisions.set([(m.path, "keep") for m in group.members])

    def auto_select(self) -> None:
        if self.compare.group is not None:
            self.decisions.auto_select(self.compare.group)

    def not_duplicates(self) -> None:
        group, member = self.groups.current()
        if group is None:
            return
        path = member.path if member is not None else None
        job = jobs.not_duplicates(group, path, self.settings.keeper_rules)
        self.service.call(job, self._on_not_duplicates, self._on_store_failed)

    def _on_not_duplicates(self, loaded: jobs.Loaded | None) -> None:
        self._on_loaded(loaded)
        self.statusBar().showMessage("Marked as not duplicates: identical copies stay together", 8000)

    def open_large_compare(self, flip: bool = False) -> None:
        group = self.compare.group
        if group is None:
            return
        dialog = CompareDialog(group, self.images, self.compare.selected, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.compare_dialog = dialog
        dialog.destroyed.connect(lambda: setattr(self, "compare_dialog", None))
        if flip:
            dialog.toggle_flip()
        dialog.open()

    # -- scanning ---------------------------------------------------------------------------------------------

    def add_folders(self, paths: list[str]) -> None:
        for path in paths:
            self.folders.add_folder(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        # local paths only; whether each is a folder is left to the scan (a stat here would be UI-thread I/O)
        self.add_folders([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def start_scan(self) -> None:
        if self.scan_thread is not None:
            return
        roles = self.folders.roles()
        self.settings = replace(self.settings, mode=self.folders.current_mode())
        config = self.settings.scan_config(roles)
        if not config.roots:
            self.statusBar().showMessage("Add a folder with the role Scan or Protected first", 8000)
            return
        self.worker = scan_worker.ScanWorker(config, self.store_path)
        self.worker.progressed.connect(self.progress.update_event)
        self.worker.finished.connect(self._on_scan_done)
        self.worker.cancelled.connect(self._on_scan_done)
        self.worker.failed.connect(self._on_scan_failed)
        self.progress.start()
        self.folders.set_scanning(True)
        self.stack.setCurrentIndex(SCANNING)
        self.problems_dock.hide()
        self.references = tuple(str(p) for p in config.references)
        self.scan_thread = scan_worker.start(self.worker, self)
        self.scan_thread.finished.connect(self._on_thread_done)

    def cancel_scan(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _on_scan_done(self, result: ScanResult) -> None:
        self.statusBar().showMessage("Loading results…")
        self.service.call(jobs.load_last(self.settings.keeper_rules), self._on_loaded, self._on_store_failed)

    def _on_scan_failed(self, message: str) -> None:
        self.stack.setCurrentIndex(RESULTS if self.model.rowCount() else EMPTY)
        QMessageBox.warning(self, "Scan failed", message)

    def _on_thread_done(self) -> None:
        if self.scan_thread is not None:
            self.scan_thread.deleteLater()
        self.scan_thread, self.worker = None, None
        self.folders.set_scanning(False)

    # -- apply and undo ---------------------------------------------------------------------------------------

    def apply_decisions(self) -> None:
        groups = self.model.groups()
        files, size = self.decisions.trash_count(groups)
        if not files:
            self.statusBar().showMessage("Nothing is marked Trash yet: press T on a copy, or Auto-select", 8000)
            return
        box = confirm_apply(self, files, size)
        self.confirm_box = box
        box.accepted.connect(lambda: self._run_apply(groups))
        box.open()

    def _run_apply(self, groups: list[Group]) -> None:
        self.apply_action.setEnabled(False)
        self.statusBar().showMessage("Moving files to the trash…")
        self.service.call(jobs.apply_decisions(self.settings.keeper_rules), self._on_applied, self._on_store_failed)

    def _on_applied(self, report: Report) -> None:
        self.apply_action.setEnabled(True)
        gone = [o.path for o in report.with_status(Status.TRASHED)]
        self.model.remove_members(gone)
        self.statusBar().showMessage(f"{len(gone)} files moved to the trash; {len(report.failures)} refused", 15000)
        if report.failures:
            ReportDialog("Apply: some files were not moved", report, self).open()

    def undo_last(self) -> None:
        self.service.call(jobs.undo_last, self._on_undone, self._on_store_failed)

    def _on_undone(self, report: Report) -> None:
        if report.batch is None:
            self.statusBar().showMessage("Nothing to undo", 8000)
            return
        restored = len(report.with_status(Status.RESTORED))
        self.statusBar().showMessage(f"{restored} files restored from the trash", 15000)
        if report.failures:
            ReportDialog("Undo: some files could not come back", report, self).open()
        self.service.call(jobs.load_last(self.settings.keeper_rules), self._on_loaded, self._on_store_failed)

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
        folders = tuple(f"{role}:{path}" for role, path in self.folders.roles())
        current = replace(self.settings, folders=folders, mode=self.folders.current_mode())
        path = self.settings_path
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
        self._save_settings()
        self.images.shutdown()
        self.service.shutdown()
        super().closeEvent(event)
