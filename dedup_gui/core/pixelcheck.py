"""Compare two aligned grey pictures: what a copy keeps (local structure, one tone curve) and what it may add.

Local normalised cross-correlation (9x9 windows) ignores brightness, contrast and colour edits but not new or moved
content; it needs texture. One monotonic tone curve fitted over the whole overlap explains every global tone or
colour edit (brightness, contrast, curves, grey, sepia, a negative) but not light that falls elsewhere (day and
night, another hour, a moon phase) nor a scene that changed; it needs no texture, so it also speaks for plain
pictures (gradients, skies, documents) where local correlation has nothing to hold on to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from dedup_gui.core.repeats import CLEAR, repeated_additions

_BINS = 32  # tone-curve resolution: grey levels in steps of 8
_TONE_BLUR = 2.0  # px: the tone check looks at shapes of light, not at resampling or JPEG noise
_TONE_TOLERANCE = 0.1  # share of the overlap's grey range a pixel may miss the fitted curve by (at least 8 levels)
TEXTURE = 4.0  # ... of texture worth correlating, in a thumbnail (long side 256): see compare's `floor`


@dataclass(frozen=True, slots=True)
class PixelComparison:
    ncc: float  # median local NCC (9x9 windows) over the textured overlap; -1 when too little texture
    changed: float  # share of the textured overlap with local NCC < 0.5 (overlays, moved things)
    texture: int  # textured overlap pixels
    tone: float  # share of the overlap one monotonic tone curve leaves unexplained (other light, other scene)
    toned: float  # share of the overlap that differs before that curve (large with `tone` small: a tone edit)
    shapes: float  # share of the overlap away from its median grey: near 0 for a flat wall, whatever aligns it
    overlap: int  # overlap pixels compared
    spots: float  # share of one picture's clear detail that the other does not repeat (the smaller side): where a
    # sparse picture's few details (stars) are, the copy must have them too
    moved: float = 0.0  # the same, counting only detail far from any detail of the other's that it does not repeat
    # either (measured with `moved_radius` only): content moved or taken away, not covered by an overlay


def compare(
    ga: np.ndarray, gb: np.ndarray, m: np.ndarray, s: float, floor: float = TEXTURE, moved_radius: int = 0
) -> PixelComparison:
    """Warp the finer picture into the coarser one's frame (m maps gb onto ga, s its scale) and compare.

    `floor`: the local grey variance below which a window is noise, not texture. A thumbnail averages a photo's
    grain and its JPEG noise away; a larger decode keeps them, and where a picture shows little else (a plain
    t-shirt on a plain ground), the windows its recompressed copy lost that grain in outnumber the rest.

    `moved_radius` (px of the compared frame; 0: not measured): how near to the other picture's own unrepeated detail
    a picture's unrepeated detail may lie and still count as covered by it (`moved`).
    """
    moved, dst, mask = _aligned(ga, gb, m, s)
    ncc, changed, texture, spots, away = _local_ncc(moved, dst, mask, floor, moved_radius)
    tone, toned, shapes, overlap = _tone(moved, dst, mask)
    return PixelComparison(ncc, changed, texture, tone, toned, shapes, overlap, spots, away)


def repeated_elements(ga: np.ndarray, gb: np.ndarray, m: np.ndarray, s: float) -> int:
    """Solid elements either picture adds, aligned as `compare` aligns them, on the other's blank ground that repeat
    an element it already shows (repeats.py): asked of a placement that passed, as it costs more than the rest."""
    moved, dst, mask = _aligned(ga, gb, m, s)
    vx, vy, _ = _moments(moved, dst)
    return repeated_additions(moved, dst, mask, vx, vy)


def _aligned(ga: np.ndarray, gb: np.ndarray, m: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The finer picture warped into the coarser one's frame, the coarser one, and where both are (eroded)."""
    if s >= 1:  # b shows the content smaller: compare in b's frame
        src, dst, warp, shrink = ga, gb, cv2.invertAffineTransform(m), s
    else:
        src, dst, warp, shrink = gb, ga, m, 1 / s
    if shrink > 1.05:
        src = cv2.GaussianBlur(src, (0, 0), 0.5 * math.sqrt(shrink * shrink - 1))
    h, w = dst.shape
    moved = cv2.warpAffine(src, warp, (w, h), flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.full(src.shape, 255, np.uint8), warp, (w, h), flags=cv2.INTER_NEAREST)
    return moved, dst, cv2.erode(valid, np.ones((15, 15), np.uint8)) > 0


def _moments(moved: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local grey variances of both pictures and their covariance (9x9 windows after a 1-px blur)."""
    x = cv2.GaussianBlur(moved, (0, 0), 1.0).astype(np.float32)
    y = cv2.GaussianBlur(dst, (0, 0), 1.0).astype(np.float32)
    k = (9, 9)
    mx, my = cv2.boxFilter(x, -1, k), cv2.boxFilter(y, -1, k)
    vx = cv2.boxFilter(x * x, -1, k) - mx * mx
    vy = cv2.boxFilter(y * y, -1, k) - my * my
    return vx, vy, cv2.boxFilter(x * y, -1, k) - mx * my


def _local_ncc(
    moved: np.ndarray, dst: np.ndarray, mask: np.ndarray, floor: float, radius: int
) -> tuple[float, float, int, float, float]:
    vx, vy, cxy = _moments(moved, dst)
    spots = min(_unrepeated(mask & (vx > CLEAR), vx, vy, cxy), _unrepeated(mask & (vy > CLEAR), vx, vy, cxy))
    away = _moved(mask, vx, vy, cxy, radius) if radius > 0 else 0.0
    tex = mask & (vx > floor) & (vy > floor)
    n = int(np.count_nonzero(tex))
    if n < 50:
        return -1.0, 1.0, n, spots, away
    ncc = cxy[tex] / np.sqrt(vx[tex] * vy[tex])
    median = float(np.median(ncc[:: max(1, n // 4096)]))  # subsampled median: 10x faster
    return median, float(np.mean(ncc < 0.5)), n, spots, away


def _unrepeated(clear: np.ndarray, vx: np.ndarray, vy: np.ndarray, cxy: np.ndarray) -> float:
    """Share of one picture's clear detail that the other does not repeat. The smaller of the two sides counts:
    two different star fields each have stars the other lacks, while a logo or a login box added to a copy is new
    detail on one side only (the original's details are all in the copy)."""
    n = int(np.count_nonzero(clear))
    if not n:
        return 0.0
    both = np.sqrt(np.maximum(vx[clear], 1.0) * np.maximum(vy[clear], 1.0))
    return float(np.mean(cxy[clear] / both < 0.5))


def _moved(mask: np.ndarray, vx: np.ndarray, vy: np.ndarray, cxy: np.ndarray, radius: int) -> float:
    """Share of one picture's clear detail that the other does not repeat and that lies farther than `radius` from
    any clear detail of the other's that it does not repeat either; the smaller of the two sides. An overlay (a bar,
    a caption, a logo) hides what lies under it where it adds its own edges and text, or adds detail on one side only;
    a window whose text box sits elsewhere, or a chart with other marks, has on each side detail away from anything
    new on the other."""
    corr = cxy / np.sqrt(np.maximum(vx, 1.0) * np.maximum(vy, 1.0))
    clear_x, clear_y = mask & (vx > CLEAR), mask & (vy > CLEAR)
    lost_x, lost_y = clear_x & (corr < 0.5), clear_y & (corr < 0.5)
    if not lost_x.any() or not lost_y.any():
        return 0.0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near_x = cv2.dilate(lost_x.view(np.uint8), disc) > 0
    near_y = cv2.dilate(lost_y.view(np.uint8), disc) > 0
    x_side = np.count_nonzero(lost_x & ~near_y) / np.count_nonzero(clear_x)
    y_side = np.count_nonzero(lost_y & ~near_x) / np.count_nonzero(clear_y)
    return float(min(x_side, y_side))


def _tone(moved: np.ndarray, dst: np.ndarray, mask: np.ndarray) -> tuple[float, float, float, int]:
    """Unexplained share after the best monotonic curve (rising or falling) from moved's grey to dst's, the share
    that differed before it, and the share with any shape at all (away from the median grey).

    Works on a joint histogram (32 bins of moved's grey x 256 of dst's): one pass over the pixels, then small
    arrays only.
    """
    xs = cv2.GaussianBlur(moved, (0, 0), _TONE_BLUR)[mask][::2]
    ys = cv2.GaussianBlur(dst, (0, 0), _TONE_BLUR)[mask][::2]
    n = len(xs)
    if n < 200:
        return 1.0, 1.0, 0.0, n
    bins = (xs >> 3).astype(np.intp)
    joint = np.bincount(bins * 256 + ys, minlength=_BINS * 256).reshape(_BINS, 256)
    counts = joint.sum(axis=1)
    cum = np.cumsum(joint, axis=1)
    medians = np.argmax(cum >= (counts[:, None] + 1) // 2, axis=1).astype(np.float64)
    overall = np.cumsum(joint.sum(axis=0))
    lo, hi = np.searchsorted(overall, [0.05 * n, 0.95 * n])
    tol = max(_TONE_TOLERANCE * float(hi - lo), 8.0)
    levels = np.arange(256)
    best = 1.0
    for rising in (True, False):
        curve = _isotonic(medians, counts.astype(np.float64), rising)
        off = np.abs(levels[None, :] - curve[:, None]) > tol  # (bin, dst level) pairs the curve misses
        best = min(best, float(joint[off].sum()) / n)
    centres = (np.arange(_BINS) * 8 + 4)[:, None]
    toned = float(joint[np.abs(levels[None, :] - centres) > tol].sum()) / n
    median = float(np.searchsorted(overall, n / 2))
    shapes = float(joint.sum(axis=0)[np.abs(levels - median) > tol].sum()) / n
    return best, toned, shapes, n


def _isotonic(values: np.ndarray, weights: np.ndarray, rising: bool) -> np.ndarray:
    """Weighted least-squares monotonic fit of a short sequence (pool adjacent violators)."""
    seq = values if rising else values[::-1]
    wts = weights if rising else weights[::-1]
    blocks: list[list[float]] = []  # [mean, weight, length]
    for v, w in zip(seq.tolist(), wts.tolist(), strict=True):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            total = w1 + w2
            blocks.append([(v1 * w1 + v2 * w2) / total if total else v1, total, n1 + n2])
    fit = np.repeat([b[0] for b in blocks], [int(b[2]) for b in blocks])
    return fit if rising else fit[::-1]
