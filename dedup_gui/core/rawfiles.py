"""Camera RAW originals (DNG, NEF, CR2, CR3, ARW, RAF, ORF, RW2, ...): recognised by content, read with LibRaw.

Pillow opens a TIFF-based RAW as its first IFD, a 160-256 px thumbnail, so a RAW looked smaller than its own
JPEG rendering and was proposed for the trash. Here a RAW gives its camera's embedded preview (fast; most cameras
store one at full size) or, without a usable preview, a half-size demosaic; the size reported is always the
sensor's, as displayed.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image

from dedup_gui.core import exif as exiftools
from dedup_gui.core.formats import RAW_EXTENSIONS
from dedup_gui.core.types import ProblemKind

PREVIEW_MIN_SIDE = 1000  # an embedded preview this long (2x the 512 px working image, with margin) is used as is
PREVIEW_ASPECT_TOLERANCE = 0.03  # a preview of another shape is a different crop (letterboxed, 16:9): not used
HALF_SIZE_BYTES_PER_PIXEL = 6  # sensor pixel: 2 B of raw data + a quarter of 8 B demosaic buffer + 8-bit output

# LibRaw flip -> the transpose that shows the picture upright (0 none, 3 180, 5 90 CCW, 6 90 CW)
_FLIPS = {
    1: Image.Transpose.FLIP_LEFT_RIGHT,
    2: Image.Transpose.FLIP_TOP_BOTTOM,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.TRANSPOSE,
    5: Image.Transpose.ROTATE_90,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
}
# TIFF-based RAWs without a signature of their own, named by their maker when the extension does not say
_MAKERS = {
    "NIKON": "NEF",
    "SONY": "ARW",
    "PENTAX": "PEF",
    "RICOH": "PEF",
    "SAMSUNG": "SRW",
    "HASSELBLAD": "3FR",
    "EPSON": "ERF",
    "KODAK": "DCR",
    "MAMIYA": "MEF",
    "LEAF": "MOS",
    "PHASE ONE": "IIQ",
    "CANON": "CR2",
}
_CFA_PHOTOMETRICS = (32803, 34892)  # colour filter array, linear raw
_TIFF_TYPES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


class RawError(Exception):
    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class RawPicture:
    """What the scan needs from a RAW: the picture upright (preview or half size) and the sensor's true size."""

    rgb: Image.Image
    width: int  # sensor size as displayed (orientation applied)
    height: int
    taken: str | None
    camera: str | None
    from_preview: bool


@dataclass(slots=True)
class _TiffFacts:
    dng: bool = False
    cfa: bool = False
    make: str = ""
    data_end: int = 0  # where the raw image data of the CFA IFD ends


def raw_format(data: bytes, ext: str) -> str | None:
    """The RAW format of a file ("DNG", "NEF", "CR3", ...) by its content, else by its extension; None if not RAW.

    A plain TIFF, JPEG or HEIC is never called RAW by content; a file named like a RAW (.nef) that is plainly a
    JPEG or PNG is left to the ordinary decoders.
    """
    ext = ext.lower()
    head = data[:16]
    by_ext = ext[1:].upper() if ext in RAW_EXTENSIONS else None
    if head[4:8] == b"ftyp":
        return "CR3" if data[8:12] == b"crx " else None
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "RAF"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if head[:4] == b"IIU\x00":
        return by_ext if by_ext == "RWL" else "RW2"
    if head[:4] == b"FOVb":
        return "X3F"
    if head[:4] == b"\x00MRM":
        return "MRW"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:10] == b"CR":
            return "CR2"
        facts = _tiff_facts(data)
        if facts.dng:
            return "DNG"
        if facts.cfa or by_ext:
            return by_ext or next((v for k, v in _MAKERS.items() if facts.make.upper().startswith(k)), "RAW")
        return None
    if by_ext and not head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")):
        return by_ext  # CRW, KDC, IIQ...: LibRaw knows them by content
    return None


def _tiff_facts(data: bytes) -> _TiffFacts:
    """DNGVersion, a CFA image and the maker from IFD0, the IFDs chained to it and their SubIFDs."""
    out = _TiffFacts()
    order = "<" if data[:2] == b"II" else ">"
    try:
        (first,) = struct.unpack_from(order + "I", data, 4)
        todo, seen = [first], set[int]()
        while todo and len(seen) < 16:
            off = todo.pop()
            if off in seen or not 8 <= off < len(data) - 2:
                continue
            seen.add(off)
            tags = _ifd(data, off, order)
            if 50706 in tags:
                out.dng = True
            make = (tags.get(271) or [None])[0]
            if isinstance(make, bytes) and not out.make:  # a damaged tag may hold another type
                out.make = make.decode("latin-1", "replace").strip("\x00 ")
            if tags.get(262, [None])[0] in _CFA_PHOTOMETRICS:
                out.cfa = True
                starts, counts = tags.get(273) or tags.get(324) or [], tags.get(279) or tags.get(325) or []
                spans = zip(starts, counts, strict=False)
                out.data_end = max((s + c for s, c in spans if isinstance(s, int) and isinstance(c, int)), default=0)
            todo += [o for o in tags.get(330, []) if isinstance(o, int)]
            if len(seen) <= 4:
                todo += tags.get(-1, [])
    except (struct.error, IndexError, ValueError):
        return out
    return out


def _ifd(data: bytes, off: int, order: str) -> dict[int, list]:
    """One IFD's tags that matter here (integers, or the raw bytes of ASCII), and its next IFD under key -1."""
    (count,) = struct.unpack_from(order + "H", data, off)
    tags: dict[int, list] = {}
    for i in range(min(count, 512)):
        tag, typ, n = struct.unpack_from(order + "HHI", data, off + 2 + 12 * i)
        if tag not in (262, 271, 273, 279, 324, 325, 330, 50706):
            continue
        size = _TIFF_TYPES.get(typ, 1) * n
        at = off + 10 + 12 * i
        if size > 4:
            (at,) = struct.unpack_from(order + "I", data, at)
        if typ == 2:
            tags[tag] = [bytes(data[at : at + n])]
        elif typ in (3, 8):
            tags[tag] = list(struct.unpack_from(f"{order}{min(n, 4096)}H", data, at))
        elif typ in (4, 9, 13):
            tags[tag] = list(struct.unpack_from(f"{order}{min(n, 4096)}I", data, at))
        else:
            tags[tag] = [None]
    (nxt,) = struct.unpack_from(order + "I", data, off + 2 + 12 * count)
    tags[-1] = [nxt] if nxt else []
    return tags


def raw_exif(data: bytes, fmt: str) -> tuple[str | None, str | None]:
    """Date taken and camera from a RAW's own EXIF (TIFF IFDs, a CR3's CMT boxes, a RAF's JPEG)."""
    if fmt == "CR3":
        boxes = []
        for name in (b"CMT1", b"CMT2"):
            at = data.find(name, 0, 1 << 20)
            boxes.append(exiftools.tiff_exif(data, at + 4) if at >= 0 else None)
        ifd0, exif_ifd = boxes
        if ifd0 is None:
            return None, None
        _, taken, camera = exiftools.facts(ifd0, exif_ifd)
        return taken, camera
    if fmt == "RAF" and len(data) >= 92:
        offset, length = struct.unpack_from(">II", data, 84)
        try:
            with Image.open(io.BytesIO(data[offset : offset + length])) as preview:
                return exiftools.image_facts(preview)[1:]
        except (OSError, ValueError, SyntaxError):
            return None, None
    exif = exiftools.tiff_exif(data)
    return exiftools.facts(exif)[1:] if exif is not None else (None, None)


def read_raw(data: bytes, fmt: str, *, draft: tuple[int, int], budget: int) -> RawPicture:
    """The picture of a RAW file, upright: its embedded preview when it is large enough, else a half-size decode.

    Raises RawError: UNSUPPORTED when LibRaw does not know the file (never "damaged": a new camera's RAW is not
    broken), TRUNCATED when its raw data ends early, TOO_LARGE when a decode would not fit `budget` bytes.
    """
    import rawpy

    if fmt in ("DNG", "NEF", "ARW", "PEF", "SRW", "3FR", "ERF", "DCR", "MEF", "MOS", "IIQ", "RAW"):
        end = _tiff_facts(data).data_end
        if end > len(data):
            raise RawError(ProblemKind.TRUNCATED, f"{fmt} file is truncated: its raw data ends early")
    try:
        raw = rawpy.imread(io.BytesIO(data))
    except (rawpy.LibRawFileUnsupportedError, rawpy.NotSupportedError) as exc:
        version = ".".join(map(str, rawpy.libraw_version))
        raise RawError(
            ProblemKind.UNSUPPORTED,
            f"{fmt} file this version cannot read (LibRaw {version}: a camera it does not know yet, or not a RAW file)",
        ) from exc
    except rawpy.LibRawError as exc:
        raise RawError(ProblemKind.CORRUPT, f"damaged {fmt} file: {_words(exc)}") from exc
    with raw:
        sizes = raw.sizes
        width, height = sizes.width, sizes.height
        if sizes.flip & 4:
            width, height = height, width
        taken, camera = raw_exif(data, fmt)
        preview = _preview(raw, width, height, draft)
        if preview is not None:
            return RawPicture(preview, width, height, taken, camera, True)
        need = sizes.raw_width * sizes.raw_height * HALF_SIZE_BYTES_PER_PIXEL
        if need > budget:
            raise RawError(ProblemKind.TOO_LARGE, too_large_message(need, budget))
        try:
            arr = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except rawpy.LibRawUnsufficientMemoryError as exc:
            raise MemoryError(str(exc)) from exc
        except (rawpy.LibRawIOError, rawpy.LibRawDataError) as exc:
            raise RawError(
                ProblemKind.CORRUPT, f"damaged {fmt} file: its raw data cannot be read ({_words(exc)})"
            ) from exc
        except rawpy.LibRawError as exc:
            raise RawError(
                ProblemKind.UNSUPPORTED, f"{fmt} RAW data this version cannot decode ({_words(exc)})"
            ) from exc
        return RawPicture(Image.fromarray(arr), width, height, taken, camera, False)


def _words(exc: Exception) -> str:
    """LibRaw's message as text: rawpy hands it over as bytes (str() of it read "b'Input/output error'")."""
    first = exc.args[0] if exc.args else ""
    text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first or exc)
    return text.strip() or type(exc).__name__


def _plausible_bitmap(data: object, width: int, height: int) -> bool:
    """Whether a bitmap preview LibRaw hands over may be read: rawpy wraps LibRaw's buffer at the size the file's
    tags claim, and a damaged DNG whose thumbnail claimed 52,480 px across (its sensor 600) crashed the process
    that read it (a segmentation fault in the copy). Only a small 8-bit RGB bitmap, no larger than the picture."""
    if not isinstance(data, np.ndarray) or data.ndim != 3 or data.shape[2] != 3 or data.dtype != np.uint8:
        return False
    rows, cols = data.shape[:2]
    return max(rows, cols) <= max(width, height) and rows * cols <= width * height


def _preview(raw: object, width: int, height: int, draft: tuple[int, int]) -> Image.Image | None:
    """The embedded preview, upright, if it shows the whole picture large enough; else None."""
    import rawpy

    assert isinstance(raw, rawpy.RawPy)
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, NotImplementedError):
        return None
    data = thumb.data
    if not isinstance(data, bytes) and not _plausible_bitmap(data, width, height):
        return None
    try:
        img = Image.open(io.BytesIO(data)) if isinstance(data, bytes) else Image.fromarray(data)
    except (OSError, ValueError, SyntaxError):
        return None
    pw, ph = img.size
    if max(pw, ph) < min(PREVIEW_MIN_SIDE, max(width, height)):
        return None
    upright = abs(pw / ph - width / height) <= PREVIEW_ASPECT_TOLERANCE * width / height
    sideways = abs(ph / pw - width / height) <= PREVIEW_ASPECT_TOLERANCE * width / height
    flip = raw.sizes.flip
    if flip & 4:
        if not (sideways or upright):
            return None
        transpose = _FLIPS.get(flip) if sideways else None  # a square preview is taken as stored unrotated
    else:
        if not upright:
            return None
        transpose = _FLIPS.get(flip)
    if img.format == "JPEG":
        img.draft("RGB", draft if pw >= ph else (draft[1], draft[0]))
    try:
        img.load()
        rgb = img.convert("RGB") if img.mode != "RGB" else img
    except (OSError, ValueError, SyntaxError):
        return None
    return rgb.transpose(transpose) if transpose is not None else rgb


def too_large_message(need: int, budget: int) -> str:
    return (
        f"image too large to decode safely: needs about {need / 1e9:.1f} GB of memory, more than this computer "
        f"allows for one image ({budget / 1e9:.1f} GB)"
    )
