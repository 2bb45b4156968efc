"""The store: two SQLite files, the disposable caches and the user's own data, behind one object.

Only this package speaks SQL. `Store(path)` opens the cache at `path` and the user-data file beside it
(`NAME-user.sqlite3`). Every SQLite failure reaches callers as a StoreError with a message a person can act on; a
damaged file found at start-up is set aside (the cache rebuilt, the user data salvaged) and a line in `notices`
says so.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from dedup_gui.core.errors import StoreError
from dedup_gui.core.store.cache import CachedImage, CacheTables, cache_migrations
from dedup_gui.core.store.database import damaged_marker, describe_error, is_damage, open_database
from dedup_gui.core.store.reader import ThumbnailReader
from dedup_gui.core.store.userdata import (
    USER_MIGRATIONS,
    Dismissal,
    JournalRow,
    NewRow,
    UserTables,
    salvage_user_data,
)

__all__ = [
    "CachedImage",
    "Dismissal",
    "JournalRow",
    "NewRow",
    "Store",
    "StoreError",
    "ThumbnailReader",
    "user_data_path",
]

F = TypeVar("F", bound=Callable[..., Any])


def user_data_path(cache_path: Path) -> Path:
    """Where the decisions and the journal live: beside the cache, named after it."""
    return cache_path.with_name(f"{cache_path.stem}-user{cache_path.suffix or '.sqlite3'}")


def _guarded(method: F) -> F:
    """Turn any SQLite error raised by a store method into a StoreError (and remember a damaged file)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    return wrapper  # type: ignore[return-value]


class Store(CacheTables, UserTables):
    """Both files of the store; a Store belongs to the thread that opened it (open one per worker thread)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.user_path = user_data_path(self.path)
        self.notices: list[str] = []  # things the user should hear about opening (a damaged file replaced)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the cache folder {self.path.parent}: {exc.strerror}") from exc
        self._user = open_database(
            self.user_path, USER_MIGRATIONS, "decisions file", self.notices, salvage_user_data, durable=True
        )
        try:
            self._cache = open_database(self.path, cache_migrations(self.user_path), "cache", self.notices)
        except BaseException:
            self._user.close()
            raise
        self.db = self._cache.db
        self.udb = self._user.db

    # -- plumbing -----------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._cache.version

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the cache file."""
        try:
            with self._cache.transaction() as db:
                yield db
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    @contextmanager
    def user_transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the user-data file."""
        try:
            with self._user.transaction() as db:
                yield db
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def check_writable(self) -> None:
        """Raise a StoreError now when the user-data file cannot be written: before the first photo moves."""
        try:
            self._user.writable()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: sqlite3.Error) -> StoreError:
        if isinstance(exc, sqlite3.Error) and is_damage(exc):
            for database in (self._cache, self._user):
                if not database.healthy():
                    damaged_marker(database.path).touch()
                    return describe_error(exc, database.path, database.what)
        return describe_error(exc, self.path, "store")

    def close(self) -> None:
        self._cache.close()
        self._user.close()


# Every public query method answers with a StoreError instead of a raw sqlite3 error.
for _cls in (CacheTables, UserTables):
    for _name, _value in list(vars(_cls).items()):
        if callable(_value) and not _name.startswith("_") and _name not in ("transaction", "user_transaction"):
            setattr(_cls, _name, _guarded(_value))
