"""A web copy of a plain photo keeps its shapes but not its grain. Thumbnails short of detail send such a pair to
a larger decode, where the original's grain (a low-contrast photo's JPEG noise, enlarged with it) filled most of
the windows local correlation looked at, and the copy, which lost that grain, read as another shot. Real files,
real decodes, the real scan."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import pixelcheck
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.detail import decode_gray
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode
from dedup_gui.core.verify import DEFAULT_THRESHOLDS, DRAWN_TONES, features, measure, verify_features
from tests.conftest import photo, save_jpeg

SIDE = 1024  # the checker's larger decode


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def grainy_pair(root: Path) -> tuple[Path, Path]:
    """A low-contrast 507 x 381 photo and its half-size web copy (JPEG 81), both enlarged four times, as an
    upscaled library or a camera-sized export of one makes them: the copy holds half the original's detail."""
    base = np.asarray(photo("coffee", (507, 381)), dtype=np.float32)
    mean = base.mean(axis=(0, 1))
    plain = _jpeg(Image.fromarray(np.clip((base - mean) * 0.2 + mean, 0, 255).astype(np.uint8)), 88)
    web = _jpeg(plain.resize((254, 190), Image.Resampling.LANCZOS), 81)
    big = save_jpeg(plain.resize((4 * 507, 4 * 381), Image.Resampling.BICUBIC), root / "2019" / "IMG_0412.JPG")
    small = save_jpeg(web.resize((4 * 254, 4 * 190), Image.Resampling.BICUBIC), root / "web" / "IMG_0412_small.jpg")
    return big, small


def test_a_web_copy_that_lost_the_grain_is_a_copy_on_larger_decodes(tmp_path: Path) -> None:
    big, small = grainy_pair(tmp_path)
    fa = features(decode_gray(str(big), SIDE), SIDE)
    fb = features(decode_gray(str(small), SIDE), SIDE)
    assert verify_features(fa, fb, dense=True).verdict == "same-photo"
    # why: with a thumbnail's texture floor the grain counts, and the windows agree less than a copy's must
    m = measure(fa, fb, dense=True)
    assert m.matrix is not None
    grain = pixelcheck.compare(fa.gray, fb.gray, m.matrix, m.scale, floor=pixelcheck.TEXTURE)
    assert grain.ncc < DEFAULT_THRESHOLDS.same_ncc < m.ncc


def test_a_drawing_gets_no_grain_allowance(tmp_path: Path) -> None:
    """Text and line art have no grain: their faint pixels are the edges of their lines, which tell one render from
    another (Pillow's text anchored left or centred, matplotlib's plots), so the thumbnail's floor stays."""
    big, small = grainy_pair(tmp_path)
    fa = replace(features(decode_gray(str(big), SIDE), SIDE), few_tones=DRAWN_TONES)
    fb = replace(features(decode_gray(str(small), SIDE), SIDE), few_tones=DRAWN_TONES)
    m = measure(fa, fb)
    assert m.matrix is not None
    assert m.ncc == pixelcheck.compare(fa.gray, fb.gray, m.matrix, m.scale, floor=pixelcheck.TEXTURE).ncc < 0.9


@pytest.mark.parametrize("mode", [Mode.NEAR, Mode.SIMILAR])
def test_the_scan_groups_a_plain_photo_with_its_web_copy(tmp_path: Path, mode: Mode) -> None:
    big, small = grainy_pair(tmp_path / "photos")
    result = run_scan(ScanConfig(roots=(tmp_path / "photos",), mode=mode, workers=1), store=Store(tmp_path / "s.db"))
    assert [sorted(g.paths) for g in result.groups] == [sorted([str(big), str(small)])]
