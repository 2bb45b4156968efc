"""The store jobs the window runs on the StoreService thread: thin calls into the engine's review rules.

Every rule (which groups show, what "not duplicates" separates, what an apply may touch) lives in
`dedup_gui.core.review`, which the CLI calls too; these functions only bind arguments for the store thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dedup_gui.core import actions, review
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.progress import CancelToken
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group
from dedup_gui.ui import listing
from dedup_gui.ui.listing import Order


@dataclass(frozen=True, slots=True)
class Loaded:
    """A review as the engine loaded it, and its groups already sorted and indexed for the list."""

    review: review.Review
    listing: listing.Listing
    stamp: int | None = None  # Decisions.stamp() when the load was asked for: marks made after it are not in `review`


def shown(loaded: review.Review | None, order: Order, stamp: int | None = None) -> Loaded | None:
    """The listing is built here, on the store thread: the UI thread only takes it."""
    if loaded is None:
        return None
    return Loaded(loaded, listing.build(loaded.groups, order, loaded.decisions), stamp)


def load_last(rules: Sequence[str], order: Order, stamp: int | None = None) -> Callable[[Store], Loaded | None]:
    def job(store: Store) -> Loaded | None:
        return shown(review.load(store, rules), order, stamp)

    return job


def save_decisions(items: list[tuple[str, str | None]]) -> Callable[[Store], None]:
    def job(store: Store) -> None:
        store.set_decisions(items)

    return job


def not_duplicates(
    group: Group, path: str | None, rules: Sequence[str], order: Order, stamp: int | None = None
) -> Callable[[Store], Loaded | None]:
    """Dismiss one member (with its identical copies) or, without a path, the whole group; then the new review."""

    def job(store: Store) -> Loaded | None:
        if path is None or path == group.keeper:
            review.dismiss_group(store, group)
        else:
            review.dismiss_member(store, group, path)
        return shown(review.load(store, rules), order, stamp)

    return job


def undo_dismissal(
    dismissal_id: int, rules: Sequence[str], order: Order, stamp: int | None = None
) -> Callable[[Store], Loaded | None]:
    def job(store: Store) -> Loaded | None:
        review.undo_dismissal(store, dismissal_id)
        return shown(review.load(store, rules), order, stamp)

    return job


DRY_RUN_CHUNK = 8  # a dry run journals nothing: small chunks make its progress and its Cancel prompt


@dataclass(frozen=True, slots=True)
class Checked:
    """A dry run's answer: the plan it checked, what each file would do, and whether the folder chosen to move the
    files into lies inside a scanned folder (the next scan would find them there again)."""

    plan: actions.Plan
    report: actions.Report
    move_to: Path | None
    inside_scanned: bool = False


def check_apply(
    rules: Sequence[str],
    roots: Sequence[str],
    move_to: Path | None,
    cancel: CancelToken,
    progress: Callable[[int, int], None] | None = None,
    protected: Sequence[str] = (),
) -> Callable[[Store], Checked]:
    """The engine's plan from what is stored (the window's list plays no part), every file checked and hashed as
    an apply would, nothing moved or journaled: what the confirmation counts."""

    def job(store: Store) -> Checked:
        plan = review.build_plan(store, review.load(store, rules), protected)
        report = actions.apply(
            plan, store, dry_run=True, move_to=move_to, cancel=cancel, progress=progress, chunk_size=DRY_RUN_CHUNK
        )
        inside = move_to is not None and any(_under(move_to, Path(r)) for r in roots)
        return Checked(plan, report, move_to, inside)

    return job


def _under(path: Path, root: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def apply_plan(
    plan: actions.Plan, move_to: Path | None = None, progress: Callable[[int, int], None] | None = None
) -> Callable[[Store], actions.Report]:
    """Exactly the plan the user confirmed, each file checked again just before it moves."""

    def job(store: Store) -> actions.Report:
        return actions.apply(plan, store, move_to=move_to, progress=progress)

    return job


@dataclass(frozen=True, slots=True)
class AutoSelected:
    items: list[tuple[str, str]]  # decisions made (members already decided are left out)
    groups: int  # groups that got at least one
    uncertain: int = 0  # groups left for the person to look at (another shot, or a weak match)


def auto_select(groups: Sequence[Group], exact_only: bool) -> Callable[[Store], AutoSelected]:
    """The engine's proposal for every group given, saved in one transaction; what was decided before stays, and
    uncertain groups are left for the person."""

    def job(store: Store) -> AutoSelected:
        items = review.auto_select(groups, exact_only=exact_only, decided=store.decisions(), skip_uncertain=True)
        store.set_decisions(items)
        paths = {p for p, _ in items}
        touched = sum(1 for g in groups if any(m.path in paths for m in g.members))
        return AutoSelected(items, touched, sum(1 for g in groups if review.uncertain(g)))

    return job


def group_decisions(groups: Sequence[Group], decision: str) -> dict[str, str]:
    """K on whole groups keeps every member; T takes the engine's proposal (never a protected file or RAW)."""
    if decision == review.KEEP:
        return {m.path: review.KEEP for g in groups for m in g.members}
    return dict(review.auto_select(groups))


def decide_groups(
    groups: Sequence[Group], decision: str, singles: dict[str, str]
) -> Callable[[Store], list[tuple[str, str]]]:
    """K or T on many selected groups (and single copies outside them), worked out and saved in one job."""

    def job(store: Store) -> list[tuple[str, str]]:
        items = list((group_decisions(groups, decision) | singles).items())
        store.set_decisions(items)
        return items

    return job


def repropose(
    config: ScanConfig, old_rules: Sequence[str], order: Order, stamp: int | None = None
) -> Callable[[Store], tuple[int, Loaded | None]]:
    """Keepers proposed again under the config's rules; returns the groups re-proposed and the new review."""

    def job(store: Store) -> tuple[int, Loaded | None]:
        changed, after = review.repropose(store, config, old_rules)
        return changed, shown(after, order, stamp)

    return job


def undo_last(store: Store) -> actions.Report:
    return actions.undo_last(store)
