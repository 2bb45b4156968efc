"""Pages of text and other drawings of a few tones: their perceptual hashes follow the layout, not the words, so
near-identical hashes prove nothing there and the pair is verified instead (Pillow's test renders of other words in
one frame were grouped as copies on their hashes alone). A re-saved copy of such a page is still found. Real
files, the real scan (hashes, CNN, verification), a real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dedup_gui.core import pipeline, verify
from dedup_gui.core.decoding import decode
from dedup_gui.core.hashing import best_transform, image_hashes
from dedup_gui.core.types import ScanResult
from tests.conftest import near_scan, together


def page(text: str) -> Image.Image:
    """A few lines of text about a guide cross, as a text renderer's test or a slide shows them."""
    im = Image.new("RGB", (600, 400), "white")
    draw = ImageDraw.Draw(im)
    draw.line([(300, 0), (300, 400)], fill=(128, 128, 128), width=2)
    draw.line([(0, 200), (600, 200)], fill=(128, 128, 128), width=2)
    draw.multiline_text((300, 200), text, font=ImageFont.load_default(size=28), fill="black", anchor="mm")
    return im


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pages")
    paths = {name: root / f"{name}.png" for name in ("notes", "other_words")}
    page("a\nlong\ntext sample").save(paths["notes"])
    page("one\nmore\nline of words").save(paths["other_words"])
    paths["notes_copy"] = root / "notes_copy.jpg"
    page("a\nlong\ntext sample").save(paths["notes_copy"], quality=90)
    return paths


def _scan(pages: dict[str, Path], db: Path) -> ScanResult:
    return near_scan(pages["notes"].parent, db)


def test_the_pages_hashes_are_a_copys_and_they_show_detail(pages: dict[str, Path]) -> None:
    """The premise: other words in the same frame are as close by their hashes as a copy, and the pages are not
    plain (they show as much detail as photos do), so only their few tones tell them from photos."""
    hashes = {}
    for name, path in pages.items():
        gray = decode(str(path), path.stat().st_size, want_cnn=False).gray
        hashes[name] = image_hashes(gray)
    (pa, da), (pb, db) = hashes["notes"], hashes["other_words"]
    _, dp, dd = best_transform(pa, pb, da, db)
    assert dp <= 2 and dd <= 4
    thumb = Image.open(pages["notes"]).convert("RGB")
    thumb.thumbnail((256, 256), Image.Resampling.LANCZOS)
    assert verify.detail_share(np.asarray(thumb)) >= verify.PLAIN_DETAIL
    assert verify.tone_mass(np.asarray(thumb.convert("L"))) >= verify.FEW_TONES
    assert verify.hashes_say_little(np.asarray(thumb))


def test_other_words_in_one_frame_are_not_copies_and_a_resaved_page_is(pages: dict[str, Path], tmp_path: Path) -> None:
    result = _scan(pages, tmp_path / "s.db")
    assert not together(result, pages["notes"], pages["other_words"])
    assert together(result, pages["notes"], pages["notes_copy"])


def test_a_store_that_trusted_a_drawing_by_its_hashes_verifies_it_on_the_next_scan(
    pages: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older version trusted near-identical hashes of any detailed picture and stored that verdict: the next
    scan of the unchanged files verifies the pair and no longer groups it."""
    db = tmp_path / "s.db"
    with monkeypatch.context() as older:
        older.setattr(
            verify, "hashes_say_little", lambda img, tones=0.0: verify.detail_share(img) < verify.PLAIN_DETAIL
        )
        older.setattr(pipeline, "MATCH_VERSION", pipeline.MATCH_VERSION - 1)
        assert together(_scan(pages, db), pages["notes"], pages["other_words"])  # what the older version did
    result = _scan(pages, db)
    assert not together(result, pages["notes"], pages["other_words"])
    assert together(result, pages["notes"], pages["notes_copy"])
