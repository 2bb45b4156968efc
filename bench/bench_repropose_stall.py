"""How long the window's thread waits while keepers are proposed again (Settings > keeper rules changed) on a
large library: `review.repropose` (which also gives the review as it is now) runs on a thread, as on the window's
store thread, while the main thread wakes every 2 ms, as the window's does to paint, and records each wait over
20 ms with where the other thread was when it ended, and every full garbage collection.

    python bench/bench_repropose_stall.py [--files 100000] [--store STORE] [--runs 2]

The store is synthetic (bench_regroup.fill: groups of 2-5 copies, 9 stored verdicts per file), made once into
STORE when it does not exist, and copied afresh for each run (a repropose saves a new result in it).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_regroup import fill

from dedup_gui.core import review
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.store import Store

GAP_S = 0.02


def _where(ident: int | None) -> str:
    frame = sys._current_frames().get(ident) if ident is not None else None
    names = []
    while frame is not None and len(names) < 3:
        names.append(f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(names)


def run_once(db: Path) -> tuple[float, list[tuple[float, str]], list[float]]:
    """(seconds, waits over GAP_S with where the worker was, full collections' seconds) of one repropose."""
    config = ScanConfig(roots=(Path("/photos"),), keeper_rules=("path", "resolution"))
    done = threading.Event()
    spent: list[float] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            store = Store(db)
            start = time.perf_counter()
            review.repropose(store, config)  # and the review as it is now, as the window's job takes it
            spent.append(time.perf_counter() - start)
            store.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failed.append(exc)
        finally:
            done.set()

    collections: list[float] = []
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started and info["generation"] == 2:
            collections.append(time.perf_counter() - started.pop())
        elif started:
            started.pop()

    gc.callbacks.append(on_gc)
    waits: list[tuple[float, str]] = []
    worker = threading.Thread(target=work, name="store")
    worker.start()
    last = time.perf_counter()
    try:
        while not done.is_set():
            time.sleep(0.002)
            now = time.perf_counter()
            if now - last > GAP_S:
                waits.append((now - last, _where(worker.ident)))
            last = now
    finally:
        worker.join()
        gc.callbacks.remove(on_gc)
    if failed:
        raise failed[0]
    return spent[0], sorted(waits, reverse=True), sorted(collections, reverse=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--store", type=Path, help="synthetic store, made when missing (default: a temporary one)")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.store or Path(tmp) / "source.sqlite3"
        if not source.exists():
            store = Store(source)
            t0 = time.perf_counter()
            pairs, verdicts = fill(store, args.files, np.random.default_rng(0), 9.0)
            store.close()
            took = time.perf_counter() - t0
            print(f"made {source}: {args.files} files, {pairs} pairs, {verdicts} verdicts in {took:.0f} s")
        for run in range(args.runs):
            db = Path(tmp) / f"run{run}.sqlite3"
            shutil.copyfile(source, db)
            user = source.with_name(source.stem + "-user.sqlite3")
            if user.exists():
                shutil.copyfile(user, db.with_name(db.stem + "-user.sqlite3"))
            seconds, waits, collections = run_once(db)
            longest = waits[0][0] if waits else 0.0
            print(
                f"run {run + 1}: repropose {seconds:.1f} s; longest wait of the other thread "
                f"{1000 * longest:.0f} ms, {len(waits)} over {1000 * GAP_S:.0f} ms; "
                f"{len(collections)} full collections, longest {1000 * (collections[0] if collections else 0):.0f} ms"
            )
            for wait, where in waits[:5]:
                print(f"    {1000 * wait:4.0f} ms, the store thread at {where}")
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
