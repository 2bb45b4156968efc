"""Thumbnails' keypoints kept in the store: a rescan after a photo changed runs SIFT on that photo only, and gets the
verdicts it would have made with SIFT run again. Real files, a real store, real embeddings and verification."""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from dedup_gui.core import kept_keypoints, keypoints, spill, verify
from dedup_gui.core.store import Store
from tests.core.test_incremental import groups, scan, verdicts, write_library


class SiftRuns:
    """Counts SIFT runs by the long side of the picture they ran on (the real SIFT runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sides: Counter[int] = Counter()
        self._lock = threading.Lock()
        real = keypoints.detect

        def counted(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with self._lock:
                self.sides[max(gray.shape)] += 1
            return real(gray)

        monkeypatch.setattr(keypoints, "detect", counted)

    @property
    def thumbnails(self) -> int:
        return self.sides[verify.SIDE]


def kept(db: Path) -> dict[str, bytes]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT f.path, k.data FROM keypoints k JOIN files f ON f.id = k.file_id").fetchall()
    return {Path(p).stem: data for p, data in rows}


def brighten(path: Path) -> None:
    with Image.open(path) as img:
        edited = ImageEnhance.Brightness(img.convert("RGB")).enhance(1.06)
    edited.save(path, "JPEG", quality=90)


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    write_library(tmp_path / "lib")
    return tmp_path / "lib"


def test_a_rescan_after_a_change_runs_sift_on_the_changed_photo_only(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.sqlite3"
    first = scan(library, db)
    assert groups(first) == [["a", "a_crop"], ["c", "c_crop"]]
    stored = kept(db)
    assert {"a", "a_crop", "c", "c_crop"} <= set(stored)  # every photo in a verified pair
    brighten(library / "c_crop.jpg")
    sift = SiftRuns(monkeypatch)
    again = scan(library, db)
    assert groups(again) == groups(first)
    assert verdicts(db)[("c", "c_crop")] == "same-photo"
    # c_crop's own thumbnail is new; its partner c (and every other photo) is read from the store
    assert sift.thumbnails == 1
    assert kept(db)["c_crop"] != stored["c_crop"]
    assert {k: v for k, v in kept(db).items() if k != "c_crop"} == {k: v for k, v in stored.items() if k != "c_crop"}


def test_kept_keypoints_give_the_verdicts_sift_gives(library: Path, tmp_path: Path) -> None:
    """The same rescan with and without the kept keypoints makes the same verdicts, field by field."""
    db = tmp_path / "store.sqlite3"
    scan(library, db)
    brighten(library / "a.jpg")
    without = tmp_path / "without.sqlite3"
    with sqlite3.connect(db) as src, sqlite3.connect(without) as dst:
        src.backup(dst)
    with sqlite3.connect(without) as conn:
        conn.execute("DELETE FROM keypoints")
    scan(library, db)
    scan(library, without)

    def full(path: Path) -> dict[tuple[str, str], str]:
        with sqlite3.connect(path) as conn:
            names = dict(conn.execute("SELECT id, path FROM files"))
            rows = conn.execute("SELECT a, b, verdict FROM verdicts").fetchall()
        return {(Path(names[a]).stem, Path(names[b]).stem): v for a, b, v in rows}

    assert full(db) == full(without)
    assert any("a" in pair for pair in full(db))  # the changed photo was verified again


def test_a_new_decode_drops_the_keypoints_made_from_the_old_one(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    scan(library, db)
    store = Store(db)
    try:
        ids = store.file_ids()
        fid = ids[str(library / "c.jpg")]
        assert store.keypoints([fid], kept_keypoints.VERSION)
        # a decode written again (a new decode version, or the file decoded anew) replaces the row the keypoints
        # were made from
        row = store.db.execute("SELECT * FROM images WHERE file_id=?", (fid,)).fetchone()
        with store.transaction() as db_:
            db_.execute(f"INSERT OR REPLACE INTO images VALUES ({','.join('?' * len(row))})", row)
        assert store.keypoints([fid], kept_keypoints.VERSION) == {}
        # keypoints of a file without a stored decode are not taken
        other = ids[str(library / "h.jpg")]
        with store.transaction() as db_:
            db_.execute("DELETE FROM images WHERE file_id=?", (other,))
        store.save_keypoints([(other, b"x")], kept_keypoints.VERSION)
        assert store.keypoints([other], kept_keypoints.VERSION) == {}
    finally:
        store.close()


def test_damaged_or_foreign_keypoints_are_made_again(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.sqlite3"
    first = scan(library, db)
    before = verdicts(db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE keypoints SET data = substr(data, 1, length(data) / 2) "
            "WHERE file_id = (SELECT id FROM files WHERE path LIKE '%/c.jpg')"
        )
        conn.execute(
            "UPDATE keypoints SET version = 'another opencv' WHERE file_id = (SELECT id FROM files WHERE path LIKE "
            "'%/a.jpg')"
        )
        # nothing of the last scan's matching kept: every pair is verified again from the decodes
        conn.execute("UPDATE scans SET inputs = NULL")
        conn.execute("DELETE FROM scan_files")
        conn.execute("DELETE FROM verdicts")
    sift = SiftRuns(monkeypatch)
    again = scan(library, db)
    assert groups(again) == groups(first)
    assert verdicts(db) == before
    assert sift.thumbnails == 2  # c (damaged) and a (another version); the rest read back
    assert kept_keypoints.unpack(b"not zlib") is None


def test_a_store_that_refuses_keypoints_still_scans(library: Path, tmp_path: Path) -> None:
    """Keypoints are a saving, not a need: when they cannot be written (a full disk), the scan goes on."""
    db = tmp_path / "store.sqlite3"
    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER full BEFORE INSERT ON keypoints BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    result = scan(library, db)
    assert groups(result) == [["a", "a_crop"], ["c", "c_crop"]]
    assert kept(db) == {}


def test_packed_keypoints_read_back_whole() -> None:
    rng = np.random.default_rng(3)
    img = (rng.random((192, 256, 3)) * 255).astype(np.uint8)
    made = verify.features(img)
    back = kept_keypoints.unpack(kept_keypoints.pack(made))
    assert back is not None
    assert np.array_equal(back.points, made.points) and np.array_equal(back.descriptors, made.descriptors)
    assert (back.input_scale, back.side, back.detail) == (made.input_scale, made.side, made.detail)
    assert kept_keypoints.unpack(kept_keypoints.pack(made)[:-9]) is None
    assert kept_keypoints.unpack(zlib.compress(spill.pack(made) + b"more")) is None
