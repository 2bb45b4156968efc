"""Writes scan results to a file or standard output, in the formats of `core.export`."""

from __future__ import annotations

import sys
from pathlib import Path

from dedup_gui.core.describe import human_size
from dedup_gui.core.export import csv_text, json_text
from dedup_gui.core.types import ScanResult

__all__ = ["human_size", "write_csv", "write_json"]


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8", newline="")


def write_json(result: ScanResult, target: str) -> None:
    _write(target, json_text(result))


def write_csv(result: ScanResult, target: str) -> None:
    _write(target, csv_text(result))
