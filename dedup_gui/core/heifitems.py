"""Whether a HEIF or AVIF file holds the data of its pictures: its top-level boxes and item locations ('iloc')
read from the bytes.

The scan decodes a phone's HEIC from the thumbnail it embeds. A file whose header was damaged so that its main
picture's data lies outside the file, or has none, still decoded from that thumbnail and passed for a good photo,
which could be grouped with its intact original and kept in its place; only the compare view, decoding the whole
picture, found it unreadable. Reading where each item's data lies costs a few microseconds; decoding the whole
picture to find out costs 300 ms.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# Item types whose picture is coded data of their own (HEVC, AV1, JPEG, AVC, VVC, uncompressed, JPEG 2000) or a grid
# or overlay description: a main picture of these types without an item location has no data. ('iden' has none.)
_CODED = frozenset((b"hvc1", b"av01", b"jpeg", b"avc1", b"vvc1", b"unci", b"j2k1", b"grid", b"iovl"))


def missing_data(data: bytes) -> str | None:
    """Why the file's pictures cannot all be read from it (an item's data outside the file, or the main picture
    without data), or None when its item locations are sound or cannot be followed (the decoder judges those)."""
    meta = next((body for kind, body in _boxes(data, 0, len(data)) if kind == b"meta"), None)
    if meta is None:
        return None
    start, end = meta
    children = dict(_boxes(data, start + 4, end))  # meta is a full box: 4 bytes of version and flags first
    if b"iloc" not in children:
        return None
    try:
        located, items = _locations(data, *children[b"iloc"])
        primary = _primary(data, *children[b"pitm"]) if b"pitm" in children else None
        kind = None if primary is None else _item_type(data, start, end, primary)
    except (struct.error, IndexError, ValueError):
        return None
    for item, (_, extents) in items.items():
        for offset, length in extents:
            if offset + length > len(data):
                return f"the data of its item {item} lies outside the file (to byte {offset + length:,})"
    if primary is not None and primary in items and items[primary][0] == 0:
        return "its main picture has no data"
    if primary is not None and primary not in located and kind in _CODED:
        return "its main picture has no data"
    return None


def cut_short(data: bytes) -> bool:
    """Whether the file ends inside one of its top-level boxes (its picture data is the last of them). libheif
    decodes some HEICs cut short without a word (the last tiles' data missing)."""
    return any(stop > len(data) for _, _, stop in _walk(data, 0, len(data)))


def _walk(data: bytes, pos: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, start of its body, end of the box as its header says) of each box from pos, the last one possibly past
    end; stops at a header that gives a size it cannot have (the decoder judges such a layout)."""
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        head = 8
        if size == 1:  # a 64-bit size follows the box type
            if pos + 16 > end:
                yield kind, pos + 16, pos + 16  # its header alone runs past end
                return
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            head = 16
        elif size == 0:  # the box runs to the end
            size = end - pos
        if size < head:
            return
        yield kind, pos + head, pos + size
        pos += size


def _boxes(data: bytes, pos: int, end: int) -> Iterator[tuple[bytes, tuple[int, int]]]:
    """(type, (start, end) of its body) of each box between pos and end; stops at one it cannot follow."""
    for kind, start, stop in _walk(data, pos, end):
        if stop > end:
            return
        yield kind, (start, stop)


def _number(data: bytes, pos: int, size: int) -> int:
    """A big-endian number of 0, 4 or 8 bytes (iloc's field sizes)."""
    if size == 0:
        return 0
    if size not in (4, 8):
        raise ValueError(f"field of {size} bytes")
    return int.from_bytes(data[pos : pos + size], "big")


def _locations(data: bytes, start: int, end: int) -> tuple[set[int], dict[int, tuple[int, list[tuple[int, int]]]]]:
    """(Every item id the box locates; item id -> (its number of extents, its (offset, length) extents in the file)
    for the items whose data the file itself holds (construction method 0, data reference 0)). An item stored
    otherwise (in 'idat', in another item) is only in the first, and an extent whose length is 0 (it runs to the end
    of the file) in neither."""
    version = data[start]
    pos = start + 4
    offset_size, length_size = data[pos] >> 4, data[pos] & 15
    base_size, index_size = data[pos + 1] >> 4, (data[pos + 1] & 15) if version in (1, 2) else 0
    pos += 2
    wide = version == 2
    (count,) = struct.unpack_from(">I" if wide else ">H", data, pos)
    pos += 4 if wide else 2
    located: set[int] = set()
    items: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(count):
        (item,) = struct.unpack_from(">I" if wide else ">H", data, pos)
        pos += 4 if wide else 2
        method = 0
        if version in (1, 2):
            method = struct.unpack_from(">H", data, pos)[0] & 15
            pos += 2
        (reference,) = struct.unpack_from(">H", data, pos)
        base = _number(data, pos + 2, base_size)
        pos += 2 + base_size
        (extents,) = struct.unpack_from(">H", data, pos)
        pos += 2
        found = []
        for _ in range(extents):
            pos += index_size
            offset, length = _number(data, pos, offset_size), _number(data, pos + offset_size, length_size)
            pos += offset_size + length_size
            if length:
                found.append((base + offset, length))
        if pos > end:
            raise ValueError("iloc runs past its box")
        located.add(item)
        if method == 0 and reference == 0:
            items[item] = (extents, found)
    return located, items


def _item_type(data: bytes, start: int, end: int, item: int) -> bytes | None:
    """The four-letter type of an item from its 'infe' box inside meta (versions 2 and 3), or None."""
    pos = data.find(b"infe", start, end)
    while pos >= 0 and pos + 16 <= end:
        version = data[pos + 4]
        if version in (2, 3):
            wide = version == 3
            found = int.from_bytes(data[pos + 8 : pos + (12 if wide else 10)], "big")
            at = pos + (12 if wide else 10) + 2  # past the protection index
            if found == item:
                return bytes(data[at : at + 4])
        pos = data.find(b"infe", pos + 4, end)
    return None


def _primary(data: bytes, start: int, end: int) -> int:
    """The main picture's item id ('pitm')."""
    version = data[start]
    (item,) = struct.unpack_from(">I" if version else ">H", data, start + 4)
    return int(item)
