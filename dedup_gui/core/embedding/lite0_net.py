"""EfficientNet-Lite0 written out in torch, so the shipped ImageNet weights load without a third-party model package."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .spec import INPUT_SIZE, NUM_CLASSES, PIXEL_OFFSET, PIXEL_SCALE, weights_path

# TF's EfficientNet uses epsilon 1e-3 in every batch norm; torch's default 1e-5 would shift every activation.
BN_EPS = 1e-3


@dataclass(frozen=True, slots=True)
class StageSpec:
    """One row of the B0 table: how many blocks, kernel, first stride, expansion and channels."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    in_ch: int
    out_ch: int


# EfficientNet-B0 stages; Lite0 keeps them unchanged (width = depth = 1.0) but drops squeeze-excitation.
LITE0_STAGES: tuple[StageSpec, ...] = (
    StageSpec(1, 3, 1, 1, 32, 16),
    StageSpec(2, 3, 2, 6, 16, 24),
    StageSpec(2, 5, 2, 6, 24, 40),
    StageSpec(3, 3, 2, 6, 40, 80),
    StageSpec(3, 5, 1, 6, 80, 112),
    StageSpec(4, 5, 2, 6, 112, 192),
    StageSpec(1, 3, 1, 6, 192, 320),
)
STEM_CH = 32
HEAD_CH = 1280


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF "SAME" padding (before, after) for one axis: output = ceil(size / stride), the odd pixel goes after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """A bias-free conv with TF "SAME" padding fixed for a known input size (asymmetric on stride-2 layers)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, in_size: int, groups: int = 1) -> None:
        before, after = same_padding(in_size, kernel, stride)
        symmetric = before == after
        super().__init__(
            in_ch, out_ch, kernel, stride=stride, padding=before if symmetric else 0, groups=groups, bias=False
        )
        # (left, right, top, bottom) for F.pad; None when the conv's own symmetric padding already matches.
        self.extra_pad: tuple[int, int, int, int] | None = None if symmetric else (before, after, before, after)
        self.out_size = math.ceil(in_size / stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.extra_pad is not None:
            x = F.pad(x, self.extra_pad)
        return super().forward(x)


def _bn(ch: int) -> nn.Module:
    return nn.BatchNorm2d(ch, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation; attribute names match the shipped state dict."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int, in_size: int) -> None:
        super().__init__()
        mid = in_ch * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = SameConv2d(in_ch, mid, 1, 1, in_size)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, in_size, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, out_ch, 1, 1, self._depthwise_conv.out_size)
        self._bn2 = _bn(out_ch)
        self.residual = stride == 1 and in_ch == out_ch
        self.out_size = self._depthwise_conv.out_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.residual else y


class EfficientNetLite0(nn.Module):
    """The full classifier; `features` and `embed` expose the pooled 1280-d vector used for duplicate matching."""

    def __init__(self, image_size: int = INPUT_SIZE, stages: Sequence[StageSpec] = LITE0_STAGES) -> None:
        super().__init__()
        self.image_size = image_size
        self._conv_stem = SameConv2d(3, STEM_CH, 3, 2, image_size)
        self._bn0 = _bn(STEM_CH)
        size = self._conv_stem.out_size
        blocks: list[MBConv] = []
        for st in stages:
            for i in range(st.repeats):
                block = MBConv(
                    st.in_ch if i == 0 else st.out_ch, st.out_ch, st.kernel, st.stride if i == 0 else 1, st.expand, size
                )
                size = block.out_size
                blocks.append(block)
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(stages[-1].out_ch, HEAD_CH, 1, 1, size)
        self._bn1 = _bn(HEAD_CH)
        self._fc = nn.Linear(HEAD_CH, NUM_CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last feature map (N, 1280, 7, 7) from a normalised NCHW float input."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Global average pool of the last feature map: the (unnormalised) embedding."""
        return self.features(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (dropout is a no-op in eval, so it is left out)."""
        return self._fc(self.embed(x))


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """Fold an eval-mode batch norm into the preceding conv's weight and a new bias."""
    assert bn.running_var is not None and bn.running_mean is not None  # eval-mode statistics from the weights
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    conv.weight.data.mul_(scale.reshape(-1, 1, 1, 1))
    bias = bn.bias.detach() - bn.running_mean * scale
    conv.bias = nn.Parameter(bias.to(conv.weight.dtype))


def fold_batchnorm(model: EfficientNetLite0) -> EfficientNetLite0:
    """Fold every BN into its conv in place: fewer ops per image and a smaller exported graph, same numbers."""
    pairs: list[tuple[nn.Module, str, str]] = [(model, "_conv_stem", "_bn0"), (model, "_conv_head", "_bn1")]
    for block in model._blocks:
        if block.has_expand:
            pairs.append((block, "_expand_conv", "_bn0"))
        pairs += [(block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    with torch.no_grad():
        for owner, conv_name, bn_name in pairs:
            bn = getattr(owner, bn_name)
            if isinstance(bn, nn.BatchNorm2d):
                _fold(getattr(owner, conv_name), bn)
                setattr(owner, bn_name, nn.Identity())
    return model


def load_lite0(path: Path | None = None, fold_bn: bool = True) -> EfficientNetLite0:
    """Build the network and load the ImageNet weights strictly (any missing or extra key is a bug, not a warning)."""
    state = torch.load(path or weights_path(), map_location="cpu", weights_only=True)
    model = EfficientNetLite0()
    model.load_state_dict(state, strict=True)
    model.eval()
    if fold_bn:
        fold_batchnorm(model)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def preprocess_nhwc_uint8(x: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 NHWC pixels to the network's normalised NCHW input (x / 127.5 - 1), scaled in fp32 before any downcast."""
    x = x.to(torch.float32) * PIXEL_SCALE + PIXEL_OFFSET
    return (x if dtype == torch.float32 else x.to(dtype)).permute(0, 3, 1, 2)


class PixelsToEmbedding(nn.Module):
    """uint8 NHWC in, pooled features out: the whole path in one graph so ONNX does the normalisation too."""

    def __init__(self, net: EfficientNetLite0) -> None:
        super().__init__()
        self.net = net

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.net.embed(preprocess_nhwc_uint8(pixels))


class NormalisedToEmbedding(nn.Module):
    """Normalised NCHW float in, pooled features out: the variant where numpy does the preprocessing."""

    def __init__(self, net: EfficientNetLite0) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.embed(x)
