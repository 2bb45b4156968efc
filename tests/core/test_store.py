"""The SQLite store: migrations keep user data, caches follow file changes, errors are clear."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dedup_gui.core.errors import StoreError
from dedup_gui.core.store import MIGRATIONS, SCHEMA_VERSION, Store
from dedup_gui.core.types import FileRecord


def test_migration_from_schema_1_keeps_cached_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0])
    con.execute(
        "INSERT INTO files(path, size, mtime_ns, inode, full_hash, hash_version) VALUES ('/p/a.jpg', 5, 1, 2, 'h', 1)"
    )
    con.execute("PRAGMA user_version=1")
    con.commit()
    con.close()
    store = Store(db)
    assert store.version == SCHEMA_VERSION
    assert store.full_hash_of("/p/a.jpg") == "h"
    store.db.execute("INSERT INTO decisions VALUES ('/p/a.jpg', 'keep', 0)")  # the new table exists


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer dedup-gui"):
        Store(db)


def test_store_in_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the cache folder"):
        Store(blocker / "sub" / "store.sqlite3")


def test_changed_file_loses_its_cached_hashes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    rec = FileRecord("/p/a.jpg", 10, 100, 1)
    store.sync_files([rec])
    store.save_content_hashes([("/p/a.jpg", "part", "full")], 1)
    assert store.content_hashes(1) == {"/p/a.jpg": ("part", "full")}
    store.sync_files([rec])
    assert store.content_hashes(1) == {"/p/a.jpg": ("part", "full")}
    store.sync_files([FileRecord("/p/a.jpg", 10, 200, 1)])  # touched
    assert store.content_hashes(1) == {}


def test_wal_mode_lets_a_second_connection_read_while_one_writes(tmp_path: Path) -> None:
    a = Store(tmp_path / "s.sqlite3")
    b = Store(tmp_path / "s.sqlite3")
    assert a.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with a.transaction() as db:
        db.execute("INSERT INTO files(path, size, mtime_ns, inode) VALUES ('/x', 1, 1, 1)")
        assert b.db.execute("SELECT count(*) FROM files").fetchone()[0] == 0
    assert b.db.execute("SELECT count(*) FROM files").fetchone()[0] == 1
