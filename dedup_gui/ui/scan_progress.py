"""ScanProgress: which step of four, one figure for it (the bar's percent is its count's), rate, time left, and
a Cancel that keeps finished work.

The engine's seven stages are shown as the four steps a person can follow; the bar always measures the count
printed under it, so the two never disagree. While the image model is prepared on the first scan the count
stands still, and the page says why.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from dedup_gui.core.progress import PREPARING_MODEL, ProgressEvent, Stage
from dedup_gui.ui.signals import emit
from dedup_gui.ui.text import human_duration

# (step number, what the step does, what it counts) for each engine stage; translated when shown.
STEPS = {
    Stage.ENUMERATING: (1, "Finding photos", "files found"),
    Stage.EXACT: (2, "Looking for identical files", "files"),
    Stage.DECODING: (3, "Reading photos", "photos"),
    Stage.EMBEDDING: (3, "Analysing photos", "photos"),
    Stage.MATCHING: (4, "Comparing photos", ""),
    Stage.GROUPING: (4, "Grouping copies", ""),
    Stage.SAVING: (4, "Saving the results", ""),
}
STEP_COUNT = 4


def _tr(text: str) -> str:
    return QCoreApplication.translate("ScanProgress", text)


class ScanProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("Scanning…"))
        self.title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.stage = QLabel(self.tr("Starting"))
        self.stage.setStyleSheet("font-size: 12pt;")
        self.counts = QLabel("")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: palette(placeholder-text);")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(420)
        self.cancel = QPushButton(self.tr("Cancel"))
        self.cancel.setToolTip(
            self.tr("Stop at the next batch; what is finished is kept and a new scan resumes from it")
        )
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
        self._stage_first_done = 0

    def start(self) -> None:
        self._stage = None
        self.title.setText(self.tr("Scanning…"))
        self.stage.setText(self.tr("Starting"))
        self.counts.setText("")
        self.detail.setText("")
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)
        self.cancel.setText(self.tr("Cancel"))

    def _on_cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText(self.tr("Cancelling…"))
        self.title.setText(self.tr("Stopping: saving what is finished…"))
        emit(self.cancel_requested)

    def update_event(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.stage is not self._stage:
            self._stage, self._stage_started, self._stage_first_done = event.stage, now, event.done
        step, doing, unit = STEPS[event.stage]
        self.stage.setText(
            self.tr("Step {step} of {steps}: {doing}").format(step=step, steps=STEP_COUNT, doing=_tr(doing))
        )
        if event.total is None or not event.total or not unit:
            self.bar.setRange(0, 0)  # busy: no count to measure
        else:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
            self.bar.setFormat("%p %")
        self.counts.setText(self._counts(event, unit, now))
        if event.detail == PREPARING_MODEL:
            self.detail.setText(self.tr("Preparing the image model (first scan only)…"))
        else:
            self.detail.setText(self.fontMetrics().elidedText(event.detail, Qt.TextElideMode.ElideMiddle, 520))

    def _counts(self, event: ProgressEvent, unit: str, now: float) -> str:
        if not unit:
            return ""
        if event.total is None:
            return self.tr("{done} {unit}").format(done=f"{event.done:,}", unit=_tr(unit))
        parts = [
            self.tr("{done} of {total} {unit}").format(done=f"{event.done:,}", total=f"{event.total:,}", unit=_tr(unit))
        ]
        elapsed = now - self._stage_started
        rate = (event.done - self._stage_first_done) / elapsed if elapsed > 1.0 else 0.0
        if rate > 0:
            parts.append(self.tr("{rate} a second").format(rate=f"{rate:,.0f}"))
            parts.append(
                self.tr("about {time} left in this step").format(time=human_duration((event.total - event.done) / rate))
            )
        return " · ".join(parts)
