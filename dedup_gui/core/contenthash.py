"""Exact copies: files are compared by size, then a partial content hash, and fully hashed only on a tie."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import BinaryIO

import xxhash

from dedup_gui.core.types import FileRecord, Problem, ProblemKind

CHUNK = 64 * 1024
HASH_VERSION = 1  # bump when the way partial or full hashes are computed changes


class ContentError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _open_checked(record: FileRecord) -> BinaryIO:
    try:
        fh = open(record.path, "rb")  # noqa: SIM115 - closed by the caller's with
    except FileNotFoundError as exc:
        raise ContentError(Problem(record.path, ProblemKind.VANISHED, "file disappeared during the scan")) from exc
    except OSError as exc:
        raise ContentError(Problem(record.path, ProblemKind.UNREADABLE, f"cannot read: {exc.strerror}")) from exc
    if os.fstat(fh.fileno()).st_size != record.size:
        fh.close()
        raise ContentError(Problem(record.path, ProblemKind.CHANGED, "file changed during the scan"))
    return fh


def partial_hash(record: FileRecord) -> str:
    """Hash of the first and last 64 KiB: photos of equal size almost always differ there already."""
    with _open_checked(record) as fh:
        h = xxhash.xxh3_128()
        h.update(fh.read(CHUNK))
        if record.size > 2 * CHUNK:
            fh.seek(-CHUNK, os.SEEK_END)
        h.update(fh.read(CHUNK))
        return h.hexdigest()


def full_hash(record: FileRecord) -> str:
    """Hash of every byte, read in 1 MiB blocks; equal to hash_bytes() of the whole file."""
    with _open_checked(record) as fh:
        return _hash_stream(fh)


def content_hash(path: str) -> str:
    """xxh3_128 of every byte of a file by its path, as `full_hash` computes it (so it compares with the store's):
    the apply's checks, which read files the scan may not have recorded."""
    with open(path, "rb") as fh:
        return _hash_stream(fh)


def _hash_stream(fh: BinaryIO) -> str:
    """xxh3_128 of everything left in an open file, read in 1 MiB blocks."""
    h = xxhash.xxh3_128()
    while block := fh.read(1 << 20):
        h.update(block)
    return h.hexdigest()


def hash_bytes(data: bytes) -> str:
    """full_hash() of a file already read whole (the decode reads every byte anyway)."""
    return xxhash.xxh3_128_hexdigest(data)


def exact_copies(
    records: Iterable[FileRecord],
    *,
    cached: Callable[[FileRecord], tuple[str | None, str | None]],
    remember: Callable[[FileRecord, str | None, str | None], None],
    problems: list[Problem],
    tick: Callable[[int], None] = lambda n: None,
) -> dict[str, str]:
    """Map each path that has a byte-identical twin to its full content hash.

    `cached` returns (partial, full) hashes known for an unchanged file; `remember` stores new ones. Files of a
    unique size are never read here. Empty files are skipped: two empty files are not two copies of a photo.
    """
    by_size: dict[int, list[FileRecord]] = defaultdict(list)
    for r in records:
        if r.size > 0:
            by_size[r.size].append(r)
    content: dict[str, str] = {}
    for size_group in by_size.values():
        if len(size_group) < 2:
            tick(len(size_group))
            continue
        by_partial: dict[str, list[FileRecord]] = defaultdict(list)
        known_full: dict[str, str | None] = {}
        for r in size_group:
            part, full = cached(r)
            try:
                if part is None:
                    part = partial_hash(r)
                    remember(r, part, None)
            except ContentError as exc:
                problems.append(exc.problem)
                continue
            by_partial[part].append(r)
            known_full[r.path] = full
        for same in by_partial.values():
            if len(same) < 2:
                continue
            for r in same:
                full = known_full[r.path]
                try:
                    if full is None:
                        full = full_hash(r)
                        remember(r, None, full)
                except ContentError as exc:
                    problems.append(exc.problem)
                    continue
                content[r.path] = full
        tick(len(size_group))
    counts: dict[str, int] = defaultdict(int)
    for h in content.values():
        counts[h] += 1
    return {p: h for p, h in content.items() if counts[h] > 1}
