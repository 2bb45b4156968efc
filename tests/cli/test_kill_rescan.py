"""kill -9 of a real `dedup-gui scan` that finds a reorganised library (a folder moved, a photo deleted): the store
stays whole, the keep/trash marks made on the moved photos reach their new paths, and the next scan gives what a
scan of the library afresh gives. Real processes, files, store and embeddings."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import photo, save_jpeg
from tests.core.test_moves import mark, marks, write_event
from tests.faults import dedup_gui, fill, small_disk


def _scan(lib: Path, db: Path, out: Path, env: dict[str, str]) -> list[list[str]]:
    """A scan run to its end; its groups by file name."""
    proc = dedup_gui("scan", str(lib), "--db", str(db), "-q", "--json", str(out), env=env, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return sorted(sorted(Path(p).name for p in g) for g in json.loads(out.read_text())["groups"])


def _committed(db: Path, query: str) -> bool:
    """Whether the store as committed so far has a row for the query (False while it cannot be read)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
            return conn.execute(query).fetchone() is not None
    except sqlite3.Error:
        return False


_WALKED = "SELECT 1 FROM moves"  # the walk's renames
_DECODED = "SELECT 1 FROM images JOIN files ON files.id = images.file_id WHERE files.path LIKE '%/c_crop.jpg'"


def _photos(lib: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in lib.rglob("*.jpg")}


@pytest.mark.slow
@pytest.mark.parametrize("when", ["walk", "decoded"])
def test_kill_9_while_following_moved_photos_loses_no_mark_and_no_group(tmp_path: Path, when: str) -> None:
    """Killed the moment the walk's renames are committed (the marks are written in another file just after), or
    the moment the new photo's decode is, with its matching and the scan's saving to come (events in the store, not
    delays: a fast machine finished this rescan within a second of its walk)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "DEDUP_GUI_SETTINGS": str(home / "s.toml")}
    lib = tmp_path / "lib"
    write_event(lib / "2019" / "Beach")
    db = tmp_path / "store.sqlite3"
    assert _scan(lib, db, tmp_path / "first.json", env) == [["a.jpg", "a_crop.jpg"], ["c.jpg", "c_edit.jpg"]]
    beach = lib / "2019" / "Beach"
    mark(db, {beach / "a.jpg": "keep", beach / "a_crop.jpg": "trash"})

    (lib / "Trips").mkdir()
    os.rename(lib / "2019", lib / "Trips" / "2019 Summer")
    (lib / "Trips" / "2019 Summer" / "Beach" / "r.jpg").unlink()
    save_jpeg(photo("coffee").crop((40, 30, 480, 400)), lib / "2020" / "c_crop.jpg")  # work for the rescan to do
    photos = _photos(lib)
    query = _WALKED if when == "walk" else _DECODED
    proc = dedup_gui("scan", str(lib), "--db", str(db), "-q", env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not _committed(db, query):
        time.sleep(0.001)
    assert proc.poll() is None, "the scan ended before it could be killed"
    proc.kill()
    proc.wait(30)
    with contextlib.suppress(ProcessLookupError):  # decode workers it may have left behind
        os.killpg(proc.pid, signal.SIGKILL)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = _scan(lib, db, tmp_path / "again.json", env)
    fresh = _scan(lib, tmp_path / "fresh.sqlite3", tmp_path / "fresh.json", env)
    assert again == fresh == [["a.jpg", "a_crop.jpg"], ["c.jpg", "c_crop.jpg", "c_edit.jpg"]]
    moved = lib / "Trips" / "2019 Summer" / "Beach"
    assert marks(db) == {str(moved / "a.jpg"): "keep", str(moved / "a_crop.jpg"): "trash"}
    with sqlite3.connect(db) as conn:
        assert not conn.execute("SELECT path FROM files WHERE path LIKE '%/2019/Beach/%'").fetchall()
    assert _photos(lib) == photos  # a scan reads photos; killed or not, it never changes one


@pytest.mark.slow
@pytest.mark.parametrize("room_kb", [0, 144, 1024])
def test_a_full_disk_while_following_moved_photos_loses_nothing_and_the_next_scan_follows_them(
    tmp_path: Path, room_kb: int
) -> None:
    """The store's disk fills while the rescan that finds a moved folder writes (`room_kb` left when it starts, so
    it runs out at different writes): the marks are on the old paths or on the new ones, never lost or split, the
    store is whole, and a scan once there is room follows the photos with their marks."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "DEDUP_GUI_SETTINGS": str(home / "s.toml")}
    lib = tmp_path / "lib"
    write_event(lib / "2019" / "Beach")
    with small_disk(tmp_path / "disk", 32768) as disk:
        db = disk / "store.sqlite3"
        _scan(lib, db, tmp_path / "first.json", env)
        beach, moved = lib / "2019" / "Beach", lib / "2020" / "Beach"
        made = {"a.jpg": "keep", "a_crop.jpg": "trash"}
        mark(db, {beach / name: decision for name, decision in made.items()})
        os.rename(lib / "2019", lib / "2020")
        fill(disk)
        with open(disk / "filler", "r+b") as fh:
            fh.truncate(max(0, (disk / "filler").stat().st_size - room_kb * 1024))
        proc = dedup_gui("scan", str(lib), "--db", str(db), "-q", env=env, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=300)
        assert "Traceback" not in err, err
        assert proc.returncode == 0 or "disk is full" in err, err
        (disk / "filler").unlink()  # a reader of the store needs room for its own files
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert marks(db) in ({str(f / n): m for n, m in made.items()} for f in (beach, moved))
        assert _scan(lib, db, tmp_path / "again.json", env) == [["a.jpg", "a_crop.jpg"], ["c.jpg", "c_edit.jpg"]]
        assert marks(db) == {str(moved / n): m for n, m in made.items()}
