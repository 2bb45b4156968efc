"""The store jobs the window runs on the StoreService thread: thin calls into the engine's review rules.

Every rule (which groups show, what "not duplicates" separates, what an apply may touch) lives in
`dedup_gui.core.review`, which the CLI calls too; these functions only bind arguments for the store thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dedup_gui.core import actions, review
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group

Loaded = review.Review


def load_last(rules: Sequence[str]) -> Callable[[Store], review.Review | None]:
    def job(store: Store) -> review.Review | None:
        return review.load(store, rules)

    return job


def save_decisions(items: list[tuple[str, str | None]]) -> Callable[[Store], None]:
    def job(store: Store) -> None:
        store.set_decisions(items)

    return job


def not_duplicates(group: Group, path: str | None, rules: Sequence[str]) -> Callable[[Store], review.Review | None]:
    """Dismiss one member (with its identical copies) or, without a path, the whole group; then the new review."""

    def job(store: Store) -> review.Review | None:
        if path is None or path == group.keeper:
            review.dismiss_group(store, group)
        else:
            review.dismiss_member(store, group, path)
        return review.load(store, rules)

    return job


def undo_dismissal(dismissal_id: int, rules: Sequence[str]) -> Callable[[Store], review.Review | None]:
    def job(store: Store) -> review.Review | None:
        review.undo_dismissal(store, dismissal_id)
        return review.load(store, rules)

    return job


def apply_decisions(rules: Sequence[str], progress=None) -> Callable[[Store], actions.Report]:
    """The engine's plan from what is stored (the window's list plays no part), checked file by file."""

    def job(store: Store) -> actions.Report:
        return actions.apply(review.build_plan(store, review.load(store, rules)), store, progress=progress)

    return job


def undo_last(store: Store) -> actions.Report:
    return actions.undo_last(store)
