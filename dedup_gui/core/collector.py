"""Python's cyclic garbage collector kept off what a scan has already built.

A scan holds hundreds of thousands of small objects for minutes (a verdict per candidate pair, a record per
file). Each full collection walks every one of them while holding the GIL, and the window's thread waits for the
GIL: on a simulated 10,000-photo library ten full collections took up to 111 ms, and the window stalled as long
(100,000 photos would make it about a second). Inside `held_off`, `settle` moves everything that exists out of the
collector's reach (CPython's `gc.freeze`, a constant-time list move), so a collection walks only what was made
since the last step. When the outermost `held_off` ends everything goes back: what the scan no longer needs has
been freed by reference counting by then, and any cycles among the rest are collected as usual.

Freeing is the other half: when a scan of 100,000 photos returned, its records, contents and verdicts were freed
in one go, which held the GIL for about 250 ms (the window froze as long after a cancel). `release` empties such
containers a slice at a time and lets other threads in between slices.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# items freed per slice: a photo's content is about 15 objects, so a slice takes about a millisecond
_SLICE = 1000

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


def settling(items: Iterable[T], every: int = 1024) -> Iterator[T]:
    """The items, with a `settle` before each `every`-th: for a loop that builds a large result item by item."""
    for n, item in enumerate(items):
        if n % every == every - 1:
            settle()
        yield item


def keep() -> None:
    """What exists now lives as long as the process, as the window's loaded result does: never walk it again.

    Unlike `settle`, it stays out of reach once this returns (gc.freeze): the window holds a 100k library's
    result, about a million objects, for as long as it is open, and each full collection walked all of them
    (65-98 ms, the window frozen as long). Objects freed by reference counting are still freed; only cycles
    that exist now and die later are never collected. No-op inside `held_off`, whose end would give all back.
    """
    with _lock:
        if not _depth:
            gc.freeze()


def release(*containers: list[Any] | dict[Any, Any] | set[Any]) -> None:
    """Empty these containers a slice at a time, offering the GIL to other threads after each slice (what their
    items hold is freed then, unless something else still holds it)."""
    for c in containers:
        while c:
            if isinstance(c, list):
                del c[-_SLICE:]
            elif isinstance(c, dict):
                for _ in range(min(_SLICE, len(c))):
                    c.popitem()
            else:
                for _ in range(min(_SLICE, len(c))):
                    c.pop()
            time.sleep(0)  # drops the GIL: a thread that has waited for it (the window's) takes it now


def release_parsed(data: dict[str, Any], *more: list[Any] | dict[Any, Any] | set[Any]) -> None:
    """`release` for a parsed result (the stored JSON's dict): its lists are what holds 100k photos' rows."""
    release(*more, *(v for v in data.values() if isinstance(v, list)))
