"""A plain picture (a gradient, a blank sky) lines up with any other like it, so alignment alone never makes it a
copy; but the same gradient saved at another bit depth or in another format shows the same pixels within rounding
everywhere, and its perceptual hash is no help (14-22 bits off between pillow-heif's 8-, 10- and 12-bit test
gradients). Real files, the real scan, a real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, ScanResult


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


def _scan(root: Path, db: Path) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(root,), mode=Mode.NEAR, workers=2), store=store)
    finally:
        store.close()


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
    result = _scan(root, tmp_path / "s.db")
    ramps = [str(root / n) for n in ("ramp.jpg", "ramp_16bit.png", "ramp_8bit.png")]
    assert [sorted(g.paths) for g in result.groups] == [ramps]
