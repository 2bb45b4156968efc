"""What a scan's batches cost the model: their sizes vary (rotated queries, framed pictures, the last images of a
folder), and a backend that prepares itself per input shape pays for every new size once.

    python bench/bench_embed_shapes.py [--backend torch-cuda] [--autotune on off] [--pad 1 32] [--sizes 64 70 ...]

For each setting (in its own process, so no choice made for one is reused by the next), the sizes are embedded in
order and each call's time is printed; then the steady rate at the first size. `--autotune` is cuDNN's per-shape
search for the fastest convolution (torch.backends.cudnn.benchmark), which only the CUDA backend has; `--pad N`
rounds each batch up to a multiple of N with blank images (0: the backend's own rule; the torch backend pads on CUDA).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# a scan with rotated queries: 16 images and their 3 rotations, plus the pictures inside a frame (0-16 of them);
# then the last, smaller batches
SCAN_LIKE = [64, 70, 75, 80, 66, 72, 79, 64, 71, 77, 68, 16, 9, 3]


def run_one(backend: str, autotune: str, pad: int, sizes: list[int], seconds: float) -> None:
    from dedup_gui.core.embedding import INPUT_SIZE, load_backend

    embedder = load_backend(backend)
    if pad:
        embedder.pad_to = pad  # type: ignore[attr-defined]
    if autotune != "default":
        import torch

        torch.backends.cudnn.benchmark = autotune == "on"
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (max(sizes), INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    total = 0.0
    calls = []
    for n in sizes:
        start = time.perf_counter()
        embedder.embed(images[:n])
        took = time.perf_counter() - start
        total += took
        calls.append(f"{n}:{took * 1000:.0f}")
    padding = getattr(embedder, "pad_to", 1)
    rate = sum(sizes) / total
    print(f"{backend} autotune {autotune}, pad to {padding}: {sum(sizes)} images in {total:.2f} s ({rate:.0f}/s)")
    print("  ms per call, by batch size:")
    print("  " + " ".join(calls))
    batch = images[: sizes[0]]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        embedder.embed(batch)
        done += len(batch)
    print(f"  steady at {sizes[0]}: {done / (time.perf_counter() - start):.0f} images/s", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="torch-cuda")
    ap.add_argument("--autotune", nargs="+", default=["default"], choices=["default", "on", "off"])
    ap.add_argument("--pad", nargs="+", type=int, default=[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=SCAN_LIKE)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of the steady-rate run")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # run one setting in this process
    args = ap.parse_args()
    if args.one:
        run_one(args.backend, args.autotune[0], args.pad[0], args.sizes, args.seconds)
        return 0
    for autotune in args.autotune:
        for pad in args.pad:
            cmd = [sys.executable, __file__, "--one", "--backend", args.backend, "--autotune", autotune]
            cmd += ["--pad", str(pad), "--seconds", str(args.seconds), "--sizes", *map(str, args.sizes)]
            subprocess.run(cmd, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
