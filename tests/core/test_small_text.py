"""One line of small text, as a formula renderer's test images or a caption strip show it: a 256-px thumbnail blurs
the letters into grey ramps, so the picture no longer looks like a drawing there and two renders of other words
line up as a copy would (matplotlib's formula renders: "mathbf" against "mathrm", one typeface against another,
372 wrong pairs among 681 files). The decoded picture keeps the flat tones that say "drawing", and a drawing's
copy by thumbnails is looked at again on larger decodes, where the letters differ. Real files, the real scan
(hashes, CNN, verification), a real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dedup_gui.core import verify
from dedup_gui.core.decoding import decode
from tests.conftest import near_scan, photo, together


def text_line(words: str) -> Image.Image:
    """One line of text centred on a wide white strip."""
    im = Image.new("RGB", (525, 75), "white")
    font = ImageFont.load_default(size=20)
    ImageDraw.Draw(im).text((262, 37), words, font=font, fill="black", anchor="mm")
    return im


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lines")
    paths = {
        "bold": root / "mathbf.png",
        "roman": root / "mathrm.png",
        "copy": root / "mathbf_copy.jpg",
        "smaller": root / "mathbf_smaller.png",
    }
    text_line("mathbf mathsf 0123456789").save(paths["bold"])
    text_line("mathrm mathsf 0123456789").save(paths["roman"])
    text_line("mathbf mathsf 0123456789").save(paths["copy"], quality=92)
    text_line("mathbf mathsf 0123456789").resize((420, 60), Image.Resampling.LANCZOS).save(paths["smaller"])
    return paths


def test_the_thumbnail_loses_the_flat_tones_the_decode_keeps(lines: dict[str, Path]) -> None:
    """The premise: on its thumbnail the line is no drawing by its tones; decoded, it is."""
    path = lines["bold"]
    decoded = decode(str(path), path.stat().st_size, want_cnn=False)
    with Image.open(path) as im:
        thumb = im.convert("RGB")
    thumb.thumbnail((verify.SIDE, verify.SIDE), Image.Resampling.BILINEAR)
    assert verify.features(np.asarray(thumb)).few_tones < verify.FEW_TONES <= decoded.info.tones


def test_other_words_in_small_text_are_not_copies_and_the_lines_copies_are(
    lines: dict[str, Path], tmp_path: Path
) -> None:
    result = near_scan(lines["bold"].parent, tmp_path / "s.db")
    assert not together(result, lines["bold"], lines["roman"])
    assert together(result, lines["bold"], lines["copy"])  # re-saved as a JPEG
    assert together(result, lines["bold"], lines["smaller"])  # resized to 80 %


def test_a_photos_copy_dithered_to_black_and_white_stays_its_copy(tmp_path: Path) -> None:
    """A photo dithered to black and white has a few flat tones as a drawing has, but is still the photo (a copy by
    its thumbnail, never pixel for pixel): found beside it, as before."""
    root = tmp_path / "photos"
    root.mkdir()
    original = photo("astronaut", (900, 900))
    original.save(root / "astronaut.png")
    original.convert("L").convert("1").save(root / "astronaut_bw.png")  # Floyd-Steinberg dithering
    bw = root / "astronaut_bw.png"
    assert decode(str(bw), bw.stat().st_size, want_cnn=False).info.tones >= verify.FEW_TONES
    result = near_scan(root, tmp_path / "s.db")
    assert [sorted(g.paths) for g in result.groups] == [[str(root / "astronaut.png"), str(bw)]]
