"""Writes scan results as JSON (readable by the evaluation scorer) or CSV (one row per group member)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from dedup_gui.core.serialize import result_to_dict
from dedup_gui.core.types import ScanResult

CSV_FIELDS = (
    "group",
    "tier",
    "keeper",
    "path",
    "size",
    "width",
    "height",
    "format",
    "taken",
    "camera",
    "protected",
    "method",
    "score",
    "evidence",
)


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8")


def write_json(result: ScanResult, target: str) -> None:
    _write(target, json.dumps(result_to_dict(result), indent=1, ensure_ascii=False) + "\n")


def csv_rows(result: ScanResult) -> list[dict[str, Any]]:
    rows = []
    for n, g in enumerate(result.groups, 1):
        for m in g.members:
            ev = m.evidence
            rows.append(
                {
                    "group": n,
                    "tier": g.tier.value,
                    "keeper": int(m.path == g.keeper),
                    "path": m.path,
                    "size": m.size,
                    "width": m.info.width if m.info else "",
                    "height": m.info.height if m.info else "",
                    "format": m.info.format if m.info else "",
                    "taken": (m.info.taken or "") if m.info else "",
                    "camera": (m.info.camera or "") if m.info else "",
                    "protected": int(m.protected),
                    "method": ev.method if ev else "",
                    "score": ev.score if ev else "",
                    "evidence": ev.description if ev else g.keeper_reason,
                }
            )
    return rows


def write_csv(result: ScanResult, target: str) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(csv_rows(result))
    _write(target, buf.getvalue())


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
