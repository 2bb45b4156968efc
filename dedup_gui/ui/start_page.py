"""StartPage: what the window says when there are no results to show: how to begin, that a scan found nothing,
or that a scan was stopped, what it kept and how to go on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from dedup_gui.core.types import ScanStats


class StartPage(QWidget):
    add_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.add = QPushButton(self.tr("Add Folder…"))
        self.add.setMinimumSize(180, 40)
        self.add.clicked.connect(self.add_requested)
        box = QVBoxLayout(self)
        box.addStretch()
        box.addWidget(self.text)
        box.addSpacing(12)
        box.addWidget(self.add, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch()
        self.stopped = False

    def show_start(self, has_folders: bool) -> None:
        if self.stopped:  # the stop notice stays until the next scan
            return
        if has_folders:
            self.text.setText(
                self.tr(
                    "<h2>Ready to scan</h2><p>Set each folder's role on the left, choose what to look for, "
                    "then press <b>Scan</b> (F5).<br>Protected folders are compared but never trashed.</p>"
                )
            )
        else:
            self.text.setText(
                self.tr(
                    "<h2>Find duplicate photos</h2><p>Drop folders here, or click <b>Add Folder…</b></p>"
                    "<p>Then press <b>Scan</b>. Nothing is deleted until you review the copies and apply; "
                    "files go to the trash and can be restored.</p>"
                )
            )

    def show_no_duplicates(self) -> None:
        self.stopped = False
        self.text.setText(self.tr("<h2>No duplicates found</h2><p>Add more folders or try “Similar shots”.</p>"))

    def show_stopped(self, stats: ScanStats | None) -> None:
        """After a cancel: what was kept and how to go on, instead of an empty result."""
        self.stopped = True
        if stats is not None and stats.files:
            done = self.tr("{done} of {total} files are read and remembered.").format(
                done=f"{stats.decoded + stats.from_cache:,}", total=f"{stats.files:,}"
            )
        else:
            done = self.tr("What was finished is remembered.")
        self.text.setText(
            self.tr(
                "<h2>Scan stopped</h2><p>{done}</p><p>Press <b>Scan</b> (F5) to continue where it stopped: "
                "finished files are not read again.</p>"
            ).format(done=done)
        )
