"""Decisions: the user's keep/trash marks, saved to the store the moment they are made (on the store thread), and
the running total of what is marked for the trash, kept up to date change by change (never by walking every file).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import count

from PySide6.QtCore import QObject, Signal

from dedup_gui.core import review
from dedup_gui.core.types import Group
from dedup_gui.ui import jobs
from dedup_gui.ui.listing import Listing
from dedup_gui.ui.signals import emit
from dedup_gui.ui.store_service import StoreService

KEEP, TRASH = review.KEEP, review.TRASH
BULK_GROUPS = 500  # K or T on more selected groups than this is worked out on the store thread


@dataclass(frozen=True, slots=True)
class Totals:
    """Files marked for the trash inside the groups shown, and their size."""

    files: int = 0
    bytes: int = 0


class Decisions(QObject):
    changed = Signal(list)  # paths whose decision changed
    totals_changed = Signal(object)  # Totals
    bulk_done = Signal(int, int, int)  # files newly decided, groups touched, uncertain groups left to look at
    failed = Signal(str)

    def __init__(self, service: StoreService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.marks: dict[str, str] = {}
        self.totals = Totals()
        self._sizes: dict[str, int] = {}  # size of every member of the groups shown (files outside them never count)
        self._serial = count(1)
        self._set_at: dict[str, int] = {}  # path -> serial of the change that last set it here

    def stamp(self) -> int:
        """The point reached in the order of changes: a load asked for now sees every change made so far (the store
        thread saves them before it runs the load) and none made after."""
        return next(self._serial)

    def replace_all(self, marks: dict[str, str], listing: Listing, stamp: int | None = None) -> None:
        """The stored decisions and the groups the review shows (a load): sizes and total come counted with the
        listing, off the UI thread. Marks made here after the load was asked for (`stamp`) were saved after it read
        the store: they stay, as they are in the store by now."""
        later = [] if stamp is None else [(p, self.marks.get(p)) for p, s in self._set_at.items() if s > stamp]
        self.marks = marks
        self._sizes = listing.sizes
        self._set_totals(Totals(*listing.trashed))
        if later:
            serials = {p: self._set_at[p] for p, _ in later}
            self._mark(later, 0)
            self._set_at.update(serials)

    def get(self, path: str) -> str | None:
        return self.marks.get(path)

    def set(self, items: list[tuple[str, str | None]]) -> None:
        """Decide now (the view follows at once) and save on the store thread."""
        self._mark(items, next(self._serial))
        self.service.call(jobs.save_decisions(items), on_failed=self._on_failed)

    def _mark(self, items: Iterable[tuple[str, str | None]], serial: int) -> list[str]:
        marks, sizes, set_at = self.marks, self._sizes, self._set_at  # locals: this runs per file on a bulk change
        files, size = self.totals.files, self.totals.bytes
        paths = []
        for path, decision in items:
            old = marks.get(path)
            if decision is None:
                marks.pop(path, None)
            else:
                marks[path] = decision
            set_at[path] = serial
            paths.append(path)
            if (old == TRASH) != (decision == TRASH) and path in sizes:
                sign = 1 if decision == TRASH else -1
                files, size = files + sign, size + sign * sizes[path]
        emit(self.changed, paths)
        self._set_totals(Totals(files, size))
        return paths

    def _set_totals(self, totals: Totals) -> None:
        self.totals = totals
        emit(self.totals_changed, totals)

    def mark(self, group: Group, path: str, decision: str) -> None:
        member = next((m for m in group.members if m.path == path), None)
        if member is None or (member.protected and decision == TRASH):
            return
        self.set([(path, decision)])

    def auto_select(self, group: Group) -> None:
        """The engine's proposal: keep the keeper, trash the copies, never a protected file or a RAW original."""
        self.set(review.auto_select([group]))

    def decide_many(self, groups: Sequence[Group], members: Iterable[tuple[Group, str]], decision: str) -> None:
        """K or T on a selection: whole groups (K keeps every member, T takes the engine's proposal) and single
        members (K keeps, T trashes; a protected file is never marked for the trash), saved as one change.

        Past BULK_GROUPS groups the decisions are worked out on the store thread, as Auto-select All's are (T on
        18,000 selected groups held the window 190 ms), and shown when saved; one made by hand meanwhile stays."""
        chosen = {id(g) for g in groups}
        singles: dict[str, str] = {}
        for g, path in members:
            member = next((m for m in g.members if m.path == path), None)
            if member is not None and id(g) not in chosen and not (member.protected and decision == TRASH):
                singles[path] = decision
        if len(groups) <= BULK_GROUPS:
            items = jobs.group_decisions(groups, decision) | singles
            if items:
                self.set(list(items.items()))
            return
        serial = next(self._serial)

        def done(saved: list[tuple[str, str]]) -> None:
            self._mark_saved(saved, serial)

        self.service.call(jobs.decide_groups(groups, decision, singles), done, self._on_failed)

    def auto_select_all(self, groups: list[Group], *, exact_only: bool = False) -> None:
        """The engine's proposal for many groups in one store job; members already decided keep their decision.

        The marks change when the job is done, in one update; a decision made by hand meanwhile was saved after the
        job's own (the store thread runs jobs in order), so it stays, here as in the store."""
        serial = next(self._serial)

        def done(selected: jobs.AutoSelected) -> None:
            fresh = self._mark_saved(selected.items, serial)
            emit(self.bulk_done, fresh, selected.groups, selected.uncertain)

        self.service.call(jobs.auto_select(groups, exact_only), done, self._on_failed)

    def _mark_saved(self, saved: list[tuple[str, str]], serial: int) -> int:
        """Show what a store job of change `serial` saved, except where a later change (by hand, while the job ran)
        set the file since: that one was saved after the job's, so it stays, here as in the store. Returns how
        many files were marked."""
        fresh = [(p, d) for p, d in saved if self._set_at.get(p, 0) < serial]
        self._mark(fresh, serial)
        return len(fresh)

    def _on_failed(self, message: str) -> None:
        emit(self.failed, self.tr("Could not save the decision: {message}").format(message=message))
