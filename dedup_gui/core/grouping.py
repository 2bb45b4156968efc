"""Turns confirmed pairs into groups without chaining unrelated photos, and proposes which copy to keep.

The rule: a group is a star. Its anchor is the member with the most confirmed links (the original, usually); every
other member is confirmed against the anchor (directly, or verified on demand when it was matched through another
member), and no two members may be incompatible (clearly different by their own comparison). So A~B~C where A and C
differ never puts A and C together: whichever joins B first stays, the other is left out of that group.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from dedup_gui.core.config import KEEPER_RULE_NAMES
from dedup_gui.core.types import Member

FORMAT_PREFERENCE = {"DNG": 3, "TIFF": 2, "HEIF": 1, "PNG": 1}  # a lossless or richer original beats a JPEG


@dataclass(frozen=True, slots=True)
class Link:
    """A confirmed pair of nodes and how strong the confirmation is (higher is stronger)."""

    a: int
    b: int
    strength: float
    a_holds_b: bool = True  # a shows all of b (b is a copy or a crop of a, not a picture with more around it)
    b_holds_a: bool = True


@dataclass(frozen=True, slots=True)
class Star:
    """One group: its anchor, its members (anchor first), and for a member that is not linked to the anchor
    directly, the member it was reached through."""

    anchor: int
    members: list[int]
    via: dict[int, int] = field(default_factory=dict)


Compatible = Callable[[int, int, int], bool]  # (anchor, u, member): may u join the anchor's group beside member?


def star_groups(
    n: int,
    links: Iterable[Link],
    compatible: Compatible,
    anchor_rank: Callable[[int], tuple],
    confirm: Callable[[int, int], bool] | None = None,
) -> list[Star]:
    """Groups of node ids, largest connected structures first.

    The anchor is the photo itself rather than a frame around it or a crop of it: the node with the most copies
    in the same framing (a screenshot or a bordered copy shows every other member inside its frame, a crop shows
    less than all of them); then the best connected; then the one that shows all of the most others; then
    `anchor_rank` (higher is better: the proposed keeper).

    `confirm(anchor, u)`, when given, admits a node linked only to another member: it says whether u is the same
    photo as the anchor too (verifying the pair on demand). Without it a group holds the anchor's links only.
    """
    adj: dict[int, dict[int, float]] = defaultdict(dict)
    holds: set[tuple[int, int]] = set()
    for link in links:
        if link.a == link.b:
            continue
        best = max(link.strength, adj[link.a].get(link.b, float("-inf")))
        adj[link.a][link.b] = best
        adj[link.b][link.a] = best
        holds |= {(link.a, link.b)} if link.a_holds_b else set()
        holds |= {(link.b, link.a)} if link.b_holds_a else set()
    groups: list[Star] = []
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
        groups += _stars_in(component, adj, holds, compatible, anchor_rank, confirm)
    return groups


def _stars_in(
    free: set[int],
    adj: dict[int, dict[int, float]],
    holds: set[tuple[int, int]],
    compatible: Compatible,
    anchor_rank: Callable[[int], tuple],
    confirm: Callable[[int, int], bool] | None,
) -> list[Star]:
    """Stars of one connected component: take the anchor, its compatible neighbours, then (with `confirm`) the
    nodes linked to those neighbours that the anchor confirms; repeat with what is left."""
    groups: list[Star] = []
    while free:

        def key(v: int) -> tuple:
            near = [u for u in adj[v] if u in free]
            same = sum(1 for u in near if (v, u) in holds and (u, v) in holds)
            return (same, len(near), sum(1 for u in near if (v, u) in holds), anchor_rank(v), -v)

        anchor = max(free, key=key)
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
            if through != anchor:
                if confirm is None or not confirm(anchor, u):
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


# The keeper rules by name, in their default order: each maps a member to a sort key (smaller is better) and to the
# reason shown when it decides. A protected copy first; then the richest copy (pixels, a lossless or original
# format over a JPEG export); then the largest file, the oldest date taken and the shortest path.
KEEPER_RULES: dict[str, tuple[Callable[[Member], object], Callable[[Member], str]]] = {
    "reference-folder": (lambda m: not m.protected, lambda m: "in a protected folder"),
    "resolution": (
        lambda m: -(m.info.pixels if m.info else 0),
        lambda m: f"most pixels ({m.info.width} x {m.info.height})" if m.info else "most pixels",
    ),
    "format": (
        lambda m: -(FORMAT_PREFERENCE.get(m.info.format, 0) if m.info else 0),
        lambda m: f"preferred format ({m.info.format})" if m.info else "preferred format",
    ),
    "file-size": (lambda m: -m.size, lambda m: "largest file"),
    "date": (lambda m: m.info.taken if m.info and m.info.taken else "9999", lambda m: "oldest date taken"),
    "path": (lambda m: len(m.path), lambda m: "shortest path"),
}
DEFAULT_KEEPER_RULES = KEEPER_RULE_NAMES


def keeper_key(m: Member, rules: Sequence[str] = DEFAULT_KEEPER_RULES) -> tuple:
    """Sort key of the keeper rules in the given order, best first when sorted ascending; the name breaks ties."""
    return (*(KEEPER_RULES[r][0](m) for r in rules), m.path)


def propose_keeper(members: Sequence[Member], rules: Sequence[str] = DEFAULT_KEEPER_RULES) -> tuple[str, str]:
    """The copy to keep by the ranked rules, with a one-line reason naming the rule that decided."""
    ranked = sorted(members, key=lambda m: keeper_key(m, rules))
    best = ranked[0]
    if len(ranked) == 1:
        return best.path, "only copy"
    kb, ks = keeper_key(best, rules), keeper_key(ranked[1], rules)
    for i, rule in enumerate(rules):
        if kb[i] != ks[i]:
            return best.path, KEEPER_RULES[rule][1](best)
    return best.path, "identical copies: first by name"
