"""Entry point of the packaged app (PyInstaller): the same `main()` as the `dedup-gui` command.

`multiprocessing.freeze_support()` comes first: the scan's decode pool starts its workers by re-running this
executable, and freeze_support turns those runs into workers instead of second copies of the app.

DEDUP_GUI_STARTUP_PROBE=1 prints `first-paint <CLOCK_MONOTONIC seconds>` when the main window first paints and
then closes it; `packaging/measure_startup.py` compares that with the moment it started the process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time


def install_startup_probe() -> None:
    """Create the QApplication early with an event filter that reports the main window's first paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    app = QApplication([sys.argv[0]])

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), QMainWindow)
            ):
                print(f"first-paint {time.monotonic():.6f}", flush=True)
                app.removeEventFilter(self)
                # closing (not quitting) lets the window stop its threads and save its state as on a normal exit
                QTimer.singleShot(0, lambda: [w.close() for w in QApplication.topLevelWidgets()])
            return False

    app.installEventFilter(FirstPaint(app))


def run() -> int:
    multiprocessing.freeze_support()
    if os.environ.get("DEDUP_GUI_STARTUP_PROBE"):
        install_startup_probe()
    from dedup_gui.cli.main import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
