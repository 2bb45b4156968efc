"""Regrouping from stored pairs gives what a fresh scan in that mode gives, without decoding anything."""

from __future__ import annotations

import gc
import sqlite3
from dataclasses import replace
from pathlib import Path

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.regroup import regroup
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode
from tests.conftest import Library


def groups(result: object) -> list[list[str]]:
    return sorted(sorted(g.paths) for g in result.groups)  # type: ignore[attr-defined]


def test_regroup_matches_a_fresh_scan_in_each_mode(library: Library, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    near = run_scan(ScanConfig(roots=(library.root,), embeddings=False), store=store)
    exact = run_scan(ScanConfig(roots=(library.root,), embeddings=False, mode=Mode.EXACT), store=Store(tmp_path / "e"))
    assert groups(regroup(store, Mode.EXACT)) == groups(exact)
    assert groups(regroup(store, Mode.NEAR)) == groups(near)
    assert groups(exact) != groups(near)
    assert gc.get_freeze_count() == 0  # what a regroup held off the garbage collector is given back


def test_a_scan_keeps_its_groups_under_every_mode_so_that_a_regroup_is_a_read(library: Library, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    config = ScanConfig(roots=(library.root,), embeddings=False)
    near = run_scan(config, store=store)
    with sqlite3.connect(db) as conn:  # the scan's own groups and the other modes', made as it ended
        assert conn.execute("SELECT count(*) FROM regroups").fetchone()[0] == len(Mode)
    kept = {mode: groups(regroup(store, mode, config)) for mode in Mode}
    assert kept[Mode.NEAR] == groups(near)
    assert kept[Mode.EXACT] != kept[Mode.NEAR]
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM regroups")
    assert {mode: groups(regroup(store, mode, config)) for mode in Mode} == kept  # made again from the pairs
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM pairs")  # nothing left to group from: only the kept groups can answer
    assert {mode: groups(regroup(store, mode, config)) for mode in Mode} == kept
    # other keeper rules: grouped afresh (here from no pairs at all), not taken from what was kept
    other = replace(config, keeper_rules=tuple(reversed(DEFAULT_KEEPER_RULES)))
    assert regroup(store, Mode.NEAR, other).groups == ()


def test_pairs_marked_not_duplicates_stay_apart_in_scans_and_regroups(library: Library, tmp_path: Path) -> None:
    from dedup_gui.core.contenthash import HASH_VERSION
    from dedup_gui.core.contenthash import full_hash as content_hash
    from dedup_gui.core.types import FileRecord

    store = Store(tmp_path / "s.sqlite3")
    config = ScanConfig(roots=(library.root,), embeddings=False)
    before = run_scan(config, store=store)
    mirrored = str(library.same_photo["mirror"])
    assert any(mirrored in g.paths and str(library.orig) in g.paths for g in before.groups)
    # what the review does on "Not duplicates": remember the pair by content hash
    hashes = {}
    for p in (library.orig, library.same_photo["mirror"]):
        st = p.stat()
        hashes[p] = content_hash(FileRecord(str(p), st.st_size, st.st_mtime_ns, st.st_ino))
        store.save_content_hashes([(str(p), None, hashes[p])], HASH_VERSION)
    store.add_not_duplicates([(hashes[library.orig], hashes[library.same_photo["mirror"]])])
    for result in (regroup(store, Mode.NEAR), run_scan(config, store=store)):
        group = next(g for g in result.groups if str(library.orig) in g.paths)
        assert mirrored not in group.paths
        assert str(library.same_photo["resize"]) in group.paths  # the rest of the group is untouched


def test_a_photo_changed_and_put_back_keeps_its_byte_copy_group(tmp_path: Path) -> None:
    # put back, the photo and its backup are one content again, whose decode the scan takes from the backup
    # (the photo's own was dropped when it changed): regrouping must find it there too
    from tests.conftest import build_library

    library = build_library(tmp_path / "lib")
    original = library.orig.read_bytes()
    store = Store(tmp_path / "s.sqlite3")
    config = ScanConfig(roots=(library.root,), embeddings=False)
    run_scan(config, store=store)
    library.orig.write_bytes(library.same_photo["reencode"].read_bytes())
    run_scan(config, store=store)
    library.orig.write_bytes(original)
    rescan = run_scan(config, store=store)
    pair = sorted([str(library.orig), str(library.exact_copy)])
    assert any(
        sorted(g.paths) == pair for g in run_scan(replace(config, mode=Mode.EXACT), store=Store(tmp_path / "e")).groups
    )
    assert pair in groups(regroup(store, Mode.EXACT, config))
    assert groups(regroup(store, Mode.NEAR, config)) == groups(rescan)


def test_an_unchanged_rescan_takes_the_other_modes_groups_from_the_scan_it_repeats(tmp_path: Path) -> None:
    from tests.conftest import build_library

    library = build_library(tmp_path / "lib")
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    config = ScanConfig(roots=(library.root,), embeddings=False)
    run_scan(config, store=store)
    assert regroup(store, Mode.EXACT, config).groups

    def forget_kept_groups() -> None:  # what the first scan kept for the other modes now says "no groups"
        with sqlite3.connect(db) as conn:
            conn.execute("""UPDATE regroups SET result = '{"details": []}' WHERE result IS NOT NULL""")

    forget_kept_groups()
    run_scan(config, store=store)  # nothing changed: the same links, so the same groups in every mode
    assert regroup(store, Mode.EXACT, config).groups == ()  # taken over, not made again
    with sqlite3.connect(db) as conn:  # only the last scan's are kept: a regroup reads no other
        assert conn.execute("SELECT count(DISTINCT scan_id) FROM regroups").fetchone()[0] == 1
    forget_kept_groups()
    library.others[2].write_bytes(library.others[0].read_bytes())  # a file changed: every mode is grouped again
    assert regroup(store, Mode.EXACT, config).groups == ()
    run_scan(config, store=store)
    assert regroup(store, Mode.EXACT, config).groups


def test_a_cancel_while_the_other_modes_are_grouped_keeps_the_scan_and_regroup_makes_them_later(
    tmp_path: Path,
) -> None:
    from dedup_gui.core.pipeline import OTHER_MODES
    from dedup_gui.core.progress import CancelToken, ProgressEvent, Stage
    from dedup_gui.core.types import ScanStatus
    from tests.conftest import build_library

    library = build_library(tmp_path / "lib")
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    config = ScanConfig(roots=(library.root,), embeddings=False)
    cancel = CancelToken()

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.SAVING and event.detail == OTHER_MODES:
            cancel.cancel()  # the user gives up waiting once the scan's own result is saved

    result = run_scan(config, store=store, sink=sink, cancel=cancel)
    assert result.status is ScanStatus.COMPLETED and result.groups
    with sqlite3.connect(db) as conn:  # the scan's own mode only
        assert conn.execute("SELECT count(*) FROM regroups").fetchone()[0] == 1
    fresh = run_scan(replace(config, mode=Mode.EXACT), store=Store(tmp_path / "e.sqlite3"))
    assert groups(regroup(store, Mode.EXACT, config)) == groups(fresh)


def test_a_regroup_on_a_full_disk_still_answers(library: Library, tmp_path: Path) -> None:
    from tests.faults import fill, small_disk

    config = ScanConfig(roots=(library.root,), embeddings=False)
    with small_disk(tmp_path / "disk", 16384) as disk:
        store = Store(disk / "s.sqlite3")
        near = run_scan(config, store=store)
        with sqlite3.connect(disk / "s.sqlite3") as conn:
            conn.execute("DELETE FROM regroups")  # made afresh: what it makes cannot be kept
        fill(disk)
        assert groups(regroup(store, Mode.NEAR, config)) == groups(near)
        store.close()
