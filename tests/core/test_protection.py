"""Protected folders by identity: a bind mount shows one folder under a second real path (as a disk that ignores
case shows it under a second spelling); the folder stays protected whichever path reaches it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedup_gui.core import actions
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.protection import ProtectedFolders
from dedup_gui.core.store import Store
from tests.conftest import photo, save_jpeg


@pytest.fixture
def second_path(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(disk, mount): the folder `disk` bind-mounted at `mount`; skipped where this user may not mount."""
    disk, mount = tmp_path / "disk", tmp_path / "mnt"
    disk.mkdir()
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "--bind", str(disk), str(mount)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("mount is not available here")
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield disk, mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def test_a_folder_reached_through_a_second_real_path_is_protected(second_path: tuple[Path, Path]) -> None:
    disk, mount = second_path
    (disk / "Originals" / "2020").mkdir(parents=True)
    (disk / "Exports").mkdir()
    photo_path = mount / "Originals" / "2020" / "a.jpg"
    photo_path.write_bytes(b"x")
    assert os.path.realpath(photo_path) == str(photo_path)  # realpath does not see through a bind mount
    guard = ProtectedFolders([disk / "Originals"])
    assert guard.holds(str(photo_path))
    assert guard.holds_folder(str(mount / "Originals"))
    assert guard.holds_folder(str(mount / "Originals" / "2020"))
    assert not guard.holds_folder(str(mount))
    assert not guard.holds(str(mount / "Exports" / "b.jpg"))
    assert guard.holds(str(disk / "Originals" / "2020" / "a.jpg"))  # the usual spelling still counts


def test_a_scan_and_an_apply_keep_a_protected_copy_reached_through_another_path(
    second_path: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan walks the library by one path and is told the protected folder by another: the copy inside stays
    protected in the scan's groups, and an apply refuses it even when a front end forgot the flag."""
    data = tmp_path / "home" / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    disk, mount = second_path
    original = save_jpeg(photo("astronaut", (320, 240)), disk / "Originals" / "a.jpg")
    (disk / "Phone").mkdir()
    (disk / "Phone" / "a.jpg").write_bytes(original.read_bytes())
    store = Store(tmp_path / "s.sqlite3")
    try:
        config = ScanConfig(roots=(mount,), references=(disk / "Originals",), embeddings=False, workers=1)
        result = run_scan(config, store=store)
        [group] = result.groups
        inside = str(mount / "Originals" / "a.jpg")
        assert {m.path: m.protected for m in group.members} == {inside: True, str(mount / "Phone" / "a.jpg"): False}
        assert group.keeper == inside

        the_plan = actions.plan(result.groups, {inside: "trash"}, protected_roots=[disk / "Originals"])
        the_plan = actions.Plan(  # the scan's flag dropped: the apply's own check must still refuse
            tuple(actions.PlannedTrash(i.path, i.size, i.group, False) for i in the_plan.items),
            the_plan.groups,
            the_plan.protected_roots,
        )
        report = actions.apply(the_plan, store)
        assert [(o.status, o.message) for o in report.outcomes] == [(actions.Status.REFUSED, "in a protected folder")]
        assert Path(inside).exists()
    finally:
        store.close()
