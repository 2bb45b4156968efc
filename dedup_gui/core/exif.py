"""The EXIF facts the scan keeps (orientation, date taken, camera), from a JPEG, HEIC, TIFF or camera RAW."""

from __future__ import annotations

import struct
from datetime import datetime

from PIL import Image

EXIF_IFD = 0x8769
_TIFF_HEADS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
_TIFF_SPAN = 1 << 20  # IFD0 and the EXIF IFD sit near the start of every TIFF-like RAW; maker notes may not


def facts(exif: Image.Exif, extra: Image.Exif | None = None) -> tuple[int, str | None, str | None]:
    """Orientation, date taken (ISO 8601) and camera; bad EXIF is ignored, never fatal.

    `extra` holds the EXIF IFD's tags where a format stores them apart (a CR3's CMT2 box).
    """
    orientation = exif.get(0x0112, 1)
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    raw = None
    try:
        raw = (extra.get(0x9003) if extra is not None else None) or exif.get_ifd(EXIF_IFD).get(0x9003)
        raw = raw or exif.get(0x0132)
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


def image_facts(img: Image.Image) -> tuple[int, str | None, str | None]:
    """facts() of an opened Pillow image."""
    try:
        return facts(img.getexif())
    except (OSError, ValueError, SyntaxError, struct.error):
        return 1, None, None


def tiff_exif(data: bytes, offset: int = 0) -> Image.Exif | None:
    """The EXIF of a TIFF-structured file or block at `offset` (TIFF, DNG, NEF, CR2, ARW, ORF, RW2, a CR3 box)."""
    head = data[offset : offset + 4]
    if head not in _TIFF_HEADS:
        return None
    block = (b"MM\x00*" if head[:2] == b"MM" else b"II*\x00") + data[offset + 4 : offset + _TIFF_SPAN]
    exif = Image.Exif()
    try:
        exif.load(block)
        exif.get(0x0112)
    except (OSError, ValueError, SyntaxError, struct.error, KeyError):
        return None
    return exif
