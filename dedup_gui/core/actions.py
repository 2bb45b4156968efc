"""Apply the user's decisions safely: re-check each file, journal it, send it to the trash, confirm; undo a batch.

Every file is checked just before it moves: unchanged since the scan (size, mtime and full content hash), not in a
protected folder (by real path), and never the last copy of its group left on disk. Each move is written to the
journal *before* it happens and confirmed after, so a crash, a kill or a full disk at any moment leaves a row that
Undo can follow; when the journal cannot be written, nothing more moves. Sidecars travel with their photo.
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
from dedup_gui.core.companions import Listings, companions_of_all
from dedup_gui.core.errors import StoreError
from dedup_gui.core.store import JournalRow, Store
from dedup_gui.core.types import Group

log = logging.getLogger("dedup_gui.actions")

KEEP, TRASH = "keep", "trash"


class Status(StrEnum):
    TRASHED = "trashed"
    WOULD_TRASH = "would-trash"  # dry run: every check passed
    REFUSED = "refused"  # a safety check said no
    FAILED = "failed"  # the OS said no, or the journal could not be written
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
    companion_of: str | None = None  # a sidecar that travelled with this photo


@dataclass(frozen=True, slots=True)
class Report:
    batch: int | None
    outcomes: tuple[Outcome, ...] = field(default=())
    stopped: str = ""  # why the batch stopped early (the journal could not be written), else empty

    def with_status(self, *statuses: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failures(self) -> list[Outcome]:
        return self.with_status(Status.REFUSED, Status.FAILED)

    @property
    def done_bytes(self) -> int:
        return sum(o.size for o in self.with_status(Status.TRASHED, Status.WOULD_TRASH, Status.RESTORED))


def real_roots(roots: Iterable[Path | str]) -> tuple[Path, ...]:
    """Folders by their real path: a protected folder reached through a link or a relative path is the same one."""
    return tuple(Path(os.path.realpath(os.path.expanduser(str(r)))) for r in roots)


def plan(groups: Sequence[Group], decisions: Mapping[str, str], *, protected_roots: Iterable[Path | str] = ()) -> Plan:
    """Every group member marked trash; the keeper proposal plays no part, only the user's decisions do."""
    items = [
        PlannedTrash(m.path, m.size, gi, m.protected)
        for gi, g in enumerate(groups)
        for m in g.members
        if decisions.get(m.path) == TRASH
    ]
    return Plan(tuple(items), tuple(tuple(g.paths) for g in groups), real_roots(protected_roots))


def content_hash(path: str) -> str:
    """xxh3_128 of every byte, as `contenthash.full_hash` computes it (so it compares with the store's)."""
    h = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def is_protected(path: str, roots: Sequence[Path]) -> bool:
    """In (or under) a protected folder, comparing real paths: links and relative spellings cannot get around it."""
    real = os.path.realpath(path)
    return any(real == str(r) or real.startswith(str(r).rstrip(os.sep) + os.sep) for r in roots)


@dataclass(frozen=True, slots=True)
class _Checked:
    refusal: str | None
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""


def _check(item: PlannedTrash, store: Store, facts: dict, roots: Sequence[Path]) -> _Checked:
    """Whether the file may go (refusal None), with its size, mtime and content hash as found now."""
    if item.protected or is_protected(item.path, roots):
        return _Checked("in a protected folder")
    try:
        st = os.stat(item.path)
    except FileNotFoundError:
        return _Checked("the file is gone")
    except OSError as exc:
        return _Checked(f"cannot read: {exc.strerror}")
    known = facts.get(item.path)
    if known is None:
        return _Checked("not in the scan's records: scan again", st.st_size, st.st_mtime_ns)
    if (st.st_size, st.st_mtime_ns) != (known[0], known[1]):
        return _Checked("changed since the scan (size or date): scan again", st.st_size, st.st_mtime_ns)
    expected = store.full_hash_of(item.path)
    if expected is None:
        return _Checked("the scan did not record its contents: scan again", st.st_size, st.st_mtime_ns)
    try:
        digest = content_hash(item.path)
    except OSError as exc:
        return _Checked(f"cannot read: {exc.strerror}", st.st_size, st.st_mtime_ns)
    if expected != digest:
        return _Checked("contents changed since the scan: scan again", st.st_size, st.st_mtime_ns, digest)
    return _Checked(None, st.st_size, st.st_mtime_ns, digest)


class _Stop(Exception):
    """The journal cannot be written: nothing more may move."""


def _move(store: Store, batch: int, path: str, checked: _Checked, companion_of: str | None = None) -> Outcome:
    """Journal, move, confirm. A journal that cannot be written stops the batch before (or right after) a move."""
    try:
        row = store.journal_add(
            batch, "trash", path, "pending", size=checked.size, mtime_ns=checked.mtime_ns,
            content=checked.digest or None, companion_of=companion_of,
        )  # fmt: skip
    except StoreError as exc:
        raise _Stop(str(exc)) from exc
    try:
        where = trash.send_to_trash(path)
    except trash.TrashError as exc:
        outcome = Outcome(path, Status.FAILED, str(exc), None, checked.size, companion_of)
    else:
        outcome = Outcome(path, Status.TRASHED, "", str(where) if where else None, checked.size, companion_of)
    try:
        store.journal_update(row, outcome.status.value, trash_path=outcome.trash_path, message=outcome.message)
    except StoreError as exc:  # the move is recorded as started: Undo finds it in the trash
        raise _Stop(str(exc)) from exc
    log.info("%s %s %s", outcome.status, path, outcome.message)
    return outcome


def _companion_facts(path: str) -> _Checked:
    try:
        st = os.stat(path)
        return _Checked(None, st.st_size, st.st_mtime_ns, content_hash(path))
    except OSError as exc:
        return _Checked(f"cannot read: {exc.strerror}")


def apply(
    the_plan: Plan,
    store: Store,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Trash the planned files after the checks, journaling each one; a dry run checks and journals nothing.

    Raises StoreError before anything moves when the journal cannot be written.
    """
    planned = {i.path for i in the_plan.items}
    # copies that stay: members not planned for trash that are still on disk (a vanished "keeper" keeps nothing)
    survivors = [{p for p in paths if p not in planned and os.path.exists(p)} for paths in the_plan.groups]
    facts = store.image_facts(planned)
    batch = None
    if not dry_run:
        store.check_writable()
        batch = store.begin_batch("apply")
    outcomes: list[Outcome] = []
    stopped = ""
    moved: set[str] = set()
    listings: Listings = {}  # folder listings for the sidecar look-ups, read once per folder

    def stays(path: str) -> bool:
        """A file that will still be on disk after this batch, as far as is known now (planned ones may be refused)."""
        return path not in moved and os.path.exists(path)

    for n, item in enumerate(the_plan.items):
        checked = _check(item, store, facts, the_plan.protected_roots)
        refusal = checked.refusal
        if refusal is None and not survivors[item.group]:
            refusal = "the last copy of its group: keep at least one"
        if stopped:
            outcomes.append(Outcome(item.path, Status.FAILED, f"not moved: {stopped}", None, item.size))
            continue
        if refusal is not None:
            outcomes.append(Outcome(item.path, Status.REFUSED, refusal, None, item.size))
            if os.path.exists(item.path):
                survivors[item.group].add(item.path)  # a refused file stays, so it counts as a copy kept
            if batch is not None:
                _journal_refusal(store, batch, item.path, checked, refusal)
        elif dry_run or batch is None:
            outcomes.append(Outcome(item.path, Status.WOULD_TRASH, "", None, checked.size))
        else:
            try:
                outcome = _move(store, batch, item.path, checked)
            except _Stop as exc:
                stopped = f"the journal cannot be written ({exc})"
                outcome = _after_stop(item, stopped)
            outcomes.append(outcome)
            if outcome.status is Status.TRASHED:
                moved.add(item.path)
                if not stopped:
                    try:
                        outcomes += _move_companions(store, batch, item.path, stays, listings)
                    except _Stop as exc:
                        stopped = f"the journal cannot be written ({exc})"
            else:
                survivors[item.group].add(item.path)
        if progress:
            progress(n + 1, len(the_plan.items))
    return Report(batch, tuple(outcomes), stopped)


def _after_stop(item: PlannedTrash, why: str) -> Outcome:
    """The outcome of the file being moved when the journal failed: moved (its row says "pending") or not moved."""
    if os.path.lexists(item.path):
        return Outcome(item.path, Status.FAILED, f"not moved: {why}", None, item.size)
    return Outcome(item.path, Status.TRASHED, "moved; the journal could not confirm it (Undo still finds it)")


def _journal_refusal(store: Store, batch: int, path: str, checked: _Checked, why: str) -> None:
    try:
        store.journal_add(batch, "trash", path, Status.REFUSED.value, size=checked.size, message=why)
    except StoreError as exc:  # a refusal moved nothing: losing its row loses no photo
        log.warning("could not journal a refusal of %s: %s", path, exc)


def _move_companions(
    store: Store, batch: int, photo: str, stays: Callable[[str], bool], listings: Listings
) -> list[Outcome]:
    out = []
    for side in companions_of_all([photo], stays, listings)[photo]:
        if not os.path.lexists(side):  # gone since the folder was listed (moved with another photo, or by hand)
            continue
        checked = _companion_facts(side)
        if checked.refusal is not None:
            out.append(Outcome(side, Status.FAILED, checked.refusal, None, 0, photo))
            continue
        out.append(_move(store, batch, side, checked, companion_of=photo))
    return out


# -- undo ---------------------------------------------------------------------------------------------------------


def undo_last(store: Store) -> Report:
    """Restore every file the newest unfinished apply batch sent to the trash, including moves that were started
    and never confirmed (a crash or kill mid-apply); say for each file that cannot come back why not.

    Files that an earlier, interrupted undo already brought back are recognised by their content and not reported.
    """
    batches = store.undoable_batches()
    if not batches:
        return Report(None, ())
    batch = batches[0]
    rows = store.journal_rows(batch)
    restored = {r.path for r in rows if r.action == "restore" and r.status in ("restored", "never-moved", "gone")}
    todo = [r for r in rows if r.action == "trash" and r.status in ("trashed", "pending") and r.path not in restored]
    outcomes: list[Outcome] = []
    for row in todo:
        pending = store.journal_add(
            batch, "restore", row.path, "pending", trash_path=row.trash_path, size=row.size, mtime_ns=row.mtime_ns,
            content=row.content, companion_of=row.companion_of,
        )  # fmt: skip
        outcome, status = _restore_row(row)
        store.journal_update(pending, status, trash_path=outcome.trash_path, message=outcome.message)
        if status != "never-moved":
            outcomes.append(outcome)
    return Report(batch, tuple(outcomes))


def _same_content(path: str, content: str | None) -> bool:
    if not content:
        return False
    try:
        return content_hash(path) == content
    except OSError:
        return False


def _restore_row(row: JournalRow) -> tuple[Outcome, str]:
    """(outcome, journal status) of bringing back one journaled file."""
    size = row.size or 0
    if os.path.lexists(row.path) and _same_content(row.path, row.content):
        if row.status == "pending" and trash.entry_for(row.path, row.trash_path, row.ts) is None:
            return Outcome(row.path, Status.RESTORED, "never moved", None, size, row.companion_of), "never-moved"
        return Outcome(row.path, Status.RESTORED, "already back", None, size, row.companion_of), "restored"
    entry = trash.entry_for(row.path, row.trash_path, row.ts)
    if entry is None:
        if row.status == "pending" and os.path.lexists(row.path):
            return Outcome(row.path, Status.RESTORED, "never moved", None, size, row.companion_of), "never-moved"
        message = "no longer in the trash (emptied or restored by hand)"
        return Outcome(row.path, Status.FAILED, message, None, size, row.companion_of), "gone"
    if row.content and entry.files_path.is_file() and not _same_content(str(entry.files_path), row.content):
        message = f"{entry.files_path} is not the file we trashed"
        return Outcome(row.path, Status.FAILED, message, None, size, row.companion_of), "failed"
    try:
        trash.restore(entry)
    except trash.TrashError as exc:
        return Outcome(row.path, Status.FAILED, str(exc), str(entry.files_path), size, row.companion_of), "failed"
    return Outcome(row.path, Status.RESTORED, "", str(entry.files_path), size, row.companion_of), "restored"
