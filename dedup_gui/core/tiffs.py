"""Why Pillow refuses a TIFF whose header and tags read fine: a sample layout it has no decoder for.

Pillow reports such a file as unidentified, which the scan would call damaged. A 32- or 64-bit floating-point RGB
TIFF (an HDR merge, a scientific export) is a sound file; calling it damaged invites its owner to throw it away.
"""

from __future__ import annotations

import io
import warnings

from PIL import TiffImagePlugin

# The header of a little- or big-endian TIFF, classic or BigTIFF
TIFF_HEADS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
# What Pillow says when the tags describe pixels it cannot unpack (as opposed to tags it cannot read at all)
_LAYOUT_WORDS = ("unknown pixel mode", "unknown data organization")
_SAMPLE_FORMATS = {1: "unsigned integer", 2: "signed integer", 3: "floating-point", 4: "untyped", 5: "complex integer"}
_SAMPLE_FORMATS[6] = "complex floating-point"
_PHOTOMETRIC = {0: "grey", 1: "grey", 2: "RGB", 3: "palette", 4: "mask", 5: "CMYK", 6: "YCbCr", 8: "CIELab"}
_TAG_BITS, _TAG_SAMPLES, _TAG_PHOTOMETRIC, _TAG_FORMAT = 258, 277, 262, 339


def unsupported_layout(data: bytes) -> str | None:
    """A description of the pixels of a well-formed TIFF that Pillow cannot decode ("RGB, 3 samples of 64-bit
    floating-point"), or None when the file is not a TIFF, opens, or fails for any other reason (damage)."""
    if data[:4] not in TIFF_HEADS:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            TiffImagePlugin.TiffImageFile(io.BytesIO(data))
    except SyntaxError as exc:
        if not any(words in str(exc).lower() for words in _LAYOUT_WORDS):
            return None
    except Exception:  # noqa: BLE001 - any other refusal is not about the layout: the caller's message stands
        return None
    else:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tags = _first_directory(data)
    except Exception:  # noqa: BLE001 - tags Pillow read a moment ago; if they cannot be read now, say nothing
        return None
    return _describe(tags)


def _first_directory(data: bytes) -> dict[int, object]:
    ifd = TiffImagePlugin.ImageFileDirectory_v2(data[:16] if data[2] == 43 else data[:8])
    fp = io.BytesIO(data)
    fp.seek(ifd.next)
    ifd.load(fp)
    return dict(ifd)


def _describe(tags: dict[int, object]) -> str:
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
