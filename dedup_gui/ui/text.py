"""Short human-readable texts shared by the widgets: sizes, durations, and folder names that tell folders apart."""

from __future__ import annotations

import os
from collections.abc import Sequence

from dedup_gui.core.describe import human_size

__all__ = ["folder_labels", "human_duration", "human_size"]


def human_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def folder_labels(folders: Sequence[str]) -> list[str]:
    """For each folder, the fewest trailing parts that tell it apart from the other folders given.

    ["/home/ann/Photos/2020", "/mnt/backup/Photos/2020", "/home/ann/Export"] gives
    ["ann/Photos/2020", "backup/Photos/2020", "Export"]: enough to see which copy is where, short enough for a
    column. The same folder twice gets the same label.
    """
    split = {f: f.rstrip(os.sep).split(os.sep) or [f] for f in folders}
    distinct = list(split)
    labels: dict[str, str] = {}
    for f, parts in split.items():
        others = [split[o] for o in distinct if o != f]
        k = 1
        while k < len(parts) and any(o[-k:] == parts[-k:] for o in others):
            k += 1
        labels[f] = os.sep.join(parts[-k:]) if k < len(parts) else (f.rstrip(os.sep) or f)
    return [labels[f] for f in folders]
