"""A scan in its own process: the same result as in-process, its progress, cancel, errors, and kill -9 of
either side leaving no process behind and the store usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import DedupError
from dedup_gui.core.progress import ProgressEvent, Stage
from dedup_gui.core.scan_process import ScanCrashed, ScanProcess
from dedup_gui.core.serialize import result_from_dict
from dedup_gui.core.store import Store
from dedup_gui.core.types import ScanStatus
from tests.conftest import Library, cmdline, slow_library

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process tree checks use Linux semantics")


def _group_paths(db: Path) -> list[set[str]]:
    store = Store(db)
    try:
        last = store.last_scan()
        assert last is not None
        return [set(g.paths) for g in result_from_dict(last[2]).groups]
    finally:
        store.close()


def test_a_scan_in_its_own_process_reports_progress_and_stores_its_groups(library: Library, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    config = ScanConfig(roots=(library.root,), embeddings=False, workers=2)
    result = ScanProcess(config, tmp_path / "s.db").run(events.append)
    assert result.status is ScanStatus.COMPLETED and result.scan_id is not None
    assert result.stats.files > 0
    assert {e.stage for e in events} >= {Stage.ENUMERATING, Stage.DECODING, Stage.SAVING}
    groups = _group_paths(tmp_path / "s.db")
    assert any({str(library.orig), str(library.exact_copy)} <= g for g in groups)


def test_cancel_before_the_child_starts_still_cancels(library: Library, tmp_path: Path) -> None:
    process = ScanProcess(ScanConfig(roots=(library.root,), embeddings=False, workers=1), tmp_path / "s.db")
    process.cancel()
    assert process.run(lambda _e: None).status is ScanStatus.CANCELLED


def test_an_error_the_user_can_act_on_comes_back_as_its_message(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder"
    with pytest.raises(DedupError, match="no such folder") as caught:
        ScanProcess(ScanConfig(roots=(missing,), embeddings=False), tmp_path / "s.db").run(lambda _e: None)
    assert not isinstance(caught.value, ScanCrashed)


@linux_only
def test_a_scan_process_killed_mid_scan_is_reported_and_the_next_scan_completes(tmp_path: Path) -> None:
    slow_library(tmp_path / "lib", 24)
    config = ScanConfig(roots=(tmp_path / "lib",), embeddings=False, workers=2)
    process = ScanProcess(config, tmp_path / "s.db")
    family: list[psutil.Process] = []

    def kill_while_decoding(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING and not family and process.pid is not None:
            child = psutil.Process(process.pid)
            deadline = time.monotonic() + 30
            while len(family) < 3 and time.monotonic() < deadline:  # the scan, its forkserver and decode workers
                family[:] = [child, *child.children(recursive=True)]
                time.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)  # as the out-of-memory killer would

    with pytest.raises(ScanCrashed, match="exit code -9"):
        process.run(kill_while_decoding)
    assert len(family) >= 3
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left running: {[(p.pid, cmdline(p)) for p in alive]}"
    # the store the killed scan was writing opens and the next scan runs to its end
    again = ScanProcess(config, tmp_path / "s.db").run(lambda _e: None)
    assert again.status is ScanStatus.COMPLETED
    groups = _group_paths(tmp_path / "s.db")
    assert any(len(g) == 25 for g in groups), groups  # base.png and its 24 pixel copies


@linux_only
def test_kill_9_of_the_window_ends_its_scan_process_and_the_decode_workers(tmp_path: Path) -> None:
    slow_library(tmp_path / "lib", 40)
    window = textwrap.dedent(f"""
        from pathlib import Path
        from dedup_gui.core.config import ScanConfig
        from dedup_gui.core.scan_process import ScanProcess
        config = ScanConfig(roots=(Path({str(tmp_path / "lib")!r}),), embeddings=False, workers=2)
        ScanProcess(config, Path({str(tmp_path / "s.db")!r})).run(lambda _e: None)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", window], env=env)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    family: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        family = parent.children(recursive=True)
        if sum(1 for p in family if "forkserver" in cmdline(p)) and len(family) >= 4:
            break  # the scan's process, its forkserver and at least two decode workers
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before its decode workers were seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left running: {[(p.pid, cmdline(p)) for p in alive]}"


@linux_only
def test_kill_from_another_thread_ends_the_scan_at_once(tmp_path: Path) -> None:
    slow_library(tmp_path / "lib", 24)
    process = ScanProcess(ScanConfig(roots=(tmp_path / "lib",), embeddings=False, workers=1), tmp_path / "s.db")
    started = threading.Event()

    def on_progress(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING:
            started.set()

    killer = threading.Thread(target=lambda: started.wait(60) and process.kill())
    killer.start()
    began = time.monotonic()
    with pytest.raises(ScanCrashed, match="exit code -9"):
        process.run(on_progress)
    killer.join()
    assert time.monotonic() - began < 30
    process.kill()  # after the end: nothing to kill, no error
