"""ProblemsPanel: files the scan could not use, each with the reason a person can act on."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from dedup_gui.core.types import Problem


class ProblemsPanel(QTreeWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["File", "Problem", "Details"])
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
