"""Rename a file without ever replacing another one.

`os.rename` replaces whatever lives at the target. Every move of a user's file (into the trash, into a folder of
their choosing, back from either) checks first that the target is free, but another program can create a file there
between that look and the rename, and it would be destroyed without a trace. On Linux `renameat2` with
`RENAME_NOREPLACE` makes the look and the move one step; elsewhere, or on a file system that does not offer it, the
file is hard-linked under the new name (which fails on a name taken) and then unlinked from the old one; without
hard links either, it is renamed after one more look. Windows' rename never replaces a file.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}

Path_ = str | bytes | os.PathLike


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library older than glibc 2.28, or another one without it
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def rename_new(source: Path_, target: Path_) -> None:
    """Rename `source` to `target` on the same disk; FileExistsError when `target` exists (nothing moves), OSError
    (EXDEV) when the two are on different disks."""
    src, dst = os.fsencode(source), os.fsencode(target)
    fn = _renameat2()
    if fn is not None:
        if fn(_AT_FDCWD, src, _AT_FDCWD, dst, _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in _UNSUPPORTED:
            raise OSError(err, os.strerror(err), os.fsdecode(src), None, os.fsdecode(dst))
    if sys.platform == "win32":
        os.rename(src, dst)
        return
    _link_then_unlink(src, dst)


def _link_then_unlink(src: bytes, dst: bytes) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno == errno.EXDEV or os.path.lexists(dst):
            raise
        os.rename(src, dst)  # no hard links on this disk: the name was free a moment ago
        return
    try:
        same = os.lstat(src).st_ino == os.lstat(dst).st_ino
    except OSError:
        same = False
    if not same:  # something else took the old name meanwhile: leave it, and undo the link
        os.unlink(dst)
        raise OSError(errno.EBUSY, "the file was replaced while it was being moved", os.fsdecode(src))
    os.unlink(src)


def move_new(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move `source` to `target`, across disks too (copied under a temporary name beside the target, then renamed
    into place, then the source removed); never replaces a file at `target` (FileExistsError).

    Across disks the source is removed only while it is still the file copied (same inode, size, date and change
    time): an editor or a sync client that saves a new version over it during the copy (a new file renamed over the
    name) would otherwise lose that version to the removal, and a file written during the copy would leave a torn
    copy.
    Then the copy is removed and OSError (EBUSY) raised: the file at `source` stays as the other program left it.
    """
    try:
        rename_new(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    source, target = os.fspath(source), os.fspath(target)
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)  # fails on a name taken
        os.unlink(source)
        return
    before = os.lstat(source)
    folder = os.path.dirname(os.path.abspath(target))
    fd, temp = tempfile.mkstemp(prefix=".dedup-gui-", dir=folder)
    os.close(fd)
    try:
        shutil.copy2(source, temp, follow_symlinks=False)
        with open(temp, "rb") as fh:  # the copy is on its disk before the original goes
            os.fsync(fh.fileno())
        _still(source, before)
        rename_new(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    try:
        _still(source, before)  # once more, just before the removal
        os.unlink(source)
    except BaseException:  # changed meanwhile, or it cannot be removed: the move did not happen, the copy goes
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def _still(path: str, before: os.stat_result) -> None:
    """Raise OSError (EBUSY) unless `path` is still the file `before` described: the same inode, size and date, and
    the same change time (a program that writes the file in place and sets its date back cannot set that back)."""
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        now = None
    fields = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")  # a date set back leaves its ctime
    if now is None or any(getattr(now, f) != getattr(before, f) for f in fields):
        raise OSError(errno.EBUSY, "another program changed or replaced the file while it was being copied", path)
