"""Pool work for the crash tests, importable by the worker processes: the real analyse(), except that a file named
kills-* makes its worker die the way the out-of-memory killer ends a process (SIGKILL)."""

from __future__ import annotations

import os
import signal
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
