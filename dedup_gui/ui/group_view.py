"""GroupsPanel: the summary line, the filter box and the groups tree over GroupsModel."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.types import Group, Member
from dedup_gui.ui.file_actions import add_file_actions
from dedup_gui.ui.group_columns import COLUMNS, MIN_STRETCH_WIDTH, column_index
from dedup_gui.ui.groups_model import LONG_LIST, GroupsModel
from dedup_gui.ui.signals import emit
from dedup_gui.ui.widgets import bold

KEY_COMMANDS = {
    Qt.Key.Key_K: "keep",
    Qt.Key.Key_T: "trash",
    Qt.Key.Key_N: "not-duplicates",
    Qt.Key.Key_Space: "flip",
    Qt.Key.Key_Return: "compare",
    Qt.Key.Key_Enter: "compare",
}


class MiddleElide(QStyledItemDelegate):
    """Elides a cell in the middle: file names and folders differ at both ends."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class GroupsPanel(QWidget):
    """The list of groups; several groups or copies can be selected (Shift, Ctrl), and K/T act on all of them."""

    current_changed = Signal(object, object)  # Group | None, Member | None
    key_command = Signal(str)  # the review keys pressed in the list: keep, trash, not-duplicates, flip, compare

    def __init__(self, model: GroupsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.summary = QLabel(model.summary())
        bold(self.summary)
        model.summary_changed.connect(self.summary.setText)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by file or folder name…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(model.set_filter)
        self.tree = QTreeView()
        self.tree.setModel(model)
        self.tree.setUniformRowHeights(True)  # constant-time layout for 10,000 groups
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.middle = MiddleElide(self.tree)  # "IMG_2024…_edited.jpg", not "IM…"
        header = self.tree.header()
        # The header asks the selection, on every paint, whether each column is wholly selected, a row at a time
        # (0.2-0.6 s with 18,000 groups selected). It shows no selection here, so it gets an empty one of its own.
        header.setSelectionModel(QItemSelectionModel(model, header))
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        for n, column in enumerate(COLUMNS):
            if column.elide_middle:
                self.tree.setItemDelegateForColumn(n, self.middle)
            if column.width:
                header.setSectionResizeMode(n, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(n, column.width)
            else:
                header.setSectionResizeMode(n, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(column_index("size"), Qt.SortOrder.DescendingOrder)  # space to free, largest first
        self.tree.setSortingEnabled(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.selectionModel().currentChanged.connect(self._on_current)
        self.tree.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.tree.installEventFilter(self)
        self._place: tuple[str | None, str | None, int] = (None, None, 0)  # kept across a reload of the list
        model.modelAboutToBeReset.connect(self._before_reset)
        model.modelReset.connect(self._after_reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # the review keys act on the list's current row; an event filter (not QShortcut) so they work whenever the
        # list has focus, and Space/Enter do not fall through to the view's own selection handling
        if watched is self.tree and event.type() == QEvent.Type.KeyPress:
            key_event = QKeyEvent(event)  # type: ignore[call-overload]
            if key_event.matches(QKeySequence.StandardKey.SelectAll) and self.model.group_count() > LONG_LIST:
                self.select_all()
                return True
            if key_event.key() == Qt.Key.Key_End:
                self.model.fetch_all()  # End reaches the last group, not the last of the rows fetched so far
            command = KEY_COMMANDS.get(Qt.Key(key_event.key()))
            if command and not key_event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                emit(self.key_command, command)
                return True
        return super().eventFilter(watched, event)

    def _on_scrolled(self, value: int) -> None:
        if value == self.tree.verticalScrollBar().maximum():  # the end of the rows given: the next ones
            self.model.fetch_more()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        emit(self.current_changed, self.model.group_at(current), self.model.member_at(current))

    def _before_reset(self) -> None:
        index = self.tree.currentIndex()
        group, member = self.current()
        top = index.parent().row() if index.parent().isValid() else index.row()
        self._place = (group.keeper if group else None, member.path if member else None, max(top, 0))

    def _after_reset(self) -> None:
        """The list came back (a dismissal, an apply, an undo): stay on the same copy or group, else on the group
        that took its row, so a review goes on where it was."""
        if self.model.group_count() <= LONG_LIST:  # expanding 10,000 groups would cost seconds: long lists start closed
            self.tree.expandAll()
            self._restore_place()
        else:  # a long list lays all its rows out to show one (30 ms at 7,000 groups): in an event-loop turn of
            # its own, not in the one that reset the model (sorted and counted it), so neither holds the window long
            QTimer.singleShot(1, self._restore_place)

    def _restore_place(self) -> None:
        if not self.model.rowCount():
            emit(self.current_changed, None, None)
            return
        keeper, path, row = self._place
        group = self.model.row_of(keeper).parent() if keeper else QModelIndex()
        member = self.model.row_of(path) if path else QModelIndex()
        if member.isValid() and (member.parent() == group or not group.isValid()):
            index = member  # the same copy, still in its group
        elif group.isValid():
            index = group  # the copy went (trashed, or split off as not a duplicate): its group
        else:
            index = self.model.top_index(min(row, self.model.group_count() - 1))
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)

    def current(self) -> tuple[Group | None, Member | None]:
        index = self.tree.currentIndex()
        return self.model.group_at(index), self.model.member_at(index)

    def select_path(self, path: str) -> None:
        """Make the member row of `path` current (in the current group)."""
        group_index = self.tree.currentIndex()
        if group_index.parent().isValid():
            group_index = group_index.parent()
        for r in range(self.model.rowCount(group_index)):
            index = self.model.index(r, 0, group_index)
            member = self.model.member_at(index)
            if member is not None and member.path == path:
                self.tree.setCurrentIndex(index)
                return

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Hide the optional columns (date, copies) the width cannot hold, most optional first."""
        room = self.tree.viewport().width() - MIN_STRETCH_WIDTH
        fixed = sum(c.width for c in COLUMNS)
        for n, column in sorted(enumerate(COLUMNS), key=lambda nc: -nc[1].drop_order):
            hide = column.drop_order > 0 and fixed > room
            if hide:
                fixed -= column.width
            self.tree.setColumnHidden(n, hide)

    def select_all(self) -> None:
        """Every group the filter shows (Ctrl+A on a long list): one selection range. The tree's own select-all
        walks its rows with several Python calls each, 0.6-1.0 s at 18,000 groups."""
        self.model.fetch_all()
        last = self.model.rowCount() - 1
        if last >= 0:
            every = QItemSelection(self.model.index(0, 0), self.model.index(last, self.model.columnCount() - 1))
            self.tree.selectionModel().select(every, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def selection(self) -> tuple[list[Group], list[tuple[Group, str]]]:
        """The selected groups, and the selected copies outside them (the current row when nothing is selected).

        Read from the selection's ranges, not row by row: all 18,000 groups selected are one range (0.4-0.5 s of
        Python calls a row at a time)."""
        groups: dict[int, Group] = {}
        copies: list[tuple[Group, Member]] = []
        ranges = [r for r in self.tree.selectionModel().selection() if r.left() == 0]
        for r in ranges:
            found, members = self.model.rows_between(r.parent(), r.top(), r.bottom())
            groups.update((id(g), g) for g in found)
            copies.extend(members)
        if not ranges:
            current = self.tree.currentIndex()
            group, member = self.model.group_at(current), self.model.member_at(current)
            if group is not None and member is None:
                groups[id(group)] = group
            elif group is not None and member is not None:
                copies.append((group, member))
        members = [(g, m.path) for g, m in copies if id(g) not in groups]
        return list(groups.values()), members

    def _menu(self, pos: QPoint) -> None:
        """The review actions for the selection (the row clicked joins it), then the clicked file's own actions."""
        index = self.tree.indexAt(pos)
        group, member = self.model.group_at(index), self.model.member_at(index)
        if group is None:
            return
        if not self.tree.selectionModel().isSelected(index):
            self.tree.setCurrentIndex(index)  # a click outside the selection selects that row alone
        groups, members = self.selection()
        many = len(groups) + len(members) > 1
        menu = QMenu(self)
        for text, command in (
            (self._keep_text(groups, many), "keep"),
            (self._trash_text(groups, members, many), "trash"),
            (self.tr("Not Duplicates (N)"), "not-duplicates"),
            (self.tr("Compare Large (Enter)"), "compare"),
        ):
            action = QAction(text, menu)
            action.triggered.connect(lambda _=False, c=command: emit(self.key_command, c))
            action.setEnabled(not (many and command in ("not-duplicates", "compare")))  # those act on one row
            menu.addAction(action)
        menu.addSeparator()
        add_file_actions(menu, member.path if member is not None else group.keeper)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.tree.viewport().mapToGlobal(pos))
        self.menu = menu

    def _keep_text(self, groups: list[Group], many: bool) -> str:
        if many:
            return self.tr("Keep All Selected (K)")
        return self.tr("Keep All Copies (K)") if groups else self.tr("Keep (K)")

    def _trash_text(self, groups: list[Group], members: list[tuple[Group, str]], many: bool) -> str:
        if not many:
            return self.tr("Auto-select: Keep the Proposed Copy (T)") if groups else self.tr("Trash (T)")
        if groups and members:
            return self.tr("Auto-select Groups, Trash Copies (T)")
        return self.tr("Auto-select Selected Groups (T)") if groups else self.tr("Trash Selected Copies (T)")

    def focus_tree(self) -> None:
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
