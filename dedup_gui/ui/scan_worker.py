"""ScanWorker: waits on its own QThread for a scan that runs in a child process; only plain data crosses over.

The scan runs in its own process (core.scan_process) so that it never holds the window's interpreter lock; this
thread only passes its progress on, and its result's summary (the window reads the groups from the store).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import DedupError
from dedup_gui.core.progress import ProgressEvent
from dedup_gui.core.scan_process import ScanCrashed, ScanProcess
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
        self.process = ScanProcess(config, store_path)

    def cancel(self) -> None:
        """Tell the scan's process directly: no queued call, so it cancels at its next batch."""
        self.process.cancel()

    def kill(self) -> None:
        """End the scan's process at once (the window is closing and the cancel took too long)."""
        self.process.kill()

    def _emit_progress(self, event: ProgressEvent) -> None:
        emit(self.progressed, event)

    @Slot()
    def run(self) -> None:
        try:
            result: ScanResult = self.process.run(self._emit_progress)
        except ScanCrashed as exc:
            log.error("scan crashed: %s", exc)
            emit(self.failed, str(exc))
            return
        except DedupError as exc:
            emit(self.failed, str(exc))
            return
        except Exception as exc:  # a bug here: report it as one, never a silent dead thread
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
