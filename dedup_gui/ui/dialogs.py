"""Small dialogs: the apply confirmation and the report of what an apply or undo did."""

from __future__ import annotations

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


def confirm_apply(parent: QWidget, files: int, size: int) -> QMessageBox:
    """Not shown yet: the caller opens it (exec() or open()) so tests and screenshots can look at it."""
    box = QMessageBox(parent)
    box.setWindowTitle("Move files to the trash?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"<b>Move {files} file{'s' if files != 1 else ''} ({human_size(size)}) to the trash?</b>")
    box.setInformativeText(
        "Each file is checked first: it must be unchanged since the scan, outside protected folders, and never "
        "the last copy of its group. You can undo this with Undo Last Apply, or restore files from the trash."
    )
    move = box.addButton("Move to Trash", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(move)
    return box


class ReportDialog(QDialog):
    def __init__(self, title: str, report: Report, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        done = report.with_status(Status.TRASHED, Status.RESTORED)
        verb = "restored" if any(o.status is Status.RESTORED for o in done) else "moved to the trash"
        summary = QLabel(
            f"<b>{len(done)} files {verb}</b> ({human_size(report.done_bytes)}); "
            f"{len(report.failures)} could not be {'restored' if 'restored' in verb else 'moved'}."
        )
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        if report.failures:
            tree = QTreeWidget()
            tree.setHeaderLabels(["File", "Why"])
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
