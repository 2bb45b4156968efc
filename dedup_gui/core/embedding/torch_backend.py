"""Torch backends: the fp32 CPU reference, bf16 CPU, and half-precision CUDA for machines with a GPU."""

from __future__ import annotations

import numpy as np
import torch

from .lite0_net import EfficientNetLite0, load_lite0, preprocess_nhwc_uint8
from .spec import DIM, INPUT_SIZE, MODEL_ID, check_batch, l2_normalise

# Batch sizes a CUDA model sees are multiples of this: few shapes for cuDNN to prepare (see TorchEmbedder).
PAD_TO = 32


def _to_tensor(batch: np.ndarray) -> torch.Tensor:
    """Wrap without copying when possible; torch warns on read-only arrays, so those are copied once."""
    return torch.from_numpy(batch if batch.flags.writeable else batch.copy())


class TorchEmbedder:
    """Runs the torch network; channels_last matches the NHWC input, so the permute after loading is free."""

    model_id: str = MODEL_ID
    dim: int = DIM
    input_size: int = INPUT_SIZE

    def __init__(
        self,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
        net: EfficientNetLite0 | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.dtype = dtype
        self.channels_last = channels_last
        net = net if net is not None else load_lite0(fold_bn=True)
        net = net.to(device=self.device, dtype=dtype)
        if channels_last:
            net = net.to(memory_format=torch.channels_last)
        self.net = net.eval()
        kind = "cuda" if self.device.type == "cuda" else "cpu"
        suffix = {torch.float32: "", torch.bfloat16: "-bf16", torch.float16: "-fp16"}.get(dtype, f"-{dtype}")
        # CUDA is always half precision, so its name stays the plain "torch-cuda".
        self.backend = f"torch-{kind}" + ("" if kind == "cuda" and dtype == torch.float16 else suffix)
        # cuDNN prepares its convolutions once per input shape, on one CPU thread: about 2 s for each new batch
        # size on an H200 (4 s with its search for the fastest one), against 4 ms to run a batch once prepared. A
        # scan's batches come in many sizes (rotated queries, framed pictures, the last images of a scan), so on
        # CUDA each batch is padded to a multiple of PAD_TO and the search is off: a 3,984-file scan's model ran
        # 36 s past its last decode with one preparation per size, where fixed-size batches run at 15,000 a second.
        self.pad_to = PAD_TO if self.device.type == "cuda" else 1
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = False

    def _input(self, batch: np.ndarray) -> torch.Tensor:
        x = _to_tensor(batch).to(self.device, non_blocking=True)
        x = preprocess_nhwc_uint8(x, self.dtype)
        # NHWC pixels permuted to NCHW are already channels_last in memory, so that case costs no copy.
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x.contiguous()

    def embed(self, batch: np.ndarray) -> np.ndarray:
        """uint8 (N, 224, 224, 3) RGB to float32 (N, 1280) unit vectors; pooling is done in fp32."""
        batch = check_batch(batch, self.input_size)
        if len(batch) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        count = len(batch)
        padded = -(-count // self.pad_to) * self.pad_to
        if padded != count:  # blank images after the real ones: each image's vector depends on itself only
            batch = np.concatenate([batch, np.zeros((padded - count, *batch.shape[1:]), batch.dtype)])
        with torch.inference_mode():
            pooled = self.net.features(self._input(batch)).float().mean(dim=(2, 3))
        return l2_normalise(pooled[:count].cpu().numpy())

    def classify(self, batch: np.ndarray) -> np.ndarray:
        """ImageNet logits (N, 1000); used to prove the weights were loaded and wired correctly."""
        batch = check_batch(batch, self.input_size)
        with torch.inference_mode():
            pooled = self.net.features(self._input(batch)).float().mean(dim=(2, 3))
            logits = torch.nn.functional.linear(pooled, self.net._fc.weight.float(), self.net._fc.bias.float())
        return logits.cpu().numpy().astype(np.float32, copy=False)


def cuda_available() -> bool:
    return torch.cuda.is_available()


def make_torch_embedder(kind: str) -> TorchEmbedder:
    """Build a torch backend by name: "torch-cpu" (fp32 reference), "torch-cpu-bf16", "torch-cuda" (fp16)."""
    if kind == "torch-cpu":
        # channels_last is ~1.4x faster on CPU (oneDNN's native layout) and leaves fp32 results unchanged.
        return TorchEmbedder("cpu", torch.float32, channels_last=True)
    if kind == "torch-cpu-bf16":
        return TorchEmbedder("cpu", torch.bfloat16, channels_last=True)
    if kind == "torch-cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("torch-cuda requested but CUDA is not available")
        return TorchEmbedder("cuda", torch.float16, channels_last=True)
    raise ValueError(f"unknown torch backend {kind!r}")
