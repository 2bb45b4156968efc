"""ScanProgress: stage, counts, rate, time left and a Cancel that keeps finished work."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from dedup_gui.core.progress import ProgressEvent, Stage
from dedup_gui.ui.signals import emit
from dedup_gui.ui.text import human_duration


class ScanProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Scanning…")
        self.title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.stage = QLabel("Starting")
        self.stage.setStyleSheet("font-size: 12pt;")
        self.counts = QLabel("")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: palette(placeholder-text);")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(460)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop at the next batch; what is finished is kept and a new scan resumes from it")
        self.cancel.clicked.connect(self._on_cancel)
        box = QVBoxLayout()
        box.addWidget(self.title)
        box.addSpacing(6)
        box.addWidget(self.stage)
        box.addWidget(self.bar)
        box.addWidget(self.counts)
        box.addWidget(self.detail)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.cancel)
        box.addLayout(row)
        outer = QHBoxLayout(self)
        outer.addStretch()
        outer.addLayout(box)
        outer.addStretch()
        outer.setAlignment(box, Qt.AlignmentFlag.AlignVCenter)
        self._stage: Stage | None = None
        self._stage_started = 0.0
        self._started = 0.0

    def start(self) -> None:
        self._stage, self._started = None, time.monotonic()
        self.title.setText("Scanning…")
        self.stage.setText("Starting")
        self.counts.setText("")
        self.detail.setText("")
        self.bar.setValue(0)
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")

    def _on_cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
        self.title.setText("Cancelling: saving finished work…")
        emit(self.cancel_requested)

    def update_event(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.stage is not self._stage:
            self._stage, self._stage_started = event.stage, now
        self.stage.setText(event.stage.label)
        fraction = event.fraction
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: the total is not known yet
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(fraction * 1000))
        elapsed = now - self._stage_started
        rate = event.done / elapsed if elapsed > 0.5 else 0.0
        parts = [f"{event.done:,}" + (f" of {event.total:,}" if event.total is not None else "") + " files"]
        if rate:
            parts.append(f"{rate:,.0f} files/s")
        if rate and event.total:
            parts.append(f"about {human_duration((event.total - event.done) / rate)} left in this stage")
        self.counts.setText(" · ".join(parts))
        self.detail.setText(self.fontMetrics().elidedText(event.detail, Qt.TextElideMode.ElideMiddle, 560))
