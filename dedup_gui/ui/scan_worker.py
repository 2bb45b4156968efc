"""ScanWorker: runs `run_scan` on its own QThread with its own store connection; only plain data crosses over."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import DedupError
from dedup_gui.core.progress import CancelToken, ProgressEvent
from dedup_gui.core.types import ScanResult, ScanStatus
from dedup_gui.ui.signals import emit

log = logging.getLogger("dedup_gui.ui.scan")


class ScanWorker(QObject):
    """Move to a QThread and call run() there (start() does both); cancel() may be called from any thread."""

    progressed = Signal(object)  # ProgressEvent
    finished = Signal(object)  # ScanResult, completed
    cancelled = Signal(object)  # ScanResult of the finished part
    failed = Signal(str)  # a message for the user

    def __init__(self, config: ScanConfig, store_path: Path) -> None:
        super().__init__()
        self.config = config
        self.store_path = store_path
        self.token = CancelToken()

    def cancel(self) -> None:
        """Set the token directly: no queued call, so a busy worker thread still sees it at its next batch."""
        self.token.cancel()

    def _emit_progress(self, event: ProgressEvent) -> None:
        emit(self.progressed, event)

    @Slot()
    def run(self) -> None:
        from dedup_gui.core.pipeline import run_scan
        from dedup_gui.core.store import Store

        try:
            store = Store(self.store_path)
            try:
                result: ScanResult = run_scan(self.config, store=store, sink=self._emit_progress, cancel=self.token)
            finally:
                store.close()
        except DedupError as exc:
            emit(self.failed, str(exc))
            return
        except Exception as exc:  # a bug: report it as one, never a silent dead thread
            log.exception("scan crashed")
            emit(self.failed, f"The scan stopped because of a bug: {type(exc).__name__}: {exc}")
            return
        if result.status is ScanStatus.CANCELLED:
            emit(self.cancelled, result)
        else:
            emit(self.finished, result)


def start(worker: QObject, parent: QObject) -> QThread:
    """Run worker.run() on a new QThread that quits and cleans up when the worker reports its end."""
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for signal_name in ("finished", "cancelled", "failed"):
        sig = getattr(worker, signal_name, None)
        if sig is not None:
            sig.connect(thread.quit)
    # no worker.deleteLater here: the caller's Python reference owns the worker, and a second owner deleting it
    # from the finishing thread races with Python's own delete (a double free)
    thread.start()
    return thread
