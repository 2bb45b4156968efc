"""Starts the Qt application and the main window with the saved settings and the store."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from dedup_gui import __version__
from dedup_gui.core import settings as settings_io
from dedup_gui.core.config import default_store_path
from dedup_gui.ui.about import APP_ID, app_icon

log = logging.getLogger("dedup_gui.ui")


def main(argv: Sequence[str]) -> int:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("dedup-gui")
    app.setOrganizationName("dedup-gui")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # Wayland matches the window to the installed .desktop file by this id
    app.setWindowIcon(app_icon())
    settings, notice = settings_io.load_or_default()
    if notice:
        QMessageBox.warning(None, "dedup-gui", notice)
    from dedup_gui.ui.main_window import MainWindow

    store = Path(settings.store_path) if settings.store_path else default_store_path()
    window = MainWindow(settings, store)
    window.show()
    paths = [p for p in argv if not p.startswith("-")]
    if paths:
        window.add_folders(paths)  # folders are added; for files, their folder is offered
    from dedup_gui.ui.lifecycle import SignalQuit

    threading.Thread(target=_prepare_model, name="model-prepare", daemon=True).start()
    stopper = SignalQuit(lambda _signum: window.close(), app)  # logout: save like the close button does
    code = app.exec()
    stopper.restore()
    return code


def _prepare_model() -> None:
    """On a fresh pip install, make the image model while the user picks folders (once, in a child process)."""
    from dedup_gui.core.embedding import prepare_cpu_model

    try:
        if prepare_cpu_model():
            log.info("image model prepared for the first scan")
    except Exception as exc:  # noqa: BLE001 - a scan makes it again, or falls back to torch, and says why
        log.warning("could not prepare the image model now (%s); the first scan will", exc)
