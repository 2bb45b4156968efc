"""The window's menus, toolbar and shortcuts: every command once, with its key, reachable by mouse and keyboard."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolButton


@dataclass
class WindowActions:
    add_folder: QAction
    scan: QAction
    export: QAction
    quit: QAction
    auto_all: QAction
    auto_shown: QAction
    auto_exact: QAction
    apply: QAction
    move_to: QAction
    undo: QAction
    settings: QAction
    problems: QAction
    dismissed: QAction
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


def build_actions(window: QMainWindow, problems: QAction, dismissed: QAction) -> WindowActions:
    """Create the actions, put them in the menus and the toolbar; the window connects their triggered()."""
    tr = window.tr
    actions = WindowActions(
        add_folder=_action(window, tr("&Add Folder…"), QKeySequence.StandardKey.Open),
        scan=_action(window, tr("&Scan"), "F5", "Ctrl+R", tip=tr("Look for copies in the folders")),
        export=_action(window, tr("&Export Groups…"), "Ctrl+E", tip=tr("Save the groups as CSV or JSON")),
        quit=_action(window, tr("&Quit"), QKeySequence.StandardKey.Quit),
        auto_all=_action(
            window,
            tr("Auto-select &All Groups"),
            "Ctrl+Shift+A",
            tip=tr("In every group, keep the proposed copy and mark the others Trash; decisions made stay"),
        ),
        auto_shown=_action(window, tr("Auto-select Groups &Shown"), tip=tr("The same for the groups the filter shows")),
        auto_exact=_action(
            window,
            tr("Auto-select &Identical Copies Only"),
            tip=tr("Mark only byte- or pixel-identical copies Trash, in every group; the rest stays undecided"),
        ),
        apply=_action(
            window, tr("&Apply Decisions…"), "Ctrl+Return", tip=tr("Move the copies marked Trash to the trash")
        ),
        move_to=_action(
            window,
            tr("&Move Marked Files to a Folder…"),
            "Ctrl+Shift+Return",
            tip=tr("Move the copies marked Trash into a folder you choose instead of the trash"),
        ),
        undo=_action(window, tr("&Undo Last Apply"), QKeySequence.StandardKey.Undo, tip=tr("Restore the last apply")),
        settings=_action(window, tr("Se&ttings…"), QKeySequence.StandardKey.Preferences),
        problems=problems,
        dismissed=dismissed,
        about=_action(window, tr("&About dedup-gui")),
    )
    problems.setText(tr("&Problems"))
    dismissed.setText(tr("&Dismissed"))
    dismissed.setToolTip(tr("Groups and copies you marked “not duplicates”, with Undo"))
    actions.auto_all.setIconText(tr("Auto-select All"))  # the toolbar's shorter label
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
    for a in (actions.auto_all, actions.auto_shown, actions.auto_exact):
        review.addAction(a)
    review.addSeparator()
    for a in (actions.apply, actions.move_to, actions.undo):
        review.addAction(a)
    view = menus.addMenu(tr("&View"))
    for a in (problems, dismissed, actions.settings):
        view.addAction(a)
    menus.addMenu(tr("&Help")).addAction(actions.about)
    bar = window.addToolBar(tr("Main"))
    bar.setObjectName("main")
    bar.setMovable(False)
    bar.addAction(actions.scan)
    bar.addAction(actions.auto_all)
    auto = bar.widgetForAction(actions.auto_all)
    if isinstance(auto, QToolButton):  # the other scopes under the button's arrow
        scopes = QMenu(auto)
        for a in (actions.auto_all, actions.auto_shown, actions.auto_exact):
            scopes.addAction(a)
        auto.setMenu(scopes)
        auto.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
    for a in (actions.apply, actions.undo, problems, actions.settings):
        bar.addAction(a)
    return actions
