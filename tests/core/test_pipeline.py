"""run_scan end to end on a generated library: groups, problems, cache reuse, cancel and resume."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import weakref
from pathlib import Path

import pytest

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import RootError
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.progress import CancelToken, ProgressEvent, Stage
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, ScanResult, ScanStatus, Tier
from tests.conftest import Library, build_library


def scan(root: Path, db: Path, **kw: object) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(root,), embeddings=False, workers=2, **kw), store=store)  # type: ignore[arg-type]
    finally:
        store.close()


def group_of(result: ScanResult, path: Path) -> set[str]:
    for g in result.groups:
        if str(path) in g.paths:
            return set(g.paths)
    return set()


@pytest.fixture(scope="module")
def near(library: Library, tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return scan(library.root, tmp_path_factory.mktemp("db") / "store.sqlite3")


def test_copies_of_one_photo_form_one_group(library: Library, near: ScanResult) -> None:
    group = group_of(near, library.orig)
    expected = {str(library.orig), str(library.exact_copy), *(str(p) for p in library.same_photo.values())}
    assert group == expected


def test_unrelated_photos_and_blank_images_are_not_grouped(library: Library, near: ScanResult) -> None:
    grouped = {p for g in near.groups for p in g.paths}
    for other in library.others[1:]:
        assert str(other) not in grouped
    assert str(library.root / "blank" / "white.jpg") not in grouped
    assert str(library.root / "blank" / "dark.jpg") not in grouped


def test_mislabelled_jpeg_is_found_and_grouped_with_its_twin(library: Library, near: ScanResult) -> None:
    assert group_of(near, library.others[0]) == {
        str(library.others[0]),
        str(library.root / "2021" / "coffee-export.png"),
    }


def test_each_bad_file_is_reported_once_and_never_grouped(library: Library, near: ScanResult) -> None:
    by_path = {p.path: p for p in near.problems}
    assert len(by_path) == len(near.problems)
    for kind, path in library.broken.items():
        assert by_path[str(path)].kind.value == kind, by_path[str(path)]
        assert by_path[str(path)].message
    grouped = {p for g in near.groups for p in g.paths}
    assert not grouped & {str(p) for p in library.broken.values()}


def test_hidden_folders_companions_and_symlink_loops_are_skipped(library: Library, near: ScanResult) -> None:
    paths = {p for g in near.groups for p in g.paths} | {p.path for p in near.problems}
    assert not any("/.hidden/" in p or p.endswith(".xmp") or "/loop/" in p for p in paths)


def test_keeper_is_the_largest_original_and_evidence_names_the_transform(library: Library, near: ScanResult) -> None:
    group = next(g for g in near.groups if str(library.orig) in g.paths)
    assert group.keeper in {str(library.orig), str(library.exact_copy), str(library.same_photo["png"])}
    assert group.tier is Tier.SAME_PHOTO
    evidence = {m.path: m.evidence for m in group.members if m.evidence}
    rotated = evidence[str(library.same_photo["rotate"])]
    assert rotated is not None and rotated.transform in {"rot90", "rot270"}
    assert evidence[str(library.same_photo["mirror"])].transform == "mirror"  # type: ignore[union-attr]


def test_exact_mode_groups_only_identical_files(library: Library, tmp_path: Path) -> None:
    result = scan(library.root, tmp_path / "s.sqlite3", mode=Mode.EXACT)
    assert group_of(result, library.orig) == {str(library.orig), str(library.exact_copy)}
    assert all(g.tier is Tier.EXACT for g in result.groups)


def test_reference_folder_is_protected_and_its_copy_kept(library: Library, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    config = ScanConfig(roots=(library.root / "2020",), references=(library.root / "backup",), embeddings=False)
    result = run_scan(config, store=store)
    (group,) = result.groups
    assert group.keeper == str(library.exact_copy)
    assert group.keeper_reason == "in a protected folder"
    assert [m.protected for m in group.members if m.path == str(library.exact_copy)] == [True]


def test_rescan_of_unchanged_library_decodes_nothing(library: Library, tmp_path: Path) -> None:
    first = scan(library.root, tmp_path / "s.sqlite3")
    second = scan(library.root, tmp_path / "s.sqlite3")
    assert first.stats.decoded > 0
    assert second.stats.decoded == 0
    assert [g.paths for g in second.groups] == [g.paths for g in first.groups]
    assert second.problems == first.problems


def test_an_unchanged_rescan_keeps_the_pairs_a_regroup_reads_and_a_changed_one_writes_its_own(
    library: Library, tmp_path: Path
) -> None:
    """The pairs of a rescan that reused its links are the earlier scan's, copied in the store; once a photo
    changes, the scan writes what it found (the changed photo's pairs with it)."""
    db = tmp_path / "s.sqlite3"
    first, second = scan(library.root, db), scan(library.root, db)

    def pairs(result: ScanResult) -> list[tuple[str, str, dict]]:
        store = Store(db)
        try:
            return sorted(store.scan_pairs(result.scan_id), key=lambda p: (p[0], p[1]))
        finally:
            store.close()

    assert second.scan_id != first.scan_id
    assert pairs(second) == pairs(first)
    assert any(ev.get("method") == "bytes" for _, _, ev in pairs(second))  # the byte copies' pairs came along
    assert any(ev.get("method") != "bytes" for _, _, ev in pairs(second))
    shutil.copyfile(library.others[0], library.others[2])  # another photo's bytes: a new byte copy
    third = scan(library.root, db)
    assert third.stats.decoded == 0  # its bytes were known
    changed = str(library.others[2])
    assert changed not in {p for a, b, _ in pairs(second) for p in (a, b)}
    assert changed in {p for a, b, _ in pairs(third) for p in (a, b)}
    assert str(library.others[0]) in group_of(third, library.others[2])


def test_a_problem_an_older_version_found_is_read_again_and_the_rest_is_not(tmp_path: Path) -> None:
    """A newer version that tells a file's problem apart better (here: a TIFF kind Pillow cannot decode, once called
    damaged) reads the files an older one found unusable again, and only those."""
    import numpy as np
    import tifffile

    from dedup_gui.core.worker import ANALYSIS_VERSION

    lib = build_library(tmp_path / "lib")
    hdr = lib.root / "merge.tif"
    tifffile.imwrite(hdr, np.ones((32, 48, 3), np.float32), photometric="rgb")
    first = scan(lib.root, tmp_path / "s.sqlite3")
    unsupported = [p for p in first.problems if p.path == str(hdr)]
    assert [p.kind.value for p in unsupported] == ["unsupported"]
    store = Store(tmp_path / "s.sqlite3")
    with store.db:  # the row as the version before this one left it
        store.db.execute(
            "UPDATE images SET version=?, problem_kind='corrupt', problem_message='damaged image' "
            "WHERE file_id=(SELECT id FROM files WHERE path=?)",
            (ANALYSIS_VERSION, str(hdr)),
        )
    store.close()
    again = scan(lib.root, tmp_path / "s.sqlite3")
    assert again.stats.decoded == 1
    assert [p for p in again.problems if p.path == str(hdr)] == unsupported
    assert scan(lib.root, tmp_path / "s.sqlite3").stats.decoded == 0  # kept, under the new words


def test_changed_file_is_decoded_again(tmp_path: Path) -> None:
    lib = build_library(tmp_path / "lib")
    scan(lib.root, tmp_path / "s.sqlite3")
    lib.others[1].write_bytes(lib.others[2].read_bytes())  # chelsea now holds rocket's bytes
    result = scan(lib.root, tmp_path / "s.sqlite3")
    assert result.stats.decoded == 0  # same bytes as a known file: its twin's decode is reused
    assert group_of(result, lib.others[1]) == {str(lib.others[1]), str(lib.others[2])}


def test_cancel_keeps_finished_work_and_the_next_run_resumes(tmp_path: Path) -> None:
    lib = build_library(tmp_path / "lib")
    db = tmp_path / "s.sqlite3"
    cancel = CancelToken()

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING and event.done >= 3:
            cancel.cancel()

    store = Store(db)
    config = ScanConfig(roots=(lib.root,), embeddings=False, workers=1)
    first = run_scan(config, store=store, sink=sink, cancel=cancel)
    store.close()
    assert first.status is ScanStatus.CANCELLED
    assert first.groups == ()
    second = scan(lib.root, db)
    assert second.status is ScanStatus.COMPLETED
    assert second.stats.from_cache >= 3
    assert group_of(second, lib.orig)


def test_file_vanishing_mid_scan_is_reported(tmp_path: Path) -> None:
    lib = build_library(tmp_path / "lib")
    victim = lib.others[2]

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.EXACT and victim.exists():
            victim.unlink()

    store = Store(tmp_path / "s.sqlite3")
    result = run_scan(ScanConfig(roots=(lib.root,), embeddings=False), store=store, sink=sink)
    assert {p.path: p.kind.value for p in result.problems}[str(victim)] == "vanished"
    assert group_of(result, lib.orig)


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RootError, match="not found"):
        scan(tmp_path / "nope", tmp_path / "s.sqlite3")


def test_copies_of_a_broken_file_are_problems_not_a_group(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.jpg").write_text("not a photo at all " * 10)
    shutil.copy(tmp_path / "lib" / "a.jpg", tmp_path / "lib" / "b.jpg")
    result = scan(tmp_path / "lib", tmp_path / "s.sqlite3")
    assert result.groups == ()
    assert {p.kind.value for p in result.problems} == {"not-an-image"}
    assert len(result.problems) == 2


def test_file_name_that_is_not_utf8_is_reported_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    good = root / "a.jpg"
    photo_bytes = (Path(__file__).parent / "test_pipeline.py").read_bytes()  # any bytes: only the name matters
    good.write_bytes(photo_bytes)
    bad = os.fsencode(root) + b"/caf\xe9.jpg"  # Latin-1 name on a UTF-8 system
    with open(bad, "wb") as fh:
        fh.write(photo_bytes)
    result = scan(root, tmp_path / "s.sqlite3")
    kinds = {p.kind.value for p in result.problems}
    assert "unreadable" in kinds and "not-an-image" in kinds
    assert any("not valid UTF-8" in p.message for p in result.problems)


def test_every_group_member_has_its_full_content_hash(library: Library, near: ScanResult, tmp_path: Path) -> None:
    """Files of a unique size are never fully hashed by the exact-copy stage; the decode hashes them."""
    from dedup_gui.core.contenthash import full_hash
    from dedup_gui.core.types import FileRecord

    store = Store(tmp_path / "s.sqlite3")
    try:
        result = run_scan(ScanConfig(roots=(library.root,), embeddings=False, workers=2), store=store)
        members = [m for g in result.groups for m in g.members]
        assert len(members) >= 10
        for m in members:
            st = os.stat(m.path)
            assert store.full_hash_of(m.path) == full_hash(FileRecord(m.path, st.st_size, st.st_mtime_ns, st.st_ino))
        # a cached decode from before hashes were stored is decoded again rather than left without one
        store.db.execute("UPDATE files SET full_hash=NULL")
        again = run_scan(ScanConfig(roots=(library.root,), embeddings=False, workers=2), store=store)
        assert again.stats.decoded > 0
        assert all(store.full_hash_of(m.path) for g in again.groups for m in g.members)
    finally:
        store.close()


def test_a_scan_keeps_its_objects_from_the_garbage_collector_and_gives_them_back(
    library: Library, tmp_path: Path
) -> None:
    """Full collections of the cyclic garbage collector walk every object while holding the GIL: during a scan
    of 10,000 photos they stalled the window for up to 111 ms. During a scan what exists is frozen at every step
    (a collection walks only what was made since); afterwards nothing stays frozen, and a cycle made during the
    scan is collected as usual."""

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    frozen: list[int] = []
    made: list[weakref.ref] = []

    def sink(event: ProgressEvent) -> None:
        frozen.append(gc.get_freeze_count())
        if not made:
            made.append(weakref.ref(Cycle()))

    gc.collect()
    objects = len(gc.get_objects())
    store = Store(tmp_path / "store.sqlite3")
    try:
        config = ScanConfig(roots=(library.root,), embeddings=False, workers=2)
        run_scan(config, store=store, sink=sink)
    finally:
        store.close()
    assert max(frozen) >= objects  # everything there was before the scan, at least, out of reach during it
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert made and made[0]() is None  # the scan's cycle was collected once it ended


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.NEAR])
def test_dark_frames_that_differ_only_in_their_dates_are_one_group(tmp_path: Path, mode: Mode) -> None:
    """Pixel-identical files are copies of each other even when the picture is too plain to compare by its hashes
    (a lens-cap frame, edited dates): all four in one group, not the first two."""
    import numpy as np
    from PIL import Image

    dark = Image.fromarray(np.random.default_rng(1).integers(0, 6, (480, 640, 3), dtype=np.uint8))
    for n in range(4):
        exif = Image.Exif()
        exif[0x0132] = f"2024:01:0{n + 1} 10:00:00"
        dark.save(tmp_path / f"IMG_{n}.jpg", quality=90, exif=exif.tobytes())
    config = ScanConfig(roots=(tmp_path,), mode=mode, embeddings=False, workers=1)
    result = run_scan(config, store=Store(tmp_path / "s.db"))
    assert [len(g.members) for g in result.groups] == [4]
    assert {m.evidence.method for m in result.groups[0].members if m.evidence} == {"pixels"}


def test_an_icon_of_a_photo_is_its_copy_and_a_broken_icon_a_problem(tmp_path: Path) -> None:
    """.ico files (a favicon or an app icon made from a photo) are scanned like any other picture."""
    from tests.conftest import photo, save_jpeg

    root = tmp_path / "photos"
    base = photo("coffee", (800, 600))
    orig = save_jpeg(base, root / "coffee.jpg")
    base.resize((256, 192)).save(root / "coffee.ico", sizes=[(256, 192), (64, 48), (32, 24)])
    (root / "broken.ico").write_bytes(b"\x00\x00\x01\x00" + b"not an icon" * 8)
    result = run_scan(ScanConfig(roots=(root,), embeddings=False, workers=1), store=Store(tmp_path / "s.db"))
    assert [sorted(g.paths) for g in result.groups] == [sorted([str(orig), str(root / "coffee.ico")])]
    assert [p.path for p in result.problems] == [str(root / "broken.ico")]


def test_a_scan_says_in_its_log_where_its_time_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With -v a scan says what its main thread waited on while decoding, and how busy verification kept its
    threads: what tells a machine short of cores from a scan that leaves them idle."""
    from dedup_gui.core import checker
    from tests.core.test_incremental import scan as scan_with_model
    from tests.core.test_incremental import write_library

    monkeypatch.setattr(checker, "_CHUNK", 2)  # the line is for a scan's candidates, more than a batch of them
    write_library(tmp_path / "lib")
    with caplog.at_level(logging.INFO, logger="dedup_gui"):
        result = scan_with_model(tmp_path / "lib", tmp_path / "db.sqlite3")
    decoded = [r.getMessage() for r in caplog.records if r.getMessage().startswith("decoded ")]
    assert len(decoded) == 1 and decoded[0].startswith(f"decoded {result.stats.decoded} files in ")
    assert "waited" in decoded[0] and "for the image model" in decoded[0]
    verified = [r.getMessage() for r in caplog.records if r.getMessage().startswith("verified ")]
    assert verified and " pairs on 2 threads in " in verified[0] and "% of theirs)" in verified[0]
