"""FolderPanel: the folders to scan, each with a role (scan / protected reference / excluded), and the mode."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.types import Mode
from dedup_gui.ui.signals import emit

ROLES = (("scan", "Scan"), ("protected", "Protected reference"), ("excluded", "Excluded"))
MODES = (
    (Mode.EXACT, "Exact copies", "Same bytes or the same pixels"),
    (Mode.NEAR, "Near-duplicates", "Also resized, rotated, re-encoded or re-coloured copies"),
    (Mode.SIMILAR, "Similar shots", "Also other shots of the same scene"),
)


class FolderPanel(QWidget):
    changed = Signal()
    scan_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Folder"), self.tr("Role")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(1, 150)  # room for "Protected reference"
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideLeft)
        self.add_button = QPushButton(self.tr("Add Folder…"))
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.mode = QComboBox()
        for mode, label, tip in MODES:
            self.mode.addItem(self.tr(label), mode.value)
            self.mode.setItemData(self.mode.count() - 1, self.tr(tip), Qt.ItemDataRole.ToolTipRole)
        self.mode.setCurrentIndex(1)
        self.mode_hint = QLabel(self.tr(MODES[1][2]))
        self.mode_hint.setWordWrap(True)
        self.mode_hint.setStyleSheet("color: palette(placeholder-text);")
        self.mode.currentIndexChanged.connect(lambda i: self.mode_hint.setText(self.tr(MODES[i][2])))
        self.mode.currentIndexChanged.connect(self.changed)
        self.scan_button = QPushButton(self.tr("Scan"))
        self.scan_button.setToolTip(self.tr("Look for copies in the folders above (F5)"))
        self.scan_button.setDefault(True)
        self.scan_button.setMinimumHeight(34)
        self.scan_button.clicked.connect(self.scan_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>" + self.tr("Folders") + "</b>"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>" + self.tr("Look for") + "</b>"))
        layout.addWidget(self.mode)
        layout.addWidget(self.mode_hint)
        layout.addSpacing(8)
        layout.addWidget(self.scan_button)
        self._update_buttons()

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Add a folder to scan"))
        if path:
            self.add_folder(path)

    def add_folder(self, path: str, role: str = "scan") -> None:
        path = os.path.normpath(path)
        if path in self.paths():
            return
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(path)
        item.setToolTip(path)
        self.table.setItem(row, 0, item)
        combo = QComboBox()
        for value, label in ROLES:
            combo.addItem(self.tr(label), value)
        combo.setCurrentIndex([r for r, _ in ROLES].index(role) if role in dict(ROLES) else 0)
        combo.currentIndexChanged.connect(self.changed)
        self.table.setCellWidget(row, 1, combo)
        self._update_buttons()
        emit(self.changed)

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._update_buttons()
        emit(self.changed)

    def paths(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]

    def roles(self) -> list[tuple[str, str]]:
        """(role, path) for every folder, in the order shown."""
        out = []
        for r in range(self.table.rowCount()):
            combo = self.table.cellWidget(r, 1)
            out.append((combo.currentData(), self.table.item(r, 0).text()))
        return out

    def set_mode(self, mode: str) -> None:
        index = self.mode.findData(mode)
        if index >= 0:
            self.mode.setCurrentIndex(index)

    def current_mode(self) -> str:
        return self.mode.currentData()

    def set_scanning(self, scanning: bool) -> None:
        for w in (self.table, self.add_button, self.remove_button, self.mode, self.scan_button):
            w.setEnabled(not scanning)
        if not scanning:
            self._update_buttons()

    def _update_buttons(self) -> None:
        self.scan_button.setEnabled(any(role != "excluded" for role, _ in self.roles()))
        self.remove_button.setEnabled(self.table.rowCount() > 0)
