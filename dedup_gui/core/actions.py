"""Apply the user's decisions safely: re-check each file, journal it, send it to the trash, confirm; undo a batch.

Every file is checked just before it moves: unchanged since the scan (size, mtime and full content hash), not in a
protected folder (by real path), and never the last copy of its group left on disk. The scan must still be the
newest one (a rescan stopped halfway has rewritten the records the checks compare with), and the files its group
keeps must still be the files scanned: a decision to trash a copy was made because another copy stays. Each move
is written to the journal *before* it happens and confirmed after, so a crash, a kill or a full disk at any moment
leaves a row that Undo can follow; when the journal cannot be written, nothing more moves. A file that went has
its decision cleared, so a file that later takes its name starts undecided; Undo marks the very file it put back
Trash again. Sidecars travel with their photo. One apply or undo moves files at a time (see trash.one_mover).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from dedup_gui.core import kept_copies, trash
from dedup_gui.core.companions import Listing, companions
from dedup_gui.core.contenthash import content_hash
from dedup_gui.core.errors import StoreError
from dedup_gui.core.progress import CancelToken
from dedup_gui.core.protection import ProtectedFolders
from dedup_gui.core.store import JournalRow, NewRow, Store
from dedup_gui.core.store.userdata import AWAY, MAYBE_TRASHED
from dedup_gui.core.types import Group

log = logging.getLogger("dedup_gui.actions")

KEEP, TRASH = "keep", "trash"


class Status(StrEnum):
    TRASHED = "trashed"
    MOVED = "moved"  # into the folder the user chose instead of the trash
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
    scan_id: int | None = None  # the scan the groups came from; None: not known (no check)
    gone_kept: tuple[tuple[str, ...], ...] = ()  # per group: members the scan saw, not marked trash, gone since
    # the items are the store's marks: each chunk reads them again, so a file marked Keep after the plan was made
    # (K pressed while the window checked the plan or asked to confirm) stays
    marks_stored: bool = False

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
    stopped: str = ""  # why the batch stopped early (the journal could not be written, or cancelled), else empty

    def with_status(self, *statuses: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failures(self) -> list[Outcome]:
        return self.with_status(Status.REFUSED, Status.FAILED)

    @property
    def done_bytes(self) -> int:
        done = (Status.TRASHED, Status.MOVED, Status.WOULD_TRASH, Status.RESTORED)
        return sum(o.size for o in self.with_status(*done))


def real_roots(roots: Iterable[Path | str]) -> tuple[Path, ...]:
    """Folders by their real path: a protected folder reached through a link or a relative path is the same one."""
    return tuple(Path(os.path.realpath(os.path.expanduser(str(r)))) for r in roots)


def plan(
    groups: Sequence[Group],
    decisions: Mapping[str, str],
    *,
    protected_roots: Iterable[Path | str] = (),
    scan_id: int | None = None,
    taken_away: Collection[str] = frozenset(),
    marks_stored: bool = False,
) -> Plan:
    """Every group member marked trash; the keeper proposal plays no part, only the user's decisions do.

    A member the scan saw that is gone from disk (Group.gone), not marked trash and not taken away by this app, was
    a copy the decisions counted on: its group's files are refused (see apply)."""
    items = [
        PlannedTrash(m.path, m.size, gi, m.protected)
        for gi, g in enumerate(groups)
        for m in g.members
        if decisions.get(m.path) == TRASH
    ]
    gone_kept = tuple(tuple(p for p in g.gone if decisions.get(p) != TRASH and p not in taken_away) for g in groups)
    paths = tuple(tuple(g.paths) for g in groups)
    return Plan(tuple(items), paths, real_roots(protected_roots), scan_id, gone_kept, marks_stored)


@dataclass(frozen=True, slots=True)
class _Checked:
    refusal: str | None
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""
    protected: bool = False  # refused for its folder before anything else was checked


def _check(item: PlannedTrash, store: Store, facts: dict, protected: ProtectedFolders) -> _Checked:
    """Whether the file may go (refusal None), with its size, mtime and content hash as found now."""
    if item.protected or protected.holds(item.path):
        return _Checked("in a protected folder", protected=True)
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


CHUNK = 64  # files journaled per transaction: the journal is fsynced, so one commit per file would dominate


@dataclass(frozen=True, slots=True)
class _Going:
    """A file about to move: a planned photo, or a sidecar travelling with one."""

    path: str
    checked: _Checked
    item: PlannedTrash | None  # None for a sidecar
    companion_of: str | None = None


def _companion_facts(path: str, hashed: bool = True) -> _Checked:
    """A sidecar's size, date and (for the journal, not for a dry run) content hash."""
    try:
        st = os.stat(path)
        return _Checked(None, st.st_size, st.st_mtime_ns, content_hash(path) if hashed else "")
    except OSError as exc:
        return _Checked(f"cannot read: {exc.strerror}")


def apply(
    the_plan: Plan,
    store: Store,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK,
    move_to: Path | None = None,
    cancel: CancelToken | None = None,
) -> Report:
    """Trash the planned files after the checks, journaling each one; a dry run checks and journals nothing.

    With `move_to`, files go into that folder instead of the trash (under their full original path, so nothing
    collides and Undo puts each back); every check and the journal are the same.

    Files go in chunks: each file of a chunk is checked, then every move of the chunk is written to the journal as
    "pending" in one durable transaction, then the files move, then one transaction confirms them. A crash at any
    point leaves every moved file with its row. Raises StoreError before anything moves when the journal cannot be
    written; a journal that fails later stops the batch (`Report.stopped`), and so does `cancel`, between chunks.
    """
    if dry_run:
        return _apply(the_plan, store, True, progress, chunk_size, move_to, cancel)
    with trash.one_mover():
        return _apply(the_plan, store, False, progress, chunk_size, move_to, cancel)


def _apply(
    the_plan: Plan,
    store: Store,
    dry_run: bool,
    progress: Callable[[int, int], None] | None,
    chunk_size: int,
    move_to: Path | None,
    cancel: CancelToken | None,
) -> Report:
    move_to = None if move_to is None else Path(os.path.abspath(os.path.expanduser(move_to)))  # Undo runs anywhere
    planned = {i.path for i in the_plan.items}
    marked = {i.group for i in the_plan.items}
    staying = {p for g in marked for p in the_plan.groups[g] if p not in planned}
    facts = store.image_facts(planned | staying)
    leaving = kept_copies.identities(planned)
    # copies that stay: members not planned for trash that are still the files scanned (a vanished, changed or
    # linked-away "keeper" keeps nothing); only the groups that lose a file are looked at
    survivors = [
        {p for p in paths if p not in planned and kept_copies.still_a_copy(p, facts, leaving)} if g in marked else set()
        for g, paths in enumerate(the_plan.groups)
    ]
    unsettled = {g: _unsettled(g, the_plan, planned, survivors[g]) for g in marked}
    read: dict[str, bool] = {}  # files read in full by this apply: True where their contents are the scan's
    # a scan begun after these groups (running now, stopped, or killed before it saved anything) has rewritten the
    # records the checks compare with: a kept original cropped since then would pass for the file scanned
    stale = the_plan.scan_id is not None and store.newest_scan_started() != the_plan.scan_id
    batch = None
    if not dry_run:
        store.check_writable()
        _settle_interrupted(store)
        batch = store.begin_batch("apply")
    trash.forget_mounts()
    guard = ProtectedFolders(the_plan.protected_roots)  # links, bind mounts and other spellings cannot get around it
    outcomes: list[Outcome] = []
    stopped = ""
    moved: set[str] = set()
    listings: dict[str, Listing] = {}  # one listing per folder for the companion search
    items = list(the_plan.items)
    for lo in range(0, len(items), chunk_size):
        chunk = items[lo : lo + chunk_size]
        if not stopped and cancel is not None and cancel.cancelled:
            stopped = "stopped before the end"
        if stopped:
            outcomes += [Outcome(i.path, Status.FAILED, f"not moved: {stopped}", None, i.size) for i in chunk]
            continue
        going: list[_Going] = []
        refusals: list[NewRow] = []
        marks = store.decisions_of(i.path for i in chunk) if the_plan.marks_stored else {}
        for item in chunk:
            checked = _check(item, store, facts, guard)
            refusal = checked.refusal
            if refusal is None:
                read[item.path] = True
            if refusal is None and the_plan.marks_stored and marks.get(item.path) != TRASH:
                refusal = "no longer marked Trash: left where it is"
            if refusal is None and stale:
                refusal = "a newer scan was started since these groups were found: let a scan finish, then review"
            if refusal is None and not survivors[item.group]:
                refusal = "the last copy of its group: keep at least one"
            if refusal is None and not kept_copies.read_copy(survivors[item.group], store, read):
                refusal = "the copies its group keeps are not the files scanned (their contents changed): scan again"
            if refusal is None and unsettled[item.group]:
                refusal = unsettled[item.group]
            if refusal is not None:
                outcomes.append(Outcome(item.path, Status.REFUSED, refusal, None, item.size))
                # a refused file stays: a copy kept when it passed the checks (refused as the last copy), or when
                # its folder kept it and it is still the file scanned; not when it changed since the scan
                if checked.refusal is None or (checked.protected and kept_copies.still_a_copy(item.path, facts, set())):
                    survivors[item.group].add(item.path)
                refusals.append(NewRow("trash", item.path, Status.REFUSED.value, size=checked.size, message=refusal))
            else:
                going.append(_Going(item.path, checked, item))
                if dry_run:
                    outcomes.append(Outcome(item.path, Status.WOULD_TRASH, "", None, checked.size))
        if dry_run:  # and the sidecars that would go with them
            sides = _sidecars(going, moved, listings, hashed=False)
            moved.update(g.path for g in going)
            outcomes += [
                Outcome(g.path, Status.WOULD_TRASH, "", None, g.checked.size, g.companion_of)
                for g in sides
                if g.checked.refusal is None
            ]
        if batch is not None:
            going += _sidecars(going, moved, listings)
            try:
                outcomes += _move_chunk(store, batch, going, refusals, survivors, read, moved, facts, move_to)
            except _Stop as exc:
                stopped = f"the journal cannot be written ({exc})"
                outcomes += [_after_stop(g, stopped) for g in going]
        if progress:
            progress(min(lo + chunk_size, len(items)), len(items))
    return Report(batch, tuple(outcomes), stopped)


def _unsettled(group: int, the_plan: Plan, planned: set[str], survivors: set[str]) -> str:
    """Why the group's files may not go although a copy stays, or "": a file it keeps is gone or is no longer the
    file scanned. The user chose what to trash seeing that file kept (a half-size copy trashed because the original
    stays); with it gone or changed, what stays may be another shot, or a crop."""
    gone = the_plan.gone_kept[group] if group < len(the_plan.gone_kept) else ()
    if gone:
        return f"{gone[0]} (kept in its group) is gone since the scan: scan again and review the group"
    changed = [p for p in the_plan.groups[group] if p not in planned and p not in survivors]
    if changed:
        why = "changed since the scan, or is another path of a file marked Trash"
        return f"{changed[0]} (kept in its group) {why}: scan again and review the group"
    return ""


class _Stop(Exception):
    """The journal cannot be written: nothing more may move."""


def _sidecars(going: list[_Going], moved: set[str], listings: dict[str, Listing], hashed: bool = True) -> list[_Going]:
    """Sidecars that travel with the photos of this chunk (a shared one only when no image of its shot stays)."""
    leaving = {g.path for g in going}

    def stays(path: str) -> bool:
        return path not in moved and path not in leaving and os.path.exists(path)

    out = []
    for g in list(going):
        for side in companions(g.path, stays, listings):
            if side not in leaving and os.path.lexists(side):
                leaving.add(side)
                out.append(_Going(side, _companion_facts(side, hashed), None, g.path))
    return out


def _move_chunk(
    store: Store,
    batch: int,
    going: list[_Going],
    refusals: list[NewRow],
    survivors: list[set[str]],
    read: dict[str, bool],
    moved: set[str],
    facts: Mapping[str, tuple],
    move_to: Path | None = None,
) -> list[Outcome]:
    """Journal the chunk as pending (durably), move its files, confirm them.

    Each file is looked at again just before it moves, and so are the copies its group keeps: the checks ran
    before the chunk's journal commit and up to a chunk of hashing earlier, and the apply may run for minutes while
    another program (a file manager, a sync client) changes or deletes files. Once moved, it is read again, and a
    kept copy is looked for again (`_after_the_move`); a file that fails either is put back.
    """
    action, done = ("move", Status.MOVED) if move_to is not None else ("trash", Status.TRASHED)
    ready = [g for g in going if g.checked.refusal is None]
    skipped = [g for g in going if g.checked.refusal is not None]  # a sidecar that cannot be read stays
    pending = [
        NewRow(action, g.path, "pending", None if move_to is None else str(trash.aside_path(g.path, move_to)),
               g.checked.size, g.checked.mtime_ns, g.checked.digest or None, "", g.companion_of)
        for g in ready
    ]  # fmt: skip
    try:
        ids = store.journal_add_many(batch, [*refusals, *pending])[len(refusals) :]
    except StoreError as exc:
        raise _Stop(str(exc)) from exc
    outcomes = [Outcome(g.path, Status.FAILED, str(g.checked.refusal), None, 0, g.companion_of) for g in skipped]
    updates = []
    stuck: dict[int, str | None] = {}  # rows of files that had to come back and could not: their contents now
    for g, rid in zip(ready, ids, strict=True):
        status = None
        try:
            if g.companion_of is not None and g.companion_of not in moved:  # photos move first: see _sidecars
                raise trash.TrashError("stays with its photo, which did not move")
            expect = _as_checked(g.path, g.checked)
            if expect is None:
                raise trash.TrashError("it changed or went away since it was checked: scan again")
            kept = None if g.item is None else {p for p in survivors[g.item.group] if read.get(p)}
            if kept is not None and not kept_copies.kept_copy(kept, facts, g.path):
                raise trash.TrashError("the copies its group keeps changed or went away meanwhile: scan again")
            confirm = kept_copies.after_the_move(g.path, g.checked.digest, kept, facts, read)
            if move_to is None:
                where = trash.send_to_trash(g.path, expect, confirm)
            else:
                where = trash.move_aside(g.path, move_to, expect, confirm)
        except trash.StuckError as exc:  # journaled as moved, where it lies, so that Undo brings it back
            outcome = Outcome(g.path, Status.FAILED, str(exc), str(exc.where), g.checked.size, g.companion_of)
            status, stuck[rid] = done.value, kept_copies.digest(exc.where)
        except trash.TrashError as exc:
            outcome = Outcome(g.path, Status.FAILED, str(exc), None, g.checked.size, g.companion_of)
            if g.item is not None and _as_checked(g.path, g.checked) is not None:
                survivors[g.item.group].add(g.path)  # read in full by its checks (`read` says if it changed since)
        else:
            outcome = Outcome(g.path, done, "", str(where) if where else None, g.checked.size, g.companion_of)
            moved.add(g.path)
        log.info("%s %s %s", outcome.status, g.path, outcome.message)
        outcomes.append(outcome)
        updates.append((rid, status or outcome.status.value, outcome.trash_path, outcome.message))
    # a file later at the same path (a camera's IMG_0001 again, a keeper renamed) starts undecided
    unmarked = [(g.path, None) for g in ready if g.path in moved and g.item is not None]
    try:
        store.journal_update_many(updates, unmarked, contents=stuck)
    except StoreError as exc:  # the moves are recorded as started: Undo finds them in the trash
        raise _Stop(str(exc)) from exc
    return outcomes


def _as_checked(path: str, checked: _Checked) -> tuple[int, int] | None:
    """The size and date of the entry itself (a link's own, for a link) when the file is still as checked, else
    None; the move compares the entry it moved with these."""
    try:
        st, entry = os.stat(path), os.lstat(path)
    except OSError:
        return None
    if (st.st_size, st.st_mtime_ns) != (checked.size, checked.mtime_ns):
        return None
    return entry.st_size, entry.st_mtime_ns


def _after_stop(g: _Going, why: str) -> Outcome:
    """The outcome of a file of the chunk that was being moved when the journal failed."""
    size = g.checked.size
    if os.path.lexists(g.path):
        return Outcome(g.path, Status.FAILED, f"not moved: {why}", None, size, g.companion_of)
    return Outcome(g.path, Status.TRASHED, "moved; the journal could not confirm it (Undo still finds it)", None,
                   size, g.companion_of)  # fmt: skip


# -- undo ---------------------------------------------------------------------------------------------------------


def undo_last(store: Store) -> Report:
    """Restore every file the newest unfinished apply batch sent to the trash, including moves that were started
    and never confirmed (a crash or kill mid-apply); say for each file that cannot come back why not.

    Files that an earlier, interrupted undo already brought back are recognised by their content and not reported.
    """
    with trash.one_mover():
        return _undo_last(store)


def _undo_last(store: Store) -> Report:
    batches = store.undoable_batches()
    if not batches:
        return Report(None, ())
    batch = batches[0]
    rows = store.journal_rows(batch)
    restored = {r.path for r in rows if r.action == "restore" and r.status in ("restored", "never-moved", "gone")}
    todo = [r for r in rows if r.action in AWAY and r.status in MAYBE_TRASHED and r.path not in restored]
    outcomes: list[Outcome] = []
    for lo in range(0, len(todo), CHUNK):
        chunk = todo[lo : lo + CHUNK]
        pending = [
            NewRow("restore", r.path, "pending", r.trash_path, r.size, r.mtime_ns, r.content, "", r.companion_of)
            for r in chunk
        ]
        ids = store.journal_add_many(batch, pending)
        updates = []
        for row, rid in zip(chunk, ids, strict=True):
            outcome, status = _restore_row(row)
            updates.append((rid, status, outcome.trash_path, outcome.message))
            if status != "never-moved":
                outcomes.append(outcome)
        # the same files (their bytes checked) are back: marked Trash again, as before the apply (a sidecar had none)
        back = [
            (r.path, TRASH) for r, u in zip(chunk, updates, strict=True) if u[1] == "restored" and not r.companion_of
        ]
        store.journal_update_many(updates, back)
        _clear_left_behind([r for r, u in zip(chunk, updates, strict=True) if u[1] == "never-moved"])
    return Report(batch, tuple(outcomes))


def _clear_left_behind(stopped: list[JournalRow]) -> None:
    """A move killed half-way left its file in place, and may have left its trash entry or a partial copy: cleared."""
    cleared = trash.sweep((r.path, r.ts) for r in stopped if r.action != "move")
    for folder in {Path(r.trash_path).parent for r in stopped if r.action == "move" and r.trash_path}:
        cleared += trash.sweep_copies(folder)
    if cleared:
        log.info("cleared %d things moves killed half-way left behind", cleared)


def _settle_interrupted(store: Store) -> None:
    """Before an apply: the files an apply killed half-way had journaled and never moved are marked so in its
    batch, as Undo would mark them, and what their moves left in the trash is cleared (an entry without its file,
    a partial copy). Left there, a file trashed again got the name `photo 1.jpg` beside a stale entry, and the
    killed batch stayed on the Undo list for files that never went. Files that did go stay pending: Undo brings
    them back. Nothing here moves a file."""
    stopped = [r for r in store.interrupted_moves() if _never_moved(r)]
    for batch in sorted({r.batch for r in stopped}):
        rows = [r for r in stopped if r.batch == batch]
        store.journal_add_many(batch, [
            NewRow("restore", r.path, "never-moved", r.trash_path, r.size, r.mtime_ns, r.content, "never moved",
                   r.companion_of)
            for r in rows
        ])  # fmt: skip
        _clear_left_behind(rows)


def _never_moved(row: JournalRow) -> bool:
    """A pending move that never happened (the apply and Undo ask it alike): the file is where it was (into a
    folder: with the bytes journaled), and its trash entry or the folder's copy does not exist."""
    if row.action == "move":
        return _back(row.path, row.content) and not (row.trash_path and Path(row.trash_path).exists())
    return os.path.lexists(row.path) and trash.entry_for(row.path, row.trash_path, row.ts) is None


def _move_back(row: JournalRow) -> tuple[Outcome, str]:
    """Bring back a file moved into a folder instead of the trash (the row names where it went)."""
    size = row.size or 0
    where = Path(row.trash_path) if row.trash_path else None
    if row.status == "pending" and _never_moved(row):
        return Outcome(row.path, Status.RESTORED, "never moved", None, size, row.companion_of), "never-moved"
    if _back(row.path, row.content):
        return Outcome(row.path, Status.RESTORED, "already back", None, size, row.companion_of), "restored"
    if where is None or not where.exists():
        message = f"no longer at {where} (moved or deleted since)"
        return Outcome(row.path, Status.FAILED, message, None, size, row.companion_of), "gone"
    if row.content and not _same_content(str(where), row.content):
        return Outcome(
            row.path, Status.FAILED, f"{where} is not the file we moved", None, size, row.companion_of
        ), "failed"
    try:
        trash.move_back(row.path, where)
    except trash.TrashError as exc:
        return Outcome(row.path, Status.FAILED, str(exc), str(where), size, row.companion_of), "failed"
    return Outcome(row.path, Status.RESTORED, "", str(where), size, row.companion_of), "restored"


def _back(path: str, content: str | None) -> bool:
    """The file is back at its path: these bytes, and not through a link to a copy (which keeps nothing once the
    copy goes, while the file itself would stay in the trash)."""
    return os.path.lexists(path) and not os.path.islink(path) and _same_content(path, content)


def _same_content(path: str, content: str | None) -> bool:
    if not content:
        return False
    try:
        return content_hash(path) == content
    except OSError:
        return False


def _restore_row(row: JournalRow) -> tuple[Outcome, str]:
    """(outcome, journal status) of bringing back one journaled file."""
    if row.action == "move":
        return _move_back(row)
    size = row.size or 0
    if row.status == "pending" and _never_moved(row):
        return Outcome(row.path, Status.RESTORED, "never moved", None, size, row.companion_of), "never-moved"
    if _back(row.path, row.content):
        return Outcome(row.path, Status.RESTORED, "already back", None, size, row.companion_of), "restored"
    entry = trash.entry_for(row.path, row.trash_path, row.ts)
    if entry is None:
        if not trash.reachable(row.trash_path):  # "failed" is tried again by the next undo; "gone" never is
            message = f"the trash it went to ({row.trash_path}) cannot be reached now: plug its disk in, then undo"
            return Outcome(row.path, Status.FAILED, message, None, size, row.companion_of), "failed"
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
