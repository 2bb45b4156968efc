"""`run_scan` in a child process, for a front end that must stay responsive (the window).

A scan in a thread of the window's process shares its interpreter lock: every collection of the scan's garbage
and every long call into C that keeps the lock (a 100k-row read, the grouping of 100k photos) freezes the window
for as long, 100-450 ms at 100k photos. In its own process the scan can take no time from the window, and a crash
in it (a codec, memory) ends the scan, not the window. Only small messages cross: progress events, the order to
cancel, and the result's summary; the groups and problems are in the store, where the window reads them.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import DedupError
from dedup_gui.core.machine import die_with_parent
from dedup_gui.core.progress import CancelToken, ProgressEvent
from dedup_gui.core.types import ScanResult

log = logging.getLogger(__name__)

CANCEL = "cancel"
# after its result, a child only closes its store and exits; one that takes longer than this is stuck
EXIT_WAIT_S = 30.0


class ScanCrashed(DedupError):
    """The scan ended because of a bug or because its process died (killed, out of memory): no result."""


class ScanProcess:
    """One scan in a child process; run() blocks the calling thread (which holds no lock while it waits)."""

    def __init__(self, config: ScanConfig, store_path: Path) -> None:
        self.config = config
        self.store_path = store_path
        self._lock = threading.Lock()
        self._orders: Connection | None = None
        self._cancelled = False
        self._child: multiprocessing.process.BaseProcess | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while run() runs."""
        child = self._child
        return None if child is None else child.pid

    def cancel(self) -> None:
        """From any thread, before or during run(): the child cancels at its next batch, as run_scan does."""
        with self._lock:
            self._cancelled = True
            if self._orders is not None:
                _send_quietly(self._orders, CANCEL)

    def kill(self) -> None:
        """End the child at once (SIGKILL), from any thread: for a window that must close and cannot wait for a
        cancel to finish. The store stays consistent (each write is a transaction); the scan's unsaved work is lost,
        and run() raises ScanCrashed."""
        with self._lock:
            self._cancelled = True
            if self._child is not None and self._child.is_alive():
                self._child.kill()

    def run(self, sink: Callable[[ProgressEvent], None]) -> ScanResult:
        """Start the child, pass its progress to `sink` and return its result, without groups or problems.

        Raises DedupError with the child's message for an error the user can act on, ScanCrashed for the rest.
        """
        # spawn, not fork: the caller's process runs Qt's threads; not forkserver: the child makes its own pool
        ctx = multiprocessing.get_context("spawn")
        events_in, events_out = ctx.Pipe(duplex=False)
        orders_in, orders_out = ctx.Pipe(duplex=False)
        level = logging.getLogger().getEffectiveLevel()
        args = (self.config, str(self.store_path), events_out, orders_in, os.getpid(), level)
        child = ctx.Process(target=_child_main, args=args, name="dedup-gui scan", daemon=False)
        child.start()
        events_out.close()
        orders_in.close()
        with self._lock:
            self._orders = orders_out
            self._child = child
            if self._cancelled:
                _send_quietly(orders_out, CANCEL)
        try:
            while True:
                try:
                    kind, payload = events_in.recv()
                except EOFError:
                    child.join()
                    raise ScanCrashed(
                        f"The scan's process ended without a result (exit code {child.exitcode})"
                    ) from None
                if kind == "progress":
                    sink(payload)
                elif kind == "result":
                    return payload
                elif kind == "failed":
                    raise DedupError(payload)
                else:
                    raise ScanCrashed(f"The scan stopped because of a bug: {payload}")
        finally:
            with self._lock:
                self._orders = None
                self._child = None
            orders_out.close()
            events_in.close()
            child.join(EXIT_WAIT_S)
            if child.is_alive():
                log.warning("the scan's process did not exit after its result; killing it")
                child.kill()
                child.join()


def _send_quietly(conn: Connection, message: object) -> None:
    with contextlib.suppress(OSError):  # the other end is gone: its reader reports that
        conn.send(message)


def _child_main(
    config: ScanConfig, store_path: str, events: Connection, orders: Connection, parent: int, level: int
) -> None:
    """The child: run the scan, send progress and then one final message ("result", "failed" or "crashed")."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the window's to handle
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    token = CancelToken()
    threading.Thread(target=_listen, args=(orders, token), name="scan orders", daemon=True).start()
    lock = threading.Lock()

    def send(message: tuple[str, object]) -> None:
        with lock:  # progress may come from more than one of the scan's threads
            try:
                events.send(message)
            except OSError:  # the window is gone (or closing): stop, as a Cancel would
                token.cancel()

    from dedup_gui.core.pipeline import run_scan
    from dedup_gui.core.store import Store

    try:
        store = Store(Path(store_path))
        try:
            result = run_scan(config, store=store, sink=lambda event: send(("progress", event)), cancel=token)
        finally:
            store.close()
    except DedupError as exc:
        send(("failed", str(exc)))
        return
    except Exception as exc:  # a bug: the window says so; the traceback goes to the log
        log.exception("scan crashed")
        send(("crashed", f"{type(exc).__name__}: {exc}"))
        return
    send(("result", replace(result, groups=(), problems=())))


def _listen(orders: Connection, token: CancelToken) -> None:
    """Cancel on the order, or when the window's end of the pipe closes."""
    try:
        while orders.recv() != CANCEL:
            pass
    except (EOFError, OSError):
        pass
    token.cancel()
