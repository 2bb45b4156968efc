"""Candidate pairs from the hashes and the embeddings, held as arrays.

A library of 100,000 photos has about a million candidate pairs. As a dict of pair tuples and small objects they
took about 250 bytes each (244 MB), beside everything verification holds; as arrays they take 25 bytes. The pairs
keep the order they were found in (the hash pairs, then the embedding pairs the hashes did not find), which is the
order their links are made in, and are looked up by binary search.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

import numpy as np

from dedup_gui.core import heap
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content, rotated_rows
from dedup_gui.core.hashing import hamming
from dedup_gui.core.index import dihedral_hash_pairs, embedding_pairs

Pair = tuple[int, int]
_STEP = 65_536  # pairs turned into Python tuples at a time while iterating
# A rotated query pairs its picture with its few nearest pictures only. A copy that was turned and then cropped or
# edited was its picture's rotated query's nearest picture in both sets of such copies tried (85 of 85, among 21,500
# pictures); the further hits were mostly the plain query's neighbours again, which doubled the pairs to verify
# (a simulated 3,984-file library: 37,600 without rotated queries, 79,600 with them, 43,200 of them from rotations).
ROTATED_NEIGHBOURS = 3
ALL_NEIGHBOURS = 1 << 30  # the picture inside a frame: every hit within the search's cosine


@dataclass
class Candidate:
    hash_close: bool = False  # within the calibrated pHash and dHash radii under some transform
    hash_identical: bool = False  # within 2 bits: a copy, no need to look closer
    cosine: float | None = None


def pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs (a < b) as one int64 key each; checker.py packs single pairs the same way."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


class CandidatePairs(Collection[Pair]):
    """Candidate pairs (i < j) with what found them: a read-only collection of pairs, in the order found."""

    def __init__(
        self,
        a: np.ndarray,
        b: np.ndarray,
        close: np.ndarray,
        identical: np.ndarray,
        cosine: np.ndarray,
        distance: np.ndarray | None = None,
    ) -> None:
        self.a = np.asarray(a, dtype=np.int32)
        self.b = np.asarray(b, dtype=np.int32)
        self.close = np.asarray(close, dtype=bool)  # hash_close
        self.identical = np.asarray(identical, dtype=bool)  # hash_identical
        self.cosine = np.asarray(cosine, dtype=np.float64)  # NaN: no embedding cosine (exact as computed)
        # pHash plus dHash bits apart under the best transform; -1: not found by the hashes
        self.distance = np.full(len(self.a), -1, dtype=np.int16) if distance is None else np.asarray(distance, np.int16)
        self.keys = pack(self.a, self.b)
        self._order = np.argsort(self.keys, kind="stable")
        self._sorted = self.keys[self._order]

    @classmethod
    def empty(cls) -> CandidatePairs:
        none = np.empty(0, dtype=np.int64)
        return cls(none, none, none.astype(bool), none.astype(bool), none.astype(np.float64), none)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[Pair]:
        for lo in range(0, len(self.keys), _STEP):
            yield from zip(self.a[lo : lo + _STEP].tolist(), self.b[lo : lo + _STEP].tolist(), strict=True)

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and self._row(pair) >= 0

    def __getitem__(self, pair: Pair) -> Candidate:
        row = self._row(pair)
        if row < 0:
            raise KeyError(pair)
        cos = float(self.cosine[row])
        return Candidate(bool(self.close[row]), bool(self.identical[row]), None if math.isnan(cos) else cos)

    def items(self) -> Iterator[tuple[Pair, Candidate]]:
        for pair in self:
            yield pair, self[pair]

    def take(self, rows: np.ndarray) -> CandidatePairs:
        """These rows (indices or a boolean mask), in the order given."""
        return CandidatePairs(
            self.a[rows], self.b[rows], self.close[rows], self.identical[rows], self.cosine[rows], self.distance[rows]
        )

    def rows_of(self, pairs: Collection[Pair]) -> np.ndarray:
        """A mask of the rows that are among `pairs`."""
        if not pairs:
            return np.zeros(len(self), dtype=bool)
        a, b = np.array(list(pairs), dtype=np.int64).reshape(-1, 2).T
        return np.isin(self.keys, pack(np.minimum(a, b), np.maximum(a, b)))

    def _row(self, pair: Pair) -> int:
        i, j = min(pair), max(pair)
        key = (int(i) << 32) | int(j)
        pos = int(np.searchsorted(self._sorted, key))
        if pos < len(self._sorted) and int(self._sorted[pos]) == key:
            return int(self._order[pos])
        return -1


def candidates(
    contents: list[Content], config: ScanConfig, check: Callable[[], None], among: np.ndarray | None = None
) -> CandidatePairs:
    """Every pair worth a look, from the hashes and (when present) the embeddings; with `among` (a flag per
    content), only those with a flagged content, the same pairs the whole search gives with one in them."""
    if among is not None and not among.any():  # nothing new or changed (a library only reorganised): no pair
        return CandidatePairs.empty()
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    none = np.empty(0, dtype=np.int64)
    ha, hb, hd, identical = _hash_pairs(contents, ok, config, among, check)
    ea, eb, cos = none, none, np.empty(0, dtype=np.float64)
    embedded = [i for i in ok if contents[i].vector is not None]
    if len(embedded) >= 2:
        # float16, as stored: the search converts chunk by chunk (a float32 stack is 512 MB at 100,000 photos)
        dim = len(contents[embedded[0]].vector)  # type: ignore[arg-type]
        vectors = _shared([contents[i] for i in embedded], "vector", np.dtype(np.float16), dim)
        heap.give_back()  # the contents' own arrays, freed one by one: their pages back before the search grows
        owners = [n for n, i in enumerate(embedded) for _ in range(_count(contents[i].queries))]
        extra = extra_k = None
        if owners:
            framed = [contents[i] for i in embedded if contents[i].queries is not None]
            kind = np.result_type(*[c.queries.dtype for c in framed])  # type: ignore[union-attr]
            extra = (np.array(owners), _shared(framed, "queries", kind, dim))
            extra_k = np.concatenate([_neighbours(contents[i].queries) for i in embedded])
        flags = None if among is None else among[np.asarray(embedded, dtype=np.int64)]
        ia, ib, c = embedding_pairs(
            vectors, min_cosine=config.min_cosine, extra=extra, extra_k=extra_k, among=flags, check=check
        )
        index = np.asarray(embedded, dtype=np.int64)
        ea, eb, cos = index[ia], index[ib], np.asarray(c.tolist(), dtype=np.float64)
    hkeys, ekeys = pack(ha, hb), pack(ea, eb)
    # the hash pairs first, then the embedding pairs the hashes did not find; each hash pair gets its cosine
    hcos = np.full(len(hkeys), np.nan)
    if len(ekeys):
        order = np.argsort(ekeys)
        pos = np.clip(np.searchsorted(ekeys[order], hkeys), 0, len(ekeys) - 1)
        hit = ekeys[order][pos] == hkeys
        hcos[hit] = cos[order][pos][hit]
    new = ~np.isin(ekeys, hkeys)
    return CandidatePairs(
        np.concatenate([ha, ea[new]]),
        np.concatenate([hb, eb[new]]),
        np.concatenate([np.ones(len(ha), dtype=bool), np.zeros(int(new.sum()), dtype=bool)]),
        np.concatenate([identical, np.zeros(int(new.sum()), dtype=bool)]),
        np.concatenate([hcos, cos[new]]),
        np.concatenate([hd, np.full(int(new.sum()), -1)]),
    )


def _shared(contents: list[Content], name: str, dtype: np.dtype, dim: int) -> np.ndarray:
    """One array of the contents' vectors (`name`: "vector", or "queries" with rows of their own), each content's
    own array replaced by a view of its rows as it is copied in, wherever the values are the same: the search
    then holds every vector once, not twice (2.6 GB of float16 vectors at 1,000,000 photos)."""
    rows = [1 if name == "vector" else len(getattr(c, name)) for c in contents]
    out = np.empty((sum(rows), dim), dtype=dtype)
    at = 0
    for c, n in zip(contents, rows, strict=True):
        own = getattr(c, name)
        out[at : at + n] = own
        if own.dtype == dtype:  # a float32 vector put in float16 keeps its own, finer values
            view = out[at] if name == "vector" else out[at : at + n]
            setattr(c, name, view)
        at += n
    return out


def _hash_pairs(
    contents: list[Content], ok: list[int], config: ScanConfig, among: np.ndarray | None, check: Callable[[], None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, pHash plus dHash distance, near-identical) of the pairs close by their hashes under some transform."""
    thr = config.hashes
    none = np.empty(0, dtype=np.int64)
    hashable = [i for i in ok if not contents[i].info.uniform]  # type: ignore[union-attr]
    if len(hashable) < 2:
        return none, none, none, np.empty(0, dtype=bool)
    ph = np.stack([contents[i].phash for i in hashable])  # type: ignore[misc]
    dh = np.stack([contents[i].dhash for i in hashable])  # type: ignore[misc]
    flags = None if among is None else among[np.asarray(hashable, dtype=np.int64)]
    ia, ib, it, dp = dihedral_hash_pairs(ph, thr.phash, among=flags, check=check)
    dd = hamming(dh[ia, 0], dh[ib, it])
    near = dd <= thr.dhash
    index = np.asarray(hashable, dtype=np.int64)
    identical = (dp[near] <= thr.identical) & (dd[near] <= 2 * thr.identical)
    return index[ia[near]], index[ib[near]], dp[near] + dd[near], identical


def hash_partners(
    contents: list[Content], config: ScanConfig, among: np.ndarray, check: Callable[[], None] = lambda: None
) -> np.ndarray:
    """`among` (a flag per content) and every content close by its hashes to a flagged one: the candidates of
    these hold all the pairs of both pictures of every pair with a flagged content, so `crowded` ranks those pairs
    as it would among all pairs (a rescan searches for the new or changed contents' pairs only)."""
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    a, b, _, _ = _hash_pairs(contents, ok, config, among, check)
    out = among.copy()
    out[a] = out[b] = True
    return out


def _count(queries: np.ndarray | None) -> int:
    return 0 if queries is None else len(queries)


def _neighbours(queries: np.ndarray | None) -> np.ndarray:
    """How many nearest pictures each extra query may pair its picture with: few for a rotation, all for a frame."""
    if queries is None:
        return np.zeros(0, dtype=np.int64)
    limits = np.full(len(queries), ALL_NEIGHBOURS, dtype=np.int64)
    limits[: rotated_rows(queries)] = ROTATED_NEIGHBOURS
    return limits


def crowded(found: CandidatePairs, nearest: int) -> np.ndarray:
    """A mask of the pairs only the hashes found (no embedding cosine, not near-identical) that are not among the
    `nearest` such pairs of either picture, by hash distance (ties by the other picture's index)."""
    rows = np.flatnonzero(found.close & np.isnan(found.cosine) & ~found.identical)
    mask = np.zeros(len(found), dtype=bool)
    if not len(rows):
        return mask
    node = np.concatenate([found.a[rows], found.b[rows]])
    other = np.concatenate([found.b[rows], found.a[rows]])
    dist = np.concatenate([found.distance[rows], found.distance[rows]])
    order = np.lexsort((other, dist, node))
    by_node = node[order]
    rank = np.arange(len(order)) - np.searchsorted(by_node, by_node, side="left")
    mask[rows] = True
    mask[np.concatenate([rows, rows])[order][rank < nearest]] = False
    return mask
