"""Decoding on all cores in worker processes, where a file that kills its worker costs that file, never the scan.

A worker can die under us: the out-of-memory killer, a segfault in a codec, a kill -9. The pool then fails every
job in flight (BrokenProcessPool) without saying which file did it, so those files are run again one at a time in
a single-worker pool: a file that kills that worker too is the culprit and becomes a Problem; the others are
decoded normally. Then the scan goes on with a fresh pool.

A worker killed while it writes its result is worse: the pool's reader thread waits forever for the rest of a
half-written message (the other workers and this process hold the pipe open, so no end-of-file comes), no job ever
finishes and the pool never says it is broken. So the wait for results wakes every second; a dead worker with
nothing finished means a stuck pool, which is treated as broken and abandoned: its workers are killed and its
pipe closed, which ends the reader thread, and the jobs it held are run again as above.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from dedup_gui.core import machine
from dedup_gui.core.types import Problem, ProblemKind
from dedup_gui.core.worker import Analysed, analyse, init_worker

log = logging.getLogger("dedup_gui.decode_pool")

K = TypeVar("K")
Job = tuple[str, int, bool]  # path, size, want the CNN input
JOBS_PER_WORKER = 4  # in flight per worker: keeps every core busy while bounding the results held in memory
CRASH_MESSAGE = "the decoder crashed on this file (out of memory, or a damaged file that crashes its codec)"
STUCK_CHECK_S = 1.0  # how often a wait for results looks for a dead worker; a healthy pool never waits on it


def pool_context() -> multiprocessing.context.BaseContext:
    """forkserver on Linux: forking a process that runs Qt or torch threads is unsafe, spawn is slower.

    The forkserver imports the worker's modules once, and each worker is forked from it with them loaded (each
    worker imported them itself before: about 0.25 s of a core, and its own copy in memory).
    """
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["__main__", "dedup_gui.core.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


START_TRIES = 3  # a pool that cannot start is tried again this many times in all, a moment apart


def new_pool(workers: int, budget: int) -> ProcessPoolExecutor:
    """A fresh pool. Starting one can fail for a moment: a scan stopped with a traceback when the pipe to
    multiprocessing's resource tracker broke as the pool made its first lock (the tracker, a process of its own, had
    just died; the next try starts a new one), and a fork can fail while the machine is short of processes."""
    for attempt in range(1, START_TRIES + 1):
        try:
            return ProcessPoolExecutor(
                max_workers=workers, mp_context=pool_context(), initializer=init_worker, initargs=(budget, os.getpid())
            )
        except OSError as exc:
            if attempt == START_TRIES:
                raise
            log.warning("could not start the decode workers (%s); trying again", exc)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def decode_all(
    jobs: Iterable[tuple[K, Job]], workers: int, work: Callable[[Job], Analysed | Problem] = analyse
) -> Generator[tuple[K, Analysed | Problem], None, None]:
    """(key, work(job)) for every job, in the order they finish; a job whose file kills the worker gets a Problem.

    Stop iterating (or close the generator) to cancel: queued jobs are dropped, running ones finish first.
    """
    budget = machine.decode_budget(workers)
    todo = deque(jobs)
    while todo:
        suspects: list[tuple[K, Job]] = []
        in_flight: dict[Future, tuple[K, Job]] = {}
        pool = new_pool(workers, budget)
        try:
            while todo or in_flight:
                try:
                    while todo and len(in_flight) < workers * JOBS_PER_WORKER:
                        in_flight[pool.submit(work, todo[0][1])] = todo[0]
                        todo.popleft()
                    finished, broken = _wait(pool, in_flight)
                except BrokenProcessPool:  # submit() to a pool that broke since the last wait
                    finished, broken = set(), True
                if broken:
                    for fut, (key, job) in list(in_flight.items()):
                        if fut.done() and not fut.cancelled() and fut.exception() is None:
                            yield key, fut.result()
                        else:
                            suspects.append((key, job))
                    in_flight.clear()
                    log.warning("a decode worker died; running the %d files it may have held one by one", len(suspects))
                    break
                for fut in finished:
                    key, _job = in_flight.pop(fut)
                    yield key, fut.result()
        finally:
            for fut in in_flight:
                fut.cancel()
            _close(pool)
        yield from _one_by_one(suspects, budget, work)


def _wait(pool: ProcessPoolExecutor, futures: Iterable[Future]) -> tuple[set[Future], bool]:
    """(the futures that finished, whether the pool is broken); broken also when it is stuck (see the top)."""
    futures = list(futures)
    while True:
        finished, _ = wait(futures, timeout=STUCK_CHECK_S, return_when=FIRST_COMPLETED)
        if finished:
            return finished, any(not f.cancelled() and isinstance(f.exception(), BrokenProcessPool) for f in finished)
        if _a_worker_died(pool):
            return set(), True


def _a_worker_died(pool: ProcessPoolExecutor) -> bool:
    processes = getattr(pool, "_processes", None) or {}
    return any(p.exitcode is not None for p in list(processes.values()))


def _close(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down; one with a dead worker is abandoned so that neither we nor the interpreter's exit hang.

    A worker can die while the pool shuts down too (killed while it waited for work, holding the job queue's lock):
    the others then wait for that lock forever and the pool's own shutdown never ends, so the wait for it looks for
    a dead worker as the wait for results does.
    """
    # what shutdown(wait=False) lets go of: the manager thread, the workers and the result queue
    manager = getattr(pool, "_executor_manager_thread", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    result_queue = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    while manager is not None and manager.is_alive():
        if any(p.exitcode not in (None, 0) for p in processes):  # 0: a worker that ended as asked
            _abandon(processes, result_queue, manager)
            return
        manager.join(timeout=STUCK_CHECK_S)


def _abandon(processes: list, result_queue: object, manager: threading.Thread) -> None:
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)
    if result_queue is not None:
        result_queue._writer.close()  # type: ignore[attr-defined]  # the last write end: its reader gets EOF
    started = time.monotonic()
    manager.join(timeout=10)
    if manager.is_alive():
        log.error("a broken decode pool did not end in %.0f s", time.monotonic() - started)


def _one_by_one(
    suspects: list[tuple[K, Job]], budget: int, work: Callable[[Job], Analysed | Problem]
) -> Iterator[tuple[K, Analysed | Problem]]:
    """Each suspect alone in a single-worker pool; one that breaks the pool is the culprit."""
    pool: ProcessPoolExecutor | None = None
    try:
        for key, job in suspects:
            if pool is None:
                pool = new_pool(1, budget)
            try:
                future = pool.submit(work, job)
                finished, broken = _wait(pool, [future])
            except BrokenProcessPool:
                finished, broken = set(), True
            if broken:
                log.warning("the decoder crashed on %s", job[0])
                result: Analysed | Problem = Problem(job[0], ProblemKind.DECODER_CRASHED, CRASH_MESSAGE)
                _close(pool)
                pool = None
            else:
                result = finished.pop().result()
            yield key, result
    finally:
        if pool is not None:
            _close(pool)
