"""The large compare view: whole pictures side by side with one shared zoom and pan, an A/B flip, a difference
overlay, 1:1 and fit, and pages when a group has more copies than the screen holds side by side.

The keeper (A) stays in the first pane; the other copies page beside it. Only the pictures on the page are
decoded, off the UI thread, and the dialog holds them itself (the loader's cache is small); closing it drops the
requests still queued.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dedup_gui.core.describe import describe, format_name
from dedup_gui.core.types import Group, Member
from dedup_gui.ui.compare_pane import Pane, ViewState
from dedup_gui.ui.images import FULL, THUMB, ImageLoader
from dedup_gui.ui.widgets import ElidedLabel, bold

MIN_PANE_WIDTH = 300  # below this a photo is too small to judge; more copies go to further pages
SCREEN_SHARE = 0.94  # of the available screen the dialog may take
CHROME_HEIGHT = 120  # captions, buttons and hint under the pictures
MIN_HEIGHT = 460


class CompareDialog(QDialog):
    """Space flips A/B; D toggles the difference overlay; 1 shows 1:1, 0 fits; PgUp/PgDn page; wheel and drag."""

    def __init__(self, group: Group, images: ImageLoader, selected: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare: {name}").format(name=os.path.basename(group.keeper)))
        self.group, self.images = group, images
        self.members = {m.path: m for m in group.members}
        self.keeper = self.members[group.keeper]
        self.others = [m.path for m in group.members if m.path != group.keeper]
        self.a, self.b = group.keeper, (selected if selected in self.others else self.others[0])
        self.state = ViewState()
        self.flip_mode = self.showing_b = False
        self._pictures: dict[str, QPixmap] = {}  # whole pictures of the page, held while it shows
        self._released = False
        self.page = 0
        self.per_page = 1  # others per page, beside the keeper

        self.row = QHBoxLayout()
        self.panes: list[Pane] = []
        self.captions: list[tuple[ElidedLabel, ElidedLabel]] = []  # name line, facts line
        self.flip = QPushButton(self.tr("A/B (Space)"))
        self.flip.setToolTip(self.tr("Show A and B in one place and flip between them: differences jump out"))
        self.flip.clicked.connect(self.toggle_flip)
        self.diff = QCheckBox(self.tr("Difference (D)"))
        self.diff.setToolTip(self.tr("Overlay the difference between A and B: black where they are the same"))
        self.diff.toggled.connect(self._update_overlay)
        self.fit = QPushButton(self.tr("Fit (0)"))
        self.fit.clicked.connect(self.reset_view)
        self.actual = QPushButton(self.tr("1:1 (1)"))
        self.actual.setToolTip(self.tr("One pixel of the keeper per pixel of the screen"))
        self.actual.clicked.connect(self.one_to_one)
        self.previous = QPushButton(self.tr("◀ PgUp"))
        self.previous.setToolTip(self.tr("Previous copies"))
        self.previous.clicked.connect(lambda: self.go_to_page(self.page - 1))
        self.next = QPushButton(self.tr("PgDn ▶"))
        self.next.setToolTip(self.tr("Next copies"))
        self.next.clicked.connect(lambda: self.go_to_page(self.page + 1))
        self.page_label = QLabel()
        hint = QLabel(self.tr("Wheel: zoom · drag: pan, all panes together · click a picture to make it B"))
        hint.setStyleSheet("color: palette(placeholder-text);")
        for button in (self.flip, self.diff, self.fit, self.actual, self.previous, self.next):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys belong to the view, not to a button
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        bar = QHBoxLayout()
        for w in (self.flip, self.diff, self.fit, self.actual):
            bar.addWidget(w)
        bar.addStretch()
        for w in (self.previous, self.page_label, self.next):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(self.row, 1)
        layout.addLayout(bar)
        layout.addWidget(hint)
        images.loaded.connect(self._on_loaded)
        self._fit_to_screen()
        self.go_to_page(max(0, self.others.index(self.b)) // self.per_page)

    # -- size and pages ---------------------------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        """As wide as the copies need, never wider than the screen: further copies go to pages."""
        screen = self.parentWidget().screen() if self.parentWidget() else QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        max_w, max_h = int(area.width() * SCREEN_SHARE), int(area.height() * SCREEN_SHARE)
        width = min(max_w, 460 * (1 + len(self.others)) + 40)
        self._set_per_page(width)
        info = self.keeper.info
        aspect = info.width / info.height if info and info.height else 4 / 3
        pane = (width - 40) / (self.per_page + 1)
        height = int(pane / aspect) + CHROME_HEIGHT  # tall enough for the pictures, no black bands to scroll past
        self.resize(width, max(MIN_HEIGHT, min(max_h, height)))

    def _set_per_page(self, width: int) -> None:
        self.per_page = max(1, min(len(self.others), (width - 40) // MIN_PANE_WIDTH - 1))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        before = self.per_page
        self._set_per_page(self.width())
        if self.per_page != before:
            self.go_to_page(self.others.index(self.b) // self.per_page)

    @property
    def pages(self) -> int:
        return -(-len(self.others) // self.per_page)

    def page_paths(self) -> list[str]:
        if self.flip_mode:
            return [self.b if self.showing_b else self.a]
        start = self.page * self.per_page
        return [self.a, *self.others[start : start + self.per_page]]

    def go_to_page(self, page: int) -> None:
        self.page = max(0, min(self.pages - 1, page))
        self._show_paths(self.page_paths())
        many = self.pages > 1 and not self.flip_mode
        for w in (self.previous, self.next, self.page_label):
            w.setVisible(many)
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < self.pages - 1)
        first = self.page * self.per_page + 1
        last = min(len(self.others), first + self.per_page - 1)
        self.page_label.setText(
            self.tr("Copies {first}–{last} of {count}").format(first=first, last=last, count=len(self.others))
        )

    def _show_paths(self, paths: list[str]) -> None:
        while len(self.panes) < len(paths):
            pane = Pane(self.state, self._picture)
            pane.changed.connect(self._repaint)
            pane.clicked.connect(self.set_b)
            name, facts = ElidedLabel(), ElidedLabel(mode=Qt.TextElideMode.ElideRight)
            bold(name)
            column = QVBoxLayout()
            column.setSpacing(1)
            column.addWidget(pane, 1)
            for label in (name, facts):
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                column.addWidget(label)
            self.row.addLayout(column, 1)
            self.panes.append(pane)
            self.captions.append((name, facts))
        for n, (pane, (name, facts)) in enumerate(zip(self.panes, self.captions, strict=True)):
            shown = n < len(paths)
            for w in (pane, name, facts):
                w.setVisible(shown)
            self.row.setStretch(n, 1 if shown else 0)
            if shown:
                m = self.members[paths[n]]
                aspect = m.info.width / m.info.height if m.info and m.info.height else 4 / 3
                pane.show_path(m.path, aspect, m.info.width if m.info else 0)
                title, words = self._caption(m)
                name.set_full_text(title, m.path)
                facts.set_full_text(words)
        for path in list(self._pictures):  # hold only what is on the page (and A and B, for flip and overlay)
            if path not in paths and path not in (self.a, self.b):
                del self._pictures[path]
        for path in {*paths, self.a, self.b}:
            if path not in self._pictures:
                pm = self.images.request(FULL, path)
                if pm is not None:
                    self._pictures[path] = pm
        self._update_overlay()

    def _caption(self, m: Member) -> tuple[str, str]:
        """("A · keeper · IMG_1.heic", "4032 × 3024 HEIC · why it is kept, or why it is a copy")."""
        size = f"{m.info.width} × {m.info.height} {format_name(m.info.format)}" if m.info else "?"
        tag = self.tr("A · keeper") if m.path == self.a else self.tr("B") if m.path == self.b else ""
        words = describe(m, self.keeper).text if m.path != self.a else self.group.keeper_reason
        return " · ".join(x for x in (tag, os.path.basename(m.path)) if x), f"{size} · {words}"

    def _picture(self, path: str) -> tuple[QPixmap | None, bool]:
        whole = self._pictures.get(path)
        if whole is not None:
            return whole, True
        return self.images.pixmap(THUMB, path), False

    def _on_loaded(self, kind: str, path: str) -> None:
        if kind == FULL and path in self.members:
            pm = self.images.pixmap(FULL, path)
            if pm is not None:
                self._pictures[path] = pm
            self._repaint()

    def _repaint(self) -> None:
        for pane in self.panes:
            pane.update()

    # -- view commands ----------------------------------------------------------------------------------------

    def reset_view(self) -> None:
        self.state.set_zoom(1.0)
        self._repaint()

    def one_to_one(self) -> None:
        """1:1 for the keeper: every pane shows the same part of its picture at the same zoom."""
        self.state.set_zoom(self.panes[0].one_to_one_zoom())
        self._repaint()

    def set_b(self, path: str) -> None:
        if path in (self.a, self.b):
            return
        self.b = path
        self._show_paths(self.page_paths())

    def toggle_flip(self) -> None:
        """First press: one pane showing A; each further press swaps A and B in place."""
        if not self.flip_mode:
            self.flip_mode, self.showing_b = True, False
        else:
            self.showing_b = not self.showing_b
        self.flip.setText(self.tr("Showing B (Space)") if self.showing_b else self.tr("Showing A (Space)"))
        self.go_to_page(self.page)

    def _update_overlay(self) -> None:
        on = self.diff.isChecked()
        for pane in self.panes:
            partner = self.b if pane.path == self.a else self.a
            pane.overlay = partner if on else None
        self._repaint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        commands = {
            Qt.Key.Key_Space: self.toggle_flip,
            Qt.Key.Key_D: self.diff.toggle,
            Qt.Key.Key_0: self.reset_view,
            Qt.Key.Key_F: self.reset_view,
            Qt.Key.Key_1: self.one_to_one,
            Qt.Key.Key_PageDown: lambda: self.go_to_page(self.page + 1),
            Qt.Key.Key_PageUp: lambda: self.go_to_page(self.page - 1),
        }
        if key in commands:
            commands[Qt.Key(key)]()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            self.state.set_zoom(self.state.zoom * (0.8 if key == Qt.Key.Key_Minus else 1.25))
            self._repaint()
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self._release()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._release()
        super().closeEvent(event)

    def _release(self) -> None:
        """Stop the pictures still queued for this dialog and let go of the ones it holds."""
        if not self._released:
            self._released = True
            self.images.loaded.disconnect(self._on_loaded)
            self.images.new_generation(FULL)
            self._pictures = {}
