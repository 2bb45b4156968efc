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

SIDE = 256  # long side (px) of the grey image every measurement is made on
FEATURE_SIDE = 256  # long side (px) SIFT runs on
MAX_FEATURES = 500
_SIFT_OFFSET = 0.25  # OpenCV SIFT reports points a quarter pixel right/down of the pixel centre
# Index permutation turning the SIFT descriptor of a patch into the descriptor of its mirror image (rows of the
# 4x4 grid reversed, gradient orientation bins reflected); mirrors then need no second detection.
_MIRROR = np.arange(128).reshape(4, 4, 8)[::-1][:, :, (-np.arange(8)) % 8].reshape(-1)
_local = threading.local()


@dataclass(frozen=True, slots=True)
class VerifyThresholds:
    """Calibrated decision limits; see bench/calibrate_verify.py for how they were chosen."""

    ratio: float = 0.8  # Lowe ratio test for descriptor matches
    ransac_px: float = 3.0  # RANSAC reprojection limit, px at SIDE
    min_inliers: int = 4  # below this there is no transform to check
    similar_inliers: int = 15  # inliers that prove the same scene even when the pixels disagree
    min_scale: float = 1 / 6  # plausible content scale between two SIDE thumbnails
    max_scale: float = 6.0
    max_angle_dev: float = 2.0  # degrees off a multiple of 90 that a copy may show
    min_texture: int = 1500  # textured overlap pixels needed before the pixel check means anything
    same_ncc: float = 0.95  # median local NCC of the aligned overlap for a copy
    similar_ncc: float = 0.6  # median local NCC that still says "same scene"
    max_changed: float = 0.15  # share of textured overlap allowed to differ (watermark, caption, date stamp)
    max_protrusion: float = 0.005  # share of the long side by which each frame may stick out of the other
    max_tone: float = 0.12  # residual of the best global tone curve, in std of the image (local tone edits)


DEFAULT_THRESHOLDS = VerifyThresholds()


@dataclass(frozen=True, slots=True)
class Features:
    """What verification needs of one image; compute once per image, reuse for every pair it is in."""

    gray: np.ndarray  # uint8, long side SIDE
    points: np.ndarray  # (N, 2) float32 keypoint centres in gray pixels
    descriptors: np.ndarray  # (N, 128) float32 SIFT
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
    residual: float  # median inlier reprojection error, px
    ncc: float  # median local NCC of the aligned overlap (9x9 windows, textured pixels only)
    changed: float  # share of textured overlap with local NCC < 0.5
    texture: int  # textured overlap pixels
    tone: float  # robust residual of a global tone curve fitted on the overlap, in std units
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
    rotation: int  # 0/90/180/270: clockwise turn of (mirrored) b that lines it up with a
    mirrored: bool  # b is a left-right mirror of a
    crop_fraction: float  # share of one image's area missing from the other (the larger of the two)
    description: str  # e.g. "cropped 18 %, rotated 90°"
    score: float  # 0..1 confidence it is the same photo; >= 0.5 exactly when verdict is same-photo


def _tools() -> tuple[cv2.SIFT, cv2.BFMatcher]:
    """Per-thread detector and matcher: OpenCV algorithm objects are not safe to share between threads."""
    tools = getattr(_local, "tools", None)
    if tools is None:
        tools = (cv2.SIFT_create(nfeatures=MAX_FEATURES), cv2.BFMatcher(cv2.NORM_L2))
        _local.tools = tools
    return tools


def _to_gray(img: np.ndarray, side: int) -> np.ndarray:
    """Grey uint8 with the long side scaled to `side`, so thresholds in pixels mean the same for every image."""
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2GRAY if img.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
    img = np.ascontiguousarray(img, dtype=np.uint8)
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
    det = gray if FEATURE_SIDE == SIDE else _to_gray(gray, FEATURE_SIDE)
    kps, desc = _tools()[0].detectAndCompute(det, None)
    f = SIDE / max(det.shape)
    pts = (np.float32([k.pt for k in kps]).reshape(-1, 2) - _SIFT_OFFSET + 0.5) * f - 0.5
    if desc is None:
        desc = np.zeros((0, 128), np.float32)
    return Features(gray, pts.astype(np.float32), desc, SIDE / max(img.shape[:2]))


def _match(da: np.ndarray, db: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ratio-test matches from a to b."""
    if len(da) < 2 or len(db) < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    pairs = [(m[0].queryIdx, m[0].trainIdx) for m in _tools()[1].knnMatch(da, db, k=2)
             if len(m) == 2 and m[0].distance < ratio * m[1].distance]
    idx = np.array(pairs, np.intp).reshape(-1, 2)
    return idx[:, 0], idx[:, 1]


def _fit(pa: np.ndarray, pb: np.ndarray, th: VerifyThresholds) -> tuple[np.ndarray | None, np.ndarray]:
    """RANSAC similarity (rotation, uniform scale, shift) mapping pb onto pa; copies need nothing more general."""
    if len(pa) < 3:
        return None, np.zeros(len(pa), bool)
    m, inl = cv2.estimateAffinePartial2D(pb, pa, method=cv2.RANSAC, ransacReprojThreshold=th.ransac_px,
                                         maxIters=2000, confidence=0.995, refineIters=10)
    if m is None or inl is None:
        return None, np.zeros(len(pa), bool)
    return m, inl.ravel().astype(bool)


def _corners(h: int, w: int) -> np.ndarray:
    return np.float32([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])


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


def _tone_residual(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Residual of the best global tone curve y = f(x) at coarse scale: global edits fit it, local tone maps don't."""
    h, w = x.shape
    size = (max(1, w // 8), max(1, h // 8))
    xs = cv2.resize(x, size, interpolation=cv2.INTER_AREA)
    ys = cv2.resize(y, size, interpolation=cv2.INTER_AREA)
    ms = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999
    ms &= (xs > 8) & (xs < 240) & (ys > 8) & (ys < 240)  # clipped tones are not a function of the other image
    xv, yv = xs[ms], ys[ms]
    if len(xv) < 30 or yv.std() < 1:
        return 0.0
    bins = np.clip(((xv - xv.min()) / (np.ptp(xv) + 1e-6) * 16).astype(np.intp), 0, 15)
    cnt = np.bincount(bins, minlength=16)
    keep = cnt > 0
    cx = (np.bincount(bins, xv, 16)[keep] / cnt[keep])
    cy = (np.bincount(bins, yv, 16)[keep] / cnt[keep])
    fit = np.interp(xv, cx, cy)  # piecewise-linear curve through the conditional means
    return float(np.percentile(np.abs(yv - fit), 90) / yv.std())


def _pixels(ga: np.ndarray, gb: np.ndarray, m: np.ndarray, s: float) -> tuple[float, float, int, float]:
    """Warp the sharper image onto the softer one and compare them: local NCC ignores tone edits, not new content."""
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
        return -1.0, 1.0, n, 0.0
    ncc = cxy[tex] / np.sqrt(vx[tex] * vy[tex])
    return float(np.median(ncc)), float(np.mean(ncc < 0.5)), n, _tone_residual(x, y, mask)


def measure(fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Measurements:
    """Match, fit a similarity (b as is and b mirrored, best kept) and compare the aligned pixels."""
    th = thresholds
    best: tuple[int, bool, np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, int] | None = None
    for mirrored in (False, True):
        db = fb.descriptors[:, _MIRROR] if mirrored else fb.descriptors
        ia, ib = _match(fa.descriptors, db, th.ratio)
        pb = fb.points[ib].copy()
        if mirrored:
            pb[:, 0] = fb.gray.shape[1] - 1 - pb[:, 0]
        pa = fa.points[ia]
        m, inl = _fit(pa, pb, th)
        n = int(inl.sum()) if m is not None else 0
        if best is None or n > best[0]:
            best = (n, mirrored, m, inl, pa, pb, len(ia))
        if n >= 3 * th.similar_inliers:  # unambiguous: skip the mirrored search
            break
    assert best is not None
    n, mirrored, m, inl, pa, pb, nm = best
    if m is None or n < th.min_inliers:
        return Measurements(nm, n, mirrored, None, 1.0, 0.0, 0.0, -1.0, 1.0, 0, 0.0, 1.0, 1.0, 1.0)
    s = math.sqrt(abs(float(np.linalg.det(m[:, :2]))))
    angle = math.degrees(math.atan2(m[1, 0], m[0, 0]))
    res = float(np.median(np.linalg.norm(_apply(m, pb[inl]) - pa[inl], axis=1)))
    gb = fb.gray[:, ::-1] if mirrored else fb.gray
    protrusion, unc_a, unc_b = _geometry(m, fa.gray.shape, gb.shape)
    if not th.min_scale <= s <= th.max_scale:
        return Measurements(nm, n, mirrored, m, s, angle, res, -1.0, 1.0, 0, 0.0, protrusion, unc_a, unc_b)
    ncc, changed, texture, tone = _pixels(fa.gray, np.ascontiguousarray(gb), m, s)
    return Measurements(nm, n, mirrored, m, s, angle, res, ncc, changed, texture, tone, protrusion, unc_a, unc_b)


def _ramp(value: float, limit: float, width: float) -> float:
    """0.5 at the limit, towards 1 on the passing side (positive width: larger passes), towards 0 beyond it."""
    return 1.0 / (1.0 + math.exp(-(value - limit) / width))


def _describe(rotation: int, mirrored: bool, unc_a: float, unc_b: float) -> str:
    parts = []
    if unc_a >= 0.01:
        parts.append(f"cropped {round(100 * unc_a)} %")
    if unc_b >= 0.01:
        parts.append(f"framed {round(100 * unc_b)} % larger")
    if rotation:
        parts.append(f"rotated {rotation}°")
    if mirrored:
        parts.append("mirrored")
    return ", ".join(parts) or "same framing"


def classify(m: Measurements, fa: Features, fb: Features,
             thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Verification:
    """Turn measurements into a verdict: a copy must align exactly, be contained, and differ only in tone/overlays."""
    th = thresholds
    ratio = m.inliers / m.matches if m.matches else 0.0
    if m.matrix is None:
        return Verification("different", m.inliers, ratio, -1.0, 1.0, 0, False, 0.0, "no geometric match", 0.0)
    angle_dev = abs((m.angle + 45) % 90 - 45)
    rotation = int(round(m.angle / 90) * 90) % 360
    scale = m.scale * fb.input_scale / fa.input_scale
    score = min(
        _ramp(m.ncc, th.same_ncc, 0.01),
        _ramp(-m.changed, -th.max_changed, 0.03),
        _ramp(-m.protrusion, -th.max_protrusion, 0.002),
        _ramp(-angle_dev, -th.max_angle_dev, 0.5),
        _ramp(-m.tone, -th.max_tone, 0.02),
        _ramp(float(m.texture), float(th.min_texture), 300.0),
        _ramp(float(m.inliers), th.min_inliers - 0.5, 1.0),
    )
    if score >= 0.5:
        verdict = "same-photo"
    elif m.inliers >= th.similar_inliers or (m.ncc >= th.similar_ncc and m.texture >= th.min_texture):
        verdict = "similar"
    else:
        verdict = "different"
    desc = _describe(rotation, m.mirrored, m.uncovered_a, m.uncovered_b)
    if verdict != "same-photo":
        desc = ("different shot: " if verdict == "similar" else "no match: ") + desc
    return Verification(verdict, m.inliers, ratio, m.ncc, scale, rotation, m.mirrored,
                        max(m.uncovered_a, m.uncovered_b), desc, score)


def verify_features(fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Verification:
    """Verify a pair from cached features (the pipeline computes each image's features once)."""
    return classify(measure(fa, fb, thresholds), fa, fb, thresholds)


def verify_pair(a: np.ndarray, b: np.ndarray, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS) -> Verification:
    """Verify two RGB thumbnails (long side ~256); see verify_features to reuse per-image work."""
    return verify_features(features(a), features(b), thresholds)
