"""Why Pillow refuses a sound file: a kind of its format it has no decoder for, or a format it has none for at all
(JPEG XL), told apart from damage.

Pillow reports such a file as unidentified, or as an unsupported BMP, which the scan would call damaged. A
floating-point TIFF (an HDR merge, a scientific export), a TIFF compressed with a codec Pillow lacks (LERC, PNG or
JPEG XL tiles), a 12-bit JPEG or a BMP of a rarer layout (2 bits per pixel, a JPEG inside, 4-4-4-4 colour masks) is
a sound file; calling it damaged invites its owner to throw it away.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import IO

from PIL import JpegImagePlugin, TiffImagePlugin

from dedup_gui.core.formats import JXL_CODESTREAM, JXL_CONTAINER

# The header of a little- or big-endian TIFF, classic or BigTIFF
TIFF_HEADS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
# What Pillow says when the tags describe pixels it cannot unpack (as opposed to tags it cannot read at all)
_LAYOUT_WORDS = ("unknown pixel mode", "unknown data organization")
_SAMPLE_FORMATS = {
    1: "unsigned integer",
    2: "signed integer",
    3: "floating-point",
    4: "untyped",
    5: "complex integer",
    6: "complex floating-point",
}
_PHOTOMETRIC = {0: "grey", 1: "grey", 2: "RGB", 3: "palette", 4: "mask", 5: "CMYK", 6: "YCbCr", 8: "CIELab"}
_COMPRESSIONS = {  # TIFF compression codes in use that Pillow has no decoder for (the registry's names)
    33003: "JPEG 2000",
    33004: "JPEG 2000",
    33005: "JPEG 2000",
    34661: "JBIG",
    34712: "JPEG 2000",
    34887: "LERC",
    34892: "lossy JPEG",
    34933: "PNG",
    34934: "JPEG XR",
    50002: "JPEG XL",
    52546: "JPEG XL",
}
_TAG_BITS, _TAG_COMPRESSION, _TAG_SAMPLES, _TAG_PHOTOMETRIC, _TAG_FORMAT = 258, 259, 277, 262, 339
# BMP compressions the format defines that Pillow has no decoder for
_BMP_COMPRESSIONS = {
    4: "compressed as JPEG",
    5: "compressed as PNG",
    6: "colour masks with alpha",
    11: "CMYK",
    12: "CMYK, RLE8",
    13: "CMYK, RLE4",
}


def reason(data: bytes, said: str = "") -> str | None:
    """The problem message of a file Pillow refused although it is sound, or None when it is not one of the kinds
    told apart here (the caller's 'damaged' stands). `said`: Pillow's words when it refused while opening."""
    if data[:2] == b"BM" and said.startswith("Unsupported BMP"):
        what = _bmp(data, said)
        return None if what is None else f"a kind of BMP this version cannot decode ({what})"
    if data[:4] in TIFF_HEADS:
        what = _tiff(data)
        return None if what is None else f"a kind of TIFF this version cannot decode ({what})"
    if data[:2] == JXL_CODESTREAM or data[:12] == JXL_CONTAINER:
        return "a JPEG XL image: this version cannot decode that format"
    if data[:2] == b"\xff\xd8":
        what = _jpeg(data)
        return None if what is None else f"a kind of JPEG this version cannot decode ({what})"
    return None


def _bmp(data: bytes, said: str) -> str | None:
    """What a BMP whose header the format allows has that Pillow lacks, or None where the header itself is wrong
    (a pixel depth of 30000, a header of 66 bytes): that is damage."""
    if len(data) < 34:
        return None
    size = int.from_bytes(data[14:18], "little")
    if "header type" in said:  # OS/2 2.x headers may stop at any whole field from 16 bytes on
        return f"an OS/2 header of {size} bytes" if 16 <= size <= 64 and size % 4 == 0 else None
    core = size == 12
    bits = int.from_bytes(data[24:26] if core else data[28:30], "little")
    compression = 0 if core else int.from_bytes(data[30:34], "little")
    if "pixel depth" in said:
        if bits == 0 and compression in _BMP_COMPRESSIONS:
            return _BMP_COMPRESSIONS[compression]
        return "2 bits per pixel" if bits == 2 else None
    if "bitfields" in said:
        return f"{bits}-bit pixels with colour masks of their own" if bits in (16, 24, 32) else None
    if "compression" in said:
        return _BMP_COMPRESSIONS.get(compression)
    return None


def _jpeg(data: bytes) -> str | None:
    """'12-bit samples' for the JPEG precisions Pillow's libjpeg cannot decode (medical and raw-converter exports)."""
    words = _refusal(JpegImagePlugin.JpegImageFile, data)
    if words is None or not (words.startswith("cannot handle ") and words.endswith("-bit layers")):
        return None
    return words.removeprefix("cannot handle ").removesuffix(" layers") + " samples"


def _tiff(data: bytes) -> str | None:
    """A description of what Pillow lacks for a TIFF whose tags read fine: a compression or a sample layout."""
    words = _refusal(TiffImagePlugin.TiffImageFile, data)
    if words is None or not (any(w in words.lower() for w in _LAYOUT_WORDS) or words.isdigit()):
        return None  # a number alone is the compression Pillow found no decoder for
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tags = _first_directory(data)
    except Exception:  # noqa: BLE001 - tags Pillow read a moment ago; if they cannot be read now, say nothing
        return None
    compression = _numbers(tags.get(_TAG_COMPRESSION, 1))[0]
    if compression not in TiffImagePlugin.COMPRESSION_INFO:
        return f"compressed with {_COMPRESSIONS.get(compression, f'method {compression}')}"
    return _layout(tags)


def _refusal(opener: Callable[[IO[bytes]], object], data: bytes) -> str | None:
    """The words of the SyntaxError with which Pillow's plugin refused the file's header, or None when it opened
    it or refused it otherwise (then the refusal is not about the kind: the caller's message stands)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opener(io.BytesIO(data))
    except SyntaxError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - see above
        return None
    return None


def _first_directory(data: bytes) -> dict[int, object]:
    ifd = TiffImagePlugin.ImageFileDirectory_v2(data[:16] if data[2] == 43 else data[:8])
    fp = io.BytesIO(data)
    fp.seek(ifd.next)
    ifd.load(fp)
    return dict(ifd)


def _layout(tags: dict[int, object]) -> str:
    bits = _numbers(tags.get(_TAG_BITS, 1))
    samples = _numbers(tags.get(_TAG_SAMPLES, len(bits)))[0]
    fmt = _numbers(tags.get(_TAG_FORMAT, 1))[0]
    colour = _PHOTOMETRIC.get(_numbers(tags.get(_TAG_PHOTOMETRIC, -1))[0], "unknown colour model")
    widths = "/".join(str(b) for b in sorted(set(bits)))
    kind = _SAMPLE_FORMATS.get(fmt, "unknown")
    return f"{colour}, {samples} sample{'s' if samples != 1 else ''} of {widths}-bit {kind}"


def _numbers(value: object) -> tuple[int, ...]:
    """A tag's value as whole numbers: Pillow gives one value or a tuple of them."""
    values = value if isinstance(value, tuple) else (value,)
    return tuple(int(v) for v in values if isinstance(v, int | float)) or (-1,)
