"""Groups from confirmed links: star groups expanded to every exact copy, a proposed keeper, evidence per member."""

from __future__ import annotations

import os
from dataclasses import replace

from dedup_gui.core import collector
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content, hash_evidence
from dedup_gui.core.grouping import Link, Star, star_groups
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES, keeper_key, propose_keeper
from dedup_gui.core.membership import Membership, PairOracle, holds
from dedup_gui.core.types import FileRecord, Group, Member, PairEvidence, Tier


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
    oracle: PairOracle | None = None,
) -> list[Group]:
    """Star groups over the links the mode admits, expanded to every exact copy, with a proposed keeper.

    `apart` holds content pairs the user said are not duplicates: they are never linked nor grouped together.
    With an `oracle`, a file linked only to another member of a group joins it when the anchor confirms it
    (verified on demand); the links found that way are appended to `links`, so they are stored with the rest.
    """
    by_path = {r.path: r for r in records}
    tiers = config.mode.tiers
    rules = config.keeper_rules or DEFAULT_KEEPER_RULES
    rules_of = Membership(contents, links, tiers, apart or set(), config.hashes.compatible_phash, oracle)
    admitted = rules_of.admitted()
    evidence = rules_of.evidence
    # each file's member and keeper key made once (ranking, the keeper and the final members all use them)
    members_by_path: dict[str, Member] = {}
    keys: dict[str, tuple] = {}

    def member(path: str, c: Content) -> Member:
        m = members_by_path.get(path)
        if m is None:
            r = by_path[path]
            m = members_by_path[path] = Member(path, r.size, r.protected, c.info, None)
        return m

    def key(m: Member) -> tuple:
        k = keys.get(m.path)
        if k is None:
            k = keys[m.path] = keeper_key(m, rules)
        return k

    linked = sorted({i for a, b, _ in admitted for i in (a, b)})
    best_first = sorted(linked, key=lambda i: min(key(member(p, contents[i])) for p in contents[i].paths))
    keeper_rank = {i: -n for n, i in enumerate(best_first)}

    def anchor_rank(i: int) -> tuple:
        """Among equally connected candidates, the anchor is the one the keeper rules prefer."""
        return (keeper_rank.get(i, -len(best_first)),)

    links_ = [
        Link(
            a,
            b,
            ev.score + (ev.tier is Tier.EXACT),
            holds(ev, contents[a].paths[0]),
            holds(ev, contents[b].paths[0]),
            copy=ev.tier is not Tier.SIMILAR,
        )
        for a, b, ev in collector.settling(admitted)
    ]
    confirm = rules_of.confirm if oracle is not None else None
    stars = star_groups(len(contents), links_, rules_of.compatible, anchor_rank, confirm)
    collector.settle()  # what grouping built so far stays out of the collector's walks (see collector.py)
    in_star = {i for star in stars for i in star.members}
    # byte-identical copies of a content that matched nothing else still form a group of their own
    stars += [Star(i, [i]) for i, c in enumerate(contents) if len(c.paths) > 1 and c.info and i not in in_star]
    groups: list[Group] = []
    for star in collector.settling(stars):  # 7,000 groups of members and evidence: see collector.py
        node_ids = star.members
        members = [member(p, contents[i]) for i in node_ids for p in contents[i].paths]
        keeper_path, reason = propose_keeper(members, rules, key)
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
                    ev = _relative_to_keeper(contents, keeper_node, i, p, evidence, star)
                if ev.tier.rank > tier.rank:
                    tier = ev.tier
                final.append(Member(m.path, m.size, m.protected, m.info, ev))
        final.sort(key=lambda m: (m.path != keeper_path, m.path))
        groups.append(Group(tier, keeper_path, reason, tuple(final)))
    groups.sort(key=lambda g: (-g.reclaimable_bytes, g.keeper))
    # what grouping built, freed a slice at a time rather than all at once as this returns (see collector.release)
    rules_of.release()
    collector.release(links_, admitted, stars, members_by_path, keys, by_path)
    return groups


def _relative_to_keeper(
    contents: list[Content],
    keeper: int,
    i: int,
    path: str,
    evidence: dict[tuple[int, int], PairEvidence],
    star: Star,
) -> PairEvidence:
    """Evidence that member i is a copy of the keeper, oriented keeper -> member (transform, distance, text).

    The confirming link is the direct one when it exists, else the member's link to the group's anchor, else its
    link to the member it was reached through.
    """
    through = next(
        t
        for t in (keeper, star.anchor, star.via.get(i), *star.members)
        if t is not None and t != i and (t, i) in evidence
    )
    link = evidence[(through, i)]
    k, m = contents[keeper], contents[i]
    if link.a == m.paths[0]:  # stored as member -> other: turn the directed facts around
        angle = None if link.angle is None else -link.angle
        link = replace(link, angle=angle, crop=link.extra, extra=link.crop)
    name = None if through == keeper else contents[through].paths[0]
    if link.method in ("pixels", "bytes") or k.phash is None or m.phash is None:
        return replace(link, a=k.paths[0], b=path, via=name)
    hashed = hash_evidence(k, m, link.tier)
    via = "" if name is None else f"; matched through {os.path.basename(name)}"
    return replace(
        link,
        a=k.paths[0],
        b=path,
        hash_distance=hashed.hash_distance,
        transform=hashed.transform,
        via=name,
        description=(hashed.description if link.method == "hash" else f"{link.description}; {hashed.description}")
        + via,
    )
