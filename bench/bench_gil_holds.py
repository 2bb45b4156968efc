"""How long single steps of a 100k-photo scan hold the GIL, done in one call and piece by piece: the window's thread
waits that long to paint (the UI stalls measured by bench_ui_stall.py).

    python bench/bench_gil_holds.py [--store STORE] [--times 10] [--keys 1000000]

- the result JSON, written and read (json module against store/pieces.py): STORE is a store a scan left (for
  instance `bench_library.py`'s run-N/store.sqlite3), its last result's groups repeated `--times` times (a 10k
  library's result ten times is about a 100k library's);
- the set of candidate-pair keys the checker looks up in the store (set() against checker._set_of), `--keys`
  random keys (a 100k library has about a million candidate pairs);
- freeing a scan's contents (a list of objects dropped at once against collector.release), one small object
  with a few attributes per key.

A thread that asks for the GIL every millisecond, as the window's does to paint, records the longest it waited.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dedup_gui.core import checker, collector
from dedup_gui.core.store import pieces


class Ticker:
    """A thread that wakes every millisecond and remembers its longest wait for the GIL."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def __enter__(self) -> Ticker:
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    with Ticker() as ticker:
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
    return out, took, ticker.longest


def _best(fn: Callable[[], Any], runs: int = 3) -> tuple[Any, float, float]:
    """The fastest of a few runs (the machine's other load only adds)."""
    return min((timed(fn) for _ in range(runs)), key=lambda r: (r[1], r[2]))


def _row(name: str, took: float, wait: float) -> None:
    print(f"  {name:28s} {took * 1000:6.0f} ms, longest GIL wait {wait * 1000:4.0f} ms")


def result_json(store: Path, times: int) -> None:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        row = db.execute("SELECT result FROM scans WHERE result IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        print("no stored result", file=sys.stderr)
        return
    result = json.loads(row[0])
    result["groups"] = result["groups"] * times
    text = json.dumps(result)
    print(f"result JSON: {len(result['groups'])} groups, {len(text) / 1e6:.1f} MB")
    for name, dumps, loads in (("json", json.dumps, json.loads), ("pieces", pieces.dumps, pieces.loads)):
        made, took, wait = _best(lambda d=dumps: d(result))  # type: ignore[misc]
        assert made == text
        _row(f"write, {name}", took, wait)
        back, took, wait = _best(lambda ld=loads: ld(text))  # type: ignore[misc]
        assert back == result
        _row(f"read, {name}", took, wait)


class _Content:
    """About what a scan holds per photo: a few small objects and its embedding."""

    def __init__(self, k: int) -> None:
        self.paths = [f"/photos/{k}.jpg"]
        self.file_ids = [k]
        self.info = (k, k, "JPEG")
        self.vector = np.zeros(1280, dtype=np.float16)  # its embedding, 2.5 KB


def key_set(n: int) -> None:
    rng = np.random.default_rng(0)
    keys = (rng.integers(0, 100_000, n, dtype=np.int64) << 32) | rng.integers(0, 100_000, n, dtype=np.int64)
    print(f"candidate keys: {n:,}")
    _row("set(), one call", *_best(lambda: set(keys.tolist()))[1:])
    _row("checker._set_of, by slices", *_best(lambda: checker._set_of(keys))[1:])


def freeing(n: int) -> None:
    print(f"freeing the contents of {n:,} photos")

    def at_once(contents: list[_Content]) -> None:
        del contents[:]

    for name, free in (("at once", at_once), ("collector.release", collector.release)):
        runs = []
        for _ in range(3):
            contents = [_Content(k) for k in range(n)]  # made outside the timing: only the freeing is measured
            runs.append(timed(lambda c=contents, f=free: f(c))[1:])  # type: ignore[misc]
        _row(name, *min(runs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--keys", type=int, default=1_000_000)
    args = ap.parse_args()
    if args.store is not None:
        result_json(args.store, args.times)
    key_set(args.keys)
    freeing(args.keys // 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
