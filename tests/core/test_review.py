"""The engine's review rules on a real scan: dismissals keep identical copies together and can be undone, auto-select
never proposes what must stay, and the apply plan only holds decisions inside groups that are still shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core import review
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group, ImageInfo, Member, PairEvidence, Tier
from tests.conftest import photo, save_jpeg


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, Store]:
    """a.jpg with a byte-identical copy, a smaller copy (and its own byte-identical copy), and a mirrored copy."""
    lib = tmp_path / "lib"
    base = photo("astronaut", (400, 300))
    orig = save_jpeg(base, lib / "a.jpg")
    (lib / "a copy.jpg").write_bytes(orig.read_bytes())
    small = save_jpeg(base.resize((200, 150), Image.Resampling.LANCZOS), lib / "small.jpg")
    (lib / "small copy.jpg").write_bytes(small.read_bytes())
    save_jpeg(base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), lib / "mirror.jpg")
    save_jpeg(photo("coffee", (400, 300)), lib / "coffee.jpg")
    store = Store(tmp_path / "s.sqlite3")
    run_scan(ScanConfig(roots=(lib,), embeddings=False, workers=1), store=store)
    yield lib, store
    store.close()


def _group_of(r: review.Review, path: Path) -> Group:
    return next(g for g in r.groups if str(path) in g.paths)


def test_every_grouped_file_has_a_full_content_hash_after_the_scan(scanned: tuple[Path, Store]) -> None:
    _, store = scanned
    r = review.load(store)
    paths = [m.path for g in r.groups for m in g.members]
    assert len(paths) == 5 and set(store.full_hashes_of(paths)) == set(paths)


def test_not_duplicates_on_a_member_splits_it_off_with_its_own_identical_copy(scanned: tuple[Path, Store]) -> None:
    lib, store = scanned
    group = _group_of(review.load(store), lib / "a.jpg")
    assert {Path(p).name for p in group.paths} == {"a.jpg", "a copy.jpg", "small.jpg", "small copy.jpg", "mirror.jpg"}
    store.set_decisions([(p, "trash") for p in group.paths if p != group.keeper])
    did = review.dismiss_member(store, group, str(lib / "small.jpg"))
    after = review.load(store)
    names = sorted(sorted(Path(p).name for p in g.paths) for g in after.groups)
    assert names == [["a copy.jpg", "a.jpg", "mirror.jpg"], ["small copy.jpg", "small.jpg"]]
    assert after.decisions == {}  # the group changed under them: its decisions no longer hold
    assert [d.id for d in after.dismissed] == [did] and "small.jpg" in after.dismissed[0].label
    review.undo_dismissal(store, did)
    again = review.load(store)
    assert sorted(_group_of(again, lib / "a.jpg").paths) == sorted(group.paths) and not again.dismissed


def test_not_duplicates_on_a_group_keeps_identical_copies_together(scanned: tuple[Path, Store]) -> None:
    lib, store = scanned
    group = _group_of(review.load(store), lib / "a.jpg")
    review.dismiss_group(store, group)
    names = sorted(sorted(Path(p).name for p in g.paths) for g in review.load(store).groups)
    assert names == [["a copy.jpg", "a.jpg"], ["small copy.jpg", "small.jpg"]]
    rescan = run_scan(ScanConfig(roots=(lib,), embeddings=False, workers=1), store=store)
    assert sorted(sorted(Path(p).name for p in g.paths) for g in rescan.groups) == names  # a rescan keeps it


def test_the_plan_ignores_decisions_outside_the_groups_still_shown(scanned: tuple[Path, Store]) -> None:
    """The CLI's apply once trashed D after D_small was marked not duplicates: the only copy of that picture."""
    lib, store = scanned
    group = _group_of(review.load(store), lib / "a.jpg")
    review.dismiss_group(store, group)
    store.set_decisions([(str(lib / "mirror.jpg"), "trash"), (str(lib / "small.jpg"), "trash")])
    planned = {i.path for i in review.build_plan(store).items}
    assert planned == {str(lib / "small.jpg")}  # mirror.jpg is in no group any more: it cannot be trashed


def _member(path: str, fmt: str, size: tuple[int, int], tier: Tier | None, protected: bool = False) -> Member:
    ev = None if tier is None else PairEvidence("/k", path, tier, 1.0, "bytes" if tier is Tier.EXACT else "hash")
    return Member(path, 1000, protected, ImageInfo(*size, fmt, None, None, False), ev)


def test_auto_select_never_proposes_a_raw_original_and_keeps_a_raw_jpeg_pair() -> None:
    raw = _member("/shoot/DSC_1.NEF", "NEF", (6000, 4000), Tier.SAME_PHOTO)
    pair_jpeg = _member("/shoot/DSC_1.JPG", "JPEG", (6000, 4000), None)  # the keeper by pixels and format rules
    export = _member("/web/DSC_1-small.jpg", "JPEG", (1200, 800), Tier.SAME_PHOTO)
    protected = _member("/backup/DSC_1.JPG", "JPEG", (6000, 4000), Tier.EXACT, protected=True)
    group = Group(Tier.SAME_PHOTO, pair_jpeg.path, "most pixels", (pair_jpeg, raw, export, protected))
    assert review.proposal(group) == {
        pair_jpeg.path: "keep",
        raw.path: "keep",
        export.path: "trash",
        protected.path: "keep",
    }
    raw_keeper = _member("/shoot/DSC_2.DNG", "DNG", (6000, 4000), None)
    raw_copy = _member("/copy/DSC_2.DNG", "DNG", (6000, 4000), Tier.EXACT)
    jpeg = _member("/shoot/DSC_2.JPG", "JPEG", (6000, 4000), Tier.SAME_PHOTO)
    twin = Group(Tier.SAME_PHOTO, raw_keeper.path, "preferred format", (raw_keeper, raw_copy, jpeg))
    # an identical second copy of the RAW may go; the JPEG of the same shot stays with its RAW
    assert review.proposal(twin) == {raw_keeper.path: "keep", raw_copy.path: "trash", jpeg.path: "keep"}
    assert review.proposal(twin, exact_only=True) == {
        raw_keeper.path: "keep",
        raw_copy.path: "trash",
        jpeg.path: "keep",
    }


def test_auto_select_of_many_groups_keeps_every_decision_already_made() -> None:
    keeper = _member("/a/IMG_1.jpg", "JPEG", (4000, 3000), None)
    same = _member("/b/IMG_1.jpg", "JPEG", (4000, 3000), Tier.EXACT)
    small = _member("/c/IMG_1-small.jpg", "JPEG", (800, 600), Tier.SAME_PHOTO)
    group = Group(Tier.SAME_PHOTO, keeper.path, "most pixels", (keeper, same, small))
    decided = {small.path: "keep"}
    assert review.auto_select([group], decided=decided) == [(keeper.path, "keep"), (same.path, "trash")]
    assert review.auto_select([group], exact_only=True, decided={same.path: "keep"}) == [(keeper.path, "keep")]
    everything = dict(review.auto_select([group]))
    assert review.auto_select([group], decided=everything) == []  # twice changes nothing


def _two_sizes(tmp_path: Path) -> tuple[Path, Store]:
    """big.jpg (more pixels, small file) and heavy.jpg (fewer pixels, larger file); coffee.jpg and its copy."""
    lib = tmp_path / "lib"
    base = photo("astronaut", (480, 360))
    save_jpeg(base, lib / "big.jpg", quality=40)
    save_jpeg(base.resize((400, 300), Image.Resampling.LANCZOS), lib / "heavy.jpg", quality=100)
    coffee = save_jpeg(photo("coffee", (400, 300)), lib / "coffee.jpg")
    (lib / "coffee copy.jpg").write_bytes(coffee.read_bytes())
    store = Store(tmp_path / "s.sqlite3")
    run_scan(ScanConfig(roots=(lib,), embeddings=False, workers=1), store=store)
    return lib, store


def test_new_keeper_rules_are_proposed_again_and_untouched_auto_selections_follow(tmp_path: Path) -> None:
    lib, store = _two_sizes(tmp_path)
    try:
        before = review.load(store)
        photos, coffee = _group_of(before, lib / "big.jpg"), _group_of(before, lib / "coffee.jpg")
        assert photos.keeper == str(lib / "big.jpg")
        assert (lib / "heavy.jpg").stat().st_size > (lib / "big.jpg").stat().st_size
        store.set_decisions(review.auto_select([photos]))  # accepted as proposed
        store.set_decisions([(p, "keep") for p in coffee.paths])  # decided by hand
        rules = ("file-size", *(r for r in review.DEFAULT_KEEPER_RULES if r != "file-size"))
        config = ScanConfig(roots=(lib,), embeddings=False, keeper_rules=rules)
        changed, shown = review.repropose(store, config)
        assert changed == 1
        after = review.load(store, rules)
        assert shown == after  # the review it gives is the one a load would give now
        regrouped = _group_of(after, lib / "big.jpg")
        assert regrouped.keeper == str(lib / "heavy.jpg") and regrouped.keeper_reason == "largest file"
        big = next(m for m in regrouped.members if m.path == str(lib / "big.jpg"))
        assert big.evidence is not None and big.evidence.a == str(lib / "heavy.jpg")  # worded against the new keeper
        assert after.decisions[str(lib / "heavy.jpg")] == "keep" and after.decisions[str(lib / "big.jpg")] == "trash"
        assert all(after.decisions[p] == "keep" for p in coffee.paths)  # a hand decision stays
        newest = review.load(store, rules).scan_id
        assert newest != before.scan_id  # saved as the newest result: a reopen shows it
        assert newest is not None and before.scan_id is not None
        # with the pairs of the scan it regrouped, so a later regroup of the newest result has its links
        assert sorted(store.scan_pairs(newest)) == sorted(store.scan_pairs(before.scan_id)) != []
    finally:
        store.close()


def test_a_cancelled_dry_run_stops_between_chunks(scanned: tuple[Path, Store]) -> None:
    from dedup_gui.core import actions
    from dedup_gui.core.progress import CancelToken

    lib, store = scanned
    group = _group_of(review.load(store), lib / "a.jpg")
    store.set_decisions(review.auto_select([group]))
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        token.cancel()  # the user pressed Cancel after the first chunk

    report = actions.apply(review.build_plan(store), store, dry_run=True, chunk_size=1, progress=progress, cancel=token)
    assert seen == [1] and len(report.with_status(actions.Status.WOULD_TRASH)) == 1
    assert report.stopped and all("not moved" in o.message for o in report.failures)
    assert all(Path(p).exists() for p in group.paths)


def test_a_group_of_identical_copies_cannot_be_dismissed(tmp_path: Path) -> None:
    from dedup_gui.core.errors import DedupError

    lib = tmp_path / "lib"
    a = save_jpeg(photo("coffee", (300, 200)), lib / "a.jpg")
    (lib / "b.jpg").write_bytes(a.read_bytes())
    store = Store(tmp_path / "s.sqlite3")
    try:
        run_scan(ScanConfig(roots=(lib,), embeddings=False, workers=1), store=store)
        (group,) = review.load(store).groups
        with pytest.raises(DedupError, match="identical copies"):
            review.dismiss_group(store, group)
        assert not store.dismissals() and len(review.load(store).groups) == 1
    finally:
        store.close()


def test_auto_select_of_many_groups_leaves_uncertain_ones_to_the_person() -> None:
    def group(score: float, tier: Tier = Tier.SAME_PHOTO) -> Group:
        keeper = _member(f"/g{score}/a.jpg", "JPEG", (4000, 3000), None)
        ev = PairEvidence(keeper.path, f"/g{score}/b.jpg", tier, score, "geometry")
        copy = Member(f"/g{score}/b.jpg", 1000, False, ImageInfo(2000, 1500, "JPEG", None, None, False), ev)
        return Group(tier, keeper.path, "most pixels", (keeper, copy))

    sure, weak, shot = group(0.97), group(0.72), group(0.9, Tier.SIMILAR)
    assert not review.uncertain(sure) and review.uncertain(weak) and review.uncertain(shot)
    decided = dict(review.auto_select([sure, weak, shot], skip_uncertain=True))
    assert set(decided) == set(sure.paths)  # the weak match and the other shot wait for a look
    assert set(dict(review.auto_select([weak]))) == set(weak.paths)  # one group on request: as before
