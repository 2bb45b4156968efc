"""GroupsModel: duplicate groups (top level) and their members (children) over plain `Group` records.

Rows are computed lazily in data(); loading is one reset over a pre-sorted list, so 10,000 groups load in
milliseconds. A member's internalId is its group's row + 1 (0 marks a group), which keeps parent() O(1).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from dedup_gui.core.types import Group, Member, Tier
from dedup_gui.ui.signals import emit
from dedup_gui.ui.text import human_size, short_path

COLUMNS = ("File", "Size", "Resolution", "Match", "Decision")
TIER_LABELS = {Tier.EXACT: "Exact copy", Tier.SAME_PHOTO: "Same photo", Tier.SIMILAR: "Similar shot"}
GroupRole = Qt.ItemDataRole.UserRole + 1  # the Group of any row
MemberRole = Qt.ItemDataRole.UserRole + 2  # the Member of a member row, None on a group row
AnyIndex = QModelIndex | QPersistentModelIndex


class GroupsModel(QAbstractItemModel):
    summary_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Group] = []
        self._rows: list[Group] = []
        self._filter = ""
        self._decisions: Mapping[str, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._trash_brush = QBrush(QColor("#b3261e"))
        self._keep_brush = QBrush(QColor("#1b6e3a"))

    # -- loading ------------------------------------------------------------------------------------------

    def set_groups(self, groups: Iterable[Group], decisions: Mapping[str, str] | None = None) -> None:
        self.beginResetModel()
        self._all = sorted(groups, key=lambda g: -g.reclaimable_bytes)
        if decisions is not None:
            self._decisions = decisions
        self._rows = self._filtered()
        self.endResetModel()
        emit(self.summary_changed, self.summary())

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self._filter = text.strip().casefold()
        self._rows = self._filtered()
        self.endResetModel()
        emit(self.summary_changed, self.summary())

    def _filtered(self) -> list[Group]:
        if not self._filter:
            return list(self._all)
        f = self._filter
        return [g for g in self._all if any(f in m.path.casefold() for m in g.members)]

    def groups(self) -> list[Group]:
        return list(self._all)

    def summary(self) -> str:
        groups = self._rows
        files = sum(len(g.members) for g in groups)
        saved = sum(g.reclaimable_bytes for g in groups)
        shown = "" if len(groups) == len(self._all) else f" (filtered from {len(self._all)})"
        return f"{len(groups)} groups{shown} · {files} files · {human_size(saved)} reclaimable"

    # -- edits from the review -----------------------------------------------------------------------------

    def decisions_changed(self, paths: Iterable[str]) -> None:
        wanted = set(paths)
        for row, g in enumerate(self._rows):
            hits = [i for i, m in enumerate(g.members) if m.path in wanted]
            if hits:
                last = len(COLUMNS) - 1
                emit(self.dataChanged, self.index(row, last), self.index(row, last))
                parent = self.index(row, 0)
                emit(self.dataChanged, self.index(min(hits), last, parent), self.index(max(hits), last, parent))

    def remove_members(self, paths: Iterable[str]) -> None:
        """Drop members (trashed, or not duplicates); a group left with one member goes too."""
        gone = set(paths)
        if not gone:
            return
        kept: list[Group] = []
        for g in self._all:
            members = tuple(m for m in g.members if m.path not in gone)
            if len(members) == len(g.members):
                kept.append(g)
            elif len(members) >= 2:
                keeper = g.keeper if any(m.path == g.keeper for m in members) else members[0].path
                kept.append(replace(g, members=members, keeper=keeper))
        self.set_groups(kept)

    # -- lookups --------------------------------------------------------------------------------------------

    def group_at(self, index: AnyIndex) -> Group | None:
        if not index.isValid():
            return None
        gid = index.internalId()
        return self._rows[gid - 1 if gid else index.row()]

    def member_at(self, index: AnyIndex) -> Member | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._rows[index.internalId() - 1].members[index.row()]

    # -- QAbstractItemModel -----------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._rows) else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= len(self._rows):
            return QModelIndex()
        if row >= len(self._rows[parent.row()].members):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._rows)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._rows[parent.row()].members)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() != 0:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        group = self.group_at(index)
        member = self.member_at(index)
        if role == GroupRole:
            return group
        if role == MemberRole:
            return member
        if group is None:
            return None
        if member is None:
            return self._group_data(group, index.column(), role)
        return self._member_data(group, member, index.column(), role)

    def _group_data(self, g: Group, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{len(g.members)} × {os.path.basename(g.keeper)}"
            if column == 1:
                return f"{human_size(g.reclaimable_bytes)} to free"
            if column == 3:
                return TIER_LABELS[g.tier]
            if column == 4:
                marked = [self._decisions.get(m.path) for m in g.members]
                if not any(marked):
                    return "undecided"
                return f"{marked.count('keep')} keep · {marked.count('trash')} trash"
        if role == Qt.ItemDataRole.FontRole and column == 0:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Proposed keeper: {g.keeper}\n{g.keeper_reason}"
        return None

    def _member_data(self, g: Group, m: Member, column: int, role: int):
        decision = self._decisions.get(m.path)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                where = short_path(os.path.dirname(m.path), 2)  # copies often share a name: show where each is
                return f"{os.path.basename(m.path)}  ({where})" + ("  ★ keeper" if m.path == g.keeper else "")
            if column == 1:
                return human_size(m.size)
            if column == 2:
                return f"{m.info.width} × {m.info.height}" if m.info else "?"
            if column == 3:
                return "proposed keeper" if m.evidence is None else m.evidence.description or m.evidence.method
            if column == 4:
                return decision or ("protected" if m.protected else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return m.path
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return self._trash_brush if decision == "trash" else self._keep_brush if decision == "keep" else None
        return None
