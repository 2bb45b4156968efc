"""Turns confirmed pairs into groups without chaining unrelated photos (the keeper rules live in `keeper`).

The rule: a group is a star. Its anchor is the member with the most confirmed links (the original, usually); every
other member is confirmed against the anchor (directly, or verified on demand when it was matched through another
member), and no two members may be incompatible (clearly different by their own comparison). So A~B~C where A and C
differ never puts A and C together: whichever joins B first stays, the other is left out of that group.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dedup_gui.core import collector


@dataclass(frozen=True, slots=True)
class Link:
    """A confirmed pair of nodes and how strong the confirmation is (higher is stronger)."""

    a: int
    b: int
    strength: float
    a_holds_b: bool = True  # a shows all of b (b is a copy or a crop of a, not a picture with more around it)
    b_holds_a: bool = True
    copy: bool = True  # a copy's tie (exact or same photo), not another shot's


@dataclass(frozen=True, slots=True)
class Star:
    """One group: its anchor, its members (anchor first), and for a member that is not linked to the anchor
    directly, the member it was reached through."""

    anchor: int
    members: list[int]
    via: dict[int, int] = field(default_factory=dict)


Compatible = Callable[[int, int, int], bool]  # (anchor, u, member): may u join the anchor's group beside member?


class _Highest:
    """A node under the key it had when pushed, the highest key first in a heapq."""

    __slots__ = ("key", "node")

    def __init__(self, key: tuple, node: int) -> None:
        self.key, self.node = key, node

    def __lt__(self, other: _Highest) -> bool:
        return self.key > other.key


def star_groups(
    n: int,
    links: Iterable[Link],
    compatible: Compatible,
    anchor_rank: Callable[[int], tuple],
    confirm: Callable[[int, int, int], bool] | None = None,
) -> list[Star]:
    """Groups of node ids, largest connected structures first.

    The anchor is the photo itself rather than a frame around it or a crop of it: the node with the most copies
    in the same framing (a screenshot or a bordered copy shows every other member inside its frame, a crop shows
    less than all of them); then the best connected; then the one that shows all of the most others; then
    `anchor_rank` (higher is better: the proposed keeper).

    `confirm(anchor, u, member)`, when given, admits a node linked only to another member: it says whether u is
    the same photo as the anchor too (verifying the pair on demand). Without it a group holds the anchor's links only.
    """
    adj: dict[int, dict[int, float]] = defaultdict(dict)
    holds: set[tuple[int, int]] = set()
    copies: dict[int, set[int]] = defaultdict(set)
    for link in collector.settling(links):  # 100k photos' links: out of each full collection's walk (collector.py)
        if link.a == link.b:
            continue
        if link.copy:
            copies[link.a].add(link.b)
            copies[link.b].add(link.a)
        best = max(link.strength, adj[link.a].get(link.b, float("-inf")))
        adj[link.a][link.b] = best
        adj[link.b][link.a] = best
        holds |= {(link.a, link.b)} if link.a_holds_b else set()
        holds |= {(link.b, link.a)} if link.b_holds_a else set()
    groups: list[Star] = []
    seen: set[int] = set()
    for start in collector.settling(sorted(adj)):  # one connected component at a time: the greedy choice never
        if start in seen:  # looks further
            continue
        component, todo = {start}, [start]
        while todo:
            for u in adj[todo.pop()]:
                if u not in component:
                    component.add(u)
                    todo.append(u)
        seen |= component
        groups += _stars_in(component, adj, holds, copies, compatible, anchor_rank, confirm)
    return groups


def _stars_in(
    free: set[int],
    adj: dict[int, dict[int, float]],
    holds: set[tuple[int, int]],
    copies: dict[int, set[int]],
    compatible: Compatible,
    anchor_rank: Callable[[int], tuple],
    confirm: Callable[[int, int, int], bool] | None,
) -> list[Star]:
    """Stars of one connected component: take the anchor, its compatible neighbours, then (with `confirm`) the
    nodes linked to those neighbours that the anchor confirms; repeat with what is left.

    A node tied to the group only as another shot stays with its own copies: it does not join while a copy of it
    outside the group could not join too (a square crop of one photo, taken as "the same view in other light" of
    another photo's group, would leave its own original's group)."""
    groups: list[Star] = []

    def key(v: int) -> tuple:
        near = [u for u in adj[v] if u in free]
        same = sum(1 for u in near if (v, u) in holds and (u, v) in holds)
        return (same, len(near), sum(1 for u in near if (v, u) in holds), anchor_rank(v), -v)

    # the anchor is the free node of highest key. A key only falls as nodes leave `free`, so the top of a heap of
    # keys as pushed is the highest once its key is the same now (else it goes back under its key now): a
    # component of 10,000 nodes is not keyed again in full for each of its stars
    heap = [_Highest(key(v), v) for v in free]
    heapq.heapify(heap)
    while free:
        top = heapq.heappop(heap)
        if top.node not in free:
            continue
        now = key(top.node)
        if now != top.key:
            heapq.heappush(heap, _Highest(now, top.node))
            continue
        anchor = top.node
        members, via = [anchor], {}
        # the anchor's own links first (strongest first), then links reached through a member
        queue = [(0, -s, u, anchor) for u, s in adj[anchor].items() if u in free]
        heapq.heapify(queue)
        tried = {anchor}
        while queue:
            _, _, u, through = heapq.heappop(queue)
            if u in tried:
                continue
            tried.add(u)
            if not all(compatible(anchor, u, m) for m in members[1:]):
                continue
            if not any(m in copies[u] for m in members) and any(
                not all(compatible(anchor, w, m) for m in members) for w in copies[u] if w in free and w not in members
            ):
                continue
            if through != anchor:
                if confirm is None or not confirm(anchor, u, through):
                    continue
                via[u] = through
            members.append(u)
            for w, s in adj[u].items():
                if w in free and w not in tried:
                    heapq.heappush(queue, (1, -s, w, u))
        if len(members) < 2:
            free.discard(anchor)
            continue
        free.difference_update(members)
        groups.append(Star(anchor, members, via))
    return groups
