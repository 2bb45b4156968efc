"""The larger look's decode (detail.decode_gray) and the compare view's (pictures.display_picture): the smallest
JPEG DCT scale that covers the size asked for, grey decoded as the luma of what the view shows, and upright."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from dedup_gui.core.detail import DETAIL_SIDE, decode_gray
from dedup_gui.core.pictures import display_picture
from tests.conftest import photo, save_jpeg


@pytest.fixture
def drafted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size each JPEG is decoded at (its size after the real draft)."""
    sizes: list[tuple[int, int]] = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def noted(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None):  # type: ignore[no-untyped-def]
        out = draft(self, mode, size)
        sizes.append(self.size)
        return out

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", noted)
    return sizes


def _rgb(path: Path, side: int) -> Image.Image:
    pic = display_picture(str(path), side)
    return Image.frombytes("RGB", (pic.width, pic.height), pic.rgb)


def _looks_as_shown(path: Path, shape: tuple[int, int]) -> None:
    """The grey larger look of `path` is the compare view's picture made grey, within a level's rounding."""
    gray = decode_gray(str(path), DETAIL_SIDE)
    shown = np.asarray(_rgb(path, DETAIL_SIDE).convert("L"), dtype=np.int16)
    assert gray is not None and gray.shape == shown.shape == shape
    apart = np.abs(gray.astype(np.int16) - shown)
    assert float(apart.mean()) < 0.5
    assert float(np.percentile(apart, 99)) <= 2


def test_a_camera_jpeg_is_decoded_at_a_quarter_for_the_larger_look(tmp_path: Path, drafted: list) -> None:
    """A 4000 x 3000 photo shown at 768 px needs 768 x 576: a quarter (1000 x 750) covers it. Asking 768 of both
    sides decoded it at half (2000 x 1500), four times the pixels to decode and resize."""
    path = save_jpeg(photo("astronaut", (4000, 3000)), tmp_path / "IMG_0001.jpg")
    gray = decode_gray(str(path), DETAIL_SIDE)
    rgb = _rgb(path, DETAIL_SIDE)
    assert drafted == [(1000, 750), (1000, 750)]
    assert gray is not None and gray.shape == (576, 768)
    assert rgb.size == (768, 576)


def test_the_grey_larger_look_is_the_luma_of_what_the_compare_view_shows(tmp_path: Path) -> None:
    """Decoded straight to grey and resized in one channel, the pixels are the view's RGB made grey, within a level's
    rounding: verification judges the picture the person compares."""
    path = save_jpeg(photo("coffee", (3000, 2000)), tmp_path / "coffee.jpg")
    _looks_as_shown(path, (512, 768))


def test_the_grey_larger_look_is_upright_and_shows_transparency_on_white(tmp_path: Path) -> None:
    """A camera photo stored sideways (EXIF orientation 6) comes out as it is displayed, and a transparent part of
    a PNG as white, as in the compare view: not black, which would match every dark photo."""
    img = photo("camera", (1600, 1200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    sideways = save_jpeg(img, tmp_path / "sideways.jpg", exif=exif.tobytes())
    gray = decode_gray(str(sideways), DETAIL_SIDE)
    assert gray is not None and gray.shape == (768, 576)
    upright = np.asarray(img.transpose(Image.Transpose.ROTATE_270).convert("L").resize((576, 768)), dtype=np.int16)
    assert float(np.abs(gray.astype(np.int16) - upright).mean()) < 3

    rgba = photo("astronaut", (1200, 900)).convert("RGBA")
    alpha = np.full((900, 1200), 255, dtype=np.uint8)
    alpha[:, 600:] = 0  # the right half transparent
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(tmp_path / "cut-out.png")
    gray = decode_gray(str(tmp_path / "cut-out.png"), DETAIL_SIDE)
    assert gray is not None and gray.shape == (576, 768)
    assert int(gray[:, 400:].min()) == 255  # the transparent half (from 384 px, clear of the resize's edge)
    assert float(gray[:, :380].mean()) < 200


def _cmyk_jpeg(img: Image.Image, path: Path) -> None:
    img.convert("CMYK").save(path, "JPEG", quality=92)


def _rgb_jpeg(img: Image.Image, path: Path) -> None:
    img.save(path, "JPEG", quality=92, keep_rgb=True)  # stored as RGB, not YCbCr: its decoder makes the grey


def _sixteen_bit_png(img: Image.Image, path: Path) -> None:
    Image.fromarray(np.asarray(img.convert("L"), dtype=np.uint16) * 200).save(path)


def _palette_png_with_transparency(img: Image.Image, path: Path) -> None:
    img.convert("P").save(path, transparency=0)


def _heic(img: Image.Image, path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    img.save(path, "HEIF")


@pytest.mark.parametrize(
    ("name", "save"),
    [
        ("print.jpg", _cmyk_jpeg),
        ("export.jpg", _rgb_jpeg),
        ("scan.png", _sixteen_bit_png),
        ("icon.png", _palette_png_with_transparency),
        ("IMG_0002.heic", _heic),
    ],
)
def test_every_kind_of_picture_looks_the_same_in_grey_as_in_the_compare_view(
    tmp_path: Path, name: str, save: Callable[[Image.Image, Path], None]
) -> None:
    """The grey path converts what is not a YCbCr JPEG the way the view does (CMYK, a JPEG stored as RGB, 16-bit grey, a
    palette with a transparent colour, HEIC), so the larger look judges the same picture in every format."""
    path = tmp_path / name
    save(photo("astronaut", (1200, 900)), path)
    _looks_as_shown(path, (576, 768))
