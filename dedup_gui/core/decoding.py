"""One cheap decode per image: draft-mode JPEG, EXIF orientation applied, HEIC via pillow-heif, camera RAW via
LibRaw, and a memory estimate from the header checked before any pixel is decoded.

Everything later stages need (metadata, the small grey image for hashes, the colour thumbnail for verification and
the review, the CNN input) comes out of this single decode; no stage opens the image again. Whole pictures for the
compare view and verification's larger look are decoded by `pictures`, with the helpers and guards kept here.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, NoReturn, TypeVar

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from dedup_gui.core import bytechecks, heifitems, jpegpixels, machine, pngtext, rawfiles, undecodable
from dedup_gui.core import exif as exiftools
from dedup_gui.core.formats import looks_like_image
from dedup_gui.core.photobox import photo_box
from dedup_gui.core.pixelkey import decoded_pixel_key
from dedup_gui.core.tones import BLANK_SPREAD, grey_spread, tone_mass
from dedup_gui.core.types import ImageInfo, Problem, ProblemKind

log = logging.getLogger("dedup_gui.decoding")
T = TypeVar("T")

DECODE_VERSION = 8  # bump when anything below changes the decoded output (4: RAW, memory guard, zero runs;
# 5: the photo box and any-format pixel keys; 6: both; 7: photos on a blurred fill found by their fine detail;
# 8: a frame all round is no blurred fill)
MAX_PIXELS = 1 << 28  # 268 MP: above any camera; a 20,000 x 20,000 image is refused before decoding
THUMB_SIDE = 256  # long side of the stored colour thumbnail
CNN_SIDE = 224
GRAY_SIDE = 64  # square grey image the perceptual hashes are computed from
UNIFORM_STD = 5.0  # grey-level spread (0-255) under which an image is treated as blank
# A JPEG that carries more pictures after its own (a camera's large preview, a phone's Ultra HDR gain map, a 3D
# pair) in a Multi-Picture index is what Pillow calls an MPO: its first picture is an ordinary JPEG, and it decodes
# in draft mode and is checked for damage as one (whole, a 12 MP one took 83 ms against 30 ms).
JPEG_FORMATS = ("JPEG", "MPO")

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = None  # our own guard below runs first, with a clear message

_heif_ready = False
_memory_budget: int | None = None  # bytes one decode may use; set per worker process by set_memory_budget


def register_heif() -> None:
    global _heif_ready
    if not _heif_ready:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_ready = True


@dataclass(frozen=True, slots=True)
class Decoded:
    """The small images and facts produced by one decode; picklable so it crosses the process pool."""

    path: str
    info: ImageInfo
    gray: np.ndarray  # uint8 (GRAY_SIDE, GRAY_SIDE), squashed to a square
    thumb_jpeg: bytes  # colour thumbnail, long side THUMB_SIDE
    cnn: np.ndarray | None  # uint8 (CNN_SIDE, CNN_SIDE, 3) RGB, squashed; None unless asked for
    cnn_inner: np.ndarray | None  # the same for the photo inside a frame (screenshot, border), if one is seen
    pixel_key: str | None  # same key = same displayed pixels (JPEG: scan data + orientation; lossless formats:
    # the decoded pixels, so a PNG and a TIFF of the same pixels share it)


class DecodeError(Exception):
    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def read_bytes(path: str, expected_size: int) -> bytes:
    """Read the whole file once; a size that differs from the walk's means the file changed under us."""
    try:
        with open(path, "rb") as fh:
            data = read_within_budget(fh)
    except FileNotFoundError as exc:
        raise DecodeError(ProblemKind.VANISHED, "file disappeared during the scan") from exc
    except PermissionError as exc:
        raise DecodeError(ProblemKind.UNREADABLE, "cannot read: permission denied") from exc
    except OSError as exc:
        raise DecodeError(ProblemKind.UNREADABLE, f"cannot read: {exc.strerror}") from exc
    if not data:
        raise DecodeError(ProblemKind.EMPTY, "empty file (0 bytes)")
    if len(data) != expected_size:
        raise DecodeError(ProblemKind.CHANGED, "file changed during the scan")
    return data


def read_within_budget(fh: BinaryIO) -> bytes:
    """Every byte of an open file, refused before reading when the file alone is more than one decode may use.

    A file named like a photo can be anything: a 6 GB video or disk image called .jpg was read whole, and the
    MemoryError that followed ended the scan. A photo that large (268 MP, 16-bit, uncompressed is 2 GB) could not
    be decoded within the budget anyway.
    """
    size, budget = os.fstat(fh.fileno()).st_size, memory_budget()
    if size > budget:
        raise DecodeError(ProblemKind.TOO_LARGE, _too_large_file_message(size, budget))
    try:
        return fh.read()
    except MemoryError as exc:
        raise DecodeError(ProblemKind.TOO_LARGE, _too_large_file_message(size, budget)) from exc


def _too_large_file_message(size: int, budget: int) -> str:
    return (
        f"file too large to check safely: {size / 1e9:.1f} GB, more than this computer allows for one image "
        f"({budget / 1e9:.1f} GB)"
    )


def checked_jpeg(data: bytes) -> bytechecks.JpegCheck:
    """The JPEG's byte check; raises CORRUPT, before it is decoded, for more scans than any camera or editor writes
    (bytechecks.MAX_SCANS): each scan is a pass over the whole picture, and thousands of them take minutes."""
    check = bytechecks.check_jpeg(data)
    if check.scans > bytechecks.MAX_SCANS:
        raise DecodeError(
            ProblemKind.CORRUPT,
            f"damaged or crafted image: {check.scans:,} scans of picture data where cameras and editors write a few; "
            "decoding it would take minutes",
        )
    return check


def refuse_huge_gif(data: bytes) -> None:
    """TOO_LARGE for a GIF whose first frame's canvas is over MAX_PIXELS, before Pillow allocates and fills it."""
    canvas = bytechecks.gif_canvas(data)
    if canvas is not None and canvas[0] * canvas[1] > MAX_PIXELS:
        raise DecodeError(ProblemKind.TOO_LARGE, f"image too large to check safely ({canvas[0]} x {canvas[1]} pixels)")


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB on white: transparent pixels of a PNG or GIF must not turn black and match every dark photo. But a light
    picture on transparency (a white icon made for a dark theme or a game's button prompts) vanishes on white and
    would read as a blank page like every other: it is laid on black, where it shows as it does where it is used."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")
        on_white = _laid_on(rgba, (255, 255, 255))
        if grey_spread(on_white) > BLANK_SPREAD:
            return on_white
        on_black = _laid_on(rgba, (0, 0, 0))
        return on_black if grey_spread(on_black) > BLANK_SPREAD else on_white
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).astype(np.uint8)).convert("RGB")
    return img.convert("RGB") if img.mode != "RGB" else img


def _laid_on(rgba: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    canvas = Image.new("RGB", rgba.size, colour)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def memory_budget() -> int:
    """Bytes one decode may use: set for each worker process, else this machine's share for a single decoder."""
    return _memory_budget if _memory_budget is not None else machine.decode_budget(1)


def set_memory_budget(budget: int | None) -> None:
    global _memory_budget
    _memory_budget = budget


# Bytes per pixel Pillow stores for a mode (4 for every multi-band mode).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_ALPHA_MODES = ("RGBA", "LA", "PA", "La", "RGBa")


def decode_memory(img: Image.Image, orientation: int) -> int:
    """Peak bytes decode() needs for an opened (drafted) image, from its header alone.

    The decoded pixels, the rotated copy, and the conversion to RGB (transparency: an RGBA copy, a white canvas
    and the alpha channel; 16-bit: float, 8-bit and RGB copies). Measured peaks over the process before
    (ru_maxrss, 4000 x 4000 PNGs): RGBA 9.1, P with transparency 10.1, RGB 4.4, L 5.1, 16-bit grey 19.1 bytes per
    pixel; the estimate is within 0.4 of each.
    """
    w, h = img.size
    base = _MODE_BYTES.get(img.mode, 4)
    per = base * (2 if orientation != 1 else 1)
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        per += (0 if img.mode == "RGBA" else 4) + 4 + 1
    elif img.mode.startswith("I"):
        per += 17
    elif img.mode != "RGB":
        per += 4
    if img.format in ("HEIF", "AVIF"):
        per += 4  # the codec's own output buffer (measured: 12 MP HEIC 7.8 bytes per pixel)
    elif img.format == "WEBP":
        per += 12  # libwebp decodes to RGBA, then a copy (measured: 12 MP WebP 15.4 bytes per pixel)
    return w * h * per


def _open_upright(path: str, data: bytes) -> tuple[Image.Image, int, int, str, int, str | None, str | None, str | None]:
    """(RGB pixels upright, width and height as displayed, format, EXIF orientation, date taken, camera, pixel key).

    JPEGs come out draft-reduced, RAWs as their preview or half size; everything else at full size, once the
    memory it needs is known to fit. The pixel key is equal for files that display the same pixels (a JPEG's from
    its compressed data; a lossless picture's from every decoded pixel; none for a RAW).
    """
    head = data[:16]
    raw_fmt = rawfiles.raw_format(data, os.path.splitext(path)[1])
    if raw_fmt is not None:
        try:
            pic = rawfiles.read_raw(data, raw_fmt, draft=(THUMB_SIDE, CNN_SIDE), budget=memory_budget())
        except rawfiles.RawError as exc:
            raise DecodeError(exc.kind, str(exc)) from exc
        return pic.rgb, pic.width, pic.height, raw_fmt, 1, pic.taken, pic.camera, None
    if head[4:8] == b"ftyp":
        register_heif()
    img = _opened(data)
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise DecodeError(ProblemKind.TOO_LARGE, f"image too large to check safely ({w} x {h} pixels)")
    fmt = img.format or "unknown"
    jpeg = _checked_bytes(data, fmt)
    # Pillow reads a PNG's pixels to look for EXIF stored after them, and the facts swallow a read error: a PNG's
    # facts wait until its pixels are read below, after the memory guard and where a damaged stream is reported
    late_facts = fmt == "PNG" and "exif" not in img.info
    orientation, taken, camera = (1, None, None) if late_facts else exiftools.image_facts(img)
    # A JPEG decodes at the smallest DCT scale that covers the small images. A HEIC decodes from the thumbnail its
    # camera embedded (a phone's 320 x 240) when pillow-heif finds it a scaled copy of the picture that large (same
    # aspect, crop, rotation and colour profile): a 12 MP HEIC took 317 ms to decode whole here, its thumbnail 6 ms.
    previewed = False
    if jpeg is not None or fmt == "HEIF":
        try:
            drafted = img.draft("RGB", (THUMB_SIDE, CNN_SIDE) if w >= h else (CNN_SIDE, THUMB_SIDE))
        except OSError:  # the thumbnail cannot be read (a file cut short): the picture says what is wrong, if anything
            img, drafted = Image.open(io.BytesIO(data)), None
        previewed = fmt == "HEIF" and drafted is not None
    need, budget = decode_memory(img, orientation), memory_budget()
    if need > budget:
        raise DecodeError(ProblemKind.TOO_LARGE, rawfiles.too_large_message(need, budget))
    try:
        if jpeg is None or not _heard_jpeg(img, data):
            img.load()
        if late_facts:
            orientation, taken, camera = exiftools.image_facts(img)
        if fmt != "HEIF":  # pillow-heif hands out pixels already rotated
            ImageOps.exif_transpose(img, in_place=True)  # in place: no copy of an upright image
        # an embedded thumbnail's pixels say nothing certain of the picture's: an edit may have kept it
        if jpeg is not None:
            pixel_key = bytechecks.jpeg_pixel_key(data, jpeg.end, orientation)
        else:
            pixel_key = None if previewed else decoded_pixel_key(_all_frames_readable(img))
        rgb = to_rgb(img)
    except OSError as exc:
        msg = str(exc)
        _if_truncated(exc)
        if "broken data stream" in msg:  # what Pillow says of compressed data its decoder cannot read
            raise DecodeError(
                ProblemKind.CORRUPT, "its picture data cannot be read (damaged, or a kind this version cannot decode)"
            ) from exc
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {msg}") from exc
    except (ValueError, SyntaxError, struct.error, EOFError, IndexError) as exc:
        _if_truncated(exc)
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {exc}") from exc
    except RuntimeError as exc:
        _refused_by_avif(exc, fmt == "AVIF")
    if orientation in (5, 6, 7, 8) and fmt != "HEIF":
        w, h = h, w
    return rgb, w, h, fmt, orientation, taken, camera, pixel_key


def _opened(data: bytes) -> Image.Image:
    """Pillow's image of the file, its header read and its pixels not yet; the reason it cannot be opened raised."""
    head = data[:16]
    refuse_huge_gif(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        if (why := undecodable.reason(data)) is not None:
            raise DecodeError(ProblemKind.UNSUPPORTED, why) from exc
        if looks_like_image(head):
            raise DecodeError(ProblemKind.CORRUPT, _UNREADABLE) from exc
        raise DecodeError(
            ProblemKind.NOT_AN_IMAGE, "not an image (the contents do not match any image format)"
        ) from exc
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        _if_truncated(exc)
        if (why := undecodable.reason(data, str(exc))) is not None:
            raise DecodeError(ProblemKind.UNSUPPORTED, why) from exc
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {exc}") from exc
    except RuntimeError as exc:
        _refused_by_avif(exc, head[4:8] == b"ftyp")


def _checked_bytes(data: bytes, fmt: str) -> bytechecks.JpegCheck | None:
    """What the bytes of a file of format `fmt` say before it is decoded (bytechecks, heifitems): the problem raised,
    else a JPEG's check (None for other formats)."""
    if fmt in ("HEIF", "AVIF") and heifitems.cut_short(data):
        # libheif decodes some HEICs cut short without a word (the last tiles' data missing), and a thumbnail or the
        # first tiles may lie before the cut: an interrupted copy from a phone must not pass for a whole one
        raise DecodeError(ProblemKind.TRUNCATED, _TRUNCATED)
    if fmt in ("HEIF", "AVIF") and (why := heifitems.missing_data(data)) is not None:
        # a HEIC decodes from its embedded thumbnail: a main picture whose data is not in the file would pass
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {why}")
    jpeg = checked_jpeg(data) if fmt in JPEG_FORMATS else None
    if jpeg is not None and jpeg.damage_at is not None:
        raise DecodeError(
            ProblemKind.CORRUPT,
            f"damaged image: corrupt picture data from byte {jpeg.damage_at} on (part of it would show as garbage)",
        )
    return jpeg


def _all_frames_readable(img: Image.Image) -> Image.Image:
    """`img`, once its pages or frames could be counted; CORRUPT when they cannot. Pillow counts a TIFF's pages or a
    GIF's frames by reading each one's header: a multi-page TIFF whose second page's tags are damaged decoded its
    first page as if the file were whole, then failed with a TypeError or KeyError ("could not decode")."""
    try:
        getattr(img, "n_frames", 1)
    except (TypeError, KeyError, OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        raise DecodeError(
            ProblemKind.CORRUPT, f"damaged image: its later pages or frames cannot be read ({exc!r})"
        ) from exc
    return img


_UNREADABLE = "cannot be read: a damaged image, or a kind of its format this version cannot read"


def _refused_by_avif(exc: RuntimeError, avif: bool) -> NoReturn:
    """Pillow's AVIF decoder refuses a file with a RuntimeError ("Failed to decode frame 0: Decoding of color planes
    failed"): damaged data, or a kind of AVIF its libavif cannot read. Anything else raising it is not a file's
    problem, and goes on up."""
    if not avif:
        raise exc
    raise DecodeError(ProblemKind.CORRUPT, f"{_UNREADABLE} ({exc})") from exc


def _heard_jpeg(img: Image.Image, data: bytes) -> bool:
    """jpegpixels.load_strict, its damage raised as the scan's problem."""
    if not isinstance(img, ImageFile.ImageFile):
        return False
    try:
        return jpegpixels.load_strict(img, data)
    except jpegpixels.DataErrors as exc:
        if exc.truncated:
            raise DecodeError(ProblemKind.TRUNCATED, _TRUNCATED) from exc
        raise DecodeError(
            ProblemKind.CORRUPT, f"damaged image: errors in its picture data that the decoder had to cover up ({exc})"
        ) from exc


# How decoders say that a file ends before its picture does (Pillow, libjpeg, libheif through pillow-heif, LibRaw)
ENDS_EARLY = ("truncated", "premature end", "unexpected end of file")
_TRUNCATED = "image file is truncated (incomplete copy or download)"


def past_refused_text(read: Callable[[bytes], T], data: bytes) -> T:
    """read(data), or read of the PNG without its text and profile chunks when those alone made the decoder refuse
    it (see pngtext)."""
    try:
        return read(data)
    except DecodeError as exc:
        plain = pngtext.without_text(data) if pngtext.refused_for_text(str(exc)) else None
        if plain is None:
            raise
        return read(plain)


def _if_truncated(exc: Exception) -> None:
    """Raise TRUNCATED when the decoder's words say the file ends early."""
    if any(words in str(exc).lower() for words in ENDS_EARLY):
        raise DecodeError(ProblemKind.TRUNCATED, _TRUNCATED) from exc


def decode(path: str, size: int, *, want_cnn: bool) -> Decoded:
    """Decode one file into what every later stage needs; raises DecodeError with a user-facing reason."""
    return decode_data(path, read_bytes(path, size), want_cnn=want_cnn)


def decode_data(path: str, data: bytes, *, want_cnn: bool) -> Decoded:
    """decode() of a file's bytes, already read."""
    rgb, w, h, fmt, _, taken, camera, pixel_key = past_refused_text(functools.partial(_open_upright, path), data)
    work = working_image(rgb)
    thumb = work.resize(fit_within(rgb.size, THUMB_SIDE), Image.Resampling.BILINEAR)
    gray = np.asarray(thumb.convert("L").resize((GRAY_SIDE, GRAY_SIDE), Image.Resampling.BILINEAR), dtype=np.uint8)
    uniform = float(gray.std()) < UNIFORM_STD
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=88)
    cnn = cnn_inner = None
    if want_cnn:
        cnn = np.asarray(work.resize((CNN_SIDE, CNN_SIDE), Image.Resampling.BILINEAR), dtype=np.uint8)
        box = photo_box(np.asarray(thumb.convert("L"), dtype=np.float32))
        if box is not None:
            sx, sy = work.width / thumb.width, work.height / thumb.height
            inner = work.crop((int(box[0] * sx), int(box[1] * sy), int(box[2] * sx), int(box[3] * sy)))
            cnn_inner = np.asarray(inner.resize((CNN_SIDE, CNN_SIDE), Image.Resampling.BILINEAR), dtype=np.uint8)
    tones = tone_mass(_every_other(np.asarray(work.convert("L"), dtype=np.uint8)))
    info = ImageInfo(width=w, height=h, format=fmt, taken=taken, camera=camera, uniform=uniform, tones=tones)
    return Decoded(path, info, gray, buf.getvalue(), cnn, cnn_inner, pixel_key)


# Above this many pixels a tone count reads every other row and column: the same shares within sampling noise, at a
# quarter of the cost (1.5 ms of a camera photo's 1024 x 768 working image, against a decode of 30-50 ms).
_TONES_SAMPLED = 1 << 19


def _every_other(gray: np.ndarray) -> np.ndarray:
    """`gray`, or every other row and column of it when it is large (see _TONES_SAMPLED)."""
    return gray[::2, ::2] if gray.size > _TONES_SAMPLED else gray


def fit_within(size: tuple[int, int], side: int) -> tuple[int, int]:
    """Size scaled down (never up) so the long side is at most `side`, aspect kept."""
    w, h = size
    f = min(1.0, side / max(w, h))
    return max(1, round(w * f)), max(1, round(h * f))


def working_image(rgb: Image.Image) -> Image.Image:
    """A box-reduced copy still at least twice the size of every small image made from it (or rgb itself).

    Resampling a full-size PNG, HEIC or WebP three times cost more than decoding it; one integer reduce() first
    makes the later resizes cheap while the 2x margin keeps their antialiasing as good as from the original.
    """
    need_long, need_short = 2 * THUMB_SIDE, 2 * CNN_SIDE
    long, short = max(rgb.size), min(rgb.size)
    factor = min(long // need_long, short // need_short)
    return rgb.reduce(factor) if factor >= 2 else rgb


def decode_or_problem(path: str, size: int, *, want_cnn: bool, data: bytes | None = None) -> Decoded | Problem:
    """The pool-friendly form: a failure is a Problem value, so one bad file never stops a batch."""
    try:
        return decode_data(path, read_bytes(path, size) if data is None else data, want_cnn=want_cnn)
    except DecodeError as exc:
        return Problem(path, exc.kind, str(exc))
    except MemoryError:
        return Problem(
            path, ProblemKind.TOO_LARGE, "image too large to decode in the memory this computer allows for one image"
        )
    except NotImplementedError as exc:  # a variant of its format the decoder says it does not implement
        return Problem(path, ProblemKind.UNSUPPORTED, f"a kind of image this version cannot decode ({exc})")
    except Exception as exc:
        log.exception("unexpected error decoding %s", path)
        return Problem(path, ProblemKind.CORRUPT, f"could not decode: {type(exc).__name__}: {exc}")
