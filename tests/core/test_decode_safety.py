"""Reading files safely: memory bounded before decoding, a dying worker costs one file, workers die with the scan."""

from __future__ import annotations

import functools
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from dedup_gui.core import decode_pool, decoding, machine, pictures, pipeline
from dedup_gui.core import worker as worker_module
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.progress import ProgressEvent, Stage
from dedup_gui.core.store import Store
from dedup_gui.core.types import ProblemKind, ScanResult
from dedup_gui.core.worker import Analysed, analyse
from tests.conftest import cmdline, huge_png, parent_pid, photo, save_jpeg, slow_library
from tests.core.crashing_work import analyse_or_die, analyse_then_use, cv2_decode, reserve_address_space
from tests.dng import make_dng


def small_library(root: Path) -> dict[str, Path]:
    base = photo("astronaut", (800, 600))
    return {
        "orig": save_jpeg(base, root / "orig.jpg"),
        "copy": save_jpeg(base.resize((400, 300)), root / "small.jpg", quality=80),
        "other": save_jpeg(photo("coffee"), root / "coffee.jpg"),
        "rocket": save_jpeg(photo("rocket"), root / "rocket.jpg"),
    }


def scan(root: Path, db: Path, **kw: object) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(root,), embeddings=False, workers=2), store=store, **kw)  # type: ignore[arg-type]
    finally:
        store.close()


def problems(result: ScanResult) -> dict[str, tuple[ProblemKind, str]]:
    return {Path(p.path).name: (p.kind, p.message) for p in result.problems}


def test_a_png_that_would_exhaust_memory_is_refused_before_decoding(tmp_path: Path) -> None:
    """1 MB on disk, 16000 x 16000 RGBA: under the pixel guard, 2.3 GB to decode."""
    lib = small_library(tmp_path / "lib")
    huge = huge_png(tmp_path / "lib" / "poster.png", 16_000, 16_000, color_type=6)
    assert huge.stat().st_size < 2_000_000
    result = scan(tmp_path / "lib", tmp_path / "s.sqlite3")
    kind, message = problems(result)["poster.png"]
    assert kind is ProblemKind.TOO_LARGE
    assert "needs about 2.3 GB of memory" in message and "this computer allows for one image" in message
    assert {str(lib["orig"]), str(lib["copy"])} in [set(g.paths) for g in result.groups]


def test_a_file_named_like_a_photo_larger_than_a_decode_may_use_is_refused_unread(tmp_path: Path) -> None:
    """A 6 GB video or disk image called .jpg was read whole by its worker, and the MemoryError ended the scan.

    The file is sparse (no disk used). The scan and the compare view both refuse it without reading it."""
    lib = small_library(tmp_path / "lib")
    video = tmp_path / "lib" / "holiday.jpg"
    with open(video, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(3 * machine.BUDGET_CAP)
    if video.stat().st_blocks * 512 > 1 << 20:
        pytest.skip("this filesystem has no sparse files")
    result = scan(tmp_path / "lib", tmp_path / "s.sqlite3")
    kind, message = problems(result)["holiday.jpg"]
    assert kind is ProblemKind.TOO_LARGE
    assert message.startswith("file too large to check safely: 6.4 GB") and "allows for one image" in message
    assert {str(lib["orig"]), str(lib["copy"])} in [set(g.paths) for g in result.groups]
    with pytest.raises(decoding.DecodeError, match="file too large"):  # the compare view's decode as well
        pictures.display_picture(str(video), 1024)


def test_the_budget_comes_from_the_machine_within_its_bounds() -> None:
    gib = machine.GIB
    assert machine.decode_budget(2, available=64 * gib) == machine.BUDGET_CAP
    assert machine.decode_budget(8, available=8 * gib) == machine.BUDGET_FLOOR  # 0.5 GiB a worker: the floor
    assert machine.decode_budget(4, available=1 * gib) == gib // 2  # never more than half of what is free
    assert machine.available_memory() > 0


def test_a_file_that_kills_its_worker_costs_that_file_and_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = small_library(tmp_path / "lib")
    killer = save_jpeg(photo("chelsea"), tmp_path / "lib" / "kills-the-decoder.jpg")
    monkeypatch.setattr(pipeline, "decode_all", functools.partial(decode_pool.decode_all, work=analyse_or_die))
    db = tmp_path / "s.sqlite3"
    result = scan(tmp_path / "lib", db)
    kind, message = problems(result)[killer.name]
    assert kind is ProblemKind.DECODER_CRASHED and "crashed" in message
    assert len(result.problems) == 1
    assert {str(lib["orig"]), str(lib["copy"])} in [set(g.paths) for g in result.groups]
    again = scan(tmp_path / "lib", db)  # remembered: not decoded again, still reported
    assert again.stats.decoded == 0
    assert problems(again)[killer.name][0] is ProblemKind.DECODER_CRASHED


def test_a_worker_killed_mid_scan_costs_nothing(tmp_path: Path) -> None:
    """kill -9 of a decode worker: the files it held are decoded again, one by one, and the scan completes."""
    lib = small_library(tmp_path / "lib")
    for n in range(12):
        save_jpeg(photo("camera" if n % 2 else "chelsea", (900, 700)).rotate(n * 7), tmp_path / "lib" / f"x{n}.jpg")
    killed: list[int] = []

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING and event.done >= 1 and not killed:
            workers = [p for p in psutil.Process().children(recursive=True) if parent_pid(p) not in (None, os.getpid())]
            if workers:
                workers[0].kill()
                killed.append(workers[0].pid)

    result = scan(tmp_path / "lib", tmp_path / "s.sqlite3", sink=sink)
    assert killed
    assert result.problems == ()
    assert result.stats.decoded == 16
    assert {str(lib["orig"]), str(lib["copy"])} in [set(g.paths) for g in result.groups]


def test_a_worker_killed_while_it_waits_for_work_does_not_hang_the_end_of_the_scan(tmp_path: Path) -> None:
    """Killed when its files are done (the out-of-memory killer at the end of the decode stage): an idle worker
    may hold the job queue's lock, and the other then waits for it forever, and so did the pool's shutdown. Which
    of the two holds it cannot be seen from here, so the kill is repeated: a hang would show in most tries."""
    lib = small_library(tmp_path / "lib")
    jobs = [(n, (str(p), p.stat().st_size, False)) for n, p in enumerate(lib.values())]
    for _ in range(6):
        # the processes there before this pool (the forkserver, earlier pools' workers still ending); not told
        # apart by their start times, which psutil derives from the boot time and can place a second early
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        results = decode_pool.decode_all(list(jobs), workers=2)
        got = [next(results) for _ in jobs]  # every file done; the pool is open and its workers wait for work
        workers = [
            p
            for p in psutil.Process().children(recursive=True)
            if p.pid not in before and parent_pid(p) not in (None, os.getpid())
        ]
        assert len(workers) == 2
        workers[0].kill()  # and the pool is closed at once, before it can have heard of it
        ended: list[list] = []
        closing = threading.Thread(target=lambda out, gen: out.append(list(gen)), args=(ended, results), daemon=True)
        closing.start()
        closing.join(30)
        assert ended == [[]], "the pool's shutdown waited for a worker stuck behind the dead one"
        assert sorted(k for k, _ in got) == [0, 1, 2, 3]


_SCAN_WITH_A_HALF_WRITTEN_RESULT = """
import functools, json, sys
from pathlib import Path
from dedup_gui.core import decode_pool, pipeline
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.store import Store
from tests.core.crashing_work import analyse_or_die_writing

pipeline.decode_all = functools.partial(decode_pool.decode_all, work=analyse_or_die_writing)
store = Store(Path(sys.argv[2]))
result = pipeline.run_scan(ScanConfig(roots=(Path(sys.argv[1]),), embeddings=False, workers=2), store=store)
store.close()
print(json.dumps({"decoded": result.stats.decoded, "groups": [sorted(g.paths) for g in result.groups],
                  "problems": {Path(p.path).name: p.kind.name for p in result.problems}}))
"""


def test_a_worker_killed_while_writing_its_result_costs_that_file_and_the_scan_ends(tmp_path: Path) -> None:
    """The pool never learns of that death by itself: without care the scan, and then the app's exit, wait forever."""
    lib = small_library(tmp_path / "lib")
    for n in range(8):
        save_jpeg(photo("camera", (600, 400)).rotate(n * 11), tmp_path / "lib" / f"x{n}.jpg")
    save_jpeg(photo("chelsea"), tmp_path / "lib" / "dies-writing-here.jpg")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    args = [str(tmp_path / "lib"), str(tmp_path / "s.sqlite3")]
    done = subprocess.run(
        [sys.executable, "-c", _SCAN_WITH_A_HALF_WRITTEN_RESULT, *args], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["problems"] == {"dies-writing-here.jpg": "DECODER_CRASHED"}
    assert result["decoded"] == 13  # every file went through the decoder; only the culprit is lost
    assert sorted([str(lib["orig"]), str(lib["copy"])]) in result["groups"]


def test_worker_memory_ceiling_turns_a_giant_allocation_into_memory_error(tmp_path: Path) -> None:
    """The ceiling leaves numpy, Pillow, pillow-heif, LibRaw and OpenCV working in the worker."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    base = photo("astronaut", (800, 600))
    files = {
        "jpg": save_jpeg(base, tmp_path / "a.jpg"),
        "png": tmp_path / "a.png",
        "heic": tmp_path / "a.heic",
        "dng": make_dng(tmp_path / "a.dng", base),
    }
    base.save(files["png"])
    base.save(files["heic"], quality=80)
    with decode_pool.new_pool(1, 512 << 20) as pool:
        soft, _ = pool.submit(resource.getrlimit, resource.RLIMIT_AS).result()
        assert soft != resource.RLIM_INFINITY
        for path in files.values():
            result = pool.submit(analyse, (str(path), path.stat().st_size, True)).result()
            assert isinstance(result, Analysed), result
            assert (result.decoded.info.width, result.decoded.info.height) == (800, 600)
        assert pool.submit(cv2_decode, str(files["png"])).result() == (600, 800, 3)
        with pytest.raises(MemoryError):
            pool.submit(np.empty, 64 << 30, np.uint8).result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ceiling is an rlimit of Linux")
def test_address_space_an_earlier_decode_left_reserved_does_not_eat_the_next_decodes_budget(tmp_path: Path) -> None:
    """A 200 MP HEIC was refused as too large only after another HEIC had been decoded in the same worker: the
    ceiling was set once, and the first decoder's threads had left its margin reserved."""
    path = save_jpeg(photo("astronaut", (800, 600)), tmp_path / "a.jpg")
    job = (str(path), path.stat().st_size, True)
    with decode_pool.new_pool(1, 512 << 20) as pool:
        pool.submit(reserve_address_space, worker_module.ADDRESS_SPACE_MARGIN + (256 << 20)).result()
        assert pool.submit(analyse_then_use, job, 400 << 20).result()  # within the 512 MB budget
        with pytest.raises(MemoryError):  # still a ceiling
            pool.submit(analyse_then_use, job, 4 << 30).result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process tree checks use Linux semantics")
def test_kill_9_of_a_scan_leaves_no_process_behind(tmp_path: Path) -> None:
    slow_library(tmp_path / "lib", 40)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    cmd = [sys.executable, "-m", "dedup_gui", "scan", str(tmp_path / "lib"), "--db", str(tmp_path / "s.db")]
    proc = subprocess.Popen([*cmd, "--no-embeddings", "--workers", "2", "-q"], env=env)
    scan_process = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    family: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        family = scan_process.children(recursive=True)
        # the forkserver's decode workers are running (a child that has just ended counts as none)
        if sum(1 for p in family if parent_pid(p) not in (None, proc.pid)) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before its decode workers were seen"
    assert len(family) >= 3  # forkserver, two workers (and the resource tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(family, timeout=5)
    assert alive == [], f"left running: {[(p.pid, cmdline(p)) for p in alive]}"


def test_a_librarys_last_words_say_why_a_damaged_file_cannot_be_read() -> None:
    """What LibRaw and libtiff print about a file (captured in the decode worker) names the reason: a file that
    ends early is truncated, a codec this build lacks makes a kind this version cannot decode, anything else is
    added to the damaged file's message once; other problems and silent libraries change nothing."""
    from dedup_gui.core.types import Problem

    raw = Problem("a.crw", ProblemKind.CORRUPT, "damaged CRW file: its raw data cannot be read (Input/output error)")
    ended = worker_module.in_libraries_words(raw, "unknown file: Unexpected end of file\n")
    assert ended.kind is ProblemKind.TRUNCATED and "Unexpected end of file" in ended.message
    tif = Problem("b.tif", ProblemKind.CORRUPT, "damaged image: decoder error -2")
    said = "tempfile.tif: WEBP compression support is not configured.\n" * 2
    lacking = worker_module.in_libraries_words(tif, said)
    assert lacking.kind is ProblemKind.UNSUPPORTED
    assert lacking.message == "a kind of image this version cannot decode (WEBP compression support is not configured)"
    nef = Problem("c.nef", ProblemKind.CORRUPT, "damaged NEF file: its raw data cannot be read")
    told = worker_module.in_libraries_words(nef, "unknown file: data corrupted at 1378\n")
    assert told == Problem("c.nef", ProblemKind.CORRUPT, f"{nef.message} (data corrupted at 1378)")
    assert worker_module.in_libraries_words(told, "data corrupted at 1378") == told  # said once
    assert worker_module.in_libraries_words(nef, "") == nef
    big = Problem("d.jpg", ProblemKind.TOO_LARGE, "image too large")
    assert worker_module.in_libraries_words(big, "Unexpected end of file") == big


def test_a_pool_that_fails_to_start_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipe to multiprocessing's resource tracker broke once as a scan started its pool (the tracker had just
    died): the scan stopped with a traceback. A pool that cannot start is tried again."""
    lib = small_library(tmp_path / "lib")
    real = decode_pool.ProcessPoolExecutor
    tries: list[int] = []

    def breaks_once(*args: object, **kwargs: object) -> decode_pool.ProcessPoolExecutor:
        tries.append(1)
        if len(tries) == 1:
            raise BrokenPipeError(32, "Broken pipe")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(decode_pool, "ProcessPoolExecutor", breaks_once)
    result = scan(tmp_path / "lib", tmp_path / "s.sqlite3")
    assert len(tries) == 2 and result.problems == () and result.stats.decoded == 4
    assert {str(lib["orig"]), str(lib["copy"])} in [set(g.paths) for g in result.groups]
