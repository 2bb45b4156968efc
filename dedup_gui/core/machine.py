"""What this computer gives our child processes: the memory budget of one decode, and death with their parent."""

from __future__ import annotations

import os
import signal
import sys

GIB = 1 << 30
# One image may use at most this much while it is decoded. 2 GiB holds any camera photo with room to spare (a
# 100 MP RGBA PNG needs about 1.3 GiB, a 50 MP RAW about 0.3 GiB); what needs more is a poster-sized render or a
# decompression bomb, and is refused with a message instead of risking the out-of-memory killer.
BUDGET_CAP = 2 * GIB
# Each image may use at least this much (when the machine has twice that free): all workers decoding a giant at
# once is rare, and a worker killed for it costs one re-run of that file alone, not the scan.
BUDGET_FLOOR = 1 * GIB


def available_memory() -> int:
    """Bytes of memory free for new work: MemAvailable (Linux), within a cgroup limit; else half the RAM."""
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        avail = None
    if avail is None:
        try:
            avail = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
        except (AttributeError, ValueError, OSError):
            avail = 8 * GIB
    return min(avail, _cgroup_room())


def _cgroup_room() -> int:
    """What a container's memory limit (cgroup v2) leaves; unlimited where there is none."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return 1 << 62
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            used = int(fh.read().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return 1 << 62


def decode_budget(workers: int, available: int | None = None) -> int:
    """Bytes one decode may use when `workers` processes decode side by side."""
    avail = available_memory() if available is None else available
    share = avail // (2 * max(1, workers))
    return int(min(BUDGET_CAP, max(share, min(BUDGET_FLOOR, avail // 2))))


def die_with_parent(parent: int | None = None) -> None:
    """Linux: this process is killed when its parent dies (even by kill -9), so no helper outlives a scan.

    With `parent`, exit at once when the parent is already gone (it may have died before the signal was armed).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)
