"""Regrouping a stored scan under another mode, without reading images: time for n files (synthetic store).

Fills a temporary store the way a scan leaves it (files, decodes with hashes, embeddings, a result and its pair
evidence: groups of 2-5 copies, a third of them with another shot of the scene; every pair of members linked,
the members of a group close in embedding space; a verdict for every pair inside a group and `--verdicts` more
per file for pairs verified as different, as a scan stores them: 5.6 per file on dev-large, 9.6 candidate pairs
per photo on the simulated library), then times `regroup` per mode.

Usage: python bench/bench_regroup.py [--files 10000] [--verdicts 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np

from dedup_gui.core.checker import verdict_version
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.regroup import regroup
from dedup_gui.core.serialize import result_to_dict
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord, ImageInfo, Mode
from dedup_gui.core.verify import Verification
from dedup_gui.core.worker import ANALYSIS_VERSION

SAME = Verification("same-photo", 80, 0.6, 0.9, 1.0, 0, False, 0.1, "cropped 10 %", 0.9, uncovered_a=0.1)
SHOT = Verification("similar", 40, 0.3, 0.5, 1.0, 0, False, 0.0, "another shot", 0.3)
DIFFERENT = Verification("different", 3, 0.05, -1.0, 1.0, 0, False, 0.0, "", 0.0)


def fill(store: Store, n: int, rng: np.random.Generator, verdicts_per_file: float = 8.0) -> tuple[int, int]:
    records = [FileRecord(f"/photos/{i // 100:03d}/IMG_{i:06d}.jpg", 1_000_000 + i, i, i) for i in range(n)]
    ids = store.sync_files(records)
    info = ImageInfo(4000, 3000, "JPEG", "2020-01-01T10:00:00", "Camera", False)
    rows = []
    for r in records:
        ph = rng.integers(0, 2**63, 8, dtype=np.uint64)
        rows.append((ids[r.path], info, None, ph, ph, None, None))
    store.save_images(rows, ANALYSIS_VERSION)
    vectors = rng.standard_normal((n, 1280)).astype(np.float32)
    pairs = []
    verdicts: dict[tuple[int, int], Verification] = {}
    i = 0
    while i < n - 5:
        size = int(rng.integers(2, 6))
        vectors[i + 1 : i + size] = vectors[i] + 0.5 * vectors[i + 1 : i + size]  # cosine about 0.9
        shot = rng.random() < 0.33  # the last member is another shot of the scene, not a copy
        for k in range(1, size):
            tier = "similar" if k == size - 1 and shot else "same-photo"
            for m in range(k):  # the scan verified and linked every pair of members (each a candidate of the other)
                a, b = records[i + m].path, records[i + k].path
                verdicts[(ids[a], ids[b])] = SHOT if tier == "similar" else SAME
                ev = {
                    "a": a,
                    "b": b,
                    "tier": tier,
                    "score": 0.9,
                    "method": "geometry",
                    "hash_distance": None,
                    "transform": None,
                    "cosine": 0.93,
                    "description": "cropped 10 %",
                }
                pairs.append((a, b, ev))
        i += size + int(rng.integers(0, 4))  # some photos without copies between groups
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.save_embeddings([(ids[r.path], v) for r, v in zip(records, vectors, strict=True)], MODEL_ID)
    others = rng.integers(0, n, (int(n * verdicts_per_file), 2))
    for x, y in others.tolist():
        a, b = ids[records[min(x, y)].path], ids[records[max(x, y)].path]
        if a != b:
            verdicts.setdefault((a, b), DIFFERENT)
    rows = [(a, b, dataclasses.asdict(v)) for (a, b), v in verdicts.items()]
    for lo in range(0, len(rows), 100_000):
        store.save_verdicts(rows[lo : lo + 100_000], verdict_version())
    config = {"roots": ["/photos"], "references": [], "mode": "near"}
    result = {"status": "completed", "groups": [], "details": [], "problems": [], "stats": {}}
    store.finish_scan(store.begin_scan(config), "completed", result, pairs)
    # stored again with its groups, as a scan leaves it (the window and regroup read the whole result)
    result = result_to_dict(regroup(store, Mode.NEAR))
    store.finish_scan(store.begin_scan(config), "completed", result, pairs)
    return len(pairs), len(verdicts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--verdicts", type=float, default=8.0, help="stored verdicts per file beyond the groups'")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store.sqlite3")
        pairs, verdicts = fill(store, args.files, np.random.default_rng(0), args.verdicts)
        for mode in (Mode.NEAR, Mode.SIMILAR, Mode.EXACT):
            t0 = time.perf_counter()
            result = regroup(store, mode)
            seconds = time.perf_counter() - t0
            files = sum(len(g.members) for g in result.groups)
            print(
                f"{args.files} files, {pairs} stored pairs, {verdicts} verdicts: "
                f"regroup --mode {mode.value}: {seconds:.2f} s "
                f"({len(result.groups)} groups, {files} files)"
            )


if __name__ == "__main__":
    main()
