"""The freedesktop.org trash: send a file there, say where it went, and bring it back.

send2trash chooses the trash: `$XDG_DATA_HOME/Trash` for a file on the home volume, else the volume's `.Trash/UID` or
`.Trash-UID`, and the url-encoded `Path=` and `DeletionDate=` of `info/NAME.trashinfo`. On Linux the move itself is
ours (`_send`), as send2trash's can replace another program's file; elsewhere send2trash moves the file and does not
say where it went, so we find it afterwards by matching those two lines.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote

import send2trash

from dedup_gui.core.config import default_cache_dir
from dedup_gui.core.errors import BusyError
from dedup_gui.core.renaming import move_new, rename_new

log = logging.getLogger("dedup_gui.trash")


class TrashError(Exception):
    """A file could not be sent to or restored from the trash; the message says why."""


class StuckError(TrashError):
    """A moved file that had to go back could not: it lies at `where` (in the trash, or the folder it was moved
    to), which the journal must record so that Undo finds it."""

    def __init__(self, message: str, where: Path) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True, slots=True)
class TrashEntry:
    files_path: Path  # the trashed file itself
    info_path: Path  # its .trashinfo
    original: str
    deleted: float  # DeletionDate as a POSIX time (local time, one-second resolution)


@contextlib.contextmanager
def one_mover(lock_dir: Path | None = None) -> Iterator[None]:
    """Hold the user's lock on moving files to and from the trash, or raise BusyError.

    send2trash picks a free name in a trash folder by looking, then renames the file there, and a rename replaces
    a file of that name: two applies at once (the window and a shell) trashing files of one name (IMG_0001.JPG from
    several folders) destroyed some of them. One apply or undo at a time, for every store of this user.
    """
    try:
        import fcntl
    except ImportError:  # Windows: the recycle bin names its own entries
        yield
        return
    fh = None
    uid = os.getuid() if hasattr(os, "getuid") else 0
    for folder in (lock_dir,) if lock_dir else (default_cache_dir(), Path(tempfile.gettempdir()) / f"dedup-gui-{uid}"):
        try:  # the cache folder, else (a home that cannot be written) the system's temporary folder
            folder.mkdir(parents=True, exist_ok=True)
            fh = open(folder / "trash-moves.lock", "a")  # noqa: SIM115 (held open for the with block below)
            break
        except OSError as exc:
            problem = exc
    if fh is None:
        raise BusyError(f"cannot take the lock that keeps two applies apart: {problem}")
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError("another apply or undo is moving files; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def home_trash() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(data) / "Trash"


@functools.lru_cache(maxsize=4096)
def _mount_point(path: Path) -> Path:
    """The mount point holding a folder (cached: an apply asks once per folder, not once per file)."""
    p = Path(os.path.realpath(path))
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    return p


def forget_mounts() -> None:
    """Drop cached mount points (a disk may have been mounted elsewhere since the last batch)."""
    _mount_point.cache_clear()


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
    if not os.path.isabs(original):  # send2trash writes a path relative to the disk's top, with ".." when the file
        original = os.path.normpath(topdir / original)  # was reached through a link from outside that disk
    try:
        deleted = datetime.strptime(fields.get("DeletionDate", ""), "%Y-%m-%dT%H:%M:%S").timestamp()
    except ValueError:
        deleted = 0.0
    return original, deleted


def _candidate_names(name: str) -> Iterator[str]:
    """The names send2trash gives a file in the trash, in the order it tries them: `a.jpg`, `a 1.jpg`, `a 2.jpg`..."""
    stem, ext = os.path.splitext(name)
    yield name
    n = 1
    while True:
        yield f"{stem} {n}{ext}"
        n += 1


def _free_name(trash: Path, name: str) -> str:
    """The name send2trash will choose in this trash folder (its first name free in both files/ and info/)."""
    for candidate in _candidate_names(name):
        if not (trash / "files" / candidate).exists() and not (trash / "info" / f"{candidate}.trashinfo").exists():
            return candidate
    raise AssertionError("unreachable")


def _entry(trash: Path, topdir: Path, name: str, original: str, deleted_after: float) -> TrashEntry | None:
    """The entry `name` of a trash folder when it holds `original`, trashed at or after the given time."""
    info = trash / "info" / f"{name}.trashinfo"
    files_path = trash / "files" / name
    if not (files_path.exists() or files_path.is_symlink()):
        return None
    read = _read_info(info, topdir)
    if read is None or read[0] != original or read[1] < int(deleted_after) - 1:
        return None
    return TrashEntry(files_path, info, original, read[1])


def _entry_names(original: str) -> re.Pattern[str]:
    """The names of the `.trashinfo` files a trashed `original` may have: `a.jpg`, `a 1.jpg`, ... (send2trash's)."""
    stem, ext = os.path.splitext(os.path.basename(original))
    return re.compile(re.escape(stem) + r"(?: \d+)?" + re.escape(ext) + r"\.trashinfo")


def find_entries(original: str, *, deleted_after: float = 0.0) -> list[TrashEntry]:
    """Trashed copies of `original` deleted at or after the given time, newest first.

    Only the entries named like the file are read (`a.jpg`, `a 1.jpg`, ...: the names send2trash gives), found
    with one listing per trash folder, so a trash holding thousands of items costs no more than an empty one.
    """
    pattern = _entry_names(original)
    found: list[TrashEntry] = []
    for trash, topdir in trash_dirs(original):
        try:
            names = [e.name for e in os.scandir(trash / "info") if pattern.fullmatch(e.name)]
        except OSError:
            continue
        for info_name in names:
            entry = _entry(trash, topdir, info_name.removesuffix(".trashinfo"), original, deleted_after)
            if entry is not None:
                found.append(entry)
    found.sort(key=lambda e: (e.deleted, e.info_path.stat().st_mtime_ns), reverse=True)
    return found


def sweep(never_moved: Iterable[tuple[str, float]]) -> int:
    """Clear what moves killed half-way (kill -9, a power cut) left in the trash folders of these files, which are
    still in place (path, time of the journal row): each one's entry without a file (its name taken first, its copy
    across disks never finished) and this engine's unfinished copies (`.dedup-gui-*`, in `files/` of those folders;
    one apply or undo runs at a time, so none is being written). Returns how many were removed."""
    removed = 0
    dirs: dict[Path, Path] = {}
    wanted: dict[str, float] = {}
    for original, since in never_moved:
        wanted[os.path.abspath(original)] = since
        dirs.update(trash_dirs(original))
    named = [_entry_names(p) for p in wanted]
    for trash, topdir in dirs.items():
        with contextlib.suppress(OSError):
            for e in os.scandir(trash / "info"):
                name = e.name.removesuffix(".trashinfo")
                if name == e.name or os.path.lexists(trash / "files" / name):
                    continue
                read = _read_info(Path(e.path), topdir)
                if read is None:  # killed before its lines were written: one of these files' names, empty
                    ours = e.stat().st_size == 0 and any(pattern.fullmatch(e.name) for pattern in named)
                else:
                    ours = read[0] in wanted and read[1] >= wanted[read[0]] - _ZONES
                if ours:
                    os.unlink(e.path)
                    removed += 1
            removed += sweep_copies(trash / "files")
    return removed


def sweep_copies(folder: Path) -> int:
    """Remove this engine's unfinished copies (`.dedup-gui-*`) from a folder files were copied into (a trash's
    `files/`, a folder they were moved aside to): what a move killed half-way left. Returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for e in os.scandir(folder):
            if e.name.startswith(".dedup-gui-") and e.is_file(follow_symlinks=False):
                os.unlink(e.path)
                removed += 1
    return removed


# Asked about a file where it lies once moved: why it may not stay there (it is put back), or None.
Confirm = Callable[[Path], str | None]


def send_to_trash(path: str, expect: tuple[int, int] | None = None, confirm: Confirm | None = None) -> Path | None:
    """Move one file to the trash; return where it lies there (None when the platform does not say).

    With `expect` (size, mtime in ns), a file found to be something else once moved (another program wrote it
    between the caller's checks and the move) is put back and TrashError raised: only the file checked may go.
    `confirm` looks at the moved file further (its contents; whether the copies its group keeps are still there:
    another path of the same file, through a second mount, goes with it); a reason it gives puts it back too.

    The engine's own move says where it put the file. For a move send2trash makes (across disks), the name it will
    get is worked out before the move, the way send2trash chooses it, and checked after: no search of the trash is
    needed.
    """
    started = time.time()
    _sync_send2trash_home()
    predicted = []
    if sys.platform.startswith("linux"):
        for trash, topdir in trash_dirs(path):
            with contextlib.suppress(OSError):  # a trash folder that cannot be listed: the move says why, or succeeds
                predicted.append((trash, topdir, _free_name(trash, os.path.basename(path))))
    try:
        went = _send(path)
    except OSError as exc:
        raise TrashError(f"cannot move to the trash: {exc.strerror or exc}") from exc
    except send2trash.TrashPermissionError as exc:
        raise TrashError(f"no trash folder can be written on this volume: {exc}") from exc
    if went is None:
        for trash, topdir, name in predicted:
            entry = _entry(trash, topdir, name, os.path.abspath(path), started)
            if entry is not None:
                went = entry.files_path
                break
        else:
            entries = find_entries(os.path.abspath(path), deleted_after=started)
            went = entries[0].files_path if entries else None
    if went is not None:
        why = _why_not(went, expect, confirm)
        if why:
            info = went.parent.parent / "info" / (went.name + ".trashinfo")
            _back_where_it_was(went, path, f"in the trash as {went}", why, info)
    return went


def _why_not(moved: Path, expect: tuple[int, int] | None, confirm: Confirm | None) -> str | None:
    """Why a moved file may not stay where it went: not the file checked, or `confirm`'s reason; else None."""
    if not _is(moved, expect):
        return "it changed while it was being moved (another program wrote it)"
    return None if confirm is None else confirm(moved)


# DeletionDate is local time without a zone: read in another zone than it was written (travel, a shell with another
# TZ, the hour clocks go back), an entry seems up to 14 hours older than the journal row that made it
_ZONES = 15 * 3600


def _is(path: Path | str, expect: tuple[int, int] | None) -> bool:
    """Whether the file at `path` still has the size and date the caller checked."""
    if expect is None:
        return True
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == expect


def _back_where_it_was(moved: Path, path: str, where: str, why: str, info: Path | None = None) -> NoReturn:
    """Put a file that may not stay where it went (`why`: it changed while it was being moved, ...) back where it
    was, never over a file, across disks too; drop its trash entry's `info`; raise why it did not go. `where` says
    where it stays when it cannot go back ("in the trash as ...")."""
    try:
        _move(moved, Path(path))
    except OSError as exc:
        message = f"{why}, and it could not be put back ({exc.strerror or exc}): it is {where} (Undo brings it back)"
        raise StuckError(message, moved) from exc
    if info is not None:
        with contextlib.suppress(OSError):
            info.unlink()
    raise TrashError(f"{why}: left where it was")


def _send(path: str) -> Path | None:
    """send2trash's choice of trash folder and of its `Path=` line, with a move that never replaces an entry.

    send2trash looks for a free name, writes the `.trashinfo`, then renames the file there: a program trashing a
    file of the same name in between (a file manager) loses its file to ours, or ours to its. Here the name is
    taken by creating the `.trashinfo` exclusively, and the file is renamed under it by a rename that never replaces
    a file (`renaming.rename_new`); across disks it is copied there under a temporary name first. Elsewhere (other
    platforms, another send2trash) send2trash does it all. Returns where the file went when the move was ours
    (None: send2trash's, which does not say).
    """
    plat = sys.modules.get("send2trash.plat_other")
    needed = ("get_dev", "find_mount_point", "find_ext_volume_trash", "info_for", "trash_move")
    if not sys.platform.startswith("linux") or plat is None or not all(hasattr(plat, n) for n in needed):
        send2trash.send2trash(path)
        return None
    path_b = os.fsencode(path)
    if not os.path.exists(path_b):  # send2trash's own checks, as it makes them
        raise OSError(errno.ENOENT, f"File not found: {path}")
    if not os.access(path_b, os.W_OK):
        raise OSError(errno.EACCES, f"Permission denied: {path}")
    path_dev = plat.get_dev(path_b)
    if path_dev == plat.get_dev(os.path.realpath(os.path.expanduser(b"~"))):
        topdir, dest = plat.XDG_DATA_HOME, plat.HOMETRASH_B
    else:
        topdir = plat.find_mount_point(path_b)
        if plat.get_dev(topdir) != path_dev:
            raise OSError(f"Couldn't find mount point for {path}")
        dest = plat.find_ext_volume_trash(topdir)
    try:
        return Path(os.fsdecode(_move_into(path_b, dest, topdir, plat)))
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    # as send2trash does when the disk's trash is on another mount: into the home trash, copied
    return Path(os.fsdecode(_move_into(path_b, plat.HOMETRASH_B, plat.XDG_DATA_HOME, plat, across=True)))


def _move_into(path_b: bytes, dest: bytes, topdir: bytes, plat: object, across: bool = False) -> bytes:
    """Move the file into the trash folder `dest` under the first name no entry has, taking the name first; return
    where it went. `across`: the trash is on another disk, so the file is copied there (under a temporary name,
    renamed into place once written) and then removed."""
    files, info = os.path.join(dest, b"files"), os.path.join(dest, b"info")
    for folder in (files, info):  # send2trash's check_create fails when another program creates it meanwhile
        os.makedirs(folder, 0o700, exist_ok=True)
    names = _candidate_names(os.fsdecode(os.path.basename(path_b)))
    for name in map(os.fsencode, itertools.islice(names, 1 << 20)):
        target, ticket = os.path.join(files, name), os.path.join(info, name + b".trashinfo")
        if os.path.lexists(target):
            continue
        try:
            fd = os.open(ticket, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "w") as fh:  # a full disk or Ctrl-C here too: no entry without its file
                fh.write(plat.info_for(path_b, topdir))  # type: ignore[attr-defined]
            if across:
                move_new(os.fsdecode(path_b), os.fsdecode(target))
            else:
                rename_new(path_b, target)
        except FileExistsError:
            os.unlink(ticket)
            continue
        except BaseException:  # an error, or Ctrl-C in the middle of a copy: no entry without its file
            if not os.path.lexists(target):
                with contextlib.suppress(OSError):
                    os.unlink(ticket)
            raise
        return target
    raise OSError(errno.EEXIST, "no free name in the trash")


def entry_for(original: str, trash_path: str | None, deleted_after: float) -> TrashEntry | None:
    """The trash entry of a journaled file: the recorded one when it is still there (whatever its date says), else
    the oldest match after the journal time (the one this apply made), else one within a time zone's shift of it.
    The caller compares the entry's content with the journal's before restoring it."""
    if trash_path:
        recorded = Path(trash_path)
        for trash, topdir in trash_dirs(original):
            if recorded.parent == trash / "files":
                entry = _entry(trash, topdir, recorded.name, original, 0.0)
                if entry is not None:
                    return entry
    entries = find_entries(original, deleted_after=deleted_after) or find_entries(
        original, deleted_after=deleted_after - _ZONES
    )
    return entries[-1] if entries else None


def reachable(trash_path: str | None) -> bool:
    """Whether the trash folder a file was recorded going to can be looked in now (False: a disk not plugged in)."""
    return not trash_path or Path(trash_path).parent.is_dir()


def _put_back(source: Path, original: str) -> None:
    """Move `source` to `original`; refuse when something else lives there now (never overwrite a file)."""
    target = Path(original)
    if target.exists() or target.is_symlink():
        raise TrashError(f"cannot restore: {target} exists again (move it away, then undo)")
    try:
        _move(source, target)
    except (FileExistsError, NotADirectoryError) as exc:
        blocked = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
        if blocked is not None:  # its folder was replaced by a file: the folder cannot be made again
            raise TrashError(f"cannot restore: {blocked} is a file now, where its folder was") from exc
        raise TrashError(f"cannot restore: {target} exists again (move it away, then undo)") from exc
    except OSError as exc:
        raise TrashError(f"cannot restore to {target}: {exc.strerror or exc}") from exc


def _move(source: Path | str, target: Path) -> None:
    """Rename, or copy and delete when the target is on another disk (the home trash for a USB disk); never over a
    file that appeared at the target after the caller looked (FileExistsError)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    move_new(source, target)


def restore(entry: TrashEntry) -> None:
    """Move a trashed file back to where it was and drop its .trashinfo."""
    _put_back(entry.files_path, entry.original)
    try:
        entry.info_path.unlink()
    except OSError as exc:
        log.warning("restored %s but could not remove %s: %s", entry.original, entry.info_path, exc)


# -- a folder of the user's instead of the trash ----------------------------------------------------------------


def aside_path(path: str, folder: Path) -> Path:
    """Where `move_aside` puts a file: its whole original path recreated under `folder` (no two files collide, and
    a person browsing the folder sees where each came from)."""
    drive, rest = os.path.splitdrive(os.path.abspath(path))
    parts = [drive.rstrip(":\\/")] if drive else []
    return folder.joinpath(*parts, rest.lstrip("/\\"))


def move_aside(path: str, folder: Path, expect: tuple[int, int] | None = None, confirm: Confirm | None = None) -> Path:
    """Move a file into the user's chosen folder instead of the trash; refuse to overwrite anything there. With
    `expect` and `confirm`, a file that may not go is put back (TrashError), as in `send_to_trash`."""
    target = aside_path(path, folder)
    if target.exists() or target.is_symlink():
        raise TrashError(f"cannot move: {target} already exists")
    try:
        _move(path, target)
    except FileExistsError as exc:
        raise TrashError(f"cannot move: {target} already exists") from exc
    except OSError as exc:
        raise TrashError(f"cannot move to {folder}: {exc.strerror or exc}") from exc
    why = _why_not(target, expect, confirm)
    if why:
        _back_where_it_was(target, path, str(target), why)
    return target


def move_back(original: str, moved: Path) -> None:
    """Put a file moved aside back where it was; refuse when something else lives there now."""
    _put_back(moved, original)
