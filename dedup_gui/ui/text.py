"""Short human-readable texts shared by the widgets: sizes, rates, durations."""

from __future__ import annotations

import os


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def short_path(path: str, parts: int = 2) -> str:
    """The last folders of a path: enough to tell copies apart in a narrow column."""
    pieces = path.rstrip(os.sep).split(os.sep)
    return os.sep.join(pieces[-parts:]) if len(pieces) > parts else path
