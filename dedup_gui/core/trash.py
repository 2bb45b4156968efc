"""The freedesktop.org trash: send a file there with send2trash, find where it went, and bring it back.

send2trash moves a file to `$XDG_DATA_HOME/Trash` when it is on the home volume, else to the volume's
`.Trash/UID` or `.Trash-UID`, and writes `info/NAME.trashinfo` with the url-encoded `Path=` and `DeletionDate=`.
It does not say where the file went, so we find it afterwards by matching those two lines.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import send2trash

log = logging.getLogger("dedup_gui.trash")


class TrashError(Exception):
    """A file could not be sent to or restored from the trash; the message says why."""


@dataclass(frozen=True, slots=True)
class TrashEntry:
    files_path: Path  # the trashed file itself
    info_path: Path  # its .trashinfo
    original: str
    deleted: float  # DeletionDate as a POSIX time (local time, one-second resolution)


def home_trash() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(data) / "Trash"


def _mount_point(path: Path) -> Path:
    p = Path(os.path.realpath(path))
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    return p


def trash_dirs(path: str) -> list[tuple[Path, Path]]:
    """(trash folder, the folder its relative Path= lines start from) that may hold `path` once trashed."""
    home = home_trash()
    dirs = [(home, home.parent)]
    try:
        top = _mount_point(Path(path).parent)
    except OSError:
        return dirs
    uid = os.getuid() if hasattr(os, "getuid") else 0
    for candidate in (top / ".Trash" / str(uid), top / f".Trash-{uid}"):
        if candidate != home and candidate.is_dir():
            dirs.append((candidate, top))
    return dirs


def _sync_send2trash_home() -> None:
    """send2trash reads XDG_DATA_HOME once, at import; follow the environment at call time so that the place we
    search afterwards is the place it moved the file to (this matters to tests and to a changed environment)."""
    plat = sys.modules.get("send2trash.plat_other")
    if plat is None or not hasattr(plat, "HOMETRASH_B"):
        return
    data = os.fsencode(os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"))
    plat.XDG_DATA_HOME = data  # type: ignore[attr-defined]
    plat.HOMETRASH_B = os.path.join(data, b"Trash")  # type: ignore[attr-defined]


def _read_info(info: Path, topdir: Path) -> tuple[str, float] | None:
    try:
        text = info.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if "Path" not in fields:
        return None
    original = unquote(fields["Path"])
    if not os.path.isabs(original):
        original = str(topdir / original)
    try:
        deleted = datetime.strptime(fields.get("DeletionDate", ""), "%Y-%m-%dT%H:%M:%S").timestamp()
    except ValueError:
        deleted = 0.0
    return original, deleted


def find_entries(original: str, *, deleted_after: float = 0.0) -> list[TrashEntry]:
    """Trashed copies of `original` deleted at or after the given time, newest first."""
    found: list[TrashEntry] = []
    for trash, topdir in trash_dirs(original):
        info_dir = trash / "info"
        if not info_dir.is_dir():
            continue
        for info in info_dir.glob("*.trashinfo"):
            read = _read_info(info, topdir)
            if read is None or read[0] != original or read[1] < int(deleted_after) - 1:
                continue
            files_path = trash / "files" / info.name.removesuffix(".trashinfo")
            if files_path.exists() or files_path.is_symlink():
                found.append(TrashEntry(files_path, info, original, read[1]))
    found.sort(key=lambda e: (e.deleted, e.info_path.stat().st_mtime_ns), reverse=True)
    return found


def send_to_trash(path: str) -> Path | None:
    """Move one file to the trash; return where it lies there (None when the platform does not say)."""
    started = time.time()
    _sync_send2trash_home()
    try:
        send2trash.send2trash(path)
    except OSError as exc:
        raise TrashError(f"cannot move to the trash: {exc.strerror or exc}") from exc
    except send2trash.TrashPermissionError as exc:
        raise TrashError(f"no trash folder can be written on this volume: {exc}") from exc
    entries = find_entries(path, deleted_after=started)
    return entries[0].files_path if entries else None


def entry_for(original: str, trash_path: str | None, deleted_after: float) -> TrashEntry | None:
    """The trash entry of a journaled file: the recorded one when it is still there, else the newest match."""
    entries = find_entries(original, deleted_after=deleted_after)
    if trash_path:
        for e in entries:
            if str(e.files_path) == trash_path:
                return e
    return entries[-1] if entries else None  # the oldest match after the journal time is the one we made


def restore(entry: TrashEntry) -> None:
    """Move a trashed file back to where it was; refuse when something else lives there now."""
    target = Path(entry.original)
    if target.exists() or target.is_symlink():
        raise TrashError(f"cannot restore: {target} exists again (move it away, then undo)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(entry.files_path, target)
        except OSError:
            shutil.move(str(entry.files_path), str(target))  # another volume (home trash for a USB disk)
    except OSError as exc:
        raise TrashError(f"cannot restore to {target}: {exc.strerror or exc}") from exc
    try:
        entry.info_path.unlink()
    except OSError as exc:
        log.warning("restored %s but could not remove %s: %s", target, entry.info_path, exc)
