"""Geometric verification of content pairs for one scan: features computed once per image, verdicts remembered.

Linking verifies its candidates through it in batches; assembly asks it about pairs linking never saw (a copy
matched through another member of a group is verified against the group's anchor on demand), and about pairs it
did see (a member verified as another shot contradicts a newcomer).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import cv2
import numpy as np
from PIL import Image

from dedup_gui.core import collector, colours, heap, kept_keypoints, keypoints, verify
from dedup_gui.core.content import Content
from dedup_gui.core.detail import DETAIL_SIDE, Source, decode_gray
from dedup_gui.core.kept_keypoints import KeptKeypoints, NoKeptKeypoints
from dedup_gui.core.keyset import KeySet
from dedup_gui.core.spill import KeypointSpill
from dedup_gui.core.store import Store
from dedup_gui.core.verify_batches import BUDGET as FEATURE_BUDGET
from dedup_gui.core.verify_batches import local_order_keys

log = logging.getLogger("dedup_gui.checker")

Thumbnails = Callable[[list[int]], dict[int, np.ndarray]]  # content indices -> RGB thumbnails
Pair = tuple[int, int]
_CHUNK = 256  # images or pairs per batch: bounded memory, and a cancel is honoured between batches
# Batches queued on the pool beyond the one being handed out, at most (half the threads, at least one). Verifying a
# batch used to wait for its slowest pair (a larger decode, up to a second) with every other core idle: on 16
# threads the recorded task times of a 4,000-photo library's scan give the matching stage 62 s that way against
# 22 s of work per thread; with 4 batches ahead, 23 s (2 threads: 184 s, ideal 172 s, 1 ahead 173 s). Each batch
# ahead holds its new features (up to 512 pictures, about 90 KB each) beyond the feature budget.
_AHEAD = 4
HUE_SIDE = 16  # long side of the colour maps kept for pairs trusted by their hashes: 384 bytes a picture
# Larger decodes' features kept for later pairs, least recently used dropped first: an image short of detail is
# usually a candidate of several others, and its decode and SIFT at 1024 px cost more than the pair's alignment.
DETAIL_BUDGET = 128 * 2**20
# When a grey picture is dropped its keypoints stay in a scratch file (spill.py): SIFT is 85 % of a larger decode's
# cost, so a picture asked for again is decoded again but not analysed again. The same holds for the thumbnails'
# features past FEATURE_BUDGET: a library of 100,000 photos has room for 4 % of them, and no order of its candidate
# pairs keeps the rest close (its candidate graph has no narrow cut): with features made again when asked for,
# SIFT ran 4.7 times per thumbnail there (bench_verify_order.py), and the matching stage went half as fast.
_KEY_SLICE = 1 << 14  # keys made a set at a time (_set_of): about 3 ms each
_THUMBNAIL = 0  # the spill key's size for a thumbnail's features (a larger decode's is its long side, > 256)


V = TypeVar("V")
T = TypeVar("T")


class _Budget(Generic[V]):
    """Values kept least recently used first within a byte budget (the two newest always stay); thread-safe."""

    def __init__(self, budget: int, size: Callable[[V], int]) -> None:
        self.budget, self._size = budget, size
        self._items: OrderedDict[tuple[int, int], V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> tuple[bool, V | None]:
        """(found, value): a value may be None itself (a file that could not be decoded again)."""
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: tuple[int, int], value: V) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += self._size(value)
            while self._bytes > self.budget and len(self._items) > 2:
                _, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)


class VerdictCache(Protocol):
    """Verification results kept between scans, keyed by content-index pairs of this scan."""

    durable: bool  # what is put can be read back: a verdict need not stay in memory

    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]: ...

    def each(self, pairs: Collection[Pair]) -> Iterator[tuple[Pair, verify.Verification]]: ...

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None: ...


class NoVerdictCache:
    durable = False

    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]:
        return {}

    def each(self, pairs: Collection[Pair]) -> Iterator[tuple[Pair, verify.Verification]]:
        return iter(())

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None:
        return None


# Grey difference (levels of 255) of the thumbnails (JPEG, quality 88, at 256 px) of one picture: its mean, its
# largest, and the largest of its 7 x 7 local means (rounding and JPEG noise do not cluster; a faint cloud, contrail
# or pencil line does). A gradient at 8, 10, 12 and 16 bits (pillow-heif's test images): mean 0.01-0.17, largest 1,
# local 1.3-1.5 on synthetic ramps and their JPEG copy; other evening skies with faint clouds 7-12 levels apart at
# most, local 7.2-7.9; two photographed pages with other faint pencil notes, 12 and 3.9.
SAME_PIXELS = (2.0, 6, 2.5)


def _same_pixels(a: verify.Features, b: verify.Features) -> bool:
    """The two thumbnails show the same grey pixels within rounding (SAME_PIXELS), frame for frame: one picture at
    another bit depth or in another format. Alignment cannot tell one gradient from another, but a gradient saved
    at 8, 10, 12 and 16 bits differs by a level or two everywhere (pillow-heif's test images, too small for a
    larger decode); other faint content (a cloud, a pencil line) differs by a few levels, but all in one place."""
    if a.gray.shape != b.gray.shape or a.gray.size <= 1:
        return False
    signed = a.gray.astype(np.float32) - b.gray.astype(np.float32)
    apart = np.abs(signed)
    if float(apart.mean()) > SAME_PIXELS[0] or float(apart.max()) > SAME_PIXELS[1]:
        return False
    return float(np.abs(cv2.blur(signed, (7, 7))).max()) <= SAME_PIXELS[2]


def _short_of_keypoints(v: verify.Verification) -> bool:
    """Not a copy by thumbnails with too few keypoints to say more."""
    return v.verdict != "same-photo" and v.keypoints < verify.DEFAULT_THRESHOLDS.dense_keypoints


def _unplaced(v: verify.Verification) -> bool:
    """Thumbnails that each have keypoints enough for a clear fit (`similar_inliers`), which neither their keypoints
    nor whole-picture alignment could place on each other at all: a larger decode shows the same content with more
    pixels, and finds no copy there either. On the simulated 10k library 1,653 of the 2,999 strong candidates sent
    to a larger decode were such pairs (168 of the 290 s their larger decodes took, bench/detail_triage.py); their
    larger decodes made one copy, of a screenshot whose photo gave its thumbnail 6 keypoints. With fewer keypoints
    than a clear fit needs, the content may be too small in its frame to show one (a photo inside a screenshot, a
    heavy crop), and the larger decode still looks. So it does where the embeddings are near sure (the caller's
    `doubtful`): a screenshot of a photo on dev, cosine 0.95, had 3 consistent keypoints of 11 matches on the
    thumbnails (48 and 63 keypoints) and no placement, and was a copy on the larger decodes.
    The band under the strong candidates (`closer`), whose embeddings are less sure still, gets the same rule: of
    its pairs sent to a larger decode, 231-283 of 379-544 a set were such pairs on dev-large, its camera-sized copy
    and two sets of unseen edits, 920 of 1,166 on the simulated 10k library, and none of their larger decodes changed
    a verdict (bench/detail_triage.py --band closer). The band's larger decodes that made a copy or another shot
    there were of placed pairs or of thumbnails with 11 keypoints, which it still makes."""
    return not v.placed and v.keypoints >= verify.DEFAULT_THRESHOLDS.similar_inliers


def _few(v: verify.Verification) -> bool:
    """Left open by thumbnails with too few keypoints, which show enough detail otherwise: a larger decode's
    keypoints may settle it (a heavy crop of a photo: 11 keypoints on its thumbnail, 47 at 640 px)."""
    return _short_of_keypoints(v) and not (v.plain or v.sparse)


def _unsure(v: verify.Verification) -> bool:
    """A copy or another shot by the thumbnails of pictures short of detail: only a larger decode may confirm it."""
    return v.verdict != "different" and (v.plain or v.sparse)


def _unsettled(v: verify.Verification) -> verify.Verification:
    """A verdict the thumbnails could not settle and no larger decode exists for (a small copy of a star field):
    no copy, as another night sky over the same hills would look alike. Unless keypoints settle it: as many line
    up as prove the same scene, and the aligned pixels pass as a copy's (a t-shirt's 306-px web copy: 54 of 59;
    a star field's thumbnails have none, and their whole-picture alignment cannot tell one sky from another)."""
    if (
        v.verdict == "same-photo"
        and not v.plain
        and verify.scene_keypoints(v)
        and v.overlap_ncc >= verify.DEFAULT_THRESHOLDS.same_ncc
    ):
        return v
    return replace(v, verdict="different", score=min(v.score, 0.49), description="too plain to tell apart at this size")


def _better(detail: verify.Verification, thumb: verify.Verification) -> bool:
    """The larger decode's verdict replaces a verdict on thumbnails short of detail, any other when it says more."""
    if thumb.plain or thumb.sparse:
        return True
    return detail.score > thumb.score or (thumb.verdict == "different" and detail.verdict != "different")


def content_sources(contents: Sequence[Content]) -> list[Source | None]:
    """Where each content can be decoded again for a closer look."""
    return [
        None if c.info is None else Source(c.paths[0], max(c.info.width, c.info.height), c.info.tones) for c in contents
    ]


class PairChecker:
    """Verifies pairs (i, j) of contents, i < j, b = j measured against a = i; every answer is remembered."""

    def __init__(
        self,
        thumbnails: Thumbnails,
        cache: VerdictCache | None = None,
        *,
        sources: Sequence[Source | None] = (),
        workers: int = 1,
        check: Callable[[], None] = lambda: None,
        clusters: np.ndarray | None = None,
        budget: int = FEATURE_BUDGET,
        scratch: Path | None = None,
        kept: KeptKeypoints | None = None,
    ) -> None:
        self._thumbnails = thumbnails
        self._kept = kept or NoKeptKeypoints()  # thumbnails' keypoints from earlier scans, and for later ones
        self._clusters = clusters  # embedding clusters: pairs verified in an order that keeps shared images close
        self._budget = budget
        self._feature_bytes = 0
        self._sources = sources
        self._detail: _Budget[verify.Features | None] = _Budget(DETAIL_BUDGET, lambda f: 0 if f is None else _nbytes(f))
        self._spill = KeypointSpill(scratch)
        self._making: dict[tuple[int, int], threading.Lock] = {}  # larger decodes being made, one lock each
        self._making_lock = threading.Lock()
        self._cache = cache or NoVerdictCache()
        self._workers = max(1, workers)
        self._check = check
        # features kept least recently used first, within `budget` bytes (6.5 GB at 100,000 photos if all were kept)
        self._features: OrderedDict[int, verify.Features | None] = OrderedDict()
        # verdicts by packed pair (see _packed): a library of 100,000 photos has about a million candidate pairs
        self._verdicts: dict[int, verify.Verification] = {}
        # pairs verified as different whose verdict is in the store, not in memory (read back when asked): nearly
        # all candidate pairs are different, and a verdict takes 560 bytes as objects
        self._elsewhere = KeySet()
        self._plain: dict[int, bool] = {}
        self._hues: dict[int, np.ndarray | None] = {}  # small colour maps of the pictures `plain` looked at
        self._asked: set[int] = set()  # pairs already looked up in the store
        self._decoded: dict[int, np.ndarray] = {}  # thumbnails decoded for `plain`, until their features exist
        self._making_features: dict[int, Future[_Made]] = {}  # features queued on the pool, until kept
        self._busy = 0.0  # CPU seconds of the pool's tasks, for the log
        self._busy_lock = threading.Lock()

    def release(self) -> None:
        """Forget every verdict, feature and scratch entry held, a slice at a time (collector.release): for when the
        scan or regroup that owns the checker is over."""
        collector.release(self._verdicts, self._features, self._plain, self._hues, self._asked, self._decoded)
        self._elsewhere.clear()
        self._feature_bytes = 0
        self._spill.release()

    def known(self, i: int, j: int) -> verify.Verification | None:
        """The verdict for the pair if it was verified in this scan or an earlier one (no new work)."""
        return self._known(_packed((i, j)))

    def _known(self, key: int) -> verify.Verification | None:
        found = self._verdicts.get(key)
        if found is None and key in self._elsewhere:
            pair = _unpacked(key)
            found = self._cache.get([pair]).get(pair)
            if found is not None:  # asked once, likely asked again: assembly asks about a group's members
                self._verdicts[key] = found  # looked up here first from now on
        return found

    def held(self) -> tuple[int, int]:
        """(verdicts held in memory, verdicts known from the store only): what the checker costs in memory."""
        return len(self._verdicts), len(self._elsewhere) - sum(1 for k in self._verdicts if k in self._elsewhere)

    def _remember(self, key: int, v: verify.Verification) -> None:
        """Keep a verdict: in memory, or as a key only when it is a plain "different" the store has."""
        if v.verdict == "different" and self._cache.durable:
            self._elsewhere.add(key)
            self._verdicts.pop(key, None)
        else:
            self._verdicts[key] = v

    def _has(self, key: int) -> bool:
        return key in self._verdicts or key in self._elsewhere

    def _held(self, keys: np.ndarray) -> np.ndarray:
        """`_has` of many keys at once."""
        mine = np.fromiter((k in self._verdicts for k in keys.tolist()), dtype=bool, count=len(keys))
        return mine | self._elsewhere.contains(keys)

    def plain(self, indices: Iterable[int]) -> dict[int, bool]:
        """Which images' hashes mean little: too little detail, or a drawing of a few tones (no thumbnail: plain
        too)."""
        missing = sorted({k for k in indices if k not in self._plain})
        for lo in range(0, len(missing), _CHUNK):
            self._check()
            chunk = missing[lo : lo + _CHUNK]
            images = self._thumbnails(chunk)
            said = {k: verify.hashes_say_little(images[k], self._tones(k)) for k in chunk if k in images}
            self._plain.update({k: said.get(k, True) for k in chunk})
            self._hues.update({k: colours.colour_map(img, HUE_SIDE) for k, img in images.items()})
            # a plain picture is verified next: keep its thumbnail rather than decode it twice, up to a batch's worth
            # (a 100,000-photo library held 927 of them, 130 MB, until its pairs' turn came; a read and decode of
            # a stored thumbnail costs 0.6 ms)
            room = max(0, _CHUNK - len(self._decoded))
            self._decoded.update([(k, img) for k, img in images.items() if self._plain[k]][:room])
        return {k: self._plain[k] for k in indices}

    def recoloured(self, i: int, j: int) -> bool:
        """Two pictures `plain` looked at, framed alike, in other colours: near-identical hashes (grey) say nothing
        of that (poker chips of eight colours)."""
        return colours.alike_frames_recoloured(self._hues.get(i), self._hues.get(j))

    def forget(self, pairs: list[Pair]) -> None:
        """Drop verdicts held for these pairs, so that they are verified again (a pair an older version trusted by
        its hashes alone)."""
        for key in map(_packed, pairs):
            self._verdicts.pop(key, None)

    def trust(self, pairs: list[Pair]) -> None:
        """Pairs accepted on their near-identical hashes (detailed pictures): remembered and stored as such."""
        if pairs:
            self._verdicts.update(dict.fromkeys(map(_packed, pairs), verify.BY_HASHES))
            self._cache.put([(min(i, j), max(i, j), verify.BY_HASHES) for i, j in pairs])

    def recall(self, i: int, j: int) -> verify.Verification | None:
        """The pair's verdict from this scan, or read from the store by key the first time it is asked (regrouping
        reads only the pairs assembly asks about: a library of 100,000 photos stores about 800,000 verdicts)."""
        key = _packed((i, j))
        if not self._has(key) and key not in self._asked:
            self._asked.add(key)
            pair = _unpacked(key)
            found = self._cache.get([pair]).get(pair)
            if found is not None:
                self._verdicts[key] = found
        return self._known(key)

    def load(self, pairs: Iterable[Pair]) -> None:
        """Read the stored verdicts of these pairs, so `known` answers for them (each pair is looked up once)."""
        wanted = {k for k in map(_packed, pairs) if not self._has(k) and k not in self._asked}
        for pair, v in self._stored(wanted):
            self._remember(_packed(pair), v)
        self._asked.update(k for k in wanted if not self._has(k))  # not stored: not looked up again

    def _stored(self, keys: set[int]) -> Iterator[tuple[Pair, verify.Verification]]:
        """Stored verdicts of these pairs: a few by key, many in one pass over the store."""
        if len(keys) <= 64:
            yield from self._cache.get([_unpacked(k) for k in keys]).items()
        elif keys:
            yield from self._cache.each(_PairsOf(keys))

    def verdicts(
        self,
        pairs: Iterable[Pair],
        dense: Collection[Pair] = (),
        closer: Collection[Pair] = (),
        doubtful: Collection[Pair] = (),
    ) -> dict[Pair, verify.Verification]:
        """Verdicts for the pairs (see each_verdict), as a dict: for a few pairs."""
        return dict(self.each_verdict(pairs, dense, closer, doubtful))

    def each_verdict(
        self,
        pairs: Iterable[Pair],
        dense: Collection[Pair] = (),
        closer: Collection[Pair] = (),
        doubtful: Collection[Pair] = (),
    ) -> Iterator[tuple[Pair, verify.Verification]]:
        """Verdicts for the pairs: remembered or stored ones first, the rest verified now (and stored), each
        yielded once as it is known, so a caller need not hold them all. Pairs in `dense` (strong candidates) are
        also aligned from the whole picture when keypoints leave them unsettled, on the thumbnails and on a larger
        decode; pairs in `closer` on the thumbnails only, from placements that line up almost exactly
        (dense.STRICT_LOOK), and a larger decode's keypoints are looked at only when the thumbnails have too few
        (see linking.CLOSER_COSINE). Pairs in `doubtful` (strong candidates the embeddings are not near sure of,
        linking.SURE_COSINE) and in `closer` get no larger decode when their thumbnails have nothing in common
        (_unplaced). A pair whose pictures cannot be read is left out.
        `pairs` may be a CandidatePairs: its keys are used as they are, no tuple is made for a pair not verified."""
        keys = _keys(pairs)
        held = self._held(keys)
        for key in keys[held].tolist():
            found = self._known(key)
            if found is not None:
                yield _unpacked(key), found
        for pair, v in self._stored(_set_of(keys[~held])):
            if v.by_hashes:
                continue  # trusted by its hashes once, and not now (a drawing): verified below
            self._remember(_packed(pair), v)
            yield pair, v
        todo = keys[~held]
        todo = todo[~self._held(todo)]
        self._asked.difference_update(todo.tolist())  # their verdicts are made now
        if not len(todo):
            return
        if self._clusters is not None and len(todo) > _CHUNK:
            todo = todo[local_order_keys(todo, self._clusters)]
        with keypoints.single_threaded(), ThreadPoolExecutor(self._workers) as pool:
            ahead: deque[_Batch] = deque()
            most = max(1, min(_AHEAD, self._workers // 2))
            started, busy_before = time.perf_counter(), self._busy
            try:
                for lo in range(0, len(todo), _CHUNK):
                    self._check()
                    chunk = [_unpacked(k) for k in todo[lo : lo + _CHUNK].tolist()]
                    ahead.append(self._start(chunk, dense, closer, doubtful, pool))
                    if len(ahead) > most:
                        yield from self._finish(ahead.popleft())
                while ahead:
                    yield from self._finish(ahead.popleft())
                if len(todo) > _CHUNK:  # a scan's candidates, not assembly's single pairs
                    wall, busy = time.perf_counter() - started, self._busy - busy_before
                    log.info(
                        "verified %d pairs on %d threads in %.1f s; the threads' CPU %.1f s (%.0f %% of theirs)",
                        len(todo),
                        self._workers,
                        wall,
                        busy,
                        100 * busy / max(wall * self._workers, 1e-9),
                    )
            finally:
                for batch in ahead:  # a cancel or an error: what has not started is dropped
                    batch.cancel()

    def _start(
        self,
        chunk: list[Pair],
        dense: Collection[Pair],
        closer: Collection[Pair],
        doubtful: Collection[Pair],
        pool: ThreadPoolExecutor,
    ) -> _Batch:
        """Queue a batch's features and verdicts on the pool without waiting for them: each pair's task waits for
        its two pictures' features (queued before it, so never behind it) and does the pair's larger decode too."""
        made = self._prepare(sorted({k for p in chunk for k in p}), pool)
        verdicts: dict[Pair, Future[verify.Verification]] = {}
        for pair in chunk:
            fa, fb = self._feature_or_making(pair[0]), self._feature_or_making(pair[1])
            if fa is not None and fb is not None:
                job = functools.partial(
                    self._verify_pair, pair, fa, fb, pair in dense, pair in closer, pair in doubtful
                )
                verdicts[pair] = pool.submit(self._timed, job)
        return _Batch(made, verdicts)

    def _finish(self, batch: _Batch) -> Iterator[tuple[Pair, verify.Verification]]:
        """On the caller's thread: keep the batch's new features, store and yield its verdicts in order."""
        packed = {}
        for k, fut in batch.made.items():
            features, blob = fut.result()
            if self._making_features.get(k) is fut:
                del self._making_features[k]
            self._features[k] = features
            self._feature_bytes += _nbytes(features)
            if blob is not None:
                packed[k] = blob
        self._kept.put(packed)
        results = [(pair, fut.result()) for pair, fut in batch.verdicts.items()]
        self._cache.put([(i, j, v) for (i, j), v in results])
        for pair, v in results:
            self._remember(_packed(pair), v)
            yield pair, v
        self._trim()
        heap.give_back()  # what the batch's pictures took, freed on several threads (see heap.py)

    def _timed(self, work: Callable[[], T]) -> T:
        """work() on a pool thread, its CPU time counted: threads short of CPU while pairs wait (the
        interpreter lock, other processes) show in the log line each scan writes."""
        start = time.thread_time()
        try:
            return work()
        finally:
            spent = time.thread_time() - start
            with self._busy_lock:
                self._busy += spent

    def _feature_or_making(self, k: int) -> verify.Features | Future[_Made] | None:
        making = self._making_features.get(k)
        return making if making is not None else self._features.get(k)

    def _verify_pair(
        self,
        pair: Pair,
        fa: verify.Features | Future[_Made],
        fb: verify.Features | Future[_Made],
        dense: bool,
        closer: bool,
        doubtful: bool = False,
    ) -> verify.Verification:
        """The thumbnails' verdict, then a larger decode's for a pair they could not settle (on a pool thread)."""
        self._check()  # a batch of pictures short of keypoints may take minutes: a cancel must not wait for it
        a = fa.result()[0] if isinstance(fa, Future) else fa
        b = fb.result()[0] if isinstance(fb, Future) else fb
        drawings = min(self._tones(pair[0]), self._tones(pair[1]))
        v = verify.verify_features(a, b, dense=dense or closer, strict=closer)
        if v.recoloured:
            return v  # settled by the colours, which a larger decode (grey) does not see
        # Two drawings' copy by thumbnails is looked at again on the larger decodes, whose verdict stands: a
        # thumbnail blurs small text into lines that line up with other words (matplotlib's formula renders: 2
        # letters of 24 changed, another typeface, bold against italic, all "copies" at 256 px and none at 525 px).
        # Both must be drawings as decoded: a photo's copy dithered or posterised to a few tones (Pillow's test
        # images) is a copy of the photo by its thumbnail, not pixel for pixel. The thumbnails' verdict itself is
        # made as before, with their own tones: judged as drawings there, Pillow's four 2-bit copies of one photo
        # were split from each other.
        # Without a larger decode the thumbnails' verdict is read as any other's: a plain or sparse one unsettled.
        if v.verdict == "same-photo" and drawings >= verify.FEW_TONES:
            closer_look = self._verify_detail(pair, dense)
            if closer_look is not None:
                return closer_look
            return self._left_open(pair, a, b, v) if _unsure(v) else v
        # A strong candidate the thumbnails call different from pictures short of detail, with keypoints enough, is
        # settled: a larger decode overturned none of those verdicts on dev, dev-large, a camera-sized copy of it,
        # its seed-53 unseen-edit copy, or 8,000-pair windows of the simulated 10k and 50k libraries (1,500 such
        # pairs there). They were the main cost of matching on the 50k library, where more candidates are strong
        # ones (cosine >= DENSE_COSINE: 23 % at 10k, 37 % at 50k).
        # So is a doubtful one whose thumbnails have keypoints enough and still nothing in common (_unplaced), and
        # such a pair under the strong candidates (`closer`), where the embeddings are less sure still.
        apart = (doubtful or closer) and _unplaced(v)
        open_by_keypoints = (dense and _short_of_keypoints(v)) or (closer and _few(v))
        if not (_unsure(v) or (open_by_keypoints and not apart)):
            return v
        # whole-picture alignment on the larger decode too, except for `closer` pairs the thumbnails left open
        detail = self._verify_detail(pair, dense or _unsure(v))
        if detail is not None and _better(detail, v):
            return detail
        if detail is None and _unsure(v):
            return self._left_open(pair, a, b, v)
        return v

    def _left_open(
        self, pair: Pair, a: verify.Features, b: verify.Features, v: verify.Verification
    ) -> verify.Verification:
        """A verdict the thumbnails could not settle and no larger decode settled (see _unsettled): a copy still
        when the pictures are too small for one and their thumbnails show the same pixels (_same_pixels). Not when
        a larger decode could have been made and was not (a file unreadable in between): that verdict is stored."""
        if v.verdict == "same-photo" and self._detail_side(pair) is None and _same_pixels(a, b):
            return replace(v, same_pixels=True, description=v.description + ", the same pixels within rounding")
        return _unsettled(v)

    def _source(self, k: int) -> Source | None:
        """Where content k can be decoded again (None: nowhere known)."""
        return self._sources[k] if k < len(self._sources) else None

    def _detail_side(self, pair: Pair) -> int | None:
        """The long side both files are decoded at for a closer look, or None: one is too small for it (or has no
        source)."""
        sa, sb = self._source(pair[0]), self._source(pair[1])
        if sa is None or sb is None:
            return None
        side = min(DETAIL_SIDE, sa.long_side, sb.long_side)
        return None if side < 1.5 * verify.SIDE else side

    def _verify_detail(self, pair: Pair, dense: bool = True) -> verify.Verification | None:
        """The pair verified again on larger decodes of both files (never enlarged), when they have more pixels
        than the thumbnails by a good margin; `dense`: also aligned from the whole picture if keypoints are few."""
        self._check()
        side = self._detail_side(pair)
        if side is None:
            return None
        sa, sb = self._source(pair[0]), self._source(pair[1])
        assert sa is not None and sb is not None  # _detail_side found both
        fa, fb = self._detail_features(pair[0], sa, side), self._detail_features(pair[1], sb, side)
        if fa is None or fb is None:
            return None
        return replace(verify.verify_features(fa, fb, dense=dense), detail=True)

    def _tones(self, k: int) -> float:
        """Content k's decoded picture's tone mass (ImageInfo.tones; 0.0 when not known)."""
        source = self._source(k)
        return 0.0 if source is None else source.tones

    def _detail_features(self, k: int, source: Source, side: int) -> verify.Features | None:
        """Features of the larger decode: kept whole, or their keypoints kept and the grey picture decoded again.
        Two pairs of one batch asking for the same picture wait for one decode."""
        key = (k, side)
        with self._making_lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            found, features = self._detail.get(key)
            if found:
                return features
            points = self._spill.get(key)
            gray = decode_gray(source.path, side)
            if gray is None:
                made = None
            elif points is not None:
                made = verify.with_pixels(points, gray)
            else:
                made = verify.features(gray, side)
                self._spill.put(key, made)
            self._detail.put(key, made)
        with self._making_lock:
            self._making.pop(key, None)
        return made

    def _prepare(self, indices: list[int], pool: ThreadPoolExecutor) -> dict[int, Future[_Made]]:
        """Features of these images: kept, read back, or queued on the pool (returned, and in `_making_features`
        until the batch is finished). An image without a thumbnail is remembered as None."""
        for k in indices:
            if k in self._features:
                self._features.move_to_end(k)
        missing = [k for k in indices if k not in self._features and k not in self._making_features]
        queued: dict[int, Future[_Made]] = {}
        for lo in range(0, len(missing), _CHUNK):
            self._check()
            chunk = missing[lo : lo + _CHUNK]
            images = {k: self._decoded.pop(k) for k in chunk if k in self._decoded}
            images |= self._thumbnails([k for k in chunk if k not in images])
            spilled = {k: self._spill.get((k, _THUMBNAIL)) for k in chunk if k in images}
            known = {k: f for k, f in spilled.items() if f is not None}
            known |= self._kept.get([k for k in chunk if k in images and k not in known])
            again = {k: verify.with_pixels(f, images[k]) for k, f in known.items()}
            self._features.update(dict.fromkeys(k for k in chunk if k not in images))
            self._features.update(again)
            self._feature_bytes += sum(_nbytes(f) for f in again.values())
            make = _made_and_packed if self._kept.durable else _made
            for k in chunk:
                if k in images and k not in again:
                    queued[k] = self._making_features[k] = pool.submit(self._timed, functools.partial(make, images[k]))
        return queued

    def _trim(self) -> None:
        """Drop the least recently used features past the budget (made again if a later pair needs them)."""
        while self._feature_bytes > self._budget and self._features:
            k, f = self._features.popitem(last=False)
            if f is not None:
                self._feature_bytes -= _nbytes(f)
                self._spill.put((k, _THUMBNAIL), f)  # its keypoints, for a later pair: 28 KB on disk, not 13 ms


_Made = tuple[verify.Features, bytes | None]  # an image's features, and their keypoints packed for the store


@dataclasses.dataclass
class _Batch:
    """A batch of pairs queued on the pool: the features it made and each pair's verdict, all as futures."""

    made: dict[int, Future[_Made]]
    verdicts: dict[Pair, Future[verify.Verification]]

    def cancel(self) -> None:
        for made in self.made.values():
            made.cancel()
        for verdict in self.verdicts.values():
            verdict.cancel()


def _made(image: np.ndarray) -> tuple[verify.Features, None]:
    return verify.features(image), None


def _made_and_packed(image: np.ndarray) -> tuple[verify.Features, bytes]:
    """Features, and their keypoints packed for the store, on a pool thread."""
    features = verify.features(image)
    return features, kept_keypoints.pack(features)


def _set_of(keys: np.ndarray) -> set[int]:
    """The keys as a set, made a slice at a time: at 100,000 photos, one set() of the million candidate keys is a
    single call into C of about 180 ms, and the window's thread cannot take the GIL until it returns."""
    out: set[int] = set()
    for lo in range(0, len(keys), _KEY_SLICE):
        out.update(keys[lo : lo + _KEY_SLICE].tolist())
    return out


def _packed(pair: Pair) -> int:
    """A pair as one int (the smaller index first), as candidates.pack does: 32 bytes, where a tuple of two ints
    takes about 120."""
    i, j = pair
    return (i << 32 | j) if i < j else (j << 32 | i)


def _unpacked(key: int) -> Pair:
    return key >> 32, key & 0xFFFFFFFF


def _keys(pairs: Iterable[Pair]) -> np.ndarray:
    """The pairs' keys in the order given, each once, without pairs of an item with itself."""
    keys = getattr(pairs, "keys", None)
    if isinstance(keys, np.ndarray):  # CandidatePairs: already unique, i < j
        return keys
    packed = np.fromiter((_packed(p) for p in pairs if p[0] != p[1]), dtype=np.int64)
    _, first = np.unique(packed, return_index=True)
    return packed[np.sort(first)]


class _PairsOf(Collection[Pair]):
    """A set of packed pairs seen as a collection of pairs (what VerdictCache.each asks about)."""

    def __init__(self, keys: set[int]) -> None:
        self._keys = keys

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and pair[0] < pair[1] and _packed(pair) in self._keys

    def __iter__(self) -> Iterator[Pair]:
        return map(_unpacked, self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _nbytes(f: verify.Features) -> int:
    return f.gray.nbytes + f.points.nbytes + f.descriptors.nbytes + (0 if f.colour is None else f.colour.nbytes)


def verdict_version() -> str:
    """The method and thresholds a stored verdict was made with: verdicts of another version are not used."""
    thresholds = hashlib.sha1(repr(verify.DEFAULT_THRESHOLDS).encode()).hexdigest()[:12]
    return f"{verify.VERSION}:{thresholds}"


def _verification(d: dict) -> verify.Verification:
    return verify.Verification(**{k: v for k, v in d.items() if k in _FIELDS})


_NAMES = tuple(f.name for f in dataclasses.fields(verify.Verification))
_FIELDS = set(_NAMES)


def _as_dict(v: verify.Verification) -> dict:
    """The verdict's fields (all plain values): what dataclasses.asdict gives, without its deep copies (a 100k
    library stores about a million verdicts)."""
    return {name: getattr(v, name) for name in _NAMES}


class StoredVerdicts:
    """Verification results in the store, keyed by the files' ids; dropped when either file changes."""

    durable = True

    def __init__(self, store: Store, contents: list[Content]) -> None:
        self._store = store
        self._contents = contents
        self._version = verdict_version()
        self.verified = 0

    def _ids(self, i: int, j: int) -> tuple[int, int]:
        return self._contents[i].key, self._contents[j].key

    def get(self, pairs: list[Pair]) -> dict[Pair, verify.Verification]:
        by_ids = {self._ids(i, j): (i, j) for i, j in pairs}
        stored = self._store.verdicts(by_ids, self._version, _verification)
        return {by_ids[k]: v for k, v in stored.items()}

    def each(self, pairs: Collection[Pair]) -> Iterator[tuple[Pair, verify.Verification]]:
        index = {c.key: k for k, c in enumerate(self._contents) if c.file_ids}

        def wanted(a: int, b: int) -> bool:
            return (index.get(a, -1), index.get(b, -1)) in pairs

        for (a, b), v in self._store.each_verdict(self._version, wanted, _verification):
            yield (index[a], index[b]), v

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None:
        rows = [(*self._ids(i, j), _as_dict(v)) for i, j, v in results]
        self.verified += sum(1 for _, _, v in results if not v.by_hashes)
        self._store.save_verdicts(rows, self._version)


def stored_thumbnails(store: Store, contents: list[Content]) -> Thumbnails:
    """Thumbnails made by the scan's one decode, read back from the store for verification."""

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        blobs = store.thumbnails([contents[i].key for i in indices])
        out = {}
        for i in indices:
            blob = blobs.get(contents[i].key)
            if blob is not None:
                with Image.open(io.BytesIO(blob)) as img:
                    out[i] = np.asarray(img.convert("RGB"))
        return out

    return load
