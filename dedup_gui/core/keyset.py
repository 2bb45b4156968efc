"""A set of pair keys (int64, see candidates.pack) at 8 bytes a key.

The checker remembers which candidate pairs were verified as different without holding their verdicts (the store
has them): nearly all of a library's candidate pairs, about a million at 100,000 photos. As a Python set of ints
that took about 70 bytes a key (a 32-byte int and its slot), 70 MB at 100k photos and 0.7 GB at a million. Here
keys live in a sorted array, with the newest in a small set until there are enough to merge in one sort.
"""

from __future__ import annotations

import numpy as np

_MERGE = 1 << 16  # recent keys merged into the array at once: a million keys take 16 merges of one sort each


class KeySet:
    """Add and look up keys; no removal (a key that stops meaning "elsewhere" is shadowed by the caller)."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.int64)
        self._recent: set[int] = set()

    def add(self, key: int) -> None:
        self._recent.add(key)
        if len(self._recent) >= _MERGE:
            self._merge()

    def _merge(self) -> None:
        recent = np.sort(np.fromiter(self._recent, dtype=np.int64, count=len(self._recent)))
        merged = np.concatenate((self._sorted, recent))
        merged.sort(kind="stable")  # two sorted runs: merged in one linear pass
        keep = np.ones(len(merged), dtype=bool)
        np.not_equal(merged[1:], merged[:-1], out=keep[1:])
        self._sorted = merged[keep]
        self._recent.clear()

    def __contains__(self, key: int) -> bool:
        return key in self._recent or self._in_sorted(key)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Membership of many keys at once (a bool per key), by binary search: as cheap for one key as for many."""
        found = np.zeros(len(keys), dtype=bool)
        if len(self._sorted):
            at = np.minimum(np.searchsorted(self._sorted, keys), len(self._sorted) - 1)
            found = self._sorted[at] == keys
        if self._recent:
            found |= np.fromiter((k in self._recent for k in keys.tolist()), dtype=bool, count=len(keys))
        return found

    def __len__(self) -> int:
        return len(self._sorted) + sum(1 for k in self._recent if not self._in_sorted(k))

    def _in_sorted(self, key: int) -> bool:
        at = int(np.searchsorted(self._sorted, key))
        return at < len(self._sorted) and int(self._sorted[at]) == key

    def clear(self) -> None:
        self._sorted = np.empty(0, dtype=np.int64)
        self._recent.clear()
