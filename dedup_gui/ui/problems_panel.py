"""ProblemsPanel: files the scan could not use, each with the reason a person can act on, and a menu to act."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from dedup_gui.core.types import Problem
from dedup_gui.ui.file_actions import copy_paths, file_menu


class ProblemsPanel(QTreeWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels([self.tr("File"), self.tr("Problem"), self.tr("Details")])
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.header().setStretchLastSection(True)

    def set_problems(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.clear()
        items = []
        for p in problems:
            item = QTreeWidgetItem([p.path, p.kind.value.replace("-", " "), p.message])
            item.setToolTip(0, p.path)
            item.setToolTip(2, p.message)
            items.append(item)
        self.addTopLevelItems(items)
        self.setColumnWidth(0, 420)
        self.setColumnWidth(1, 120)

    def selected_paths(self) -> list[str]:
        return [item.text(0) for item in self.selectedItems()]

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        if not item.isSelected():
            self.setCurrentItem(item)
        paths = self.selected_paths()
        extra = (
            [(self.tr("Copy {count} Paths").format(count=len(paths)), lambda: copy_paths(paths))]
            if len(paths) > 1
            else []
        )
        menu = file_menu(self, item.text(0), extra)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))
        self.menu = menu
