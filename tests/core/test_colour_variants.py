"""The same picture in other colours (a poker chip of each colour, a balloon, a flake) is another version, not a
copy: in grey the two line up pixel for pixel, and only their hues tell them apart. A copy's colour edits (warm,
cool, sepia, less saturation, grey) stay copies. Real verification on real photos, and the real scan on files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode
from dedup_gui.core.verify import verify_pair
from tests.core.test_verify import sample, thumb


def _hue_turned(img: np.ndarray, degrees: int) -> np.ndarray:
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + degrees // 2) % 180  # OpenCV's hue runs 0..179
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def _toned(img: np.ndarray, matrix: list[list[float]]) -> np.ndarray:
    return np.clip(img.astype(np.float32) @ np.array(matrix, np.float32).T, 0, 255).astype(np.uint8)


SEPIA = [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]
WARM = [[1.15, 0, 0], [0, 1.0, 0], [0, 0, 0.8]]
COOL = [[0.8, 0, 0], [0, 1.0, 0], [0, 0, 1.2]]


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_a_photo_in_other_colours_is_another_version_and_its_colour_edits_stay_copies(name: str) -> None:
    photo = thumb(sample(name))
    other = verify_pair(photo, _hue_turned(photo, 150))
    assert other.verdict == "similar" and other.recoloured
    assert other.description.startswith("the same picture in other colours")
    grey = np.repeat(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    half = cv2.cvtColor(photo, cv2.COLOR_RGB2HSV)
    half[..., 1] //= 2
    edits = {
        "sepia": _toned(photo, SEPIA),
        "warm": _toned(photo, WARM),
        "cool": _toned(photo, COOL),
        "grey": grey,
        "half saturation": cv2.cvtColor(half, cv2.COLOR_HSV2RGB),
        "hue nudged": _hue_turned(photo, 30),
    }
    for what, edited in edits.items():
        v = verify_pair(photo, edited)
        assert (v.verdict, v.recoloured) == ("same-photo", False), what


def test_a_photo_with_a_part_in_other_colours_is_another_version_and_a_coloured_watermark_a_copy() -> None:
    """A part in other colours (a sprite's lights frame to frame, a shirt of another colour) makes another version,
    though the rest agrees; a coloured mark added on top (a watermark) leaves a copy."""
    photo = thumb(sample("chelsea"))
    h, w = photo.shape[:2]
    part = photo.copy()
    y, x = h // 3, w // 3
    part[y : y + h // 4, x : x + w // 4] = _hue_turned(photo[y : y + h // 4, x : x + w // 4], 150)  # 1/16 of it
    other = verify_pair(photo, part)
    assert other.verdict == "similar" and other.recoloured
    for size in (22, 40):  # a bold mark differs in hue over 2.5 % of the picture, and in grey over more
        marked = Image.fromarray(photo)
        ImageDraw.Draw(marked).text((w // 4, h // 2), "(c) Ann 2024", fill=(40, 90, 230), font_size=size)
        v = verify_pair(photo, np.asarray(marked))
        assert (v.verdict, v.recoloured) == ("same-photo", False), size


@pytest.mark.parametrize("turns", [1, 2])
def test_a_turned_copy_of_a_picture_in_colour_bands_stays_a_copy(turns: int) -> None:
    """Bands of far-apart hues side by side (a contour map in a rainbow palette) must be lined up to the pixel
    centre: half a pixel off at the colour maps' size, turned, lays each band beside the next, and 3-8 % of the
    picture read as in other colours."""
    grey = cv2.cvtColor(np.ascontiguousarray(sample("astronaut")), cv2.COLOR_RGB2GRAY)
    bands = cv2.applyColorMap(((grey // 32) * 32).astype(np.uint8), cv2.COLORMAP_JET)
    banded = thumb(cv2.cvtColor(bands, cv2.COLOR_BGR2RGB))
    v = verify_pair(banded, np.ascontiguousarray(np.rot90(banded, turns)))
    assert (v.verdict, v.recoloured, v.rotation) == ("same-photo", False, 90 * turns)


def _chip(body: tuple[int, int, int]) -> Image.Image:
    """A 45 x 32 poker chip as a game ships its pieces: a disc of one colour with white notches and a ring."""
    im = Image.new("RGB", (45, 32), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.ellipse((6, 1, 38, 30), fill=body, outline=(40, 40, 40))
    for x0, y0, x1, y1 in ((20, 1, 24, 6), (20, 25, 24, 30), (6, 14, 11, 17), (33, 14, 38, 17)):
        d.rectangle((x0, y0, x1, y1), fill=(250, 250, 250))
    d.ellipse((14, 8, 30, 23), outline=(250, 250, 250), width=2)
    return im


def test_chips_of_other_colours_are_not_grouped_while_their_copies_are(tmp_path: Path) -> None:
    """Tiny pictures are grouped with a copy of the anchor without being compared with each other (too small to
    judge), and near-identical hashes of them are no proof in colour: neither lets a red chip and a blue one into
    one group, beside a white one that both are copies of in grey."""
    root = tmp_path / "pieces"
    root.mkdir()
    colours = {"red": (200, 30, 40), "blue": (30, 60, 200), "green": (30, 170, 60), "white": (235, 235, 235)}
    for name, body in colours.items():
        _chip(body).save(root / f"chip_{name}.png")
    _chip(colours["red"]).save(root / "red_copy.jpg", quality=90)
    _chip(colours["blue"]).save(root / "blue_copy.bmp")  # the same pixels in another format
    result = run_scan(ScanConfig(roots=(root,), mode=Mode.NEAR, workers=1), store=Store(tmp_path / "s.db"))
    groups = [sorted(Path(p).name for p in g.paths) for g in result.groups]
    for group in groups:
        coloured = {n for n in colours if n != "white" and any(n in f for f in group)}
        assert len(coloured) <= 1, groups
    assert any({"chip_red.png", "red_copy.jpg"} <= set(g) for g in groups), groups
    assert any({"chip_blue.png", "blue_copy.bmp"} <= set(g) for g in groups), groups


@pytest.mark.parametrize(("mode", "embeddings"), [(Mode.NEAR, True), (Mode.SIMILAR, True), (Mode.NEAR, False)])
def test_a_photo_in_other_colours_is_grouped_as_another_version_only(
    tmp_path: Path, mode: Mode, embeddings: bool
) -> None:
    """Near-identical hashes (grey) prove no copy of a photo in other colours: it is verified, and found another
    version, so only the mode that groups other versions puts it with the photo and its copy."""
    root = tmp_path / "photos"
    root.mkdir()
    cat = sample("chelsea")
    Image.fromarray(cat).save(root / "cat.png")
    Image.fromarray(cat).save(root / "cat_copy.jpg", quality=85)
    Image.fromarray(_hue_turned(cat, 150)).save(root / "cat_in_other_colours.png")
    config = ScanConfig(roots=(root,), mode=mode, workers=1, embeddings=embeddings)  # False: hashes alone
    result = run_scan(config, store=Store(tmp_path / "s.db"))
    groups = [sorted(Path(p).name for p in g.paths) for g in result.groups]
    if mode is Mode.NEAR:
        assert groups == [["cat.png", "cat_copy.jpg"]]
    else:
        assert groups == [["cat.png", "cat_copy.jpg", "cat_in_other_colours.png"]]
