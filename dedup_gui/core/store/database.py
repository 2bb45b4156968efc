"""One SQLite file: opening, versioned migrations, write transactions and every SQLite error in plain words.

A damaged file is never a traceback. A damaged cache is set aside and rebuilt (it only costs a rescan); a damaged
user-data file is salvaged table by table into a new file and the damaged one is kept beside it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dedup_gui.core.errors import StoreError

log = logging.getLogger("dedup_gui.store")

# SQLite's primary result codes that mean "the file is not a sound database".
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
# The write-ahead log grows to the largest transaction (a 100k scan's million pairs are written in one) and SQLite
# reuses it without shrinking it while any connection is open; past a checkpoint it is cut back to this size.
WAL_LIMIT = 64 * 2**20


def is_damage(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _DAMAGED:
        return True
    msg = str(exc)
    return "malformed" in msg or "not a database" in msg


def describe_error(exc: sqlite3.Error, path: Path, what: str) -> StoreError:
    """A StoreError that says what happened to which file and what the user can do about it."""
    msg = str(exc)
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (8, 14) and _read_only_disk(path):
        return StoreError(f"cannot write the {what} at {path}: the disk holding it is read-only")
    if code == 13 or "disk is full" in msg or (code in (10, 14) and _disk_full(path)):  # SQLITE_FULL
        return StoreError(f"cannot write the {what} at {path}: the disk is full; free some space and try again")
    if code == 10 or "disk I/O" in msg:  # SQLITE_IOERR
        return StoreError(f"cannot read or write the {what} at {path}: the disk reported an error ({msg})")
    if code == 8 or "readonly" in msg or "read-only" in msg:  # SQLITE_READONLY
        return StoreError(f"cannot write the {what} at {path}: the file or its folder is read-only")
    if code == 14 or "unable to open" in msg:  # SQLITE_CANTOPEN
        return StoreError(f"cannot open the {what} at {path}: the folder is missing or not writable")
    if code in (5, 6) or "locked" in msg:  # SQLITE_BUSY, SQLITE_LOCKED
        return StoreError(f"the {what} at {path} is busy: another dedup-gui is writing it; try again when it is done")
    if is_damage(exc):
        return StoreError(
            f"the {what} at {path} is damaged ({msg}); it will be set aside and rebuilt the next time dedup-gui starts"
        )
    return StoreError(f"{what} error at {path}: {msg}")


def _disk_full(path: Path) -> bool:
    """No block left for this user on the disk holding the file (SQLite may only say "disk I/O error"). A file
    system with no blocks at all (/proc, /sys) is not a full disk: a store cannot be made there."""
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return False
    return st.f_blocks > 0 and st.f_bavail == 0


def _read_only_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def damaged_marker(path: Path) -> Path:
    """A file beside a database that says: this one was found damaged while in use, set it aside at next open."""
    return path.with_name(path.name + ".damaged")


def set_aside(path: Path) -> Path:
    """Move a damaged database (and its -wal/-shm) out of the way; returns where the main file went."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    damaged_marker(path).unlink(missing_ok=True)
    return target


Migration = str | Callable[[sqlite3.Connection], None]  # SQL statements separated by ";", or a function


def run_migration(db: sqlite3.Connection, step: Migration) -> None:
    """One migration step on `db`, inside the caller's transaction (bench/forgotten_verdicts.py runs them too)."""
    if callable(step):
        step(db)
        return
    for statement in step.split(";"):
        if statement.strip():
            db.execute(statement)


class Database:
    """A connection to one SQLite file with its own ordered migrations (PRAGMA user_version)."""

    def __init__(
        self,
        path: Path,
        migrations: tuple[Migration, ...],
        what: str,
        *,
        durable: bool = False,
    ):
        self.path = path
        self.durable = durable  # every commit on disk before it returns (the journal), not only in the OS cache
        self.what = what  # "cache" or "decisions file": used in messages
        self.migrations = migrations
        self.db = self._connect()
        try:
            self.migrate()
        except BaseException:
            self.db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header and the schema
        except BaseException:
            db.close()
            raise
        return db

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current, target = self.version, len(self.migrations)
        if current > target:
            raise StoreError(
                f"the {self.what} at {self.path} was written by a newer dedup-gui (schema {current}); update the app"
            )
        if current == 0 and target:
            # a new file runs every step too, but calling that a migration misleads whoever reads the log
            log.info("creating %s %s (schema %d)", self.what, self.path, target)
        for version in range(current, target):
            if current:
                log.info("migrating %s %s to schema %d", self.what, self.path, version + 1)
            with self.transaction() as db:
                run_migration(db, self.migrations[version])
                db.execute(f"PRAGMA user_version={version + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: fails at once, not half-way, when the file cannot be written).

        SQLite rolls some failed transactions back by itself (a full disk); rolling back again would hide the
        real error behind "cannot rollback - no transaction is active", so only an open transaction is rolled back.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    log.warning("rollback failed after an error: %s", exc)
            raise
        try:
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    log.warning("rollback failed after a failed commit: %s", exc)
            raise

    def writable(self) -> None:
        """Raise now when nothing can be written (read-only file or folder, full disk), before anything is done."""
        with self.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS write_probe(x)")
            db.execute("INSERT INTO write_probe VALUES (1)")
            db.execute("DELETE FROM write_probe")

    def healthy(self) -> bool:
        """A quick structural check, only used after an error to tell a damaged file from another failure."""
        try:
            row = self.db.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.Error:
            return False
        return bool(row) and row[0] == "ok"

    def close(self) -> None:
        self.db.close()


def open_database(
    path: Path,
    migrations: tuple[Migration, ...],
    what: str,
    notices: list[str],
    salvage: Callable[[Path, Path], str] | None = None,
    *,
    durable: bool = False,
) -> Database:
    """Open (creating or migrating) a database; a damaged one is set aside and replaced, with a notice.

    `salvage(damaged, fresh)` copies what can still be read from the damaged file into the fresh one and says what
    it kept; without it (a cache) the fresh file starts empty.
    """
    marker = damaged_marker(path)
    if marker.exists() and path.exists():
        return _replace_damaged(path, migrations, what, notices, salvage, "found damaged while in use", durable)
    if _not_sqlite(path):  # SQLite takes a file shorter than its header for an empty database and writes over it
        return _replace_damaged(path, migrations, what, notices, salvage, "not an SQLite file", durable)
    try:
        return Database(path, migrations, what, durable=durable)
    except sqlite3.Error as exc:
        if not is_damage(exc):
            raise describe_error(exc, path, what) from exc
        return _replace_damaged(path, migrations, what, notices, salvage, str(exc), durable)


_HEADER = b"SQLite format 3\x00"


def _not_sqlite(path: Path) -> bool:
    """A file with some bytes that do not begin as an SQLite file's (a note, a photo named by mistake): it is set
    aside like a damaged one, never written over. An empty file is a new database."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_HEADER))
    except OSError:
        return False  # missing (a new store) or unreadable: SQLite says which
    return bool(head) and head != _HEADER


def _replace_damaged(
    path: Path,
    migrations: tuple[Migration, ...],
    what: str,
    notices: list[str],
    salvage: Callable[[Path, Path], str] | None,
    why: str,
    durable: bool,
) -> Database:
    try:
        aside = set_aside(path)
        fresh = Database(path, migrations, what, durable=durable)
    except OSError as exc:
        raise StoreError(f"the {what} at {path} is damaged ({why}) and cannot be replaced: {exc.strerror}") from exc
    except sqlite3.Error as exc:
        raise describe_error(exc, path, what) from exc
    kept = salvage(aside, path) if salvage else "it will be rebuilt by the next scan"
    message = f"The {what} at {path} was damaged ({why}). It was set aside as {aside.name}; {kept}."
    log.warning(message)
    notices.append(message)
    return fresh
