"""The store jobs the window runs on the StoreService thread: plain functions of a Store, no Qt, plain results."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from dedup_gui.core import actions
from dedup_gui.core.serialize import result_from_dict
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group, Problem, ScanResult


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the window shows after a scan or at start-up: visible groups, problems and the user's decisions."""

    groups: tuple[Group, ...]
    problems: tuple[Problem, ...]
    decisions: dict[str, str]
    references: tuple[str, ...]
    cancelled: bool = False


def _visible(groups: tuple[Group, ...], store: Store) -> list[Group]:
    """Groups minus members gone from disk (trashed since) and members the user said are not duplicates."""
    not_dups = store.not_duplicates()
    out: list[Group] = []
    for g in groups:
        members = [m for m in g.members if os.path.exists(m.path)]
        if not_dups and members:
            hashes = {m.path: store.full_hash_of(m.path) for m in members}
            keeper_hash = hashes.get(g.keeper)

            def apart(path: str, kh: str | None = keeper_hash, hs: dict = hashes) -> bool:
                h = hs.get(path)
                return kh is not None and h is not None and (min(h, kh), max(h, kh)) in not_dups

            members = [m for m in members if m.path == g.keeper or not apart(m.path)]
        if len(members) < 2:
            continue
        keeper = g.keeper if any(m.path == g.keeper for m in members) else members[0].path
        out.append(replace(g, members=tuple(members), keeper=keeper))
    return out


def load_last(store: Store) -> Loaded | None:
    last = store.last_scan()
    if last is None:
        return None
    scan_id, config, data = last
    return from_result(result_from_dict(data, scan_id), store, tuple(config.get("references", [])))


def from_result(result: ScanResult, store: Store, references: tuple[str, ...] = ()) -> Loaded:
    groups = tuple(_visible(result.groups, store))
    return Loaded(groups, result.problems, store.decisions(), references, result.status.value == "cancelled")


def save_decisions(items: list[tuple[str, str | None]]):
    def job(store: Store) -> None:
        store.set_decisions(items)

    return job


def hash_of(store: Store, path: str) -> str:
    """The store's full content hash, computed and saved when the scan never needed it (unique sizes)."""
    known = store.full_hash_of(path)
    if known:
        return known
    digest = actions.content_hash(path)
    from dedup_gui.core.contenthash import HASH_VERSION

    store.save_content_hashes([(path, None, digest)], HASH_VERSION)
    return digest


def mark_not_duplicates(keeper: str, others: list[str]):
    """Remember keeper/other pairs (and others among themselves) as different pictures; returns the paths hidden."""

    def job(store: Store) -> list[str]:
        paths = [keeper, *others]
        hashes = {p: hash_of(store, p) for p in paths}
        pairs = [(hashes[a], hashes[b]) for i, a in enumerate(paths) for b in paths[i + 1 :]]
        store.add_not_duplicates(pairs)
        store.set_decisions([(p, None) for p in others])
        return [p for p in others if hashes[p] != hashes[keeper]]  # byte-identical copies cannot be "different"

    return job


def apply_decisions(groups: list[Group], references: tuple[str, ...], progress=None):
    def job(store: Store) -> actions.Report:
        the_plan = actions.plan(groups, store.decisions(), protected_roots=[Path(r) for r in references])
        return actions.apply(the_plan, store, progress=progress)

    return job


def undo_last(store: Store) -> actions.Report:
    return actions.undo_last(store)
