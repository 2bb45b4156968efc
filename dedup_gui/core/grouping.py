"""Turns confirmed pairs into groups without chaining unrelated photos (the keeper rules live in `keeper`).

The rule: a group is a star. Its anchor is the member with the most confirmed links (the original, usually); every
other member is confirmed against the anchor directly, and no two members may be incompatible (clearly different
by their own comparison). So A~B~C where A and C differ never puts A and C together: whichever joins B first
stays, the other is left out of that group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Link:
    """A confirmed pair of nodes and how strong the confirmation is (higher is stronger)."""

    a: int
    b: int
    strength: float


def star_groups(
    n: int,
    links: Iterable[Link],
    compatible: Callable[[int, int], bool],
    anchor_rank: Callable[[int], tuple],
) -> list[tuple[int, list[int]]]:
    """Groups of node ids as (anchor, members including the anchor), largest connected structures first.

    `anchor_rank` breaks ties between equally connected anchors (higher is better: the proposed keeper).
    """
    adj: dict[int, dict[int, float]] = defaultdict(dict)
    for link in links:
        if link.a == link.b:
            continue
        best = max(link.strength, adj[link.a].get(link.b, float("-inf")))
        adj[link.a][link.b] = best
        adj[link.b][link.a] = best
    groups: list[tuple[int, list[int]]] = []
    seen: set[int] = set()
    for start in sorted(adj):  # one connected component at a time: the greedy choice never looks further
        if start in seen:
            continue
        component, todo = {start}, [start]
        while todo:
            for u in adj[todo.pop()]:
                if u not in component:
                    component.add(u)
                    todo.append(u)
        seen |= component
        groups += _stars_in(component, adj, compatible, anchor_rank)
    return groups


def _stars_in(
    free: set[int],
    adj: dict[int, dict[int, float]],
    compatible: Callable[[int, int], bool],
    anchor_rank: Callable[[int], tuple],
) -> list[tuple[int, list[int]]]:
    """Stars of one connected component: take the best-connected anchor, its compatible neighbours, repeat."""
    groups: list[tuple[int, list[int]]] = []
    while free:
        anchor = max(free, key=lambda v: (sum(1 for u in adj[v] if u in free), anchor_rank(v), -v))
        members = [anchor]
        for u, _ in sorted(((u, s) for u, s in adj[anchor].items() if u in free), key=lambda t: (-t[1], t[0])):
            if all(compatible(u, m) for m in members[1:]):
                members.append(u)
        if len(members) < 2:
            free.discard(anchor)
            continue
        free.difference_update(members)
        groups.append((anchor, members))
    return groups
