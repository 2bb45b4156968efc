"""Pool work for the crash tests, importable by the worker processes: the real analyse(), except that a file named
kills-* makes its worker die the way the out-of-memory killer ends a process (SIGKILL)."""

from __future__ import annotations

import os
import signal
import struct
import sys
from pathlib import Path

from dedup_gui.core.types import Problem
from dedup_gui.core.worker import Analysed, analyse


def analyse_or_die(job: tuple[str, int, bool]) -> Analysed | Problem:
    if Path(job[0]).name.startswith("kills-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return analyse(job)


def cv2_decode(path: str) -> tuple[int, ...]:
    """OpenCV inside a worker under its address-space ceiling."""
    import cv2

    img = cv2.imread(path)
    return tuple(img.shape)


def analyse_or_die_writing(job: tuple[str, int, bool]) -> Analysed | Problem:
    """A file named dies-writing-* kills its worker halfway through writing a result back, as an out-of-memory kill
    can land during a large write: the pool's result pipe is left holding a message that will never be complete.

    Done by hand so that it happens every time: the length of a 1 MB message and its first bytes are written into
    the pool's result pipe under the pipe's lock, as the pool's own put() does, and the worker dies there.
    """
    if Path(job[0]).name.startswith("dies-writing-"):
        frame = sys._getframe(1)
        while "result_queue" not in frame.f_locals:  # the pool's worker loop, which called us
            frame = frame.f_back  # type: ignore[assignment]
        queue = frame.f_locals["result_queue"]
        queue._wlock.acquire()
        os.write(queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"\x80" * 4096)
        os.kill(os.getpid(), signal.SIGKILL)
    return analyse(job)


_reserved: list[object] = []


def reserve_address_space(size: int) -> int:
    """Address space a worker keeps after a decode without using it, as codec threads' stacks and malloc arenas do
    (libheif's decoder threads left about 1 GB reserved): mapped and never touched, so no memory is used."""
    import mmap

    _reserved.append(mmap.mmap(-1, size, prot=mmap.PROT_READ))  # never read: no page is used
    return size


def analyse_then_use(job: tuple[str, int, bool], size: int) -> bool:
    """The real analyse(), then `size` bytes allocated and touched, as a decode within its budget would."""
    import numpy as np

    analyse(job)
    block = np.ones(size, dtype=np.uint8)
    return bool(block[-1] == 1)
