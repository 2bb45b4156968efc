"""The large compare view: members side by side with one shared zoom and pan, an A/B flip and a difference overlay.

Images of different resolution share one view: each is drawn into the same normalised rectangle (the keeper's
aspect), so a zoom or pan moves the same part of the picture in every pane. Full images load off the UI thread.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dedup_gui.core.types import Group
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.signals import emit


class ViewState:
    """Zoom and pan shared by every pane (in units of the fitted image)."""

    def __init__(self) -> None:
        self.zoom = 1.0
        self.center = QPointF(0.5, 0.5)


class Pane(QWidget):
    changed = Signal()

    def __init__(self, state: ViewState, images: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.images = images
        self.path: str | None = None
        self.overlay: str | None = None  # path drawn in difference mode over this pane's image
        self.aspect = 4 / 3
        self._drag: QPointF | None = None
        self.setMinimumSize(240, 240)

    def _pixmap(self, path: str | None) -> QPixmap | None:
        if path is None:
            return None
        return self.images.pixmap("full", path) or self.images.pixmap("thumb", path)

    def _target(self) -> QRectF:
        """The fitted image rectangle, zoomed around the shared centre."""
        w, h = self.width(), self.height()
        fit_w = min(w, h * self.aspect)
        fit_h = fit_w / self.aspect
        z = self.state.zoom
        tw, th = fit_w * z, fit_h * z
        return QRectF(w / 2 - self.state.center.x() * tw, h / 2 - self.state.center.y() * th, tw, th)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        pm = self._pixmap(self.path)
        if pm is None or pm.isNull():
            p.setPen(Qt.GlobalColor.lightGray)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "loading…")
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.zoom < 2)
        target = self._target()
        p.drawPixmap(target, pm, QRectF(pm.rect()))
        other = self._pixmap(self.overlay)
        if other is not None and not other.isNull():
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Difference)
            p.drawPixmap(target, other, QRectF(other.rect()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.state.zoom = max(1.0, min(32.0, self.state.zoom * factor))
        emit(self.changed)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        target = self._target()
        delta = event.position() - self._drag
        self._drag = event.position()
        c = self.state.center
        self.state.center = QPointF(c.x() - delta.x() / target.width(), c.y() - delta.y() / target.height())
        emit(self.changed)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None


class CompareDialog(QDialog):
    """Enter opens it; Space flips A/B; D toggles the difference overlay; wheel zooms and drag pans every pane."""

    def __init__(self, group: Group, images: ImageLoader, selected: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare")
        self.group = group
        self.images = images
        self.state = ViewState()
        keeper = group.keeper
        others = [m.path for m in group.members if m.path != keeper]
        self.a, self.b = keeper, (selected if selected and selected != keeper else others[0])
        self.flip_mode = False
        self.showing_b = False
        self.panes: list[Pane] = []
        self.captions: list[QLabel] = []
        row = self.row = QHBoxLayout()
        for m in group.members:
            path = m.path
            col = QVBoxLayout()
            pane = Pane(self.state, images)
            # each pane keeps its own image's aspect; zoom and centre are shared in relative units
            pane.path = path
            pane.aspect = m.info.width / m.info.height if m.info and m.info.height else 4 / 3
            pane.changed.connect(self._repaint)
            cap = QLabel(self._caption(path))
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(pane, 1)
            col.addWidget(cap)
            row.addLayout(col, 1)
            self.panes.append(pane)
            self.captions.append(cap)
            images.request("full", path)
        self.flip = QPushButton("A/B flip (Space)")
        self.flip.clicked.connect(self.toggle_flip)
        self.diff = QCheckBox("Difference overlay (D)")
        self.diff.toggled.connect(self._update_overlay)
        fit = QPushButton("Fit (0)")
        fit.clicked.connect(self.reset_view)
        self.hint = QLabel("Wheel: zoom · drag: pan (all panes together)")
        bar = QHBoxLayout()
        bar.addWidget(self.flip)
        bar.addWidget(self.diff)
        bar.addWidget(fit)
        bar.addStretch()
        bar.addWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addLayout(bar)
        images.loaded.connect(self._on_loaded)
        self.resize(1200, 760)

    def _caption(self, path: str) -> str:
        m = next(m for m in self.group.members if m.path == path)
        res = f"{m.info.width} × {m.info.height}" if m.info else "?"
        tag = "A · keeper" if path == self.a else "B" if path == self.b else ""
        return f"<b>{tag}</b> {os.path.basename(path)} · {res}" if tag else f"{os.path.basename(path)} · {res}"

    def _on_loaded(self, kind: str, path: str) -> None:
        if kind == "full":
            self._repaint()

    def _repaint(self) -> None:
        for pane in self.panes:
            pane.update()

    def reset_view(self) -> None:
        self.state.zoom, self.state.center = 1.0, QPointF(0.5, 0.5)
        self._repaint()

    def toggle_flip(self) -> None:
        """First press: one pane showing A; each further press swaps A and B in place."""
        if not self.flip_mode:
            self.flip_mode, self.showing_b = True, False
        else:
            self.showing_b = not self.showing_b
        first = self.panes[0]
        first.path = self.b if self.showing_b else self.a
        for n, (pane, cap) in enumerate(zip(self.panes[1:], self.captions[1:], strict=True), start=1):
            pane.setVisible(False)
            cap.setVisible(False)
            self.row.setStretch(n, 0)  # the one pane left takes the whole width
        self.captions[0].setText(self._caption(first.path))
        self.flip.setText(f"Showing {'B' if self.showing_b else 'A'}: Space flips")
        self._update_overlay()

    def _update_overlay(self) -> None:
        on = self.diff.isChecked()
        for pane in self.panes:
            partner = self.b if pane.path == self.a else self.a
            pane.overlay = partner if on else None
        self._repaint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.toggle_flip()
        elif key == Qt.Key.Key_D:
            self.diff.toggle()
        elif key == Qt.Key.Key_0:
            self.reset_view()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 0.8 if key == Qt.Key.Key_Minus else 1.25
            self.state.zoom = max(1.0, min(32.0, self.state.zoom * factor))
            self._repaint()
        else:
            super().keyPressEvent(event)
