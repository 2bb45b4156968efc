"""A PNG whose text or colour-profile chunk is too large for the decoder to read safely still shows its picture.

Pillow refuses a PNG whose compressed text (tEXt, zTXt, iTXt) or ICC profile (iCCP) unpacks to more than 1 MB, or
whose text adds up to more than 64 MB, so that a crafted file cannot exhaust memory. The refusal is right for that
metadata, but the photo itself is intact: a program that stores its edit history or a large profile there made a
photo the scan reported as damaged and never compared. The picture is decoded again without those chunks.
"""

from __future__ import annotations

import struct

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks a decoder may refuse for their unpacked size; none of them changes a pixel of the picture shown.
TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"iCCP"})
# How Pillow says it refused such a chunk (PngImagePlugin's limits)
_REFUSALS = ("MAX_TEXT_CHUNK", "MAX_TEXT_MEMORY")


def refused_for_text(message: str) -> bool:
    """Whether a decoder's error is its refusal of oversized PNG text or profile chunks."""
    return any(words in message for words in _REFUSALS)


def without_text(data: bytes) -> bytes | None:
    """The PNG with its text and ICC profile chunks left out (the picture's chunks byte for byte); None when `data`
    is no PNG, holds none of them, or its chunk layout cannot be followed."""
    if not data.startswith(SIGNATURE):
        return None
    kept, pos, dropped = [SIGNATURE], len(SIGNATURE), False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return None
        if kind in TEXT_CHUNKS:
            dropped = True
        else:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    return b"".join(kept) if dropped else None
