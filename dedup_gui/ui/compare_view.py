"""CompareView: the selected group's members side by side, facts in aligned rows, the better value highlighted."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.types import Group, Member
from dedup_gui.ui.groups_model import TIER_LABELS
from dedup_gui.ui.images import ImageLoader
from dedup_gui.ui.signals import emit
from dedup_gui.ui.text import human_size, short_path

THUMB = 170
BEST_STYLE = "background: rgba(46, 160, 67, 0.18); border-radius: 3px; font-weight: 600;"
LOSSLESS = {"PNG": 3, "TIFF": 3, "HEIF": 2, "WEBP": 1, "JPEG": 1}


def _facts(m: Member) -> list[tuple[str, str, float | None]]:
    """(row label, text, score: higher is better, None when not comparable) for each fact row."""
    info = m.info
    taken = info.taken if info and info.taken else None
    return [
        ("Resolution", f"{info.width} × {info.height}" if info else "unknown", info.pixels if info else None),
        ("File size", human_size(m.size), float(m.size)),
        ("Format", info.format if info else "?", float(LOSSLESS.get(info.format, 0)) if info else None),
        ("Date taken", (taken or "—").replace("T", " "), -_date_key(taken) if taken else None),
        ("Camera", (info.camera if info and info.camera else "—"), None),
        ("Folder", short_path(os.path.dirname(m.path), 3), None),
    ]


def _date_key(taken: str) -> float:
    digits = "".join(ch for ch in taken if ch.isdigit())
    return float(digits or 0)


def _evidence(m: Member, keeper: str) -> str:
    if m.path == keeper:
        return "proposed keeper"
    if m.evidence is None:
        return "—"
    ev = m.evidence
    return f"{TIER_LABELS[ev.tier]}: {ev.description or ev.method} (score {ev.score:.2f})"


class CompareView(QWidget):
    member_selected = Signal(str)
    decision_requested = Signal(str, str)  # path, "keep" | "trash"
    auto_select_requested = Signal()
    not_duplicates_requested = Signal()
    large_view_requested = Signal()

    def __init__(self, images: ImageLoader, decision_of: Callable[[str], str | None], parent=None) -> None:
        super().__init__(parent)
        self.images = images
        self.decision_of = decision_of
        self.group: Group | None = None
        self.selected: str | None = None
        self._thumbs: dict[str, QLabel] = {}
        self._columns: dict[str, list[QWidget]] = {}
        self._buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        images.loaded.connect(self._on_loaded)

        self.header = QLabel("Select a group to compare its copies")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.auto = QPushButton("Auto-select")
        self.auto.setToolTip("Keep the proposed keeper, trash the other copies")
        self.auto.clicked.connect(self.auto_select_requested)
        self.not_dups = QPushButton("Not duplicates (N)")
        self.not_dups.clicked.connect(self.not_duplicates_requested)
        self.large = QPushButton("Compare large (Enter)")
        self.large.clicked.connect(self.large_view_requested)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        for b in (self.auto, self.not_dups, self.large):
            top.addWidget(b)

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(4)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        for b in (self.auto, self.not_dups, self.large):
            b.setEnabled(on)

    def show_group(self, group: Group | None, selected: str | None = None) -> None:
        if group is not self.group:
            self.images.new_generation()  # the previous group's pending thumbnails are stale now
        self.group = group
        self._clear()
        self._set_enabled(group is not None)
        if group is None:
            self.header.setText("Select a group to compare its copies")
            return
        self.header.setText(
            f"<b>{len(group.members)} copies</b> · {TIER_LABELS[group.tier]} · "
            f"{human_size(group.reclaimable_bytes)} to free<br>Proposed keeper: <b>{os.path.basename(group.keeper)}</b>"
            f" — {group.keeper_reason}"
        )
        labels = ["", "", *[row for row, _, _ in _facts(group.members[0])], "Match", ""]
        for r, text in enumerate(labels):
            lab = QLabel(f"<b>{text}</b>" if text else "")
            lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(lab, r, 0)
        facts = [_facts(m) for m in group.members]
        best = self._best(facts)
        for c, m in enumerate(group.members, start=1):
            self._add_column(c, m, facts[c - 1], best, group.keeper)
        self.select(selected or group.keeper)

    @staticmethod
    def _best(facts: list[list[tuple[str, str, float | None]]]) -> set[tuple[int, int]]:
        """(row, member) cells holding the strictly better value of their row."""
        out: set[tuple[int, int]] = set()
        for r in range(len(facts[0])):
            scores = [f[r][2] for f in facts]
            known = [s for s in scores if s is not None]
            if len(known) < 2 or len(set(known)) == 1:
                continue
            top = max(known)
            out |= {(r, i) for i, s in enumerate(scores) if s == top}
        return out

    def _add_column(self, c: int, m: Member, facts, best: set[tuple[int, int]], keeper: str) -> None:
        widgets: list[QWidget] = []
        thumb = QLabel("loading…")
        thumb.setFixedSize(THUMB, THUMB)
        thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        thumb.setFrameShape(QFrame.Shape.StyledPanel)
        thumb.mousePressEvent = lambda _e, p=m.path: emit(self.member_selected, p)  # type: ignore[method-assign]
        pm = self.images.request("thumb", m.path)
        if pm is not None:
            self._set_thumb(thumb, pm)
        self._thumbs[m.path] = thumb
        self.grid.addWidget(thumb, 0, c)
        name = QLabel(("★ " if m.path == keeper else "") + os.path.basename(m.path))
        name.setToolTip(m.path)
        name.setMaximumWidth(THUMB)
        name.setStyleSheet("font-weight: 600;")
        self.grid.addWidget(name, 1, c)
        widgets += [thumb, name]
        for r, (_, text, _) in enumerate(facts):
            cell = QLabel(text)
            cell.setMaximumWidth(THUMB)
            cell.setToolTip(m.path if r == 5 else text)
            if (r, c - 1) in best:
                cell.setStyleSheet(BEST_STYLE)
            self.grid.addWidget(cell, r + 2, c)
            widgets.append(cell)
        match = QLabel(_evidence(m, keeper))
        match.setWordWrap(True)
        match.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        match.setMaximumWidth(THUMB)
        match.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.grid.addWidget(match, len(facts) + 2, c, Qt.AlignmentFlag.AlignTop)
        keep, trash = QPushButton("Keep (K)"), QPushButton("Trash (T)")
        group = QButtonGroup(self)
        for b, value in ((keep, "keep"), (trash, "trash")):
            b.setCheckable(True)
            group.addButton(b)
            b.clicked.connect(lambda _=False, p=m.path, v=value: emit(self.decision_requested, p, v))
        if m.protected:
            trash.setEnabled(False)
            trash.setToolTip("In a protected folder: never trashed")
        row = QHBoxLayout()
        row.addWidget(keep)
        row.addWidget(trash)
        host = QWidget()
        host.setLayout(row)
        host.setMaximumWidth(THUMB + 8)
        row.setContentsMargins(0, 4, 0, 0)
        self.grid.addWidget(host, len(facts) + 3, c)
        widgets += [match, host]
        self._buttons[m.path] = (keep, trash)
        self._columns[m.path] = widgets
        self.refresh_decisions()

    def refresh_decisions(self) -> None:
        for path, (keep, trash) in self._buttons.items():
            d = self.decision_of(path)
            keep.setChecked(d == "keep")
            trash.setChecked(d == "trash")
            trash.setStyleSheet("color: #b3261e; font-weight: 600;" if d == "trash" else "")
            keep.setStyleSheet("color: #1b6e3a; font-weight: 600;" if d == "keep" else "")

    def select(self, path: str) -> None:
        self.selected = path
        for p, label in self._thumbs.items():
            label.setStyleSheet("border: 3px solid palette(highlight);" if p == path else "")

    def _set_thumb(self, label: QLabel, pm) -> None:
        if pm.isNull():
            label.setText("no preview")
            return
        label.setPixmap(
            pm.scaled(
                THUMB - 8, THUMB - 8, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def _on_loaded(self, kind: str, path: str) -> None:
        label = self._thumbs.get(path)
        if kind == "thumb" and label is not None:
            pm = self.images.pixmap(kind, path)
            if pm is not None:
                self._set_thumb(label, pm)

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._thumbs.clear()
        self._columns.clear()
        self._buttons.clear()
