"""The one SQLite file: disposable caches (hashes, decodes, embeddings) and precious user data (decisions, journal).

Caches are keyed by (path, size, mtime_ns) plus the version of the algorithm that made them, so a changed file or
a changed algorithm is recomputed and nothing else is. The schema is versioned with PRAGMA user_version and
upgraded by ordered migrations; user data is migrated, never dropped.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup_gui.core.errors import StoreError
from dedup_gui.core.types import FileRecord, ImageInfo, Problem, ProblemKind

log = logging.getLogger("dedup_gui.store")

MIGRATIONS: tuple[str, ...] = (
    # 1: caches, scans and results
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        partial_hash TEXT,
        full_hash TEXT,
        hash_version INTEGER
    );
    CREATE INDEX files_full_hash ON files(full_hash);
    CREATE TABLE images (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        problem_kind TEXT,
        problem_message TEXT,
        width INTEGER, height INTEGER, format TEXT, taken TEXT, camera TEXT, uniform INTEGER,
        phash BLOB, dhash BLOB, pixel_key TEXT, thumb BLOB
    );
    CREATE TABLE embeddings (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (file_id, model_id)
    );
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        finished REAL,
        status TEXT NOT NULL,
        config TEXT NOT NULL,
        result TEXT
    );
    CREATE TABLE pairs (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        evidence TEXT NOT NULL
    );
    CREATE INDEX pairs_scan ON pairs(scan_id);
    """,
    # 2: the user's decisions, "not duplicates" memory and the action journal
    """
    CREATE TABLE decisions (
        path TEXT PRIMARY KEY,
        decision TEXT NOT NULL CHECK (decision IN ('keep', 'trash')),
        updated REAL NOT NULL
    );
    CREATE TABLE not_duplicates (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        created REAL NOT NULL,
        PRIMARY KEY (a, b),
        CHECK (a < b)
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
        message TEXT
    );
    CREATE INDEX journal_batch ON journal(batch);
    """,
    # 3: cached geometric verdicts, so an unchanged library is not verified again
    """
    CREATE TABLE verdicts (
        a INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        verdict TEXT NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX verdicts_b ON verdicts(b);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class CachedImage:
    """A decode result read back from the store (no pixels but the small thumbnail)."""

    file_id: int
    info: ImageInfo
    phash: np.ndarray  # uint64 (8,)
    dhash: np.ndarray
    pixel_key: str | None


def _sqlite_error(exc: sqlite3.Error, path: Path) -> StoreError:
    msg = str(exc)
    if "disk is full" in msg or "disk I/O" in msg:
        return StoreError(f"cannot write the cache at {path}: the disk is full or failing ({msg})")
    if "readonly" in msg or "unable to open" in msg or "read-only" in msg:
        return StoreError(f"cannot write the cache at {path}: the folder is read-only or not writable ({msg})")
    if "locked" in msg:
        return StoreError(f"the cache at {path} is locked by another dedup-gui process ({msg})")
    return StoreError(f"cache error at {path}: {msg}")


class Store:
    """One connection to the store; a connection belongs to the thread that opened it (open one per worker)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the cache folder {self.path.parent}: {exc.strerror}") from exc
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, self.path) from exc

    # -- schema ---------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, target: int = SCHEMA_VERSION) -> None:
        current = self.version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the cache at {self.path} was written by a newer dedup-gui (schema {current}); update the app"
            )
        for version in range(current, target):
            log.info("migrating store %s to schema %d", self.path, version + 1)
            with self.transaction():
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={version + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; an SQLite failure becomes a StoreError the user can act on."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, self.path) from exc

    def close(self) -> None:
        self.db.close()

    # -- files ----------------------------------------------------------------------------------------------

    def sync_files(self, records: Sequence[FileRecord]) -> dict[str, int]:
        """Record the walk; a file whose size or mtime changed loses its cached hashes, decode and embedding."""
        ids: dict[str, int] = {}
        known = {
            path: (fid, size, mtime)
            for fid, path, size, mtime in self.db.execute("SELECT id, path, size, mtime_ns FROM files")
        }
        with self.transaction() as db:
            for r in records:
                row = known.get(r.path)
                if row is None:
                    cur = db.execute(
                        "INSERT INTO files(path, size, mtime_ns, inode) VALUES (?, ?, ?, ?)",
                        (r.path, r.size, r.mtime_ns, r.inode),
                    )
                    ids[r.path] = int(cur.lastrowid or 0)
                    continue
                fid, size, mtime = row
                ids[r.path] = fid
                if size != r.size or mtime != r.mtime_ns:
                    db.execute(
                        "UPDATE files SET size=?, mtime_ns=?, inode=?, partial_hash=NULL, full_hash=NULL WHERE id=?",
                        (r.size, r.mtime_ns, r.inode, fid),
                    )
                    db.execute("DELETE FROM images WHERE file_id=?", (fid,))
                    db.execute("DELETE FROM embeddings WHERE file_id=?", (fid,))
                    db.execute("DELETE FROM verdicts WHERE a=? OR b=?", (fid, fid))
        return ids

    def content_hashes(self, hash_version: int) -> dict[str, tuple[str | None, str | None]]:
        rows = self.db.execute(
            "SELECT path, partial_hash, full_hash FROM files WHERE hash_version=? "
            "AND (partial_hash IS NOT NULL OR full_hash IS NOT NULL)",
            (hash_version,),
        )
        return {p: (part, full) for p, part, full in rows}

    def save_content_hashes(self, rows: Iterable[tuple[str, str | None, str | None]], hash_version: int) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE files SET partial_hash=coalesce(?, partial_hash), full_hash=coalesce(?, full_hash), "
                "hash_version=? WHERE path=?",
                [(part, full, hash_version, path) for path, part, full in rows],
            )

    def full_hashes(self) -> dict[int, str]:
        """File id -> full content hash, for the files whose hash is known."""
        return dict(self.db.execute("SELECT id, full_hash FROM files WHERE full_hash IS NOT NULL"))

    def full_hash_of(self, path: str) -> str | None:
        row = self.db.execute("SELECT full_hash FROM files WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    # -- decodes --------------------------------------------------------------------------------------------

    def cached_images(self, file_ids: Iterable[int], version: str) -> dict[int, CachedImage | Problem]:
        """Decode results still valid for these files: an image's facts and hashes, or the problem it had."""
        wanted = set(file_ids)
        out: dict[int, CachedImage | Problem] = {}
        rows = self.db.execute(
            "SELECT i.file_id, f.path, i.problem_kind, i.problem_message, i.width, i.height, i.format, i.taken, "
            "i.camera, i.uniform, i.phash, i.dhash, i.pixel_key FROM images i JOIN files f ON f.id = i.file_id "
            "WHERE i.version=?",
            (version,),
        )
        for fid, path, pkind, pmsg, w, h, fmt, taken, camera, uniform, ph, dh, pkey in rows:
            if fid not in wanted:
                continue
            if pkind is not None:
                out[fid] = Problem(path, ProblemKind(pkind), pmsg)
                continue
            info = ImageInfo(w, h, fmt, taken, camera, bool(uniform))
            out[fid] = CachedImage(
                fid, info, np.frombuffer(ph, dtype=np.uint64).copy(), np.frombuffer(dh, dtype=np.uint64).copy(), pkey
            )
        return out

    def save_images(self, rows: Sequence[tuple], version: str) -> None:
        """Rows of (file_id, info | None, problem | None, phash, dhash, pixel_key, thumb) in one transaction."""
        params = []
        for fid, info, problem, ph, dh, pkey, thumb in rows:
            if problem is not None:
                params.append((fid, version, problem.kind.value, problem.message, *([None] * 10)))
            else:
                params.append(
                    (
                        fid,
                        version,
                        None,
                        None,
                        info.width,
                        info.height,
                        info.format,
                        info.taken,
                        info.camera,
                        int(info.uniform),
                        np.asarray(ph, dtype=np.uint64).tobytes(),
                        np.asarray(dh, dtype=np.uint64).tobytes(),
                        pkey,
                        thumb,
                    )
                )
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO images VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", params)

    def thumbnail(self, path: str) -> bytes | None:
        row = self.db.execute(
            "SELECT i.thumb FROM images i JOIN files f ON f.id=i.file_id WHERE f.path=?", (path,)
        ).fetchone()
        return row[0] if row else None

    def thumbnails(self, file_ids: Iterable[int]) -> dict[int, bytes]:
        ids = list(file_ids)
        out: dict[int, bytes] = {}
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT file_id, thumb FROM images WHERE thumb IS NOT NULL AND file_id IN ({marks})"
            out.update(self.db.execute(q, chunk))
        return out

    # -- embeddings -----------------------------------------------------------------------------------------

    def embeddings(self, file_ids: Iterable[int], model_id: str) -> dict[int, np.ndarray]:
        wanted = set(file_ids)
        rows = self.db.execute("SELECT file_id, vec FROM embeddings WHERE model_id=?", (model_id,))
        return {fid: np.frombuffer(vec, dtype=np.float16) for fid, vec in rows if fid in wanted}

    def save_embeddings(self, rows: Iterable[tuple[int, np.ndarray]], model_id: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(fid, model_id, np.asarray(v, dtype=np.float16).tobytes()) for fid, v in rows],
            )

    # -- verdicts -------------------------------------------------------------------------------------------

    def verdicts(self, pairs: Iterable[tuple[int, int]] | None, version: str) -> dict[tuple[int, int], dict]:
        """Stored verification results of file-id pairs (a, b), as written by save_verdicts; None: all of them."""
        wanted = None if pairs is None else set(pairs)
        if wanted is not None and len(wanted) <= 64:  # a few pairs (asked on demand): by key, not a table scan
            query = "SELECT a, b, verdict FROM verdicts WHERE a=? AND b=? AND version=?"
            found = [row for a, b in wanted for row in self.db.execute(query, (a, b, version))]
            return {(a, b): json.loads(v) for a, b, v in found}
        rows = self.db.execute("SELECT a, b, verdict FROM verdicts WHERE version=?", (version,))
        return {(a, b): json.loads(v) for a, b, v in rows if wanted is None or (a, b) in wanted}

    def save_verdicts(self, rows: Iterable[tuple[int, int, dict]], version: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?)",
                [(a, b, version, json.dumps(v)) for a, b, v in rows],
            )

    # -- scans and results ----------------------------------------------------------------------------------

    def begin_scan(self, config: dict) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO scans(started, status, config) VALUES (?, 'running', ?)", (time.time(), json.dumps(config))
            )
            return int(cur.lastrowid or 0)

    def finish_scan(self, scan_id: int, status: str, result: dict, pairs: Sequence[tuple[str, str, dict]]) -> None:
        """Save the result and the pair evidence (for regrouping without rescanning); keep only the last scans."""
        with self.transaction() as db:
            db.execute(
                "UPDATE scans SET finished=?, status=?, result=? WHERE id=?",
                (time.time(), status, json.dumps(result), scan_id),
            )
            db.executemany(
                "INSERT INTO pairs(scan_id, a, b, evidence) VALUES (?, ?, ?, ?)",
                [(scan_id, a, b, json.dumps(ev)) for a, b, ev in pairs],
            )
            db.execute("DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT 5)")

    def last_scan(self) -> tuple[int, dict, dict] | None:
        """(scan id, config, result) of the newest finished scan, for reopening results at start-up."""
        row = self.db.execute(
            "SELECT id, config, result FROM scans WHERE result IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), json.loads(row[1]), json.loads(row[2])

    def scan_pairs(self, scan_id: int) -> list[tuple[str, str, dict]]:
        rows = self.db.execute("SELECT a, b, evidence FROM pairs WHERE scan_id=?", (scan_id,))
        return [(a, b, json.loads(ev)) for a, b, ev in rows]

    def image_facts(self, paths: Iterable[str]) -> dict[str, tuple[int, int, ImageInfo | None]]:
        """(size, mtime_ns, info) of files as last scanned, for checks before acting on them and for regrouping."""
        out: dict[str, tuple[int, int, ImageInfo | None]] = {}
        wanted = list(paths)
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            rows = self.db.execute(
                "SELECT f.path, f.size, f.mtime_ns, i.width, i.height, i.format, i.taken, i.camera, i.uniform, "
                "i.problem_kind FROM files f LEFT JOIN images i ON i.file_id=f.id "
                f"WHERE f.path IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for path, size, mtime, w, h, fmt, taken, camera, uniform, pkind in rows:
                info = ImageInfo(w, h, fmt, taken, camera, bool(uniform)) if w is not None and pkind is None else None
                out[path] = (size, mtime, info)
        return out

    # -- user data: decisions, "not duplicates", action journal ------------------------------------------------

    def decisions(self) -> dict[str, str]:
        """Path -> 'keep' | 'trash' for every file the user decided on."""
        return dict(self.db.execute("SELECT path, decision FROM decisions"))

    def set_decisions(self, items: Iterable[tuple[str, str | None]]) -> None:
        """Save decisions at once; None clears a decision."""
        now = time.time()
        with self.transaction() as db:
            for path, decision in items:
                if decision is None:
                    db.execute("DELETE FROM decisions WHERE path=?", (path,))
                else:
                    db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?)", (path, decision, now))

    def not_duplicates(self) -> set[tuple[str, str]]:
        """Pairs of content hashes (a < b) the user said are different pictures."""
        return {(a, b) for a, b in self.db.execute("SELECT a, b FROM not_duplicates")}

    def add_not_duplicates(self, pairs: Iterable[tuple[str, str]]) -> None:
        rows = [(min(a, b), max(a, b), time.time()) for a, b in pairs if a != b]
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO not_duplicates VALUES (?, ?, ?)", rows)

    def next_journal_batch(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(batch), 0) + 1 FROM journal").fetchone()[0])

    def journal_append(
        self,
        batch: int,
        action: str,
        path: str,
        trash_path: str | None,
        size: int | None,
        mtime_ns: int | None,
        content: str | None,
        status: str,
        message: str,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO journal(batch, ts, action, path, trash_path, size, mtime_ns, content, status, message) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (batch, time.time(), action, path, trash_path, size, mtime_ns, content, status, message),
            )

    def journal_rows(self, batch: int) -> list[tuple]:
        """(ts, action, path, trash_path, size, mtime_ns, content, status, message) of one batch, in order."""
        return self.db.execute(
            "SELECT ts, action, path, trash_path, size, mtime_ns, content, status, message FROM journal "
            "WHERE batch=? ORDER BY id",
            (batch,),
        ).fetchall()

    def last_undoable_batch(self) -> int | None:
        """The newest batch with a trashed file that no restore has brought back yet."""
        row = self.db.execute(
            "SELECT max(t.batch) FROM journal t WHERE t.action='trash' AND t.status='trashed' AND NOT EXISTS "
            "(SELECT 1 FROM journal r WHERE r.batch=t.batch AND r.path=t.path AND r.action='restore' "
            "AND r.status='restored')"
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None
