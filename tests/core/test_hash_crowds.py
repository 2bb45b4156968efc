"""Pairs only the hashes found: a crowd of look-alikes is verified for each picture's few nearest, a crowd of real
copies in full (linking.HASH_ONLY_NEAREST)."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Iterator

import numpy as np
from PIL import Image, ImageEnhance

from dedup_gui.core import verify
from dedup_gui.core.candidates import CandidatePairs, crowded
from dedup_gui.core.checker import Pair, PairChecker
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.linking import HASH_ONLY_NEAREST, confirm
from dedup_gui.core.types import ImageInfo, Tier
from tests.conftest import photo


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return Image.open(out).convert("RGB")


def _only_hashes(pairs: list[Pair], distance: list[int]) -> CandidatePairs:
    n = len(pairs)
    return CandidatePairs(
        np.array([a for a, _ in pairs]),
        np.array([b for _, b in pairs]),
        np.ones(n, dtype=bool),
        np.zeros(n, dtype=bool),
        np.full(n, np.nan),
        np.array(distance),
    )


def test_each_pictures_nearest_pairs_only_the_hashes_found_come_first() -> None:
    # picture 0 has five such pairs; 4 and 5 have theirs with 0 only, so theirs are among their nearest
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (6, 7)]
    found = CandidatePairs(
        np.array([a for a, _ in pairs]),
        np.array([b for _, b in pairs]),
        np.array([1, 1, 1, 1, 1, 1, 1], dtype=bool),
        np.array([0, 0, 0, 0, 0, 0, 1], dtype=bool),  # near-identical: never held back
        np.array([np.nan, np.nan, np.nan, 0.7, np.nan, np.nan, np.nan]),  # the embeddings found (0, 4) too
        np.array([9, 3, 5, 20, 1, 2, 0]),
    )
    later = crowded(found, 2)
    # 0's nearest: (0, 5) at 1, (0, 2) at 3; (0, 1) is 1's nearest after (1, 2); (0, 3) is 3's only pair
    assert later.tolist() == [False] * 7
    later = crowded(found, 1)
    assert [p for p, held in zip(pairs, later, strict=True) if held] == [(0, 1), (0, 2)]


class _Counting(PairChecker):
    """The real checker, noting each pair it was asked to verify."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.asked: list[Pair] = []

    def each_verdict(
        self, pairs: Iterable[Pair], dense: Collection[Pair] = (), closer: Collection[Pair] = ()
    ) -> Iterator[tuple[Pair, verify.Verification]]:
        self.asked += list(pairs)
        yield from super().each_verdict(pairs, dense, closer)


def test_a_crowd_of_look_alikes_is_verified_for_its_nearest_and_a_crowd_of_copies_in_full() -> None:
    base = photo("astronaut", (320, 320))
    copies = [
        base,
        base.resize((256, 256), Image.Resampling.LANCZOS),
        ImageEnhance.Brightness(base).enhance(1.15),
        base.crop((8, 8, 312, 312)),
        ImageEnhance.Contrast(base).enhance(0.85),
        base.resize((300, 300), Image.Resampling.BICUBIC),
        _jpeg(base, 60),
    ]
    others = [photo(n, (320, 320)) for n in ("coffee", "chelsea", "rocket", "camera", "coins", "immunohistochemistry")]
    pictures = copies + others
    thumbs = [np.asarray(p.convert("RGB")) for p in pictures]
    contents = [
        Content([f"/p/{k}.jpg"], [k + 1], 1000 + k, ImageInfo(320, 320, "JPEG", None, None, False))
        for k in range(len(pictures))
    ]
    n = len(copies)
    crowd_of_copies = [(i, j) for i in range(n) for j in range(i + 1, n)]
    look_alikes = [(i, j) for i in range(n, len(pictures)) for j in range(i + 1, len(pictures))]
    pairs = crowd_of_copies + look_alikes
    distance = [(i * 7 + j * 3) % 11 + 8 for i, j in pairs]  # any order: each picture's nearest are its own
    found = _only_hashes(pairs, distance)
    assert crowded(found, HASH_ONLY_NEAREST)[: len(crowd_of_copies)].sum() >= 3  # copies' pairs held back at first

    checker = _Counting(lambda ks: {k: thumbs[k] for k in ks}, workers=2)
    links = confirm(contents, ScanConfig(roots=()), found, checker, np.zeros(len(contents), dtype=bool))

    nearest: set[Pair] = set()
    for k in range(len(pictures)):
        mine = sorted((d, max(p) if min(p) == k else min(p), p) for p, d in zip(pairs, distance, strict=True) if k in p)
        nearest |= {p for _, _, p in mine[:HASH_ONLY_NEAREST]}
    asked = set(checker.asked)
    assert len(checker.asked) == len(asked)  # no pair verified twice
    # the copies: every pair verified (its first pairs found copies), and every pair a link
    assert set(crowd_of_copies) <= asked
    assert {(i, j) for i, j, ev in links if ev.tier is Tier.SAME_PHOTO} == set(crowd_of_copies)
    # the look-alikes: their nearest pairs only, all different, so nothing more
    assert asked & set(look_alikes) == nearest & set(look_alikes) != set(look_alikes)

    every = _Counting(lambda ks: {k: thumbs[k] for k in ks}, workers=2)
    confirm(contents, ScanConfig(roots=()), found, every)  # no flags given (hashes alone): every pair at once
    assert set(every.asked) == set(pairs)
