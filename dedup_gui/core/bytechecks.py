"""What a picture file's bytes say before it is decoded: a JPEG's damaged data, its scans and the key of its
compressed picture, a HEIF file that ends early, and the canvas a GIF's first frame needs. Decoders keep quiet about
the first ones (libjpeg decodes garbage with a warning, libheif conceals missing tiles) and Pillow fills the last one
before anything can check it, so the scan reads them from the bytes itself.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import xxhash

# Bytes that may follow 0xFF inside a JPEG's entropy-coded data (up to its end-of-image marker): stuffing, fill,
# restart markers, and the tables and headers a progressive or multi-scan file has between its scans.
_SCAN_MARKERS = np.zeros(256, dtype=bool)
_SCAN_MARKERS[[0x00, 0xFF, 0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE, *range(0xD0, 0xD8), *range(0xE0, 0xF0)]] = True


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, marker, end) of each JPEG header segment after the start-of-image marker, fill bytes skipped.

    Stops after the start of scan (marker 0xDA, end = its offset: the rest is entropy-coded data) or where no
    marker follows (marker -1). Stray bytes where a marker must be are skipped up to the next one, as libjpeg does
    ("extraneous bytes before marker"): a header written a few bytes wrong still shows its whole picture.
    """
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            pos = data.find(b"\xff", pos)
            if pos < 0:
                yield n, -1, n
                return
            continue
        marker = data[pos + 1]
        if marker in (0x00, 0xFF):  # fill bytes, or a stuffed zero that cannot start a marker here
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == 0xDA:
            yield pos, marker, pos
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        yield pos, marker, pos + 2 + length
        pos += 2 + length


@dataclass(frozen=True, slots=True)
class JpegCheck:
    """What one pass over a JPEG's compressed data finds. Three checks read the same bytes: one pass serves them all
    (on a 12 MP photo a pass of its own cost each about 1 ms)."""

    scans: int  # start-of-scan markers up to the end of the image: each one a pass of the decoder over the picture
    damage_at: int | None  # the first byte of damage: a marker that cannot be there, a run of zeros, a lost header
    end: int  # just past the end-of-image marker (the file's length where there is none): the picture's last byte


def check_jpeg(data: bytes) -> JpegCheck:
    """Scans, damage and the end of the picture of a JPEG's bytes (see JpegCheck).

    Overwritten or spliced data shows up as markers that cannot be in compressed data; libjpeg only warns about
    them and Pillow decodes the picture with garbage from there on, so without this check a damaged photo looks like
    a good one. Data after the end of image (camera extras, an MPO's other pictures) is not ours to judge.
    """
    scan = None
    for pos, marker, _ in _jpeg_segments(data):
        if marker < 0:
            return JpegCheck(0, pos, len(data))
        if marker == 0xDA:
            scan = pos
    if scan is None:
        return JpegCheck(0, None, len(data))
    body = np.frombuffer(data, dtype=np.uint8, offset=scan + 2)
    ff = np.flatnonzero(body[:-1] == 0xFF)
    after = body[ff + 1]
    eoi = np.flatnonzero(after == 0xD9)  # 0xFF in entropy-coded data is always stuffed: the first is the end
    stop = int(ff[eoi[0]]) if len(eoi) else len(body)  # in body: the end-of-image marker, or the file's end
    after = after[: eoi[0]] if len(eoi) else after
    end = scan + 2 + stop + 2 if len(eoi) else len(data)
    more_scans = int(np.count_nonzero(after == 0xDA))
    bad = np.flatnonzero(~_SCAN_MARKERS[after])
    if len(bad):
        return JpegCheck(1 + more_scans, int(scan + 2 + ff[bad[0]]), end)
    limit = None if more_scans else _zero_run_limit(data)
    if limit is None:
        return JpegCheck(1 + more_scans, None, end)
    at = _zero_run_at(body[:stop], limit)
    return JpegCheck(1 + more_scans, None if at is None else scan + 2 + at, end)


# A run of zero bytes longer than this in compressed data whose all-zero Huffman codes do not mean "nothing
# changes" (standard tables: luminance AC "00" is a coefficient) is damage. A valid stream ends each such block
# within a few hundred bits: the longest zero run in the 1,459 valid JPEGs of the dev and dev-large sets judged
# this way is 6 bytes, so 1 KiB leaves a wide margin.
ZERO_RUN_FLOOR = 1024


def _zero_run_limit(data: bytes) -> int | None:
    """The longest run of zero bytes a valid single-scan sequential JPEG can hold; None where it is not judged.

    All-zero bits decode as each table's shortest code. When those mean "no change" (DC category 0, AC end of
    block) a flat picture encodes as zeros, at most one flat block per (DC + EOB code length) bits; the limit is
    that for the whole picture (or one restart interval), so no valid file can exceed it. Otherwise the floor.
    Progressive, multi-scan, lossless and arithmetic-coded files are not judged.
    """
    frame, scan, interval = b"", b"", 0
    tables: dict[int, tuple[int, int]] = {}  # class << 4 | id -> (shortest code length, its symbol)
    for pos, marker, end in _jpeg_segments(data):
        if marker < 0:
            return None
        if marker in (0xC0, 0xC1):
            frame = data[pos + 4 : end]
        elif 0xC2 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return None
        elif marker == 0xC4:
            seg, i = data[pos + 4 : end], 0
            while i + 17 <= len(seg):
                counts = seg[i + 1 : i + 17]
                shortest = next((n for n, c in enumerate(counts) if c), None)
                if shortest is not None and i + 17 < len(seg):
                    tables[seg[i]] = (shortest + 1, seg[i + 17])
                i += 17 + sum(counts)
        elif marker == 0xDD and end - pos >= 6:
            (interval,) = struct.unpack(">H", data[pos + 4 : pos + 6])
        elif marker == 0xDA:
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            scan = data[pos + 4 : pos + 2 + length]
    if len(frame) < 6 or not scan:
        return None
    height, width = struct.unpack(">HH", frame[1:5])
    sampling = {frame[6 + 3 * k]: (frame[7 + 3 * k] >> 4, frame[7 + 3 * k] & 15) for k in range(frame[5])}
    members = [(scan[1 + 2 * k], scan[2 + 2 * k]) for k in range(scan[0])] if len(scan) >= 1 + 2 * scan[0] else []
    if not members or any(cid not in sampling for cid, _ in members):
        return None
    interleaved = len(members) > 1
    hmax = max(sampling[c][0] for c, _ in members) if interleaved else 1
    vmax = max(sampling[c][1] for c, _ in members) if interleaved else 1
    bits, flat = 0, True
    for cid, selectors in members:
        dc, ac = tables.get(selectors >> 4), tables.get(0x10 | (selectors & 15))
        if dc is None or ac is None:
            return None
        flat = flat and dc[1] == 0 and ac[1] == 0
        blocks = sampling[cid][0] * sampling[cid][1] if interleaved else 1
        bits += blocks * (dc[0] + ac[0])
    if not flat:
        return ZERO_RUN_FLOOR
    if interleaved:
        mcus = _ceil(width, 8 * hmax) * _ceil(height, 8 * vmax)
    else:
        h, v = sampling[members[0][0]]
        hmax_all = max(s[0] for s in sampling.values())
        vmax_all = max(s[1] for s in sampling.values())
        mcus = _ceil(_ceil(width * h, hmax_all), 8) * _ceil(_ceil(height * v, vmax_all), 8)
    if interval:
        mcus = min(mcus, interval)
    return max(ZERO_RUN_FLOOR, (mcus + 1) * bits // 8 + 2)  # one more MCU: a run may start inside one


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _zero_run_at(body: np.ndarray, limit: int) -> int | None:
    """Offset of the first run of more than `limit` zero bytes, found from samples `limit // 2` apart."""
    step = max(1, limit // 2)
    sampled = body[::step] == 0
    both = np.flatnonzero(sampled[:-1] & sampled[1:])  # any longer run covers two neighbouring samples
    for k in both[np.diff(both, prepend=-2) > 1]:  # the first pair of each stretch
        lo, hi = max(0, int(k) * step - limit), min(len(body), (int(k) + 1) * step + 2 * limit)
        nonzero = np.flatnonzero(body[lo:hi])
        edges = np.concatenate(([-1], nonzero, [hi - lo]))
        gaps = np.diff(edges) - 1
        longest = int(np.argmax(gaps))
        if gaps[longest] > limit:
            return lo + int(edges[longest]) + 1
    return None


def jpeg_pixel_key(data: bytes, end: int, orientation: int) -> str | None:
    """Hash of a JPEG without its APPn/COM segments, up to its end-of-image marker (`end`, from check_jpeg): equal
    for copies that differ only in metadata, also where that lies after the picture (the other pictures of an MPO
    with their own EXIF: a camera's preview, a phone's gain map; a camera's trailer)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    h = xxhash.xxh3_128()
    for pos, marker, segment_end in _jpeg_segments(data):
        if marker < 0:
            return None
        if marker == 0xDA:  # start of scan: entropy-coded data (0xFF in it is always stuffed) up to end of image
            h.update(data[pos:end])
            h.update(struct.pack("<B", orientation))
            return h.hexdigest()
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            h.update(data[pos:segment_end])
    return None


# Scans a JPEG may hold. Each scan of a progressive JPEG is a pass over the whole picture, so a file of many tiny
# scans takes minutes to decode from a few megabytes (10,000 scans of 53 bytes: 0.9 MB, 12 s for an 8000 x 8000
# picture at 1/8 scale). Cameras and editors write 1 to a few dozen: at most 10 in the 1,817 JPEGs of dev,
# dev-large, other projects' files and camera-sized copies. Counted from the picture's first scan to its end of
# image, where the decoder stops: an EXIF thumbnail's scan or an MPO's other pictures cost it nothing.
MAX_SCANS = 500


def gif_canvas(data: bytes) -> tuple[int, int] | None:
    """The canvas a GIF's first frame is drawn on: its logical screen, grown to the frame's extent, as Pillow sizes
    it; None when `data` is not a GIF. Pillow fills the frame's area while opening the file (its disposal), before
    the scan's size check: a damaged 3 KB GIF whose frame claimed 59,055 x 47,982 px took 3.5 s and 2.8 GB there."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return None
    width, height = struct.unpack_from("<HH", data, 6)
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)  # past the global colour table
    while pos < len(data):
        if data[pos] == 0x21 and pos + 2 < len(data):  # an extension: label, then sub-blocks up to an empty one
            pos += 2
            while pos < len(data) and data[pos]:
                pos += data[pos] + 1
            pos += 1
        elif data[pos] == 0x2C and pos + 9 <= len(data):  # the first frame's descriptor
            left, top, w, h = struct.unpack_from("<HHHH", data, pos + 1)
            return max(width, left + w), max(height, top + h)
        elif data[pos] == 0x3B:  # the trailer: no frame
            return width, height
        else:
            pos += 1  # a stray byte, which Pillow skips too
    return width, height
