"""One picture of the large compare view, drawn at the zoom and centre every pane shares.

Images of different resolution share one view: each is drawn into the same normalised rectangle of its own
aspect, so a zoom or pan moves the same part of the picture in every pane.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QWidget

from dedup_gui.ui.signals import emit

MAX_ZOOM = 64.0
CLICK_SLOP = 4  # pixels a press may move and still count as a click (selects the pane as B)


class ViewState:
    """Zoom and pan shared by every pane; zoom 1 fits the picture, the centre is in units of the picture."""

    def __init__(self) -> None:
        self.zoom = 1.0
        self.center = QPointF(0.5, 0.5)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = max(1.0, min(MAX_ZOOM, zoom))
        if self.zoom == 1.0:
            self.center = QPointF(0.5, 0.5)


class Pane(QWidget):
    changed = Signal()
    clicked = Signal(str)  # path

    def __init__(
        self, state: ViewState, picture: Callable[[str], tuple[QPixmap | None, bool]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.picture = picture  # path -> (pixmap, whether it is the whole picture)
        self.path: str | None = None
        self.overlay: str | None = None  # path drawn in difference mode over this pane's image
        self.aspect = 4 / 3
        self.full_width = 0  # the file's own width in pixels, for 1:1
        self._press: QPointF | None = None
        self._drag: QPointF | None = None
        self.setMinimumSize(180, 160)

    def show_path(self, path: str, aspect: float, full_width: int) -> None:
        self.path, self.aspect, self.full_width = path, aspect, full_width
        self.update()

    def _fit(self) -> tuple[float, float]:
        w, h = self.width(), self.height()
        fit_w = min(w, h * self.aspect)
        return fit_w, fit_w / self.aspect

    def _target(self) -> QRectF:
        """The fitted image rectangle, zoomed around the shared centre."""
        fit_w, fit_h = self._fit()
        z = self.state.zoom
        tw, th = fit_w * z, fit_h * z
        return QRectF(
            self.width() / 2 - self.state.center.x() * tw, self.height() / 2 - self.state.center.y() * th, tw, th
        )

    def one_to_one_zoom(self) -> float:
        """The shared zoom at which this pane shows one file pixel per screen pixel."""
        fit_w, _ = self._fit()
        if not self.full_width or fit_w <= 0:
            return 1.0
        return self.full_width / self.devicePixelRatioF() / fit_w

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        pm, whole = self.picture(self.path) if self.path else (None, False)
        if pm is None or pm.isNull():
            p.setPen(Qt.GlobalColor.lightGray)
            text = self.tr("Loading…") if pm is None else self.tr("This file cannot be shown")
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.zoom < 2)
        target = self._target()
        p.drawPixmap(target, pm, QRectF(pm.rect()))
        other, _ = self.picture(self.overlay) if self.overlay else (None, False)
        if other is not None and not other.isNull():
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Difference)
            p.drawPixmap(target, other, QRectF(other.rect()))
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if not whole:  # say so while the small preview stands in for the whole picture
            p.fillRect(QRectF(0, self.height() - 24, self.width(), 24), QColor(0, 0, 0, 160))
            p.setPen(Qt.GlobalColor.white)
            p.drawText(QRectF(0, self.height() - 24, self.width(), 24), Qt.AlignmentFlag.AlignCenter,
                       self.tr("Preview: loading the full picture…"))  # fmt: skip

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.state.set_zoom(self.state.zoom * (1.25 if event.angleDelta().y() > 0 else 0.8))
        emit(self.changed)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = self._drag = event.position()

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
        press, self._press, self._drag = self._press, None, None
        if press is not None and self.path and (event.position() - press).manhattanLength() <= CLICK_SLOP:
            emit(self.clicked, self.path)
