"""ReviewPage: the results: a message bar that stays, the group list above, the selected group's copies below,
and what the review keys and buttons do (keep, trash, auto-select, not duplicates, the large compare view).

Decisions go through `Decisions` (saved on the store thread); nothing here reads files or SQLite.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from dedup_gui.core import export
from dedup_gui.core.types import Group, Member, Problem, ScanResult, ScanStats, ScanStatus
from dedup_gui.ui import jobs
from dedup_gui.ui.compare_dialog import CompareDialog
from dedup_gui.ui.compare_view import CompareView
from dedup_gui.ui.decisions import Decisions
from dedup_gui.ui.group_view import GroupsPanel
from dedup_gui.ui.groups_model import GroupsModel
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.signals import emit
from dedup_gui.ui.store_service import StoreService
from dedup_gui.ui.widgets import MessageBar

ALL, SHOWN, EXACT = "all", "shown", "exact"  # what Auto-select All covers


class ReviewPage(QWidget):
    status_message = Signal(str)  # a passing note for the status bar
    reloaded = Signal(object)  # jobs.Loaded after a change the engine made (a dismissal)

    def __init__(
        self,
        model: GroupsModel,
        images: ImageLoader,
        decisions: Decisions,
        service: StoreService,
        keeper_rules: Callable[[], Sequence[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.images, self.decisions, self.service = model, images, decisions, service
        self.keeper_rules = keeper_rules
        self.compare_dialog: CompareDialog | None = None
        self.message = MessageBar()
        self.groups = GroupsPanel(model)
        self.groups.current_changed.connect(self._on_current)
        self.groups.key_command.connect(self._on_key_command)
        self.compare = CompareView(images, decisions.get, keeper_rules)
        self.compare.member_selected.connect(self.groups.select_path)
        self.compare.decision_requested.connect(self._mark_path)
        self.compare.auto_select_requested.connect(self.auto_select)
        self.compare.not_duplicates_requested.connect(self.not_duplicates)
        self.compare.large_view_requested.connect(self.open_large_compare)
        decisions.changed.connect(self._on_decisions_changed)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.groups)
        split.addWidget(self.compare)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

    def _on_key_command(self, command: str) -> None:
        if command in ("keep", "trash"):
            self._mark_selection(command)
        elif command == "not-duplicates":
            self.not_duplicates()
        else:
            self.open_large_compare(flip=command == "flip")

    def _on_current(self, group: Group | None, member: Member | None) -> None:
        if group is not self.compare.group:
            self.compare.show_group(group, member.path if member else None)
        elif member is not None:
            self.compare.select(member.path)

    def _on_decisions_changed(self, paths: list[str]) -> None:
        self.model.decisions_changed(paths)
        self.compare.refresh_decisions()

    # -- decisions --------------------------------------------------------------------------------------------

    def _mark_path(self, path: str, decision: str) -> None:
        group = self.compare.group
        if group is not None:
            self.decisions.mark(group, path, decision)

    def _mark_selection(self, decision: str) -> None:
        """K/T on every selected group (K keeps all its copies, T takes the proposal) and every selected copy."""
        groups, members = self.groups.selection()
        self.decisions.decide_many(groups, members, decision)

    def auto_select(self) -> None:
        if self.compare.group is not None:
            self.decisions.auto_select(self.compare.group)

    def auto_select_all(self, scope: str) -> None:
        """The engine's proposal for every group (ALL), the groups the filter shows (SHOWN), or only the identical
        copies in every group (EXACT); decisions already made stay."""
        groups = self.model.visible_groups() if scope == SHOWN else self.model.groups()
        if groups:
            self.decisions.auto_select_all(groups, exact_only=scope == EXACT)

    def not_duplicates(self) -> None:
        group, member = self.groups.current()
        if group is None:
            return
        path = member.path if member is not None else None
        job = jobs.not_duplicates(group, path, self.keeper_rules(), self.model.order(), self.decisions.stamp())
        self.service.call(job, self._on_not_duplicates, lambda message: emit(self.status_message, message))

    def _on_not_duplicates(self, loaded: object) -> None:
        emit(self.reloaded, loaded)
        emit(
            self.status_message,
            self.tr("Marked as not duplicates; identical copies stay together (Undo: View > Dismissed)"),
        )

    def export_to(self, path: Path, problems: tuple[Problem, ...]) -> None:
        """The groups shown (filter applied) and the problems, written on the store thread."""
        groups = tuple(self.model.visible_groups())
        result = ScanResult(ScanStatus.COMPLETED, groups, problems, ScanStats())
        self.service.call(
            lambda _store: export.save(result, path),
            lambda _: emit(
                self.status_message,
                self.tr("{count} groups saved to {path}").format(count=len(groups), path=path),
            ),
            lambda message: self.message.show_message(
                self.tr("Export failed: {message}").format(message=html.escape(message))
            ),
        )

    def open_large_compare(self, flip: bool = False) -> None:
        group = self.compare.group
        if group is None or self.compare_dialog is not None:
            return
        dialog = CompareDialog(group, self.images, self.compare.selected, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.compare_dialog = dialog
        dialog.finished.connect(self._on_compare_closed)
        if flip:
            dialog.toggle_flip()
        dialog.open()

    def _on_compare_closed(self) -> None:
        self.compare_dialog = None
        self.groups.focus_tree()

    def close_compare(self) -> None:
        if self.compare_dialog is not None:
            self.compare_dialog.close()
