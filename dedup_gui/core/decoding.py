"""One cheap decode per image: draft-mode JPEG, EXIF orientation applied, HEIC via pillow-heif, bomb guard.

Everything later stages need (metadata, the small grey image for hashes, the colour thumbnail for verification and
the review, the CNN input) comes out of this single decode; no stage opens the image again.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import xxhash
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from dedup_gui.core.formats import looks_like_image
from dedup_gui.core.photobox import photo_box
from dedup_gui.core.pixelkey import decoded_pixel_key
from dedup_gui.core.types import ImageInfo, Problem, ProblemKind

log = logging.getLogger("dedup_gui.decoding")

DECODE_VERSION = 5  # bump when anything below changes the decoded output
MAX_PIXELS = 1 << 28  # 268 MP: above any camera; a 20,000 x 20,000 image is refused before decoding
THUMB_SIDE = 256  # long side of the stored colour thumbnail
CNN_SIDE = 224
GRAY_SIDE = 64  # square grey image the perceptual hashes are computed from
UNIFORM_STD = 5.0  # grey-level spread (0-255) under which an image is treated as blank

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = None  # our own guard below runs first, with a clear message

_heif_ready = False


def _register_heif() -> None:
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
            data = fh.read()
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


# Bytes that may follow 0xFF inside a JPEG's entropy-coded data (up to its end-of-image marker): stuffing, fill,
# restart markers, and the tables and headers a progressive or multi-scan file has between its scans.
_SCAN_MARKERS = np.zeros(256, dtype=bool)
_SCAN_MARKERS[[0x00, 0xFF, 0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE, *range(0xD0, 0xD8), *range(0xE0, 0xF0)]] = True


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, marker, end) of each JPEG header segment after the start-of-image marker, fill bytes skipped.

    Stops after the start of scan (marker 0xDA, end = its offset: the rest is entropy-coded data) or at a byte
    where a marker must be and is not (marker -1).
    """
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            yield pos, -1, pos
            return
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xDA:
            yield pos, marker, pos
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        yield pos, marker, pos + 2 + length
        pos += 2 + length


def jpeg_damage_offset(data: bytes) -> int | None:
    """Where a JPEG's compressed data holds a marker that cannot be there, or None.

    Overwritten or spliced data shows up as such markers; libjpeg only warns about them and Pillow decodes the
    picture with garbage from there on, so without this check a damaged photo looks like a good one.
    """
    scan = None
    for pos, marker, _ in _jpeg_segments(data):
        if marker < 0:
            return pos
        if marker == 0xDA:
            scan = pos
    if scan is None:
        return None
    body = np.frombuffer(data, dtype=np.uint8, offset=scan + 2)
    ff = np.flatnonzero(body[:-1] == 0xFF)
    after = body[ff + 1]
    end = np.flatnonzero(after == 0xD9)  # end of image: anything after it (camera extras) is not ours to judge
    if len(end):
        after = after[: end[0]]
    bad = np.flatnonzero(~_SCAN_MARKERS[after])
    return int(scan + 2 + ff[bad[0]]) if len(bad) else None


def jpeg_pixel_key(data: bytes, orientation: int) -> str | None:
    """Hash of a JPEG without its APPn/COM segments: equal for copies that differ only in metadata."""
    if not data.startswith(b"\xff\xd8"):
        return None
    h = xxhash.xxh3_128()
    for pos, marker, end in _jpeg_segments(data):
        if marker < 0:
            return None
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            h.update(data[pos:])
            h.update(struct.pack("<B", orientation))
            return h.hexdigest()
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            h.update(data[pos:end])
    return None


def _exif_facts(img: Image.Image) -> tuple[int, str | None, str | None]:
    """Orientation, date taken (ISO 8601) and camera from EXIF; bad EXIF is ignored, never fatal."""
    try:
        exif = img.getexif()
    except (OSError, ValueError, SyntaxError, struct.error):
        return 1, None, None
    orientation = exif.get(0x0112, 1)
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    raw = None
    try:
        raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    except (OSError, ValueError, KeyError, struct.error):
        raw = exif.get(0x0132)
    taken = None
    if isinstance(raw, str):
        try:
            taken = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            taken = None
    make = str(exif.get(0x010F, "") or "").strip("\x00 ")
    model = str(exif.get(0x0110, "") or "").strip("\x00 ")
    camera = model if model.lower().startswith(make.lower().split(" ")[0]) else f"{make} {model}".strip()
    return orientation, taken, camera or None


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB on white: transparent pixels of a PNG or GIF must not turn black and match every dark photo."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).astype(np.uint8)).convert("RGB")
    return img.convert("RGB") if img.mode != "RGB" else img


def decode(path: str, size: int, *, want_cnn: bool) -> Decoded:
    """Decode one file into what every later stage needs; raises DecodeError with a user-facing reason."""
    data = read_bytes(path, size)
    head = data[:16]
    if head[4:8] == b"ftyp":
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img: Image.Image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        if looks_like_image(head):
            raise DecodeError(ProblemKind.CORRUPT, "damaged image: its format cannot be recognised") from exc
        raise DecodeError(
            ProblemKind.NOT_AN_IMAGE, "not an image (the contents do not match any image format)"
        ) from exc
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {exc}") from exc
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise DecodeError(ProblemKind.TOO_LARGE, f"image too large to check safely ({w} x {h} pixels)")
    fmt = img.format or "unknown"
    if fmt == "JPEG" and (at := jpeg_damage_offset(data)) is not None:
        raise DecodeError(
            ProblemKind.CORRUPT,
            f"damaged image: corrupt picture data from byte {at} on (part of it would show as garbage)",
        )
    orientation, taken, camera = _exif_facts(img)
    if fmt == "JPEG":
        img.draft("RGB", (THUMB_SIDE, CNN_SIDE) if w >= h else (CNN_SIDE, THUMB_SIDE))
    try:
        img.load()
        if fmt != "HEIF":  # pillow-heif hands out pixels already rotated
            img = ImageOps.exif_transpose(img)
        rgb = _to_rgb(img)
    except OSError as exc:
        msg = str(exc)
        if "truncated" in msg or "broken data stream" in msg or "premature end" in msg.lower():
            raise DecodeError(ProblemKind.TRUNCATED, "image file is truncated (incomplete copy or download)") from exc
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {msg}") from exc
    except (ValueError, SyntaxError, struct.error, EOFError, IndexError) as exc:
        raise DecodeError(ProblemKind.CORRUPT, f"damaged image: {exc}") from exc
    if orientation in (5, 6, 7, 8) and fmt != "HEIF":
        w, h = h, w
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
    pixel_key = jpeg_pixel_key(data, orientation) if fmt == "JPEG" else decoded_pixel_key(img)
    info = ImageInfo(width=w, height=h, format=fmt, taken=taken, camera=camera, uniform=uniform)
    return Decoded(path, info, gray, buf.getvalue(), cnn, cnn_inner, pixel_key)


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


def decode_or_problem(path: str, size: int, *, want_cnn: bool) -> Decoded | Problem:
    """The pool-friendly form: a failure is a Problem value, so one bad file never stops a batch."""
    try:
        return decode(path, size, want_cnn=want_cnn)
    except DecodeError as exc:
        return Problem(path, exc.kind, str(exc))
    except MemoryError:
        return Problem(path, ProblemKind.TOO_LARGE, "image too large to decode in the available memory")
    except Exception as exc:
        log.exception("unexpected error decoding %s", path)
        return Problem(path, ProblemKind.CORRUPT, f"could not decode: {type(exc).__name__}: {exc}")
