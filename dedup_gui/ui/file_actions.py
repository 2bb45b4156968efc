"""Everyday actions on a file: open it, show its folder, copy its path; and the context menu that offers them.

Opening goes through QDesktopServices (the desktop's default viewer and file manager), which starts the other
program and returns at once: no file I/O on the UI thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget


def open_file(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def open_folder(path: str) -> bool:
    """The folder holding `path`, in the file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


def copy_paths(paths: list[str]) -> None:
    QGuiApplication.clipboard().setText("\n".join(paths))


def _tr(text: str) -> str:
    return QCoreApplication.translate("file_actions", text)


def add_file_actions(menu: QMenu, path: str) -> None:
    """Open, show in folder, copy path: the actions every file's menu has."""
    for text, slot in (
        (_tr("Open in Default Viewer"), lambda: open_file(path)),
        (_tr("Open Containing Folder"), lambda: open_folder(path)),
        (_tr("Copy Path"), lambda: copy_paths([path])),
    ):
        action = QAction(text, menu)
        action.triggered.connect(slot)
        menu.addAction(action)


def file_menu(parent: QWidget, path: str, extra: Sequence[tuple[str, Callable[[], None]]] = ()) -> QMenu:
    """The context menu of one file: open, show in folder, copy path, then the caller's own actions."""
    menu = QMenu(parent)
    add_file_actions(menu, path)
    if extra:
        menu.addSeparator()
        for text, slot in extra:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
    return menu
