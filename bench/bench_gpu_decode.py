"""Does decoding camera-sized JPEGs on the GPU (nvJPEG through torchvision) pay against the scan's own decode?

The scan decodes each JPEG once in draft mode: libjpeg scales the DCT by 1/2, 1/4 or 1/8 while decoding, so a
12 MP photo costs about what a 0.2-0.8 MP one does. nvJPEG decodes at full size on the GPU and the picture is
then shrunk there. This prints, for the same files:

- the engine's whole per-image decode (`decoding.decode_data`: draft decode, EXIF orientation, thumbnail, grey
  hash input, CNN input) on one core and in a pool of every core, and
- nvJPEG's batched decode plus an anti-aliased resize to the thumbnail's side, file bytes to pixels on the GPU.

Only the last includes less work than the engine does, so a GPU figure below the pool's says it does not pay.

    python bench/bench_gpu_decode.py [--files 48] [--side 4000] [--batches 8 32]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.library_images import add_grain, scene
from dedup_gui.core.decoding import THUMB_SIDE, decode_data


def camera_jpegs(count: int, side: int) -> list[bytes]:
    """Camera-sized 4:3 JPEGs at quality 92, with grain so they weigh what a camera's files weigh (3-6 MB)."""
    rng = np.random.default_rng(3)
    files = []
    for i in range(count):
        picture = np.array(scene(100 + i, side, side * 3 // 4))
        buf = io.BytesIO()
        Image.fromarray(add_grain(picture, rng, 1.0)).save(buf, "JPEG", quality=92)
        files.append(buf.getvalue())
    return files


def _engine_decode(data: bytes) -> int:
    return decode_data("camera.jpg", data, want_cnn=True).info.width


def engine_rate(files: list[bytes], workers: int) -> float:
    """Images per second of the engine's decode, in a pool of `workers` processes (1: this process)."""
    if workers == 1:
        _engine_decode(files[0])
        start = time.perf_counter()
        for data in files:
            _engine_decode(data)
        return len(files) / (time.perf_counter() - start)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_engine_decode, files[:workers]))  # start the processes first
        start = time.perf_counter()
        list(pool.map(_engine_decode, files, chunksize=1))
        return len(files) / (time.perf_counter() - start)


def gpu_rate(files: list[bytes], batch: int, rounds: int = 3) -> float:
    """Images per second of nvJPEG batched decode plus a resize to THUMB_SIDE, best of `rounds`."""
    import torch
    import torch.nn.functional as F
    from torchvision.io import decode_jpeg

    tensors = [torch.frombuffer(bytearray(d), dtype=torch.uint8) for d in files]

    def one_pass() -> None:
        for i in range(0, len(tensors), batch):
            for img in decode_jpeg(tensors[i : i + batch], device="cuda"):
                h, w = img.shape[-2:]
                scale = THUMB_SIDE / max(h, w)
                size = (round(h * scale), round(w * scale))
                F.interpolate(img[None].float(), size=size, mode="bilinear", antialias=True)
        torch.cuda.synchronize()

    one_pass()  # warm-up: nvJPEG handles, kernels
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        one_pass()
        best = max(best, len(files) / (time.perf_counter() - start))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=48)
    parser.add_argument("--side", type=int, default=4000, help="long side of the camera JPEGs")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    files = camera_jpegs(args.files, args.side)
    mb = sum(map(len, files)) / len(files) / 1e6
    made_s = time.perf_counter() - start
    print(f"{len(files)} JPEGs of {args.side}x{args.side * 3 // 4}, {mb:.1f} MB each, made in {made_s:.0f} s")
    print(f"engine decode, 1 process:           {engine_rate(files, 1):7.1f} img/s")
    print(f"engine decode, {args.workers:>2} processes:        {engine_rate(files, args.workers):7.1f} img/s")
    try:
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("CUDA is not available")
        for batch in args.batches:
            print(f"nvJPEG + resize on the GPU, batch {batch:>3}: {gpu_rate(files, batch):7.1f} img/s")
    except (ImportError, RuntimeError) as exc:
        print(f"nvJPEG: unavailable ({exc})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
