"""ThumbnailReader: the review's thumbnails read from the cache through one read-only connection.

The window's picture loader decodes on pool threads while the scan or the store thread may be writing: a read-only
connection (WAL lets it read beside a writer) opened lazily on first use, shared by those threads one query at a
time, so the loader never opens SQLite itself. A store that does not exist yet, or has no tables yet, simply has no
thumbnails: the caller decodes the file instead.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from dedup_gui.core.store.database import describe_error

log = logging.getLogger("dedup_gui.store")

_THUMB = "SELECT i.thumb FROM images i JOIN files f ON f.id=i.file_id WHERE f.path=?"


class ThumbnailReader:
    """Read-only thumbnails of the cache at `path`; safe to call from any thread (one query at a time)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def thumbnail(self, path: str) -> bytes | None:
        """The stored thumbnail (JPEG bytes) of the file at `path`; None when the store has none (or no store yet).

        Raises StoreError when the store exists and cannot be read (damaged, unreadable)."""
        with self._lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute(_THUMB, (path,)).fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # created a moment ago, its tables not yet written
                    return None
                raise describe_error(exc, self.path, "cache") from exc
            except sqlite3.Error as exc:
                raise describe_error(exc, self.path, "cache") from exc
            return row[0] if row else None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None:
            if not self.path.exists():
                return None
            uri = self.path.resolve().as_uri() + "?mode=ro"  # as_uri escapes '?' and '#' in folder names
            try:
                self._db = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
            except sqlite3.Error as exc:
                raise describe_error(exc, self.path, "cache") from exc
            log.debug("thumbnails read from %s", self.path)
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
