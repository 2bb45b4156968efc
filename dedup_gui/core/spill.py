"""Keypoints of thumbnails and larger decodes, kept in an unnamed scratch file for the length of a scan.

Thumbnails: memory holds about 4,000 pictures' features (checker.FEATURE_BUDGET). In a library of 100,000 photos
the candidate pairs of the rest cannot all be verified while theirs are held: replayed in the checker's order
(bench_verify_order.py), its features were needed 4.7 times per thumbnail. SIFT takes 13 ms; a read of the
keypoints (28 KB on average) and a decode of the stored thumbnail take under 1 ms.

Larger decodes:

SIFT on a larger decode costs about 65 ms a picture, and a picture short of detail is a candidate of several
others spread over the scan. Memory holds the keypoints of only some of them (40 KB each, 1,600 pictures; about
30,000 need them in a 100,000-photo library), and one dropped from memory was analysed again when a later pair
asked for it. On disk none is analysed twice at one size, for a fraction of a millisecond per read: on a 10,000-
photo library that saved 97 of 4,054 runs (the rest are pictures needed at two sizes); larger libraries keep
fewer of theirs in memory. The file has no name (deleted as it is made), so nothing is left behind however the
scan ends, and it lives beside the store rather than in a RAM-backed temporary folder.
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
from pathlib import Path
from typing import IO

import numpy as np

from dedup_gui.core import collector, verify

_HEAD = struct.Struct("<Iiddd")  # keypoints, side, input scale, detail share, few-tones share
_NO_PIXELS = np.zeros((0, 0), dtype=np.uint8)


class KeypointSpill:
    """Features without their grey picture, by key, written once and read by any thread. The file closes (and its
    space is freed) when the spill is dropped with the checker that owns it."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._file: IO[bytes] | None = None
        self._where: dict[tuple[int, int], tuple[int, int]] = {}  # key -> (offset, length)
        self._end = 0
        self._lock = threading.Lock()
        self.failed = False  # the folder could not take the file (full, read-only): SIFT runs again instead

    def get(self, key: tuple[int, int]) -> verify.Features | None:
        with self._lock:
            where, file = self._where.get(key), self._file
        if where is None or file is None:
            return None
        data = os.pread(file.fileno(), where[1], where[0])
        return unpack(data) if len(data) == where[1] else None

    def release(self) -> None:
        """Forget where everything is (a slice at a time) and close the file, which frees its space."""
        with self._lock:
            where, file = self._where, self._file
            self._where, self._file, self._end = {}, None, 0
        collector.release(where)
        if file is not None:
            file.close()

    def put(self, key: tuple[int, int], features: verify.Features) -> None:
        """Written once per key: a thumbnail dropped from memory again (4.7 times each at 100k) is not packed again."""
        with self._lock:
            if key in self._where or self.failed:
                return
        data = pack(features)
        with self._lock:
            if key in self._where or self.failed:
                return
            try:
                file = self._file
                if file is None:
                    folder = self._folder if self._folder is not None and self._folder.is_dir() else None
                    file = self._file = tempfile.TemporaryFile(prefix="dedup-keypoints-", dir=folder)  # noqa: SIM115
                os.pwrite(file.fileno(), data, self._end)
            except OSError:
                self.failed = True
                return
            self._where[key] = (self._end, len(data))
            self._end += len(data)


def pack(f: verify.Features) -> bytes:
    """Keypoints, descriptors and the facts to use them (no grey picture): what spill and store keep."""
    points = np.ascontiguousarray(f.points, dtype=np.float32)
    desc = np.ascontiguousarray(f.descriptors, dtype=np.uint8)
    head = _HEAD.pack(len(points), f.side, f.input_scale, f.detail, f.few_tones)
    return head + points.tobytes() + desc.tobytes()


def packed_size(keypoints: int) -> int:
    """Bytes of pack() for this many keypoints."""
    return _HEAD.size + keypoints * (8 + 128)


def unpack(data: bytes) -> verify.Features:
    """pack() read back; raises ValueError or struct.error on bytes that are not one."""
    n, side, scale, detail, few_tones = _HEAD.unpack_from(data)
    at = _HEAD.size
    points = np.frombuffer(data, np.float32, 2 * n, at).reshape(n, 2)
    desc = np.frombuffer(data, np.uint8, 128 * n, at + 8 * n).reshape(n, 128)
    return verify.Features(_NO_PIXELS, points, desc, scale, side, detail, few_tones)
