"""A move of a user's file never replaces another file, whichever way the system lets us rename."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dedup_gui.core import renaming
from tests.faults import small_disk


@pytest.fixture(params=["renameat2", "link"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with the system's no-replace rename and with the fallback used where there is none."""
    if request.param == "renameat2" and renaming._renameat2() is None:
        pytest.skip("this system has no renameat2")
    if request.param == "link":
        monkeypatch.setattr(renaming, "_renameat2", lambda: None)
    return str(request.param)


def test_a_rename_moves_the_file(tmp_path: Path, way: str) -> None:
    (tmp_path / "a.jpg").write_bytes(b"photo")
    renaming.rename_new(tmp_path / "a.jpg", tmp_path / "b.jpg")
    assert not (tmp_path / "a.jpg").exists() and (tmp_path / "b.jpg").read_bytes() == b"photo"


def test_a_file_at_the_target_is_never_replaced(tmp_path: Path, way: str) -> None:
    """Another program saved a file under the name between our look and the move: both files stay as they were."""
    (tmp_path / "a.jpg").write_bytes(b"the photo moving")
    (tmp_path / "b.jpg").write_bytes(b"another program's photo")
    with pytest.raises(FileExistsError):
        renaming.rename_new(tmp_path / "a.jpg", tmp_path / "b.jpg")
    assert (tmp_path / "a.jpg").read_bytes() == b"the photo moving"
    assert (tmp_path / "b.jpg").read_bytes() == b"another program's photo"
    with pytest.raises(FileExistsError):
        renaming.move_new(tmp_path / "a.jpg", tmp_path / "b.jpg")
    assert (tmp_path / "b.jpg").read_bytes() == b"another program's photo"


def test_a_link_moves_as_a_link(tmp_path: Path, way: str) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"photo")
    os.symlink("photo.jpg", tmp_path / "link.jpg")
    renaming.rename_new(tmp_path / "link.jpg", tmp_path / "moved.jpg")
    assert os.readlink(tmp_path / "moved.jpg") == "photo.jpg" and (tmp_path / "photo.jpg").exists()


def test_a_move_to_another_disk_copies_then_removes_and_never_replaces(tmp_path: Path) -> None:
    with small_disk(tmp_path / "usb", 1024) as usb:
        source = tmp_path / "a.jpg"
        source.write_bytes(b"photo" * 1000)
        os.utime(source, ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
        (usb / "taken.jpg").write_bytes(b"already there")
        with pytest.raises(FileExistsError):
            renaming.move_new(source, usb / "taken.jpg")
        assert source.exists() and (usb / "taken.jpg").read_bytes() == b"already there"
        assert sorted(p.name for p in usb.iterdir()) == ["taken.jpg"]  # no temporary copy left behind
        renaming.move_new(source, usb / "a.jpg")
        assert not source.exists() and (usb / "a.jpg").read_bytes() == b"photo" * 1000
        assert (usb / "a.jpg").stat().st_mtime_ns == 1_600_000_000_123_456_789  # the date the checks compare
