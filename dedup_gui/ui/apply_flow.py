"""ApplyFlow: check, confirm, apply, and undo. The marked files are checked first on the store thread (a dry run
that hashes every file, with progress and Cancel), so the confirmation counts what will move and what will be kept
and why before the user clicks; then exactly the plan that was checked is applied (to the trash or into a folder).
What an apply or undo did goes to the message bar, which stays until dismissed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from dedup_gui.core import actions
from dedup_gui.core.actions import Report, Status
from dedup_gui.core.progress import CancelToken
from dedup_gui.ui import jobs
from dedup_gui.ui.dialogs import ReportDialog, confirm_apply
from dedup_gui.ui.signals import emit
from dedup_gui.ui.store_service import StoreService
from dedup_gui.ui.text import human_size
from dedup_gui.ui.widgets import MessageBar

SHOW_CHECK_AFTER_MS = 300  # a check shorter than this never flashes a progress window


class ApplyFlow(QObject):
    progressed = Signal(int, int)  # files done, of total (emitted on the store thread, delivered on the UI thread)
    checked = Signal(object)  # jobs.Checked: the confirmation is open (`box`)
    applied = Signal(object)  # Report of an apply (its outcome is in the message bar)
    files_moved = Signal()  # after an apply or an undo: the review must be loaded again
    message = Signal(str)  # a passing note for the status bar
    failed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        service: StoreService,
        rules: Callable[[], Sequence[str]],
        roots: Callable[[], Sequence[str]],
        bar: MessageBar,
        protected: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        super().__init__(parent)
        self.window, self.service, self.rules, self.roots, self.bar = parent, service, rules, roots, bar
        self.protected = protected  # the folders protected now: one protected after the marks keeps its files
        self.box: QMessageBox | None = None
        self.checking: QProgressDialog | None = None
        self.busy = False
        self._moving = ""
        self.progressed.connect(self._on_progress)

    def start(self, files: int, move_to: Path | None = None) -> None:
        """Check the `files` marked for the trash (the window's running total), then ask."""
        if self.busy:
            return
        if not files:
            emit(self.message, self.tr("Nothing is marked Trash yet: press T on a copy, or Auto-select All"))
            return
        self.busy = True
        token = CancelToken()
        dialog = QProgressDialog(
            self.tr("Checking {count} files before anything moves…").format(count=f"{files:,}"),
            self.tr("Cancel"),
            0,
            files,
            self.window,
        )
        dialog.setWindowTitle(self.tr("Checking"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_CHECK_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(token.cancel)  # the Cancel button
        dialog.rejected.connect(token.cancel)  # Escape
        self.checking = dialog
        job = jobs.check_apply(
            self.rules(), self.roots(), move_to, token, self._relay_progress, tuple(self.protected())
        )
        self.service.call(job, lambda c: self._on_checked(c, token), self._on_failed)

    def _relay_progress(self, done: int, total: int) -> None:
        emit(self.progressed, done, total)  # from the store thread: queued to the UI thread

    def _on_progress(self, done: int, total: int) -> None:
        if self.checking is not None:
            self.checking.setMaximum(total)
            self.checking.setValue(done)
        elif self._moving:
            emit(self.message, self._moving.format(done=f"{done:,}", total=f"{total:,}"))

    def _close_checking(self) -> None:
        if self.checking is not None:
            self.checking.canceled.disconnect()
            self.checking.rejected.disconnect()
            self.checking.close()
            self.checking.deleteLater()
            self.checking = None

    def _on_checked(self, checked: jobs.Checked, token: CancelToken) -> None:
        self._close_checking()
        if token.cancelled:
            self.busy = False
            emit(self.message, self.tr("Check cancelled: nothing was moved"))
            return
        box = confirm_apply(self.window, checked.report, checked.move_to, checked.inside_scanned)
        self.box = box
        box.accepted.connect(lambda: self._run(checked))
        box.rejected.connect(self._done)
        emit(self.checked, checked)
        box.open()

    def _run(self, checked: jobs.Checked) -> None:
        self.box = None
        where = checked.move_to
        self._moving = (
            self.tr("Moving files to the trash… {done} of {total}")
            if where is None
            else self.tr("Moving files to {folder}… {{done}} of {{total}}").format(folder=where)
        )
        emit(self.message, self._moving.format(done=0, total=f"{len(checked.plan.items):,}"))
        announced = frozenset(o.path for o in checked.report.failures)
        self.service.call(
            jobs.apply_plan(checked.plan, where, self._relay_progress),
            lambda r: self._on_applied(r, where, announced),
            self._on_failed,
        )

    def _on_applied(self, report: actions.Report, move_to: Path | None, announced: frozenset[str]) -> None:
        self._done()
        self.bar.show_message(applied_text(report, move_to, announced))
        if unexpected(report, announced):  # what the confirmation did not announce gets its own list
            ReportDialog(self.tr("Apply: some files were not moved"), report, self.window).open()
        emit(self.message, "")
        emit(self.applied, report)
        emit(self.files_moved)

    def undo(self) -> None:
        """Undo Last Apply: the newest batch comes back from the trash (or the folder)."""
        self.service.call(jobs.undo_last, self._on_undone, self._on_failed)

    def _on_undone(self, report: actions.Report) -> None:
        self.bar.show_message(undone_text(report))
        if report.batch is None:
            return
        if report.failures:
            ReportDialog(self.tr("Undo: some files could not come back"), report, self.window).open()
        emit(self.files_moved)

    def _done(self) -> None:
        self.busy = False
        self.box = None
        self._moving = ""

    def _on_failed(self, message: str) -> None:
        self._close_checking()
        self._done()
        emit(self.failed, message)


def _tr(text: str) -> str:
    return QCoreApplication.translate("apply", text)


def unexpected(report: Report, announced: frozenset[str]) -> list[actions.Outcome]:
    """Files that did not move although the confirmation said they would (changed or locked since the check)."""
    return [o for o in report.failures if o.path not in announced]


def applied_text(report: Report, move_to: Path | None, announced: frozenset[str] = frozenset()) -> str:
    """What an apply did, for the message bar that stays until dismissed."""
    gone = report.with_status(Status.TRASHED, Status.MOVED)
    text = (
        _tr("<b>{count} files moved to the trash</b> ({size}).")
        if move_to is None
        else _tr("<b>{count} files moved to {folder}</b> ({size}).")
    )
    text = text.format(count=len(gone), size=human_size(report.done_bytes), folder=html.escape(str(move_to)))
    stayed = len(report.failures) - len(unexpected(report, announced))
    if stayed:
        text += " " + _tr("{count} stayed, as the check said.").format(count=stayed)
    if unexpected(report, announced):
        text += " " + _tr("{count} more were not moved: see the list.").format(count=len(unexpected(report, announced)))
    return text + " " + _tr("Undo Last Apply (Ctrl+Z) brings them back.")


def undone_text(report: Report) -> str:
    if report.batch is None:
        return _tr("Nothing to undo: no apply is recorded.")
    restored = report.with_status(Status.RESTORED)
    text = _tr("<b>{count} files restored</b> to where they were.").format(count=len(restored))
    if report.failures:
        text += " " + _tr("{count} could not come back: see the list.").format(count=len(report.failures))
    return text
