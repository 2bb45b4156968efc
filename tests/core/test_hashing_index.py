"""Perceptual hashes (as imagehash computes them, under all 8 transforms) and the multi-index Hamming search."""

from __future__ import annotations

import imagehash
import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import index as index_module
from dedup_gui.core.candidates import candidates
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.hashing import (
    TRANSFORMS,
    best_transform,
    dhash_stack,
    dihedral,
    hamming,
    image_hashes,
    phash_stack,
)
from dedup_gui.core.index import chunk_widths, dihedral_hash_pairs, embedding_pairs, hamming_pairs
from dedup_gui.core.types import ImageInfo
from tests.conftest import photo


def gray64(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L").resize((64, 64), Image.Resampling.BILINEAR))


def test_identity_hashes_equal_imagehash() -> None:
    img = Image.fromarray(gray64(photo("astronaut")))
    p, d = image_hashes(np.asarray(img))
    assert f"{int(p[0]):016x}" == str(imagehash.phash(img))
    assert f"{int(d[0]):016x}" == str(imagehash.dhash(img))


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "rocket"])
def test_hashes_are_bit_for_bit_those_of_each_transform_resized_on_its_own(name: str) -> None:
    """Only the image and its transpose are resized; the other six must come out exactly as if resized too."""
    gray = gray64(photo(name, (500, 333)))

    def resized(size: tuple[int, int]) -> np.ndarray:
        return np.stack([np.asarray(Image.fromarray(t).resize(size, Image.Resampling.LANCZOS)) for t in dihedral(gray)])

    p, d = image_hashes(gray)
    assert (p == phash_stack(resized((32, 32)).astype(np.float64))).all()
    assert (d == dhash_stack(resized((9, 8)).astype(np.int16))).all()


@pytest.mark.parametrize(
    ("transpose", "name"),
    [
        (Image.Transpose.ROTATE_90, "rot90"),
        (Image.Transpose.ROTATE_180, "rot180"),
        (Image.Transpose.ROTATE_270, "rot270"),
        (Image.Transpose.FLIP_LEFT_RIGHT, "mirror"),
        (Image.Transpose.TRANSPOSE, "mirror+rot90"),
    ],
)
def test_transformed_copy_matches_exactly_under_its_transform(transpose: Image.Transpose, name: str) -> None:
    base = gray64(photo("coffee"))
    moved = np.asarray(Image.fromarray(base).transpose(transpose))
    pb, _ = image_hashes(base)
    pm, _ = image_hashes(moved)
    assert hamming(pm[0], pb[TRANSFORMS.index(name)]) == 0
    assert hamming(pm[0], pb[0]) > 10  # without the transform they look unrelated


@pytest.mark.parametrize(
    "widths", [None, (8,) * 8, (11, 11, 11, 11, 10, 10), (13, 13, 13, 13, 12), (16,) * 4, (22, 21, 21)]
)
def test_hamming_search_equals_brute_force(widths: tuple[int, ...] | None) -> None:
    """Whatever the chunking the library's size picks, every pair within the radius is found, and only those."""
    rng = np.random.default_rng(7)
    queries = rng.integers(0, 2**64, size=300, dtype=np.uint64, endpoint=False)
    database = rng.integers(0, 2**64, size=2000, dtype=np.uint64, endpoint=False)
    flips = np.uint64(1) << rng.integers(0, 64, 300).astype(np.uint64)
    database[:300] = queries ^ flips ^ (flips >> np.uint64(1))
    for k in range(1, 12):  # neighbours at every distance up to 11 bits, spread over the chunks
        database[300 + 100 * k : 400 + 100 * k] = queries[:100] ^ _random_bits(rng, 100, k)
    for radius in (0, 3, 7, 10, 13):
        qi, di, dist = hamming_pairs(queries, database, radius, block=64, widths=widths)
        brute = np.bitwise_count(queries[:, None] ^ database[None, :])
        bi, bj = np.nonzero(brute <= radius)
        assert set(zip(qi.tolist(), di.tolist(), strict=True)) == set(zip(bi.tolist(), bj.tolist(), strict=True))
        assert (dist == brute[qi, di]).all()


def _random_bits(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """n masks of exactly k random bits set."""
    out = np.zeros(n, dtype=np.uint64)
    for i in range(n):
        for b in rng.choice(64, k, replace=False):
            out[i] |= np.uint64(1) << np.uint64(b)
    return out


def test_larger_libraries_get_wider_chunks() -> None:
    """Buckets of a fixed 16 bits grow with the library: at 8 x 1M hashes each query would check ~67,000."""
    assert chunk_widths(10_000, 80_000, 10) == (16,) * 4
    assert chunk_widths(1_000_000, 8_000_000, 10) == (22, 21, 21)
    assert sum(chunk_widths(2, 16, 10)) == 64


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_dihedral_pairs_name_the_transform_applied_to_the_second_image(order: tuple[int, int]) -> None:
    base = gray64(photo("chelsea"))
    rotated = np.asarray(Image.fromarray(base).transpose(Image.Transpose.ROTATE_90))
    images = [image_hashes(base)[0], image_hashes(rotated)[0]]
    hashes = np.stack([images[order[0]], images[order[1]]])
    a, b, t, dist = dihedral_hash_pairs(hashes, 4)
    assert (a.tolist(), b.tolist(), dist.tolist()) == ([0], [1], [0])
    # transform t of image 1 looks like image 0
    assert hamming(hashes[0, 0], hashes[1, int(t[0])]) == 0


def _full_pairs_with(found: tuple[np.ndarray, ...], flags: np.ndarray) -> list[tuple[int, ...]]:
    a, b = found[0], found[1]
    keep = flags[a] | flags[b]
    return sorted(zip(*(col[keep].tolist() for col in found), strict=True))


def test_a_search_among_some_images_finds_what_the_whole_search_finds_with_them() -> None:
    """A rescan after a few photos changed searches for their pairs alone: the same pairs, transforms and
    distances as the whole search, also where several transforms are equally close (symmetric pictures)."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**63, size=(300, 8), dtype=np.uint64)
    base[:40] = base[:40, :1]  # symmetric pictures: every transform hashes alike, so transforms tie
    copies = base[rng.integers(0, 300, size=500)].copy()
    copies = copies[:, rng.permutation(8)]  # turned or mirrored copies
    copies ^= np.uint64(1) << rng.integers(0, 64, size=copies.shape).astype(np.uint64)  # and edited a little
    hashes = np.concatenate([base, copies])
    flags = np.zeros(len(hashes), dtype=bool)
    flags[rng.choice(len(hashes), size=30, replace=False)] = True
    whole = dihedral_hash_pairs(hashes, 6)
    some = dihedral_hash_pairs(hashes, 6, among=flags)
    assert len(some[0]) > 30  # the flagged images have partners
    assert sorted(zip(*(col.tolist() for col in some), strict=True)) == _full_pairs_with(whole, flags)
    nothing = dihedral_hash_pairs(hashes, 6, among=np.zeros(len(hashes), dtype=bool))
    assert len(nothing[0]) == 0


@pytest.mark.parametrize("projected", [False, True])
def test_an_embedding_search_among_some_items_finds_what_the_whole_search_finds_with_them(
    projected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also the pairs where a flagged item is only another item's neighbour, or found by an extra query."""
    if projected:
        monkeypatch.setattr(index_module, "_PCA_FROM", 500)  # the PCA-projected search of large libraries
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((150, 96)).astype(np.float32)
    vectors = centres[rng.integers(0, 150, size=2_000)] + 0.35 * rng.standard_normal((2_000, 96)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owners = rng.integers(0, 2_000, size=300)
    queries = vectors[rng.integers(0, 2_000, size=300)] + 0.1 * rng.standard_normal((300, 96)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flags = np.zeros(2_000, dtype=bool)
    flags[rng.choice(2_000, size=40, replace=False)] = True
    kwargs = {"min_cosine": 0.5, "extra": (owners, queries), "dims": 32}
    whole = embedding_pairs(vectors.astype(np.float16), **kwargs)
    some = embedding_pairs(vectors.astype(np.float16), among=flags, **kwargs)
    assert len(some[0]) > 40
    assert sorted(zip(*(col.tolist() for col in some), strict=True)) == _full_pairs_with(whole, flags)


def test_an_extra_query_limited_to_its_nearest_pairs_its_owner_with_those_only() -> None:
    """A rotated query keeps only its few nearest pictures (its owner not counted); the framed picture's query, with
    no limit, keeps every hit above the cosine."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((200, 256)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # unrelated: cosines about 0 +- 0.06

    def query(*parts: tuple[float, int]) -> np.ndarray:
        q = sum(w * vectors[i] for w, i in parts)
        return q / np.linalg.norm(q)

    # owner 0 near 10, then 11, then 12; owner 1 nearest to itself, then to 20, 21 and 22
    queries = np.stack([query((1.0, 10), (0.8, 11), (0.6, 12)), query((1.1, 1), (1.0, 20), (0.9, 21), (0.8, 22))])
    owners = np.array([0, 1])
    cosines = queries @ vectors.T
    assert (cosines[0, [10, 11, 12]] == np.sort(cosines[0])[::-1][:3]).all()
    assert (cosines[1, [1, 20, 21, 22]] == np.sort(cosines[1])[::-1][:4]).all()
    assert min(cosines[0, [10, 11, 12]].min(), cosines[1, [20, 21, 22]].min()) > 0.3
    assert (vectors @ vectors.T - np.eye(200)).max() < 0.3  # no pair but through the extra queries

    def found(extra_k: np.ndarray | None) -> set[tuple[int, int]]:
        a, b, _ = embedding_pairs(vectors, min_cosine=0.3, extra=(owners, queries), extra_k=extra_k)
        return set(zip(a.tolist(), b.tolist(), strict=True))

    assert found(None) == {(0, 10), (0, 11), (0, 12), (1, 20), (1, 21), (1, 22)}
    assert found(np.array([1, 1])) == {(0, 10), (1, 20)}
    assert found(np.array([2, 1 << 30])) == {(0, 10), (0, 11), (1, 20), (1, 21), (1, 22)}


def test_best_transform_is_the_first_closest_transform() -> None:
    """Pure-integer best_transform (it runs once per group member on the window's store thread) picks what an
    argmin over 2 x pHash + dHash distance picks, the first transform among equals included."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        pa, pb, da, db = (rng.integers(0, 2**63, size=8, dtype=np.uint64) for _ in range(4))
        if rng.random() < 0.5:  # ties: two transforms of b equally close
            pb[5], db[5] = pb[2], db[2]
            pb[0], db[0] = pa[0], da[0]
            pb[3], db[3] = pa[0], da[0]
        dp, dd = hamming(pa[0], pb), hamming(da[0], db)
        want = int(np.argmin(dp.astype(np.int32) * 2 + dd))
        assert best_transform(pa, pb, da, db) == (want, int(dp[want]), int(dd[want]))


def test_the_candidate_search_holds_each_vector_once_and_keeps_every_value() -> None:
    """candidates() copies the contents' float16 vectors into one array for the search and gives each content a
    view of its rows instead of its own array (its extra queries too), so a library's vectors are held once, not
    twice (2.6 GB at 1,000,000 photos); every value stays as it was. A float32 vector keeps its own finer values."""
    rng = np.random.default_rng(7)
    info = ImageInfo(width=640, height=480, format="JPEG", taken=None, camera=None, uniform=False)
    contents = []
    for k in range(300):
        c = Content([f"/p/{k}.jpg"], [k + 1], 1000, info=info)
        c.phash = rng.integers(0, 2**63, 8, dtype=np.uint64)
        c.dhash = rng.integers(0, 2**63, 8, dtype=np.uint64)
        v = rng.standard_normal(64).astype(np.float32)
        c.vector = (v / np.linalg.norm(v)).astype(np.float32 if k == 5 else np.float16)
        if k % 50 == 3:  # a photo inside a screenshot: one extra query
            c.queries = c.vector.astype(np.float16)[None] * np.float16(0.99)
        contents.append(c)
    before = [(c.vector.copy(), None if c.queries is None else c.queries.copy()) for c in contents]
    candidates(contents, ScanConfig(roots=()), check=lambda: None)
    for c, (vector, queries) in zip(contents, before, strict=True):
        assert c.vector.dtype == vector.dtype and np.array_equal(c.vector, vector)
        assert (c.queries is None) == (queries is None)
        if queries is not None:
            assert c.queries.shape == queries.shape and np.array_equal(c.queries, queries)
    stacked = contents[0].vector.base
    assert stacked is not None and stacked.shape == (300, 64)
    assert all(c.vector.base is stacked for k, c in enumerate(contents) if k != 5)
    assert contents[5].vector.base is None  # float32: its own array, not a float16 row
    framed = [c.queries.base for c in contents if c.queries is not None]
    assert len(framed) == 6 and all(base is framed[0] for base in framed) and framed[0].shape == (6, 64)
