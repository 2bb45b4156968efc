"""Damaged copies of real picture files through the scan's per-file work: does every one end as a picture or a
clear problem, within a time limit, without killing its process?

Each file of FOLDER (every format the scan reads) is copied N times with one kind of damage: bytes overwritten at a
random place (1 to 64 of them), a block zeroed, the file cut short, a block repeated or dropped, or bytes of the
first 256 (its header) changed. Each copy goes through `worker.analyse` in a worker process like the scan's decode
workers (the same memory ceiling), one at a time per worker, with a time limit: a worker that dies or overruns is
counted and replaced.

Printed: outcomes by format and kind of damage (decoded, each problem kind), the files that crashed a worker, ran
over the limit, or ended in a generic "could not decode" (an error nobody told apart), and the slowest copies.

    python bench/fuzz_decode.py FOLDER [--copies 20] [--seed 0] [--limit 20] [--workers 2] [--keep OUT] [--look]

`--look` also decodes each copy the scan decoded as the compare view and verification's larger look do (whole, and
grey at 768 px): those decodes run in the window's and the scanning process, where a crash ends the program.

`--keep OUT` writes the copies that crashed, overran or were generic there, to look at them again.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import time
from collections import Counter
from pathlib import Path

from dedup_gui.core.formats import IMAGE_EXTENSIONS
from dedup_gui.core.machine import decode_budget

KINDS = ("overwrite", "zero-block", "cut", "repeat-block", "drop-block", "header")


def damaged(data: bytes, kind: str, rng: random.Random) -> bytes:
    """One damaged copy of `data`."""
    n = len(data)
    at = rng.randrange(n)
    if kind == "overwrite":
        size = rng.choice((1, 2, 4, 16, 64))
        return data[:at] + rng.randbytes(size) + data[at + size :]
    if kind == "zero-block":
        size = rng.choice((64, 1024, 16384))
        return data[:at] + bytes(min(size, n - at)) + data[at + size :]
    if kind == "cut":
        return data[: max(1, at)]
    if kind == "repeat-block":
        size = rng.choice((16, 512, 8192))
        return data[:at] + data[at : at + size] * 2 + data[at + size :]
    if kind == "drop-block":
        size = rng.choice((16, 512, 8192))
        return data[:at] + data[at + size :]
    head = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        head[rng.randrange(min(256, n))] = rng.randrange(256)
    return bytes(head)


def _serve(jobs: multiprocessing.Queue, results: multiprocessing.Queue, budget: int, look: bool) -> None:
    from dedup_gui.core.types import Problem
    from dedup_gui.core.worker import analyse, init_worker

    init_worker(budget, os.getppid())
    while True:
        job = jobs.get()
        if job is None:
            return
        key, path = job
        start = time.perf_counter()
        value = analyse((path, os.path.getsize(path), True))
        if isinstance(value, Problem):
            results.put((key, value.kind.value, value.message, time.perf_counter() - start))
            continue
        info = value.decoded.info
        what, message = "decoded", f"{info.format} {info.width}x{info.height}"
        if look:
            what, message = _look(path, message)
        results.put((key, what, message, time.perf_counter() - start))


def _look(path: str, decoded: str) -> tuple[str, str]:
    """A file the scan decoded, decoded again as the compare view and verification's larger look do (whole, and
    in grey at 768 px). These run in the window's and the scanning process, where no worker takes a crash: a file
    they refuse must be refused in words (DecodeError)."""
    from dedup_gui.core.decoding import DecodeError
    from dedup_gui.core.pictures import display_picture, gray_picture

    try:
        display_picture(path, 2048)
        gray_picture(path, 768)
    except DecodeError as exc:
        return "decoded, not shown", f"{decoded}: {exc}"
    except Exception as exc:  # noqa: BLE001 - what this benchmark is for
        return "decoded, not shown", f"{decoded}: could not decode: {type(exc).__name__}: {exc}"
    return "decoded", decoded


class Worker:
    """One decode process that takes a job at a time, so a crash or an overrun names its file."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, budget: int, look: bool) -> None:
        self.jobs: multiprocessing.Queue = ctx.Queue()
        self.results: multiprocessing.Queue = ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(self.jobs, self.results, budget, look), daemon=True)
        self.proc.start()
        self.job: tuple[int, str] | None = None
        self.since = 0.0

    def give(self, job: tuple[int, str]) -> None:
        self.job, self.since = job, time.perf_counter()
        self.jobs.put(job)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--copies", type=int, default=20, help="damaged copies of each file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=20.0, help="seconds a copy may take")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="folder for the copies that crashed, overran or were generic")
    ap.add_argument("--json", type=Path, help="write every copy's source, damage and outcome there")
    ap.add_argument("--look", action="store_true", help="decode what the scan decoded again, as the compare view does")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    sources = sorted(p for p in args.folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-decode-{os.getpid()}"
    work.mkdir(parents=True)
    jobs: list[tuple[int, str]] = []
    meta: dict[int, tuple[str, str, str]] = {}  # key -> (source, kind, format)
    for src in sources:
        data = src.read_bytes()
        if not data:
            continue
        for i in range(args.copies):
            kind = KINDS[i % len(KINDS)]
            key = len(jobs)
            out = work / f"{key:06d}{src.suffix.lower()}"
            out.write_bytes(damaged(data, kind, rng))
            jobs.append((key, str(out)))
            meta[key] = (str(src), kind, src.suffix.lower())
    print(f"{len(jobs)} damaged copies of {len(sources)} files, {args.workers} workers, {args.limit:.0f} s each")

    ctx = multiprocessing.get_context("forkserver")
    budget = decode_budget(args.workers)
    workers = [Worker(ctx, budget, args.look) for _ in range(args.workers)]
    todo = list(reversed(jobs))
    outcome: dict[int, tuple[str, str, float]] = {}
    start = time.perf_counter()
    while todo or any(w.job for w in workers):
        for k, w in enumerate(workers):
            if w.job is None and todo:
                w.give(todo.pop())
            if w.job is None:
                continue
            try:
                key, what, message, took = w.results.get(timeout=0.01)
                outcome[key] = (what, message, took)
                w.job = None
                continue
            except Exception:  # noqa: BLE001 - queue.Empty: still working
                pass
            late = time.perf_counter() - w.since > args.limit
            if late or not w.proc.is_alive():
                key = w.job[0]
                what = "OVERRAN" if late else f"CRASHED (exit {w.proc.exitcode})"
                outcome[key] = (what, "", time.perf_counter() - w.since)
                w.stop()
                workers[k] = Worker(ctx, budget, args.look)
    for w in workers:
        w.jobs.put(None)
    print(f"done in {time.perf_counter() - start:.0f} s")

    by_format: Counter[tuple[str, str]] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    flagged: list[int] = []
    for key, (what, message, _took) in outcome.items():
        _, kind, fmt = meta[key]
        by_format[(fmt, what)] += 1
        by_kind[(kind, what)] += 1
        if what.startswith(("OVERRAN", "CRASHED")) or "could not decode" in message:
            flagged.append(key)
    for title, counts in (("by format", by_format), ("by damage", by_kind)):
        print(f"\n{title}:")
        for (group, what), n in sorted(counts.items()):
            print(f"  {group:14s} {what:20s} {n:6d}")
    print(f"\ncrashed, overran or generic: {len(flagged)}")
    for key in flagged:
        src, kind, _ = meta[key]
        what, message, took = outcome[key]
        print(f"  {what} {took:.1f} s  {kind} of {src}: {message[:160]}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            Path(jobs[key][1]).replace(args.keep / f"{key:06d}-{kind}-{Path(src).name}")
    if args.json:
        rows = [
            dict(zip(("source", "damage", "format"), meta[k], strict=True))
            | dict(zip(("outcome", "message", "seconds"), v, strict=True))
            for k, v in sorted(outcome.items())
        ]
        args.json.write_text(json.dumps(rows, indent=1))
    print("\nslowest:")
    for key, (what, message, took) in sorted(outcome.items(), key=lambda kv: -kv[1][2])[:8]:
        print(f"  {took:5.2f} s  {meta[key][1]} of {meta[key][0]}: {what} {message[:100]}")
    for p in work.iterdir():
        p.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
