"""Decisions: the user's keep/trash marks, saved to the store the moment they are made (on the store thread)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from dedup_gui.core import review
from dedup_gui.core.types import Group
from dedup_gui.ui import jobs
from dedup_gui.ui.signals import emit
from dedup_gui.ui.store_service import StoreService


class Decisions(QObject):
    changed = Signal(list)  # paths whose decision changed
    failed = Signal(str)

    def __init__(self, service: StoreService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.marks: dict[str, str] = {}

    def replace_all(self, marks: dict[str, str]) -> None:
        self.marks = marks

    def get(self, path: str) -> str | None:
        return self.marks.get(path)

    def set(self, items: list[tuple[str, str | None]]) -> None:
        for path, decision in items:
            if decision is None:
                self.marks.pop(path, None)
            else:
                self.marks[path] = decision
        self.service.call(jobs.save_decisions(items), on_failed=self._on_failed)
        emit(self.changed, [p for p, _ in items])

    def mark(self, group: Group, path: str, decision: str) -> None:
        member = next((m for m in group.members if m.path == path), None)
        if member is None or (member.protected and decision == "trash"):
            return
        self.set([(path, decision)])

    def auto_select(self, group: Group) -> None:
        """The engine's proposal: keep the keeper, trash the copies, never a protected file or a RAW original."""
        self.set(review.auto_select([group]))

    def trash_count(self, groups: list[Group]) -> tuple[int, int]:
        paths = [(m.path, m.size) for g in groups for m in g.members if self.marks.get(m.path) == "trash"]
        return len(paths), sum(size for _, size in paths)

    def _on_failed(self, message: str) -> None:
        emit(self.failed, f"Could not save the decision: {message}")
