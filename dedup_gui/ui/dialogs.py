"""Small dialogs: the apply confirmation and the report of what an apply or undo did."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.actions import Report, Status
from dedup_gui.ui.text import human_size


def _tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def confirm_apply(parent: QWidget, files: int, size: int) -> QMessageBox:
    """Not shown yet: the caller opens it (exec() or open()) so tests and screenshots can look at it."""
    box = QMessageBox(parent)
    box.setWindowTitle(_tr("Move files to the trash?"))
    box.setIcon(QMessageBox.Icon.Question)
    text = (
        _tr("<b>Move {files} files ({size}) to the trash?</b>")
        if files != 1
        else _tr("<b>Move 1 file ({size}) to the trash?</b>")
    )
    box.setText(text.format(files=files, size=human_size(size)))
    box.setInformativeText(
        _tr(
            "Each file is checked first: it must be unchanged since the scan, outside protected folders, and never "
            "the last copy of its group. You can undo this with Undo Last Apply (Ctrl+Z), or restore files from "
            "the trash."
        )
    )
    move = box.addButton(_tr("Move to Trash"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(move)
    return box


class ReportDialog(QDialog):
    def __init__(self, title: str, report: Report, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        done = report.with_status(Status.TRASHED, Status.RESTORED)
        restored = any(o.status is Status.RESTORED for o in done)
        text = (
            _tr("<b>{done} files restored</b> ({size}); {failed} could not be restored.")
            if restored
            else _tr("<b>{done} files moved to the trash</b> ({size}); {failed} could not be moved.")
        )
        summary = QLabel(text.format(done=len(done), size=human_size(report.done_bytes), failed=len(report.failures)))
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        if report.failures:
            tree = QTreeWidget()
            tree.setHeaderLabels([_tr("File"), _tr("Why")])
            tree.setRootIsDecorated(False)
            for o in report.failures:
                item = QTreeWidgetItem([o.path, o.message])
                item.setToolTip(0, o.path)
                tree.addTopLevelItem(item)
            tree.resizeColumnToContents(0)
            layout.addWidget(tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(720, 360 if report.failures else 120)
