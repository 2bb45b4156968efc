"""A plain picture (a gradient, a blank sky) lines up with any other like it, so alignment alone never makes it a
copy; but the same gradient saved at another bit depth or in another format shows the same pixels within rounding
everywhere, and its perceptual hash is no help (14-22 bits off between pillow-heif's 8-, 10- and 12-bit test
gradients). Real files, the real scan, a real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import near_scan


def _gradient(size: int = 128) -> np.ndarray:
    """A diagonal grey ramp from black to white, as floats 0..1."""
    y, x = np.mgrid[0:size, 0:size] / (2 * (size - 1))
    return x + y


def _stars(seed: int, size: int = 128) -> Image.Image:
    """A night sky: dark noise and a few dozen stars."""
    rng = np.random.default_rng(seed)
    sky = rng.normal(12, 3, (size, size))
    for _ in range(40):
        r, c = rng.integers(2, size - 2, 2)
        sky[r - 1 : r + 2, c - 1 : c + 2] += rng.uniform(120, 240)
    return Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))


def test_a_gradient_at_other_bit_depths_is_one_picture_and_other_plain_pictures_are_not(tmp_path: Path) -> None:
    root = tmp_path / "pictures"
    root.mkdir()
    ramp = _gradient()
    Image.fromarray(np.round(ramp * 255).astype(np.uint8)).save(root / "ramp_8bit.png")
    Image.fromarray(np.round(ramp * 65535).astype(np.uint16)).save(root / "ramp_16bit.png")
    Image.fromarray(np.round(ramp * 255).astype(np.uint8)).save(root / "ramp.jpg", quality=95)
    Image.fromarray(np.round(ramp.T[::-1] * 255).astype(np.uint8)).save(root / "other_ramp.png")
    _stars(1).save(root / "night_1.png")
    _stars(2).save(root / "night_2.png")
    result = near_scan(root, tmp_path / "s.db")
    ramps = [str(root / n) for n in ("ramp.jpg", "ramp_16bit.png", "ramp_8bit.png")]
    assert [sorted(g.paths) for g in result.groups] == [ramps]


def _evening_sky(seed: int, w: int = 320, h: int = 240) -> Image.Image:
    """One evening sky's gradient with a faint contrail and a faint cloud of its own (7-9 levels)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    sky = 60 + 140 * yy / h + 10 * xx / w
    x0, y0, angle = rng.uniform(0, w), rng.uniform(0, h / 2), rng.uniform(0, np.pi)
    across = np.abs((xx - x0) * np.sin(angle) - (yy - y0) * np.cos(angle))
    sky += 9 * np.exp(-((across / (0.006 * w)) ** 2))
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.6) * h
    sky += 7 * np.exp(-(((xx - cx) / (0.08 * w)) ** 2 + ((yy - cy) / (0.04 * w)) ** 2))
    sky += rng.normal(0, 1.0, sky.shape)
    return Image.fromarray(np.clip(np.round(sky), 0, 255).astype(np.uint8))


def _night_over_hills(seed: int, w: int = 360, h: int = 240) -> Image.Image:
    """Other stars over the same dark ridge: a few tones (a drawing as decoded), too small for a larger decode."""
    rng = np.random.default_rng(seed)
    sky = rng.normal(14, 2, (h, w))
    for _ in range(int(0.0005 * w * h)):
        sky[rng.integers(1, h - 1), rng.integers(1, w - 1)] += rng.uniform(80, 200)
    yy, xx = np.mgrid[0:h, 0:w]
    ridge = 0.7 * h - 0.12 * h * np.sin(xx / w * 5.0) - 0.05 * h * np.sin(xx / w * 13.0)
    sky[yy > ridge] = rng.normal(3, 1, sky.shape)[yy > ridge]
    return Image.fromarray(np.clip(np.round(sky), 0, 255).astype(np.uint8))


def test_other_faint_skies_too_small_for_a_closer_look_are_not_copies(tmp_path: Path) -> None:
    """Plain pictures whose differences are faint but gathered in one place (a contrail, a cloud), and night skies
    whose stars differ over the same hills: alike on their thumbnails, never the same pixels, and no larger decode
    to settle them. None is grouped."""
    root = tmp_path / "skies"
    root.mkdir()
    for seed in (1, 2, 3):
        _evening_sky(seed).save(root / f"dusk_{seed}.jpg", quality=92)
        _night_over_hills(seed).save(root / f"hills_{seed}.jpg", quality=92)
    assert not near_scan(root, tmp_path / "s.db").groups
