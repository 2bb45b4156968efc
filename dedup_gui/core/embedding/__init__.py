"""Image embeddings for near-duplicate matching; importing this is cheap (torch and onnxruntime load on first use)."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .spec import DIM, INPUT_SIZE, MODEL_ID

if TYPE_CHECKING:
    from .torch_backend import TorchEmbedder

__all__ = [
    "BACKENDS",
    "DIM",
    "EXPERIMENTAL_BACKENDS",
    "INPUT_SIZE",
    "MODEL_ID",
    "Embedder",
    "classify",
    "default_cache_dir",
    "load_backend",
    "load_embedder",
    "prepare_cpu_model",
    "replicas",
]

log = logging.getLogger("dedup_gui.embedding")

# Backends that give the same vectors (cosine >= 0.999 to the fp32 "torch-cpu" reference), so they share MODEL_ID.
BACKENDS = ("onnx-cpu", "torch-cpu", "torch-cuda")
# Benchmark-only: on CPUs without native bf16 it is slower than ONNX Runtime and drifts to cosine ~0.9988.
EXPERIMENTAL_BACKENDS = ("torch-cpu-bf16",)


@runtime_checkable
class Embedder(Protocol):
    """Turns a batch of resized RGB images into unit vectors whose dot product is their visual similarity."""

    model_id: str
    dim: int
    input_size: int
    backend: str

    def embed(self, batch: np.ndarray) -> np.ndarray:
        """uint8 RGB (N, input_size, input_size, 3) to float32 (N, dim), each row L2-normalised."""
        ...


def default_cache_dir() -> Path:
    """Where the exported ONNX graph is kept: the user's cache folder, never the install folder."""
    from dedup_gui.core.config import default_cache_dir as app_cache_dir

    return app_cache_dir() / "models"


def _cuda_possible() -> bool:
    """Cheap pre-check so CPU-only Linux machines do not pay for importing torch just to ask about CUDA."""
    if sys.platform.startswith("linux"):
        return any(os.path.exists(p) for p in ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg"))
    return sys.platform != "darwin"


def _cuda_available() -> bool:
    if not _cuda_possible():
        return False
    try:
        from .torch_backend import cuda_available
    except ImportError as exc:
        log.info("torch is not importable (%s); no GPU embedding", exc)
        return False
    return cuda_available()


def load_backend(name: str, cache_dir: Path | None = None) -> Embedder:
    """Build one named backend (BACKENDS or EXPERIMENTAL_BACKENDS), for tests and benchmarks that compare them."""
    if name == "onnx-cpu":
        from .onnx_backend import OnnxEmbedder, load_onnx_embedder

        if cache_dir is None:
            from .bundled import bundled_onnx_path

            shipped = bundled_onnx_path()  # a packaged app ships the exported graph: no torch, no export
            if shipped is not None:
                return OnnxEmbedder(shipped)
        return load_onnx_embedder(cache_dir if cache_dir is not None else default_cache_dir())
    if name in BACKENDS or name in EXPERIMENTAL_BACKENDS:
        from .torch_backend import make_torch_embedder

        return make_torch_embedder(name)
    raise ValueError(f"unknown embedding backend {name!r}; expected one of {BACKENDS + EXPERIMENTAL_BACKENDS}")


def load_embedder(device: str = "auto", cache_dir: Path | None = None) -> Embedder:
    """The fastest backend here: CUDA fp16 when asked for and present, else ONNX Runtime, else torch fp32 on CPU.

    device is "auto" (GPU if available), "gpu" (same, but warns when there is none) or "cpu".
    """
    if device not in ("auto", "gpu", "cpu"):
        raise ValueError(f"device must be 'auto', 'gpu' or 'cpu', not {device!r}")
    if device in ("auto", "gpu"):
        if _cuda_available():
            try:
                return load_backend("torch-cuda")
            except RuntimeError as exc:  # out of memory, driver/toolkit mismatch: the CPU still works
                log.warning("GPU embedding failed to start (%s); using the CPU", exc)
        elif device == "gpu":
            log.warning("GPU embedding requested but CUDA is not available; using the CPU")
    try:
        return load_backend("onnx-cpu", cache_dir)
    except ImportError as exc:
        log.warning("onnxruntime/onnx unavailable (%s); embedding with torch on CPU, about 3x slower", exc)
    except (RuntimeError, OSError, ValueError) as exc:
        log.warning("ONNX export or load failed (%s); embedding with torch on CPU, about 3x slower", exc)
    return load_backend("torch-cpu")


def prepare_cpu_model(cache_dir: Path | None = None) -> bool:
    """Export the CPU graph into the cache now if a scan would have to (no graph shipped, none cached); True when
    it did. A first scan from a fresh install then decodes from its start instead of waiting seconds for it."""
    from .bundled import bundled_onnx_path
    from .onnx_backend import export_in_subprocess, onnx_file_name

    if bundled_onnx_path() is not None:
        return False
    path = (cache_dir if cache_dir is not None else default_cache_dir()) / onnx_file_name()
    if path.exists():
        return False
    export_in_subprocess(path)
    return True


def replicas(embedder: Embedder, count: int) -> list[Embedder]:
    """`count` embedders sharing the cores, for as many worker threads; the GPU and torch keep their one.

    ONNX Runtime's thread pool synchronises every layer across its threads, so while the scan's decoders also
    run, a descheduled thread stalls the others; single-threaded sessions on their own threads do not wait on
    each other. Same model file, same vectors.
    """
    from .onnx_backend import OnnxEmbedder

    if count <= 1 or not isinstance(embedder, OnnxEmbedder):
        return [embedder]
    return [OnnxEmbedder(embedder.model_path, threads=1) for _ in range(count)]


def classify(batch: np.ndarray) -> np.ndarray:
    """ImageNet logits (N, 1000) from the fp32 torch reference; proves the weights are loaded and wired right."""
    return _reference().classify(batch)


@functools.cache
def _reference() -> TorchEmbedder:
    from .torch_backend import make_torch_embedder

    return make_torch_embedder("torch-cpu")
