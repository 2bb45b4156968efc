"""Keep/trash marks outliving what they were made on: a file changed in place, a kept copy gone, a rescan stopped
halfway, a name used again after an apply, a folder protected later, two applies at once. Each case here trashed a
photo the user never chose to lose before the rule it tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core import actions, review, trash
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import BusyError
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.progress import CancelToken, ProgressEvent, Stage
from dedup_gui.core.store import Store
from dedup_gui.core.types import ScanResult, ScanStatus
from tests.conftest import photo, save_jpeg


@dataclass
class Library:
    photos: Path
    store: Store
    config: ScanConfig

    @property
    def a(self) -> str:
        return str(self.photos / "a.jpg")

    @property
    def small(self) -> str:
        return str(self.photos / "a small.jpg")

    def scan(self, cancel: CancelToken | None = None, sink=None) -> ScanResult:  # type: ignore[no-untyped-def]
        return run_scan(self.config, store=self.store, cancel=cancel, sink=sink)

    def apply(self, **kwargs) -> actions.Report:  # type: ignore[no-untyped-def]
        protected = kwargs.pop("protected", ())
        the_plan = review.build_plan(self.store, review.load(self.store), protected)
        return actions.apply(the_plan, self.store, **kwargs)

    def refused(self, report: actions.Report) -> dict[str, str]:
        return {o.path: o.message for o in report.with_status(actions.Status.REFUSED)}


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    """a.jpg (kept) and its half-size copy (marked trash); a cat and its byte copy, unmarked."""
    home = tmp_path / "home"
    (home / ".local" / "share").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    photos = tmp_path / "lib" / "photos"
    base = photo("astronaut", (400, 300))
    save_jpeg(base, photos / "a.jpg")
    save_jpeg(base.resize((200, 150), Image.Resampling.LANCZOS), photos / "a small.jpg")
    cat = save_jpeg(photo("chelsea", (400, 300)), photos / "cat.jpg")
    (photos / "cat copy.jpg").write_bytes(cat.read_bytes())
    store = Store(tmp_path / "store.sqlite3")
    library = Library(photos, store, ScanConfig(roots=(photos,), workers=1, embeddings=False))
    first = library.scan()
    assert any({library.a, library.small} <= set(g.paths) for g in first.groups)
    store.set_decisions([(library.a, "keep"), (library.small, "trash")])
    yield library
    store.close()


def another_photo(path: str) -> None:
    """Another picture saved under the same name (a camera's counter come round again, an editor's Save)."""
    save_jpeg(photo("coffee", (400, 300)), Path(path))


def test_a_rescan_stopped_halfway_leaves_the_old_groups_unusable_for_an_apply(lib: Library) -> None:
    """The stopped rescan has already recorded the new file's size, date and hash, which the checks compare with:
    the file marked Trash, now another picture with no copy, passed them all and went to the trash."""
    another_photo(lib.small)
    cancel = CancelToken()

    def sink(event: ProgressEvent) -> None:
        if event.stage is Stage.DECODING:
            cancel.cancel()

    assert lib.scan(cancel=cancel, sink=sink).status is ScanStatus.CANCELLED
    report = lib.apply()
    assert "a newer scan was started" in lib.refused(report)[lib.small]
    assert Path(lib.small).exists() and not report.with_status(actions.Status.TRASHED)


def test_a_kept_copy_deleted_since_the_scan_keeps_the_copies_marked_trash(lib: Library) -> None:
    """Deleted by hand after the marks were made: what stays of the group may be another shot, or a crop, so the
    copy marked Trash because the original stayed does not go without a new scan and a look."""
    edited = lib.photos / "a warmer.jpg"  # a third member, undecided: it stays, and is not the photo itself
    Image.open(lib.a).point(lambda v: min(255, v + 12)).save(edited, quality=90)
    assert any({lib.a, lib.small, str(edited)} <= set(g.paths) for g in lib.scan().groups)
    os.remove(lib.a)
    report = lib.apply()
    assert "a.jpg (kept in its group) is gone since the scan" in lib.refused(report)[lib.small]
    assert Path(lib.small).exists()


def test_a_kept_copy_changed_since_the_scan_keeps_the_copies_marked_trash(lib: Library) -> None:
    another_photo(lib.a)
    report = lib.apply()
    assert Path(lib.small).exists() and lib.small in lib.refused(report)


def test_a_rescan_drops_the_mark_of_a_file_changed_in_place(lib: Library) -> None:
    """The Trash mark was made on the copy; the picture now under its name is another, which nobody looked at."""
    another_photo(lib.small)
    lib.scan()
    assert lib.small not in lib.store.decisions()


def test_a_rescan_drops_the_trash_marks_of_a_group_whose_kept_file_changed(lib: Library) -> None:
    """The original, kept, was cropped in an editor: the half-size copy marked Trash is now the only whole frame,
    though a crop still groups with it."""
    Image.open(lib.a).crop((40, 30, 360, 270)).resize((400, 300)).save(lib.a, quality=92)
    lib.scan()
    assert lib.store.decisions().get(lib.small) is None
    assert lib.apply().outcomes == ()


def test_a_rescan_drops_the_trash_marks_of_a_group_whose_kept_file_was_deleted(lib: Library) -> None:
    os.remove(lib.a)
    lib.scan()
    assert lib.small not in lib.store.decisions()
    assert lib.a not in lib.store.decisions()  # a file moved to its name later must not find a mark waiting there


def test_an_apply_clears_the_marks_of_what_it_moved(lib: Library) -> None:
    """A file later at the same path (a camera's IMG_0001 again, a kept copy renamed to the trashed one's name)
    must start undecided, or the next apply trashes it."""
    report = lib.apply()
    assert [o.path for o in report.with_status(actions.Status.TRASHED)] == [lib.small]
    assert lib.small not in lib.store.decisions()
    os.rename(lib.a, lib.small)  # the keeper renamed to the name the trashed copy had
    lib.scan()
    assert lib.store.decisions().get(lib.small) is None
    assert not lib.apply().with_status(actions.Status.TRASHED)
    assert Path(lib.small).exists()


def test_a_folder_protected_after_the_marks_keeps_its_files(lib: Library) -> None:
    report = lib.apply(protected=[str(lib.photos)])
    assert lib.refused(report) == {lib.small: "in a protected folder"}


def test_two_applies_at_once_do_not_both_move_files(lib: Library) -> None:
    """send2trash picks a free name in the trash, then renames over whatever took that name meanwhile: two applies
    trashing files of one name at once destroyed some of them. The second one waits for nothing: it says so."""
    with trash.one_mover():
        with pytest.raises(BusyError):
            lib.apply()
        assert lib.apply(dry_run=True).with_status(actions.Status.WOULD_TRASH)  # a dry run moves nothing
    assert Path(lib.small).exists()
    assert lib.apply().with_status(actions.Status.TRASHED)


def test_files_moved_to_a_relative_folder_come_back_from_anywhere(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = lib.apply(move_to=Path("aside"))
    (moved,) = report.with_status(actions.Status.MOVED)
    assert moved.trash_path is not None and os.path.isabs(moved.trash_path)
    monkeypatch.chdir("/")
    assert not actions.undo_last(lib.store).failures
    assert Path(lib.small).exists()
