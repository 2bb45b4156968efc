"""Pairs only the hashes found: a crowd of look-alikes is verified for each picture's few nearest, a crowd of real
copies in full (linking.HASH_ONLY_NEAREST)."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from dedup_gui.core import linking, verify
from dedup_gui.core.candidates import CandidatePairs, crowded
from dedup_gui.core.checker import Pair, PairChecker
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.hashing import image_hashes
from dedup_gui.core.linking import HASH_ONLY_NEAREST, confirm
from dedup_gui.core.types import ImageInfo, Tier
from tests.conftest import near_scan, photo, together


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
        self,
        pairs: Iterable[Pair],
        dense: Collection[Pair] = (),
        closer: Collection[Pair] = (),
        doubtful: Collection[Pair] = (),
    ) -> Iterator[tuple[Pair, verify.Verification]]:
        self.asked += list(pairs)
        yield from super().each_verdict(pairs, dense, closer, doubtful)


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


def _page(k: int) -> Image.Image:
    """A scanned page of one typed document: the same heading and layout, other words, scanner noise."""
    rng = random.Random(k)
    img = Image.new("L", (680, 880), 250)
    draw = ImageDraw.Draw(img)
    draw.text((70, 48), "ACME Holdings - Agreement", fill=30, font=ImageFont.load_default(size=20))
    draw.line((70, 82, 610, 82), fill=60, width=2)
    font = ImageFont.load_default(size=13)
    for y in range(104, 790, 17):
        draw.text((70, y), " ".join(rng.choice(_WORDS) for _ in range(12))[:76], fill=25, font=font)
    draw.text((330, 820), f"- {k + 1} -", fill=30, font=font)
    noisy = np.asarray(img, np.float32) + np.random.default_rng(k).normal(0, 2.5, (880, 680))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).convert("RGB")


_WORDS = "the of and to in is that for it as was with be by on not this are or from at which contract shall".split()


def _emailed(page: Image.Image, path: Path, quality: int = 50) -> None:
    w, h = page.size
    small = page.crop((14, 18, w - 14, h - 18)).resize((w * 45 // 100, h * 45 // 100), Image.Resampling.BILINEAR)
    small.save(path, "JPEG", quality=quality)


def _asked_by_confirm(monkeypatch: pytest.MonkeyPatch) -> list[set[frozenset[str]]]:
    """The candidate pairs each scan's confirm hands the checker, by file name (one set a scan); grouping's own
    asks afterwards (a member against its anchor) are not among them."""
    scans: list[set[frozenset[str]]] = []
    real = linking.confirm

    def recording(contents: list[Content], *args: Any, **kwargs: Any) -> linking.Links:
        checker, asked = args[2], set()
        verdicts = checker.each_verdict

        def each(pairs: Iterable[Pair], **rest: Any) -> Iterator[tuple[Pair, verify.Verification]]:
            for pair, v in verdicts(pairs, **rest):
                asked.add(frozenset(Path(contents[k].paths[0]).name for k in pair))
                yield pair, v

        checker.each_verdict = each
        try:
            return real(contents, *args, **kwargs)
        finally:
            checker.each_verdict = verdicts
            scans.append(asked)

    monkeypatch.setattr(linking, "confirm", recording)
    return scans


def test_a_rescan_verifies_the_changed_pictures_pairs_in_a_crowd_as_a_fresh_scan_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of one document are a crowd of look-alikes, so most of their pairs wait for a copy. A rescan searches
    only the pairs with a new or changed picture; ranked among those alone, an unchanged page's pairs with the new
    pictures came first, and the rescan verified pairs a fresh scan of the same files holds back."""
    import hnswlib

    # the neighbour index built on one thread: the same nearest pictures in both scans (built on several, the
    # pictures at the margin of a page's 12 nearest vary from build to build, and with them its pairs only the
    # hashes found)
    set_threads = hnswlib.Index.set_num_threads
    monkeypatch.setattr(hnswlib.Index, "set_num_threads", lambda self, n: set_threads(self, 1))
    lib = tmp_path / "lib"
    lib.mkdir()
    pages = [_page(k) for k in range(34)]
    for k in range(30):
        pages[k].save(lib / f"scan_{k:03d}.png")
    for k in (3, 10, 17, 24):
        _emailed(pages[k], lib / f"emailed_{k:03d}.jpg")
    asked = _asked_by_confirm(monkeypatch)
    first = near_scan(lib, tmp_path / "a.sqlite3")
    assert together(first, lib / "scan_010.png", lib / "emailed_010.jpg")
    # a copy saved again, a new copy, and new pages of the same document
    _emailed(pages[3], lib / "emailed_003.jpg", quality=40)
    _emailed(pages[21], lib / "emailed_021.jpg")
    for k in range(30, 34):
        pages[k].save(lib / f"scan_{k:03d}.png")
    changed = {"emailed_003.jpg", "emailed_021.jpg", *(f"scan_{k:03d}.png" for k in range(30, 34))}
    with caplog.at_level(logging.INFO, logger="dedup_gui"):
        rescan = near_scan(lib, tmp_path / "a.sqlite3")
        fresh = near_scan(lib, tmp_path / "b.sqlite3")
    assert "left unverified" in caplog.text  # the crowd holds pairs back
    _, by_rescan, by_fresh = asked
    assert by_rescan == {pair for pair in by_fresh if pair & changed}
    assert {frozenset(g.paths) for g in rescan.groups} == {frozenset(g.paths) for g in fresh.groups}
    assert together(rescan, lib / "scan_021.png", lib / "emailed_021.jpg")


def test_frames_of_one_burst_dated_the_same_second_are_verified_not_trusted_by_their_hashes() -> None:
    """A copy keeps its original's capture time, so the same second says nothing: a frame of the burst whose hashes
    are near-identical to the last one's is verified, and the camera that moved between them keeps it out of the
    copies; a copy of the same size and format is verified and stays a copy. A copy resized (no frame of a burst),
    and two pictures without capture times, are still trusted by their hashes."""
    full = photo("astronaut", (1000, 1000))
    frame = full.crop((50, 50, 900, 900))
    pictures = [frame, full.crop((68, 62, 918, 912)), _jpeg(frame, 70), frame.resize((600, 600))]
    pictures += [photo("coffee", (400, 300)), photo("coffee", (400, 300)).resize((200, 150))]
    thumbs = [np.asarray(p.convert("RGB").resize((256, 256 * p.height // p.width))) for p in pictures]
    iphone = ImageInfo(850, 850, "JPEG", "2022-04-11T15:24:09", "Apple iPhone 12", False)
    undated = ImageInfo(400, 300, "JPEG", None, None, False)
    infos = [iphone, iphone, iphone, replace(iphone, width=600, height=600), undated, replace(undated, width=200)]
    contents = []
    for k, (picture, info) in enumerate(zip(pictures, infos, strict=True)):
        phash, dhash = image_hashes(np.asarray(picture.convert("L").resize((256, 256))))
        contents.append(Content([f"/p/{k}.jpg"], [k + 1], 1000 + k, info, phash=phash, dhash=dhash))
    pairs = [(0, 1), (0, 2), (0, 3), (4, 5)]
    found = CandidatePairs(
        np.array([a for a, _ in pairs]),
        np.array([b for _, b in pairs]),
        np.ones(4, dtype=bool),
        np.ones(4, dtype=bool),  # near-identical hashes, all four
        np.full(4, np.nan),
        np.zeros(4, dtype=np.int64),
    )
    checker = _Counting(lambda ks: {k: thumbs[k] for k in ks}, workers=1)
    links = {(i, j): ev for i, j, ev in confirm(contents, ScanConfig(roots=()), found, checker)}
    assert sorted(checker.asked) == [(0, 1), (0, 2)]  # what may be frames of one burst, and only those
    assert links[(0, 2)].tier is Tier.SAME_PHOTO and links[(0, 2)].method == "geometry"
    assert (0, 1) not in links or links[(0, 1)].tier is Tier.SIMILAR  # the next frame: never a copy
    assert links[(0, 3)].method == links[(4, 5)].method == "hash"
