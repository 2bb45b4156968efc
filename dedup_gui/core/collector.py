"""Python's cyclic garbage collector kept off what a scan has already built.

A scan holds hundreds of thousands of small objects for minutes (a verdict per candidate pair, a record per
file). Each full collection walks every one of them while holding the GIL, and the window's thread waits for the
GIL: on a simulated 10,000-photo library ten full collections took up to 111 ms, and the window stalled as long
(100,000 photos would make it about a second). Inside `held_off`, `settle` moves everything that exists out of the
collector's reach (CPython's `gc.freeze`, a constant-time list move), so a collection walks only what was made
since the last step. When the outermost `held_off` ends everything goes back: what the scan no longer needs has
been freed by reference counting by then, and any cycles among the rest are collected as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0


@contextmanager
def held_off() -> Iterator[None]:
    """For the length of a long stage of work (a scan); may nest and may run on any thread."""
    global _depth
    with _lock:
        _depth += 1
        gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()


def settle() -> None:
    """Between steps of a long stage: what exists now is never walked again until the stage ends (no-op outside)."""
    with _lock:  # never after the outermost stage ended: what it froze would stay out of reach for good
        if _depth:
            gc.freeze()
