"""Ending cleanly when the session ends: SIGTERM (logout, shutdown) and SIGINT close the window like its close
button does, so the folder list, the settings and the window geometry are saved and the worker threads stop.

Python runs signal handlers only between bytecodes, and a Qt event loop waiting in C never gets there; the
signal's wakeup byte on a socket pair wakes a QSocketNotifier in the loop instead.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger("dedup_gui.ui")

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SignalQuit(QObject):
    """While alive, SIGTERM and SIGINT call `on_signal` on the UI thread; restore() puts the old handlers back."""

    def __init__(self, on_signal: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._read, self._write = socket.socketpair()
        for s in (self._read, self._write):
            s.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._old = {sig: signal.signal(sig, self._noop) for sig in SIGNALS}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)

    @staticmethod
    def _noop(signum: int, frame: object) -> None:
        """The work happens in _on_wakeup; a Python-level handler must exist so the default (die) does not."""

    def _on_wakeup(self) -> None:
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            return
        for signum in {b for b in data if b in SIGNALS}:
            log.info("received %s: closing", signal.Signals(signum).name)
            self._on_signal(signum)

    def restore(self) -> None:
        self._notifier.setEnabled(False)
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._old_fd)
        self._read.close()
        self._write.close()
