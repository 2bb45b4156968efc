"""DismissedPanel: every "not duplicates" decision (what, when, which files), each with an Undo button.

Undoing asks the engine (`review.undo_dismissal` on the store thread) and the window reloads the review: the files
come back as copies, in the groups the scan found.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.store import Dismissal
from dedup_gui.ui.signals import emit

WHAT, WHEN, FILES, UNDO = range(4)


class DismissedPanel(QWidget):
    undo_requested = Signal(int)  # the dismissal's id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = QLabel(self.tr("Nothing is marked “not duplicates”. Press N on a copy or a group to do so."))
        self.empty.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Not duplicates"), self.tr("When"), self.tr("Files"), ""])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Stretch)
        for column in (WHEN, FILES, UNDO):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.buttons: dict[int, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        self.set_dismissals(())

    def set_dismissals(self, dismissals: tuple[Dismissal, ...] | list[Dismissal]) -> None:
        """Newest first (the engine's order); a file list under each, folded."""
        self.tree.clear()
        self.buttons.clear()
        for d in dismissals:
            when = QDateTime.fromSecsSinceEpoch(int(d.created)).toString("yyyy-MM-dd HH:mm")
            item = QTreeWidgetItem([d.label, when, str(len(d.paths)), ""])
            item.setToolTip(WHAT, d.label)
            for path in d.paths:
                child = QTreeWidgetItem([os.path.basename(path), "", "", ""])
                child.setToolTip(WHAT, path)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            button = QPushButton(self.tr("Undo"))
            button.setToolTip(self.tr("Show these files as copies again"))
            button.clicked.connect(lambda _=False, did=d.id: self._undo(did))
            self.tree.setItemWidget(item, UNDO, button)
            self.buttons[d.id] = button
        self.empty.setVisible(not dismissals)
        self.tree.setVisible(bool(dismissals))

    def _undo(self, dismissal_id: int) -> None:
        button = self.buttons.get(dismissal_id)
        if button is not None:
            button.setEnabled(False)  # once: the list is rebuilt when the review comes back
        emit(self.undo_requested, dismissal_id)
