"""A light picture on transparency (a white icon made for a dark theme, a game's button prompts) is laid on black:
on white it was a blank page like every other, so its copies were never found and the review showed an empty
square. Real files and the real scan (decode, hashes, CNN, verification)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from dedup_gui.core import decoding
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from tests.conftest import photo


def _glyph(name: str, colour: tuple[int, int, int], side: int = 128) -> Image.Image:
    """An icon of one colour on transparency, its shape a photo's light parts (real shapes, not a test pattern)."""
    shape = np.asarray(photo(name, (side, side)).convert("L")) > 110
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = np.where(shape, 255, 0)
    return Image.fromarray(rgba, "RGBA")


def _thumbnail(path: Path) -> np.ndarray:
    decoded = decoding.decode(str(path), path.stat().st_size, want_cnn=False)
    assert not decoded.info.uniform
    return np.asarray(Image.open(io.BytesIO(decoded.thumb_jpeg)).convert("L"))


def test_a_white_icon_is_laid_on_black_and_a_dark_one_on_white(tmp_path: Path) -> None:
    white, dark = tmp_path / "white.png", tmp_path / "dark.png"
    _glyph("camera", (255, 255, 255)).save(white)
    _glyph("camera", (20, 20, 20)).save(dark)
    shape = np.asarray(_glyph("camera", (0, 0, 0)).getchannel("A")) > 0
    on_black, on_white = _thumbnail(white), _thumbnail(dark)
    assert on_black.shape == shape.shape  # a 128-px picture keeps its size
    assert np.median(on_black[shape]) >= 240 and np.median(on_black[~shape]) <= 15
    assert np.median(on_white[shape]) <= 35 and np.median(on_white[~shape]) >= 240


def test_copies_of_a_white_icon_are_found_and_another_white_icon_is_not_among_them(tmp_path: Path) -> None:
    root = tmp_path / "icons"
    root.mkdir()
    icon = _glyph("camera", (255, 255, 255))
    icon.save(root / "prompt.png")
    icon.resize((90, 90), Image.Resampling.LANCZOS).save(root / "prompt_small.png")
    icon.save(root / "prompt.webp", lossless=True)
    _glyph("coins", (255, 255, 255)).save(root / "other_prompt.png")
    result = run_scan(ScanConfig(roots=(root,), workers=1), store=Store(tmp_path / "s.db"))
    assert [sorted(g.paths) for g in result.groups] == [
        sorted(str(root / n) for n in ("prompt.png", "prompt_small.png", "prompt.webp"))
    ]
