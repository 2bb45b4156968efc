"""Where a photo sits inside a larger picture: desktop windows with chrome, phone screens, borders; ordinary
photos get no box; and the real scan groups a photo with a desktop screenshot that shows it. Generated
screenshots with real photos inside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.decoding import fit_within
from dedup_gui.core.photobox import photo_box
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, Tier


def sample(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))


def desktop(photo: Image.Image, size: tuple[int, int] = (1366, 768), dark: bool = True) -> tuple[Image.Image, tuple]:
    """A viewer window filling a desktop screen: title bar, toolbar with icons, a flat canvas, a status bar with
    coloured buttons, the photo in the middle. Returns the screenshot and the photo's box in it."""
    w, h = size
    canvas = (45, 49, 58) if dark else (226, 226, 226)
    shot = Image.new("RGB", size, canvas)
    d = ImageDraw.Draw(shot)
    d.rectangle((0, 0, w, 28), fill=(60, 60, 64))
    for k, c in enumerate(((237, 94, 88), (247, 190, 70), (90, 200, 90))):
        d.ellipse((10 + 22 * k, 8, 22 + 22 * k, 20), fill=c)
    d.text((w // 2 - 60, 8), "IMG_0420.JPG - Viewer", fill=(220, 220, 220))
    d.rectangle((0, 28, w, 64), fill=(80, 82, 88))
    for k in range(12):
        d.rectangle((14 + 34 * k, 38, 36 + 34 * k, 56), fill=(150, 150, 155))
    d.rectangle((0, h - 30, w, h), fill=(28, 30, 36))
    for k in range(6):
        d.rectangle((w // 2 - 90 + 30 * k, h - 22, w // 2 - 72 + 30 * k, h - 8), fill=(70 + 30 * k, 110, 200 - 20 * k))
    room = (w, h - 64 - 30 - 40)
    pw, ph = fit_within(photo.size, min(room))
    scaled = photo.resize((pw, ph), Image.Resampling.LANCZOS)
    x, y = (w - pw) // 2, 64 + 20 + (room[1] - ph) // 2
    shot.paste(scaled, (x, y))
    return shot, (x, y, x + pw, y + ph)


def thumb_gray(img: Image.Image) -> np.ndarray:
    t = img.resize(fit_within(img.size, 256), Image.Resampling.BILINEAR)
    return np.asarray(t.convert("L"), dtype=np.float32)


@pytest.mark.parametrize("dark", [True, False])
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_photo_in_a_desktop_window_is_boxed(name: str, dark: bool) -> None:
    photo = sample(name)
    if name == "chelsea":
        photo = photo.crop((100, 0, 380, 300))  # portrait: a quarter of the screen's width
    shot, (x0, y0, x1, y1) = desktop(photo, dark=dark)
    box = photo_box(thumb_gray(shot))
    assert box is not None
    f = 256 / shot.width
    for got, want in zip(box, (x0 * f, y0 * f, x1 * f, y1 * f), strict=True):
        assert abs(got - want) <= 4  # thumbnail pixels


def test_photo_on_a_phone_screen_is_boxed() -> None:
    photo = sample("astronaut").resize((1080, 1080))
    shot = Image.new("RGB", (1080, 2340), (250, 250, 250))
    d = ImageDraw.Draw(shot)
    d.rectangle((0, 0, 1080, 90), fill=(240, 240, 240))
    d.text((40, 30), "10:42", fill=(0, 0, 0))
    shot.paste(photo, (0, 630))
    box = photo_box(thumb_gray(shot))
    assert box is not None
    f = 256 / shot.height
    assert abs(box[1] - 630 * f) <= 3 and abs(box[3] - 1710 * f) <= 3


@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket"])
def test_photo_on_a_blurred_fill_is_boxed(name: str) -> None:
    """A landscape photo posted as a portrait story: the gaps above and below filled with the photo blown up and
    blurred. The fill has the photo's colours and large shapes; only its lack of fine detail gives it away."""
    from PIL import ImageFilter

    photo = sample(name).resize((1080, 720), Image.Resampling.LANCZOS)
    fill = photo.resize((2880, 1920), Image.Resampling.BICUBIC).crop((900, 0, 1980, 1920))
    shot = fill.filter(ImageFilter.GaussianBlur(40)).resize((1080, 1920))
    shot.paste(photo, (0, 600))
    box = photo_box(thumb_gray(shot))
    assert box is not None
    f = 256 / shot.height
    assert abs(box[1] - 600 * f) <= 4 and abs(box[3] - 1320 * f) <= 4


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0)])
@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_a_photo_framed_all_round_is_boxed_on_all_four_sides(name: str, colour: tuple[int, int, int]) -> None:
    """A white or black border on every side: the bands above and below hold no fine detail, as a blurred fill's
    do, but so do the bands beside the photo. It is a frame, and the box leaves out its sides too (the picture
    inside, embedded for the search, would otherwise carry two bars of frame)."""
    from PIL import ImageOps

    photo = sample(name)
    pad = round(max(photo.size) * 0.08)
    framed = ImageOps.expand(photo, border=pad, fill=colour)
    box = photo_box(thumb_gray(framed))
    assert box is not None
    f = 256 / framed.width
    want = (pad * f, pad * f, (pad + photo.width) * f, (pad + photo.height) * f)
    for got, edge in zip(box, want, strict=True):
        assert abs(got - edge) <= 3  # thumbnail pixels


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_ordinary_photos_get_no_box(name: str) -> None:
    assert photo_box(thumb_gray(sample(name))) is None


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("screens")
    photo = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS).crop((150, 0, 1050, 1200))
    files = {
        "photo": photo,
        "screen": desktop(photo, (1366, 768), dark=True)[0],
        "other": sample("coffee"),
        "other_screen": desktop(sample("chelsea"), (1366, 768), dark=True)[0],
    }
    paths = {}
    for name, img in files.items():
        paths[name] = root / (f"{name}.png" if "screen" in name else f"{name}.jpg")
        img.save(paths[name])
    return paths


def test_photo_inside_a_desktop_screenshot_is_found(library: dict[str, Path], tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    try:
        result = run_scan(ScanConfig(roots=(library["photo"].parent,), mode=Mode.NEAR, workers=2), store=store)
    finally:
        store.close()
    group = next(g for g in result.groups if str(library["photo"]) in g.paths)
    assert str(library["screen"]) in group.paths
    assert str(library["other_screen"]) not in group.paths and str(library["other"]) not in group.paths
    member = next(m for m in group.members if m.evidence is not None)
    assert member.evidence is not None and member.evidence.tier is Tier.SAME_PHOTO
