"""Turns confirmed pairs into groups without chaining unrelated photos, and proposes which copy to keep.

The rule: a group is a star. Its anchor is the member with the most confirmed links (the original, usually); every
other member is confirmed against the anchor directly, and no two members may be incompatible (clearly different
by their own comparison). So A~B~C where A and C differ never puts A and C together: whichever joins B first
stays, the other is left out of that group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dedup_gui.core.config import KEEPER_RULE_NAMES
from dedup_gui.core.types import Member

FORMAT_PREFERENCE = {"DNG": 3, "TIFF": 2, "HEIF": 1, "PNG": 1}  # a lossless or richer original beats a JPEG


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
