"""Files the store knows that were moved or deleted since a scan last saw them.

People reorganise their libraries: an event's folder renamed, years gathered under one folder. Without this, a
rescan took every moved photo for a new one (decoded, embedded and verified again: hours for a moved 100,000-photo
library whose pictures did not change) and kept the rows of the old paths for good, about 46 KB a photo.

A file moved on its disk keeps its inode, size and date. A stored file with the same three whose path is gone, and
whose stored content hash the file's bytes still give, is that file under its new name: its row takes the new path
and keeps its decode, embedding, keypoints and verdicts. The bytes are read because some file systems make up inode
numbers and keep dates to 2 seconds (FAT on a memory card): another burst frame of the same size could otherwise
take a deleted frame's row, and with it that frame's hashes, which say which files are byte copies of each other.
A stored file under a scanned folder that the walk did not see and that is gone from the disk is forgotten. Only
the disposable cache changes: the user's decisions and the journal keep the paths they were written with.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dedup_gui.core import contenthash
from dedup_gui.core.types import FileRecord, Problem, ProblemKind

log = logging.getLogger("dedup_gui.moves")

# what the store knows of a file: (id, size, mtime_ns, inode)
Known = Mapping[str, tuple[int, int, int, int]]


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
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _same_bytes(record: FileRecord, stored: str | None) -> bool:
    if stored is None:
        return False  # never hashed (its decode failed): nothing carried is worth a doubt
    try:
        return contenthash.full_hash(record) == stored
    except contenthash.ContentError as exc:  # gone or changed since the walk: a new file for this scan
        log.info("not followed: %s", exc)
        return False


def follow(
    records: Sequence[FileRecord],
    known: Known,
    roots: Iterable[os.PathLike[str] | str],
    problems: Sequence[Problem],
    stored_hash: Callable[[str], str | None],
    *,
    tick: Callable[[int, int], None] = lambda done, total: None,
) -> Followed:
    """Match each walked file the store does not know to a stored file gone from its path (same inode, size, date
    and bytes), and list the stored files under `roots` (as the walk names them) that no longer exist. Folders the
    walk could not read (`problems`) keep the rows of their files. `tick(done, total)` after each file read (it may
    raise to cancel)."""
    walked = {r.path for r in records}
    unseen = [path for path in known if path not in walked]
    if not unseen:
        return Followed()
    by_identity: dict[tuple[int, int, int], list[str]] = {}
    for path in unseen:
        _fid, size, mtime, inode = known[path]
        if inode:  # some file systems give no inode (0): no identity to follow
            by_identity.setdefault((inode, size, mtime), []).append(path)
    asked = [r for r in records if r.inode and r.path not in known and (r.inode, r.size, r.mtime_ns) in by_identity]
    moved: dict[str, str] = {}
    for done, r in enumerate(asked, 1):
        olds = by_identity[(r.inode, r.size, r.mtime_ns)]
        old = next((p for p in olds if _is_gone(p)), None)
        if old is not None and _same_bytes(r, stored_hash(old)):
            olds.remove(old)
            moved[old] = r.path
        tick(done, len(asked))
    folders = [os.path.abspath(r) for r in roots]
    unreadable = [p.path for p in problems if p.kind is ProblemKind.FOLDER_UNREADABLE]
    gone = [
        known[path][0]
        for path in unseen
        if path not in moved and _under(path, folders) and not _under(path, unreadable) and _is_gone(path)
    ]
    return Followed(moved, gone)
