"""Geometric verification tells transformed copies from other shots of a scene, on generated images only."""

from __future__ import annotations

import dataclasses
import functools
import io
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from dedup_gui.core import keypoints
from dedup_gui.core.verify import (
    DEFAULT_THRESHOLDS,
    DRAWN_TONES,
    VerifyThresholds,
    features,
    verify_features,
    verify_pair,
)


@functools.cache
def sample(name: str) -> np.ndarray:
    """A real photograph bundled with scikit-image (no download)."""
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)()[..., :3])


def thumb(img: np.ndarray, side: int = 256) -> np.ndarray:
    """What the pipeline hands to verify: RGB, long side `side`, aspect kept."""
    im = Image.fromarray(img)
    im.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(im)


def test_crop_is_same_photo_with_its_crop_fraction() -> None:
    full = sample("coffee")
    w = full.shape[1]
    cropped = full[:, int(0.12 * w) : int(0.92 * w)]  # 20 % of the width (and area) removed
    v = verify_pair(thumb(full), thumb(cropped))
    assert v.verdict == "same-photo"
    assert v.crop_fraction == pytest.approx(0.20, abs=0.03)
    assert "cropped 20 %" in v.description
    assert not v.mirrored and v.rotation == 0
    assert v.score >= 0.5


def test_mirror_is_same_photo_and_reported_mirrored() -> None:
    a = thumb(sample("chelsea"))
    v = verify_pair(a, np.ascontiguousarray(a[:, ::-1]))
    assert v.verdict == "same-photo"
    assert v.mirrored
    assert v.rotation == 0
    assert "mirrored" in v.description


@pytest.mark.parametrize(("turns", "rotation"), [(1, 90), (2, 180), (3, 270)])
def test_rotation_is_same_photo_with_clockwise_angle_that_maps_b_onto_a(turns: int, rotation: int) -> None:
    # np.rot90 turns counter-clockwise, so b must turn clockwise by 90 * turns to look like a again
    a = thumb(sample("astronaut"))
    v = verify_pair(a, np.ascontiguousarray(np.rot90(a, turns)))
    assert v.verdict == "same-photo"
    assert v.rotation == rotation
    assert not v.mirrored
    assert f"rotated {rotation}°" in v.description


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_every_mirror_and_rotation_is_undone_by_flipping_then_turning_b(flip: bool, turns: int) -> None:
    a = thumb(sample("coffee"))
    b = np.ascontiguousarray(np.rot90(a[:, ::-1] if flip else a, turns))
    v = verify_pair(a, b)
    assert v.verdict == "same-photo"
    assert v.mirrored == flip
    back = np.rot90(b[:, ::-1] if v.mirrored else b, -v.rotation // 90)  # the documented convention
    assert np.array_equal(back, a)


def test_colour_and_exposure_edit_is_same_photo() -> None:
    a = thumb(sample("rocket"))
    im = Image.fromarray(a)
    im = ImageEnhance.Brightness(im).enhance(1.25)
    im = ImageEnhance.Contrast(im).enhance(0.8)
    im = ImageEnhance.Color(im).enhance(0.3)
    v = verify_pair(a, np.asarray(im))
    assert v.verdict == "same-photo"
    assert v.overlap_ncc > 0.95


def test_small_thumbnail_of_a_thumbnail_is_same_photo() -> None:
    full = sample("chelsea")
    tiny = thumb(full, 160)  # a 160-px "thumbnail" copy is upscaled internally, not rejected
    v = verify_pair(thumb(full), tiny)
    assert v.verdict == "same-photo"
    assert v.scale == pytest.approx(256 / 160, rel=0.03)  # a's content is 1.6x larger in the pixels passed in


def test_burst_frame_with_shifted_window_and_moved_object_is_not_same_photo() -> None:
    full = sample("astronaut")
    h, w = full.shape[:2]
    hh, ww = int(0.85 * h), int(0.85 * w)
    y0, x0 = int(0.05 * h), int(0.05 * w)
    shot_a = full[y0 : y0 + hh, x0 : x0 + ww]
    dy, dx = int(0.02 * h), int(0.04 * w)  # the camera moved a little between the frames
    shot_b = full[y0 + dy : y0 + dy + hh, x0 + dx : x0 + dx + ww].copy()
    ph, pw = hh // 5, ww // 5  # and something in the scene moved
    shot_b[hh // 10 : hh // 10 + ph, ww // 10 : ww // 10 + pw] = shot_b[hh // 2 : hh // 2 + ph, ww // 2 : ww // 2 + pw]
    v = verify_pair(thumb(shot_a), thumb(shot_b))
    assert v.verdict == "similar"
    assert v.score < 0.5


def test_small_perspective_change_is_not_same_photo() -> None:
    a = thumb(sample("chelsea"))
    v = verify_pair(a, keystone(a, 0.03))  # a few percent of keystone: the camera, not an editor, moved
    assert v.verdict == "similar"


def stretched_copy(img: np.ndarray, wider: float, taller: float) -> np.ndarray:
    """The picture resized to another aspect, as an export to a fixed size or a wallpaper makes it."""
    h, w = img.shape[:2]
    return np.asarray(Image.fromarray(img).resize((round(w * wider), round(h * taller)), Image.Resampling.BICUBIC))


@pytest.mark.parametrize(("wider", "taller", "words"), [(1.2, 1.0, "stretched 20 %"), (1.0, 1.15, "stretched 15 %")])
def test_a_copy_resized_to_another_aspect_is_the_same_photo(wider: float, taller: float, words: str) -> None:
    full = sample("astronaut")
    v = verify_pair(thumb(full), thumb(stretched_copy(full, wider, taller)))
    assert v.verdict == "same-photo"
    assert words in v.description


def test_a_crop_beside_a_stretched_copy_is_the_same_photo() -> None:
    """Two copies of one photo compared with each other (a group holds both only when they agree)."""
    full = sample("coffee")
    w = full.shape[1]
    v = verify_pair(thumb(full[:, int(0.1 * w) : int(0.85 * w)]), thumb(stretched_copy(full, 1.0, 1.2)))
    assert v.verdict == "same-photo"
    assert "stretched 20 %" in v.description


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_a_stretched_copy_beside_a_mirrored_crop_is_the_same_photo(name: str) -> None:
    """Two copies in one group: the stretch is looked for on the mirrored fit too, or the pair reads as another
    picture and keeps one of them out of its original's group."""
    full = sample(name)
    w = full.shape[1]
    mirrored_crop = np.ascontiguousarray(full[:, int(0.1 * w) : int(0.9 * w)][:, ::-1])
    v = verify_pair(thumb(mirrored_crop), thumb(stretched_copy(full, 1.2, 1.0)))
    assert v.verdict == "same-photo"
    assert v.mirrored
    assert "stretched 20 %" in v.description


def test_lines_of_text_set_wider_apart_are_not_a_stretched_copy() -> None:
    """On text a stretch lines up a new layout as well as a resize: the lines moved apart, the letters did not grow."""

    def lines(spacing: int) -> np.ndarray:
        img = Image.new("RGB", (300, 100), "black")
        font = ImageFont.load_default(size=24)
        text = "hey you\nyou are awesome\nthis looks awkward"
        ImageDraw.Draw(img).multiline_text((2, 2), text, "white", font, spacing=spacing)
        return np.asarray(img)

    v = verify_pair(lines(4), lines(10))
    assert v.verdict != "same-photo"
    assert "stretched" not in v.description


def keystone(img: np.ndarray, p: float) -> np.ndarray:
    """The view from a step aside: one corner pulled in by p of the frame, another down (a flat scene's parallax)."""
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[p * w, p * h], [w * (1 - p), 0], [w, h], [0, h * (1 - p)]])
    return cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT)


def blurry_upscale(img: np.ndarray, f: float) -> np.ndarray:
    """A copy enlarged back to full size from a small one (a messenger's preview saved, a zoomed screenshot)."""
    h, w = img.shape[:2]
    small = Image.fromarray(img).resize((int(w * f), int(h * f)), Image.Resampling.BILINEAR)
    return np.asarray(small.resize((w, h), Image.Resampling.BICUBIC))


NO_NOISE = dataclasses.replace(DEFAULT_THRESHOLDS, noisy_residual=DEFAULT_THRESHOLDS.max_residual)


@pytest.mark.parametrize("f", [0.13, 0.14])
def test_a_blurry_upscale_whose_keypoints_wander_is_the_same_photo(f: float) -> None:
    """Its keypoints sit 0.55-0.7 px off any map of the original's (a keystone's error), yet every pixel agrees and
    no perspective explains the error: it is the points' noise."""
    a, b = thumb(sample("astronaut")), thumb(blurry_upscale(sample("astronaut"), f))
    assert verify_pair(a, b).verdict == "same-photo"
    assert verify_pair(a, b, NO_NOISE).verdict == "similar"  # the error alone called it another shot


@pytest.mark.parametrize(("name", "cut"), [("logo", "straightened"), ("hubble_deep_field", "cropped")])
def test_a_copy_beside_a_blurry_upscale_with_many_wrong_matches_is_the_same_photo(name: str, cut: str) -> None:
    """Matched from the copy's side, the upscale's blurred keypoints are found wrongly as often as rightly (19-29
    wrong beside 17-24 right), which a repeating pattern does too; the pixels agree as a copy's do, as a chessboard's
    seen from another pose do not. Matched from the upscale's side, fewer are wrong: without the leeway for wrong
    matches the pair is a copy that way (verify._matched_from_b)."""
    full = sample(name)
    h, w = full.shape[:2]
    a = straightened(full, 3.0) if cut == "straightened" else np.ascontiguousarray(full[int(0.3 * h) :, int(0.3 * w) :])
    b = blurry_upscale(full, 0.15 if cut == "straightened" else 0.18)
    fa, fb = features(thumb(a)), features(thumb(b))
    th = DEFAULT_THRESHOLDS
    fit = keypoints.fit(fa.points, fa.descriptors, fb.points, fb.descriptors, fb.gray.shape[1], mirrored=False,
                        ratio=th.ratio, ransac_px=th.ransac_px)  # fmt: skip
    assert fit.matches - fit.inliers >= fit.inliers >= th.similar_inliers  # a clear fit, as many wrong as right
    assert verify_features(fa, fb).verdict == verify_features(fb, fa).verdict == "same-photo"
    strict = dataclasses.replace(th, quiet_outliers=1.0)
    assert verify_pair(thumb(a), thumb(b), strict).verdict == "same-photo"


def _line_chart() -> np.ndarray:
    """A small line chart of 8 colours (a GIF's palette) whose digits repeat: axis labels and point values."""
    im = Image.new("RGB", (400, 200), "white")
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=10)
    d.rectangle((50, 25, 350, 150), outline="black", width=2)
    for i in range(8):
        d.text((38, 145 - i * 18), str(i), fill="black", font=font)
    for i in range(6):
        d.text((48 + i * 60, 155), str(i), fill="black", font=font)
    for colour, values in (("blue", (6, 2, 5, 4, 2, 2)), ("red", (2, 6, 5, 4, 6, 3))):
        points = [(x, 150 - v * 18) for x, v in zip((110, 170, 200, 230, 260, 290), values, strict=True)]
        d.line(points, fill=colour, width=1)
        for (x, y), v in zip(points, values, strict=True):
            d.ellipse((x - 3, y - 3, x + 3, y + 3), fill=colour)
            d.text((x - 3, y - 16), str(v), fill="black", font=font)
    return np.asarray(im.quantize(8).convert("RGB"))


def test_a_chart_and_its_small_jpeg_copy_are_copies_whichever_comes_first() -> None:
    """The copy's JPEG blocks give it keypoints the chart lacks, and matched from its side they sent more wrong
    matches (to the chart's repeated digits) than a fit of few inliers may have: a copy one way, another shot the
    other. The fit is made again from the other side's keypoints when only the wrong matches fail it."""
    chart = _line_chart()
    small = Image.fromarray(chart).resize((164, 82), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=73)
    copy = thumb(np.asarray(Image.open(buf).convert("RGB")))
    one, other = verify_pair(thumb(chart), copy), verify_pair(copy, thumb(chart))
    assert (one.verdict, other.verdict) == ("same-photo", "same-photo")
    assert (one.rotation, one.mirrored, other.rotation, other.mirrored) == (0, False, 0, False)
    assert other.scale == pytest.approx(1 / one.scale, rel=0.02)


def test_no_error_is_taken_for_noise_on_a_picture_near_a_few_tones() -> None:
    """On text a glyph of another font sits 0.5-1 px off as blurred keypoints do (matplotlib's renders of one formula
    in three fonts, tone mass 0.900-0.923): the same fit on pictures that near a few tones stays another shot."""
    a, b = features(thumb(sample("astronaut"))), features(thumb(blurry_upscale(sample("astronaut"), 0.13)))
    assert verify_features(a, b).verdict == "same-photo"
    drawn = DRAWN_TONES + 0.01
    as_drawings = verify_features(dataclasses.replace(a, few_tones=drawn), dataclasses.replace(b, few_tones=drawn))
    assert as_drawings.verdict == "similar"


@pytest.mark.parametrize(("name", "p"), [("astronaut", 0.015), ("logo", 0.015), ("chelsea", 0.02)])
def test_a_keystone_whose_pixels_agree_stays_another_shot(name: str, p: float) -> None:
    """A slight keystone misaligns too little for the pixels to differ (changed under 0.015), and its error is in the
    range the points' noise may reach; but a perspective map takes most of it away, as it never does for noise."""
    a = thumb(sample(name))
    assert verify_pair(a, thumb(keystone(a, p))).verdict == "similar"
    everything_noise = dataclasses.replace(DEFAULT_THRESHOLDS, keystone_left=0.0)
    assert verify_pair(a, thumb(keystone(a, p)), everything_noise).verdict == "same-photo"


def test_a_verdict_says_whether_the_pictures_are_drawn() -> None:
    """Membership relaxes some rules for photos only (drawings that agree can still be two drawings)."""
    a = thumb(sample("astronaut"))
    assert verify_pair(a, thumb(sample("coffee"))).drawn is False
    assert verify_pair(a, a[:, ::-1].copy()).drawn is False
    drawing = _drawing("framed")
    assert verify_pair(drawing, drawing).drawn is True


def test_unrelated_photo_is_different() -> None:
    v = verify_pair(thumb(sample("astronaut")), thumb(sample("coffee")))
    assert v.verdict == "different"
    assert v.score < 0.1


def test_cached_features_give_the_same_answer_as_verify_pair() -> None:
    a = thumb(sample("coffee"))
    b = np.ascontiguousarray(a[::-1, ::-1])
    fa, fb = features(a), features(b)
    assert verify_features(fa, fb) == verify_pair(a, b)
    assert verify_features(fa, fb).rotation == 180


@pytest.mark.parametrize(
    "other",
    [np.zeros((1, 1, 3), np.uint8), np.full((50, 300, 3), 128, np.uint8), np.zeros((300, 2), np.uint8)],
    ids=["1px", "flat", "sliver"],
)
def test_degenerate_images_are_different_not_errors(other: np.ndarray) -> None:
    v = verify_pair(thumb(sample("rocket")), other)
    assert v.verdict == "different"
    assert v.inliers < DEFAULT_THRESHOLDS.min_inliers


def test_empty_or_non_uint8_image_is_rejected() -> None:
    with pytest.raises(ValueError):
        features(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(ValueError):
        features(np.zeros((64, 64, 3), np.float32))


def test_worker_threads_get_the_same_answers_as_one_thread() -> None:
    # the pipeline verifies pairs from a thread pool: per-thread detectors, no shared mutable state
    a = thumb(sample("astronaut"))
    others = [np.ascontiguousarray(a[:, ::-1]), np.ascontiguousarray(np.rot90(a)), thumb(sample("coffee"))] * 2
    serial = [verify_pair(a, b) for b in others]
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda b: verify_pair(a, b), others)) == serial


def test_thresholds_are_frozen_and_used() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_THRESHOLDS.same_ncc = 0.5  # type: ignore[misc]
    a = thumb(sample("astronaut"))
    strict = VerifyThresholds(same_ncc=1.01)  # no real pair can reach it
    assert verify_pair(a, a, strict).verdict == "similar"


def straightened(img: np.ndarray, degrees: float) -> np.ndarray:
    """A photo turned by a few degrees and cropped to the largest upright rectangle without blank corners."""
    h, w = img.shape[:2]
    turned = np.asarray(Image.fromarray(img).rotate(degrees, Image.Resampling.BICUBIC))
    t = abs(np.radians(degrees))
    # the largest axis-aligned rectangle of the same aspect inside the turned frame
    k = 1 / (np.cos(t) + max(h / w, w / h) * np.sin(t))
    cw, ch = int(w * k) - 4, int(h * k) - 4
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    return np.ascontiguousarray(turned[y0 : y0 + ch, x0 : x0 + cw])


@pytest.mark.parametrize("degrees", [3.0, -1.5, 5.0])
def test_straightened_copy_is_same_photo_with_its_angle(degrees: float) -> None:
    full = sample("astronaut")
    v = verify_pair(thumb(full), thumb(straightened(full, degrees)))
    assert v.verdict == "same-photo", v
    assert abs(v.tilt) == pytest.approx(abs(degrees), abs=0.3)
    assert v.rotation == 0
    assert "straightened by" in v.description
    assert v.crop_fraction > 0.05  # the corners were cropped away


def gradient(w: int = 800, h: int = 600, turn: float = 0.0) -> np.ndarray:
    """A smooth wallpaper: two colours blended along a direction, with a soft glow."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    t = np.clip(np.cos(turn) * x + np.sin(turn) * y, 0, 1)[..., None]
    glow = np.exp(-((x - 0.7) ** 2 + (y - 0.3) ** 2) / 0.05)[..., None]
    rgb = (1 - t) * np.array([30, 60, 140]) + t * np.array([200, 120, 90]) + 40 * glow
    return np.clip(rgb, 0, 255).astype(np.uint8)


def with_login_box(img: np.ndarray) -> np.ndarray:
    """A login box with a logo and text drawn over the middle: what a login-screen screenshot adds."""
    from PIL import ImageDraw

    im = Image.fromarray(img)
    d = ImageDraw.Draw(im)
    w, h = im.size
    d.rounded_rectangle((0.35 * w, 0.3 * h, 0.65 * w, 0.62 * h), radius=12, fill=(245, 245, 245))
    d.ellipse((0.46 * w, 0.33 * h, 0.54 * w, 0.43 * h), fill=(40, 90, 200))
    for k in range(3):
        d.rectangle((0.39 * w, (0.47 + 0.045 * k) * h, 0.61 * w, (0.5 + 0.045 * k) * h), outline=(120, 120, 120))
    d.text((0.4 * w, 0.45 * h), "Welcome back", fill=(20, 20, 20))
    return np.asarray(im)


def test_logo_and_login_box_over_a_gradient_is_same_photo() -> None:
    wall = gradient()
    small = np.asarray(Image.fromarray(with_login_box(wall)).resize((640, 480), Image.Resampling.LANCZOS))
    v = verify_pair(thumb(wall), thumb(small))
    assert v.verdict == "same-photo", v
    assert v.overlay > 0.02  # the box is reported as an overlay, not hidden
    other = verify_pair(thumb(wall), thumb(gradient(turn=0.9)))  # another wallpaper: the light runs elsewhere
    assert other.verdict != "same-photo"


def wallpaper() -> np.ndarray:
    """A blurred wallpaper with a few sharp light strokes: sparse detail, as open-source desktop wallpapers are."""
    from PIL import ImageDraw, ImageFilter

    rng = np.random.default_rng(5)
    im = Image.fromarray(gradient(1920, 1080, 0.4))
    d = ImageDraw.Draw(im)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, 1920), rng.uniform(0, 1080), rng.uniform(120, 500)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.uniform(0, 255, 3)))
    im = im.filter(ImageFilter.GaussianBlur(40))
    d = ImageDraw.Draw(im)
    for _ in range(3):
        d.line([(rng.uniform(0, 1920), rng.uniform(0, 1080)) for _ in range(4)], fill=(255, 255, 255), width=8)
    return np.asarray(im)


def test_a_login_box_over_a_darkened_copy_is_the_same_photo() -> None:
    """The box's new detail is on one side only; two different star fields each have stars the other lacks."""
    from PIL import ImageDraw

    wall = wallpaper()
    dark = (wall.astype(np.float32) * 0.45).astype(np.uint8)  # the wallpaper's dark variant: one tone curve
    im = Image.fromarray(wall)
    d = ImageDraw.Draw(im)  # a login box of 400 x 320 on a 1920 x 1080 screen, with an avatar and a field
    d.rounded_rectangle((760, 380, 1160, 700), 20, fill=(30, 30, 30))
    d.ellipse((920, 420, 1000, 500), fill=(200, 200, 200))
    d.rectangle((800, 560, 1120, 590), fill=(250, 250, 250))
    login = np.asarray(im)
    v = verify_pair(thumb(dark), thumb(login))
    assert v.verdict == "same-photo", v
    assert v.overlay > 0.01


def test_tone_curve_edit_is_same_photo_and_reported() -> None:
    a = thumb(sample("coffee"))
    curve = (255 * (np.arange(256) / 255) ** 0.55).astype(np.uint8)  # strong shadows lift: one global curve
    v = verify_pair(a, curve[a])
    assert v.verdict == "same-photo"
    assert v.tone_edit and not v.lighting


def night(img: np.ndarray) -> np.ndarray:
    """The same view at night: dark everywhere except where lamps now light it (light falls elsewhere)."""
    h, w = img.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    dark = img.astype(np.float32) * 0.18
    lamps = np.zeros((h, w), np.float32)
    for cx, cy in ((0.2, 0.7), (0.55, 0.35), (0.8, 0.8), (0.4, 0.15)):
        lamps += np.exp(-(((x - cx * w) ** 2 + (y - cy * h) ** 2) / (0.012 * w * w)))
    lit = dark * (1 + 5 * lamps[..., None]) + 60 * lamps[..., None] * np.array([1.0, 0.8, 0.4])
    return np.clip(lit, 0, 255).astype(np.uint8)


def test_day_and_night_of_one_view_is_similar_not_same_photo() -> None:
    day = thumb(sample("astronaut"))
    v = verify_pair(day, night(day))
    assert v.verdict == "similar", v
    assert v.lighting
    assert "other light" in v.description


def _drawing(draw: str) -> np.ndarray:
    """A flat drawing of a few tones, as a drawing program or a chart library makes them."""
    from PIL import ImageDraw

    img = Image.new("RGB", (100, 100), "black")
    pen = ImageDraw.Draw(img)
    if draw in ("arc", "chord"):
        pen.arc((10, 20, 90, 80), 0, 270, fill="white", width=3)
        if draw == "chord":
            pen.line((90, 50, 50, 20), fill="white", width=3)
    elif draw == "framed":
        pen.rectangle((20, 20, 80, 80), fill="blue", outline="green", width=5)
    elif draw == "filled":
        pen.rectangle((20, 20, 80, 80), fill="red")
    return np.asarray(img)


@pytest.mark.parametrize(("a", "b"), [("arc", "chord"), ("framed", "filled")])
def test_two_drawings_in_one_frame_are_not_copies(a: str, b: str) -> None:
    """A tone curve maps any few tones onto any others: on a drawing, "tone edited" or "with an overlay" is another
    drawing (Pillow's test drawings of arcs, chords and squares were grouped as copies)."""
    v = verify_features(features(_drawing(a)), features(_drawing(b)), dense=True)
    assert v.verdict != "same-photo", v.description


@pytest.mark.parametrize("draw", ["arc", "framed", "filled"])
def test_one_drawing_in_another_colour_mode_or_a_rough_jpeg_is_a_copy(draw: str) -> None:
    import io

    drawing = _drawing(draw)
    grey = np.asarray(Image.fromarray(drawing).convert("L").convert("RGB"))
    buf = io.BytesIO()
    Image.fromarray(drawing).save(buf, "JPEG", quality=50)
    rough = np.asarray(Image.open(buf).convert("RGB"))
    if draw == "arc":  # white on black: the same pixels in grey
        assert verify_features(features(drawing), features(grey), dense=True).verdict == "same-photo"
    assert verify_features(features(drawing), features(rough), dense=True).verdict == "same-photo"


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee"])
def test_a_symmetric_subject_flipped_upside_down_is_a_mirrored_copy(name: str) -> None:
    """A face or a facade is nearly symmetric: upside down, its keypoints line up with the original turned 180
    degrees as another shot's would, while the pixels around it disagree. The mirrored fit is the copy."""
    from dedup_gui.core import keypoints

    photo = np.asarray(Image.fromarray(sample(name)).resize((384, 288), Image.Resampling.LANCZOS)).copy()
    band = photo[:, 134:250]  # the middle 30 %, made symmetric like a face seen from the front
    band[:, 58:] = band[:, :58][:, ::-1]
    flipped = np.ascontiguousarray(photo[::-1])
    fa, fb = features(photo), features(flipped)
    k = fa.side / 256
    direct = keypoints.fit(
        fa.points, fa.descriptors, fb.points, fb.descriptors, fb.gray.shape[1],
        mirrored=False, ratio=DEFAULT_THRESHOLDS.ratio, ransac_px=DEFAULT_THRESHOLDS.ransac_px * k,
    )  # fmt: skip
    assert direct.inliers >= DEFAULT_THRESHOLDS.similar_inliers  # the premise: a clear fit the wrong way round
    v = verify_features(fa, fb, dense=True)
    assert v.verdict == "same-photo" and v.mirrored and v.rotation == 180
