"""How long GroupsModel takes to load 10,000 groups (and to filter them); the target is under one second."""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for tests.ui.conftest


def main(n: int = 10_000) -> int:
    from PySide6.QtWidgets import QApplication

    from dedup_gui.ui.group_view import GroupsPanel
    from dedup_gui.ui.groups_model import GroupsModel
    from tests.ui.conftest import fake_groups

    app = QApplication.instance() or QApplication([])
    groups = fake_groups(n)
    model = GroupsModel()
    panel = GroupsPanel(model)
    panel.resize(900, 600)
    panel.show()
    t0 = time.perf_counter()
    model.set_groups(groups)
    app.processEvents()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.set_filter("0042")
    app.processEvents()
    filt = time.perf_counter() - t0
    print(f"{n} groups: load and first paint {load * 1000:.0f} ms; filter {filt * 1000:.0f} ms")
    panel.close()
    return 0 if load < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
