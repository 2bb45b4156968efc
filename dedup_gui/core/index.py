"""Candidate pairs without an O(n^2) loop: multi-index Hamming search for hashes, hnswlib for embeddings.

Hamming search (Norouzi et al., multi-index hashing): split the 64-bit hash into m chunks. If two hashes differ
in at most r bits, some chunk differs in at most r // m bits, so probing each chunk's table with every key within
that radius finds every true neighbour; the candidates are then checked on all 64 bits with a vectorised popcount.
The tables are sorted arrays (one argsort per chunk), so everything stays in numpy.

The number of chunks follows the database's size, as the paper advises (chunks of about log2(n) bits): with a
fixed 16 bits, each of 8 x 100,000 hashes' buckets held 12 entries, 37 at 300,000 photos, 122 at a million, and
every query checked every entry of 548 buckets: work per query grew with the library, the whole search nearly
quadratically.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Callable

import numpy as np

log = logging.getLogger("dedup_gui.index")

_PROJECTION_SLACK = 0.15  # cosine a pair may lose in the PCA projection and still be re-scored
_PCA_FROM = 20_000  # below this many vectors the full-dimensional search is fast enough and exact
# Inverse of each dihedral transform, in hashing.TRANSFORMS order (rot90 <-> rot270; the rest are involutions).
_INVERSE_TRANSFORM = np.array([0, 3, 2, 1, 4, 5, 6, 7])
_MAX_CHUNK_BITS = 22  # a table's bucket starts: 2^22 int64s = 32 MB
_PROBE = 2.0  # a probe (two random reads of a table of up to 32 MB) costs about two checked candidates (measured)
_BLOCK_WORK = 4_000_000  # probes plus expected candidates per block of queries: bounded memory at any size
# Rows of full vectors converted to float32 at a time. Candidate pairs are re-scored in chunks of this many: at
# 100,000 photos with 12 neighbours each, gathering both sides of every pair at once took 13 GB.
_ROWS = 16_384


@functools.cache
def _flip_masks(width: int, radius: int) -> np.ndarray:
    """Every `width`-bit mask with at most `radius` bits set."""
    masks = [0]
    for r in range(1, radius + 1):
        for bits in itertools.combinations(range(width), r):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)


def _per_query(widths: tuple[int, ...], entries: int, radius: int, probe: float) -> float:
    """Expected work of one query: each chunk's probed keys (at `probe` each) and the hashes in their buckets."""
    sub_radius = radius // len(widths)
    return sum(sum(math.comb(w, r) for r in range(sub_radius + 1)) * (probe + entries / 2**w) for w in widths)


def chunk_widths(queries: int, entries: int, radius: int) -> tuple[int, ...]:
    """Widths of the chunks that do least work, in expectation, for this search.

    Per query and chunk of w bits, every key within r // m bits is probed, and each probed bucket holds about
    entries / 2^w hashes to check; each chunk's table costs 2^w to build. Few wide chunks probe many keys of nearly
    empty buckets; many narrow ones probe few keys of crowded buckets. 8 x 1,000 hashes within 10 bits: 6 chunks
    of 10-11 bits; 8 x 10,000 and 100,000: 4 of 16; 8 x 200,000 and more: 3 of 21-22.
    """
    best: tuple[float, tuple[int, ...]] | None = None
    for m in range(2, 9):
        widths = tuple(64 // m + (i < 64 % m) for i in range(m))
        if widths[0] > _MAX_CHUNK_BITS:
            continue
        cost = queries * _per_query(widths, entries, radius, _PROBE) + sum(2**w + entries for w in widths)
        if best is None or cost < best[0]:
            best = (cost, widths)
    assert best is not None
    return best[1]


def hamming_pairs(
    queries: np.ndarray,
    database: np.ndarray,
    radius: int,
    *,
    block: int = 4096,
    widths: tuple[int, ...] | None = None,
    check: Callable[[], None] = lambda: None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (query index, database index, distance) with Hamming distance <= radius.

    `widths` (chunk widths summing to 64) defaults to `chunk_widths` for the search's size. `check` is called
    between blocks so a cancel is honoured within a fraction of a second.
    """
    queries = np.ascontiguousarray(queries, dtype=np.uint64)
    database = np.ascontiguousarray(database, dtype=np.uint64)
    if len(queries) == 0 or len(database) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    widths = widths or chunk_widths(len(queries), len(database), radius)
    assert sum(widths) == 64, widths
    sub_radius = radius // len(widths)
    tables = []
    shift = 0
    for width in widths:
        keys = _chunk(database, shift, width)
        order = np.argsort(keys, kind="stable")
        starts = np.zeros((1 << width) + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=1 << width), out=starts[1:])
        # the hashes themselves in bucket order: each probe then reads one contiguous run of memory
        tables.append((shift, width, _flip_masks(width, sub_radius), order, database[order], starts))
        shift += width
    # memory per query: one slot per probed key and per expected bucket entry
    block = max(16, min(block, int(_BLOCK_WORK / _per_query(widths, len(database), radius, 1.0))))
    out_q, out_d, out_dist = [], [], []
    for lo in range(0, len(queries), block):
        check()
        q = queries[lo : lo + block]
        found_q, found_d, found_dist = [], [], []
        for shift, width, masks, order, sorted_db, starts in tables:
            keys = (_chunk(q, shift, width)[:, None] ^ masks[None, :]).ravel()
            begin = starts[keys]
            counts = starts[keys + 1] - begin
            nz = np.flatnonzero(counts)
            begin, counts, qidx = begin[nz], counts[nz], (nz // len(masks)).astype(np.int32)
            total = int(counts.sum())
            if total == 0:
                continue
            # positions begin..end-1 of every probed bucket, flattened without a Python loop
            offsets = np.repeat(begin - np.cumsum(counts) + counts, counts) + np.arange(total, dtype=np.int64)
            cq = np.repeat(qidx, counts)
            dist = np.bitwise_count(q[cq] ^ sorted_db[offsets])
            keep = dist <= radius
            found_q.append(cq[keep])
            found_d.append(order[offsets[keep]])
            found_dist.append(dist[keep])
        if not found_q:
            continue
        cq = np.concatenate(found_q).astype(np.int64)
        cd = np.concatenate(found_d)
        dist = np.concatenate(found_dist).astype(np.int64)
        # a pair found through several chunks is reported once
        _, first = np.unique(cq * len(database) + cd, return_index=True)
        out_q.append(cq[first] + lo)
        out_d.append(cd[first])
        out_dist.append(dist[first])
    if not out_q:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(out_q), np.concatenate(out_d), np.concatenate(out_dist)


def _chunk(hashes: np.ndarray, shift: int, width: int) -> np.ndarray:
    return ((hashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)


def dihedral_hash_pairs(
    hashes: np.ndarray,
    radius: int,
    *,
    among: np.ndarray | None = None,
    check: Callable[[], None] = lambda: None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) whose identity hash is within radius of any dihedral transform of the other.

    `hashes` is (n, 8): column t is the hash of transform t of the image. Returns (i, j, transform, distance)
    with the smallest distance per pair, the transform being the one applied to j. With `among` (a flag per
    image), only the pairs with a flagged image, exactly as the whole search would give them: a rescan after a
    few photos changed searches for those alone.
    """
    n = len(hashes)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, empty
    database = hashes.reshape(-1)  # entry k is image k // 8 under transform k % 8
    if among is None:
        qi, dk, dist = hamming_pairs(hashes[:, 0], database, radius, check=check)
    else:
        qi, dk, dist = _pairs_with(hashes, np.flatnonzero(among), radius, check)
    dj, dt = dk // 8, dk % 8
    keep = qi != dj
    qi, dj, dt, dist = qi[keep], dj[keep], dt[keep], dist[keep]
    # keep the best transform per unordered pair; a pair seen from both sides keeps the smaller distance.
    # Seen from b's side, the transform was applied to a: T(a) ~ b means T^-1(b) ~ a.
    dt = np.where(qi < dj, dt, _INVERSE_TRANSFORM[dt])
    a, b = np.minimum(qi, dj), np.maximum(qi, dj)
    order = np.lexsort((dist, b, a))
    a, b, dt, dist = a[order], b[order], dt[order], dist[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], dt[first], dist[first]


def _pairs_with(
    hashes: np.ndarray, picked: np.ndarray, radius: int, check: Callable[[], None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What hamming_pairs(identity hashes, every transform's hash) finds with a picked image on either side, in its
    order (by query, then entry), so that the choice among equally distant transforms is the same."""
    picked = picked.astype(np.int64)
    if not len(picked):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    q1, d1, s1 = hamming_pairs(hashes[picked, 0], hashes.reshape(-1), radius, check=check)
    q2, d2, s2 = hamming_pairs(hashes[:, 0], hashes[picked].reshape(-1), radius, check=check)
    qi = np.concatenate([picked[q1], q2])
    dk = np.concatenate([d1, picked[d2 // 8] * 8 + d2 % 8])
    dist = np.concatenate([s1, s2])
    keys = qi * (8 * len(hashes)) + dk
    _, first = np.unique(keys, return_index=True)  # sorted by (query, entry); found from both sides once
    return qi[first], dk[first], dist[first]


def _projector(vectors: np.ndarray, dims: int, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """PCA projection to `dims` dimensions (fitted on at most 4k rows), re-normalised.

    Neighbour search in 1280 dimensions costs 10x more than in 128 for nearly the same neighbour lists; the
    candidates are re-scored with the full vectors afterwards, so the projection only decides who is compared.
    """
    if vectors.shape[1] <= dims or len(vectors) <= _PCA_FROM:
        return lambda v: np.ascontiguousarray(v, dtype=np.float32)
    rng = np.random.default_rng(seed)
    sample = np.asarray(vectors[rng.choice(len(vectors), min(len(vectors), 4_000), replace=False)], np.float32)
    mean = sample.mean(axis=0)
    centred = sample - mean
    # randomized range finder (Halko et al.): a few products with a thin random matrix find the top subspace
    # in a fraction of the time of a full 1280 x 1280 eigendecomposition
    y = centred.T @ (centred @ rng.standard_normal((vectors.shape[1], dims + 16)).astype(np.float32))
    for _ in range(2):
        y, _ = np.linalg.qr(y)
        y = centred.T @ (centred @ y)
    q, _ = np.linalg.qr(y)
    small = q.T @ (centred.T @ (centred @ q))
    _, eigvecs = np.linalg.eigh(small)  # ascending eigenvalues: the last columns matter most
    basis = np.ascontiguousarray((q @ eigvecs[:, ::-1])[:, :dims], dtype=np.float32)

    def project(v: np.ndarray) -> np.ndarray:
        out = np.empty((len(v), dims), dtype=np.float32)
        for lo in range(0, len(v), _ROWS):  # in chunks: no float32 copy of every full vector at once
            reduced = (np.asarray(v[lo : lo + _ROWS], dtype=np.float32) - mean) @ basis
            reduced /= np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12)
            out[lo : lo + len(reduced)] = reduced
        return out

    return project


def embedding_pairs(
    vectors: np.ndarray,
    *,
    k: int = 12,
    min_cosine: float = 0.8,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    extra_k: np.ndarray | None = None,
    among: np.ndarray | None = None,
    dims: int = 128,
    threads: int = 0,
    check: Callable[[], None] = lambda: None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) among L2-normalised vectors whose cosine is at least min_cosine, via hnswlib.

    `extra`, if given, is (owners, query vectors): more queries on behalf of an item (the embeddings of its
    rotations, of the photo inside a screenshot); what they find is paired with their owner. `extra_k` (one per
    extra query) keeps only that many of each extra query's nearest items besides its owner. Returns (i, j, best
    cosine), the cosine computed exactly with the full vectors. `vectors` may be float16 (half the memory at
    100,000 photos): they are converted to float32 a chunk at a time.

    With `among` (a flag per item), only the pairs with a flagged item, as the whole search gives them. Every
    query still runs: a flagged item may be any item's neighbour, and with these embeddings nearly every photo
    is within the search's reach of a few changed ones (93 % of a 10,000-photo library at cosine 0.6 of 85 of
    them). What is saved is the exact re-scoring of every other pair.
    """
    import hnswlib

    n = len(vectors)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    if vectors.dtype not in (np.float16, np.float32):
        vectors = vectors.astype(np.float32)
    vectors = np.ascontiguousarray(vectors)
    project = _projector(vectors, dims)
    search = project(vectors)
    index = hnswlib.Index(space="ip", dim=search.shape[1])
    index.init_index(max_elements=n, ef_construction=48, M=12, random_seed=1)
    index.set_num_threads(threads or -1)
    step = 20_000
    for lo in range(0, n, step):
        check()
        index.add_items(search[lo : lo + step], np.arange(lo, min(n, lo + step)))
    kk = min(k + 1, n)
    index.set_ef(max(48, kk * 2))
    owners = np.arange(n)
    extra_queries = np.empty((0, vectors.shape[1]), dtype=np.float32)
    if extra is not None and len(extra[0]):
        owners = np.concatenate([owners, np.asarray(extra[0], dtype=np.int64)])
        extra_queries = np.asarray(extra[1])  # float16 as given: converted a chunk at a time, as `vectors` are
    searched = np.concatenate([search, project(extra_queries)]) if len(extra_queries) else search
    floor = min_cosine - _PROJECTION_SLACK  # the projection loses a little: what could reach min_cosine in full
    extra_k = None if extra_k is None else np.asarray(extra_k, dtype=np.int64)
    among = None if among is None else np.asarray(among, dtype=bool)
    found_q, found_j = [], []
    for lo in range(0, len(searched), step):
        check()
        labels, distances = index.knn_query(searched[lo : lo + step], k=kk)
        near = (1.0 - distances) >= floor
        rows = np.repeat(np.arange(lo, lo + len(labels)), kk).reshape(labels.shape)
        if extra_k is not None and lo + len(labels) > n:
            near &= _within_extra_k(labels, rows, owners, n, extra_k)
        if among is not None:
            near &= among[owners[rows]] | among[labels.astype(np.int64)]
        found_q.append(rows[near])
        found_j.append(labels[near].astype(np.int64))
    q = np.concatenate(found_q)
    j = np.concatenate(found_j)
    i = owners[q]
    keep = i != j
    q, i, j = q[keep], i[keep], j[keep]
    cos = _cosines(vectors, extra_queries, q, j)
    a, b = np.minimum(i, j), np.maximum(i, j)
    keep = cos >= min_cosine
    a, b, cos = a[keep], b[keep], cos[keep]
    order = np.lexsort((-cos, b, a))
    a, b, cos = a[order], b[order], cos[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], cos[first].astype(np.float32)


def _within_extra_k(
    labels: np.ndarray, rows: np.ndarray, owners: np.ndarray, n: int, extra_k: np.ndarray
) -> np.ndarray:
    """Which hits an extra query may keep: its first extra_k nearest items other than its owner (hnswlib returns
    each query's hits nearest first); an item's own query keeps all of them."""
    not_owner = labels.astype(np.int64) != owners[rows]
    rank = np.cumsum(not_owner, axis=1) - 1
    limit = np.full(len(labels), labels.shape[1], dtype=np.int64)
    extra_rows = rows[:, 0] >= n
    limit[extra_rows] = extra_k[rows[extra_rows, 0] - n]
    return rank < limit[:, None]


def _cosines(vectors: np.ndarray, extra: np.ndarray, q: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Exact cosine of each (query q, item j); query q < n is item q, the rest are rows of `extra`."""
    n = len(vectors)
    out = np.empty(len(q), dtype=np.float32)
    for lo in range(0, len(q), _ROWS):
        qq, jj = q[lo : lo + _ROWS], j[lo : lo + _ROWS]
        own = qq < n
        left = np.empty((len(qq), vectors.shape[1]), dtype=np.float32)
        left[own] = vectors[qq[own]]
        left[~own] = extra[qq[~own] - n]
        out[lo : lo + len(qq)] = np.einsum("ij,ij->i", left, vectors[jj].astype(np.float32))
    return out
