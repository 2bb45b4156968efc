"""Walks the roots and yields the image files to scan, surviving symlink loops, unreadable folders and races."""

from __future__ import annotations

import fnmatch
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dedup_gui.core.errors import RootError
from dedup_gui.core.formats import IMAGE_EXTENSIONS, NEVER_IMAGES, looks_like_image
from dedup_gui.core.protection import ProtectedFolders
from dedup_gui.core.types import FileRecord, Problem, ProblemKind

log = logging.getLogger("dedup_gui.scanning")

# Folders that hold other programs' copies (trash, thumbnails, NAS indexes): scanning them finds false duplicates.
SKIPPED_DIRS = frozenset(
    {
        "$recycle.bin",
        "recycler",
        "system volume information",
        "@eadir",
        "#recycle",
        ".trash",
        ".trashes",
        ".thumbnails",
        "lost+found",
    }
)


@dataclass(frozen=True, slots=True)
class WalkOptions:
    roots: tuple[Path, ...]
    references: tuple[Path, ...] = ()
    excludes: tuple[str, ...] = ()
    follow_symlinks: bool = True
    include_hidden: bool = False


def check_roots(roots: tuple[Path, ...]) -> None:
    """Fail early and clearly when a root is missing or unreadable: the user typed something wrong."""
    if not roots:
        raise RootError("no folder to scan")
    for root in roots:
        if not root.exists():
            raise RootError(f"folder not found: {root}")
        if not root.is_dir():
            raise RootError(f"not a folder: {root}")
        if not os.access(root, os.R_OK | os.X_OK):
            raise RootError(f"folder cannot be read (permission denied): {root}")


def _encodable(path: str) -> bool:
    """File names that are not valid UTF-8 (undecodable bytes) cannot be stored, shown or passed on safely."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _excluded(path: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def walk(
    options: WalkOptions, problems: list[Problem], check: Callable[[], None] = lambda: None
) -> Iterator[FileRecord]:
    """Yield each image file once (hard links and files reached twice through links included).

    Folders are identified by (device, inode) so a symlink loop is seen and skipped; files likewise, so a
    photo reachable through two links is not reported as its own duplicate. A file is protected when its real
    path lies in a protected folder's real path, however either was reached. `check` runs once per folder, so
    a cancel is honoured even in folders that hold no photos.
    """
    check_roots(options.roots + options.references)
    refs = ProtectedFolders(options.references)
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    stack = [os.path.abspath(r) for r in (*options.roots, *options.references)]
    stack.reverse()
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            problems.append(Problem(folder, ProblemKind.FOLDER_UNREADABLE, f"folder cannot be read: {exc.strerror}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            if os.path.islink(folder):
                log.debug("skipping %s: already visited (symlink loop or duplicate link)", folder)
            continue
        seen_dirs.add(key)
        check()
        folder_protected = refs.holds_folder(folder)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(folder, ProblemKind.FOLDER_UNREADABLE, f"folder cannot be read: {exc.strerror}"))
            continue
        subdirs: list[str] = []
        for n, entry in enumerate(entries, 1):
            if n % 512 == 0:
                check()  # a folder of many thousand files (sniffed one by one) still answers Ctrl-C
            name = entry.name
            if not options.include_hidden and name.startswith("."):
                continue
            path = entry.path
            if options.excludes and _excluded(path, name, options.excludes):
                continue
            if not _encodable(path):
                problems.append(
                    Problem(
                        path.encode("utf-8", "replace").decode(),
                        ProblemKind.UNREADABLE,
                        "the file name is not valid UTF-8 text; rename it to include it",
                    )
                )
                continue
            try:
                is_link = entry.is_symlink()
                if is_link and not options.follow_symlinks:
                    continue
                if entry.is_dir(follow_symlinks=True):
                    if name.lower() not in SKIPPED_DIRS:
                        subdirs.append(path)
                    continue
                if not entry.is_file(follow_symlinks=True):
                    continue
                protected = folder_protected
                if is_link and refs:
                    protected = refs.holds(path)
                found = _file_record(entry, path, protected)
            except FileNotFoundError:
                if entry.is_symlink():
                    continue  # a dangling link is not a photo
                problems.append(Problem(path, ProblemKind.VANISHED, "file disappeared during the scan"))
                continue
            except OSError as exc:
                if exc.errno == 40:  # ELOOP: a link that points at itself
                    problems.append(Problem(path, ProblemKind.SYMLINK_LOOP, "symbolic link loop"))
                else:
                    problems.append(Problem(path, ProblemKind.UNREADABLE, f"cannot read: {exc.strerror}"))
                continue
            if found is None:
                continue
            record, fkey = found
            if fkey in seen_files:
                continue
            seen_files.add(fkey)
            yield record
        stack.extend(reversed(subdirs))


def _file_record(entry: os.DirEntry[str], path: str, protected: bool) -> tuple[FileRecord, tuple[int, int]] | None:
    """The record of an image file (by extension, else by its first bytes), with its (device, inode) identity."""
    ext = os.path.splitext(entry.name)[1].lower()
    if ext in NEVER_IMAGES or entry.name.lower() in ("thumbs.db", "desktop.ini"):
        return None
    st = entry.stat(follow_symlinks=True)
    if ext not in IMAGE_EXTENSIONS:
        if st.st_size < 12:
            return None
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError:
            return None  # not ours to report: we do not know it is a photo
        if not looks_like_image(head):
            return None
    # SQLite stores signed 64-bit integers: an overlay that keeps inode numbers apart (`xino`) sets the top bit
    inode = st.st_ino - (1 << 64) if st.st_ino >= 1 << 63 else st.st_ino
    record = FileRecord(path=path, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=inode, protected=protected)
    return record, (st.st_dev, st.st_ino)
