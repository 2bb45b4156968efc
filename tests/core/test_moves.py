"""A library reorganised between scans: moved photos keep what the store knew of them (no decode, embedding or
verification again, the same groups under the new paths), and deleted photos leave the store. Real files, a real
store, real embeddings and verification."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import ImageEnhance

from dedup_gui.core import actions, contenthash, moves, review, scanning
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.progress import CancelToken, ProgressEvent, Stage
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord, Problem, ProblemKind, ScanResult, ScanStatus
from tests.conftest import photo, save_jpeg


def write_event(folder: Path) -> None:
    """A photo and its crop (only verification confirms it), a photo and its tone edit, an unrelated one."""
    big = photo("astronaut", (1000, 1000))
    save_jpeg(big, folder / "a.jpg")
    save_jpeg(big.crop((150, 120, 900, 860)), folder / "a_crop.jpg")
    save_jpeg(photo("coffee"), folder / "c.jpg")
    save_jpeg(ImageEnhance.Brightness(photo("coffee")).enhance(1.15), folder / "c_edit.jpg")
    save_jpeg(photo("rocket"), folder / "r.jpg")


def scan(*roots: Path, db: Path) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=roots, workers=2, embeddings=True), store=store)
    finally:
        store.close()


def groups(result: ScanResult) -> list[list[str]]:
    return sorted(sorted(Path(p).name for p in g.paths) for g in result.groups)


def rows(db: Path) -> dict[str, int]:
    """Rows of each cached table, and the stored paths."""
    with sqlite3.connect(db) as conn:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "images", "embeddings")}
        out["verdicts"] = conn.execute("SELECT count(*) FROM verdicts").fetchone()[0]
        ids = "(SELECT id FROM files)"
        out["orphans"] = conn.execute(
            f"SELECT (SELECT count(*) FROM images WHERE file_id NOT IN {ids})"
            f" + (SELECT count(*) FROM verdicts WHERE a NOT IN {ids} OR b NOT IN {ids})"
        ).fetchone()[0]
    return out


def stored_paths(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {p for (p,) in conn.execute("SELECT path FROM files")}


def mark(db: Path, marks: dict[Path, str | None]) -> None:
    """Keep/trash marks as the window saves them (None clears one)."""
    store = Store(db)
    try:
        store.set_decisions([(str(path), decision) for path, decision in marks.items()])
    finally:
        store.close()


def marks(db: Path) -> dict[str, str]:
    store = Store(db)
    try:
        return store.decisions()
    finally:
        store.close()


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    write_event(tmp_path / "lib" / "2019" / "Beach")
    return tmp_path / "lib"


@pytest.mark.parametrize("how", ["renamed", "copied without dates"])
def test_a_moved_folder_is_not_decoded_embedded_or_verified_again(library: Path, tmp_path: Path, how: str) -> None:
    """Renamed on its disk, or copied by a tool that gives each copy today's date (`cp -r`) and the original then
    deleted: the bytes are the stored ones either way."""
    db = tmp_path / "store.sqlite3"
    first = scan(library, db=db)
    assert groups(first) == [["a.jpg", "a_crop.jpg"], ["c.jpg", "c_edit.jpg"]]
    assert first.stats.verified > 0
    before = rows(db)
    (library / "Trips").mkdir()
    if how == "renamed":
        os.rename(library / "2019", library / "Trips" / "2019 Summer")
    else:
        shutil.copytree(library / "2019", library / "Trips" / "2019 Summer", copy_function=shutil.copyfile)
        shutil.rmtree(library / "2019")

    again = scan(library, db=db)
    assert (again.stats.decoded, again.stats.embedded, again.stats.verified) == (0, 0, 0)
    assert again.stats.from_cache == 5
    moved = library / "Trips" / "2019 Summer" / "Beach"
    assert sorted(sorted(g.paths) for g in again.groups) == [
        [str(moved / "a.jpg"), str(moved / "a_crop.jpg")],
        [str(moved / "c.jpg"), str(moved / "c_edit.jpg")],
    ]
    assert rows(db) == before  # the same rows under their new paths: none added, none left behind
    assert all(p.startswith(str(moved)) for p in stored_paths(db))
    fresh = scan(library, db=tmp_path / "fresh.sqlite3")
    assert sorted(sorted(g.paths) for g in fresh.groups) == sorted(sorted(g.paths) for g in again.groups)
    third = scan(library, db=db)  # the rows took the copies' dates too
    assert (third.stats.decoded, third.stats.embedded, third.stats.verified) == (0, 0, 0)


def test_a_library_only_reorganised_looks_for_no_pair_again(
    library: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With no photo new or changed there is no pair to look for: the candidate search (an index of every
    embedding: 11 s of a 21 s rescan of a reorganised 10,000-photo library) is not run. A file that is no picture,
    with a byte copy, has no pairs either, and no longer counts as changed at every rescan."""
    event = library / "2019" / "Beach"
    (event / "notes.jpg").write_bytes(b"not a picture at all")
    shutil.copy2(event / "notes.jpg", event / "notes copy.jpg")
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    os.rename(library / "2019", library / "2020")
    with caplog.at_level(logging.INFO, logger="dedup_gui.pipeline"):
        again = scan(library, db=db)
    assert "0 of 6 contents new or changed" in caplog.text
    assert groups(again) == [["a.jpg", "a_crop.jpg"], ["c.jpg", "c_edit.jpg"]]


def test_a_moved_photo_keeps_the_keep_or_trash_mark_made_on_it(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    event = library / "2019" / "Beach"
    mark(db, {event / "a.jpg": "keep", event / "a_crop.jpg": "trash"})
    os.rename(library / "2019", library / "2019 Summer")
    scan(library, db=db)
    moved = library / "2019 Summer" / "Beach"
    assert marks(db) == {str(moved / "a.jpg"): "keep", str(moved / "a_crop.jpg"): "trash"}


def test_marks_left_behind_by_a_scan_killed_after_its_walk_follow_at_the_next_scan(
    library: Path, tmp_path: Path
) -> None:
    """The walk's renames are in the cache file and the marks in the user's file: no transaction holds both. This
    leaves the store as a scan killed between the two writes does (a real kill: tests/cli/test_kill_rescan.py)."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    event = library / "2019" / "Beach"
    mark(db, {event / "a.jpg": "keep", event / "a_crop.jpg": "trash"})
    os.rename(library / "2019", library / "2019 Summer")
    store = Store(db)
    try:
        scan_id = store.begin_scan({})
        records = list(scanning.walk(scanning.WalkOptions((library,)), []))
        known = store.known_files()
        followed = moves.follow(records, known, (library,), [], store.full_hash_of)
        store.sync_files(records, known=known, moved=followed.moved, gone=followed.gone, scan_id=scan_id)
        assert len(followed.moved) == 5 and str(event / "a.jpg") in store.decisions()  # killed here
    finally:
        store.close()
    scan(library, db=db)
    moved = library / "2019 Summer" / "Beach"
    assert marks(db) == {str(moved / "a.jpg"): "keep", str(moved / "a_crop.jpg"): "trash"}


def test_a_mark_made_on_a_new_photo_at_a_moved_photos_old_path_stays_on_it(library: Path, tmp_path: Path) -> None:
    """Each scan's moves carry the marks once: a later scan does not take a mark from a new file at the old path."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    old, new = library / "2019" / "Beach" / "a.jpg", library / "a.jpg"
    mark(db, {old: "keep"})
    os.rename(old, new)
    scan(library, db=db)
    save_jpeg(photo("coffee").crop((0, 0, 400, 300)), old)
    scan(library, db=db)
    assert marks(db) == {str(new): "keep"}
    mark(db, {old: "trash", new: None})
    scan(library, db=db)
    assert marks(db) == {str(old): "trash"}


def test_a_photo_this_app_moved_aside_into_the_library_is_not_followed_with_its_trash_mark(
    library: Path, tmp_path: Path
) -> None:
    """Apply can move the marked files into a folder the user chose instead of the trash. One inside the scanned
    folder is found by the next scan with the size, date and bytes the file had, but that is not the user
    reorganising: it is a new file there, shown with its keeper again, without the trash mark."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    event = library / "2019" / "Beach"
    mark(db, {event / "a.jpg": "keep", event / "a_crop.jpg": "trash"})
    store = Store(db)
    try:
        report = actions.apply(review.build_plan(store, review.load(store)), store, move_to=library / "Aside")
    finally:
        store.close()
    (aside,) = [Path(o.trash_path) for o in report.with_status(actions.Status.MOVED)]
    again = scan(library, db=db)
    assert again.stats.decoded == 1
    assert sorted(sorted(g.paths) for g in again.groups)[0] == sorted([str(event / "a.jpg"), str(aside)])
    assert str(aside) not in marks(db) and marks(db)[str(event / "a.jpg")] == "keep"


def test_a_photo_undo_put_back_is_its_owners_to_move_again(library: Path, tmp_path: Path) -> None:
    """The journal still lists a file that went to the trash and came back with Undo: moved later by its owner, it
    is followed like any other (a 10,000-photo library, 5 % applied and undone, then its year folders moved: 74
    of them were decoded again when every journaled path was left out)."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    event = library / "2019" / "Beach"
    mark(db, {event / "a.jpg": "keep", event / "a_crop.jpg": "trash"})
    store = Store(db)
    try:
        report = actions.apply(review.build_plan(store, review.load(store)), store, move_to=tmp_path / "aside")
        assert len(report.with_status(actions.Status.MOVED)) == 1
        assert not actions.undo_last(store).failures
    finally:
        store.close()
    os.rename(library / "2019", library / "2019 Summer")
    again = scan(library, db=db)
    assert (again.stats.decoded, again.stats.verified) == (0, 0)
    moved = library / "2019 Summer" / "Beach"
    assert marks(db) == {str(moved / "a.jpg"): "keep", str(moved / "a_crop.jpg"): "trash"}


@pytest.mark.parametrize("how", ["renamed", "copied without its date"])
def test_a_moved_photo_keeps_its_group_with_a_photo_that_stayed(library: Path, tmp_path: Path, how: str) -> None:
    """The last scan's link between the two is carried over under the new name, not lost with the old one. The
    move turns the pair's order (the store keeps a verdict under its pair's order), so a link not carried over
    would be verified again."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    (library / "Edits").mkdir()
    old, new = library / "2019" / "Beach" / "a.jpg", library / "Edits" / "astronaut.jpg"
    if how == "renamed":
        os.rename(old, new)
    else:
        shutil.copyfile(old, new)
        old.unlink()
    again = scan(library, db=db)
    assert (again.stats.decoded, again.stats.verified) == (0, 0)
    assert groups(again) == [["a_crop.jpg", "astronaut.jpg"], ["c.jpg", "c_edit.jpg"]]


def test_a_move_seen_by_a_cancelled_scan_is_remembered_for_the_next(library: Path, tmp_path: Path) -> None:
    """The cancelled scan gave the rows their new paths; the next one still reads the last completed scan's links
    under them (they were made under the old paths), so the moved photos keep their groups."""
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    (library / "Edits").mkdir()
    os.rename(library / "2019" / "Beach" / "c_edit.jpg", library / "Edits" / "coffee edit.jpg")
    os.rename(library / "2019", library / "Summer")
    cancel = CancelToken()

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING:  # the walk is recorded, the moves with it
            cancel.cancel()

    store = Store(db)
    try:
        stopped = run_scan(ScanConfig(roots=(library,), workers=2), store=store, sink=sink, cancel=cancel)
    finally:
        store.close()
    assert stopped.status is ScanStatus.CANCELLED
    assert not any("2019" in p for p in stored_paths(db))
    again = scan(library, db=db)
    assert again.stats.verified == 0
    assert groups(again) == [["a.jpg", "a_crop.jpg"], ["c.jpg", "coffee edit.jpg"]]


def test_a_deleted_photo_leaves_the_store_with_all_it_had(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    scan(library, db=db)
    before = rows(db)
    (library / "2019" / "Beach" / "c_edit.jpg").unlink()
    again = scan(library, db=db)
    assert groups(again) == [["a.jpg", "a_crop.jpg"]]
    after = rows(db)
    assert (after["files"], after["images"], after["embeddings"]) == (4, 4, before["embeddings"] - 1)
    assert after["verdicts"] < before["verdicts"] and after["orphans"] == 0
    assert not any(p.endswith("c_edit.jpg") for p in stored_paths(db))


def test_files_outside_the_scanned_folders_are_not_forgotten(tmp_path: Path) -> None:
    """A store shared by two libraries: scanning one never forgets the other's files, gone or not (an unplugged
    disk would otherwise cost its whole cache); scanning the other does."""
    home, other = tmp_path / "home", tmp_path / "other"
    write_event(home)
    shutil.copytree(home, other)
    db = tmp_path / "store.sqlite3"
    scan(home, db=db)
    scan(other, db=db)
    (other / "r.jpg").unlink()
    scan(home, db=db)
    assert str(other / "r.jpg") in stored_paths(db)
    scan(other, db=db)
    assert str(other / "r.jpg") not in stored_paths(db)
    assert str(home / "r.jpg") in stored_paths(db)


def record(path: Path) -> FileRecord:
    st = path.stat()
    return FileRecord(str(path), st.st_size, st.st_mtime_ns, st.st_ino)


def stored(fid: int, path: Path) -> tuple[int, int, int]:
    """What the store knows of a file it scanned: id, size and date."""
    r = record(path)
    return fid, r.size, r.mtime_ns


def hashes(**by_path: str | None) -> Callable[[str], str | None]:
    """The store's content hash of each file (as stored_hash asks it)."""
    return by_path.get


def test_only_a_file_gone_from_its_old_path_is_followed(tmp_path: Path) -> None:
    """A hard link made beside a photo is a second file for the walk, not a move; a copy that kept the date (to
    another disk) is followed once the original is gone, and one that did not (`cp -r`) when the original was under
    a scanned folder; a file the walk missed in a folder it could not read is kept."""
    root = tmp_path / "lib"
    old = save_jpeg(photo("rocket"), root / "old.jpg")
    known = {str(old): stored(1, old)}
    digest = {str(old): contenthash.full_hash(record(old))}.get
    os.link(old, root / "linked.jpg")
    assert moves.follow([record(old), record(root / "linked.jpg")], known, [root], [], digest) == moves.Followed()
    assert moves.follow([record(root / "linked.jpg")], known, [root], [], digest) == moves.Followed()  # old is there

    os.rename(old, root / "new.jpg")
    (root / "linked.jpg").unlink()
    ticks: list[tuple[int, int]] = []
    followed = moves.follow([record(root / "new.jpg")], known, [root], [], digest, tick=lambda *t: ticks.append(t))
    assert followed.moved == {str(old): str(root / "new.jpg")} and followed.gone == []
    assert ticks == [(1, 1)]

    shutil.copyfile(root / "new.jpg", root / "undated.jpg")  # a copy with today's date
    shutil.copy2(root / "new.jpg", root / "copy.jpg")  # with the photo's date, another inode
    (root / "new.jpg").unlink()
    followed = moves.follow([record(root / "copy.jpg")], known, [root], [], digest)
    assert followed == moves.Followed(moved={str(old): str(root / "copy.jpg")})
    followed = moves.follow([record(root / "undated.jpg")], known, [root], [], digest)
    assert followed == moves.Followed(moved={str(old): str(root / "undated.jpg")})
    other_disk = [tmp_path / "elsewhere"]  # old is not under the scanned folder: its disk may only be unplugged
    assert moves.follow([record(root / "undated.jpg")], known, other_disk, [], digest) == moves.Followed()
    assert moves.follow([record(root / "copy.jpg")], known, other_disk, [], digest).moved == {
        str(old): str(root / "copy.jpg")
    }

    shut = root / "shut"
    known_inside = {str(shut / "x.jpg"): (2, 10, 20)}
    unreadable = [Problem(str(shut), ProblemKind.FOLDER_UNREADABLE, "folder cannot be read: Permission denied")]
    assert moves.follow([], known_inside, [root], unreadable, digest) == moves.Followed()
    assert moves.follow([], known_inside, [root], [], digest) == moves.Followed(gone=[2])


def test_byte_copies_copied_without_their_dates_keep_their_own_rows(tmp_path: Path) -> None:
    """A folder and its backup (byte copies of each other) copied by a tool that does not keep dates, the originals
    deleted: each copy takes the row of the file whose path it ends like, so a keep mark and a trash mark stay on
    their own copies. Of two that end alike, the one with its date; without it, a new file: no mark may land on the
    wrong one."""
    root = tmp_path / "lib"
    a = save_jpeg(photo("rocket"), root / "Originals" / "IMG_1.jpg")
    b = root / "Backup" / "IMG_1.jpg"
    b.parent.mkdir()
    shutil.copy2(a, b)
    later = b.stat().st_mtime_ns + 60_000_000_000
    os.utime(b, ns=(later, later))  # backed up with a date of its own
    known = {str(a): stored(1, a), str(b): stored(2, b)}
    same = contenthash.full_hash(record(a))
    digest = hashes(**{str(a): same, str(b): same})
    new = root / "2024"
    for folder in ("Backup", "Originals"):
        (new / folder).mkdir(parents=True)
        shutil.copyfile(a, new / folder / "IMG_1.jpg")
    shutil.rmtree(root / "Originals")
    shutil.rmtree(root / "Backup")
    walked = [record(new / "Backup" / "IMG_1.jpg"), record(new / "Originals" / "IMG_1.jpg")]
    assert moves.follow(walked, known, [root], [], digest).moved == {
        str(a): str(new / "Originals" / "IMG_1.jpg"),
        str(b): str(new / "Backup" / "IMG_1.jpg"),
    }
    flat = root / "IMG_1.jpg"
    shutil.copyfile(new / "Backup" / "IMG_1.jpg", flat)
    assert moves.follow([record(flat)], known, [root], [], digest).moved == {}  # as close to both
    backup_date = known[str(b)][2]
    os.utime(flat, ns=(backup_date, backup_date))
    assert moves.follow([record(flat)], known, [root], [], digest).moved == {str(b): str(flat)}


def test_another_file_with_the_size_and_date_of_a_deleted_one_is_not_followed(tmp_path: Path) -> None:
    """A memory card keeps dates to 2 seconds: another burst frame of the same size may show a deleted frame's size
    and date. Its bytes tell: it is a new file, and the deleted frame's row (with the hashes that say which files
    are its byte copies) goes."""
    root = tmp_path / "card"
    frame = save_jpeg(photo("rocket"), root / "DSC_0002.JPG")
    deleted = str(root / "DSC_0001.JPG")
    known = {deleted: stored(7, frame)}
    other = hashes(**{deleted: "another frame's bytes"})
    assert moves.follow([record(frame)], known, [root], [], other) == moves.Followed(gone=[7])
    never_hashed = hashes(**{deleted: None})  # its decode had failed
    assert moves.follow([record(frame)], known, [root], [], never_hashed) == moves.Followed(gone=[7])


def test_a_path_that_cannot_be_looked_at_is_not_called_gone(tmp_path: Path) -> None:
    """An error other than 'no such file' (a disk that stopped answering, a name too long) keeps the row."""
    long_name = tmp_path / ("x" * 300 + ".jpg")  # ENAMETOOLONG, not ENOENT
    known = {str(long_name): (3, 1, 2)}
    assert moves.follow([], known, [tmp_path], [], hashes()) == moves.Followed()
