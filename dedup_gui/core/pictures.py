"""Whole pictures decoded again after the scan, by the scan's decoder and its guards: for the compare view (RGB, at
the size it shows) and for verification's larger look (grey, the cheap way). The scan's own decode, one per image
and small, is in decoding; this one is asked for a picture at a time, by a person or by a pair left open.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from dedup_gui.core import exif as exiftools
from dedup_gui.core import rawfiles
from dedup_gui.core.decoding import (
    JPEG_FORMATS,
    MAX_PIXELS,
    DecodeError,
    checked_jpeg,
    decode_memory,
    fit_within,
    memory_budget,
    past_refused_text,
    read_within_budget,
    refuse_huge_gif,
    register_heif,
    to_rgb,
)
from dedup_gui.core.types import ProblemKind


@dataclass(frozen=True, slots=True)
class Picture:
    """A whole picture as the review shows it: oriented RGB pixels (scaled down only past `max_side`)."""

    path: str
    width: int
    height: int
    rgb: bytes  # 3 bytes per pixel, rows top to bottom, no padding
    full_width: int  # the picture's own size, orientation applied
    full_height: int


def display_picture(path: str, max_side: int) -> Picture:
    """Decode a file for the compare view with the scan's decoder: every format the scan reads (HEIC, AVIF and camera
    RAWs included), EXIF orientation applied, transparency on white, the same bomb and memory guards. Raises
    DecodeError."""
    rgb, full_w, full_h = _upright_picture(path, max_side, gray=False)
    return Picture(path, rgb.width, rgb.height, rgb.tobytes(), full_w, full_h)


def gray_picture(path: str, max_side: int) -> Image.Image:
    """display_picture's pixels in grey ("L"), for verification's larger look, made the cheap way: a JPEG decoded
    straight to its luma (the weights Pillow makes grey from RGB with, so within a level of rounding) and one channel
    resized instead of three. A 12 MP camera JPEG at 768 px: 16 ms against 45 ms as RGB at the old DCT scale
    (bench/larger_decode_cost.py). Raises DecodeError."""
    gray, _, _ = _upright_picture(path, max_side, gray=True)
    return gray


def _upright_picture(path: str, max_side: int, *, gray: bool) -> tuple[Image.Image, int, int]:
    """(RGB or grey pixels upright, long side at most max_side; the picture's own width and height, upright)."""
    try:
        with open(path, "rb") as fh:
            data = read_within_budget(fh)
    except OSError as exc:
        raise DecodeError(ProblemKind.UNREADABLE, f"cannot read: {exc.strerror or exc}") from exc
    return past_refused_text(functools.partial(_upright_from, path, max_side=max_side, gray=gray), data)


# What decoders raise for a file they cannot show (RuntimeError: Pillow's AVIF decoder, see decoding._refused_by_avif)
_CANNOT_SHOW = (
    OSError,
    ValueError,
    SyntaxError,
    struct.error,
    EOFError,
    IndexError,
    UnidentifiedImageError,
    RuntimeError,
)


def _upright_from(path: str, data: bytes, *, max_side: int, gray: bool) -> tuple[Image.Image, int, int]:
    """_upright_picture of a file's bytes, already read."""
    raw_fmt = rawfiles.raw_format(data, os.path.splitext(path)[1])
    if raw_fmt is not None:  # a RAW shows its full-size embedded preview (or a half-size decode), upright
        try:
            pic = rawfiles.read_raw(data, raw_fmt, draft=(max_side, max_side), budget=memory_budget())
        except rawfiles.RawError as exc:
            raise DecodeError(exc.kind, str(exc)) from exc
        return _fitted(to_rgb(pic.rgb), max_side, gray), pic.width, pic.height
    if data[4:8] == b"ftyp":
        register_heif()
    refuse_huge_gif(data)  # the window has no memory ceiling: a crafted GIF would take gigabytes while opening
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise DecodeError(ProblemKind.TOO_LARGE, f"image too large to show ({img.width} x {img.height})")
            fmt = img.format
            orientation = 1 if fmt == "HEIF" else exiftools.image_facts(img)[0]
            full_w, full_h = (img.height, img.width) if orientation in (5, 6, 7, 8) else img.size
            if fmt in JPEG_FORMATS:
                checked_jpeg(data)
                # the smallest DCT scale (1/2, 1/4, 1/8) that still covers the size the picture is shown at: asking
                # max_side for both sides decoded a 4:3 camera photo at 1/2 where 1/4 covers 768 px, and resizing
                # those 3 MP cost more than decoding them. A YCbCr JPEG asked for grey decodes its luma alone.
                img.draft("L" if gray else "RGB", fit_within(img.size, max_side))
            need, budget = decode_memory(img, orientation), memory_budget()
            if need > budget:
                raise DecodeError(ProblemKind.TOO_LARGE, rawfiles.too_large_message(need, budget))
            img.load()
            if fmt != "HEIF":  # pillow-heif hands out pixels already rotated
                img = ImageOps.exif_transpose(img)
            pixels = img if gray and img.mode == "L" else to_rgb(img)
    except _CANNOT_SHOW as exc:
        raise DecodeError(ProblemKind.CORRUPT, f"cannot show this image: {exc}") from exc
    return _fitted(pixels, max_side, gray), full_w, full_h


def _fitted(pixels: Image.Image, max_side: int, gray: bool) -> Image.Image:
    """RGB or grey ("L") pixels, made grey when asked, then scaled down to max_side: grey first, one channel to
    resize."""
    out = pixels.convert("L") if gray and pixels.mode != "L" else pixels
    if max(out.size) > max_side:
        out = out.resize(fit_within(out.size, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return out
