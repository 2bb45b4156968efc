"""Thumbnails' SIFT keypoints kept in the store between scans.

A rescan after some photos changed verifies each changed photo against its candidates, nearly all of them photos
that did not change. Without their keypoints kept, SIFT ran again on each partner's thumbnail (13 ms), and that was
most of such a rescan's matching: 1,687 of its 1,781 SIFT runs on the simulated 10,000-photo library with 85 photos
changed. Kept, a partner costs a read and a decompression (about 0.3 ms) instead. The price is about 22 KB of store
per photo that was ever in a candidate pair (zlib level 1 saves a fifth of the 28 KB for 0.65 ms per photo).

The keypoints are the same bytes SIFT gave, so every verdict is the one the scan would have made.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Sequence
from typing import Protocol

import cv2

from dedup_gui.core import keypoints, spill, verify
from dedup_gui.core.content import Content
from dedup_gui.core.decoding import DECODE_VERSION
from dedup_gui.core.errors import StoreError
from dedup_gui.core.store import Store

log = logging.getLogger("dedup_gui.kept_keypoints")

# What a thumbnail's keypoints depend on besides the thumbnail: the decode that made it, the grey image and SIFT's
# settings, and OpenCV itself (another build may place points differently).
VERSION = f"{DECODE_VERSION}:{verify.VERSION}:{verify.SIDE}:{keypoints.MAX_FEATURES}:{cv2.__version__}"


class KeptKeypoints(Protocol):
    """Thumbnails' features without their grey picture, by content index, kept from one scan to the next."""

    durable: bool  # put() keeps anything: the checker packs what it makes only then

    def get(self, indices: Sequence[int]) -> dict[int, verify.Features]: ...

    def put(self, packed: dict[int, bytes]) -> None: ...


class NoKeptKeypoints:
    durable = False

    def get(self, indices: Sequence[int]) -> dict[int, verify.Features]:
        return {}

    def put(self, packed: dict[int, bytes]) -> None:
        return None


def pack(f: verify.Features) -> bytes:
    """Packed for the store (any thread: zlib lets go of the interpreter lock)."""
    return zlib.compress(spill.pack(f), 1)


def unpack(blob: bytes) -> verify.Features | None:
    """A stored blob read back, or None when it is not a whole one (a damaged row is made again, not trusted)."""
    try:
        data = zlib.decompress(blob)
        features = spill.unpack(data)
    except (zlib.error, ValueError, struct.error):
        return None
    return features if len(data) == spill.packed_size(len(features.points)) else None


class StoredKeypoints:
    """Keypoints in the store's `keypoints` table, keyed by each content's stored file (Content.key)."""

    durable = True

    def __init__(self, store: Store, contents: Sequence[Content]) -> None:
        self._store = store
        self._contents = contents
        self._failed = False

    def get(self, indices: Sequence[int]) -> dict[int, verify.Features]:
        by_id = {self._contents[k].key: k for k in indices}
        out = {}
        for fid, blob in self._store.keypoints(by_id, VERSION).items():
            features = unpack(blob)
            if features is not None:
                out[by_id[fid]] = features
        return out

    def put(self, packed: dict[int, bytes]) -> None:
        """Kept when the store can take them; a full or read-only disk only costs the next rescan its SIFT."""
        if self._failed or not packed:
            return
        rows = [(self._contents[k].key, blob) for k, blob in packed.items()]
        try:
            self._store.save_keypoints(rows, VERSION)
        except StoreError as exc:
            self._failed = True
            log.warning("keypoints not kept for the next scan: %s", exc)
