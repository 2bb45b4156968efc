"""Every rule about what the user decided, in one place the window and the CLI both call.

Which groups are shown (members still on disk, "not duplicates" honoured), what a dismissal separates and how it is
undone, what auto-select proposes (never a protected file, never a RAW original in favour of a rendering of it,
a RAW+JPEG pair kept whole), and which files an apply may try (only decisions inside groups that are still shown).
No front end can skip a rule, because no front end has its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from dedup_gui.core import actions, collector
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.contenthash import HASH_VERSION, content_hash
from dedup_gui.core.errors import DedupError
from dedup_gui.core.formats import RAW_EXTENSIONS, RAW_FORMATS
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES, propose_keeper
from dedup_gui.core.regroup import regroup
from dedup_gui.core.serialize import result_from_dict, result_to_dict
from dedup_gui.core.store import Dismissal, Store
from dedup_gui.core.types import Group, Member, Mode, PairEvidence, Problem, ScanStatus, Tier

KEEP, TRASH = actions.KEEP, actions.TRASH


@dataclass(frozen=True, slots=True)
class Review:
    """What the review shows: the last completed scan's groups as the user's decisions leave them."""

    groups: tuple[Group, ...]
    problems: tuple[Problem, ...]
    decisions: dict[str, str]
    references: tuple[str, ...]  # protected folders, real paths
    scan_id: int | None = None
    cancelled: bool = False  # the newest scan was stopped: these are the results of the one before
    dismissed: tuple[Dismissal, ...] = ()


# -- loading --------------------------------------------------------------------------------------------------------


def load(store: Store, rules: Sequence[str] = DEFAULT_KEEPER_RULES) -> Review | None:
    """The review of the newest scan that ran to its end (None before the first one).

    At 100k photos the result is about a million objects: made out of the collector's reach as they are read (the
    window's thread waits for every full collection that walks them), and read once.
    """
    with collector.held_off():
        newest = store.newest_scan_started()
        last = store.last_scan(completed=True)
        if last is None:
            if newest is None:
                return None
            return Review((), (), store.decisions(), (), newest, True, tuple(store.dismissals()))
        scan_id, config, data = last
        result = result_from_dict(data, scan_id)
        # the JSON's dicts and lists, freed a slice at a time: freed at once they held the GIL for about 70 ms
        collector.release_parsed(data)
        del data
        collector.settle()
        references = tuple(str(r) for r in actions.real_roots(config.get("references", ())))
        cancelled = newest is not None and newest != scan_id
        groups = visible_groups(result.groups, store, rules)
        return Review(
            tuple(groups), result.problems, store.decisions(), references, scan_id, cancelled, tuple(store.dismissals())
        )


def visible_groups(groups: Iterable[Group], store: Store, rules: Sequence[str] = DEFAULT_KEEPER_RULES) -> list[Group]:
    """Groups minus members gone from disk, split where the user said "not duplicates".

    Members are taken apart by content: a member and its byte-identical copies (and copies identical to the keeper
    by their pixels) always stay together, so a dismissal never separates real copies from each other.
    """
    apart = store.not_duplicates()
    groups = list(groups)
    hashes = store.full_hashes_of(m.path for g in groups for m in g.members) if apart else {}
    out: list[Group] = []
    for g in collector.settling(groups):  # a 100k result's groups: see collector.py
        members = [m for m in g.members if os.path.exists(m.path)]
        present = {m.path for m in members} if len(members) < len(g.members) else None
        gone = () if present is None else tuple(m.path for m in g.members if m.path not in present)
        for part in _split(g, members, hashes, apart) if apart else [members]:
            if len(part) >= 2:
                shown = _regrouped(g, part, hashes, rules)
                out.append(replace(shown, gone=gone) if gone else shown)
    return out


def _classes(group: Group, members: list[Member], hashes: dict[str, str]) -> list[list[Member]]:
    """Members in classes of identical copies: same content hash, or identical to the keeper ("exact" evidence)."""
    by_key: dict[str, list[Member]] = {}
    keeper_hash = hashes.get(group.keeper)
    for m in members:
        exact = m.path == group.keeper or (m.evidence is not None and m.evidence.tier is Tier.EXACT)
        key = keeper_hash if exact and keeper_hash else hashes.get(m.path) or f"path:{m.path}"
        by_key.setdefault(key, []).append(m)
    return list(by_key.values())


def _split(group: Group, members: list[Member], hashes: dict[str, str], apart: set[tuple[str, str]]) -> list:
    """The part that stays with the keeper, then each class of identical copies the user separated from it."""
    classes = _classes(group, members, hashes)

    def class_hashes(c: list[Member]) -> set[str]:
        return {hashes[m.path] for m in c if m.path in hashes}

    def separated(x: list[Member], y: list[Member]) -> bool:
        return any((min(a, b), max(a, b)) in apart for a in class_hashes(x) for b in class_hashes(y))

    home = next((c for c in classes if any(m.path == group.keeper for m in c)), classes[0] if classes else [])
    staying = [m for c in classes if c is home or not separated(c, home) for m in c]
    gone = [c for c in classes if c is not home and separated(c, home)]
    return [staying, *gone]


def _regrouped(group: Group, members: list[Member], hashes: dict[str, str], rules: Sequence[str]) -> Group:
    """The group with only these members; the keeper proposed again when the old one is not among them."""
    if len(members) == len(group.members):
        return group
    if any(m.path == group.keeper for m in members):
        return replace(group, members=tuple(members))
    keeper, reason = propose_keeper(members, rules)
    keeper_hash = hashes.get(keeper)
    fresh = []
    for m in members:
        if m.path == keeper:
            fresh.append(replace(m, evidence=None))
        elif keeper_hash and hashes.get(m.path) == keeper_hash:
            same = PairEvidence(keeper, m.path, Tier.EXACT, 1.0, "bytes", description="same bytes")
            fresh.append(replace(m, evidence=same))
        else:
            fresh.append(m)  # its evidence still describes how it matched the group
    fresh.sort(key=lambda m: (m.path != keeper, m.path))
    tier = Tier.EXACT if all(m.evidence is None or m.evidence.tier is Tier.EXACT for m in fresh) else group.tier
    return Group(tier, keeper, reason, tuple(fresh))


# -- "not duplicates" -------------------------------------------------------------------------------------------------


def hash_of(store: Store, path: str) -> str:
    """The store's full content hash of a file, computed and saved when the scan never needed it."""
    known = store.full_hash_of(path)
    if known:
        return known
    digest = content_hash(path)
    store.save_content_hashes([(path, None, digest)], HASH_VERSION)
    return digest


def _dismiss(store: Store, group: Group, separate: list[list[Member]], label: str) -> int:
    """Record that each class in `separate` is a different picture from every other class of the group."""
    members = [m for m in group.members if os.path.exists(m.path)]
    hashes = {m.path: hash_of(store, m.path) for m in members}
    classes = _classes(group, members, hashes)
    chosen = {m.path for c in separate for m in c}
    pairs = set()
    for c in classes:
        if not any(m.path in chosen for m in c):
            continue
        for other in classes:
            if other is c:
                continue
            pairs |= {(hashes[a.path], hashes[b.path]) for a in c for b in other}
    did = store.add_dismissal(label, [m.path for m in members], pairs)
    store.set_decisions([(m.path, None) for m in group.members])  # the group changed: its decisions no longer hold
    return did


def dismiss_member(store: Store, group: Group, path: str) -> int:
    """Split one file, with its identical copies, off the group; returns the dismissal's id (for undo)."""
    member = next(m for m in group.members if m.path == path)
    members = [m for m in group.members if os.path.exists(m.path)]
    hashes = {m.path: hash_of(store, m.path) for m in members}
    mine = next(c for c in _classes(group, members, hashes) if member in c)
    label = f"{os.path.basename(path)} is not a copy of {os.path.basename(group.keeper)}"
    return _dismiss(store, group, [mine], label)


def dismiss_group(store: Store, group: Group) -> int:
    """The whole group is not duplicates; identical copies inside it stay together. Returns the dismissal's id.

    A group of identical copies only cannot be dismissed (DedupError): nothing in it is a different picture."""
    members = [m for m in group.members if os.path.exists(m.path)]
    hashes = {m.path: hash_of(store, m.path) for m in members}
    classes = _classes(group, members, hashes)
    if len(classes) < 2:
        raise DedupError("these files are identical copies of one picture: they stay together")
    label = f"{os.path.basename(group.keeper)} and {len(group.members) - 1} others are not duplicates"
    return _dismiss(store, group, classes, label)


def undo_dismissal(store: Store, dismissal_id: int) -> None:
    store.remove_dismissal(dismissal_id)


# -- decisions --------------------------------------------------------------------------------------------------------


def is_raw(member: Member) -> bool:
    """A camera RAW file, by its decoded format or, failing that, its extension."""
    if member.info is not None and member.info.format.upper() in RAW_FORMATS:
        return True
    return os.path.splitext(member.path)[1].lower() in RAW_EXTENSIONS


def _shot(path: str) -> tuple[str, str]:
    """Folder and file stem: a camera writes the RAW and the JPEG of one shot side by side under one name."""
    folder, name = os.path.split(path)
    return folder, os.path.splitext(name)[0].lower()


def proposal(group: Group, *, exact_only: bool = False) -> dict[str, str]:
    """What auto-select marks in one group: keep the keeper, trash the copies, except what must never be proposed.

    Kept whatever the keeper rules say: protected files; a RAW original unless the keeper is a RAW it is an
    identical copy of; the JPEG of a kept RAW taken in the same shot (a RAW+JPEG pair is one photo's two files).
    With `exact_only`, only identical copies of the keeper are proposed for the trash; the rest is left undecided.
    """
    keeper = next(m for m in group.members if m.path == group.keeper)
    kept_raws = {m.path for m in group.members if is_raw(m) and _keeps_raw(m, keeper)}
    kept_raw_shots = {_shot(p) for p in kept_raws}
    out: dict[str, str] = {}
    for m in group.members:
        if (
            m.path == keeper.path
            or m.protected
            or m.path in kept_raws
            or (kept_raw_shots and _shot(m.path) in kept_raw_shots)
        ):
            out[m.path] = KEEP
        elif exact_only and (m.evidence is None or m.evidence.tier is not Tier.EXACT):
            continue
        else:
            out[m.path] = TRASH
    return out


def _keeps_raw(raw: Member, keeper: Member) -> bool:
    """A RAW stays unless it is an identical copy of a RAW keeper (two copies of one RAW file)."""
    if raw.path == keeper.path:
        return True
    identical = raw.evidence is not None and raw.evidence.tier is Tier.EXACT
    return not (is_raw(keeper) and identical)


# A group whose weakest match is less certain than this is left to the person when many groups are auto-selected
# at once: on dev-large the one wrongly merged group (a dash-cam frame of another day) has a member at 0.63 and its
# link at 0.72, while 982 of 990 right members score 0.8 or more (8 below); on dev every member scores above.
UNCERTAIN_SCORE = 0.8


def uncertain(group: Group) -> bool:
    """Worth a look before anything in it is trashed: another shot of the scene (similar mode), or a member matched
    with a low certainty. Identical files and identical pixels are never uncertain."""
    if group.tier is Tier.SIMILAR:
        return True
    return any(
        m.evidence is not None and m.evidence.tier is not Tier.EXACT and m.evidence.score < UNCERTAIN_SCORE
        for m in group.members
    )


def auto_select(
    groups: Iterable[Group],
    *,
    exact_only: bool = False,
    decided: Mapping[str, str] | None = None,
    skip_uncertain: bool = False,
) -> list[tuple[str, str]]:
    """Decisions for the members of these groups by `proposal` (the window passes all, the filtered or one).

    With `decided` (the decisions made so far), a member that already has a decision keeps it: selecting a whole
    library never overrides what the user chose by hand, and running it twice changes nothing. With
    `skip_uncertain` (selecting many groups at once), uncertain groups are left for the person to look at.
    """
    items = [
        item
        for g in groups
        if not (skip_uncertain and uncertain(g))
        for item in proposal(g, exact_only=exact_only).items()
    ]
    if decided:
        items = [(p, d) for p, d in items if p not in decided]
    return items


# -- apply --------------------------------------------------------------------------------------------------------


def build_plan(store: Store, review: Review | None = None, protected: Iterable[str] = ()) -> actions.Plan:
    """The files an apply may try: members marked trash inside the groups the review shows, nothing else.

    `protected`: the folders protected now (the settings), besides those the scan was told: a folder protected
    after the marks were made keeps its files."""
    review = review if review is not None else load(store)
    if review is None:
        return actions.Plan((), ())
    return actions.plan(
        review.groups,
        review.decisions,
        protected_roots=(*review.references, *protected),
        scan_id=review.scan_id,
        taken_away=store.taken_away(),
        marks_stored=True,
    )


# -- keeper rules changed -------------------------------------------------------------------------------------------


def repropose(
    store: Store, config: ScanConfig, old_rules: Sequence[str] = DEFAULT_KEEPER_RULES
) -> tuple[int, Review | None]:
    """Propose keepers again under `config.keeper_rules` without reading a photo: the last completed scan is
    regrouped from its stored pairs (in its own mode, with its protected folders) and saved as the newest result,
    so evidence is worded against the new keeper.

    Decisions follow only where they were an untouched auto-select: a group whose decisions are exactly what
    auto-select proposed under the old rules (for the whole group, or for its identical copies only) gets the new
    proposal the same way. Groups decided by hand and undecided groups stay as they are. Returns how many groups
    got a new proposal, and the review as it is now (what `load` would give: a second load read the 100k result
    again).
    """
    with collector.held_off():  # two 100k results and a regroup: see collector.py
        return _repropose(store, config, old_rules)


def _repropose(store: Store, config: ScanConfig, old_rules: Sequence[str]) -> tuple[int, Review | None]:
    before = load(store, old_rules)
    last = store.last_scan_config(completed=True)
    if before is None or last is None:
        raise DedupError("nothing to propose again: run a scan first")
    old_whole = dict(auto_select(before.groups))
    old_exact = dict(auto_select(before.groups, exact_only=True))
    shown = list(before.groups)
    del before
    collector.release(shown)  # a slice at a time: freed at once, 100k photos' groups held the GIL for 80 ms
    scan_id, config_dict = last
    result = regroup(store, Mode(config_dict.get("mode", config.mode.value)), config)
    new_id = store.begin_scan({**config_dict, "keeper_rules": list(config.keeper_rules)})
    saved = result_to_dict(result)
    store.finish_scan(new_id, ScanStatus.COMPLETED.value, saved, (), pairs_of=scan_id)
    made = list(result.groups)
    del result
    collector.release_parsed(saved, made)
    collector.settle()
    after = load(store, config.keeper_rules or DEFAULT_KEEPER_RULES)
    if after is None:
        return 0, None
    items: list[tuple[str, str | None]] = []
    changed = 0
    for g in after.groups:
        mine = {m.path: after.decisions[m.path] for m in g.members if m.path in after.decisions}
        if not mine:
            continue
        for exact_only, old in ((False, old_whole), (True, old_exact)):
            if mine == {m.path: old[m.path] for m in g.members if m.path in old}:
                new = proposal(g, exact_only=exact_only)
                items += [(m.path, new.get(m.path)) for m in g.members]
                changed += 1
                break
    store.set_decisions(items)
    return changed, replace(after, decisions=store.decisions())
