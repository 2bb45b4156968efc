"""Paths dropped on the window or given on the command line: folders are added, files get their folder offered.

`sort_paths` touches the disk and runs on the store thread; the window shows what it found.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from dedup_gui.core.formats import IMAGE_EXTENSIONS


@dataclass(frozen=True, slots=True)
class SortedPaths:
    folders: tuple[str, ...]
    files: tuple[str, ...]  # existing files (photos or not)
    missing: tuple[str, ...]

    @property
    def file_folders(self) -> tuple[str, ...]:
        """The folders holding the files, each once, in order."""
        return tuple(dict.fromkeys(os.path.dirname(f) for f in self.files))


def sort_paths(paths: list[str]) -> SortedPaths:
    folders, files, missing = [], [], []
    for p in paths:
        if os.path.isdir(p):
            folders.append(p)
        elif os.path.exists(p):
            files.append(p)
        else:
            missing.append(p)
    return SortedPaths(tuple(folders), tuple(files), tuple(missing))


def _tr(text: str) -> str:
    return QCoreApplication.translate("drops", text)


def offer_folders(parent: QWidget, found: SortedPaths) -> QMessageBox:
    """Not shown yet (the caller opens it): files are not scanned one by one, their folders are."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_tr("Add the folder instead?"))
    photos = all(os.path.splitext(f)[1].lower() in IMAGE_EXTENSIONS for f in found.files)
    what = _tr("photos") if photos else _tr("files")
    names = ", ".join(html.escape(os.path.basename(f)) for f in found.files[:3]) + (
        " …" if len(found.files) > 3 else ""
    )
    box.setText(
        _tr("<b>{names}</b>: dedup-gui looks for copies in folders, not in single {what}.").format(
            names=names, what=what
        )
    )
    folders = found.file_folders
    listing = "<br>".join(html.escape(f) for f in folders[:5]) + ("<br>…" if len(folders) > 5 else "")
    box.setInformativeText(_tr("Add the folder that holds them?<br>{folders}").format(folders=listing))
    add = box.addButton(
        _tr("Add Folder") if len(folders) == 1 else _tr("Add Folders"), QMessageBox.ButtonRole.AcceptRole
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(add)
    return box
