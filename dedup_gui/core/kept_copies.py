"""The copies a group keeps while its other files leave, and the checks that keep the last of them.

A file that stays counts as a copy of its group's photo only while it is the file the scan saw (its size and date;
one of a group's copies is read in full before any of its files go) and not another path of a file that leaves
(a link, a second mount of its folder). Once a file has moved, it is read again where it lies and a kept copy is
looked for again: a file that fails goes back (trash.send_to_trash's `confirm`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from dedup_gui.core import trash
from dedup_gui.core.contenthash import content_hash
from dedup_gui.core.store import Store


def still_a_copy(path: str, facts: Mapping[str, tuple], leaving: set[tuple[int, ...]]) -> bool:
    """A file that stays counts as a copy of its group's photo only while it is the file the scan saw (same size
    and date) and not the very file of one that is leaving (a link to it, or the same file by another path):
    another tool may have emptied it, put another picture in its place, or replaced it with a link to the copy
    marked Trash, and then the trashed file was the last."""
    known = facts.get(path)
    try:
        st = os.stat(path)
    except OSError:
        return False  # gone, or on a disk that is not there now
    same = known is not None and (st.st_size, st.st_mtime_ns) == (known[0], known[1])
    return same and not (_keys(st) & leaving)


def identities(paths: Iterable[str]) -> set[tuple[int, ...]]:
    """What tells each file that can be read from every other (`_keys`): a link to it or another path of it has
    the same."""
    out: set[tuple[int, ...]] = set()
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        out |= _keys(st)
    return out


def _keys(st: os.stat_result) -> set[tuple[int, ...]]:
    """(device, inode), and (inode, size, date in ns): one folder seen through a second mount (an overlay, an NFS
    or SMB share of a local disk) shows its files under another device number with their own inode numbers, sizes
    and dates. An overlay that keeps inode numbers apart (`xino`) sets high bits of them: the low 32 are compared.
    A real copy on another disk with those inode bits, size and date to the nanosecond is taken for the same file
    too: kept, never the other way round."""
    return {(0, st.st_dev, st.st_ino), (1, st.st_ino & 0xFFFF_FFFF, st.st_size, st.st_mtime_ns)}


def kept_copy(kept: set[str], facts: Mapping[str, tuple], leaving: str) -> bool:
    """Whether one of the files its group keeps is still there as scanned, and is not the file about to leave."""
    me = identities([leaving])
    return bool(me) and any(still_a_copy(path, facts, me) for path in kept)


def read_copy(kept: set[str], store: Store, read: dict[str, bool]) -> bool:
    """Whether one of the files a group keeps has the contents the scan hashed, read in full (once per apply).
    Size and date alone let a kept original that another tool replaced by another picture of the same size, its
    date set back (`touch -r`), pass for the file scanned: its copy marked Trash was then the last."""
    for path in sorted(kept, key=lambda p: (not read.get(p, False), p)):  # those read already first
        if path not in read:
            expected = store.full_hash_of(path)
            try:
                read[path] = expected is not None and content_hash(path) == expected
            except OSError:
                read[path] = False
        if read[path]:
            return True
    return False


def after_the_move(
    path: str, digest: str, kept: set[str] | None, facts: Mapping[str, tuple], read: dict[str, bool]
) -> trash.Confirm:
    """What the file moved from `path` must pass where it lies now, else it goes back: its contents are still the
    ones checked (another program may have written it after its hash, keeping its size and date: it no longer
    counts as read then), and a copy its group keeps is still there, as another file (the same file seen through a
    second mount of its folder, an overlay or a network share, has another device number: it went with the move)."""

    def confirm(moved: Path) -> str | None:
        try:
            same = not digest or content_hash(str(moved)) == digest
        except OSError as exc:
            read[path] = False
            return f"it cannot be read where it went ({exc.strerror or exc})"
        if not same:
            read[path] = False
            return "its contents changed after they were checked (another program wrote it)"
        if kept is not None and not kept_copy(kept, facts, str(moved)):
            return "the copies its group keeps changed or went away meanwhile (or were this file by another path)"
        return None

    return confirm


def digest(path: Path) -> str | None:
    """The contents of a file as it lies now (None: unreadable), for the journal: Undo brings back these bytes."""
    try:
        return content_hash(str(path))
    except OSError:
        return None
