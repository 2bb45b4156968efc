"""Groups from confirmed links: star groups expanded to every exact copy, a proposed keeper, evidence per member."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content, hash_evidence
from dedup_gui.core.grouping import Link, star_groups
from dedup_gui.core.hashing import hamming
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES, keeper_key, propose_keeper
from dedup_gui.core.types import FileRecord, Group, Member, PairEvidence, Tier

# Two members of one group must not be clearly different photos: embeddings this far apart are. Each member is
# already confirmed against the group's anchor, so this only has to catch the clearly unrelated.
COMPATIBLE_COSINE = 0.5


def _best_cosine(a: Content, b: Content) -> float:
    """Cosine of two contents, over their extra queries too (a rotated copy is close only to a rotated query)."""
    assert a.vector is not None and b.vector is not None
    best = float(a.vector @ b.vector)
    for q, v in ((a.queries, b.vector), (b.queries, a.vector)):
        if q is not None:
            best = max(best, float((q @ v).max()))
    return best


def _compatible(
    contents: list[Content], linked: set[tuple[int, int]], rejected: set[tuple[int, int]], radius: int
) -> Callable[[int, int], bool]:
    """May i and j share a group? Not when verified as a weaker tier than the mode admits (another shot of the
    scene in near mode), nor when clearly different by hashes and embeddings; yes when directly confirmed."""

    def compatible(i: int, j: int) -> bool:
        if (i, j) in rejected:
            return False
        if (i, j) in linked:
            return True
        a, b = contents[i], contents[j]
        if a.phash is None or b.phash is None or a.info is None or b.info is None:
            return False
        if a.info.uniform or b.info.uniform:
            return False
        if a.vector is not None and b.vector is not None and _best_cosine(a, b) >= COMPATIBLE_COSINE:
            return True
        return int(hamming(a.phash[0], b.phash).min()) <= radius

    return compatible


def apart_pairs(
    contents: list[Content], full_hashes: dict[int, str], not_dups: set[tuple[str, str]]
) -> set[tuple[int, int]]:
    """Content index pairs the user marked "not duplicates", found by content hash (so moves and rescans keep it)."""
    if not not_dups:
        return set()
    by_hash: dict[str, list[int]] = {}
    for i, c in enumerate(contents):
        h = next((full_hashes[f] for f in c.file_ids if f in full_hashes), None)
        if h is not None:
            by_hash.setdefault(h, []).append(i)
    return {(i, j) for a, b in not_dups for i in by_hash.get(a, ()) for j in by_hash.get(b, ())}


def build_groups(
    contents: list[Content],
    links: list[tuple[int, int, PairEvidence]],
    records: list[FileRecord],
    config: ScanConfig,
    apart: set[tuple[int, int]] | None = None,
) -> list[Group]:
    """Star groups over the links the mode admits, expanded to every exact copy, with a proposed keeper.

    `apart` holds content pairs the user said are not duplicates: they are never linked nor grouped together.
    """
    by_path = {r.path: r for r in records}
    tiers = config.mode.tiers
    rules = config.keeper_rules or DEFAULT_KEEPER_RULES
    apart = {p for a, b in apart or () for p in ((a, b), (b, a))}
    admitted = [(a, b, ev) for a, b, ev in links if ev.tier in tiers and (a, b) not in apart]
    evidence = {(a, b): ev for a, b, ev in admitted} | {(b, a): ev for a, b, ev in admitted}
    rejected = {p for a, b, ev in links if ev.tier not in tiers for p in ((a, b), (b, a))} | apart
    compatible = _compatible(contents, set(evidence), rejected, config.hashes.compatible_phash)

    def member(path: str, c: Content) -> Member:
        r = by_path[path]
        return Member(path, r.size, r.protected, c.info, None)

    linked = sorted({i for a, b, _ in admitted for i in (a, b)})
    best_first = sorted(linked, key=lambda i: min(keeper_key(member(p, contents[i]), rules) for p in contents[i].paths))
    keeper_rank = {i: -n for n, i in enumerate(best_first)}

    def anchor_rank(i: int) -> tuple:
        """Among equally connected candidates, the anchor is the one the keeper rules prefer."""
        return (keeper_rank.get(i, -len(best_first)),)

    links_ = [Link(a, b, ev.score + (1.0 if ev.tier is Tier.EXACT else 0.0)) for a, b, ev in admitted]
    stars = star_groups(len(contents), links_, compatible, anchor_rank)
    in_star = {i for _, members in stars for i in members}
    # byte-identical copies of a content that matched nothing else still form a group of their own
    stars += [(i, [i]) for i, c in enumerate(contents) if len(c.paths) > 1 and c.info is not None and i not in in_star]
    groups: list[Group] = []
    for anchor, node_ids in stars:
        members = [member(p, contents[i]) for i in node_ids for p in contents[i].paths]
        keeper_path, reason = propose_keeper(members, rules)
        keeper_node = next(i for i in node_ids if keeper_path in contents[i].paths)
        final: list[Member] = []
        tier = Tier.EXACT
        for i in node_ids:
            for p in contents[i].paths:
                m = member(p, contents[i])
                if p == keeper_path:
                    final.append(m)
                    continue
                if i == keeper_node:
                    ev = PairEvidence(keeper_path, p, Tier.EXACT, 1.0, "bytes", description="same bytes")
                else:
                    ev = _relative_to_keeper(contents, keeper_node, i, p, evidence, anchor)
                if ev.tier.rank > tier.rank:
                    tier = ev.tier
                final.append(Member(m.path, m.size, m.protected, m.info, ev))
        final.sort(key=lambda m: (m.path != keeper_path, m.path))
        groups.append(Group(tier, keeper_path, reason, tuple(final)))
    groups.sort(key=lambda g: (-g.reclaimable_bytes, g.keeper))
    return groups


def _relative_to_keeper(
    contents: list[Content],
    keeper: int,
    i: int,
    path: str,
    evidence: dict[tuple[int, int], PairEvidence],
    anchor: int,
) -> PairEvidence:
    """Evidence that member i is a copy of the keeper, oriented keeper -> member (transform, distance, text).

    The confirming link is the direct one when it exists, else the member's link to the group's anchor.
    """
    direct = evidence.get((keeper, i))
    link = direct or evidence[(anchor, i) if i != anchor else (i, keeper)]
    k, m = contents[keeper], contents[i]
    if link.method in ("pixels", "bytes") or k.phash is None or m.phash is None:
        return replace(link, a=k.paths[0], b=path)
    hashed = hash_evidence(k, m, link.tier)
    via = "" if direct else f"; matched through {Path(contents[anchor].paths[0]).name}"
    return replace(
        link,
        a=k.paths[0],
        b=path,
        hash_distance=hashed.hash_distance,
        transform=hashed.transform,
        description=(hashed.description if link.method == "hash" else f"{link.description}; {hashed.description}")
        + via,
    )
