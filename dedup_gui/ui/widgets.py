"""Small widgets shared by the views: a label that elides in the middle, a message bar that stays put, and the
running total of what is marked for the trash."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from dedup_gui.ui.decisions import Decisions, Totals
from dedup_gui.ui.text import human_size


def bold(widget: QWidget) -> None:
    """Bold through the font, not a style sheet: a style sheet would stop the widget following a palette change
    (a desktop switching to its dark theme while the app runs)."""
    font = widget.font()
    font.setBold(True)
    widget.setFont(font)


class ElidedLabel(QLabel):
    """Plain text that shrinks to its width with "…" in the middle ("IMG_20240501…_edited.jpg"), whole on hover."""

    def __init__(self, text: str = "", parent: QWidget | None = None, mode=Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(24)
        self.set_full_text(text)

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        self._full = text
        self.setToolTip(tooltip if tooltip is not None else text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance(self._full) + 4), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, self._mode, max(self.width(), 24)))


class MessageBar(QFrame):
    """A result that stays until dismissed (an apply or an undo), with an optional action button."""

    action_triggered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#messageBar { background: palette(alternate-base); border: 1px solid palette(mid); }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.clicked.connect(self.action_triggered)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.action)
        row.addWidget(self.close_button)
        self.hide()

    def show_message(self, html: str, action: str | None = None) -> None:
        self.label.setText(html)
        self.action.setVisible(action is not None)
        self.action.setText(action or "")
        self.show()

    def text(self) -> str:
        return self.label.text()


class TrashTotal(QLabel):
    """ "N marked for the trash, X MB": follows every decision (Decisions keeps the count change by change)."""

    def __init__(self, decisions: Decisions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trashTotal")
        decisions.totals_changed.connect(self.show_totals)
        self.show_totals(decisions.totals)

    def show_totals(self, totals: Totals) -> None:
        if totals.files:
            text = self.tr("{files} marked for the trash, {size}").format(
                files=f"{totals.files:,}", size=human_size(totals.bytes)
            )
        else:
            text = self.tr("Nothing marked for the trash")
        self.setText(text)
