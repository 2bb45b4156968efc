"""Small dialogs: the apply confirmation (counted by a dry run) and the report of what an apply or undo did."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dedup_gui.core.actions import Outcome, Report, Status
from dedup_gui.ui.text import human_size


def _tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def refusal_lines(refused: list[Outcome]) -> list[str]:
    """'2: changed since the scan (size or date): scan again', most common reason first."""
    counts = Counter(o.message for o in refused)
    return [f"{n}: {reason}" for reason, n in counts.most_common()]


SIDECARS_NAMED = 5  # the confirmation names this many of the sidecars that go with the photos


def confirm_apply(
    parent: QWidget, checked: Report, move_to: Path | None = None, inside_scanned: bool = False
) -> QMessageBox:
    """The confirmation of an apply, from its dry run: how many files move and how many stay, and why.

    Not shown yet: the caller opens it (exec() or open()) so tests and screenshots can look at it."""
    would = checked.with_status(Status.WOULD_TRASH)
    going = [o for o in would if o.companion_of is None]
    sidecars = [o for o in would if o.companion_of is not None]  # they go too: counted apart, and named
    refused = checked.failures
    size = human_size(sum(o.size for o in would))
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question if going else QMessageBox.Icon.Information)
    if move_to is None:
        box.setWindowTitle(_tr("Move files to the trash?"))
        text = (
            _tr("Move {files} files ({size}) to the trash?")
            if len(would) != 1
            else _tr("Move 1 file ({size}) to the trash?")
        )
    else:
        box.setWindowTitle(_tr("Move files to a folder?"))
        text = (
            _tr("Move {files} files ({size}) into {folder}?")
            if len(would) != 1
            else _tr("Move 1 file ({size}) into {folder}?")
        )
    if not going:
        text = _tr("None of the {marked} marked files can be moved.")
    text = text.format(files=f"{len(would):,}", size=size, folder=html.escape(str(move_to)), marked=len(refused))
    box.setText(f"<b>{text}</b>")
    parts = []
    if refused:
        stay = (
            _tr("{count} marked files will be kept because:")
            if len(refused) != 1
            else _tr("1 marked file will be kept because:")
        )
        reasons = "".join(f"<li>{html.escape(line)}</li>" for line in refusal_lines(refused))
        parts.append(f"<p>{stay.format(count=f'{len(refused):,}')}</p><ul>{reasons}</ul>")
        box.setDetailedText("\n".join(f"{o.path}: {o.message}" for o in refused))
    if inside_scanned:
        parts.append(
            _tr("<p>This folder is inside a folder you scan: the next scan will find these files there again.</p>")
        )
    if going and sidecars:
        shown_names = ", ".join(html.escape(Path(o.path).name) for o in sidecars[:SIDECARS_NAMED])
        more = "…" if len(sidecars) > SIDECARS_NAMED else ""
        with_them = (
            _tr("<p>{count} of them belong to the photos and go with them (edits, Live Photo videos): {names}{more}")
            if len(sidecars) != 1
            else _tr("<p>1 of them belongs to a photo and goes with it (edits, a Live Photo video): {names}")
        )
        parts.append(with_them.format(count=f"{len(sidecars):,}", names=shown_names, more=more) + "</p>")
    if going:
        parts.append(
            _tr(
                "<p>Each file was checked just now: unchanged since the scan, outside protected folders, never the "
                "last copy of its group; it is checked again as it moves. Undo Last Apply (Ctrl+Z) brings them "
                "back.</p>"
            )
        )
        verb = _tr("Move to Trash") if move_to is None else _tr("Move to Folder")
        move = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(move)
    else:
        box.addButton(QMessageBox.StandardButton.Close)
    box.setInformativeText("".join(parts))
    return box


class ReportDialog(QDialog):
    def __init__(self, title: str, report: Report, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        done = report.with_status(Status.TRASHED, Status.MOVED, Status.RESTORED)
        if any(o.status is Status.RESTORED for o in done):
            text = _tr("<b>{done} files restored</b> ({size}); {failed} could not be restored.")
        elif any(o.status is Status.MOVED for o in done):
            text = _tr("<b>{done} files moved to the folder</b> ({size}); {failed} could not be moved.")
        else:
            text = _tr("<b>{done} files moved to the trash</b> ({size}); {failed} could not be moved.")
        summary = QLabel(text.format(done=len(done), size=human_size(report.done_bytes), failed=len(report.failures)))
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        if report.failures:
            tree = QTreeWidget()
            tree.setHeaderLabels([_tr("File"), _tr("Why")])
            tree.setRootIsDecorated(False)
            for o in report.failures:
                item = QTreeWidgetItem([o.path, o.message])
                item.setToolTip(0, o.path)
                tree.addTopLevelItem(item)
            tree.resizeColumnToContents(0)
            layout.addWidget(tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(720, 360 if report.failures else 120)
