"""Whole-scan benchmark: per-stage time and images/s, beside the decode floor, then an unchanged rescan.

The decode floor is the cost of decoding every file once at the same reduced size (JPEG draft mode, EXIF
orientation, RGB) with the same number of processes and nothing else: no hashing, no thumbnails, no store. A scan
cannot be faster than that, so scan/floor is the overhead that is ours to remove.

With --embeddings it also prints the CPU budget: the floor's and the CNN's CPU seconds measured on one core, which
says how far the 2x target is reachable on this processor at all.

Usage: python bench/bench_scan.py FOLDER [--workers N] [--embeddings] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

from dedup_gui.core.config import ScanConfig, default_workers
from dedup_gui.core.decoding import CNN_SIDE, JPEG_FORMATS, THUMB_SIDE
from dedup_gui.core.formats import IMAGE_EXTENSIONS
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store


def floor_decode(path: str) -> int:
    """Decode one file the cheapest way that yields the same small image the scan works from."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        img = Image.open(io.BytesIO(data))
        if img.format in (*JPEG_FORMATS, "HEIF"):  # an MPO as a JPEG, a HEIC from its thumbnail, as the scan does
            w, h = img.size
            img.draft("RGB", (THUMB_SIDE, CNN_SIDE) if w >= h else (CNN_SIDE, THUMB_SIDE))
        img.load()
        img = ImageOps.exif_transpose(img).convert("RGB")
        return img.size[0]
    except Exception:  # noqa: BLE001 - broken files cost what they cost in the scan too
        return 0


def _init() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def decode_floor(files: list[str], workers: int) -> float:
    ctx = multiprocessing.get_context("forkserver")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init) as pool:
        list(pool.map(floor_decode, files, chunksize=4))
    return time.perf_counter() - t0


def cpu_budget(files: list[str], embedded: int, floor_wall: float, workers: int) -> None:
    """What 2x the floor allows in CPU seconds, against the single-core cost of the decodes and of the CNN."""
    import numpy as np

    from dedup_gui.core.embedding import load_embedder, replicas

    _init()
    t0 = time.process_time()
    for f in files:
        floor_decode(f)
    floor_cpu = time.process_time() - t0
    one_core = replicas(load_embedder("cpu"), 2)[0]  # a single-threaded session, as each scan worker has
    batch = np.random.default_rng(0).integers(0, 256, (16, 224, 224, 3), dtype=np.uint8)
    one_core.embed(batch)
    t0 = time.perf_counter()
    for _ in range(4):
        one_core.embed(batch)
    per_image = (time.perf_counter() - t0) / 64
    cnn_cpu = per_image * embedded
    budget = 2 * floor_wall * min(workers, os.cpu_count() or 1)
    print(
        f"cpu budget   2x the floor on {workers} cores = {budget:.2f} core-s; decoding alone "
        f"{floor_cpu:.2f} ({1000 * floor_cpu / len(files):.1f} ms/file), CNN alone {cnn_cpu:.2f} "
        f"({1000 * per_image:.1f} ms/image x {embedded}): {budget - floor_cpu - cnn_cpu:+.2f} core-s left for "
        "hashes, thumbnails, verification and the store"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--embeddings", action="store_true", help="include the CNN stage")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    files = [str(p) for p in sorted(args.folder.rglob("*")) if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    floors, firsts, rescans, stage_runs = [], [], [], []
    result = None
    for _ in range(args.runs):
        floors.append(decode_floor(files, args.workers))
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.sqlite3"
            config = ScanConfig(roots=(args.folder,), embeddings=args.embeddings, workers=args.workers)
            store = Store(db)
            t0 = time.perf_counter()
            result = run_scan(config, store=store)
            firsts.append(time.perf_counter() - t0)
            stage_runs.append(result.stats.seconds)
            store.close()
            store = Store(db)
            t0 = time.perf_counter()
            again = run_scan(config, store=store)
            rescans.append(time.perf_counter() - t0)
            assert again.stats.decoded == 0, "an unchanged rescan decoded images"
            store.close()
    assert result is not None
    n = result.stats.images
    med = statistics.median
    print(
        f"{len(files)} files, {n} images, {result.stats.bytes / 1e6:.1f} MB, {args.workers} workers, "
        f"embeddings {'on' if args.embeddings else 'off'}, median of {args.runs} runs"
    )
    print(f"{'stage':<12} {'seconds':>8} {'images/s':>9}")
    for stage in stage_runs[0]:
        s = med(r.get(stage, 0.0) for r in stage_runs)
        print(f"{stage:<12} {s:8.3f} {n / s if s > 0 else float('inf'):9.0f}")
    floor, first, rescan = med(floors), med(firsts), med(rescans)
    print(f"{'decode floor':<12} {floor:8.3f} {len(files) / floor:9.0f}")
    print(f"{'first scan':<12} {first:8.3f} {n / first:9.0f}   = {first / floor:.2f} x the decode floor")
    print(f"{'rescan':<12} {rescan:8.3f}            = {100 * rescan / first:.1f} % of the first scan")
    print(f"cpu count {os.cpu_count()}")
    if args.embeddings:
        cpu_budget(files, result.stats.embedded, floor, args.workers)


if __name__ == "__main__":
    main()
