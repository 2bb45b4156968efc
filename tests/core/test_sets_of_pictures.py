"""Two pictures of one set (the five and the six of a card deck) are not copies: one adds an element the other
already shows. An overlay on blank ground (a watermark, a logo, two stickers) still leaves a copy. Real
verification on drawn cards, their thumbnails as the scan makes them."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from dedup_gui.core.verify import DEFAULT_THRESHOLDS, verify_pair
from tests.core.test_verify import thumb

W, H = 300, 420
# pip centres of a five; the six adds the middle one of the left column's three
FIVE = [(90, 110), (210, 110), (150, 210), (90, 310), (210, 310)]
SIX_MORE = [(90, 210)]


def _pip(d: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """A spade-like pip: a leaf and a stem, drawn solid."""
    d.polygon([(x, y - 24), (x + 20, y + 4), (x - 20, y + 4)], fill=(30, 30, 60))
    d.ellipse((x - 20, y - 8, x - 2, y + 12), fill=(30, 30, 60))
    d.ellipse((x + 2, y - 8, x + 20, y + 12), fill=(30, 30, 60))
    d.rectangle((x - 3, y + 8, x + 3, y + 22), fill=(30, 30, 60))


def _card(pips: list[tuple[int, int]], label: str) -> Image.Image:
    im = Image.new("RGB", (W, H), (245, 245, 245))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((4, 4, W - 5, H - 5), radius=18, outline=(30, 30, 60), width=5)
    font = ImageFont.load_default(size=34)
    d.text((18, 14), label, fill=(30, 30, 60), font=font)
    d.text((W - 44, H - 52), label, fill=(30, 30, 60), font=font)
    for x, y in pips:
        _pip(d, x, y)
    return im


def _jpeg(im: Image.Image, scale: float, quality: int) -> Image.Image:
    small = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=quality)
    return Image.open(buf).convert("RGB")


def _verdict(a: Image.Image, b: Image.Image) -> tuple[str, str]:
    v = verify_pair(thumb(np.asarray(a)), thumb(np.asarray(b)))
    return v.verdict, v.description


def test_a_card_with_one_more_pip_is_another_picture_of_its_set() -> None:
    five, six = _card(FIVE, "5"), _card(FIVE + SIX_MORE, "6")
    verdict, words = _verdict(five, six)
    assert verdict == "similar" and "another picture of a set" in words
    assert _verdict(six, five)[0] == "similar"  # either way round
    assert _verdict(_jpeg(five, 0.6, 80), six)[0] == "similar"  # a small JPEG copy of the five too


def test_a_copy_of_a_card_stays_a_copy() -> None:
    five = _card(FIVE, "5")
    assert _verdict(five, _jpeg(five, 0.6, 80))[0] == "same-photo"


def test_an_overlay_on_blank_ground_is_not_taken_for_an_element_of_the_set() -> None:
    """What a copy adds inside the frame on blank ground (words, a logo, two stickers alike) repeats nothing the
    picture already shows: the copy stays a copy."""
    five = _card(FIVE, "5")
    marked = five.copy()
    d = ImageDraw.Draw(marked)
    d.text((112, 150), "© Ann", fill=(200, 30, 30), font=ImageFont.load_default(size=18))  # a watermark
    logo = five.copy()
    ImageDraw.Draw(logo).regular_polygon((150, 262, 16), 5, fill=(20, 120, 40))  # a logo where no pip is
    stickers = five.copy()
    d = ImageDraw.Draw(stickers)
    for x in (120, 180):  # two stickers alike: each repeats the other, not the card
        d.ellipse((x - 12, 248, x + 12, 272), fill=(230, 160, 0))
    for copy in (marked, logo, stickers):
        verdict, words = _verdict(five, copy)
        assert verdict == "same-photo", words


def _club(d: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """A club pip 24 px wide: three leaves and a stem."""
    d.ellipse((x - 6, y - 12, x + 6, y), fill="black")
    d.ellipse((x - 13, y - 6, x - 1, y + 6), fill="black")
    d.ellipse((x + 1, y - 6, x + 13, y + 6), fill="black")
    d.polygon([(x, y), (x - 6, y + 12), (x + 6, y + 12)], fill="black")


def _small_card(pips: list[tuple[int, int]]) -> Image.Image:
    """A card game's small card (142 x 197, as gymnasium's and rlcard's decks ship them) of club pips."""
    im = Image.new("RGB", (142, 197), "white")
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((1, 1, 140, 195), 8, outline=(90, 90, 90), width=2)
    font = ImageFont.load_default(size=18)
    d.text((8, 6), str(len(pips)), fill="black", font=font)
    d.text((122, 171), str(len(pips)), fill="black", font=font)
    for x, y in pips:
        _club(d, x, y)
    return im


CLUBS_FIVE = [(40, 45), (102, 45), (71, 98), (40, 150), (102, 150)]


@pytest.mark.parametrize("pad", [8, 12, 16, 20])
def test_a_small_card_with_a_border_added_is_a_copy_though_its_pips_match_wrongly(pad: int) -> None:
    """Each pip's keypoints match the other pips as well as their own: more wrong matches than right ones, which
    a repeating pattern's look-alike (a chessboard from another pose) has too. But where the right fit leaves the
    aligned pixels the same but for rounding, on a drawing, the wrong matches are its repeated elements' (real
    files: a card 36 wrong of 28 right, a chessboard 33 of 14, both with a border added)."""
    five = _small_card(CLUBS_FIVE)
    framed = ImageOps.expand(five, pad, (255, 255, 255))
    assert _verdict(five, framed)[0] == "same-photo"
    no_leeway = dataclasses.replace(DEFAULT_THRESHOLDS, spotless_outliers=1.0)
    assert verify_pair(thumb(np.asarray(five)), thumb(np.asarray(framed)), no_leeway).verdict != "same-photo"
    six = _small_card([*CLUBS_FIVE[:2], (40, 98), (102, 98), *CLUBS_FIVE[3:]])
    assert _verdict(six, framed)[0] != "same-photo"  # the six is another card, framed or not
