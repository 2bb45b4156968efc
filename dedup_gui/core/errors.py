"""Errors the user can act on (bad root, store not writable); anything else is a bug and is reported as one."""

from __future__ import annotations


class DedupError(Exception):
    """Base for environment errors shown to the user as a one-line message, never a traceback."""


class RootError(DedupError):
    """A folder given to scan does not exist or cannot be read."""


class StoreError(DedupError):
    """The SQLite store cannot be opened or written (read-only folder, disk full, newer schema)."""


class ConfigError(DedupError):
    """The settings file or a command-line value is invalid."""


class BusyError(DedupError):
    """Another apply or undo is moving files right now (the window and a shell, or two shells)."""
