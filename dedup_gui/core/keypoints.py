"""SIFT keypoints, descriptor matching and a RANSAC similarity fit: the first, fast way verification aligns a pair.
A copy resized to another aspect is refitted from the same matches as a stretch along its own axes."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

import cv2
import numpy as np
from threadpoolctl import threadpool_limits

MAX_FEATURES = 300  # matching cost grows with the square; 300 keeps every dev copy kind verified
_SIFT_OFFSET = 0.25  # OpenCV SIFT reports points a quarter pixel right/down of the pixel centre
# Index permutation turning the SIFT descriptor of a patch into the descriptor of its mirror image (rows of the
# 4x4 grid reversed, gradient orientation bins reflected); mirrors then need no second detection.
_MIRROR = np.arange(128).reshape(4, 4, 8)[::-1][:, :, (-np.arange(8)) % 8].reshape(-1)
_local = threading.local()
# A stretch's map has perpendicular columns (scaled along b's own axes, then turned); a shear or a general affine
# map, which could bend one shot onto another, is not a stretch: cosine of the angle between the columns at most
_STRETCH_SKEW = 0.05


class Fit:
    """The best similarity found from b's keypoints to a's (b mirrored first when `mirrored`)."""

    __slots__ = ("inliers", "mask", "matches", "matrix", "mirrored", "pa", "pb")

    def __init__(
        self,
        inliers: int,
        mirrored: bool,
        matrix: np.ndarray | None,
        mask: np.ndarray,
        pa: np.ndarray,
        pb: np.ndarray,
        matches: int,
    ) -> None:
        self.inliers, self.mirrored, self.matrix, self.mask = inliers, mirrored, matrix, mask
        self.pa, self.pb, self.matches = pa, pb, matches


def _sift() -> cv2.SIFT:
    """Per-thread detector: OpenCV algorithm objects are not safe to share between threads."""
    sift = getattr(_local, "sift", None)
    if sift is None:
        sift = _local.sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)  # type: ignore[attr-defined]
    return sift


def detect(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keypoint centres (N, 2) in pixels and their uint8 SIFT descriptors (N, 128)."""
    kps, desc = _sift().detectAndCompute(gray, None)
    pts = np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2) - _SIFT_OFFSET
    desc = np.zeros((0, 128), np.uint8) if desc is None else np.clip(desc, 0, 255).astype(np.uint8)
    return pts, desc


def single_threaded() -> AbstractContextManager[object]:
    """BLAS on the calling thread only, for threads that match descriptors side by side: OpenBLAS's own threads
    would busy-wait beside them (matching a 2,000-file library took 96 s with them, 63 s without)."""
    return threadpool_limits(limits=1, user_api="blas")


def _match(da: np.ndarray, db: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ratio-test matches from a to b.

    Squared distances |a|^2 + |b|^2 - 2 a.b from one float32 matrix product: SIFT descriptors (uint8, norm about
    512) give integer sums far below 2^24, so every distance is exact and the matches are those of a brute-force
    search (cv2.batchDistance, 5x slower). The product runs on the caller's thread only inside `single_threaded`.
    """
    if len(da) < 2 or len(db) < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    fa, fb = da.astype(np.float32), db.astype(np.float32)
    d = fa @ fb.T
    d *= -2.0
    d += np.einsum("ij,ij->i", fb, fb)[None, :]
    d += np.einsum("ij,ij->i", fa, fa)[:, None]
    rows = np.arange(len(d))
    best = d.argmin(axis=1)
    first = d[rows, best]
    d[rows, best] = np.inf
    second = d.min(axis=1)
    ok = first.astype(np.float64) < ratio * ratio * second.astype(np.float64)  # as batchDistance's int32 did
    return np.flatnonzero(ok), best[ok].astype(np.intp)


def _similarity(pa: np.ndarray, pb: np.ndarray, ransac_px: float) -> tuple[np.ndarray | None, np.ndarray]:
    """RANSAC similarity (rotation, uniform scale, shift) mapping pb onto pa; copies need nothing more general."""
    if len(pa) < 3:
        return None, np.zeros(len(pa), bool)
    m, inl = cv2.estimateAffinePartial2D(
        pb, pa, method=cv2.RANSAC, ransacReprojThreshold=ransac_px, maxIters=2000, confidence=0.995, refineIters=10
    )
    if m is None or inl is None:
        return None, np.zeros(len(pa), bool)
    return m, inl.ravel().astype(bool)


def fit(
    points_a: np.ndarray,
    desc_a: np.ndarray,
    points_b: np.ndarray,
    desc_b: np.ndarray,
    width_b: int,
    *,
    mirrored: bool,
    ratio: float,
    ransac_px: float,
) -> Fit:
    """Best similarity from b to a, or from b mirrored left-right (mirrored descriptors need no new detection)."""
    ia, ib = _match(desc_a, desc_b[:, _MIRROR] if mirrored else desc_b, ratio)
    pa, pb = points_a[ia], points_b[ib].copy()
    if mirrored:
        pb[:, 0] = width_b - 1 - pb[:, 0]
    m, inl = _similarity(pa, pb, ransac_px)
    return Fit(int(inl.sum()) if m is not None else 0, mirrored, m, inl, pa, pb, len(ia))


def stretched(found: Fit, ransac_px: float, least: float, most: float) -> Fit | None:
    """The fit of b as a copy stretched along its own axes (resized to another aspect: a wallpaper, a fixed-size
    export) from `found`'s matches, or None when the best affine map is no such stretch: sheared, flipped, or one
    axis scaled less than `least` or more than `most` times the other. A camera that moves makes a keystone or
    parallax, never this."""
    if len(found.pa) < 3:
        return None
    m, inl = cv2.estimateAffine2D(
        found.pb, found.pa, method=cv2.RANSAC, ransacReprojThreshold=ransac_px, maxIters=2000, confidence=0.995,
        refineIters=10,
    )  # fmt: skip
    if m is None or inl is None or np.linalg.det(m[:, :2]) <= 0:
        return None
    across, down = m[:, 0], m[:, 1]
    skew = abs(float(across @ down)) / float(np.linalg.norm(across) * np.linalg.norm(down))
    if not least - 1 <= stretch_of(m) <= most - 1 or skew > _STRETCH_SKEW:
        return None
    mask = inl.ravel().astype(bool)
    return Fit(int(mask.sum()), found.mirrored, m, mask, found.pa, found.pb, found.matches)


def stretch_of(m: np.ndarray) -> float:
    """How much more the map m scales b along one of its axes than along the other (0 for a similarity)."""
    sx, sy = float(np.linalg.norm(m[:, 0])), float(np.linalg.norm(m[:, 1]))
    return max(sx, sy) / max(min(sx, sy), 1e-12) - 1.0
