"""Freed memory goes back to the system: a scan's RSS follows what it uses, not what it once used."""

from __future__ import annotations

import sys

import pytest

from dedup_gui.core import heap


def _rss() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_memory_freed_between_live_blocks_is_returned() -> None:
    blocks = [bytearray(b"x" * 8000) for _ in range(25_000)]  # 200 MB in the allocator's arena, not mapped alone
    kept = blocks[::16]  # one block in 16 stays: the freed ones lie between them, so the heap cannot shrink
    del blocks
    before = _rss()
    assert heap.give_back()
    assert before - _rss() > 100 << 20
    assert len(kept) == 1563
