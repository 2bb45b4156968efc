"""What every command shares: the store and settings the window uses, and text that is safe to print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dedup_gui.core import settings as settings_io
from dedup_gui.core.config import default_store_path
from dedup_gui.core.errors import DedupError
from dedup_gui.core.settings import Settings
from dedup_gui.core.store import Store


class UsageError(DedupError):
    """The command line asks for something impossible (exit code 2)."""


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help=f"store file (default: {default_store_path()})")


def load_settings() -> Settings:
    """The window's settings file; an unusable one is set aside (never overwritten) and the defaults used."""
    settings, notice = settings_io.load_or_default()
    if notice:
        print(f"dedup-gui: {printable(notice)}", file=sys.stderr)
    return settings


def open_store(args: argparse.Namespace, settings: Settings) -> Store:
    """The store the window uses unless --db names another; says so when a damaged file had to be replaced."""
    path = args.db or (Path(settings.store_path) if settings.store_path else default_store_path())
    store = Store(path)
    for notice in store.notices:
        print(f"dedup-gui: {printable(notice)}", file=sys.stderr)
    return store


def printable(text: str) -> str:
    """Control characters (ESC, newline, ...) in a file name shown as escapes: a name cannot rewrite the terminal
    or forge an output line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
