"""Apply and undo under the faults a photo owner meets: a file changed behind our back, sidecars, an interrupted
batch, a journal that cannot be written, a disk that fills up mid-apply. Nothing may be lost or left unjournaled."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core import actions, renaming, review, trash
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from tests import faults
from tests.conftest import photo, save_jpeg
from tests.faults import can_mount, fill, remount, small_disk


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "home" / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data / "Trash"


def _library(root: Path, n: int = 1) -> list[Path]:
    """n photos, each with a smaller copy (a file of unique size: the exact-copy stage never hashes it)."""
    out = []
    for i, name in enumerate(("astronaut", "coffee", "chelsea", "rocket", "camera")[:n]):
        base = photo(name, (400, 300))
        save_jpeg(base, root / f"p{i}.jpg")
        out.append(save_jpeg(base.resize((200, 150), Image.Resampling.LANCZOS), root / f"p{i} small.jpg"))
    return out


def _scan_and_mark(root: Path, store: Store) -> review.Review:
    run_scan(ScanConfig(roots=(root,), embeddings=False, workers=1), store=store)
    shown = review.load(store)
    store.set_decisions(review.auto_select(shown.groups))
    return review.load(store)


def _two_copies_marked(tmp_path: Path) -> tuple[Path, Path, Store, actions.Plan]:
    """Two photos, each with a smaller copy marked Trash (auto-select), and the plan that moves both copies."""
    first, second = _library(tmp_path / "lib", 2)
    store = Store(tmp_path / "s.sqlite3")
    plan = review.build_plan(store, _scan_and_mark(tmp_path / "lib", store))
    assert [i.path for i in plan.items] == [str(first), str(second)]
    return first, second, store, plan


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_copy_changed_after_the_scan_with_the_same_size_and_date_is_refused(tmp_path: Path, home: Path) -> None:
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(tmp_path / "lib", store)
    assert review.build_plan(store, shown).items[0].path == str(small)
    st = small.stat()
    data = bytearray(small.read_bytes())
    data[len(data) // 2] ^= 0x55  # same size, same date: only the content hash can tell
    small.write_bytes(bytes(data))
    os.utime(small, ns=(st.st_atime_ns, st.st_mtime_ns))
    report = actions.apply(review.build_plan(store, shown), store)
    assert [(o.path, o.status) for o in report.outcomes] == [(str(small), actions.Status.REFUSED)]
    assert "contents changed" in report.outcomes[0].message and small.exists()


def test_sidecars_travel_with_their_photo_and_come_back(tmp_path: Path, home: Path) -> None:
    lib = tmp_path / "lib"
    (small,) = _library(lib)
    sidecars = [lib / "p0 small.xmp", lib / "p0 small.AAE", lib / "p0 small.MOV", lib / "p0 small.jpg.json"]
    for s in sidecars:
        s.write_text(f"sidecar of {small.name}")
    shared = lib / "p0.xmp"  # belongs to p0.jpg, which stays
    shared.write_text("keeper's sidecar")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(lib, store)
    report = actions.apply(review.build_plan(store, shown), store)
    trashed = {Path(o.path) for o in report.with_status(actions.Status.TRASHED)}
    assert trashed == {small, *sidecars}
    assert all(o.companion_of == str(small) for o in report.outcomes if Path(o.path) in sidecars)
    assert shared.exists()
    undone = actions.undo_last(store)
    assert not undone.failures and all(p.exists() for p in (small, *sidecars))
    assert not list((home / "files").iterdir())


def test_a_sidecar_stays_when_its_photo_cannot_move(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS refused the photo (a read-only or immutable file; as root here the refusal is injected): its sidecar,
    checked and journaled with it, must not go to the trash alone."""
    lib = tmp_path / "lib"
    (small,) = _library(lib)
    side = lib / "p0 small.xmp"
    side.write_text("the photo's edits")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(lib, store)
    real = trash.send_to_trash

    def refuse_the_photo(
        path: str, expect: tuple[int, int] | None = None, confirm: trash.Confirm | None = None
    ) -> Path | None:
        if path == str(small):
            raise trash.TrashError("Permission denied")
        return real(path, expect, confirm)

    monkeypatch.setattr(trash, "send_to_trash", refuse_the_photo)
    report = actions.apply(review.build_plan(store, shown), store)
    assert not report.with_status(actions.Status.TRASHED)
    assert {Path(o.path): o.message for o in report.failures}[side] == "stays with its photo, which did not move"
    assert small.exists() and side.exists()


@pytest.mark.parametrize(
    ("other", "content"),
    [("p0 small.NEF", b"a RAW file of the same shot"), ("p0 small.jxl", b"\xff\x0a a JPEG XL export of the shot")],
)
def test_a_shared_sidecar_stays_while_another_picture_of_that_shot_stays(
    tmp_path: Path, home: Path, other: str, content: bytes
) -> None:
    """A RAW's, or a JPEG XL this version cannot decode: the sidecar is theirs too."""
    lib = tmp_path / "lib"
    (small,) = _library(lib)
    (lib / other).write_bytes(content)
    side = lib / "p0 small.xmp"
    side.write_text("edits shared by the RAW and the JPEG")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(lib, store)
    report = actions.apply(review.build_plan(store, shown), store)
    assert {Path(o.path) for o in report.with_status(actions.Status.TRASHED)} == {small}
    assert side.exists()


def test_undo_finishes_a_batch_interrupted_between_the_move_and_its_confirmation(tmp_path: Path, home: Path) -> None:
    """What kill -9 at the worst moment leaves: a row that says 'pending' and the file in the trash."""
    smalls = _library(tmp_path / "lib", 3)
    before = {p: _sha(p) for p in smalls}
    store = Store(tmp_path / "s.sqlite3")
    _scan_and_mark(tmp_path / "lib", store)
    batch = store.begin_batch("apply")
    for p in smalls:
        store.journal_add(
            batch, "trash", str(p), "pending", size=p.stat().st_size, content=actions.content_hash(str(p))
        )
    trash.send_to_trash(str(smalls[0]))  # moved, never confirmed; smalls[1:] were never moved
    undone = actions.undo_last(store)
    assert [(o.path, o.status) for o in undone.outcomes] == [(str(smalls[0]), actions.Status.RESTORED)]
    assert {p: _sha(p) for p in smalls} == before
    assert actions.undo_last(store).batch is None  # a second undo has nothing left to do, and says so


def test_undo_clears_what_a_move_killed_half_way_left_in_the_trash(tmp_path: Path, home: Path) -> None:
    """kill -9 while a file was copied into the trash of another disk leaves the file in place, its row pending,
    the trash entry whose name it took first and a partial copy under a temporary name: in 14 of 30 real kills.
    Undo finds the file never moved and clears both; another program's entry stays."""
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    _scan_and_mark(tmp_path / "lib", store)
    batch = store.begin_batch("apply")
    store.journal_add(
        batch, "trash", str(small), "pending", size=small.stat().st_size, content=actions.content_hash(str(small))
    )
    (home / "files").mkdir(parents=True)
    (home / "info").mkdir(parents=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    entry = f"[Trash Info]\nPath={small}\nDeletionDate={stamp}\n"
    (home / "info" / f"{small.name}.trashinfo").write_text(entry)
    (home / "files" / ".dedup-gui-k1ll3d").write_bytes(small.read_bytes()[:500])
    (home / "info" / f"{small.stem} 1{small.suffix}.trashinfo").touch()  # killed before its lines were written
    theirs = f"[Trash Info]\nPath={tmp_path / 'elsewhere.jpg'}\nDeletionDate={stamp}\n"
    (home / "info" / "elsewhere.jpg.trashinfo").write_text(theirs)  # another program's, mid-way
    undone = actions.undo_last(store)
    assert not undone.failures and small.exists()
    assert not list((home / "files").iterdir())
    assert [p.name for p in (home / "info").iterdir()] == ["elsewhere.jpg.trashinfo"]


def test_the_next_apply_settles_what_a_killed_one_left_and_trashes_under_the_file_s_own_name(
    tmp_path: Path, home: Path
) -> None:
    """Without an Undo first, the next apply finds the killed apply's files: the one never moved is marked so in the
    killed batch and its half-way trash entry and partial copy are cleared (it used to go in as `p0 small 1.jpg`
    beside them, and the killed batch stayed on the Undo list); the one that did go stays for Undo to bring back."""
    first, second = _library(tmp_path / "lib", 2)
    store = Store(tmp_path / "s.sqlite3")
    _scan_and_mark(tmp_path / "lib", store)
    killed = store.begin_batch("apply")
    for p in (first, second):
        store.journal_add(
            killed, "trash", str(p), "pending", size=p.stat().st_size, content=actions.content_hash(str(p))
        )
    went = trash.send_to_trash(str(second))  # moved, never confirmed
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    (home / "info" / f"{first.name}.trashinfo").write_text(f"[Trash Info]\nPath={first}\nDeletionDate={stamp}\n")
    (home / "files" / ".dedup-gui-k1ll3d").write_bytes(first.read_bytes()[:500])
    report = actions.apply(review.build_plan(store, review.load(store)), store)
    assert [(o.path, o.status) for o in report.outcomes] == [(str(first), actions.Status.TRASHED)]
    assert Path(report.outcomes[0].trash_path or "").name == first.name
    assert sorted(p.name for p in (home / "files").iterdir()) == sorted([first.name, second.name])
    assert store.undoable_batches() == [report.batch, killed]
    assert {o.path for o in actions.undo_last(store).outcomes} == {str(first)}
    assert {o.path for o in actions.undo_last(store).outcomes} == {str(second)}  # the killed batch's one file
    assert first.exists() and second.exists() and went is not None and not went.exists()
    assert actions.undo_last(store).batch is None


def test_a_second_undo_after_an_interrupted_one_reports_no_failures(tmp_path: Path, home: Path) -> None:
    smalls = _library(tmp_path / "lib", 2)
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(tmp_path / "lib", store)
    report = actions.apply(review.build_plan(store, shown), store)
    assert len(report.with_status(actions.Status.TRASHED)) == 2
    first = trash.entry_for(str(smalls[0]), report.outcomes[0].trash_path, 0)
    trash.restore(first)  # an undo that brought one file back and was killed before its journal row
    undone = actions.undo_last(store)
    assert not undone.failures and {o.path for o in undone.outcomes} == {str(p) for p in smalls}
    assert all(p.exists() for p in smalls)


def test_a_store_on_a_read_only_disk_is_a_clear_error_and_moves_nothing(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dedup_gui.cli.main import main

    smalls = _library(tmp_path / "lib", 2)
    with small_disk(tmp_path / "disk", 16384) as disk:
        store = Store(disk / "s.sqlite3")
        _scan_and_mark(tmp_path / "lib", store)
        store.close()
        remount(disk, read_only=True)
        try:
            assert main(["apply", "--db", str(disk / "s.sqlite3")]) == 1
        finally:
            remount(disk, read_only=False)
    err = capsys.readouterr().err
    assert "read-only" in err or "cannot open" in err, err
    assert "Traceback" not in err
    assert all(p.exists() for p in smalls)
    assert not (home / "files").exists() or not list((home / "files").iterdir())


def test_a_disk_that_fills_mid_apply_leaves_every_moved_file_journaled(tmp_path: Path, home: Path) -> None:
    smalls = _library(tmp_path / "lib", 5)
    before = {p: _sha(p) for p in smalls}
    with small_disk(tmp_path / "disk", 16384) as disk:
        store = Store(disk / "s.sqlite3")
        shown = _scan_and_mark(tmp_path / "lib", store)
        filled = []

        def fill_after_first(done: int, total: int) -> None:
            if done == 1 and not filled:
                filled.append(fill(disk))

        report = actions.apply(review.build_plan(store, shown), store, progress=fill_after_first, chunk_size=1)
        gone = [p for p in smalls if not p.exists()]
        # here the journal could not grow after the first file: the batch stops with the reason, nothing unjournaled
        assert "disk is full" in report.stopped and len(gone) == 1
        journaled = {r.path for r in store.journal_rows(report.batch) if r.status in ("trashed", "pending")}
        assert {str(p) for p in gone} <= journaled  # nothing in the trash without its row
        assert len(gone) >= 1
        (disk / "filler").unlink()
        undone = actions.undo_last(store)
        store.close()
    assert not undone.failures
    assert {p: _sha(p) for p in smalls} == before


def test_files_can_go_to_a_folder_instead_of_the_trash_and_come_back(tmp_path: Path, home: Path) -> None:
    lib = tmp_path / "lib"
    smalls = _library(lib, 2)
    (lib / "p0 small.xmp").write_text("sidecar")
    before = {p: _sha(p) for p in smalls}
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(lib, store)
    aside = tmp_path / "To check later"
    report = actions.apply(review.build_plan(store, shown), store, move_to=aside)
    moved = report.with_status(actions.Status.MOVED)
    assert {Path(o.path) for o in moved} == {*smalls, lib / "p0 small.xmp"}
    for o in moved:
        assert Path(o.trash_path) == aside / Path(o.path).relative_to("/") and not Path(o.path).exists()
    assert not (home / "files").exists()  # nothing went to the trash
    undone = actions.undo_last(store)
    assert not undone.failures and {p: _sha(p) for p in smalls} == before and (lib / "p0 small.xmp").exists()


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the process's time zone (TZ, then tzset), and the original one back afterwards."""
    import time

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_undo_after_the_time_zone_moved_east(tmp_path: Path, home: Path, zone) -> None:  # type: ignore[no-untyped-def]
    """The trash dates its entries in local time without a zone: read an hour zone further east, the entry looked
    older than the apply that made it, was called gone, and Undo never tried it again."""
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(tmp_path / "lib", store)
    zone("America/New_York")
    assert actions.apply(review.build_plan(store, shown), store).with_status(actions.Status.TRASHED)
    zone("Europe/London")
    undone = actions.undo_last(store)
    assert not undone.failures and small.exists()


def test_undo_waits_for_a_trash_it_cannot_reach_now(tmp_path: Path, home: Path) -> None:
    """The disk the file went to is not plugged in: that is no reason to give the file up for good."""
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(tmp_path / "lib", store)
    assert actions.apply(review.build_plan(store, shown), store).with_status(actions.Status.TRASHED)
    unplugged = tmp_path / "unplugged"
    os.rename(home, unplugged)
    first = actions.undo_last(store)
    assert "cannot be reached now" in first.failures[0].message and not small.exists()
    os.rename(unplugged, home)
    assert not actions.undo_last(store).failures and small.exists()


def test_a_trash_entry_reached_through_a_link_from_another_disk_names_its_file(tmp_path: Path) -> None:
    """send2trash writes the path relative to the disk's top, climbing out of it (`..`) when the photo was reached
    through a link from outside that disk (`~/Pictures -> /media/disk/Pictures`)."""
    info = tmp_path / "disk" / ".Trash-0" / "info" / "b.jpg.trashinfo"
    info.parent.mkdir(parents=True)
    info.write_text("[Trash Info]\nPath=../home/Pictures/b.jpg\nDeletionDate=2026-12-05T10:00:00\n")
    original, _ = trash._read_info(info, tmp_path / "disk")
    assert original == str(tmp_path / "home" / "Pictures" / "b.jpg")


def test_undo_does_not_take_a_link_to_a_copy_for_the_file_back(tmp_path: Path, home: Path) -> None:
    """A link to a copy with the same bytes now stands at the trashed file's path: the file is not back (the link
    keeps nothing once the copy goes), so Undo says the path is taken and tries again next time."""
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(tmp_path / "lib", store)
    (gone,) = actions.apply(review.build_plan(store, shown), store).with_status(actions.Status.TRASHED)
    copy = tmp_path / "elsewhere.jpg"
    copy.write_bytes(Path(str(gone.trash_path)).read_bytes())
    small.symlink_to(copy)
    undone = actions.undo_last(store)
    assert "exists again" in undone.failures[0].message and Path(str(gone.trash_path)).exists()
    small.unlink()
    assert not actions.undo_last(store).failures and small.exists() and not small.is_symlink()


def test_a_trash_entry_taken_by_another_program_is_never_replaced(tmp_path: Path, home: Path) -> None:
    """Another program trashing a file of the same name takes the name in between our look and our move: a file
    already under `files/` without its info, an info without its file (written first, as send2trash does). Ours
    goes under the next free name and theirs stays whole; the undo finds ours."""
    photo_path = save_jpeg(photo("rocket", (300, 200)), tmp_path / "lib" / "IMG_0001.jpg")
    (home / "files").mkdir(parents=True)
    (home / "info").mkdir()
    (home / "files" / "IMG_0001.jpg").write_bytes(b"another program's file, its info not yet written")
    (home / "info" / "IMG_0001 1.jpg.trashinfo").write_text("[Trash Info]\nPath=/elsewhere/IMG_0001.jpg\n")
    data = photo_path.read_bytes()
    where = trash.send_to_trash(str(photo_path))
    assert where == home / "files" / "IMG_0001 2.jpg" and where.read_bytes() == data and not photo_path.exists()
    assert (home / "files" / "IMG_0001.jpg").read_bytes().startswith(b"another program's")
    assert (home / "info" / "IMG_0001 1.jpg.trashinfo").read_text().endswith("/elsewhere/IMG_0001.jpg\n")
    entry = trash.entry_for(str(photo_path), str(where), 0.0)
    assert entry is not None
    trash.restore(entry)
    assert photo_path.read_bytes() == data


def test_a_link_goes_to_the_trash_as_a_link(tmp_path: Path, home: Path) -> None:
    """Moving by linking must link the link itself, not the photo it points to (which stays where it is)."""
    target = save_jpeg(photo("rocket", (300, 200)), tmp_path / "lib" / "photo.jpg")
    link = tmp_path / "lib" / "shortcut.jpg"
    link.symlink_to(target)
    where = trash.send_to_trash(str(link))
    assert where is not None and where.is_symlink() and not os.path.lexists(link)
    assert target.exists() and os.stat(target).st_nlink == 1


@pytest.mark.parametrize("way", ["renameat2", "link"])
def test_a_name_taken_at_the_very_moment_of_the_move_is_not_replaced(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """The race itself, made to happen: another program puts its file under the chosen name after the look and
    before the move. send2trash's rename replaced it (two applies at once lost photos this way). Both ways of
    moving are raced: the system's no-replace rename, and hard link then unlink where there is none."""
    photo_path = save_jpeg(photo("rocket", (300, 200)), tmp_path / "lib" / "IMG_0001.jpg")
    theirs = home / "files" / "IMG_0001.jpg"

    def they_get_there_first(dst: bytes | str) -> None:
        if Path(os.fsdecode(dst)) == theirs and not theirs.exists():
            theirs.write_bytes(b"another program's photo")

    if way == "renameat2":
        real_rename = renaming._renameat2()
        if real_rename is None:
            pytest.skip("this system has no renameat2")

        def racing_rename(fd1: int, src: bytes, fd2: int, dst: bytes, flags: int) -> int:
            they_get_there_first(dst)
            return real_rename(fd1, src, fd2, dst, flags)

        monkeypatch.setattr(renaming, "_renameat2", lambda: racing_rename)
    else:
        real_link = os.link

        def racing_link(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            they_get_there_first(dst)
            return real_link(src, dst, *args, **kwargs)

        monkeypatch.setattr(renaming, "_renameat2", lambda: None)
        monkeypatch.setattr(os, "link", racing_link)
    where = trash.send_to_trash(str(photo_path))
    assert theirs.read_bytes() == b"another program's photo"
    assert where == home / "files" / "IMG_0001 1.jpg" and where.exists() and not photo_path.exists()


def test_a_file_written_after_the_checks_and_before_its_move_stays(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (a photo editor saving, a sync client) writes a copy marked Trash after the apply checked it
    but before its turn to move: it stays, and so does every byte of the new picture."""
    first, second, store, plan = _two_copies_marked(tmp_path)
    new_picture = save_jpeg(photo("rocket", (240, 180)), tmp_path / "edited.jpg").read_bytes()
    real = store.journal_add_many

    def then_another_program_writes(*args, **kwargs):  # the chunk's checks are done; its moves come next
        ids = real(*args, **kwargs)
        second.write_bytes(new_picture)
        return ids

    monkeypatch.setattr(store, "journal_add_many", then_another_program_writes)
    report = actions.apply(plan, store)
    status = {Path(o.path): (o.status, o.message) for o in report.outcomes}
    assert status[first][0] == actions.Status.TRASHED
    assert status[second] == (actions.Status.FAILED, "it changed or went away since it was checked: scan again")
    assert second.read_bytes() == new_picture
    assert [r.status for r in store.journal_rows(report.batch) if r.path == str(second)] == ["failed"]


def test_a_copy_stays_when_the_file_its_group_keeps_is_deleted_during_the_apply(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept original is deleted in a file manager while the apply runs: the copy marked Trash is now the last
    one of that picture and must stay."""
    lib = tmp_path / "lib"
    (small,) = _library(lib)
    store = Store(tmp_path / "s.sqlite3")
    shown = _scan_and_mark(lib, store)
    real = store.journal_add_many

    def then_the_original_is_deleted(*args, **kwargs):
        ids = real(*args, **kwargs)
        (lib / "p0.jpg").unlink()
        return ids

    monkeypatch.setattr(store, "journal_add_many", then_the_original_is_deleted)
    report = actions.apply(review.build_plan(store, shown), store)
    assert [(o.status, o.message) for o in report.outcomes] == [
        (actions.Status.FAILED, "the copies its group keeps changed or went away meanwhile: scan again")
    ]
    assert small.exists()


def test_a_file_that_changes_on_its_way_into_the_trash_is_put_back(tmp_path: Path, home: Path) -> None:
    """The move itself finds another file than the one checked (written in the instant between the last look and
    the move): it goes back where it was and leaves no entry in the trash."""
    path = save_jpeg(photo("coffee", (200, 150)), tmp_path / "lib" / "a.jpg")
    data = path.read_bytes()
    st = path.stat()
    with pytest.raises(trash.TrashError, match="changed while it was being moved"):
        trash.send_to_trash(str(path), (st.st_size + 1, st.st_mtime_ns))
    assert path.read_bytes() == data
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())
    where = trash.send_to_trash(str(path), (st.st_size, st.st_mtime_ns))
    assert where is not None and where.read_bytes() == data and not path.exists()


@pytest.fixture
def bound(tmp_path: Path) -> Iterator[Path]:
    """A folder mounted a second time (a bind mount: the same disk, but a rename across it fails, as from a USB
    disk); unmounted after the test."""
    if not can_mount():
        pytest.skip("a bind mount needs root")
    real, folder = tmp_path / "real", tmp_path / "bound"
    real.mkdir()
    folder.mkdir()
    if subprocess.run(["mount", "--bind", str(real), str(folder)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_file_on_another_mount_is_copied_into_the_home_trash_and_comes_back(bound: Path, home: Path) -> None:
    """A file on another mount goes to the home trash by a copy; the copy is written under a temporary name and
    never over an entry."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0001.jpg")
    data, st = path.read_bytes(), path.stat()
    (home / "files").mkdir(parents=True)
    (home / "files" / "IMG_0001.jpg").write_bytes(b"already in the trash")
    where = trash.send_to_trash(str(path), (st.st_size, st.st_mtime_ns))
    assert where == home / "files" / "IMG_0001 1.jpg" and where.read_bytes() == data and not path.exists()
    assert (home / "files" / "IMG_0001.jpg").read_bytes() == b"already in the trash"
    assert sorted(p.name for p in (home / "files").iterdir()) == ["IMG_0001 1.jpg", "IMG_0001.jpg"]
    (entry,) = trash.find_entries(str(path))
    trash.restore(entry)
    assert path.read_bytes() == data


def test_a_file_that_changes_on_its_way_into_the_home_trash_from_another_mount_is_put_back(
    bound: Path, home: Path
) -> None:
    """The put-back crosses the mount too: it used to rename only, so a file from a USB disk that changed on its
    way into the home trash stayed there ("could not be put back: it is in the trash"), though it was not the file
    checked."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0002.jpg")
    data, st = path.read_bytes(), path.stat()
    with pytest.raises(trash.TrashError, match="another program wrote it\\): left where it was"):
        trash.send_to_trash(str(path), (st.st_size + 1, st.st_mtime_ns))
    assert path.read_bytes() == data
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())


def test_ctrl_c_during_a_copy_into_the_trash_leaves_no_entry_without_its_file(
    bound: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while a file from another mount is being copied into the home trash left its `.trashinfo` behind:
    an entry for a file the trash does not have, and the next apply named the file `IMG_0004 1.jpg`."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0004.jpg")
    data = path.read_bytes()

    def interrupted(src: str, dst: str, **kwargs: bool) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(renaming.shutil, "copy2", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trash.send_to_trash(str(path))
    assert path.read_bytes() == data
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())


def _stays_when_changed_during_its_copy(
    path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None]
) -> None:
    """Send a file on another mount to the home trash, `meanwhile` run once its copy is written (another program
    at work): the move must fail with the file left as that program left it, and nothing in the trash."""
    st = path.stat()
    real_copy = shutil.copy2

    def copy_then_meanwhile(src: str, dst: str, **kwargs: bool) -> object:
        done = real_copy(src, dst, **kwargs)
        meanwhile()
        return done

    monkeypatch.setattr(renaming.shutil, "copy2", copy_then_meanwhile)
    with pytest.raises(trash.TrashError, match="changed or replaced the file while it was being copied"):
        trash.send_to_trash(str(path), (st.st_size, st.st_mtime_ns))
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())


def test_a_new_version_saved_while_a_file_is_copied_into_the_trash_stays(
    bound: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor saves a new version of a photo (a new file renamed over its name) while the photo is being copied
    from another mount into the home trash. The copy's source used to be removed by name afterwards: the new
    version was deleted, and the old one, put back as "changed on the way", took its place."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0003.jpg")
    edited = save_jpeg(photo("rocket", (200, 150)), bound / "edited.jpg").read_bytes()

    def an_editor_saves() -> None:
        (bound / ".IMG_0003.jpg.saving").write_bytes(edited)
        os.replace(bound / ".IMG_0003.jpg.saving", path)

    _stays_when_changed_during_its_copy(path, home, monkeypatch, an_editor_saves)
    assert path.read_bytes() == edited


def test_a_copy_written_after_its_check_with_its_size_and_date_kept_is_put_back(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program rewrites the copy marked Trash between its hash and its move, and sets its date back (as a
    sync client restoring a file's date does): the move used to compare size and date only, so the rewritten file
    went to the trash and Undo then refused it as "not the file we trashed". It is read again once moved."""
    (small,) = _library(tmp_path / "lib")
    store = Store(tmp_path / "s.sqlite3")
    plan = review.build_plan(store, _scan_and_mark(tmp_path / "lib", store))
    real = trash.send_to_trash

    def written_on_the_way(path: str, *checks: object) -> Path | None:
        st = os.stat(path)
        with open(path, "r+b") as fh:  # the same size, another last kilobyte
            fh.seek(-1024, os.SEEK_END)
            fh.write(os.urandom(1024))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return real(path, *checks)  # type: ignore[arg-type]

    monkeypatch.setattr(trash, "send_to_trash", written_on_the_way)
    written = small.read_bytes()[:-1024]
    report = actions.apply(plan, store)
    (failed,) = report.failures
    assert "contents changed after they were checked" in failed.message and "left where it was" in failed.message
    assert small.read_bytes()[:-1024] == written and len(small.read_bytes()) == len(written) + 1024
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())


def test_a_kept_original_replaced_by_another_picture_of_its_size_and_date_keeps_its_copy(
    tmp_path: Path, home: Path
) -> None:
    """The kept original is replaced by another picture padded to its size, its date set back (`touch -r`): size
    and date let it pass for the file scanned, and the copy marked Trash, then the last of that photo, went."""
    (small,) = _library(tmp_path / "lib")
    original = tmp_path / "lib" / "p0.jpg"
    store = Store(tmp_path / "s.sqlite3")
    plan = review.build_plan(store, _scan_and_mark(tmp_path / "lib", store))
    st = original.stat()
    other = save_jpeg(photo("rocket", (400, 300)), tmp_path / "other.jpg").read_bytes()
    assert len(other) < st.st_size
    original.write_bytes(other + b"\0" * (st.st_size - len(other)))
    os.utime(original, ns=(st.st_atime_ns, st.st_mtime_ns))
    report = actions.apply(plan, store)
    (refused,) = report.with_status(actions.Status.REFUSED)
    assert refused.path == str(small) and "not the files scanned (their contents changed)" in refused.message
    assert small.exists() and not report.with_status(actions.Status.TRASHED)


def test_a_copy_kept_through_a_second_mount_of_the_same_folder_keeps_the_file(tmp_path: Path, home: Path) -> None:
    """One folder scanned twice: as itself and through an overlay mount, which gives its files another device
    number (as a network share of a local folder does). Keeping the overlay's path and trashing the real one
    trashed the only file: the kept copy went with it (the overlay still showed it until unmounted). A kept file
    with the leaving one's inode number, size and date is taken for the same file."""
    disk, view = tmp_path / "disk", tmp_path / "view"
    with _mounted(disk, "tmpfs", "size=64m"):
        real, empty = disk / "photos", disk / "empty"
        for folder in (real, empty, view):
            folder.mkdir()
        path = save_jpeg(photo("chelsea", (300, 200)), real / "a.jpg")
        with _mounted(view, "overlay", f"lowerdir={real}:{empty}"):
            assert os.stat(view / "a.jpg").st_dev != path.stat().st_dev
            report = _trash_it_keep_its_view(tmp_path, path, view / "a.jpg")
            (refused,) = report.with_status(actions.Status.REFUSED)
            assert refused.path == str(path) and refused.message == "the last copy of its group: keep at least one"
            assert path.exists() and not (disk / ".Trash-0").exists()


def test_undo_says_when_the_folder_of_a_file_is_a_file_now(tmp_path: Path, home: Path) -> None:
    """The folder a trashed file came from was deleted and a file took its name: Undo said the photo "exists
    again", as the folder could not be made."""
    path = save_jpeg(photo("coffee", (300, 200)), tmp_path / "sub" / "c.jpg")
    where = trash.send_to_trash(str(path))
    assert where is not None
    shutil.rmtree(tmp_path / "sub")
    (tmp_path / "sub").write_text("a file now")
    (entry,) = trash.find_entries(str(path))
    with pytest.raises(trash.TrashError, match="sub is a file now, where its folder was"):
        trash.restore(entry)
    assert where.exists()
    deep = save_jpeg(photo("coffee", (300, 200)), tmp_path / "top" / "deep" / "d.jpg")
    trash.send_to_trash(str(deep))
    shutil.rmtree(tmp_path / "top")
    (tmp_path / "top").write_text("a file now")  # its folder's folder: "Not a directory", not "exists again"
    (entry,) = trash.find_entries(str(deep))
    with pytest.raises(trash.TrashError, match="top is a file now, where its folder was"):
        trash.restore(entry)


def test_a_file_that_must_come_back_and_cannot_is_journaled_where_it_lies(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a copy moves, another program deletes the original it keeps and saves a new file under the copy's
    name: the copy must come back, and cannot. It stayed in the trash with a journal row "failed" and no trash
    path, so Undo did not look for it. It is journaled as trashed, where it lies, with the bytes it has, and Undo
    brings it back once its name is free, never over the new file."""
    (small,) = _library(tmp_path / "lib")
    original = tmp_path / "lib" / "p0.jpg"
    data = small.read_bytes()
    store = Store(tmp_path / "s.sqlite3")
    plan = review.build_plan(store, _scan_and_mark(tmp_path / "lib", store))
    real = trash.send_to_trash

    def meanwhile(path: str, expect: tuple[int, int] | None = None, confirm: trash.Confirm | None = None) -> object:
        def then(moved: Path) -> str | None:
            original.unlink()
            small.write_bytes(b"another program's new file")
            return None if confirm is None else confirm(moved)

        return real(path, expect, then)

    monkeypatch.setattr(trash, "send_to_trash", meanwhile)
    report = actions.apply(plan, store)
    (failed,) = report.failures
    assert "could not be put back" in failed.message and failed.trash_path is not None
    assert Path(failed.trash_path).read_bytes() == data
    assert small.read_bytes() == b"another program's new file"
    undone = actions.undo_last(store)
    assert "exists again" in undone.failures[0].message and small.read_bytes() == b"another program's new file"
    small.rename(tmp_path / "moved away.jpg")
    undone = actions.undo_last(store)
    assert [o.status for o in undone.outcomes] == [actions.Status.RESTORED] and small.read_bytes() == data


def test_a_file_written_in_place_during_a_copy_with_its_date_set_back_stays(
    bound: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written in place (the same size) during its copy into the trash of another disk, its date set back: the
    copy was torn, the original removed, and the torn copy put back in its place. Its change time tells."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0005.jpg")
    st = path.stat()

    def written_in_place() -> None:
        with open(path, "r+b") as fh:
            fh.seek(-512, os.SEEK_END)
            fh.write(b"\x5a" * 512)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    written = path.read_bytes()[:-512] + b"\x5a" * 512
    _stays_when_changed_during_its_copy(path, home, monkeypatch, written_in_place)
    assert path.read_bytes() == written


def test_a_copy_whose_original_cannot_be_removed_is_dropped(
    bound: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copied into the trash of another disk, the original could not be removed: the move failed, yet its copy
    stayed in the trash with its entry (and a put-back from the trash that failed this way said "it is in the
    trash" of a file that was back)."""
    path = save_jpeg(photo("chelsea", (200, 150)), bound / "IMG_0006.jpg")
    data = path.read_bytes()
    real_unlink = os.unlink

    def refuse(target: object, *args: object, **kwargs: object) -> None:
        if str(target) == str(path):
            raise PermissionError(13, "Operation not permitted", str(target))
        real_unlink(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(renaming.os, "unlink", refuse)
    with pytest.raises(trash.TrashError, match="not permitted"):
        trash.send_to_trash(str(path))
    assert path.read_bytes() == data
    assert not list((home / "files").iterdir()) and not list((home / "info").iterdir())


def test_a_folder_seen_through_an_overlay_that_numbers_inodes_apart_scans_and_keeps_its_file(
    tmp_path: Path, home: Path
) -> None:
    """An overlay with `xino` sets the top bits of its files' inode numbers: the scan stopped with an OverflowError
    (SQLite stores signed 64-bit integers), and the view kept while its own file was trashed (its inode number no
    longer matched). The low 32 bits are compared."""
    lib, view, disk = tmp_path / "lib", tmp_path / "view", tmp_path / "disk"
    for folder in (lib, view, disk):
        folder.mkdir()
    path = save_jpeg(photo("chelsea", (300, 200)), lib / "a.jpg")
    with _mounted(disk, "tmpfs", "size=64m"):
        (disk / "up").mkdir()
        (disk / "work").mkdir()
        with _mounted(view, "overlay", f"lowerdir={lib},upperdir={disk / 'up'},workdir={disk / 'work'},xino=on"):
            if os.stat(view / "a.jpg").st_ino < 1 << 63:
                pytest.skip("this overlay keeps the inode numbers as they are")
            report = _trash_it_keep_its_view(tmp_path, path, view / "a.jpg")
            assert [o.status for o in report.outcomes] == [actions.Status.REFUSED] and path.exists()


@contextlib.contextmanager
def _mounted(where: Path, kind: str, options: str) -> Iterator[None]:
    """A file system of `kind` mounted at `where` for the block (skipped where this user may not mount)."""
    if not can_mount():
        pytest.skip(f"a {kind} mount needs root")
    where.mkdir(exist_ok=True)
    if subprocess.run(["mount", "-t", kind, kind, "-o", options, str(where)], capture_output=True).returncode:
        pytest.skip(f"cannot mount a {kind} here ({options})")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _trash_it_keep_its_view(tmp_path: Path, path: Path, view: Path) -> actions.Report:
    """Scan a file and the same file seen through another mount, mark the file Trash and the view Keep, apply."""
    store = Store(tmp_path / "s.sqlite3")
    run_scan(ScanConfig(roots=(path.parent, view.parent), embeddings=False, workers=1), store=store)
    (group,) = review.load(store).groups
    assert {m.path for m in group.members} == {str(path), str(view)}
    store.set_decisions([(str(path), "trash"), (str(view), "keep")])
    return actions.apply(review.build_plan(store, review.load(store)), store)


def test_nothing_moves_after_a_rescan_was_killed_before_it_saved_its_groups(tmp_path: Path, home: Path) -> None:
    """The kept original is cropped, a rescan starts and is killed (the out-of-memory killer, a crash) after its walk
    rewrote the file records and before it saved anything. The review still shows the scan before it; applying its
    marks then would take the half-size copy, now the only full picture, for a spare copy of the crop."""
    lib = tmp_path / "lib"
    (small,) = _library(lib)
    for n in range(12):  # decoding work for the rescan, so that it can be killed in the middle
        save_jpeg(photo("rocket", (900, 700)).rotate(n * 7), lib / "later" / f"x{n}.jpg")
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    shown = _scan_and_mark(lib, store)
    store.close()
    original = lib / "p0.jpg"
    with Image.open(original) as im:
        im.crop((0, 0, 200, 150)).save(original, quality=90)
    cropped = original.stat().st_size
    proc = faults.dedup_gui("scan", str(lib), "--db", str(db), "-q", start_new_session=True)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not _committed(db, original, cropped):
        time.sleep(0.002)
    assert proc.poll() is None, "the rescan ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    store = Store(db)
    again = review.load(store)
    assert again is not None and again.cancelled  # the window says the scan before it is shown
    report = actions.apply(review.build_plan(store, shown), store)
    assert str(small) in [o.path for o in report.outcomes]
    assert all(o.status == actions.Status.REFUSED for o in report.outcomes)
    assert all("a newer scan was started" in o.message for o in report.outcomes)
    assert small.exists() and not (home / "files").exists()


def _committed(db: Path, path: Path, size: int) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
            row = conn.execute("SELECT size FROM files WHERE path=?", (str(path),)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == size


def test_a_file_marked_keep_after_the_plan_was_made_stays(tmp_path: Path, home: Path) -> None:
    """K pressed while the window checked the plan or asked to confirm: the mark is saved before the files move,
    and the apply reads the marks again, so the file stays although the plan listed it."""
    first, second, store, plan = _two_copies_marked(tmp_path)
    store.set_decisions([(str(second), "keep")])
    report = actions.apply(plan, store)
    status = {Path(o.path): (o.status, o.message) for o in report.outcomes}
    assert status[first][0] == actions.Status.TRASHED
    assert status[second] == (actions.Status.REFUSED, "no longer marked Trash: left where it is")
    assert second.exists() and store.decisions()[str(second)] == "keep"
