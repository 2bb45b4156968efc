"""SettingsDialog: edits the typed Settings record (saved as TOML by the caller)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.keeper import KEEPER_RULE_WORDS
from dedup_gui.core.settings import Settings
from dedup_gui.ui.folder_panel import MODES

DEVICE_WORDS = (
    ("auto", "Graphics card if there is one"),
    ("cpu", "Processor only"),
    ("gpu", "Graphics card (CUDA)"),
)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.original = settings
        self.mode = QComboBox()
        for mode, label, tip in MODES:
            self.mode.addItem(self.tr(label), mode.value)
            self.mode.setItemData(self.mode.count() - 1, self.tr(tip), Qt.ItemDataRole.ToolTipRole)
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        self.phash = QSpinBox()
        self.phash.setRange(0, 64)
        self.phash.setValue(settings.phash_threshold)
        self.phash.setToolTip(
            self.tr(
                "How far apart the overall-structure fingerprints (pHash, 64 bits) of two pictures may be for them "
                "to count as copies without further checks. Higher finds more edited copies and risks more "
                "mistakes. Default 10."
            )
        )
        self.dhash = QSpinBox()
        self.dhash.setRange(0, 64)
        self.dhash.setValue(settings.dhash_threshold)
        self.dhash.setToolTip(
            self.tr("The same for the edge fingerprints (dHash, 64 bits); both must agree. Default 14.")
        )
        self.device = QComboBox()
        for value, label in DEVICE_WORDS:
            self.device.addItem(self.tr(label), value)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.device.setToolTip(self.tr("Where the image model runs; a graphics card is several times faster"))
        self.embeddings = QCheckBox(self.tr("Use the image model (finds crops, screenshots and edits; slower)"))
        self.embeddings.setChecked(settings.embeddings)
        self.rotations = QCheckBox(
            self.tr("Also find copies turned and then cropped or edited (slower without a graphics card)")
        )
        self.rotations.setChecked(settings.rotations)
        self.rotations.setToolTip(
            self.tr(
                "The image model also looks at each photo turned a quarter, a half and three quarters round. Always"
                " on with a graphics card; on the processor it has four times the work, and decoding a library"
                " takes about twice as long."
            )
        )
        self.embeddings.toggled.connect(self.rotations.setEnabled)
        self.rotations.setEnabled(settings.embeddings)
        self.rules = QListWidget()
        for rule in settings.keeper_rules:
            label, tip = KEEPER_RULE_WORDS.get(rule, (rule, ""))
            item = QListWidgetItem(self.tr(label))
            item.setData(Qt.ItemDataRole.UserRole, rule)
            item.setToolTip(self.tr(tip))
            self.rules.addItem(item)
        self.rules.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.rules.setMaximumHeight(140)
        self.rules.setToolTip(self.tr("The first rule that tells two copies apart chooses the one to keep"))
        self.excludes = QLineEdit(", ".join(settings.exclude_patterns))
        self.excludes.setPlaceholderText("*.tmp, Thumbs, @eaDir")
        self.excludes.setToolTip(self.tr("File or folder names to skip, separated by commas; * matches anything"))
        self.store = QLineEdit(settings.store_path)
        self.store.setPlaceholderText(self.tr("default (in the user data folder)"))
        self.store.setToolTip(self.tr("The file that remembers scans, decisions and the undo journal"))
        form = QFormLayout()
        form.addRow(self.tr("Look for"), self.mode)
        form.addRow(self.tr("Tolerance for look-alike copies"), self.phash)
        form.addRow(self.tr("Tolerance, second check"), self.dhash)
        form.addRow(self.tr("Run the image model on"), self.device)
        form.addRow("", self.embeddings)
        form.addRow("", self.rotations)
        form.addRow(self.tr("Which copy to keep\n(drag to reorder)"), self.rules)
        form.addRow(self.tr("Skip names"), self.excludes)
        form.addRow(self.tr("Store file"), self.store)
        note = QLabel(
            self.tr("Changes apply to the next scan; new keeper rules can also be applied to the groups shown now.")
        )
        note.setStyleSheet("color: palette(placeholder-text);")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        excludes = tuple(p.strip() for p in self.excludes.text().split(",") if p.strip())
        return replace(
            self.original,
            mode=self.mode.currentData(),
            phash_threshold=self.phash.value(),
            dhash_threshold=self.dhash.value(),
            device=self.device.currentData(),
            embeddings=self.embeddings.isChecked(),
            rotations=self.rotations.isChecked(),
            keeper_rules=tuple(self.rules.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.rules.count())),
            exclude_patterns=excludes,
            store_path=self.store.text().strip(),
        ).validated()


def offer_repropose(parent: QWidget) -> QMessageBox:
    """Asked when the keeper rules change while groups are shown (not shown yet: the caller opens it)."""
    box = QMessageBox(parent)
    box.setWindowTitle(parent.tr("Propose keepers again?"))
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(parent.tr("<b>Choose the copy to keep again, with the new rules?</b>"))
    box.setInformativeText(
        parent.tr(
            "The groups of the last scan are rebuilt from what it stored: no photo is read again. Groups you "
            "auto-selected and did not change follow the new choice; decisions you made by hand stay as they are. "
            "Otherwise the new rules apply from the next scan."
        )
    )
    again = box.addButton(parent.tr("Choose Again"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(parent.tr("At the Next Scan"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(again)
    return box
