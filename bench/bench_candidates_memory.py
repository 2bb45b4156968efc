"""The memory the candidate search adds on top of a scan's contents: n contents as a scan holds them (each its own
float16 vector, as read from the store, and its hashes), then `candidates.candidates` over them.

    python bench/bench_candidates_memory.py [--n 100000] [--dim 1280] [--framed 0.02]

Prints the process's resident memory before the search, the peak during it (Linux: the high-water mark is reset
first) and after it, the search's time, and the rise of resident memory over the hash and the embedding search
(the part of the peak each adds on top of what was resident as it started; the vectors the embedding search is
given are made before it starts, so they show in the whole search's peak only). Vectors are clustered like real
embeddings (a low-rank part shared by all plus noise), with planted near-copies so that the search finds pairs;
`--framed` gives that share of the contents an extra query (a photo inside a screenshot).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dedup_gui.core import candidates as candidates_module
from dedup_gui.core.candidates import candidates
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.types import ImageInfo


def _status(field: str) -> int:
    """A VmRSS / VmHWM figure of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _peak_of(name: str, fn: Callable[..., Any], peaks: dict[str, int]) -> Callable[..., Any]:
    """fn, with the rise of resident memory over its call (its peak less what was resident when it started) noted."""

    def measured(*args: Any, **kwargs: Any) -> Any:
        start = _status("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        try:
            return fn(*args, **kwargs)
        finally:
            peaks[name] = _status("VmHWM") - start

    return measured


def _contents(n: int, dim: int, framed: float, rng: np.random.Generator) -> list[Content]:
    basis = rng.standard_normal((64, dim)).astype(np.float32)
    info = ImageInfo(width=640, height=480, format="JPEG", taken=None, camera=None, uniform=False)
    out = []
    source = None
    for k in range(n):
        if source is not None and k % 20 == 1:  # a near-copy of the one before
            v = source + 0.3 * rng.standard_normal(dim).astype(np.float32) / np.sqrt(dim)
        else:
            v = rng.standard_normal(64).astype(np.float32) @ basis + rng.standard_normal(dim).astype(np.float32)
        v /= np.linalg.norm(v)
        source = v
        c = Content([f"/photos/{k}.jpg"], [k + 1], 100_000, info=info)
        c.phash = rng.integers(0, 2**63, 8, dtype=np.uint64)
        c.dhash = rng.integers(0, 2**63, 8, dtype=np.uint64)
        c.vector = v.astype(np.float16)  # one array per content, as a scan reads them from the store
        if rng.random() < framed:
            c.queries = (v + 0.1 * rng.standard_normal(dim).astype(np.float32) / np.sqrt(dim)).astype(np.float16)[None]
        out.append(c)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=1280)
    ap.add_argument("--framed", type=float, default=0.02)
    args = ap.parse_args()
    contents = _contents(args.n, args.dim, args.framed, np.random.default_rng(0))
    peaks: dict[str, int] = {}
    candidates_module._hash_pairs = _peak_of("hash search", candidates_module._hash_pairs, peaks)  # type: ignore[assignment]
    candidates_module.embedding_pairs = _peak_of("embedding search", candidates_module.embedding_pairs, peaks)
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets the high-water mark to what is resident now
    start = time.perf_counter()
    found = candidates(contents, ScanConfig(roots=()), check=lambda: None)
    seconds = time.perf_counter() - start
    peak, after = _status("VmHWM"), _status("VmRSS")
    vectors = args.n * args.dim * 2
    print(f"{args.n:,} contents, float16 vectors {vectors / 2**20:.0f} MB in all; {len(found):,} candidate pairs")
    print(
        f"resident before the search {before / 2**20:.0f} MB, peak during it {peak / 2**20:.0f} MB "
        f"(+{(peak - before) / 2**20:.0f} MB), after it {after / 2**20:.0f} MB; {seconds:.1f} s"
    )
    print("rise over each step: " + ", ".join(f"{name} +{rise / 2**20:.0f} MB" for name, rise in peaks.items()))


if __name__ == "__main__":
    main()
