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
    free = set(adj)
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


def keeper_key(m: Member) -> tuple:
    """Sort key of the keeper rules, best first when sorted ascending."""
    info = m.info
    pixels = info.pixels if info else 0
    fmt = FORMAT_PREFERENCE.get(info.format, 0) if info else 0
    taken = info.taken if info and info.taken else "9999"
    return (not m.protected, -pixels, -fmt, -m.size, taken, len(m.path), m.path)


def propose_keeper(members: Sequence[Member]) -> tuple[str, str]:
    """The copy to keep by the ranked rules, with a one-line reason naming the rule that decided."""
    ranked = sorted(members, key=keeper_key)
    best = ranked[0]
    if len(ranked) == 1:
        return best.path, "only copy"
    second = ranked[1]
    kb, ks = keeper_key(best), keeper_key(second)
    reasons = (
        "in a protected folder",
        f"most pixels ({best.info.width} x {best.info.height})" if best.info else "most pixels",
        f"preferred format ({best.info.format})" if best.info else "preferred format",
        "largest file",
        "oldest date taken",
        "shortest path",
        "first by name",
    )
    for i, reason in enumerate(reasons):
        if kb[i] != ks[i]:
            return best.path, reason
    return best.path, "identical copies: first by name"
