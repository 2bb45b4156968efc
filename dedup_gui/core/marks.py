"""Keep/trash marks that outlive what they were made on.

A mark is stored by path, and the user made it seeing a group: "trash this half-size copy, the original stays".
When a rescan finds a file of that group changed in place (another picture saved under its name, the keeper
edited into a crop) or gone for reasons of its own (deleted by hand, not by an apply), the marks of the group
no longer say what the user meant: the file at a path may be another photo, and what stays may be another shot.
Such marks are dropped at the end of the rescan, so the group comes back undecided; everywhere else they stay.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from dedup_gui.core.types import Group

TRASH = "trash"


def stale_marks(
    groups: Iterable[Group],
    changed: Collection[str],
    vanished: Collection[str],
    decisions: Mapping[str, str],
) -> list[str]:
    """Paths whose marks no longer hold: every changed or vanished file's own (a file moved later to a vanished
    file's path must not find its mark there), and the trash marks of each group (before or after the rescan:
    `groups` holds both) with a changed file, or a vanished one not itself marked trash."""
    if not decisions or not (changed or vanished):
        return []
    shaken = set(changed) | {p for p in vanished if decisions.get(p) != TRASH}
    out = {p for p in (*changed, *vanished) if p in decisions}
    for g in groups:
        paths = g.paths
        if shaken.intersection(paths):
            out |= {p for p in paths if decisions.get(p) == TRASH}
    return sorted(out)
