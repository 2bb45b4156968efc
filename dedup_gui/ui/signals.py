"""emit(): every Python-side signal emission goes through here, to work around a PySide6 reference bug.

PySide6 6.12's SignalInstance.emit() returns True without a new reference; each call made from Python takes one
reference from the True singleton, and the interpreter aborts once it reaches zero (Python 3.11's True is not
immortal: "bool_dealloc: deallocating True or False"). We detect the bug once and give the reference back.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    fired = Signal()


def _emit_steals_true() -> bool:
    if sys.version_info >= (3, 12):  # True is immortal there: the bug is harmless
        return False
    probe = _Probe()
    before = sys.getrefcount(True)
    probe.fired.emit()
    stolen = sys.getrefcount(True) < before
    if stolen:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))  # give back what the probe took
    return stolen


_STEALS = _emit_steals_true()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: SignalInstance, *args: Any) -> None:
    result = signal.emit(*args)
    if _STEALS and result is True:
        _incref(True)
