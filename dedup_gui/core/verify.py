"""Geometric verification of candidate pairs: embeddings cannot tell an edited copy from another shot, geometry can."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from dedup_gui.core import colours, keypoints, pixelcheck
from dedup_gui.core.dense import align, compose
from dedup_gui.core.resample import at_long_side
from dedup_gui.core.tones import tone_mass

log = logging.getLogger("dedup_gui.verify")

# Pairs are verified from a worker pool on a 2-core machine: OpenCV's own thread pool would only oversubscribe.
cv2.setNumThreads(1)

SIDE = 256  # long side (px) of the grey image that SIFT and the pixel check run on; px thresholds are at this size


@dataclass(frozen=True, slots=True)
class VerifyThresholds:
    """Decision limits, set with bench/calibrate_verify.py on dev and dev-large, each with a margin on both sides.

    Bracketed numbers: extremes on dev + dev-large (1,200 copies of 30 kinds, 51 other shots, look-alike series).
    """

    ratio: float = 0.8  # Lowe ratio test for descriptor matches
    ransac_px: float = 3.0  # RANSAC reprojection limit, px at SIDE
    min_inliers: int = 4  # fewer: no transform worth checking (the pixel check, not the count, proves a copy)
    similar_inliers: int = 15  # inliers that prove the same scene even when the pixels disagree [negatives <= 7]
    min_scale: float = 1 / 6  # plausible content scale between two SIDE thumbnails
    max_scale: float = 6.0
    max_stretch: float = 1.4  # a copy resized to another aspect: one axis scaled at most this much more [made
    # copies 1.12-1.25 recover; as a similarity they aligned a band only and failed, which split their groups]
    min_stretch: float = 1.05  # ... and at least this much (4:3 to 3:2 is 1.125, 5:4 to 4:3 1.067): a map
    # stretched less is a similarity that already failed, and its extra freedom bends one shot onto another [a
    # burst frame onto a square crop of the next frame: 1.0175]
    max_residual: float = 0.5  # median inlier error, px of the coarser image [copies <= 0.2; 2 % keystone >= 0.64]
    noisy_residual: float = 1.0  # ... up to this where the error is the points' noise, not the view's: a clear fit
    # (similar_inliers), pixels that agree as a copy's do, one frame inside the other and no keystone, on pictures
    # not near a few tones (DRAWN_TONES) [copies whose SIFT points an upscale, a tiny thumbnail or a sharpened
    # downsize blurred: 0.51-0.91]
    copy_changed: float = 0.045  # "agree as a copy's do": changed share at most this [those copies <= 0.033; other
    # shots failing on their error alone >= 0.063, a keystone 0.039]
    keystone_left: float = 0.5  # "no keystone": share of the error a perspective fit of the inliers leaves at least
    # this [those copies >= 0.68 (noise: any fit leaves it); keystones, a flat chart seen from aside <= 0.36]
    max_protrusion: float = 0.004  # share of the long side both frames stick out of each other [copies <= 0.0012,
    # burst frames >= 0.0086]: a copy is contained in the other image (crop) or contains it (border, screenshot)
    min_texture: int = 1500  # textured overlap pixels (at SIDE) local correlation needs to mean anything
    same_ncc: float = 0.9  # median local NCC of the aligned overlap for a copy [copies >= 0.98, negatives <= 0.29]
    similar_ncc: float = 0.6  # median local NCC that still says "same scene" (with enough consistent keypoints)
    max_changed: float = 0.12  # share of textured overlap that differs (watermark, caption bar) [copies <= 0.084]
    dense_keypoints: int = 64  # fewer keypoints in either picture: align from the whole picture too [copies that
    # need it: <= 42; repetitive look-alikes that many keypoints cannot align (chessboards): >= 87]
    min_inlier_ratio: float = 0.4  # inliers / matches of another shot's fit when inliers are few (< 30)
    max_outliers: int = 10  # a copy's fit with few inliers (< 30) has at most this many or as many inconsistent
    # matches as consistent ones [copies: 3 of 7 (a phone screenshot), 18 of 23; chessboards 28 of 12, 46 of 13]
    quiet_outliers: float = 2.0  # ... or up to this many times as many for a clear fit whose pixels agree as a
    # copy's do (copy_changed), one frame inside the other, not near a few tones [copies beside a blurry upscale or
    # a CMYK copy, whose keypoints match wrongly too: 1.04-1.94 times (dev-large and two unseen-edit sets);
    # chessboard look-alikes 1.24-2.27 times with changed >= 0.091, or overlapping in part]
    spotless_outliers: float = 3.0  # ... or this many times as many for a drawing whose aligned pixels agree but for
    # rounding (spotless_ncc, spotless_changed), one frame inside the other [copies with a border added: a card 36
    # of 28, a chessboard 33 of 14]
    spotless_ncc: float = 0.99
    spotless_changed: float = 0.005
    max_tone: float = 0.2  # share of the overlap one tone curve leaves unexplained [copies <= 0.154 (a vignette
    # filter); a look-alike chessboard photo 0.28; other shots median 0.12]: above it the light, not the edit, differs
    plain_tone: float = 0.15  # the same for a plain picture (too little texture for local correlation), where the
    # unexplained share is what an overlay covers (a login box on a gradient: 0.11); a plain verdict also needs
    # close hashes, and a larger decode of both files overrules it where one can be made
    plain_shapes: float = 0.2  # a plain overlap must show shapes (share away from its median grey) ...
    plain_cover: float = 0.5  # ... and cover at least half of each frame: a patch of wall lines up with anything


DEFAULT_THRESHOLDS = VerifyThresholds()
VERSION = 8  # bump when the method changes: stored verdicts made by another version are ignored (7: drawings;
# 8: larger decodes at 768 px)


@dataclass(frozen=True, slots=True)
class Features:
    """What verification needs of one image; compute once per image, reuse for every pair it is in."""

    gray: np.ndarray  # uint8, long side `side`
    points: np.ndarray  # (N, 2) float32 keypoint centres in gray pixels
    descriptors: np.ndarray  # (N, 128) uint8 SIFT (OpenCV's values are whole numbers 0..255)
    input_scale: float  # gray pixels per pixel of the image given to features()
    side: int = SIDE  # long side of gray; pixel thresholds scale with it
    detail: float = 1.0  # share of the picture with clear detail (see detail_share)
    few_tones: float = 0.0  # share of the picture in its four main grey tones (see tone_mass)
    colour: np.ndarray | None = None  # CIELAB a, b at a small size (colours.colour_map); None: a grey picture


@dataclass(frozen=True, slots=True)
class Measurements:
    """Raw evidence for one pair, kept apart from the decision so thresholds can be tuned without re-measuring."""

    matches: int
    inliers: int
    mirrored: bool
    matrix: np.ndarray | None  # 2x3 similarity mapping b's gray pixels onto a's (after mirroring b)
    scale: float  # a gray pixels per b gray pixel
    angle: float  # degrees, clockwise in image coordinates
    residual: float  # median inlier reprojection error, px (at SIDE) of whichever image shows the content smaller
    ncc: float  # median local NCC of the aligned overlap (9x9 windows, textured pixels only)
    changed: float  # share of textured overlap with local NCC < 0.5
    texture: int  # textured overlap pixels, counted at SIDE
    protrusion: float  # min over the two frames of how far it sticks out of the other, share of long side
    uncovered_a: float  # share of a's area that b does not show
    uncovered_b: float  # share of b's area that a does not show
    tone: float = 1.0  # share of the overlap one monotonic tone curve leaves unexplained
    toned: float = 0.0  # share of the overlap that differs before that curve
    shapes: float = 0.0  # share of the overlap away from its median grey (after a 2-px blur)
    dense: bool = False  # aligned from the whole picture (too few keypoints), not from keypoints
    sparse: bool = False  # either picture shows little clear detail at this size (see detail_share)
    bare: bool = False  # either picture shows next to none (a plain gradient, a blank sky)
    spots: float = 1.0  # share of clear detail in either picture that the other does not repeat
    drawn: bool = False  # either picture is near a few tones (DRAWN_TONES): text, line art
    unbent: float = 0.0  # share of the residual a perspective fit of the inliers leaves (measured for a clear fit
    # over max_residual, not near a few tones; 0 otherwise): near 1 when the error is the points' noise, small for a
    # keystone
    moved: float = 0.0  # on a drawing: share of clear detail in either picture that the other does not repeat, away
    # from anything new there (pixelcheck.PixelComparison.moved)
    repeats: int = 0  # solid elements either picture adds on the other's blank ground that repeat one it already
    # has (a card's extra pips, repeats.py): another picture of a set
    hue_apart: float = 0.0  # degrees: median hue difference over the aligned pixels coloured in both (colours.py)
    coloured: float = 0.0  # share of the overlap coloured in both
    hue_far: float = 0.0  # share of the overlap coloured in both and far apart in hue (colours.IN_PART)


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
    tilt: float = 0.0  # degrees b is turned beyond `rotation` (clockwise): a straightened copy
    tone_edit: bool = False  # one global tone/colour curve explains a clear difference (an edit)
    lighting: bool = False  # the same view, but the light falls differently (another exposure, another hour)
    overlay: float = 0.0  # share of the aligned picture covered by something added (logo, caption, a box)
    dense: bool = False  # aligned from the whole picture: too few keypoints
    plain: bool = False  # too little texture for local correlation: decided by the tone curve alone
    detail: bool = False  # decided on larger decodes than the thumbnails
    keypoints: int = 0  # keypoints of the poorer of the two pictures
    sparse: bool = False  # a picture shows little detail at this size: a closer look may tell more
    by_hashes: bool = False  # not verified: near-identical hashes of two detailed pictures (see linking)
    drawn: bool | None = None  # either picture is near a few tones (DRAWN_TONES); None: not known (a verdict
    # stored by an older version, or not verified)
    same_pixels: bool = False  # plain pictures whose thumbnails agree pixel for pixel within rounding (checker)
    placed: bool = True  # some placement of b on a was measured (keypoints or whole picture); False: none at all
    recoloured: bool = False  # lined up as a copy in grey, but in other colours: another version (colours.py)


BY_HASHES = Verification("same-photo", 0, 0.0, 1.0, 1.0, 0, False, 0.0, "near-identical hashes", 1.0, by_hashes=True)


def _to_gray(img: np.ndarray, side: int) -> np.ndarray:
    """Grey uint8 with the long side scaled to `side`, so thresholds in pixels mean the same for every image."""
    if img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 grey or RGB(A) image, got {img.dtype} {img.shape}")
    if img.ndim == 3:
        codes = {3: cv2.COLOR_RGB2GRAY, 4: cv2.COLOR_RGBA2GRAY}
        img = cv2.cvtColor(np.ascontiguousarray(img), codes[img.shape[2]]) if img.shape[2] in codes else img[..., 0]
    return at_long_side(np.ascontiguousarray(img), side)


def features(img: np.ndarray, side: int = SIDE) -> Features:
    """SIFT keypoints of an RGB/grey picture at long side `side`; small images are upscaled so that small copies
    still yield points."""
    if img.size == 0:
        raise ValueError("empty image")
    gray = _to_gray(img, side)
    pts, desc = keypoints.detect(gray)
    own = img if img.ndim == 2 else _to_gray(img, max(img.shape[:2]))  # at its own size: no tones made in between
    scale = side / max(img.shape[:2])
    return Features(gray, pts, desc, scale, side, _detail_of(gray), tone_mass(own), colours.colour_map(img))


def with_pixels(f: Features, img: np.ndarray) -> Features:
    """`f` (keypoints made from this same picture before, its pixels dropped) with its grey and colour images made
    again."""
    return replace(f, gray=_to_gray(img, f.side), colour=colours.colour_map(img))


# Share of a 256-px thumbnail showing clear detail (local grey variance > 100 in 9x9 windows after a 1-px blur)
# below which its perceptual hashes say little: star fields, fog, snow, plain documents and gradients. Photos of
# dev and dev-large: >= 0.02 (a low-contrast t-shirt), 2nd percentile 0.08; star-field nights: <= 0.010.
PLAIN_DETAIL = 0.05
BARE_DETAIL = 0.005  # next to no detail at all: a gradient, a blank sky (anything on it is an overlay)


def detail_share(img: np.ndarray) -> float:
    """Share of the image (RGB or grey, thumbnail size) that shows clear detail."""
    return _detail_of(_to_gray(img, SIDE))


# A drawing (shapes, lines, a flat icon) has a handful of tones; a tone curve maps any handful onto any other, so
# "the same but tone edited" or "with an overlay" says nothing there: two drawings in the same frame passed
# (Pillow's test drawings of arcs, chords, ellipses and filled squares grouped as copies). Share of a picture's
# grey pixels within +-3 levels of its four main tones (tones.tone_mass), on the picture compared: photos of
# dev-large at most 0.912 on their thumbnails (night snapshots), of dev at most 0.893 (a screenshot), medians about
# 0.3; in each such pair of drawings one is 0.971-1.0. It is measured once on the decode's working image too
# (ImageInfo.tones), where small text keeps the flat tones a 256-px thumbnail blurs into grey ramps (253 of
# matplotlib's 681 formula renders fell below this on their thumbnails, 33 there; formula renders 0.931-1.0, median
# 0.982; photos at most 0.919 on dev-large (camera-calibration chessboards), 0.856 on dev, 0.559 on camera-sized
# ones, but dark or flat ones can reach it: synthetic night skies 0.93-1.0): a picture drawn as decoded has its
# near-identical hashes not trusted, and two of them their thumbnails' copy looked at again on larger decodes
# (checker; without one, a plain or sparse verdict stays unsettled as any other). Large pages of small text lose
# their tones in the working image's reduction too (a 3840 x 2160 render: 0.953 at full size, 0.839 there).
FEW_TONES = 0.95
# A picture at least this near a few tones gets no looser fit than a similarity's: no stretched refit, and no error
# taken for its points' noise (noisy_residual). On text and line art a stretch lines up a new layout as well as a
# resize (Pillow's three lines of text set wider apart, 0.927 and 0.928, read as one text stretched 29 %), and a
# glyph of another font sits 0.5-1 px off as blurred keypoints do (matplotlib's renders of one formula in three
# fonts, 0.900-0.923). Below the photos' highest (0.912): a stretched or blurred night snapshot may be missed, not
# grouped wrongly.
DRAWN_TONES = 0.9


# px at SIDE: a drawing's detail that the other picture lacks counts as moved or taken away (Measurements.moved)
# only farther than this from any detail of the other's that the drawing lacks; the share must stay under
# max_changed, as a sparse picture's `spots` do. Measured at 6, 10 and 16 px on the 40 drawings of other projects'
# image files that README's copies of drawings come from (30 plots, 10 formula renders): the 312 pairs of them and
# their copies in other encodings and sizes judged copies, 0.000; a bar of text over their bottom tenth (a
# messenger's), a watermark, a logo, a caption added, at most 0.001 (the whole measure, `spots`, reached 0.22 on the
# bars). Two pygame tutorial windows whose label sits elsewhere: 0.143 and 0.254 at each radius; two matplotlib
# plots with other marks, 0.142 at 10 px.
MOVED_RADIUS = 10


def _drawn(fa: Features, fb: Features) -> bool:
    """Either picture is near a few tones (DRAWN_TONES): no looser fit than a similarity's for the pair."""
    return max(fa.few_tones, fb.few_tones) >= DRAWN_TONES


def hashes_say_little(img: np.ndarray, tones: float = 0.0) -> bool:
    """Whether near-identical perceptual hashes prove nothing about this thumbnail: it shows little detail (a star
    field, fog), or it is a drawing of a few tones (a chart, a page of text, a diagram), whose hashes follow its
    layout, not its content: two text renders of other words in one frame are 2 bits apart. `tones`: the decoded
    picture's tone mass (ImageInfo.tones), where small text keeps the flat tones its thumbnail loses."""
    gray = _to_gray(img, max(img.shape[:2]))
    return _detail_of(_to_gray(gray, SIDE)) < PLAIN_DETAIL or max(tones, tone_mass(gray)) >= FEW_TONES


def _detail_of(gray: np.ndarray) -> float:
    x = cv2.GaussianBlur(gray, (0, 0), 1.0).astype(np.float32)
    mean = cv2.boxFilter(x, -1, (9, 9))
    return float(np.mean(cv2.boxFilter(x * x, -1, (9, 9)) - mean * mean > 100.0))


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


def _measure_at(
    fa: Features,
    fb: Features,
    m: np.ndarray,
    mirrored: bool,
    *,
    matches: int = 0,
    inliers: int = 0,
    residual: float = 0.0,
    dense: bool = False,
) -> Measurements:
    """Measurements of b aligned onto a by the similarity m (b mirrored first when `mirrored`)."""
    s = math.sqrt(abs(float(np.linalg.det(m[:, :2]))))
    angle = math.degrees(math.atan2(m[1, 0], m[0, 0]))
    gb = np.ascontiguousarray(fb.gray[:, ::-1]) if mirrored else fb.gray
    protrusion, unc_a, unc_b = _geometry(m, fa.gray.shape, gb.shape)
    drawn = _drawn(fa, fb)
    # texture must stand above the grain a larger decode keeps (linear in the side: margin on camera-sized copies);
    # a drawing has no grain: its faint pixels are its lines' edges
    grain = 1.0 if drawn else fa.side / SIDE
    near = round(MOVED_RADIUS * fa.side / SIDE) if drawn else 0
    px = pixelcheck.compare(fa.gray, gb, m, s, floor=pixelcheck.TEXTURE * grain, moved_radius=near)
    # counted as at SIDE: a photo's texture covers areas (it grows with the square of the side), a drawing's lies
    # along its lines and letters, as wide at any size (it grows with the side: small text at 525 px counted as a
    # quarter of its 256-px texture, too little to correlate, and its copies failed as plain pictures)
    texture = round(px.texture * (SIDE / fa.side) ** (1 if drawn else 2))
    return Measurements(
        matches, inliers, mirrored, m, s, angle, residual, px.ncc, px.changed, texture, protrusion, unc_a, unc_b,
        px.tone, px.toned, px.shapes, dense, min(fa.detail, fb.detail) < PLAIN_DETAIL,
        min(fa.detail, fb.detail) < BARE_DETAIL, px.spots, drawn, moved=px.moved,
    )  # fmt: skip


def _by_keypoints(fa: Features, fb: Features, th: VerifyThresholds) -> Measurements:
    """Match, fit a similarity (b as is, and mirrored unless a direct fit already makes a copy) and compare aligned
    pixels."""
    k = fa.side / SIDE
    args = (fa.points, fa.descriptors, fb.points, fb.descriptors, fb.gray.shape[1])
    direct = keypoints.fit(*args, mirrored=False, ratio=th.ratio, ransac_px=th.ransac_px * k)
    if direct.inliers < th.similar_inliers:  # no clear direct match: the mirrored fit with more inliers is measured
        best = max(direct, keypoints.fit(*args, mirrored=True, ratio=th.ratio, ransac_px=th.ransac_px * k),
                   key=lambda f: f.inliers)  # fmt: skip
        found = _fitted(fa, fb, best, th)
        if best.inliers < th.similar_inliers or _score(found, th)[0] >= 0.5:
            return found
        return _stretched(fa, fb, found, [best], th)
    found = _fitted(fa, fb, direct, th)
    if _score(found, th)[0] >= 0.5:
        return found
    if (back := _matched_from_b(fa, fb, found, th)) is not None:
        return back
    # A face or a facade is nearly symmetric: its mirror image lines up many keypoints as another shot's would (26
    # of 93 for a portrait flipped upside down, read as turned 180 degrees), but the pixels disagree. The mirrored
    # copy it may be is looked for too, and kept only when it is one.
    flipped = keypoints.fit(*args, mirrored=True, ratio=th.ratio, ransac_px=th.ransac_px * k)
    mirrored = _fitted(fa, fb, flipped, th)
    if _score(mirrored, th)[0] >= 0.5:
        return mirrored
    clear = [direct, flipped] if flipped.inliers >= th.similar_inliers else [direct]
    return _stretched(fa, fb, found, clear, th)


def _matched_from_b(fa: Features, fb: Features, found: Measurements, th: VerifyThresholds) -> Measurements | None:
    """A clear fit that fails only by its wrong matches, matched again from b's keypoints to a's: the copy it then
    makes, or None.

    Matching is one-way: each of a's keypoints looks for its like among b's. A copy made smaller as a JPEG has
    keypoints on its blocks that a's lack; as a it sent 36 wrong matches beside 25 right ones (a chart and its copy
    resized to 41 %), more than a fit of few inliers may have (the repeating-pattern test), while from the
    original's side all 21 of its matches were right. The verdict must not hang on which of two files comes first."""
    if found.matrix is None or found.inliers >= 30 or _score(replace(found, matches=found.inliers), th)[0] < 0.5:
        return None
    k = fa.side / SIDE
    fit = keypoints.fit(
        fb.points, fb.descriptors, fa.points, fa.descriptors, fa.gray.shape[1],
        mirrored=found.mirrored, ratio=th.ratio, ransac_px=th.ransac_px * k,
    )  # fmt: skip
    back = _fitted(fb, fa, fit, th)  # a (mirrored first when `found` is) onto b
    if back.matrix is None:
        return None
    m = cv2.invertAffineTransform(back.matrix)
    if found.mirrored:  # (b mirrored) -> b -> (a mirrored) -> a
        (_, wa), (_, wb) = fa.gray.shape, fb.gray.shape
        m = compose(_flip(wa), compose(m, _flip(wb)))
    again = _measure_at(
        fa, fb, m, found.mirrored, matches=back.matches, inliers=back.inliers, residual=back.residual
    )  # fmt: skip
    again = replace(again, unbent=back.unbent)
    return again if _score(again, th)[0] >= 0.5 else None


def _flip(width: int) -> np.ndarray:
    """The 2x3 map of a picture `width` pixels wide onto its mirror image (its own inverse)."""
    return np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0]])


def _stretched(
    fa: Features, fb: Features, found: Measurements, fits: list[keypoints.Fit], th: VerifyThresholds
) -> Measurements:
    """A clear fit refitted as a copy resized to another aspect, when that makes a copy; else `found`.

    A stretched copy lines up a band of keypoints as a similarity, and its pixels disagree beyond it: beside its
    own crops and borders it was called a different picture, which split its group; beside a mirrored copy too,
    so a clear mirrored fit is refitted as well. Not on a picture near a few tones (DRAWN_TONES): there a stretch
    lines up a new layout as well as a resize."""
    if _drawn(fa, fb):
        return found
    for fit in fits:
        again = keypoints.stretched(fit, th.ransac_px * fa.side / SIDE, th.min_stretch, th.max_stretch)
        if again is not None and _score(stretch := _fitted(fa, fb, again, th), th)[0] >= 0.5:
            return stretch
    return found


def _fitted(fa: Features, fb: Features, fit: keypoints.Fit, th: VerifyThresholds) -> Measurements:
    """The measurements of a keypoint fit (no alignment when it has too few inliers or an implausible scale)."""
    k = fa.side / SIDE
    m = fit.matrix
    s = math.sqrt(abs(float(np.linalg.det(m[:, :2])))) if m is not None else 0.0
    if m is None or fit.inliers < th.min_inliers or not th.min_scale <= s <= th.max_scale:
        return Measurements(fit.matches, fit.inliers, fit.mirrored, None, 1.0, 0.0, 0.0, -1.0, 1.0, 0, 1.0, 1.0, 1.0)
    pa, pb = fit.pa[fit.mask], fit.pb[fit.mask]
    median = float(np.median(np.linalg.norm(_apply(m, pb) - pa, axis=1)))
    res = median / max(s, 1.0) / k
    found = _measure_at(fa, fb, m, fit.mirrored, matches=fit.matches, inliers=fit.inliers, residual=res)
    if fit.inliers < th.similar_inliers or res <= th.max_residual or found.drawn:
        return found  # no error taken for the points' noise (see noisy_residual, DRAWN_TONES)
    return replace(found, unbent=_unbent(pa, pb, median))


def _unbent(pa: np.ndarray, pb: np.ndarray, median: float) -> float:
    """Share of a fit's median error (`median`, px of a) that the best perspective map of the same points leaves.
    A keystone (a camera that stepped aside, a flat chart seen from another angle) is a perspective map, so its
    error goes; the error of keypoints blurred by an upscale or a sharpened downsize stays, whatever the map."""
    h, _ = cv2.findHomography(pb.astype(np.float32), pa.astype(np.float32), 0)
    if h is None or median <= 0:
        return 0.0
    mapped = cv2.perspectiveTransform(pb.reshape(-1, 1, 2).astype(np.float32), h).reshape(-1, 2)
    return float(np.median(np.linalg.norm(mapped - pa, axis=1))) / median


def measure(
    fa: Features,
    fb: Features,
    thresholds: VerifyThresholds = DEFAULT_THRESHOLDS,
    *,
    dense: bool = False,
    strict: bool = False,
) -> Measurements:
    """Align b onto a by keypoints and compare the pixels; with `dense`, when either picture has too few keypoints
    and they leave the pair unsettled, also from the whole picture, keeping the better. (A picture with many
    keypoints that still do not align is no copy, or a repeating pattern that whole-picture alignment misleads.)
    `strict`: only a placement that lines up almost exactly is refined (dense.STRICT_LOOK), for a pair that is no
    strong candidate."""
    th = thresholds
    best = _by_keypoints(fa, fb, th)
    if not dense or min(len(fa.points), len(fb.points)) >= th.dense_keypoints:
        return _kept(fa, fb, best, th)
    if best.matrix is not None and best.inliers >= th.similar_inliers and best.texture >= th.min_texture:
        return _kept(fa, fb, best, th)
    score = _score(best, th)[0]
    frames_only = min(fa.detail, fb.detail) < PLAIN_DETAIL
    for m, mirrored, _ in align(fa.gray, fb.gray, frames_only=frames_only, strict=strict):
        s = math.sqrt(abs(float(np.linalg.det(m[:, :2]))))
        if not th.min_scale <= s <= th.max_scale:
            continue
        candidate = _measure_at(fa, fb, m, mirrored, dense=True)
        if (cs := _score(candidate, th)[0]) > score:
            best, score = candidate, cs
    return _kept(fa, fb, best, th)


def _kept(fa: Features, fb: Features, best: Measurements, th: VerifyThresholds) -> Measurements:
    """The placement kept: measured as it is where that shows the same picture (_as_is), then, when it passes as a
    copy's, with the elements counted that either picture adds and already shows (Measurements.repeats) and the
    hues of the two compared (Measurements.hue_apart). Asked of the one placement kept, not of every one tried (on
    other projects' icons and drawings, counting elements for every placement took 13 % of verification's time)."""
    found = _as_is(fa, fb, best, th)
    if found.matrix is None or _score(found, th)[0] < 0.5:
        return found
    gb = np.ascontiguousarray(fb.gray[:, ::-1]) if found.mirrored else fb.gray
    repeats = pixelcheck.repeated_elements(fa.gray, gb, found.matrix, found.scale)
    if fa.colour is None or fb.colour is None:
        return replace(found, repeats=repeats)
    apart, share, far = colours.hue_apart(
        fa.colour, fb.colour, found.matrix, fa.gray.shape, fb.gray.shape, found.mirrored
    )
    return replace(found, repeats=repeats, hue_apart=apart, coloured=share, hue_far=far)


def _as_is(fa: Features, fb: Features, found: Measurements, th: VerifyThresholds) -> Measurements:
    """A copy found mirrored or turned, measured again as it is when that shows the same picture; else `found`.

    A symmetric picture (a round button, a centred logo, a checkbox) lines up with its copy mirrored or turned as
    well as as it is, and the fit may find either. Turned back by the symmetry of a's frame the fit implies, the
    placement is the same one as it is. A drawing mirrored or turned is another drawing
    (content.reoriented_drawing), so the orientation found must not be an accident of its symmetry: copies of
    small icons in other projects' files (a JPEG copy "mirrored, rotated 180 degrees") were kept apart. As it is,
    the pixels must agree without a tone curve or an overlay, and all but a few (half what a copy's tone curve may
    leave): there the copies' left at most 0.037, while two different button frames of 24 px, a white one and a
    grey one, agreed as it is "tone edited, 6 % covered by an overlay", and two empty plot frames, one with a
    smooth coloured column, left 0.121."""
    m = found.matrix
    if m is None or not (found.mirrored or round(found.angle / 90) % 4) or _score(found, th)[0] < 0.5:
        return found
    whole = compose(m, _flip(fb.gray.shape[1])) if found.mirrored else m  # b as it is onto a
    turn = np.rint(whole[:, :2] / found.scale)  # the mirror and quarter turns in it (a tilt rounds away)
    if abs(abs(np.linalg.det(turn)) - 1) > 0.01:
        return found  # turned by about 45 degrees: no quarter turn to undo
    ha, wa = fa.gray.shape
    centre = np.array([[(wa - 1) / 2], [(ha - 1) / 2]])
    back = np.hstack([turn.T, centre - turn.T @ centre])  # a's frame turned back about its centre
    placed = compose(back, whole)
    again = _measure_at(
        fa, fb, placed, False, matches=found.matches, inliers=found.inliers, residual=found.residual, dense=found.dense
    )
    score, _, plain = _score(again, th)
    same = score >= 0.5 and not _edited(again, plain) and again.tone < th.max_tone / 2
    return again if same else found


def _ramp(value: float, limit: float, width: float) -> float:
    """0.5 at the limit, towards 1 on the passing side (positive width: larger passes), towards 0 beyond it."""
    return 1.0 / (1.0 + math.exp(min(50.0, (limit - value) / max(width, 1e-9))))


def _describe(rotation: int, tilt: float, mirrored: bool, unc_a: float, unc_b: float, stretch: float = 0.0) -> str:
    parts = []
    if unc_a >= 0.01:
        parts.append(f"cropped {round(100 * unc_a)} %")
    if unc_b >= 0.01:
        parts.append(f"{round(100 * unc_b)} % extra around")
    if mirrored:
        parts.append("mirrored")
    if rotation:
        parts.append(f"rotated {rotation}°")
    if abs(tilt) >= _TILT_WORDS:
        parts.append(f"straightened by {abs(tilt):.1f}°")
    if stretch >= _STRETCH_WORDS:
        parts.append(f"stretched {round(100 * stretch)} %")
    return ", ".join(parts) or "same framing"


SET_WORDS = "another picture of a set"  # how a verdict of Measurements.repeats begins (describe.py reads it)
COLOUR_WORDS = "the same picture in other colours"  # how a verdict of Verification.recoloured begins
_TILT_WORDS = 0.3  # degrees: a smaller turn is alignment noise, not worth a word
_STRETCH_WORDS = 0.02  # a smaller change of aspect is rounding of the two sizes
_TONE_EDIT = 0.2  # share of the overlap changed before the tone curve that makes the curve worth a word


def _score(m: Measurements, th: VerifyThresholds, *, quiet_ok: bool = True) -> tuple[float, float, bool]:
    """(score, score without the containment test, plain): each test is 0.5 at its limit and ~0.99 for a perfect
    value (width = limit / 5); the score is the weakest. A plain overlap has too little texture for local
    correlation and answers to a stricter tone test instead. Without `quiet_ok` a clear fit gets no leeway for
    pixels that agree as a copy's do (asked with the pixels' differences set aside, they always would)."""
    if m.matrix is None:
        return 0.0, 0.0, False
    plain = m.texture < th.min_texture or m.bare
    # a clear fit whose pixels agree as a copy's do, one frame inside the other: its error and its wrong matches may
    # be blurred keypoints' noise (two chessboard shots that overlap in part agreed as well: 0.039 changed)
    quiet = (
        quiet_ok
        and not plain
        and not m.drawn
        and m.inliers >= th.similar_inliers
        and m.changed <= th.copy_changed
        and m.protrusion <= th.max_protrusion
    )
    noise = quiet and m.unbent >= th.keystone_left  # see noisy_residual
    # a drawing whose aligned pixels are its copy's but for rounding (a border added): its repeated elements (a
    # card's pips, a chessboard's squares) match many wrong places, but the right fit leaves nothing else
    spotless = (
        quiet_ok
        and not plain
        and m.drawn
        and m.ncc >= th.spotless_ncc
        and max(m.changed, m.moved, m.tone) <= th.spotless_changed
        and m.protrusion <= th.max_protrusion
    )
    tests = [
        _ramp(-m.tone, -(th.plain_tone if plain else th.max_tone), (th.plain_tone if plain else th.max_tone) / 5),
        _ramp(-m.residual, -(th.noisy_residual if noise else th.max_residual), th.max_residual / 5),
    ]
    if m.texture >= 50 and not m.bare:  # whatever texture there is must agree (on a bare picture it is an
        # overlay's edges and text)
        tests.append(_ramp(m.ncc, th.same_ncc, max(1 - th.same_ncc, 0.01) / 5))
        tests.append(_ramp(-m.changed, -th.max_changed, th.max_changed / 5))
    if m.sparse and not m.bare:  # the few details there are (stars) must be the same ones
        tests.append(_ramp(-m.spots, -th.max_changed, th.max_changed / 5))
    elif m.drawn and not m.bare:  # a drawing's lines and words are all there, but for what an overlay covers
        tests.append(_ramp(-m.moved, -th.max_changed, th.max_changed / 5))
    if plain:  # the tone curve alone must explain real shapes over most of both frames
        tests.append(_ramp(m.shapes, th.plain_shapes, th.plain_shapes / 5))
        cover = 1 - max(m.uncovered_a, m.uncovered_b)
        tests.append(_ramp(cover, th.plain_cover, 0.05))
    if not m.dense:  # a keypoint fit needs a few consistent inliers; a dense one stands on its pixels
        tests.append(_ramp(float(m.inliers), th.min_inliers - 0.5, 1.0))
        if m.inliers < 30:  # a repeating pattern matches many wrong places: more of them than the right ones
            leeway = th.spotless_outliers if spotless else th.quiet_outliers if quiet else 1.0
            allowed = max(th.max_outliers, round(m.inliers * leeway))
            tests.append(_ramp(float(allowed - (m.matches - m.inliers)), 0.0, 2.0))
    pixels = min(tests)
    return min(pixels, _ramp(-m.protrusion, -th.max_protrusion, th.max_protrusion / 5)), pixels, plain


def _changed(m: Measurements, plain: bool) -> float:
    """Share of the aligned picture that differs after the tone curve: what a copy calls an overlay."""
    return m.tone if plain else m.changed


def _same_scene(m: Measurements, th: VerifyThresholds) -> bool:
    """Another shot of the same scene: a fit of many consistent keypoints, and an overlap that still correlates.
    A handful of keypoints lines up any two road scenes or chessboards, so the count alone does not say it."""
    if m.dense or m.inliers < th.similar_inliers or m.ncc < th.similar_ncc:
        return False
    return m.inliers >= 30 or m.inliers / max(m.matches, 1) >= th.min_inlier_ratio


def scene_keypoints(v: Verification, th: VerifyThresholds = DEFAULT_THRESHOLDS) -> bool:
    """As many keypoints line up, as consistently, as prove one scene, whatever the pixels say (the people in it
    moved): with capture times or a group around it, evidence of another shot; alone, not (see _same_scene)."""
    return v.inliers >= th.similar_inliers and v.inlier_ratio >= th.min_inlier_ratio


def _edited(m: Measurements, plain: bool) -> bool:
    """Aligned, the two differ by a tone or colour curve or by an overlay."""
    return m.toned >= _TONE_EDIT or _changed(m, plain) >= 0.01


def classify(
    m: Measurements, fa: Features, fb: Features, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS
) -> Verification:
    """Turn measurements into a verdict: a copy must align exactly (any angle), be contained, and differ only by
    one tone curve and overlays; the same view in other light is another shot."""
    th = thresholds
    ratio = m.inliers / m.matches if m.matches else 0.0
    if m.matrix is None:
        poorer = min(len(fa.points), len(fb.points))
        sparse = min(fa.detail, fb.detail) < PLAIN_DETAIL
        return Verification(
            "different", m.inliers, ratio, -1.0, 1.0, 0, False, 0.0, "no geometric match", 0.0, keypoints=poorer,
            sparse=sparse, drawn=_drawn(fa, fb), placed=False,
        )  # fmt: skip
    rotation = int(round(m.angle / 90) * 90) % 360
    tilt = (m.angle - rotation + 180) % 360 - 180
    scale = m.scale * fb.input_scale / fa.input_scale
    score, pixels, plain = _score(m, th)
    partial = score < 0.5 <= pixels
    unlit = replace(m, tone=0.0, changed=0.0)  # the same view (structure, geometry) but for the light?
    lighting = not plain and score < 0.5 and m.tone > th.max_tone and _score(unlit, th, quiet_ok=False)[1] >= 0.5
    # on a drawing of a few tones any difference is a different drawing, not an edit of it (see FEW_TONES); one
    # that adds an element it already shows (a pip) is another picture of a set, not an edit either
    drawn = score >= 0.5 and max(fa.few_tones, fb.few_tones) >= FEW_TONES and _edited(m, plain)
    of_a_set = score >= 0.5 and m.repeats > 0
    # a part in other colours counts beyond what the grey comparison already calls an overlay (a coloured watermark)
    recoloured = score >= 0.5 and colours.recoloured(m.hue_apart, m.coloured, m.hue_far - _changed(m, plain))
    if score >= 0.5 and not drawn and not of_a_set and not recoloured:
        verdict = "same-photo"
    elif drawn or of_a_set or recoloured or lighting or partial or _same_scene(m, th):
        verdict = "similar"
    else:
        verdict = "different"
    desc = _describe(rotation, tilt, m.mirrored, m.uncovered_a, m.uncovered_b, keypoints.stretch_of(m.matrix))
    overlay = _changed(m, plain) if verdict == "same-photo" else 0.0
    tone_edit = verdict == "same-photo" and m.toned >= _TONE_EDIT
    if verdict == "same-photo":
        desc += ", tone or colour edited" if tone_edit else ""
        desc += f", {round(100 * overlay)} % covered by an overlay" if overlay >= 0.01 else ""
    elif verdict == "similar":
        if of_a_set:
            desc = f"{SET_WORDS} (an element repeated or left out): " + desc
        elif recoloured:
            desc = f"{COLOUR_WORDS}: " + desc
        else:
            desc = ("the same view in other light: " if lighting else "different shot: ") + desc
    else:
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
        round(tilt, 2),
        tone_edit,
        lighting,
        round(overlay, 3) if overlay >= 0.01 else 0.0,
        m.dense,
        plain,
        keypoints=min(len(fa.points), len(fb.points)),
        sparse=min(fa.detail, fb.detail) < PLAIN_DETAIL,
        drawn=m.drawn,
        recoloured=recoloured,
    )


def verify_features(
    fa: Features,
    fb: Features,
    thresholds: VerifyThresholds = DEFAULT_THRESHOLDS,
    *,
    dense: bool = False,
    strict: bool = False,
) -> Verification:
    """Verify a pair from cached features (the pipeline computes each image's features once); `dense` also tries
    whole-picture alignment when keypoints leave the pair unsettled, `strict` only placements that line up almost
    exactly (see measure)."""
    v = classify(measure(fa, fb, thresholds, dense=dense, strict=strict), fa, fb, thresholds)
    log.debug("%s score=%.3f inliers=%d ncc=%.4f: %s", v.verdict, v.score, v.inliers, v.overlap_ncc, v.description)
    return v


def verify_pair(
    a: np.ndarray, b: np.ndarray, thresholds: VerifyThresholds = DEFAULT_THRESHOLDS, *, dense: bool = True
) -> Verification:
    """Verify two RGB thumbnails (long side ~256); see verify_features to reuse per-image work."""
    return verify_features(features(a), features(b), thresholds, dense=dense)
