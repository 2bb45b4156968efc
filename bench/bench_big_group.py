"""Showing one group of many copies in the compare view: the UI thread's time to show it and to lay it out.

    python bench/bench_big_group.py [COPIES ...]      (default: 10 50 200)

Fake groups (files that do not exist, so no picture decodes), offscreen Qt unless DISPLAY is set. A group of a
burst or of a folder backed up many times is shown when the person selects it in the list; the window answers
nothing until both steps are done.
"""

from __future__ import annotations

import os
import sys
import time

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for tests.ui.conftest


def main(sizes: list[int]) -> int:
    from PySide6.QtWidgets import QApplication

    from dedup_gui.ui.compare_view import CompareView
    from dedup_gui.ui.images import ImageLoader
    from tests.ui.conftest import fake_groups

    app = QApplication.instance() or QApplication([])
    view = CompareView(ImageLoader(None), lambda _path: None, lambda: ())
    view.resize(1200, 600)
    view.show()
    app.processEvents()
    view.show_group(fake_groups(1, members=3)[0])  # first use of the widgets, not timed
    app.processEvents()
    for n in sizes:
        group = fake_groups(1, members=n)[0]
        t0 = time.perf_counter()
        view.show_group(group)
        t1 = time.perf_counter()
        app.processEvents()  # layout and paint
        t2 = time.perf_counter()
        print(f"{n:>5} copies: show {1000 * (t1 - t0):6.0f} ms, then layout and paint {1000 * (t2 - t1):6.0f} ms")
    view.images.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [10, 50, 200]))
