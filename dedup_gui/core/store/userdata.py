"""The precious half of the store, in its own file: keep/trash decisions, dismissed groups and the action journal.

Nothing here can be recomputed, so it lives apart from the caches: a damaged cache costs a rescan, never a decision
or the record of what went to the trash. A damaged file is salvaged row by row into a new one.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("dedup_gui.store")

USER_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE decisions (
        path TEXT PRIMARY KEY,
        decision TEXT NOT NULL CHECK (decision IN ('keep', 'trash')),
        updated REAL NOT NULL
    );
    CREATE TABLE dismissals (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        label TEXT NOT NULL,
        paths TEXT NOT NULL
    );
    CREATE TABLE not_duplicates (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        created REAL NOT NULL,
        dismissal INTEGER NOT NULL REFERENCES dismissals(id) ON DELETE CASCADE,
        PRIMARY KEY (a, b, dismissal),
        CHECK (a < b)
    );
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        batch INTEGER NOT NULL,
        ts REAL NOT NULL,
        action TEXT NOT NULL,
        path TEXT NOT NULL,
        trash_path TEXT,
        size INTEGER,
        mtime_ns INTEGER,
        content TEXT,
        status TEXT NOT NULL,
        message TEXT,
        companion_of TEXT
    );
    CREATE INDEX journal_batch ON journal(batch);
    CREATE INDEX journal_path ON journal(path)
    """,
    # 2: the scans whose moved files' marks were carried to their new paths (follow_moves)
    """
    CREATE TABLE moves_followed (scan TEXT PRIMARY KEY)
    """,
)

# Journal statuses of a restore row after which its file needs no more work from Undo.
RESTORE_DONE = ("restored", "never-moved", "gone")
# Statuses of a trash row whose file may be in the trash: "pending" is a move that was started and never confirmed.
MAYBE_TRASHED = ("trashed", "moved", "pending")
# Journal actions that take a file away (to the trash, or into a folder the user chose) and that Undo reverses.
AWAY = ("trash", "move")


@dataclass(frozen=True, slots=True)
class JournalRow:
    id: int
    batch: int
    ts: float
    action: str  # "trash" | "move" | "restore"
    path: str
    trash_path: str | None
    size: int | None
    mtime_ns: int | None
    content: str | None  # full content hash when the file was checked
    status: str
    message: str
    companion_of: str | None  # the photo a sidecar travelled with


@dataclass(frozen=True, slots=True)
class Dismissal:
    """One "not duplicates" decision, listed so it can be seen and undone."""

    id: int
    created: float
    label: str
    paths: tuple[str, ...]
    pairs: int


@dataclass(frozen=True, slots=True)
class NewRow:
    """A journal row about to be written."""

    action: str
    path: str
    status: str
    trash_path: str | None = None
    size: int | None = None
    mtime_ns: int | None = None
    content: str | None = None
    message: str = ""
    companion_of: str | None = None


_JOURNAL_COLUMNS = "id, batch, ts, action, path, trash_path, size, mtime_ns, content, status, message, companion_of"


class UserTables:
    """Queries on the user-data file; mixed into Store, which provides `udb` and `user_transaction()`."""

    udb: sqlite3.Connection

    def user_transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- decisions -------------------------------------------------------------------------------------------

    def decisions(self) -> dict[str, str]:
        """Path -> 'keep' | 'trash' for every file the user decided on."""
        return dict(self.udb.execute("SELECT path, decision FROM decisions"))

    def decisions_of(self, paths: Iterable[str]) -> dict[str, str]:
        """The decisions of these files as stored now (those without one left out)."""
        out: dict[str, str] = {}
        todo = list(paths)
        for lo in range(0, len(todo), 500):
            part = todo[lo : lo + 500]
            marks = ",".join("?" * len(part))
            out.update(self.udb.execute(f"SELECT path, decision FROM decisions WHERE path IN ({marks})", part))
        return out

    def set_decisions(self, items: Iterable[tuple[str, str | None]]) -> None:
        """Save decisions at once; None clears a decision."""
        with self.user_transaction() as db:
            _write_decisions(db, items)

    def follow_moves(self, scans: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> int:
        """Carry the keep/trash marks along the moves each scan found (moves.py: the same bytes at a new path), in
        scan order and once per scan; a mark already made on the new path stands. `scans`: the cache's
        recorded_moves(). The moves live in the cache file and the marks here, so no transaction holds both: a scan
        killed between the two writes leaves its moves to the next scan, which calls this before its walk.
        Returns the number of scans followed now."""
        done = {key for (key,) in self.udb.execute("SELECT scan FROM moves_followed")}
        todo = [(key, moved) for key, moved in scans if key not in done]
        kept = {key for key, _ in scans}
        if not todo and done <= kept:
            return 0
        with self.user_transaction() as db:
            for key, moved in todo:
                db.executemany("UPDATE OR IGNORE decisions SET path=? WHERE path=?", [(b, a) for a, b in moved])
                db.execute("INSERT INTO moves_followed VALUES (?)", (key,))
            stale = done - kept  # scans the cache no longer keeps: their moves cannot come back
            db.executemany("DELETE FROM moves_followed WHERE scan=?", [(key,) for key in stale])
        return len(todo)

    # -- "not duplicates" --------------------------------------------------------------------------------------

    def not_duplicates(self) -> set[tuple[str, str]]:
        """Pairs of content hashes (a < b) the user said are different pictures."""
        return {(a, b) for a, b in self.udb.execute("SELECT DISTINCT a, b FROM not_duplicates")}

    def add_dismissal(self, label: str, paths: Iterable[str], pairs: Iterable[tuple[str, str]]) -> int:
        """Record one dismissal and the content-hash pairs it separates; returns its id (for undo)."""
        now = time.time()
        rows = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
        with self.user_transaction() as db:
            cur = db.execute(
                "INSERT INTO dismissals(created, label, paths) VALUES (?, ?, ?)", (now, label, json.dumps(list(paths)))
            )
            did = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT OR IGNORE INTO not_duplicates VALUES (?, ?, ?, ?)", [(a, b, now, did) for a, b in rows]
            )
        return did

    def add_not_duplicates(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Content-hash pairs as one unnamed dismissal (kept for scripts and tests)."""
        return self.add_dismissal("marked not duplicates", (), pairs)

    def dismissals(self) -> list[Dismissal]:
        rows = self.udb.execute(
            "SELECT d.id, d.created, d.label, d.paths, count(n.a) FROM dismissals d "
            "LEFT JOIN not_duplicates n ON n.dismissal = d.id GROUP BY d.id ORDER BY d.id DESC"
        )
        return [Dismissal(i, c, label, tuple(json.loads(p)), n) for i, c, label, p, n in rows]

    def remove_dismissal(self, dismissal_id: int) -> None:
        with self.user_transaction() as db:
            db.execute("DELETE FROM not_duplicates WHERE dismissal=?", (dismissal_id,))
            db.execute("DELETE FROM dismissals WHERE id=?", (dismissal_id,))

    # -- the journal ---------------------------------------------------------------------------------------------

    def begin_batch(self, kind: str) -> int:
        """A new apply or undo batch. Being a write, it proves the file is writable before any photo moves."""
        with self.user_transaction() as db:
            return int(
                db.execute("INSERT INTO batches(started, kind) VALUES (?, ?)", (time.time(), kind)).lastrowid or 0
            )

    def journal_add(
        self,
        batch: int,
        action: str,
        path: str,
        status: str,
        *,
        trash_path: str | None = None,
        size: int | None = None,
        mtime_ns: int | None = None,
        content: str | None = None,
        message: str = "",
        companion_of: str | None = None,
    ) -> int:
        """Append one row, committed before this returns (a move is recorded before it happens); returns its id."""
        row = NewRow(action, path, status, trash_path, size, mtime_ns, content, message, companion_of)
        return self.journal_add_many(batch, [row])[0]

    def journal_add_many(self, batch: int, rows: Iterable[NewRow]) -> list[int]:
        """Append rows in one transaction, on disk when this returns; their ids in order."""
        now = time.time()
        ids = []
        with self.user_transaction() as db:
            for r in rows:
                cur = db.execute(
                    f"INSERT INTO journal({_JOURNAL_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (batch, now, r.action, r.path, r.trash_path, r.size, r.mtime_ns, r.content, r.status, r.message,
                     r.companion_of),
                )  # fmt: skip
                ids.append(int(cur.lastrowid or 0))
        return ids

    def journal_update(self, row_id: int, status: str, *, trash_path: str | None = None, message: str = "") -> None:
        """Confirm (or fail) a row written before its action."""
        self.journal_update_many([(row_id, status, trash_path, message)])

    def journal_update_many(
        self,
        updates: Iterable[tuple[int, str, str | None, str]],
        marks: Iterable[tuple[str, str | None]] = (),
        *,
        contents: Mapping[int, str | None] | None = None,
    ) -> None:
        """(row id, status, trash path, message) for rows written before their action, in one transaction; with
        `marks` (path, decision or None to clear) changed in the same one: a moved file and its mark agree; with
        `contents` (row id -> content hash, None: unknown), the bytes a row's file has now (one that changed on its
        way and could not go back: Undo brings back what lies there)."""
        with self.user_transaction() as db:
            db.executemany(
                "UPDATE journal SET status=?, trash_path=coalesce(?, trash_path), message=? WHERE id=?",
                [(status, where, message, rid) for rid, status, where, message in updates],
            )
            db.executemany("UPDATE journal SET content=? WHERE id=?", [(c, rid) for rid, c in (contents or {}).items()])
            _write_decisions(db, marks)

    def taken_away(self) -> set[str]:
        """Paths of the files this app sent to the trash or moved aside and did not bring back. A file found later
        with the bytes of one of them is not that file moved by its owner (moves.py): it is a copy imported again,
        or the file itself in the folder it was moved aside to, and the trash mark made on it must not follow.
        A file Undo put back is the owner's again (its last row is a restore)."""
        rows = self.udb.execute(
            "SELECT path, action, status FROM journal j WHERE id = (SELECT max(id) FROM journal WHERE path = j.path)"
        )
        return {path for path, action, status in rows if action in AWAY and status in MAYBE_TRASHED}

    def journal_rows(self, batch: int) -> list[JournalRow]:
        rows = self.udb.execute(f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE batch=? ORDER BY id", (batch,))
        return [JournalRow(*r) for r in rows]

    def interrupted_moves(self) -> list[JournalRow]:
        """Rows of files sent away that were never confirmed ("pending": the apply was killed, or the machine went
        down, before its journal said how the move ended) and that no restore has finished with, oldest first."""
        return [JournalRow(*r) for r in self._away_unrestored(_JOURNAL_COLUMNS, ("pending",), "t.id")]

    def undoable_batches(self) -> list[int]:
        """Batches, newest first, with a file that may be in the trash and that no restore has finished with."""
        return [int(b) for (b,) in self._away_unrestored("DISTINCT t.batch", MAYBE_TRASHED, "t.batch DESC")]

    def _away_unrestored(self, columns: str, statuses: Sequence[str], order: str) -> sqlite3.Cursor:
        """`columns` of the rows of files sent away, in one of `statuses`, that no restore has finished with."""
        marks = ",".join("?" * len(statuses))
        done = ",".join("?" * len(RESTORE_DONE))
        away = ",".join("?" * len(AWAY))
        return self.udb.execute(
            f"SELECT {columns} FROM journal t WHERE t.action IN ({away}) AND t.status IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM journal r WHERE r.action='restore' AND r.path=t.path AND r.ts >= t.ts "
            f"AND r.status IN ({done})) ORDER BY {order}",
            (*AWAY, *statuses, *RESTORE_DONE),
        )


# -- moving and salvaging --------------------------------------------------------------------------------------


def _write_decisions(db: sqlite3.Connection, items: Iterable[tuple[str, str | None]]) -> None:
    """Save decisions inside the caller's transaction; None clears a decision."""
    now = time.time()
    for path, decision in items:
        if decision is None:
            db.execute("DELETE FROM decisions WHERE path=?", (path,))
        else:
            db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?)", (path, decision, now))


def copy_user_tables(source: sqlite3.Connection, user_path: Path) -> None:
    """Copy decisions, "not duplicates" and the journal of an older single-file store into the user-data file.

    Runs inside the cache's migration transaction; the user file is written and committed first, so a crash between
    the two leaves the rows in both and the next start copies them again (INSERT OR IGNORE: nothing twice).
    """
    tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    with closing(sqlite3.connect(user_path, timeout=30)) as dest, dest:
        if "decisions" in tables:
            dest.executemany(
                "INSERT OR IGNORE INTO decisions VALUES (?, ?, ?)",
                source.execute("SELECT path, decision, updated FROM decisions"),
            )
        if "not_duplicates" in tables:
            pairs = source.execute("SELECT a, b, created FROM not_duplicates").fetchall()
            if pairs:
                cur = dest.execute(
                    "INSERT INTO dismissals(created, label, paths) VALUES (?, ?, '[]')",
                    (min(c for _, _, c in pairs), "marked not duplicates before this version"),
                )
                dest.executemany(
                    "INSERT OR IGNORE INTO not_duplicates VALUES (?, ?, ?, ?)",
                    [(a, b, c, cur.lastrowid) for a, b, c in pairs],
                )
        if "journal" in tables:
            rows = source.execute(
                "SELECT id, batch, ts, action, path, trash_path, size, mtime_ns, content, status, message FROM journal"
            ).fetchall()
            dest.executemany(
                f"INSERT OR IGNORE INTO journal({_JOURNAL_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL)", rows
            )
            batches = {(r[1], r[2]) for r in rows}
            dest.executemany("INSERT OR IGNORE INTO batches VALUES (?, ?, 'apply')", sorted(batches))
        # a new store passes through the old single-file schema too, with those tables empty: nothing to report
        moved = dest.total_changes > 0
    if moved:
        log.info("moved the user's decisions and journal into %s", user_path)


def salvage_user_data(damaged: Path, fresh: Path) -> str:
    """Copy every row that can still be read from a damaged user-data file; say what was kept."""
    kept: dict[str, int] = {}
    try:
        src = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"nothing could be read from it ({exc}); your decisions start afresh"
    with closing(src), closing(sqlite3.connect(fresh, timeout=30)) as dest:
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            return f"nothing could be read from it ({exc}); your decisions start afresh"
        for table in ("dismissals", "not_duplicates", "decisions", "batches", "journal", "moves_followed"):
            kept[table] = _salvage_table(src, dest, table)
        dest.commit()
    return (
        f"recovered {kept['decisions']} decisions, {kept['dismissals']} dismissed groups and "
        f"{kept['journal']} journal rows from it"
    )


def _top_rowid(src: sqlite3.Connection, table: str) -> int | None:
    """The largest rowid to look for: from the table, else from its index; None when neither can be read."""
    for query in (
        f"SELECT max(rowid) FROM {table}",
        f"SELECT max(rowid) FROM {table} INDEXED BY sqlite_autoindex_{table}_1",
    ):
        try:
            return int(src.execute(query).fetchone()[0] or 0)
        except sqlite3.Error:
            continue
    return None


def _rows(src: sqlite3.Connection, table: str, lo: int, hi: int) -> list[tuple]:
    """Rows with rowid in [lo, hi]; one by one when the range crosses a damaged page."""
    try:
        return src.execute(f"SELECT * FROM {table} WHERE rowid BETWEEN ? AND ?", (lo, hi)).fetchall()
    except sqlite3.Error:
        rows = []
        for rowid in range(lo, hi + 1):
            try:
                rows += src.execute(f"SELECT * FROM {table} WHERE rowid=?", (rowid,)).fetchall()
            except sqlite3.Error:
                continue
        return rows


def _salvage_table(src: sqlite3.Connection, dest: sqlite3.Connection, table: str) -> int:
    """Rows of one table, read by rowid ranges so one bad page loses only the rows on it.

    When the largest rowid cannot be read, ranges are read upwards until 16 in a row come back empty.
    """
    top = _top_rowid(src, table)
    count, empty, lo = 0, 0, 0
    while (lo <= top) if top is not None else (empty < 16):
        rows = _rows(src, table, lo, lo + 255)
        empty = 0 if rows else empty + 1
        for row in rows:
            marks = ",".join("?" * len(row))
            try:
                dest.execute(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", row)
                count += 1
            except sqlite3.Error as exc:
                log.warning("salvage: row of %s not kept: %s", table, exc)
        lo += 256
    return count
