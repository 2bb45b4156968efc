"""Listing: the groups in the order the list shows them, with the indexes the window keeps over them.

Built on the store thread, beside the load it follows: at 18,000 groups sorting, the path index and the size index
cost the UI thread 80-120 ms in one turn. Nothing here touches a widget or a model; the window takes the finished
listing as it is, and sorts again itself only if the person chose another order while it was being built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dedup_gui.core.review import TRASH
from dedup_gui.core.types import Group
from dedup_gui.ui.group_columns import COLUMNS, RowContext


@dataclass(frozen=True, slots=True)
class Order:
    """The column the groups are sorted by, and which way."""

    column: int
    descending: bool


@dataclass(frozen=True, slots=True)
class Listing:
    groups: list[Group]  # sorted by `order`; the model that shows it owns the list from then on
    order: Order
    where: dict[str, tuple[int, int]]  # path -> (id of its group, member row)
    sizes: dict[str, int]  # path -> size of every member shown (what a trash mark adds to the total)
    files: int  # members in all groups
    reclaimable: int  # bytes freed if every group kept only its keeper
    trashed: tuple[int, int]  # files marked for the trash among the members, and their bytes


def sort_groups(groups: list[Group], order: Order, decision: Callable[[str], str | None]) -> None:
    """Sort in place by the column's key; ties keep the keeper's path order whichever way the column sorts."""
    key = COLUMNS[order.column].sort_key
    ctx = RowContext(decision, lambda _group, _path: "")  # no sort key reads folder labels (they are per view)
    groups.sort(key=lambda g: g.keeper)
    groups.sort(key=lambda g: key(g, ctx), reverse=order.descending)


def build(groups: tuple[Group, ...] | list[Group], order: Order, decisions: Mapping[str, str]) -> Listing:
    """Everything the list needs from a load, counted once."""
    shown = list(groups)
    sort_groups(shown, order, decisions.get)
    where = {m.path: (id(g), r) for g in shown for r, m in enumerate(g.members)}
    sizes = {m.path: m.size for g in shown for m in g.members}
    trashed = [sizes[p] for p, d in decisions.items() if d == TRASH and p in sizes]
    return Listing(
        shown,
        order,
        where,
        sizes,
        files=sum(len(g.members) for g in shown),
        reclaimable=sum(g.reclaimable_bytes for g in shown),
        trashed=(len(trashed), sum(trashed)),
    )
