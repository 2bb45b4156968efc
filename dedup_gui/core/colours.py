"""Hue of two pictures lined up: the grey verification takes a picture in other colours (a poker chip of another
colour, a balloon, a flake) for a colour edit of it, and only the hues tell them apart.

Measured with bench/colour_variants.py on the copies a scan judged "the same framing" in dev-large, its
camera-sized copy, an unseen-edit set and two sets of other projects' image files with made copies: 5,871 copies
(sepia, warm, cool and vintage filters, saturation, posterised colours, local contrast) are at most 45 degrees
apart in hue (99th percentile 15); of 615 pairs of different pictures judged so, the 43 at least 90 degrees apart
over a fifth of the picture or more are all variants in other colours. The limit sits midway in angle beyond the
copies' largest.
"""

from __future__ import annotations

import cv2
import numpy as np

SIDE = 64  # long side (px) of the colour map: hues are a property of areas, not of edges
CHROMA = 20.0  # CIELAB chroma from which a pixel counts as coloured (a grey copy's pixels are below it)
HUE_APART = 90.0  # degrees: median hue difference over the pixels coloured in both from which they are recoloured
COLOURED = 0.2  # ... over at least this share of the overlap (a few coloured pixels are a logo, a caption)


def colour_map(img: np.ndarray, side: int = SIDE) -> np.ndarray | None:
    """CIELAB a and b (uint8, offset by 128 as OpenCV gives them) of an RGB picture at long side `side`; None for a
    grey one."""
    if img.ndim != 3 or img.shape[2] < 3:
        return None
    rgb = np.ascontiguousarray(img[..., :3])
    h, w = rgb.shape[:2]
    f = side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 1:])


def hue_apart(
    ca: np.ndarray,
    cb: np.ndarray,
    matrix: np.ndarray,
    gray_a: tuple[int, ...],
    gray_b: tuple[int, ...],
    mirrored: bool,
) -> tuple[float, float]:
    """(median hue difference in degrees over the overlap's pixels coloured in both, their share of the overlap)
    of b placed on a by `matrix`, which maps b's grey pixels (mirrored first when `mirrored`) onto a's; the colour
    maps are the same pictures at another size."""
    if mirrored:
        cb = np.ascontiguousarray(cb[:, ::-1])
    (ha, wa), (hb, wb) = gray_a[:2], gray_b[:2]
    to_a = np.diag([ca.shape[1] / wa, ca.shape[0] / ha])
    from_b = np.diag([wb / cb.shape[1], hb / cb.shape[0]])
    m = np.hstack([to_a @ matrix[:, :2] @ from_b, to_a @ matrix[:, 2:]])
    size = (ca.shape[1], ca.shape[0])
    placed = cv2.warpAffine(cb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128))
    inside = cv2.warpAffine(np.ones(cb.shape[:2], np.uint8), m, size, flags=cv2.INTER_NEAREST) > 0
    overlap = int(inside.sum())
    if overlap == 0:
        return 0.0, 0.0
    a = ca.astype(np.float32) - 128
    b = placed.astype(np.float32) - 128
    both = inside & (np.hypot(a[..., 0], a[..., 1]) >= CHROMA) & (np.hypot(b[..., 0], b[..., 1]) >= CHROMA)
    if not both.any():
        return 0.0, 0.0
    turn = np.arctan2(a[..., 1], a[..., 0]) - np.arctan2(b[..., 1], b[..., 0])
    apart = np.abs(np.angle(np.exp(1j * turn[both])))
    return float(np.degrees(np.median(apart))), float(both.sum() / overlap)


def framed_alike(ca: np.ndarray | None, cb: np.ndarray | None) -> bool:
    """Two colour maps of pictures framed alike (near-identical hashes) recoloured, b stretched onto a's frame."""
    if ca is None or cb is None:
        return False
    stretch = np.array([[ca.shape[1] / cb.shape[1], 0, 0], [0, ca.shape[0] / cb.shape[0], 0]])
    return recoloured(*hue_apart(ca, cb, stretch, ca.shape, cb.shape, False))


def recoloured(apart: float, share: float) -> bool:
    """The same picture in other colours, not a colour edit of it."""
    return apart >= HUE_APART and share >= COLOURED
