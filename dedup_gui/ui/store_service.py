"""StoreService: one worker thread with its own store connection that runs every UI read and write in order.

Widgets never touch SQLite or files: they submit a function of the store and get the plain result back on the
UI thread through a queued signal. One thread means writes (decisions, apply, undo) are serialized.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from dedup_gui.core.errors import DedupError
from dedup_gui.ui.signals import emit

log = logging.getLogger("dedup_gui.ui.store")

StoreJob = Callable[[Any], Any]  # takes the Store


class _Runner(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, store_path: Path) -> None:
        super().__init__()
        self.store_path = store_path
        self.store: Any = None

    @Slot(int, object)
    def run(self, job_id: int, job: StoreJob) -> None:
        from dedup_gui.core.store import Store

        try:
            if self.store is None:
                self.store = Store(self.store_path)
            emit(self.done, job_id, job(self.store))
        except DedupError as exc:
            emit(self.failed, job_id, str(exc))
        except Exception as exc:  # a bug: shown as one, and the thread lives on
            log.exception("store job failed")
            emit(self.failed, job_id, f"bug: {type(exc).__name__}: {exc}")

    @Slot()
    def close(self) -> None:
        """Queued after every job submitted before it: close the connection, then end the thread's loop."""
        if self.store is not None:
            self.store.close()
            self.store = None
        QThread.currentThread().quit()


class StoreService(QObject):
    # No Signal(bool) anywhere in this package: in PySide6 6.12 emitting a Python bool from Python drops a
    # reference to True/False each time, and the interpreter aborts later (bool_dealloc).
    submitted = Signal(int, object)
    closing = Signal()

    def __init__(self, store_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self._thread = QThread(self)
        self._thread.setObjectName("store")
        self._runner = _Runner(store_path)
        self._runner.moveToThread(self._thread)
        self.submitted.connect(self._runner.run)
        self.closing.connect(self._runner.close)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[str], None] | None]] = {}
        self._ids = count(1)
        self._thread.start()

    def call(
        self,
        job: StoreJob,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> int:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_failed)
        emit(self.submitted, job_id, job)
        return job_id

    @property
    def idle(self) -> bool:
        return not self._callbacks

    def _pop(self, job_id: int):
        return self._callbacks.pop(job_id, (None, None))

    @Slot(int, object)
    def _on_done(self, job_id: int, value: object) -> None:
        on_done, _ = self._pop(job_id)
        if on_done is not None:
            on_done(value)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        _, on_failed = self._pop(job_id)
        if on_failed is not None:
            on_failed(message)
        else:
            log.error("store job failed: %s", message)

    def shutdown(self) -> None:
        """Finish queued jobs, close the connection on its own thread, stop the thread.

        The thread quits from its own close slot, queued after every job submitted before shutdown (the settings
        and decisions saved by closeEvent), whatever the thread is busy with when this is called."""
        emit(self.closing)
        self._thread.wait()
