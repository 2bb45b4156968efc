"""GroupsModel: duplicate groups (top level) and their members (children) over plain `Group` records.

Rows are computed lazily in data(); loading and sorting are one reset over a sorted list, so 10,000 groups load
and sort in milliseconds. A member's internalId is its group's row + 1 (0 marks a group), which keeps parent() O(1).
The view gets the group rows FETCH_ROWS at a time, as it scrolls to the end (`fetch_more`): its layout makes two
Python calls per row it has, 120-140 ms at 18,000 groups in one turn.
Columns come from `group_columns.COLUMNS`; sorting orders the groups, a group's members keep the keeper first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from dedup_gui.core.types import Group, Member
from dedup_gui.ui.group_columns import COLUMNS, RowContext, column_index, tier_label, tr
from dedup_gui.ui.listing import Listing, Order, SortKeys, build
from dedup_gui.ui.signals import emit
from dedup_gui.ui.style import decision_color
from dedup_gui.ui.text import folder_labels, human_size

__all__ = ["COLUMNS", "GroupRole", "GroupsModel", "MemberRole", "tier_label"]

GroupRole = Qt.ItemDataRole.UserRole + 1  # the Group of any row
MemberRole = Qt.ItemDataRole.UserRole + 2  # the Member of a member row, None on a group row
AnyIndex = QModelIndex | QPersistentModelIndex
DECISION = column_index("decision")
# a list longer than this starts closed, and is shown in event-loop turns of their own (its layout walks every row)
LONG_LIST = 500
BULK_PATHS = 500  # a change of more decisions than this is announced as one change of the whole list
SUMMARY = "{groups} groups · {files} files · {size} to free"  # counts with thousands separators: "18,357 groups"
FETCH_ROWS = 1_000  # group rows handed to the view at a time, the next ones as it scrolls to the end


class GroupsModel(QAbstractItemModel):
    summary_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Group] = []
        self._keys = SortKeys([])  # every column's sort keys of `_all`
        self._rows: list[Group] = []  # the groups the filter shows, in order
        self._fetched = 0  # how many of them the view has been given (rowCount of the root)
        self._filter = ""
        self._decisions: Mapping[str, str] = {}
        self._order = Order(column_index("size"), descending=True)
        self._folders: dict[int, dict[str, str]] = {}  # id(group) -> path -> folder label, filled as rows show
        self._where: dict[str, tuple[int, int]] = {}  # path -> (id of its group, member row), built on load
        self._row_of_group: dict[int, int] | None = None  # id(group) -> row shown; rebuilt after a sort or filter
        self._summary: str | None = None  # counted once per change of the rows: 15 ms at 18,000 groups
        self._totals: tuple[int, int] | None = None  # files and bytes to free in all groups, when already counted
        self._context = RowContext(self._decision, self._folder_label)
        self._bold = QFont()
        self._bold.setBold(True)

    # -- loading, filtering, sorting --------------------------------------------------------------------------

    def set_groups(self, groups: Iterable[Group], decisions: Mapping[str, str] | None = None) -> None:
        """Show these groups: sorted and indexed here, on the UI thread (a few hundred groups, or a removal)."""
        if decisions is not None:
            self._decisions = decisions
        self.show(build(list(groups), self._order, self._decisions, every_key=False))

    def show(self, listing: Listing, decisions: Mapping[str, str] | None = None) -> None:
        """Show a listing built off the UI thread: assignments, unless the person sorted by another column since."""
        self.beginResetModel()
        if decisions is not None:
            self._decisions = decisions
        self._all = listing.groups
        self._keys = listing.keys
        self._folders.clear()
        self._where = listing.where
        self._totals = (listing.files, listing.reclaimable)
        self._row_of_group = None
        if listing.order != self._order:
            self._sort_all()
        self._rows = self._filtered()
        self._fetched = min(len(self._rows), FETCH_ROWS)
        self._summary = None
        self.endResetModel()
        emit(self.summary_changed, self.summary())

    def order(self) -> Order:
        """The order the groups are shown in: what a listing built elsewhere should be sorted by."""
        return self._order

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self._filter = text.strip().casefold()
        self._rows = self._filtered()
        self._fetched = min(len(self._rows), FETCH_ROWS)
        self._row_of_group = None
        self._summary = None
        self.endResetModel()
        emit(self.summary_changed, self.summary())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        emit(self.layoutAboutToBeChanged)
        old = self.persistentIndexList()
        where = [(self.group_at(i), i.internalId() != 0, i.row(), i.column()) for i in old]
        self._order = Order(column, order == Qt.SortOrder.DescendingOrder)
        self._sort_all()
        self._rows = self._filtered()
        self._row_of_group = row_of = {id(g): r for r, g in enumerate(self._rows)}
        new = []
        rows = [row_of.get(id(group)) for group, *_ in where]
        # the current row and the selection follow their group, which the view is given if it sorted further down;
        # otherwise the view starts again from the first rows (it lays out every row it has on each sort)
        needed = max((r + 1 for r in rows if r is not None), default=0)
        self._fetched = min(len(self._rows), max(FETCH_ROWS, needed))
        for (_, is_member, row, col), r in zip(where, rows, strict=True):
            if r is None:
                new.append(QModelIndex())
            else:
                new.append(self.createIndex(row, col, r + 1) if is_member else self.createIndex(r, col, 0))
        self.changePersistentIndexList(old, new)
        emit(self.layoutChanged)

    def _sort_all(self) -> None:
        self._all = self._keys.sorted(self._order, self._decision)

    def _filtered(self) -> list[Group]:
        if not self._filter:
            return list(self._all)
        f = self._filter
        return [g for g in self._all if any(f in m.path.casefold() for m in g.members)]

    def groups(self) -> list[Group]:
        return list(self._all)

    def visible_groups(self) -> list[Group]:
        """Every group the filter shows, whether or not the view has been given its row yet."""
        return list(self._rows)

    def group_count(self) -> int:
        return len(self._rows)

    def fetch_to(self, rows: int) -> None:
        """Give the view the first `rows` group rows (a row to show, or all of them to select all)."""
        new = min(rows, len(self._rows))
        if new <= self._fetched:
            return
        self.beginInsertRows(QModelIndex(), self._fetched, new - 1)
        self._fetched = new
        self.endInsertRows()

    def fetch_more(self) -> bool:
        """The next FETCH_ROWS group rows, when the list is scrolled to its end; False when it has them all.

        Not Qt's canFetchMore/fetchMore: the tree calls fetchMore on every layout of its own (a sort, a filter),
        so the rows it holds, and each layout's cost, would creep up with every click on a column header."""
        if self._fetched >= len(self._rows):
            return False
        self.fetch_to(self._fetched + FETCH_ROWS)
        return True

    def fetch_all(self) -> None:
        self.fetch_to(len(self._rows))

    def top_index(self, row: int) -> QModelIndex:
        """The group row `row` of the groups shown, given to the view first if it has not been."""
        self.fetch_to(row + 1)
        return self.index(row, 0)

    def summary(self) -> str:
        if self._summary is None:
            self._summary = self._count()
        return self._summary

    def _count(self) -> str:
        groups = self._rows
        if self._totals is not None and len(groups) == len(self._all):
            files, saved = self._totals
        else:
            files = sum(len(g.members) for g in groups)
            saved = sum(g.reclaimable_bytes for g in groups)
        line = "{groups} group · {files} files · {size} to free" if len(groups) == 1 else SUMMARY
        text = tr(line).format(groups=f"{len(groups):,}", files=f"{files:,}", size=human_size(saved))
        if len(groups) != len(self._all):
            text += " " + tr("(filtered from {total})").format(total=f"{len(self._all):,}")
        return text

    def _decision(self, path: str) -> str | None:
        return self._decisions.get(path)

    def _folder_label(self, group: Group, path: str) -> str:
        labels = self._folders.get(id(group))
        if labels is None:
            folders = folder_labels([os.path.dirname(p) for p in group.paths])
            labels = self._folders[id(group)] = dict(zip(group.paths, folders, strict=True))
        return labels.get(path, "")

    # -- edits from the review -----------------------------------------------------------------------------

    def _group_rows(self) -> dict[int, int]:
        if self._row_of_group is None:
            self._row_of_group = {id(g): r for r, g in enumerate(self._rows)}
        return self._row_of_group

    def decisions_changed(self, paths: Sequence[str]) -> None:
        """Repaint the decisions of these paths: found through the path index, not by walking every group."""
        if len(paths) > BULK_PATHS and self._fetched:
            # An auto-select of the whole list: one signal over every group row. A change spanning rows makes the
            # views repaint all they show (copies under an open group included, whose decisions are read as they
            # paint); one signal per group would cost more than the change itself, and a layout change a relayout.
            emit(self.dataChanged, self.index(0, DECISION), self.index(self._fetched - 1, DECISION))
            return
        group_rows = self._group_rows()
        hits: dict[int, list[int]] = {}
        for path in paths:
            where = self._where.get(path)
            row = group_rows.get(where[0]) if where else None
            if where is not None and row is not None and row < self._fetched:  # rows not given yet read it later
                hits.setdefault(row, []).append(where[1])
        for row, members in hits.items():
            emit(self.dataChanged, self.index(row, DECISION), self.index(row, DECISION))
            parent = self.index(row, 0)
            emit(
                self.dataChanged, self.index(min(members), DECISION, parent), self.index(max(members), DECISION, parent)
            )

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

    def rows_between(self, parent: AnyIndex, top: int, bottom: int) -> tuple[list[Group], list[tuple[Group, Member]]]:
        """Rows top..bottom under `parent`: groups (no parent), or the members of one group."""
        if not parent.isValid():
            return self._rows[top : bottom + 1], []
        group = self.group_at(parent)
        return [], [(group, m) for m in group.members[top : bottom + 1]] if group is not None else []

    def row_of(self, path: str) -> QModelIndex:
        """The member row of `path` in the visible groups (its group given to the view), or an invalid index."""
        where = self._where.get(path)
        row = self._group_rows().get(where[0]) if where else None
        if where is None or row is None:
            return QModelIndex()
        return self.index(where[1], 0, self.top_index(row))

    # -- QAbstractItemModel -----------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < self._fetched else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= self._fetched:
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
            return self._fetched
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._rows[parent.row()].members)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        # the view asks this of every group on each layout: answered without counting (a group has 2+ members)
        if not parent.isValid():
            return bool(self._rows)
        return parent.internalId() == 0 and parent.column() == 0

    # no flags() here: QAbstractItemModel's own (enabled, selectable) answers from C++, and the view asks it twice
    # for every row on each layout (14,000 Python calls at 7,000 groups)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(column.title)
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            return column.first_order.value
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value
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
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if member is None:
                return column.group_text(group, self._context)
            return column.member_text(group, member, self._context)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value
        if role == Qt.ItemDataRole.FontRole and member is None and column.key == "file":
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if member is None:
                return tr("Proposed keeper: {path}\n{reason}").format(path=group.keeper, reason=group.keeper_reason)
            return member.path
        if role == Qt.ItemDataRole.ForegroundRole and member is not None and column.key == "decision":
            return decision_color(self._decisions.get(member.path))
        return None
