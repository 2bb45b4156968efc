"""Apply the user's decisions safely: re-check each file, send it to the trash, journal it; undo the last batch.

Every file is checked just before it moves: unchanged since the scan (size, mtime and content hash), not in a
protected folder, and never the last copy of its group left on disk. A refusal or failure is recorded and the
rest goes on. The journal is user data: it is how `undo_last` finds and restores what an apply moved.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import xxhash

from dedup_gui.core import trash
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group

log = logging.getLogger("dedup_gui.actions")

KEEP, TRASH = "keep", "trash"


class Status(StrEnum):
    TRASHED = "trashed"
    WOULD_TRASH = "would-trash"  # dry run: every check passed
    REFUSED = "refused"  # a safety check said no
    FAILED = "failed"  # the OS said no
    RESTORED = "restored"


@dataclass(frozen=True, slots=True)
class PlannedTrash:
    path: str
    size: int
    group: int  # index into Plan.groups
    protected: bool


@dataclass(frozen=True, slots=True)
class Plan:
    """What an apply will try: files to trash, with the groups they belong to for the last-copy check."""

    items: tuple[PlannedTrash, ...]
    groups: tuple[tuple[str, ...], ...]
    protected_roots: tuple[Path, ...] = ()

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.items)


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    status: Status
    message: str = ""
    trash_path: str | None = None
    size: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    batch: int | None
    outcomes: tuple[Outcome, ...] = field(default=())

    def with_status(self, *statuses: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failures(self) -> list[Outcome]:
        return self.with_status(Status.REFUSED, Status.FAILED)

    @property
    def done_bytes(self) -> int:
        return sum(o.size for o in self.with_status(Status.TRASHED, Status.WOULD_TRASH, Status.RESTORED))


def plan(groups: Sequence[Group], decisions: Mapping[str, str], *, protected_roots: Iterable[Path | str] = ()) -> Plan:
    """Every group member marked trash; the keeper proposal plays no part, only the user's decisions do."""
    items = [
        PlannedTrash(m.path, m.size, gi, m.protected)
        for gi, g in enumerate(groups)
        for m in g.members
        if decisions.get(m.path) == TRASH
    ]
    return Plan(tuple(items), tuple(tuple(g.paths) for g in groups), tuple(Path(p) for p in protected_roots))


def content_hash(path: str) -> str:
    """xxh3_128 of every byte, as `contenthash.full_hash` computes it (so it compares with the store's)."""
    h = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _is_protected(item: PlannedTrash, roots: Sequence[Path]) -> bool:
    if item.protected:
        return True
    real = os.path.realpath(item.path)
    return any(real == str(r) or real.startswith(str(r).rstrip("/") + "/") for r in roots)


def _check(item: PlannedTrash, store: Store, facts: dict, roots: Sequence[Path]) -> tuple[str | None, int, int, str]:
    """None when the file may go, else why not; also its (size, mtime_ns, content hash) as found now."""
    if _is_protected(item, roots):
        return "in a protected folder", 0, 0, ""
    try:
        st = os.stat(item.path)
    except FileNotFoundError:
        return "the file is gone", 0, 0, ""
    except OSError as exc:
        return f"cannot read: {exc.strerror}", 0, 0, ""
    known = facts.get(item.path)
    if known is None:
        return "not in the scan's records: scan again", st.st_size, st.st_mtime_ns, ""
    if (st.st_size, st.st_mtime_ns) != (known[0], known[1]):
        return "changed since the scan (size or date): scan again", st.st_size, st.st_mtime_ns, ""
    try:
        digest = content_hash(item.path)
    except OSError as exc:
        return f"cannot read: {exc.strerror}", st.st_size, st.st_mtime_ns, ""
    expected = store.full_hash_of(item.path)
    if expected is not None and expected != digest:
        return "contents changed since the scan: scan again", st.st_size, st.st_mtime_ns, digest
    return None, st.st_size, st.st_mtime_ns, digest


def apply(
    the_plan: Plan,
    store: Store,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Trash the planned files after the checks, journaling each one; a dry run checks and journals nothing."""
    planned = {i.path for i in the_plan.items}
    # copies that stay: members not planned for trash that are still on disk (a vanished "keeper" keeps nothing)
    survivors = [{p for p in paths if p not in planned and os.path.exists(p)} for paths in the_plan.groups]
    facts = store.image_facts(planned)
    batch = None if dry_run else store.next_journal_batch()
    outcomes: list[Outcome] = []
    for n, item in enumerate(the_plan.items):
        why, size, mtime, digest = _check(item, store, facts, the_plan.protected_roots)
        if why is None and not survivors[item.group]:
            why = "the last copy of its group: keep at least one"
        if why is not None:
            outcome = Outcome(item.path, Status.REFUSED, why, None, item.size)
            if os.path.exists(item.path):
                survivors[item.group].add(item.path)  # a refused file stays, so it counts as a copy kept
        elif dry_run:
            outcome = Outcome(item.path, Status.WOULD_TRASH, "", None, size)
        else:
            try:
                where = trash.send_to_trash(item.path)
                outcome = Outcome(item.path, Status.TRASHED, "", str(where) if where else None, size)
            except trash.TrashError as exc:
                outcome = Outcome(item.path, Status.FAILED, str(exc), None, size)
                survivors[item.group].add(item.path)
        if batch is not None:
            store.journal_append(
                batch, "trash", item.path, outcome.trash_path, size, mtime, digest or None, outcome.status.value,
                outcome.message,
            )  # fmt: skip
        log.info("%s %s %s", outcome.status, item.path, outcome.message)
        outcomes.append(outcome)
        if progress:
            progress(n + 1, len(the_plan.items))
    return Report(batch, tuple(outcomes))


def undo_last(store: Store) -> Report:
    """Restore every file the newest apply batch trashed; say for each one that cannot come back why not."""
    batch = store.last_undoable_batch()
    if batch is None:
        return Report(None, ())
    outcomes: list[Outcome] = []
    for ts, action, path, trash_path, size, mtime, content, status, _ in store.journal_rows(batch):
        if action != "trash" or status != Status.TRASHED.value:
            continue
        entry = trash.entry_for(path, trash_path, ts)
        if entry is None:
            outcome = Outcome(path, Status.FAILED, "no longer in the trash (emptied or restored by hand)", None, size)
        else:
            outcome = _restore_one(entry, content, size)
        store.journal_append(
            batch, "restore", path, str(entry.files_path) if entry else trash_path, size, mtime, content,
            outcome.status.value, outcome.message,
        )  # fmt: skip
        outcomes.append(outcome)
    return Report(batch, tuple(outcomes))


def _restore_one(entry: trash.TrashEntry, content: str | None, size: int) -> Outcome:
    path = entry.original
    if content and entry.files_path.is_file():
        try:
            if content_hash(str(entry.files_path)) != content:
                return Outcome(path, Status.FAILED, f"{entry.files_path} is not the file we trashed", None, size)
        except OSError as exc:
            return Outcome(path, Status.FAILED, f"cannot read {entry.files_path}: {exc.strerror}", None, size)
    try:
        trash.restore(entry)
    except trash.TrashError as exc:
        return Outcome(path, Status.FAILED, str(exc), str(entry.files_path), size)
    return Outcome(path, Status.RESTORED, "", str(entry.files_path), size)
