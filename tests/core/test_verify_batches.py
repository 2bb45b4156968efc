"""Verifying pairs in bounded memory: close vectors clustered, pairs ordered by cluster, features kept within a
budget by the checker without changing a single verdict."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import checker, spill
from dedup_gui.core.candidates import Candidate, CandidatePairs, pack
from dedup_gui.core.checker import PairChecker, StoredVerdicts, _nbytes
from dedup_gui.core.content import Content
from dedup_gui.core.detail import Source, decode_gray
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord
from dedup_gui.core.verify_batches import cluster_ids, local_order, local_order_keys
from tests.conftest import photo


def test_close_vectors_share_a_cluster() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((8, 256))
    labels = np.repeat(np.arange(8), 300)
    vectors = [centres[c] + 0.05 * rng.standard_normal(256) for c in labels]
    ids = cluster_ids([*vectors, None], cluster=300)
    assert ids[-1] == -1
    # each k-means cluster holds items of one true cluster (so pairs of close items stay close in the order)
    for k in set(ids[:-1].tolist()):
        assert np.bincount(labels[ids[:-1] == k]).max() >= 0.95 * (ids[:-1] == k).sum()


def test_pairs_are_ordered_cluster_pair_by_cluster_pair() -> None:
    clusters = np.array([0, 1, 0, 1, 2])
    pairs = [(3, 4), (0, 1), (0, 2), (1, 3), (2, 4)]
    assert local_order(pairs, clusters) == [(0, 2), (0, 1), (2, 4), (1, 3), (3, 4)]


def _thumbnails() -> list[np.ndarray]:
    """Twelve real photos and a resized copy of each (every second image), as 256-px RGB thumbnails."""
    out = []
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat"):
        for angle in (0, 7):
            base = photo(name, (320, 240)).rotate(angle, resample=Image.Resampling.BICUBIC)
            out += [np.asarray(base), np.asarray(base.resize((256, 192), Image.Resampling.LANCZOS))]
    return out


def test_a_small_feature_budget_changes_no_verdict_bounds_memory_and_runs_sift_once_per_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    images = _thumbnails()
    pairs = [(i, j) for i in range(len(images)) for j in range(i + 1, len(images))]

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        return {k: images[k] for k in indices}

    free = PairChecker(load, workers=2).verdicts(pairs)
    analysed: list[int] = []
    features = checker.verify.features

    def counting_features(img: np.ndarray, side: int = checker.verify.SIDE) -> checker.verify.Features:
        analysed.append(img.size)
        return features(img, side)

    monkeypatch.setattr(checker.verify, "features", counting_features)
    monkeypatch.setattr(checker, "_CHUNK", 16)  # many batches: each image is dropped and asked for again
    clusters = np.arange(len(images)) // 4
    tight = PairChecker(load, workers=2, clusters=clusters, budget=200_000, scratch=tmp_path)  # room for 3 images
    bounded = tight.verdicts(pairs)
    # a dropped image's keypoints wait in the scratch file: SIFT ran once per image, as with room for all
    assert len(analysed) == len(images)
    assert {p: (v.verdict, round(v.score, 6)) for p, v in bounded.items()} == {
        p: (v.verdict, round(v.score, 6)) for p, v in free.items()
    }
    assert sum(v.verdict == "same-photo" for v in bounded.values()) >= len(images) // 2  # the copies are found
    kept = [f for f in tight._features.values() if f is not None]
    assert sum(_nbytes(f) for f in kept) <= 200_000


def test_a_slow_pair_leaves_the_other_threads_to_later_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair that takes long (a larger decode, up to a second) holds up only its own batch's turn to be handed
    out: the other threads go on with the batches queued behind it, and the verdicts come in the pairs' order."""
    monkeypatch.setattr(checker, "_CHUNK", 2)
    images = _thumbnails()
    pairs = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (0, 2), (1, 3)]
    later = threading.Event()
    waited: list[bool] = []
    verify_pair = PairChecker._verify_pair

    def slow_first(self: PairChecker, pair: tuple[int, int], *args: object) -> checker.verify.Verification:
        if pair == pairs[0]:
            waited.append(later.wait(timeout=20))  # until a pair of the next batch is verified
        elif pair == pairs[2]:
            later.set()
        return verify_pair(self, pair, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PairChecker, "_verify_pair", slow_first)
    found = list(PairChecker(lambda ks: {k: images[k] for k in ks}, workers=2).each_verdict(pairs))
    assert waited == [True]
    assert [p for p, _ in found] == pairs
    assert [v.verdict for _, v in found][:6] == ["same-photo"] * 6  # each photo and its resized copy


def test_larger_decodes_are_kept_for_later_pairs_and_change_no_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Night skies need the larger decode; each sky is in pairs of several batches. Its decode is made once (not
    once per batch), and a budget too small to keep any gives the same verdicts."""
    from tests.core.test_lookalikes import star_field

    paths = []
    for seed in range(4):
        sky = star_field(seed, (1200, 900))
        for n, size in enumerate(((1200, 900), (800, 600))):  # each sky and a web copy of it
            paths.append(tmp_path / f"sky{seed}_{n}.jpg")
            sky.resize(size, Image.Resampling.LANCZOS).save(paths[-1], quality=90)
    images = [np.asarray(Image.open(p).convert("RGB").resize((256, 192), Image.Resampling.LANCZOS)) for p in paths]
    sources = [Source(str(p), Image.open(p).size[0]) for p in paths]
    pairs = [(i, j) for i in range(len(paths)) for j in range(i + 1, len(paths))]
    decoded: list[tuple[str, int]] = []

    def counting_decode(path: str, side: int) -> np.ndarray | None:
        decoded.append((path, side))
        return decode_gray(path, side)

    monkeypatch.setattr(checker, "decode_gray", counting_decode)
    monkeypatch.setattr(checker, "_CHUNK", 4)  # seven batches: every sky meets others in several of them

    def verdicts() -> dict[tuple[int, int], tuple[str, float]]:
        check = PairChecker(lambda ks: {k: images[k] for k in ks}, sources=sources, workers=2, scratch=tmp_path)
        found = check.verdicts(pairs, dense=set(pairs))  # as strong candidates: aligned larger when unsettled
        return {p: (v.verdict, round(v.score, 6)) for p, v in found.items()}

    kept = verdicts()
    assert decoded and len(decoded) == len(set(decoded))  # no file decoded twice at one size
    assert [p for p, v in kept.items() if v[0] == "same-photo"] == [(2 * k, 2 * k + 1) for k in range(4)]
    decoded.clear()
    analysed: list[int] = []
    features = checker.verify.features

    def counting_features(img: np.ndarray, side: int = checker.verify.SIDE) -> checker.verify.Features:
        if side != checker.verify.SIDE:
            analysed.append(img.size)
        return features(img, side)

    monkeypatch.setattr(checker.verify, "features", counting_features)
    monkeypatch.setattr(checker, "DETAIL_BUDGET", 0)
    assert verdicts() == kept
    assert len(decoded) > len(set(decoded))  # without room for the grey pictures, decoded again for later batches
    assert len(analysed) == len(set(decoded))  # ... but their keypoints were kept: SIFT ran once per picture
    assert not list(tmp_path.glob("dedup-keypoints-*"))  # kept in a file without a name: nothing left behind
    analysed.clear()

    def full_disk(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spill.os, "pwrite", full_disk)
    assert verdicts() == kept  # where the scratch file cannot be written, the same verdicts ...
    assert len(analysed) > len(set(decoded))  # ... with the keypoints made again


def _decodes_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the checker decodes larger, in order, from now on."""
    decoded: list[str] = []

    def counting_decode(path: str, side: int) -> np.ndarray | None:
        decoded.append(path)
        return decode_gray(path, side)

    monkeypatch.setattr(checker, "decode_gray", counting_decode)
    return decoded


def _thumbnails_of(paths: list[Path]) -> list[np.ndarray]:
    """Each file's 256-px RGB thumbnail, as a scan makes it (long side 256, aspect kept)."""
    out = []
    for p in paths:
        im = Image.open(p).convert("RGB")
        im.thumbnail((256, 256), Image.Resampling.LANCZOS)
        out.append(np.asarray(im))
    return out


def _marked_field(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A smooth colour field with one small patch of sharp marks: short of detail at 256 px (under 5 % of the
    thumbnail), with keypoints enough (80-92) in that patch."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 90 + 60 * x / w + 30 * y / h
    img = np.stack([base, base * 0.9 + 20, 200 - base * 0.5], -1)
    left, top = rng.integers(100, w - 292), rng.integers(100, h - 292)
    img[top : top + 192, left : left + 192] = rng.integers(0, 255, (12, 12, 1)).repeat(16, 0).repeat(16, 1)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def test_strong_candidates_the_thumbnails_tell_apart_by_their_keypoints_need_no_larger_decode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two pictures short of detail but with keypoints enough, which the thumbnails call different: settled there,
    with no larger decode (on a simulated 50k library such pairs were the matching stage's main cost, and no larger
    decode of one turned out otherwise). A web copy of one, "the same" by thumbnails short of detail, is still
    confirmed on the larger decode."""
    paths = [tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "a_web.jpg"]
    _marked_field(0).save(paths[0], quality=92)
    _marked_field(1).save(paths[1], quality=92)
    _marked_field(0).resize((800, 600), Image.Resampling.LANCZOS).save(paths[2], quality=85)
    thumbs = [np.asarray(Image.open(p).convert("RGB").resize((256, 192), Image.Resampling.LANCZOS)) for p in paths]
    sources = [Source(str(p), max(Image.open(p).size)) for p in paths]
    decoded = _decodes_counted(monkeypatch)
    pairs = [(0, 1), (0, 2), (1, 2)]
    check = PairChecker(lambda ks: {k: thumbs[k] for k in ks}, sources=sources, workers=2, scratch=tmp_path)
    found = check.verdicts(pairs, dense=set(pairs))
    assert {p: v.verdict for p, v in found.items()} == {(0, 1): "different", (0, 2): "same-photo", (1, 2): "different"}
    apart = found[(0, 1)]
    assert apart.sparse and apart.keypoints >= checker.verify.DEFAULT_THRESHOLDS.dense_keypoints  # the case itself
    assert not apart.detail
    assert found[(0, 2)].detail  # the copy: confirmed on the larger decodes
    assert str(paths[1]) not in decoded  # b's pairs were settled on the thumbnails
    assert sorted(set(decoded)) == sorted({str(paths[0]), str(paths[2])})


@pytest.mark.parametrize("band", ["doubtful", "closer"])
def test_candidates_with_nothing_in_common_need_no_larger_decode_unless_too_few_keypoints_to_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, band: str
) -> None:
    """Two soft photos short of keypoints that neither keypoints nor whole-picture alignment can place on each other
    at all: settled on the thumbnails, where the embeddings are not near sure: strong candidates under
    linking.SURE_COSINE (`doubtful`) and the band under the strong ones (`closer`). A pair with too few keypoints on a
    thumbnail for a clear fit is not: the larger decode still looks. Among strong candidates, a photo and a
    screenshot showing it small (on the simulated 10k library the larger decode made one such copy); under them,
    where a picture short of detail gets no larger decode, a heavy crop of a soft photo. Nor is a strong pair the
    embeddings are near sure of."""
    from PIL import ImageFilter

    soft = [photo(name, (1200, 900)).filter(ImageFilter.GaussianBlur(8)) for name in ("astronaut", "rocket")]
    if band == "doubtful":
        screenshot = Image.new("RGB", (1600, 1000), (236, 236, 240))
        screenshot.paste(photo("coffee", (160, 120)), (300, 200))
        small = [photo("coffee", (1200, 900)), screenshot]
    else:
        whole = photo("coffee", (1600, 1200)).filter(ImageFilter.GaussianBlur(5))
        small = [whole, whole.crop((500, 380, 980, 740))]  # 91 % cropped
    paths = [tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "coffee.jpg", tmp_path / "small.png"]
    for image, path in zip([*soft, *small], paths, strict=True):
        image.save(path, quality=92)
    thumbs = _thumbnails_of(paths)
    sources = [Source(str(p), max(Image.open(p).size)) for p in paths]
    decoded = _decodes_counted(monkeypatch)
    pairs = [(0, 1), (2, 3)]
    sets = {"dense": set(pairs), "doubtful": set(pairs)} if band == "doubtful" else {"closer": set(pairs)}
    found = PairChecker(lambda ks: {k: thumbs[k] for k in ks}, sources=sources).verdicts(pairs, **sets)
    apart, shown = found[(0, 1)], found[(2, 3)]
    few, clear = checker.verify.DEFAULT_THRESHOLDS.dense_keypoints, checker.verify.DEFAULT_THRESHOLDS.similar_inliers
    assert apart.verdict == "different" and not apart.placed and clear <= apart.keypoints < few  # the case itself
    assert not apart.detail
    on_thumbnails = checker.verify.verify_pair(thumbs[2], thumbs[3])
    assert on_thumbnails.verdict == "different" and on_thumbnails.keypoints < clear  # too few keypoints to tell ...
    assert band == "closer" or not on_thumbnails.placed  # the screenshot is not even placed
    assert shown.detail  # ... so looked at on the larger decodes
    assert sorted(set(decoded)) == [str(paths[2]), str(paths[3])]  # the soft pair's files were not decoded
    decoded.clear()
    PairChecker(lambda ks: {k: thumbs[k] for k in ks}, sources=sources).verdicts([(0, 1)], dense={(0, 1)})
    assert sorted(set(decoded)) == [str(paths[0]), str(paths[1])]  # near sure by the embeddings: looked at larger


def test_closer_candidates_are_aligned_from_the_whole_thumbnails(tmp_path: Path) -> None:
    """Candidates in the band below the strong ones (linking.CLOSER_COSINE). A wallpaper and its portrait cut (68 %
    cropped, few keypoints) line up from the whole thumbnails, which keypoints alone cannot do. Night skies line up
    as plain pictures there, and the larger decode's stars then tell each sky's web copy from the other sky."""
    from tests.core.test_lookalikes import star_field
    from tests.core.test_verify import wallpaper

    wall = Image.fromarray(wallpaper())
    paths = [tmp_path / "wall.jpg", tmp_path / "cut.jpg"]
    wall.save(paths[0], quality=92)
    wall.crop((300, 0, 908, 1080)).save(paths[1], quality=92)
    for seed in range(2):
        sky = star_field(seed, (1200, 900))
        for n, size in enumerate(((1200, 900), (800, 600))):
            paths.append(tmp_path / f"sky{seed}_{n}.jpg")
            sky.resize(size, Image.Resampling.LANCZOS).save(paths[-1], quality=90)
    thumbs = _thumbnails_of(paths)
    sources = [Source(str(p), max(Image.open(p).size)) for p in paths]
    skies = [(2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5)]

    def check(pairs: list[tuple[int, int]], **sets: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
        found = PairChecker(lambda ks: {k: thumbs[k] for k in ks}, sources=sources, workers=2).verdicts(pairs, **sets)
        return {p: v.verdict for p, v in found.items()}

    assert check([(0, 1)], closer={(0, 1)}) == {(0, 1): "same-photo"}
    assert check([(0, 1)]) == {(0, 1): "different"}
    for sets in ({"closer": set(skies)}, {"dense": set(skies)}):
        found = check(skies, **sets)
        assert [p for p, v in found.items() if v == "same-photo"] == [(2, 3), (4, 5)], sets


def test_plain_pictures_thumbnails_are_kept_for_their_pairs_only_up_to_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain pictures (gradients here) are verified after their hashes are looked at; their thumbnails wait for
    it only up to a batch's worth (a 100k library held 130 MB of them), the rest are read again when needed."""
    monkeypatch.setattr(checker, "_CHUNK", 4)
    ramp = np.linspace(0, 255, 256, dtype=np.float32)
    images = [
        np.dstack([np.tile(ramp * (0.5 + 0.04 * k), (192, 1))] * 3).clip(0, 255).astype(np.uint8) for k in range(12)
    ]
    reads: list[int] = []

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        reads.extend(indices)
        return {k: images[k] for k in indices}

    check = PairChecker(load, workers=2)
    assert all(check.plain(range(12)).values())
    assert len(check._decoded) == 4
    pairs = [(i, i + 1) for i in range(11)]
    found = check.verdicts(pairs)
    assert set(found) == set(pairs)  # every pair verified, its thumbnails read again where not kept
    assert sorted(reads) == sorted([*range(12), *range(4, 12)])


def test_different_verdicts_wait_in_the_store_not_in_memory_and_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 100,000-photo library has about a million candidate pairs, nearly all different: the checker keeps those
    as keys and reads a verdict back when assembly asks; a rescan reads them all in one pass and verifies none."""
    images = _thumbnails()
    pairs = [(i, j) for i in range(len(images)) for j in range(i + 1, len(images))]

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        return {k: images[k] for k in indices}

    expected = PairChecker(load, workers=2).verdicts(pairs)  # nothing stored: every verdict held
    store = Store(tmp_path / "s.sqlite3")
    records = [FileRecord(str(tmp_path / f"p{k}.jpg"), 1000 + k, k, k) for k in range(len(images))]
    ids = store.sync_files(records)
    contents = [Content([r.path], [ids[r.path]], r.size) for r in records]
    scan = PairChecker(load, StoredVerdicts(store, contents), workers=2)
    assert dict(scan.each_verdict(pairs)) == expected
    different = sum(v.verdict == "different" for v in expected.values())
    assert different > len(pairs) // 2
    assert scan.held() == (len(pairs) - different, different)
    assert {p: scan.known(*p) for p in pairs} == expected
    store.close()

    made: list[int] = []
    features = checker.verify.features
    monkeypatch.setattr(checker.verify, "features", lambda img, *a: made.append(1) or features(img, *a))
    store = Store(tmp_path / "s.sqlite3")
    rescan = PairChecker(load, StoredVerdicts(store, contents), workers=2)
    assert dict(rescan.each_verdict(pairs)) == expected
    assert made == [] and rescan.held() == (len(pairs) - different, different)
    store.close()


def test_packed_pairs_are_ordered_as_pairs_are() -> None:
    rng = np.random.default_rng(3)
    clusters = rng.integers(-1, 6, 400)
    pairs = sorted({(int(min(i, j)), int(max(i, j))) for i, j in rng.integers(0, 400, (3000, 2)) if i != j})
    keys = pack(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    ordered = keys[local_order_keys(keys, clusters)]
    assert [(int(k) >> 32, int(k) & 0xFFFFFFFF) for k in ordered] == local_order(pairs, clusters)


def test_candidate_pairs_keep_their_order_and_answer_by_pair() -> None:
    found = CandidatePairs(
        np.array([5, 0, 2]),
        np.array([9, 7, 3]),
        np.array([1, 0, 1]),
        np.array([0, 0, 1]),
        np.array([0.91, 0.72, np.nan]),
    )
    assert list(found) == [(5, 9), (0, 7), (2, 3)]
    assert (9, 5) in found and (7, 0) in found and (3, 7) not in found
    assert found[(2, 3)] == Candidate(hash_close=True, hash_identical=True, cosine=None)
    assert found[(0, 7)].cosine == 0.72
    with pytest.raises(KeyError):
        found[(1, 2)]
    assert list(found.take(~found.rows_of({(3, 2)}))) == [(5, 9), (0, 7)]
    assert list(found.take(np.array([2, 0]))) == [(2, 3), (5, 9)]
    assert list(found.take(found.cosine >= 0.8)) == [(5, 9)]  # no cosine is never over a threshold
