"""Starts the Qt application and the main window."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


class MainWindow(QMainWindow):
    """A minimal drop target until the review window lands."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("dedup-gui")
        self.setAcceptDrops(True)
        self.folders: list[str] = []
        self.label = QLabel("Drop folders here to find duplicate photos")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.label)
        self.resize(900, 600)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.folders += [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.label.setText("\n".join(self.folders))


def main(argv: Sequence[str]) -> int:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    window = MainWindow()
    window.show()
    return app.exec()
