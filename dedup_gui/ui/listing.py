"""Listing: the groups in the order the list shows them, with the indexes the window keeps over them.

Built on the store thread, beside the load it follows: at 18,000 groups sorting, the path index and the size index
cost the UI thread 80-120 ms in one turn. Nothing here touches a widget or a model; the window takes the finished
listing as it is, and sorts again itself only if the person chose another order while it was being built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dedup_gui.core.review import TRASH
from dedup_gui.core.types import Group
from dedup_gui.ui.group_columns import COLUMNS, RowContext


@dataclass(frozen=True, slots=True)
class Order:
    """The column the groups are sorted by, and which way."""

    column: int
    descending: bool


class SortKeys:
    """Every column's sort key of every group, made once per listing, so that a click on a column title only
    sorts numbers and strings already made: at 18,000 groups making the keys of the Match or Date column took
    30-40 ms of the click's event-loop turn, the sort itself a few. A listing built on the store thread has them
    all (`fill`); one built on the UI thread (a removal) makes a column's keys at its first sort. The Decision
    column's keys follow the decisions and are made at every sort."""

    def __init__(self, groups: list[Group]) -> None:
        self._groups = sorted(groups, key=lambda g: g.keeper)  # ties keep this order whichever way a column sorts
        self._keys: dict[int, list[Any]] = {}

    def fill(self) -> SortKeys:
        for n, column in enumerate(COLUMNS):
            if not column.live:
                self._column(n, lambda _path: None)
        return self

    def _column(self, n: int, decision: Callable[[str], str | None]) -> list[Any]:
        keys = self._keys.get(n)
        if keys is None:
            key = COLUMNS[n].sort_key
            ctx = RowContext(decision, lambda _group, _path: "")  # no sort key reads folder labels (per view)
            keys = [key(g, ctx) for g in self._groups]
            if not COLUMNS[n].live:
                self._keys[n] = keys
        return keys

    def sorted(self, order: Order, decision: Callable[[str], str | None]) -> list[Group]:
        """The groups in this order (a new list)."""
        keys = self._column(order.column, decision)
        rows = sorted(range(len(keys)), key=keys.__getitem__, reverse=order.descending)  # stable, also reversed
        return [self._groups[r] for r in rows]


@dataclass(frozen=True, slots=True)
class Listing:
    groups: list[Group]  # sorted by `order`; the model that shows it owns the list from then on
    order: Order
    keys: SortKeys  # for sorting again by any column
    where: dict[str, tuple[int, int]]  # path -> (id of its group, member row)
    sizes: dict[str, int]  # path -> size of every member shown (what a trash mark adds to the total)
    files: int  # members in all groups
    reclaimable: int  # bytes freed if every group kept only its keeper
    trashed: tuple[int, int]  # files marked for the trash among the members, and their bytes


def build(
    groups: tuple[Group, ...] | list[Group], order: Order, decisions: Mapping[str, str], *, every_key: bool = True
) -> Listing:
    """Everything the list needs from a load, counted once; `every_key` makes every column's sort keys now (off the
    UI thread), not at each column's first sort."""
    keys = SortKeys(list(groups))
    if every_key:
        keys.fill()
    shown = keys.sorted(order, decisions.get)
    where = {m.path: (id(g), r) for g in shown for r, m in enumerate(g.members)}
    sizes = {m.path: m.size for g in shown for m in g.members}
    trashed = [sizes[p] for p, d in decisions.items() if d == TRASH and p in sizes]
    return Listing(
        shown,
        order,
        keys,
        where,
        sizes,
        files=sum(len(g.members) for g in shown),
        reclaimable=sum(g.reclaimable_bytes for g in shown),
        trashed=(len(trashed), sum(trashed)),
    )
