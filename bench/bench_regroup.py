"""Regrouping a stored scan under another mode, without reading images: time for n files (synthetic store).

Fills a temporary store the way a scan leaves it (files, decodes with hashes, embeddings, a result and its pair
evidence: groups of 2-5 copies, a third of them with a weaker similar link), then times `regroup` per mode.

Usage: python bench/bench_regroup.py [--files 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.regroup import regroup
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord, ImageInfo, Mode
from dedup_gui.core.worker import ANALYSIS_VERSION


def fill(store: Store, n: int, rng: np.random.Generator) -> int:
    records = [FileRecord(f"/photos/{i // 100:03d}/IMG_{i:06d}.jpg", 1_000_000 + i, i, i) for i in range(n)]
    ids = store.sync_files(records)
    info = ImageInfo(4000, 3000, "JPEG", "2020-01-01T10:00:00", "Camera", False)
    rows = []
    for r in records:
        ph = rng.integers(0, 2**63, 8, dtype=np.uint64)
        rows.append((ids[r.path], info, None, ph, ph, None, None))
    store.save_images(rows, ANALYSIS_VERSION)
    vectors = rng.standard_normal((n, 1280)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.save_embeddings([(ids[r.path], v) for r, v in zip(records, vectors, strict=True)], MODEL_ID)
    pairs = []
    i = 0
    while i < n - 5:
        size = int(rng.integers(2, 6))
        anchor = records[i].path
        for k in range(1, size):
            tier = "similar" if k == size - 1 and rng.random() < 0.33 else "same-photo"
            ev = {
                "a": anchor,
                "b": records[i + k].path,
                "tier": tier,
                "score": 0.9,
                "method": "geometry",
                "hash_distance": None,
                "transform": None,
                "cosine": 0.93,
                "description": "cropped 10 %",
            }
            pairs.append((anchor, records[i + k].path, ev))
        i += size + int(rng.integers(0, 4))  # some photos without copies between groups
    scan_id = store.begin_scan({"roots": ["/photos"], "references": [], "mode": "near"})
    result = {"status": "completed", "groups": [], "details": [], "problems": [], "stats": {}}
    store.finish_scan(scan_id, "completed", result, pairs)
    return len(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store.sqlite3")
        pairs = fill(store, args.files, np.random.default_rng(0))
        for mode in (Mode.NEAR, Mode.SIMILAR, Mode.EXACT):
            t0 = time.perf_counter()
            result = regroup(store, mode)
            seconds = time.perf_counter() - t0
            files = sum(len(g.members) for g in result.groups)
            print(
                f"{args.files} files, {pairs} stored pairs: regroup --mode {mode.value}: {seconds:.2f} s "
                f"({len(result.groups)} groups, {files} files)"
            )


if __name__ == "__main__":
    main()
