"""Embedding throughput per backend and batch size, to pick the default CPU backend with numbers rather than guesses."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup_gui.core.embedding import INPUT_SIZE, Embedder, load_backend

DEFAULT_BACKENDS = ("torch-cpu-nchw", "torch-cpu", "torch-cpu-bf16", "onnx-cpu")


def build(name: str, cache_dir: Path | None) -> Embedder:
    """A named backend; "torch-cpu-nchw" is bench-only, to show what channels_last buys the torch fallback."""
    if name == "torch-cpu-nchw":
        from dedup_gui.core.embedding.torch_backend import TorchEmbedder

        embedder = TorchEmbedder("cpu", channels_last=False)
        embedder.backend = "torch-cpu-nchw"
        return embedder
    return load_backend(name, cache_dir)


def measure(embedder: Embedder, batch: np.ndarray, seconds: float, rounds: int) -> list[float]:
    """Images per second over several timed rounds; shared machines are noisy, so the caller reports best and median."""
    embedder.embed(batch)  # warm-up: lazy allocations, ORT/oneDNN kernel selection
    rates = []
    for _ in range(rounds):
        done = 0
        start = time.perf_counter()
        while True:
            embedder.embed(batch)
            done += len(batch)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(done / elapsed)
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backends",
        nargs="+",
        default=list(DEFAULT_BACKENDS),
        help="onnx-cpu, torch-cpu (fp32 channels_last), torch-cpu-nchw, torch-cpu-bf16, torch-cuda (default: CPU ones)",
    )
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[16, 32, 64])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per setting")
    parser.add_argument("--cache-dir", type=Path, default=None, help="ONNX export location (default: user cache)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (max(args.batch_sizes), INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    print(f"{'backend':<16} {'batch':>5} {'best img/s':>11} {'median':>8}   load")
    for name in args.backends:
        start = time.perf_counter()
        try:
            embedder = build(name, args.cache_dir)
        except (ImportError, RuntimeError, ValueError) as exc:
            print(f"{name:<16} unavailable: {exc}")
            continue
        load_s = time.perf_counter() - start
        for bs in args.batch_sizes:
            rates = measure(embedder, pixels[:bs], args.seconds, args.rounds)
            best, median = max(rates), statistics.median(rates)
            print(f"{embedder.backend:<16} {bs:>5} {best:>11.1f} {median:>8.1f}   {load_s:.1f} s", flush=True)
        del embedder
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
