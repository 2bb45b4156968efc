"""Files the store knows that were moved or deleted since a scan last saw them.

People reorganise their libraries: an event's folder renamed, years gathered under one folder. Without this, a
rescan took every moved photo for a new one (decoded, embedded and verified again: hours for a moved 100,000-photo
library whose pictures did not change) and kept the rows of the old paths for good, about 46 KB a photo.

A moved file keeps its size and date (moved on its disk, or copied to another with its date, the old disk gone). A
stored file with the same two whose path is gone, and whose stored content hash the file's bytes give, is that file
under its new name: its row takes the new path and keeps its decode, embedding, keypoints and verdicts. The bytes
are read (not decoded): dates are kept to 2 seconds on a memory card, so another burst frame of the same size could
otherwise take a deleted frame's row, and with it that frame's hashes, which say which files are byte copies of
each other. The inode is no help: a copy to another disk has a new one, and FAT makes them up.
A stored file under a scanned folder that the walk did not see and that is gone from the disk is forgotten. The
cache changes, and the keep/trash marks follow their files; the journal keeps the paths it was written with.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dedup_gui.core import contenthash, scanning
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
    return any(scanning.is_under(path, f) for f in folders)


def _digest(record: FileRecord) -> str | None:
    try:
        return contenthash.full_hash(record)
    except contenthash.ContentError as exc:  # gone or changed since the walk: a new file for this scan
        log.info("not followed: %s", exc)
        return None


def follow(
    records: Sequence[FileRecord],
    known: Known,
    roots: Iterable[os.PathLike[str] | str],
    problems: Sequence[Problem],
    stored_hash: Callable[[str], str | None],
    *,
    tick: Callable[[int, int], None] = lambda done, total: None,
) -> Followed:
    """Match each walked file the store does not know to a stored file gone from its path (same size, date and
    bytes), and list the stored files under `roots` (as the walk names them) that no longer exist. Folders the walk
    could not read (`problems`) keep the rows of their files. `stored_hash(path)`: a stored file's full content hash
    (None: never hashed, as when its decode failed: not followed); `tick(done, total)` after each file looked at
    (it may raise to cancel)."""
    walked = {r.path for r in records}
    unseen = [path for path in known if path not in walked]
    if not unseen:
        return Followed()
    by_facts: dict[tuple[int, int], list[str]] = {}
    for path in unseen:
        _fid, size, mtime = known[path]
        by_facts.setdefault((size, mtime), []).append(path)
    asked = [r for r in records if r.path not in known and (r.size, r.mtime_ns) in by_facts]
    moved: dict[str, str] = {}
    for done, r in enumerate(asked, 1):
        olds = [p for p in by_facts[(r.size, r.mtime_ns)] if p not in moved and _is_gone(p)]
        digest = _digest(r) if olds else None
        old = next((p for p in olds if digest is not None and stored_hash(p) == digest), None)
        if old is not None:
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
