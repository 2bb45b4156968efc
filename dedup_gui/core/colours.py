"""Hue of two pictures lined up: the grey verification takes a picture in other colours (a poker chip of another
colour, a balloon, a flake) for a colour edit of it, and only the hues tell them apart.

Measured with bench/colour_variants.py on the copies a scan judged "the same framing" in dev-large, its
camera-sized copy, an unseen-edit set and two sets of other projects' image files with made copies: 5,871 copies
(sepia, warm, cool and vintage filters, saturation, posterised colours, local contrast) are at most 45 degrees
apart in hue (99th percentile 15); of 615 pairs of different pictures judged so, the 43 at least 90 degrees apart
over a fifth of the picture or more are all variants in other colours. The limit sits midway in angle beyond the
copies' largest. A part of the picture in other colours (IN_PART) makes another version too.
"""

from __future__ import annotations

import cv2
import numpy as np

from dedup_gui.core.resample import at_long_side

SIDE = 64  # long side (px) of the colour map: hues are a property of areas, not of edges
CHROMA = 20.0  # CIELAB chroma from which a pixel counts as coloured (a grey copy's pixels are below it)
HUE_APART = 90.0  # degrees: median hue difference over the pixels coloured in both from which they are recoloured
COLOURED = 0.2  # ... over at least this share of the overlap (a few coloured pixels are a logo, a caption)
# Share of the overlap coloured in both and HUE_APART or more apart from which a part of the picture is in other
# colours (a sprite's lights in another colour, frame to frame). bench/colour_in_part.py on dev-large, its seed-71
# unseen edits and two sets of other projects' files with made copies: 5,064 copies at most 0.0021 (watermarks,
# posterised colours, local contrast and sepia among them); 197 of 909 pairs of different pictures judged copies in
# grey 0.015 or more, frames of a sprite whose lights change colour 0.034-0.053.
# What the grey comparison already calls an overlay is not counted (verify.classify): a bold blue watermark over an
# orange cat differs in hue over 0.025 of the picture, and covers 0.036 in grey.
IN_PART = 0.015


def colour_map(img: np.ndarray, side: int = SIDE) -> np.ndarray | None:
    """CIELAB a and b (uint8, offset by 128 as OpenCV gives them) of an RGB picture at long side `side`; None for a
    grey one."""
    if img.ndim != 3 or img.shape[2] < 3:
        return None
    small = at_long_side(np.ascontiguousarray(img[..., :3]), side)
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 1:])


def hue_apart(
    ca: np.ndarray,
    cb: np.ndarray,
    matrix: np.ndarray,
    gray_a: tuple[int, ...],
    gray_b: tuple[int, ...],
    mirrored: bool,
) -> tuple[float, float, float]:
    """Of b placed on a by `matrix`, which maps b's grey pixels (mirrored first when `mirrored`) onto a's (the
    colour maps are the same pictures at another size), over the overlap but its rim: the median hue difference in
    degrees of the pixels coloured in both, their share of the overlap, and the share that is HUE_APART or more
    apart."""
    if mirrored:
        cb = np.ascontiguousarray(cb[:, ::-1])
    m = (_resized(ca.shape, gray_a) @ np.vstack([matrix, [0, 0, 1]]) @ np.linalg.inv(_resized(cb.shape, gray_b)))[:2]
    size = (ca.shape[1], ca.shape[0])
    placed = cv2.warpAffine(cb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128))
    cover = cv2.warpAffine(np.ones(cb.shape[:2], np.uint8), m, size, flags=cv2.INTER_NEAREST)
    inside = cv2.erode(cover, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    overlap = int(inside.sum())
    if overlap == 0:
        return 0.0, 0.0, 0.0
    a = ca[inside].astype(np.float32) - 128
    b = placed[inside].astype(np.float32) - 128
    both = (np.einsum("ij,ij->i", a, a) >= CHROMA**2) & (np.einsum("ij,ij->i", b, b) >= CHROMA**2)
    if not both.any():
        return 0.0, 0.0, 0.0
    a, b = a[both], b[both]
    turn = np.abs(np.arctan2(a[:, 1], a[:, 0]) - np.arctan2(b[:, 1], b[:, 0]))
    apart = np.degrees(np.minimum(turn, 2 * np.pi - turn))
    far = int(np.count_nonzero(apart >= HUE_APART))
    return float(np.median(apart)), len(apart) / overlap, far / overlap


def _resized(small: tuple[int, ...], large: tuple[int, ...]) -> np.ndarray:
    """3 x 3 map of pixel coordinates of a picture of shape `large` to the same picture at shape `small` (pixel
    centres kept: a half-pixel error turned half round lays a colour band beside the next one)."""
    kx, ky = small[1] / large[1], small[0] / large[0]
    return np.array([[kx, 0, (kx - 1) / 2], [0, ky, (ky - 1) / 2], [0, 0, 1]])


def alike_frames_recoloured(ca: np.ndarray | None, cb: np.ndarray | None) -> bool:
    """Two colour maps of pictures framed alike (near-identical hashes) recoloured: b stretched onto a's frame in
    each of its eight turns and mirror images (the hashes match a turned or mirrored copy as well), in other colours
    in every one."""
    if ca is None or cb is None:
        return False
    for turned in (cb, cb[:, ::-1]):
        for k in range(4):
            b = np.ascontiguousarray(np.rot90(turned, k))
            if not recoloured(*hue_apart(ca, b, _resized(ca.shape, b.shape)[:2], ca.shape, b.shape, False)):
                return False
    return True


def recoloured(apart: float, share: float, far: float) -> bool:
    """The same picture in other colours, all of it or a part, not a colour edit of it (see hue_apart)."""
    return (apart >= HUE_APART and share >= COLOURED) or far >= IN_PART
