"""Geometric verification of candidate pairs: embeddings cannot tell an edited copy from another shot, geometry can."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger("dedup_gui.verify")

# Pairs are verified from a worker pool on a 2-core machine: OpenCV's own thread pool would only oversubscribe.
cv2.setNumThreads(1)

SIDE = 256  # long side (px) of the grey image that SIFT and the pixel check run on
MAX_FEATURES = 300  # matching cost grows with the square; 300 keeps every dev copy kind verified
_SIFT_OFFSET = 0.25  # OpenCV SIFT reports points a quarter pixel right/down of the pixel centre
# Index permutation turning the SIFT descriptor of a patch into the descriptor of its mirror image (rows of the
# 4x4 grid reversed, gradient orientation bins reflected); mirrors then need no second detection.
_MIRROR = np.arange(128).reshape(4, 4, 8)[::-1][:, :, (-np.arange(8)) % 8].reshape(-1)
_local = threading.local()
# inliers, mirrored, similarity b->a (None: no fit), inlier mask, points in a, points in b, ratio-test matches
_Hypothesis = tuple[int, bool, np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, int]


@dataclass(frozen=True, slots=True)
class VerifyThresholds:
    """Decision limits, set with bench/calibrate_verify.py on the dev set, each with a wide margin on both sides.

    Bracketed numbers: dev-set extremes (257 copies of 25 kinds, 10 other shots, 6,700 look-alike/random negatives).
    """

    ratio: float = 0.8  # Lowe ratio test for descriptor matches
    ransac_px: float = 3.0  # RANSAC reprojection limit, px at SIDE
    min_inliers: int = 4  # fewer: no transform worth checking (the pixel check, not the count, proves a copy)
    similar_inliers: int = 15  # inliers that prove the same scene even when the pixels disagree [negatives <= 7]
    min_scale: float = 1 / 6  # plausible content scale between two SIDE thumbnails
    max_scale: float = 6.0
    max_angle_dev: float = 0.5  # degrees off a multiple of 90 [copies <= 0.07; a hand-held second shot 1.3]
    max_residual: float = 0.5  # median inlier error, px of the coarser image [copies <= 0.2; 2 % keystone >= 0.64]
    max_protrusion: float = 0.004  # share of the long side both frames stick out of each other [copies <= 0.0012,
    # burst frames >= 0.0086]: a copy is contained in the other image (crop) or contains it (border, screenshot)
    min_texture: int = 1500  # textured overlap pixels needed before the pixel check means anything
    same_ncc: float = 0.9  # median local NCC of the aligned overlap for a copy [copies >= 0.98, negatives <= 0.29]
    similar_ncc: float = 0.6  # median local NCC that still says "same scene"
    max_changed: float = 0.12  # share of textured overlap that differs (watermark, caption bar) [copies <= 0.022]


DEFAULT_THRESHOLDS = VerifyThresholds()
VERSION = 2  # bump when the method changes: stored verdicts made by another version are ignored


@dataclass(frozen=True, slots=True)
class Features:
    """What verification needs of one image; compute once per image, reuse for every pair it is in."""

    gray: np.ndarray  # uint8, long side SIDE
    points: np.ndarray  # (N, 2) float32 keypoint centres in gray pixels
    descriptors: np.ndarray  # (N, 128) uint8 SIFT (OpenCV's values are whole numbers 0..255)
    input_scale: float  # gray pixels per pixel of the image given to features()


@dataclass(frozen=True, slots=True)
class Measurements:
    """Raw evidence for one pair, kept apart from the decision so thresholds can be tuned without re-measuring."""

    matches: int
    inliers: int
    mirrored: bool
    matrix: np.ndarray | None  # 2x3 similarity mapping b's gray pixels onto a's (after mirroring b)
    scale: float  # a gray pixels per b gray pixel
    angle: float  # degrees, clockwise in image coordinates
    residual: float  # median inlier reprojection error, px of whichever image shows the content smaller
    ncc: float  # median local NCC of the aligned overlap (9x9 windows, textured pixels only)
    changed: float  # share of textured overlap with local NCC < 0.5
    texture: int  # textured overlap pixels
    protrusion: float  # min over the two frames of how far it sticks out of the other, share of long side
    uncovered_a: float  # share of a's area that b does not show
    uncovered_b: float  # share of b's area that a does not show


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict for one pair plus a human description of how b relates to a."""

    verdict: str  # "same-photo", "similar" or "different"
    inliers: int
    inlier_ratio: float  # inliers / ratio-test matches
    overlap_ncc: float  # median local NCC (9x9 windows) of the aligned grey overlap; -1 when not aligned
    scale: float  # size of a's content / size of b's content, in the pixels of the images passed in
    rotation: int  # 0/90/180/270: clockwise turn that lines b up with a, applied after un-mirroring b
    mirrored: bool  # b is mirrored: flip it left-right, then turn it by `rotation`, to get a
    crop_fraction: float  # share of one image's area missing from the other (the larger of the two)
    description: str  # e.g. "cropped 18 %, rotated 90°"
    score: float  # 0..1 confidence it is the same photo; >= 0.5 exactly when verdict is same-photo
    partial: bool = False  # not same-photo only because neither frame contains the other: two crops of one photo
    uncovered_a: float = 0.0  # share of a's area that b does not show
    uncovered_b: float = 0.0  # share of b's area that a does not show


def _sift() -> cv2.SIFT:
    """Per-thread detector: OpenCV algorithm objects are not safe to share between threads."""
    sift = getattr(_local, "sift", None)
    if sift is None:
        sift = _local.sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)  # type: ignore[attr-defined]
    return sift


def _to_gray(img: np.ndarray, side: int) -> np.ndarray:
    """Grey uint8 with the long side scaled to `side`, so thresholds in pixels mean the same for every image."""
    if img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 grey or RGB(A) image, got {img.dtype} {img.shape}")
    if img.ndim == 3:
        codes = {3: cv2.COLOR_RGB2GRAY, 4: cv2.COLOR_RGBA2GRAY}
        img = cv2.cvtColor(np.ascontiguousarray(img), codes[img.shape[2]]) if img.shape[2] in codes else img[..., 0]
    img = np.ascontiguousarray(img)
    h, w = img.shape
    f = side / max(h, w)
    if abs(f - 1) < 1e-6:
        return img
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)


def features(img: np.ndarray) -> Features:
    """SIFT keypoints of an RGB/grey thumbnail; tiny images are upscaled so small copies still yield points."""
    if img.size == 0:
        raise ValueError("empty image")
    gray = _to_gray(img, SIDE)
    kps, desc = _sift().detectAndCompute(gray, None)
    pts = np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2) - _SIFT_OFFSET
    desc = np.zeros((0, 128), np.uint8) if desc is None else np.clip(desc, 0, 255).astype(np.uint8)
    return Features(gray, pts, desc, SIDE / max(img.shape[:2]))


# Share of a 256-px thumbnail showing clear detail (local grey variance > 100 in 9x9 windows after a 1-px blur)
# below which its perceptual hashes say little: star fields, fog, snow, plain documents and gradients. Photos of
# dev and dev-large: >= 0.02 (a low-contrast t-shirt), 2nd percentile 0.08; star-field nights: <= 0.010.
PLAIN_DETAIL = 0.05


def detail_share(img: np.ndarray) -> float:
    """Share of the image (RGB or grey, thumbnail size) that shows clear detail."""
    x = cv2.GaussianBlur(_to_gray(img, SIDE), (0, 0), 1.0).astype(np.float32)
    mean = cv2.boxFilter(x, -1, (9, 9))
    return float(np.mean(cv2.boxFilter(x * x, -1, (9, 9)) - mean * mean > 100.0))


def _match(da: np.ndarray, db: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ratio-test matches from a to b.

    cv2.batchDistance on the uint8 descriptors is ~2x faster than BFMatcher.knnMatch and, unlike a BLAS matrix
    product, stays on the calling thread (OpenCV's and numpy's OpenBLAS would start busy-waiting threads of their own).
    """
    if len(da) < 2 or len(db) < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    dist, idx = cv2.batchDistance(da, db, cv2.CV_32S, normType=cv2.NORM_L2SQR, K=2)
    ok = dist[:, 0] < ratio * ratio * dist[:, 1]
    return np.flatnonzero(ok), idx[ok, 0].astype(np.intp)


def _fit(pa: np.ndarray, pb: np.ndarray, th: VerifyThresholds) -> tuple[np.ndarray | None, np.ndarray]:
    """RANSAC similarity (rotation, uniform scale, shift) mapping pb onto pa; copies need nothing more general."""
    if len(pa) < 3:
        return None, np.zeros(len(pa), bool)
    m, inl = cv2.estimateAffinePartial2D(
        pb, pa, method=cv2.RANSAC, ransacReprojThreshold=th.ransac_px, maxIters=2000, confidence=0.995, refineIters=10
    )
    if m is None or inl is None:
        return None, np.zeros(len(pa), bool)
    return m, inl.ravel().astype(bool)


def _corners(h: int, w: int) -> np.ndarray:
    return np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]], dtype=np.float32)


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return (pts @ m[:, :2].T + m[:, 2]).astype(np.float32)


def _outside(pts: np.ndarray, h: int, w: int) -> float:
    """How far (px) the farthest point lies outside an h x w frame."""
    dx = np.maximum(np.maximum(-0.5 - pts[:, 0], pts[:, 0] - (w - 0.5)), 0)
    dy = np.maximum(np.maximum(-0.5 - pts[:, 1], pts[:, 1] - (h - 0.5)), 0)
    return float(np.max(np.maximum(dx, dy)))


def _geometry(m: np.ndarray, sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[float, float, float]:
    """Containment of the two frames: protrusion (share of long side) and the uncovered share of each area."""
    (ha, wa), (hb, wb) = sa[:2], sb[:2]
    s = math.sqrt(abs(np.linalg.det(m[:, :2])))
    cb_in_a = _apply(m, _corners(hb, wb))
    ca_in_b = _apply(cv2.invertAffineTransform(m), _corners(ha, wa))
    out_b = _outside(cb_in_a, ha, wa) / s / max(hb, wb)
    out_a = _outside(ca_in_b, hb, wb) * s / max(ha, wa)
    inter, _ = cv2.intersectConvexConvex(_corners(ha, wa), cb_in_a)
    unc_a = max(0.0, 1 - inter / (wa * ha))
    unc_b = max(0.0, 1 - inter / (s * s) / (wb * hb))
    return min(out_a, out_b), unc_a, unc_b


def _pixels(ga: np.ndarray, gb: np.ndarray, m: np.ndarray, s: float) -> tuple[float, float, int]:
    """Warp the finer image into the coarser one's frame and compare: local NCC ignores tone edits, not new content."""
    if s >= 1:  # b shows the content smaller: compare in b's frame
        src, dst, warp, shrink = ga, gb, cv2.invertAffineTransform(m), s
    else:
        src, dst, warp, shrink = gb, ga, m, 1 / s
    if shrink > 1.05:
        src = cv2.GaussianBlur(src, (0, 0), 0.5 * math.sqrt(shrink * shrink - 1))
    h, w = dst.shape
    moved = cv2.warpAffine(src, warp, (w, h), flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.full(src.shape, 255, np.uint8), warp, (w, h), flags=cv2.INTER_NEAREST)
    mask = cv2.erode(valid, np.ones((15, 15), np.uint8)) > 0
    x = cv2.GaussianBlur(moved, (0, 0), 1.0).astype(np.float32)
    y = cv2.GaussianBlur(dst, (0, 0), 1.0).astype(np.float32)
    k = (9, 9)
    mx, my = cv2.boxFilter(x, -1, k), cv2.boxFilter(y, -1, k)
    vx = cv2.boxFilter(x * x, -1, k) - mx * mx
    vy = cv2.boxFilter(y * y, -1, k) - my * my
    cxy = cv2.boxFilter(x * y, -1, k) - mx * my
    tex = mask & (vx > 4.0) & (vy > 4.0)
    n = int(np.count_nonzero(tex))
    if n < 50:
        return -1.0, 1.0, n
    ncc = cxy[tex] / np.sqrt(vx[tex] * vy[tex])
    return float(np.median(ncc[:: max(1, n // 4096)])), float(np.mean(ncc < 0.5)), n  # subsampled median: 10x faster


def _hypothesis(fa: Features, fb: Features, mirrored: bool, th: VerifyThresholds) -> _Hypothesis:
    """Best similarity from a to b, or to b mirrored left-right (mirrored descriptors need no new detection)."""
    ia, ib = _match(fa.descriptors, fb.descriptors[:, _MIRROR] if mirrored else fb.descriptors, th.ratio)
    pa, pb = fa.points[ia], fb.points[ib].copy()
    if mirrored:
        pb[:, 0] = fb.gray.shape[1] - 1 - pb[:, 0]
    m, inl = _fit(pa, pb, th)
    return (int(inl.sum()) if m is not None else 0), mirrored, m, inl, pa, pb, len(ia)


def measure(fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Measurements:
    """Match, fit a similarity (b as is, and mirrored unless that is already clear) and compare aligned pixels."""
    th = thresholds
    hyp = _hypothesis(fa, fb, False, th)
    if hyp[0] < th.similar_inliers:  # a clear direct match needs no mirrored search
        hyp = max(hyp, _hypothesis(fa, fb, True, th), key=lambda h: h[0])
    n, mirrored, m, inl, pa, pb, nm = hyp
    s = math.sqrt(abs(float(np.linalg.det(m[:, :2])))) if m is not None else 0.0
    if m is None or n < th.min_inliers or not th.min_scale <= s <= th.max_scale:
        return Measurements(nm, n, mirrored, None, 1.0, 0.0, 0.0, -1.0, 1.0, 0, 1.0, 1.0, 1.0)
    angle = math.degrees(math.atan2(m[1, 0], m[0, 0]))
    res = float(np.median(np.linalg.norm(_apply(m, pb[inl]) - pa[inl], axis=1))) / max(s, 1.0)
    gb = np.ascontiguousarray(fb.gray[:, ::-1]) if mirrored else fb.gray
    protrusion, unc_a, unc_b = _geometry(m, fa.gray.shape, gb.shape)
    ncc, changed, texture = _pixels(fa.gray, gb, m, s)
    return Measurements(nm, n, mirrored, m, s, angle, res, ncc, changed, texture, protrusion, unc_a, unc_b)


def _ramp(value: float, limit: float, width: float) -> float:
    """0.5 at the limit, towards 1 on the passing side (positive width: larger passes), towards 0 beyond it."""
    return 1.0 / (1.0 + math.exp(min(50.0, (limit - value) / max(width, 1e-9))))


def _describe(rotation: int, mirrored: bool, unc_a: float, unc_b: float) -> str:
    parts = []
    if unc_a >= 0.01:
        parts.append(f"cropped {round(100 * unc_a)} %")
    if unc_b >= 0.01:
        parts.append(f"{round(100 * unc_b)} % extra around")
    if mirrored:
        parts.append("mirrored")
    if rotation:
        parts.append(f"rotated {rotation}°")
    return ", ".join(parts) or "same framing"


def classify(
    m: Measurements, fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS
) -> Verification:
    """Turn measurements into a verdict: a copy must align exactly, be contained, and differ only in tone/overlays."""
    th = thresholds
    ratio = m.inliers / m.matches if m.matches else 0.0
    if m.matrix is None:
        return Verification("different", m.inliers, ratio, -1.0, 1.0, 0, False, 0.0, "no geometric match", 0.0)
    angle_dev = abs((m.angle + 45) % 90 - 45)
    rotation = int(round(m.angle / 90) * 90) % 360
    scale = m.scale * fb.input_scale / fa.input_scale
    # Each test is 0.5 at its limit and ~0.99 for a perfect value (width = limit / 5): the score is the weakest.
    pixels = min(
        _ramp(m.ncc, th.same_ncc, max(1 - th.same_ncc, 0.01) / 5),
        _ramp(-m.changed, -th.max_changed, th.max_changed / 5),
        _ramp(-angle_dev, -th.max_angle_dev, th.max_angle_dev / 5),
        _ramp(-m.residual, -th.max_residual, th.max_residual / 5),
        _ramp(float(m.texture), float(th.min_texture), th.min_texture / 5),
        _ramp(float(m.inliers), th.min_inliers - 0.5, 1.0),
    )
    score = min(pixels, _ramp(-m.protrusion, -th.max_protrusion, th.max_protrusion / 5))
    partial = score < 0.5 <= pixels
    if score >= 0.5:
        verdict = "same-photo"
    elif m.inliers >= th.similar_inliers or (m.ncc >= th.similar_ncc and m.texture >= th.min_texture):
        verdict = "similar"
    else:
        verdict = "different"
    desc = _describe(rotation, m.mirrored, m.uncovered_a, m.uncovered_b)
    if verdict == "similar":
        desc = "different shot: " + desc
    elif verdict == "different":
        desc = "no match"
    return Verification(
        verdict,
        m.inliers,
        ratio,
        m.ncc,
        scale,
        rotation,
        m.mirrored,
        max(m.uncovered_a, m.uncovered_b),
        desc + (", the frames overlap in part" if partial else ""),
        score,
        partial,
        m.uncovered_a,
        m.uncovered_b,
    )


def verify_features(fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Verification:
    """Verify a pair from cached features (the pipeline computes each image's features once)."""
    v = classify(measure(fa, fb, thresholds), fa, fb, thresholds)
    log.debug("%s score=%.3f inliers=%d ncc=%.4f: %s", v.verdict, v.score, v.inliers, v.overlap_ncc, v.description)
    return v


def verify_pair(a: np.ndarray, b: np.ndarray, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Verification:
    """Verify two RGB thumbnails (long side ~256); see verify_features to reuse per-image work."""
    return verify_features(features(a), features(b), thresholds)
