"""Guards against a reference-count bug of PySide6 6.12 on Python 3.11, and emit() for Python-side signals.

PySide6 6.12.0 returns None from every void method (setText, update, addWidget, processEvents, ...) and True from
SignalInstance.emit() without a new reference. Each call takes one reference from the singleton; Python 3.11's
None and True are not immortal, so after a few thousand calls the interpreter aborts ("none_dealloc: deallocating
None") or crashes in whichever thread touches the freed object next. That was the Compare view's crash: opening
a 10-copy dialog makes hundreds of void calls (layouts, labels, every paint), and after enough opens the pool
threads decoding the pictures were simply where the dead None was touched first.

Python 3.12 made these singletons immortal (PEP 683) for exactly this reason, and PySide6 6.11 does not have the
bug. Where the bug is seen (a probe at import), we do what 3.12 does: give None, True and False so many references
(2**60) that no number of stolen ones can ever free them. Nothing else changes: the objects are never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

PROBE_CALLS = 64
IMMORTAL_MARGIN = 1 << 60  # references added: at a million stolen per second, lasts about 36,000 years


class _Probe(QObject):
    fired = Signal()


def _stolen(obj: object, call: Any) -> bool:
    """Whether `call` takes a reference from `obj` each time (a margin for unrelated changes meanwhile)."""
    before = sys.getrefcount(obj)
    for _ in range(PROBE_CALLS):
        call()
    return before - sys.getrefcount(obj) >= PROBE_CALLS // 2


def _immortalise(obj: object) -> None:
    """Add IMMORTAL_MARGIN to the object's reference count (ob_refcnt is the first field of every CPython object)."""
    refcount = ctypes.c_ssize_t.from_address(id(obj))
    refcount.value += IMMORTAL_MARGIN


def guard_singletons() -> list[str]:
    """Make None, True and False immortal if this PySide6 steals references to them; returns what was guarded."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":  # immortal there already
        return []
    probe = _Probe()
    guarded: list[str] = []
    if _stolen(None, lambda: probe.setObjectName("probe")):
        guarded.append("None")
    if _stolen(True, probe.fired.emit):
        guarded += ["True", "False"]
    for name in guarded:
        _immortalise({"None": None, "True": True, "False": False}[name])
    return guarded


GUARDED = guard_singletons()


def emit(signal: SignalInstance, *args: Any) -> None:
    """Emit a Python-side signal (kept as one call site for every emission, should another workaround be needed)."""
    signal.emit(*args)
