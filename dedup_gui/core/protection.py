"""Protected ("reference") folders, recognised by what they are on disk, not only by how their path is spelled.

A real path names a folder one way, but the same folder can have several: a bind mount (`/mnt/photos` and
`/home/me/photos`), or a disk that ignores case or Unicode normalisation (exFAT, NTFS or FAT on Linux, APFS on a
Mac), where `~/pictures/Originals` and `~/Pictures/Originals` are one folder and `realpath` keeps each spelling. A
prefix test on real paths alone then left a protected folder unprotected. Here a folder is also protected when it,
or a folder above it, is a protected folder by (device, inode); answers are kept per folder, so a walk or an apply
stats each folder a file lies in at most once up its chain.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def is_under(path: str, folder: str) -> bool:
    """The path is the folder or lies in it (by name: no link is resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class ProtectedFolders:
    """Answers "is this file or folder in a protected folder?" by real path, then by folder identity."""

    def __init__(self, roots: Iterable[Path | str]) -> None:
        self.real = tuple(os.path.realpath(os.path.expanduser(str(r))) for r in roots)
        self._ids: set[tuple[int, int]] = set()
        for r in self.real:
            try:
                st = os.stat(r)
            except OSError:
                continue  # not there now (an unplugged disk): its real path still protects what is under it
            self._ids.add((st.st_dev, st.st_ino))
        self._folders: dict[str, bool] = {}  # real folder path -> protected

    def __bool__(self) -> bool:
        return bool(self.real)

    def holds(self, path: str) -> bool:
        """A file (or folder) in a protected folder, however either was reached or spelled."""
        if not self.real:
            return False
        real = os.path.realpath(path)
        if any(is_under(real, r) for r in self.real):
            return True
        return self._folder(os.path.dirname(real))

    def holds_folder(self, folder: str) -> bool:
        """A folder that is, or lies in, a protected folder."""
        if not self.real:
            return False
        real = os.path.realpath(folder)
        return any(is_under(real, r) for r in self.real) or self._folder(real)

    def _folder(self, real: str) -> bool:
        """By identity: the folder or one above it is a protected folder."""
        chain: list[str] = []
        found = False
        folder = real
        while True:
            known = self._folders.get(folder)
            if known is not None:
                found = known
                break
            chain.append(folder)
            if self._same(folder):
                found = True
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for f in chain:
            self._folders[f] = found
        return found

    def _same(self, path: str) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self._ids
