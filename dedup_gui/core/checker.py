"""Geometric verification of content pairs for one scan: features computed once per image, verdicts remembered.

Linking verifies its candidates through it in batches; assembly asks it about pairs linking never saw (a copy
matched through another member of a group is verified against the group's anchor on demand), and about pairs it
did see (a member verified as another shot contradicts a newcomer).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
from PIL import Image

from dedup_gui.core import verify
from dedup_gui.core.content import Content
from dedup_gui.core.store import Store

log = logging.getLogger("dedup_gui.checker")

Thumbnails = Callable[[list[int]], dict[int, np.ndarray]]  # content indices -> RGB thumbnails
Pair = tuple[int, int]
_CHUNK = 256  # images or pairs per batch: bounded memory, and a cancel is honoured between batches


class VerdictCache(Protocol):
    """Verification results kept between scans, keyed by content-index pairs of this scan."""

    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]: ...

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None: ...


class NoVerdictCache:
    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]:
        return {}

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None:
        return None


class PairChecker:
    """Verifies pairs (i, j) of contents, i < j, b = j measured against a = i; every answer is remembered."""

    def __init__(
        self,
        thumbnails: Thumbnails,
        cache: VerdictCache | None = None,
        *,
        workers: int = 1,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self._thumbnails = thumbnails
        self._cache = cache or NoVerdictCache()
        self._workers = max(1, workers)
        self._check = check
        self._features: dict[int, verify.Features | None] = {}
        self._verdicts: dict[Pair, verify.Verification] = {}
        self._plain: dict[int, bool] = {}

    def known(self, i: int, j: int) -> verify.Verification | None:
        """The verdict for the pair if it was verified in this scan or an earlier one (no new work)."""
        return self._verdicts.get((min(i, j), max(i, j)))

    def plain(self, indices: Iterable[int]) -> dict[int, bool]:
        """Which images show too little detail for their hashes to mean much (no thumbnail: plain too)."""
        missing = sorted({k for k in indices if k not in self._plain})
        for lo in range(0, len(missing), _CHUNK):
            self._check()
            chunk = missing[lo : lo + _CHUNK]
            images = self._thumbnails(chunk)
            for k in chunk:
                self._plain[k] = k not in images or verify.detail_share(images[k]) < verify.PLAIN_DETAIL
        return {k: self._plain[k] for k in indices}

    def remember(self, verdicts: dict[Pair, verify.Verification]) -> None:
        """Verdicts read elsewhere (all stored ones, when regrouping), so `known` answers for them."""
        self._verdicts.update(verdicts)

    def load(self, pairs: Iterable[Pair]) -> None:
        """Read the stored verdicts of these pairs, so `known` answers for them."""
        wanted = [p for p in {(min(i, j), max(i, j)) for i, j in pairs} if p not in self._verdicts]
        for lo in range(0, len(wanted), 4096):
            self._verdicts.update(self._cache.get(wanted[lo : lo + 4096]))

    def verdicts(self, pairs: Iterable[Pair]) -> dict[Pair, verify.Verification]:
        """Verdicts for the pairs: remembered or stored ones first, the rest verified now (and stored)."""
        pairs = list(dict.fromkeys((min(i, j), max(i, j)) for i, j in pairs if i != j))
        self.load(pairs)
        todo = [p for p in pairs if p not in self._verdicts]
        if todo:
            with ThreadPoolExecutor(self._workers) as pool:
                self._prepare(sorted({k for p in todo for k in p}), pool)
                for lo in range(0, len(todo), _CHUNK):
                    self._check()
                    batch = [p for p in todo[lo : lo + _CHUNK] if self._features.get(p[0]) and self._features.get(p[1])]
                    results = list(pool.map(self._verify_one, batch))
                    self._verdicts.update(zip(batch, results, strict=True))
                    self._cache.put([(i, j, v) for (i, j), v in zip(batch, results, strict=True)])
        return {p: self._verdicts[p] for p in pairs if p in self._verdicts}

    def _verify_one(self, pair: Pair) -> verify.Verification:
        fa, fb = self._features[pair[0]], self._features[pair[1]]
        assert fa is not None and fb is not None
        return verify.verify_features(fa, fb)

    def _prepare(self, indices: list[int], pool: ThreadPoolExecutor) -> None:
        """Features of every image not seen yet (an image without a thumbnail is remembered as None)."""
        missing = [k for k in indices if k not in self._features]
        for lo in range(0, len(missing), _CHUNK):
            self._check()
            chunk = missing[lo : lo + _CHUNK]
            images = self._thumbnails(chunk)
            keys = [k for k in chunk if k in images]
            self._features.update(dict.fromkeys(chunk))
            self._features.update(zip(keys, pool.map(verify.features, [images[k] for k in keys]), strict=True))


class StoredVerdicts:
    """Verification results in the store, keyed by the files' ids; dropped when either file changes."""

    def __init__(self, store: Store, contents: list[Content]) -> None:
        self._store = store
        self._contents = contents
        thresholds = hashlib.sha1(repr(verify.DEFAULT_THRESHOLDS).encode()).hexdigest()[:12]
        self._version = f"{verify.VERSION}:{thresholds}"
        self.verified = 0

    def _ids(self, i: int, j: int) -> tuple[int, int]:
        return self._contents[i].file_ids[0], self._contents[j].file_ids[0]

    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]:
        by_ids = {self._ids(i, j): (i, j) for i, j in pairs}
        stored = self._store.verdicts(by_ids, self._version)
        return {by_ids[k]: verify.Verification(**v) for k, v in stored.items()}

    def among(self) -> dict[Pair, verify.Verification]:
        """Every stored verdict between two of the contents (regrouping reads them all at once)."""
        index = {fid: n for n, c in enumerate(self._contents) for fid in c.file_ids[:1]}
        stored = self._store.verdicts(None, self._version)
        return {
            (index[a], index[b]): verify.Verification(**v) for (a, b), v in stored.items() if a in index and b in index
        }

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None:
        rows = [(*self._ids(i, j), dataclasses.asdict(v)) for i, j, v in results]
        self.verified += len(rows)
        self._store.save_verdicts(rows, self._version)


def stored_thumbnails(store: Store, contents: list[Content]) -> Thumbnails:
    """Thumbnails made by the scan's one decode, read back from the store for verification."""

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        blobs = store.thumbnails([contents[i].file_ids[0] for i in indices])
        out = {}
        for i in indices:
            blob = blobs.get(contents[i].file_ids[0])
            if blob is not None:
                with Image.open(io.BytesIO(blob)) as img:
                    out[i] = np.asarray(img.convert("RGB"))
        return out

    return load
