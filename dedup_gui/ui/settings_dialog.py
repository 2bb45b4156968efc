"""SettingsDialog: edits the typed Settings record (saved as TOML by the caller)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.settings import DEVICES, Settings
from dedup_gui.ui.folder_panel import MODES


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.original = settings
        self.mode = QComboBox()
        for mode, label, _ in MODES:
            self.mode.addItem(label, mode.value)
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        self.phash = QSpinBox()
        self.phash.setRange(0, 64)
        self.phash.setValue(settings.phash_threshold)
        self.dhash = QSpinBox()
        self.dhash.setRange(0, 64)
        self.dhash.setValue(settings.dhash_threshold)
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.device.setCurrentText(settings.device)
        self.embeddings = QCheckBox("Use the neural network (finds crops and edits; slower)")
        self.embeddings.setChecked(settings.embeddings)
        self.rules = QListWidget()
        self.rules.addItems(list(settings.keeper_rules))
        self.rules.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.rules.setMaximumHeight(130)
        self.excludes = QLineEdit(", ".join(settings.exclude_patterns))
        self.excludes.setPlaceholderText("*.tmp, Thumbs, @eaDir")
        self.store = QLineEdit(settings.store_path)
        self.store.setPlaceholderText("default (in the user data folder)")
        form = QFormLayout()
        form.addRow("Look for", self.mode)
        form.addRow("pHash distance", self.phash)
        form.addRow("dHash distance", self.dhash)
        form.addRow("Device", self.device)
        form.addRow("", self.embeddings)
        form.addRow("Keeper rules (drag to order)", self.rules)
        form.addRow("Exclude patterns", self.excludes)
        form.addRow("Store file", self.store)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        excludes = tuple(p.strip() for p in self.excludes.text().split(",") if p.strip())
        return replace(
            self.original,
            mode=self.mode.currentData(),
            phash_threshold=self.phash.value(),
            dhash_threshold=self.dhash.value(),
            device=self.device.currentText(),
            embeddings=self.embeddings.isChecked(),
            keeper_rules=tuple(self.rules.item(i).text() for i in range(self.rules.count())),
            exclude_patterns=excludes,
            store_path=self.store.text().strip(),
        ).validated()
