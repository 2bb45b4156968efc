"""The window's menus, toolbar and shortcuts: every command once, with its key, reachable by mouse and keyboard."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow


@dataclass
class WindowActions:
    add_folder: QAction
    scan: QAction
    export: QAction
    quit: QAction
    apply: QAction
    undo: QAction
    settings: QAction
    problems: QAction
    about: QAction


def _action(
    window: QMainWindow, text: str, *keys: QKeySequence | QKeySequence.StandardKey | str, tip: str = ""
) -> QAction:
    action = QAction(text, window)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip or text.rstrip('…')} ({shortcut})" if shortcut else tip or text.rstrip("…"))
    return action


def build_actions(window: QMainWindow, problems: QAction) -> WindowActions:
    """Create the actions, put them in the menus and the toolbar; the window connects their triggered()."""
    tr = window.tr
    actions = WindowActions(
        add_folder=_action(window, tr("&Add Folder…"), QKeySequence.StandardKey.Open),
        scan=_action(window, tr("&Scan"), "F5", "Ctrl+R", tip=tr("Look for copies in the folders")),
        export=_action(window, tr("&Export Groups…"), "Ctrl+E", tip=tr("Save the groups as CSV or JSON")),
        quit=_action(window, tr("&Quit"), QKeySequence.StandardKey.Quit),
        apply=_action(
            window, tr("&Apply Decisions…"), "Ctrl+Return", tip=tr("Move the copies marked Trash to the trash")
        ),
        undo=_action(window, tr("&Undo Last Apply"), QKeySequence.StandardKey.Undo, tip=tr("Restore the last apply")),
        settings=_action(window, tr("Se&ttings…"), QKeySequence.StandardKey.Preferences),
        problems=problems,
        about=_action(window, tr("&About dedup-gui")),
    )
    problems.setText(tr("&Problems"))
    actions.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    actions.about.setMenuRole(QAction.MenuRole.AboutRole)
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    menus = window.menuBar()
    file_menu = menus.addMenu(tr("&File"))
    for a in (actions.add_folder, actions.scan, actions.export):
        file_menu.addAction(a)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    review = menus.addMenu(tr("&Review"))
    for a in (actions.apply, actions.undo):
        review.addAction(a)
    view = menus.addMenu(tr("&View"))
    view.addAction(problems)
    view.addAction(actions.settings)
    menus.addMenu(tr("&Help")).addAction(actions.about)
    bar = window.addToolBar(tr("Main"))
    bar.setObjectName("main")
    bar.setMovable(False)
    for a in (actions.scan, actions.apply, actions.undo, problems, actions.settings):
        bar.addAction(a)
    return actions
