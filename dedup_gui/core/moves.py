"""Files the store knows that were moved or deleted since a scan last saw them.

People reorganise their libraries: an event's folder renamed, years gathered under one folder. Without this, a
rescan took every moved photo for a new one (decoded, embedded and verified again: hours for a moved 100,000-photo
library whose pictures did not change) and kept the rows of the old paths for good, about 46 KB a photo.

A moved file keeps its size and its bytes, and mostly its date (moved on its disk, or copied to another with its
date, the old disk gone); `cp -r`, some phone transfers and sync tools give each copy today's date. A stored file
gone from its path, with the size of a walked file the store does not know and the stored content hash that file's
bytes give, is that file under its new name: its row takes the new path (and date) and keeps its decode, embedding,
keypoints and verdicts. A stored file with another date is looked at only if it was under a scanned folder: one
elsewhere may be on a disk that is only unplugged, and a byte copy of it is a file of its own. The bytes are read
(not decoded): dates are kept to 2 seconds on a memory card, so another burst frame of the same size could
otherwise take a deleted frame's row, and with it that frame's hashes, which say which files are byte copies of
each other. Byte copies moved together (a folder and its backup) each take the row whose path ends most like
theirs, so their marks stay apart; two as close are new files. The inode is no help: a copy to another disk has a
new one, and FAT makes them up.
A stored file under a scanned folder that the walk did not see and that is gone from the disk is forgotten. The
cache changes, and the keep/trash marks follow their files; the journal keeps the paths it was written with. A file
this app sent to the trash or moved aside is never followed: one with its bytes found later is a copy imported
again, or the file in the folder it was moved aside to, and its trash mark stays behind.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dedup_gui.core import contenthash
from dedup_gui.core.protection import is_under
from dedup_gui.core.types import FileRecord, Problem, ProblemKind

log = logging.getLogger("dedup_gui.moves")

# what the store knows of a file: (id, size, mtime_ns)
Known = Mapping[str, tuple[int, int, int]]


@dataclass(frozen=True)
class Followed:
    """What became of the stored files this walk did not see."""

    moved: dict[str, str] = field(default_factory=dict)  # old path -> new path (the same file, the same row)
    gone: list[int] = field(default_factory=list)  # ids of stored files deleted from under the scanned folders


def _is_gone(path: str) -> bool:
    """Only a path that certainly does not exist: a folder that cannot be read, or a disk that answers with an
    error, says nothing about its files."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _under(path: str, folders: Sequence[str]) -> bool:
    return any(is_under(path, f) for f in folders)


def _digest(record: FileRecord) -> str | None:
    try:
        return contenthash.full_hash(record)
    except contenthash.ContentError as exc:  # gone or changed since the walk: a new file for this scan
        log.info("not followed: %s", exc)
        return None


def _may_be(record: FileRecord, old: str, known: Known, folders: Sequence[str]) -> bool:
    """Whether a stored file may be this walked one, before its bytes are read: the same date, or any date for a
    file that was under a scanned folder (a copy that did not keep the date, the original deleted). A file
    elsewhere may be on a disk that is only unplugged, so a byte copy with another date stays a file of its own."""
    return known[old][2] == record.mtime_ns or _under(old, folders)


def _shared_tail(a: str, b: str) -> int:
    """Path parts two paths share from their ends: a moved or copied folder keeps the names below it."""
    n = 0
    for x, y in zip(reversed(a.split(os.sep)), reversed(b.split(os.sep)), strict=False):
        if x != y:
            break
        n += 1
    return n


def _closest(record: FileRecord, olds: Sequence[str], known: Known) -> str | None:
    """The stored file with these bytes that this one is: the one with its date, then the one whose path ends
    most like its path. Byte copies moved together (a folder and its backup) keep their own rows and marks; None
    when two are as close (no mark may go to the wrong copy, so the file is taken for a new one)."""
    if len(olds) <= 1:
        return olds[0] if olds else None

    def likeness(old: str) -> tuple[bool, int]:
        return known[old][2] == record.mtime_ns, _shared_tail(record.path, old)

    ranked = sorted(olds, key=likeness, reverse=True)
    return ranked[0] if likeness(ranked[0]) > likeness(ranked[1]) else None


def follow(
    records: Sequence[FileRecord],
    known: Known,
    roots: Iterable[os.PathLike[str] | str],
    problems: Sequence[Problem],
    stored_hash: Callable[[str], str | None],
    *,
    taken_away: Callable[[], Collection[str]] = frozenset,
    tick: Callable[[int, int], None] = lambda done, total: None,
) -> Followed:
    """Match each walked file the store does not know to a stored file gone from its path (same size and bytes;
    the same date too for a file that was outside `roots`), and list the stored files under `roots` (as the walk
    names them) that no longer exist. Folders the walk could not read (`problems`) keep the rows of their files.
    `stored_hash(path)`: a stored file's full content hash (None: never hashed, as when its decode failed: not
    followed); `taken_away()`: paths of files this app took away (the journal's): never followed, so a trash mark
    stays behind (read only when a stored file was not walked); `tick(done, total)` after each file looked at (it
    may raise to cancel)."""
    walked = {r.path for r in records}
    unseen = [path for path in known if path not in walked]
    if not unseen:
        return Followed()
    folders = [os.path.abspath(r) for r in roots]
    away = taken_away()
    by_size: dict[int, list[str]] = {}
    for path in unseen:
        by_size.setdefault(known[path][1], []).append(path)
    asked = [r for r in records if r.path not in known and r.size in by_size]
    gone = functools.cache(_is_gone)  # each stored path looked up once
    moved: dict[str, str] = {}
    for done, r in enumerate(asked, 1):
        olds = [
            p for p in by_size[r.size] if p not in moved and p not in away and _may_be(r, p, known, folders) and gone(p)
        ]
        digest = _digest(r) if olds else None
        old = _closest(r, [p for p in olds if digest is not None and stored_hash(p) == digest], known)
        if old is not None:
            moved[old] = r.path
        tick(done, len(asked))
    unreadable = [p.path for p in problems if p.kind is ProblemKind.FOLDER_UNREADABLE]
    forgotten = [
        known[path][0]
        for path in unseen
        if path not in moved and _under(path, folders) and not _under(path, unreadable) and gone(path)
    ]
    return Followed(moved, forgotten)
