"""ScanWorker on its QThread, its scan in a child process: progress, a finished result whose groups are in the store,
cancel mid-scan giving the cancelled signal, and a failure as a message."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.serialize import result_from_dict
from dedup_gui.core.store import Store
from dedup_gui.core.types import ScanStatus
from dedup_gui.ui import scan_worker
from tests.ui.conftest import make_library


class Bridge(QObject):
    """Lives on the test's thread, so a worker signal reaches the test through a queued connection."""

    arrived = Signal(object)
    arrived_text = Signal(str)


def _run(qtbot, worker: scan_worker.ScanWorker, signal):
    parent, bridge = QObject(), Bridge()
    target = bridge.arrived_text if signal is worker.failed else bridge.arrived
    signal.connect(target)
    with qtbot.waitSignal(target, timeout=60_000) as blocker:
        thread = scan_worker.start(worker, parent)
    qtbot.waitUntil(thread.isFinished, timeout=10_000)
    thread.wait()
    return blocker.args[0]


def test_scan_worker_reports_progress_and_finishes(qtbot, tmp_path: Path) -> None:
    root = make_library(tmp_path / "lib")
    config = ScanConfig(roots=(root,), embeddings=False, workers=1)
    worker = scan_worker.ScanWorker(config, tmp_path / "store.sqlite3")
    events = []
    worker.progressed.connect(events.append)
    result = _run(qtbot, worker, worker.finished)
    assert result.status is ScanStatus.COMPLETED and result.scan_id is not None
    store = Store(tmp_path / "store.sqlite3")  # the window reads the groups and problems from the store
    last = store.last_scan()
    store.close()
    assert last is not None and last[0] == result.scan_id
    stored = result_from_dict(last[2])
    assert any(len(g.members) >= 3 for g in stored.groups)
    assert any(p.path.endswith("broken.jpg") for p in stored.problems)
    assert events and events[-1].fraction is not None


def test_cancel_mid_scan_gives_the_cancelled_signal(qtbot, tmp_path: Path) -> None:
    root = make_library(tmp_path / "lib")
    worker = scan_worker.ScanWorker(ScanConfig(roots=(root,), embeddings=False, workers=1), tmp_path / "s.sqlite3")
    # cancel from the worker's own thread at its first progress event: the scan is running, not yet done
    worker.progressed.connect(lambda _e: worker.cancel(), Qt.ConnectionType.DirectConnection)
    result = _run(qtbot, worker, worker.cancelled)
    assert result.status is ScanStatus.CANCELLED


def test_scan_worker_reports_a_bad_root_as_failed(qtbot, tmp_path: Path) -> None:
    worker = scan_worker.ScanWorker(ScanConfig(roots=(tmp_path / "missing",), embeddings=False), tmp_path / "s.db")
    message = _run(qtbot, worker, worker.failed)
    assert "missing" in message
