"""CompareView: the selected group's copies side by side, with Keep/Trash right under each picture, why each is a
copy in words, and the facts in aligned rows, where only the fact that chose the keeper is highlighted.

Pictures scale with the view (and the screen's pixel ratio); the card area scrolls, the buttons never leave the
top of it. The header always says which copy is proposed as keeper and why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.describe import deciding_rule, describe, format_name
from dedup_gui.core.types import Group, Member, Tier
from dedup_gui.ui.file_actions import file_menu
from dedup_gui.ui.groups_model import tier_label
from dedup_gui.ui.images import MAX_SIDE as IMAGE_SIDES
from dedup_gui.ui.images import PREVIEW, THUMB, ImageLoader
from dedup_gui.ui.signals import emit
from dedup_gui.ui.style import KEEP_MARK, REASON_BACKGROUND, TRASH_MARK, decision_color
from dedup_gui.ui.text import folder_labels, human_size
from dedup_gui.ui.widgets import ElidedLabel, bold

MIN_SIDE, MAX_SIDE = 120, 440  # card picture, logical pixels
ROOMY_SIDE = 190  # from this card width the buttons also show their keys
TINY_SIDE = 72  # on a very short view the picture shrinks below MIN_SIDE rather than hide the buttons
CARDS_ACROSS = 4  # cards that share the width before the area scrolls sideways
# Cards made at a time, the next ones as the area scrolls to its end: every card is a dozen widgets, and a group of
# 200 copies made all its cards in one turn of 1.9 s.
CARD_BATCH = 12
# The fact row each keeper rule explains (rules without a fact row get no highlight).
RULE_ROWS = {"resolution": "resolution", "file-size": "size", "format": "format", "date": "taken"}
RULE_ROWS |= {"reference-folder": "folder", "path": "folder"}


class _Picture(QLabel):
    """A card's picture: click selects the copy, double-click opens the large view, right-click the menu."""

    def __init__(self, view: CompareView, path: str) -> None:
        super().__init__(view.tr("Loading…"))
        self.view, self.path = view, path
        self.source: QPixmap | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(path)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        emit(self.view.member_selected, self.path)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        emit(self.view.large_view_requested)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.view.menu_for(self.path, event.globalPos())


class CompareView(QWidget):
    member_selected = Signal(str)
    decision_requested = Signal(str, str)  # path, "keep" | "trash"
    auto_select_requested = Signal()
    not_duplicates_requested = Signal()
    large_view_requested = Signal()

    def __init__(
        self,
        images: ImageLoader,
        decision_of: Callable[[str], str | None],
        keeper_rules: Callable[[], Sequence[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.images, self.decision_of, self.keeper_rules = images, decision_of, keeper_rules
        self.group: Group | None = None
        self.selected: str | None = None
        self.side = 200
        self._pictures: dict[str, _Picture] = {}
        self._buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        self._sized: list[QWidget] = []  # card widgets as wide as a picture
        self._built = 0  # members of the group with a card so far (the first ones, in the group's order)
        self._card_facts: tuple[Member, list[str], dict[str, str], str | None] | None = None
        self._resize_timer = QTimer(self, singleShot=True, interval=0)
        self._resize_timer.timeout.connect(self._fit_cards)
        images.loaded.connect(self._on_loaded)

        self.header = QLabel(self.tr("Select a group to compare its copies"))
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.auto = QPushButton(self.tr("Auto-select"))
        self.auto.setToolTip(self.tr("Keep the proposed keeper, trash the other copies of this group"))
        self.auto.clicked.connect(self.auto_select_requested)
        self.not_dups = QPushButton(self.tr("Not Duplicates (N)"))
        self.not_dups.setToolTip(self.tr("These are different pictures: stop showing them as copies"))
        self.not_dups.clicked.connect(self.not_duplicates_requested)
        self.large = QPushButton(self.tr("Compare Large (Enter)"))
        self.large.setToolTip(self.tr("Whole pictures side by side, zoom and pan together, A/B flip"))
        self.large.clicked.connect(self.large_view_requested)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        for b in (self.auto, self.not_dups, self.large):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(3)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.grid_host)
        self.scroll.horizontalScrollBar().valueChanged.connect(self._on_scrolled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        for b in (self.auto, self.not_dups, self.large):
            b.setEnabled(on)

    # -- showing a group --------------------------------------------------------------------------------------

    def show_group(self, group: Group | None, selected: str | None = None) -> None:
        if group is not self.group:
            self.images.new_generation(THUMB, PREVIEW)  # the previous group's pending pictures are stale now
        self.group = group
        self._clear()
        self._set_enabled(group is not None)
        if group is None:
            self.header.setText(self.tr("Select a group to compare its copies"))
            return
        keeper = next(m for m in group.members if m.path == group.keeper)
        # a group of other shots or versions holds pictures, not copies (chips of three colours are not copies)
        heading = (
            self.tr("<b>{count} pictures</b> · {tier} · {size} to free<br>Keeping <b>{name}</b>: {reason}")
            if group.tier is Tier.SIMILAR
            else self.tr("<b>{count} copies</b> · {tier} · {size} to free<br>Keeping <b>{name}</b>: {reason}")
        )
        self.header.setText(
            heading.format(
                count=len(group.members),
                tier=tier_label(group.tier),
                size=human_size(group.reclaimable_bytes),
                name=_html(os.path.basename(group.keeper)),
                reason=_html(group.keeper_reason),
            )
        )
        self.side = self._side_for(len(group.members))
        rows = self._row_titles()
        for r, (_, title) in enumerate(rows):
            label = QLabel(f"<b>{title}</b>" if title else "")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(label, r, 0)
        rule = deciding_rule(group, self.keeper_rules())
        highlight = RULE_ROWS.get(rule or "")
        folders = dict(zip(group.paths, folder_labels([os.path.dirname(p) for p in group.paths]), strict=True))
        self._card_facts = (keeper, [key for key, _ in rows], folders, highlight)
        self._build_cards(CARD_BATCH)
        self.select(selected or group.keeper)

    def _build_cards(self, count: int) -> None:
        """Cards for the group's first `count` members (those not made yet)."""
        if self.group is None or self._card_facts is None:
            return
        keeper, rows, folders, highlight = self._card_facts
        count = min(count, len(self.group.members))
        if count <= self._built:
            return
        # Hidden while cards are added: each widget shown into a visible grid lays the whole grid out again
        # (quadratic: a group of 200 copies took 2.6 s to lay out), once shown again it is laid out once.
        hidden = self.grid_host.isHidden()  # hidden by us, not by a hidden window: restored as it was
        self.grid_host.hide()
        for c in range(self._built, count):
            m = self.group.members[c]
            self._add_card(c + 1, m, keeper, rows, folders[m.path], highlight)
        self.grid_host.setHidden(hidden)
        self._built = count
        self.refresh_decisions()

    def _on_scrolled(self, value: int) -> None:
        bar = self.scroll.horizontalScrollBar()
        if self.group is not None and self._built < len(self.group.members) and value >= bar.maximum() - bar.pageStep():
            self._build_cards(self._built + CARD_BATCH)  # the end of the cards made so far is in view: the next ones

    def _row_titles(self) -> list[tuple[str, str]]:
        return [
            ("picture", ""),
            ("name", ""),
            ("decision", ""),
            ("match", self.tr("Match")),
            ("resolution", self.tr("Resolution")),
            ("size", self.tr("File size")),
            ("format", self.tr("Format")),
            ("taken", self.tr("Date taken")),
            ("camera", self.tr("Camera")),
            ("folder", self.tr("Folder")),
        ]

    def _facts(self, m: Member, folder: str) -> dict[str, str]:
        info = m.info
        return {
            "resolution": f"{info.width} × {info.height}" if info else self.tr("unknown"),
            "size": human_size(m.size),
            "format": format_name(info.format) if info else "?",
            "taken": (info.taken or "—").replace("T", " ") if info else "—",
            "camera": (info.camera or "—") if info else "—",
            "folder": folder + (self.tr(" (protected)") if m.protected else ""),
        }

    def _add_card(self, c: int, m: Member, keeper: Member, rows: list[str], folder: str, highlight: str | None) -> None:
        picture = _Picture(self, m.path)
        picture.setFixedSize(self.side, self.side)
        self._pictures[m.path] = picture
        self._request_picture(m.path)
        self.grid.addWidget(picture, rows.index("picture"), c)
        is_keeper = m.path == keeper.path
        name = ElidedLabel()
        name.set_full_text(("★ " if is_keeper else "") + os.path.basename(m.path), m.path)
        bold(name)
        self._fixed_width(name)
        self.grid.addWidget(name, rows.index("name"), c)
        self.grid.addWidget(self._decision_buttons(m), rows.index("decision"), c)
        words = describe(m, keeper)
        match = QLabel(self.tr("proposed keeper") if is_keeper else words.text)
        match.setWordWrap(True)
        self._fixed_width(match)
        match.setToolTip(
            self.tr("Why this copy is kept: {reason}").format(reason=self.group.keeper_reason)
            if is_keeper and self.group
            else words.tooltip
        )
        self.grid.addWidget(match, rows.index("match"), c, Qt.AlignmentFlag.AlignTop)
        for key, text in self._facts(m, folder).items():
            cell = ElidedLabel(text)
            self._fixed_width(cell)
            cell.setToolTip(m.path if key == "folder" else text)
            if is_keeper and key == highlight:
                cell.setStyleSheet(f"background: {REASON_BACKGROUND}; border-radius: 3px; font-weight: 600;")
                cell.setToolTip(
                    self.tr("This is why this copy is proposed as keeper: {reason}").format(
                        reason=self.group.keeper_reason if self.group else ""
                    )
                )
            self.grid.addWidget(cell, rows.index(key), c)

    def _decision_buttons(self, m: Member) -> QWidget:
        keep = QPushButton(self.tr("Keep (K)"))
        keep.setToolTip(self.tr("Keep this copy (K)"))
        trash = QPushButton(self.tr("Trash (T)"))
        trash.setToolTip(self.tr("Send this copy to the trash when you apply (T)"))
        for b, value in ((keep, "keep"), (trash, "trash")):
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # K/T and the arrows stay with the group list
            b.clicked.connect(lambda _=False, p=m.path, v=value: emit(self.decision_requested, p, v))
        if m.protected:
            trash.setEnabled(False)
            trash.setToolTip(self.tr("In a protected folder: never trashed"))
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 2, 0, 2)
        row.setSpacing(4)
        row.addWidget(keep)
        row.addWidget(trash)
        self._fixed_width(host)
        self._buttons[m.path] = (keep, trash)
        return host

    def refresh_decisions(self) -> None:
        for path, (keep, trash) in self._buttons.items():
            d = self.decision_of(path)
            keep.setChecked(d == "keep")
            trash.setChecked(d == "trash")
            roomy = self.side >= ROOMY_SIDE  # the key in the label only where it fits; always in the tooltip
            keep.setText((KEEP_MARK + " " if d == "keep" else "") + (self.tr("Keep (K)") if roomy else self.tr("Keep")))
            trash.setText(
                (TRASH_MARK + " " if d == "trash" else "") + (self.tr("Trash (T)") if roomy else self.tr("Trash"))
            )
            for button, value in ((keep, "keep"), (trash, "trash")):
                color = decision_color(value) if d == value else None
                button.setStyleSheet(f"color: {color.name()};" if color else "")

    def select(self, path: str) -> None:
        self.selected = path
        if path not in self._pictures and self.group is not None:  # a copy further along: its card made first
            at = next((i for i, m in enumerate(self.group.members) if m.path == path), None)
            if at is not None:
                self._build_cards(at + 1)
        for p, label in self._pictures.items():
            label.setStyleSheet("border: 3px solid palette(highlight);" if p == path else "")
        picture = self._pictures.get(path)
        if picture is not None:
            self.scroll.ensureWidgetVisible(picture, 8, 8)

    def menu_for(self, path: str, at: QPoint) -> None:
        menu = file_menu(self, path, [(self.tr("Compare Large"), lambda: emit(self.large_view_requested))])
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(at)

    # -- pictures that follow the size of the view ------------------------------------------------------------

    def _side_for(self, count: int) -> int:
        """As large as the view allows with up to CARDS_ACROSS cards across and the facts below in view; never
        so large that the Keep/Trash buttons under the picture leave the view."""
        viewport = self.scroll.viewport().size()
        line = self.fontMetrics().height() + self.grid.verticalSpacing()
        across = max(1, min(count, CARDS_ACROSS))
        by_width = (viewport.width() - 110) // across - self.grid.horizontalSpacing()
        with_facts = viewport.height() - 10 * line - 40  # name, buttons, why (two lines), six facts
        with_buttons = viewport.height() - line - 44  # name and buttons only
        side = max(MIN_SIDE, min(MAX_SIDE, by_width, with_facts))
        return max(TINY_SIDE, min(side, with_buttons))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._resize_timer.start()  # once per pass of the event loop, however many resizes it brings

    def _fit_cards(self) -> None:
        """Resize the cards in place (no rebuild): pictures, columns, and the button labels that depend on them."""
        if self.group is None:
            return
        side = self._side_for(len(self.group.members))
        if abs(side - self.side) <= 4:
            return
        self.side = side
        for widget in self._sized:
            widget.setFixedWidth(side)
        for path, picture in self._pictures.items():
            picture.setFixedSize(side, side)
            source, picture.source = picture.source, None
            self._request_picture(path)
            if picture.source is None and source is not None:
                self._set_picture(path, source)
        self.refresh_decisions()

    def _fixed_width(self, widget: QWidget) -> None:
        widget.setFixedWidth(self.side)
        self._sized.append(widget)

    def _request_picture(self, path: str) -> None:
        need_preview = self.side * self.devicePixelRatioF() > IMAGE_SIDES[THUMB]
        pm = self.images.request(THUMB, path)
        if pm is not None:
            self._set_picture(path, pm)
        if need_preview:
            pm = self.images.request(PREVIEW, path)
            if pm is not None:
                self._set_picture(path, pm)

    def _set_picture(self, path: str, pm: QPixmap) -> None:
        label = self._pictures.get(path)
        if label is None:
            return
        if pm.isNull():
            label.setText(self.tr("No preview"))
            return
        if label.source is not None and label.source.width() >= pm.width() and label.source.height() >= pm.height():
            return  # a preview already shows; a late thumbnail must not replace it
        label.source = pm
        ratio = self.devicePixelRatioF()
        inner = int((self.side - 8) * ratio)
        scaled = pm.scaled(inner, inner, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        label.setPixmap(scaled)

    def _on_loaded(self, kind: str, path: str) -> None:
        if kind in (THUMB, PREVIEW) and path in self._pictures:
            pm = self.images.pixmap(kind, path)
            if pm is not None:
                self._set_picture(path, pm)

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().hide()  # gone from the screen now, not when the event loop gets to the delete
                item.widget().deleteLater()
        self._pictures.clear()
        self._buttons.clear()
        self._sized.clear()
        self._built = 0
        self._card_facts = None


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
