"""What a whole review costs in clicks and keys: the real window, driven the way a person would drive it.

    python bench/review_effort.py --db STORE FOLDER [--truth truth.json] [--flow before|after]

STORE is a scan of FOLDER (`dedup-gui scan FOLDER --db STORE`); it is copied first, so its decisions stay as they
are. The files really move to a trash inside a temporary home and are brought back with Undo at the end, so FOLDER
must be a copy you may move files in (never the evaluation set itself).

Flows:
  before  group by group, as the window allowed before Auto-select All: click the group (scrolling to it when it
          is out of view), press T (keep the proposal), then Apply (Ctrl+Return) and confirm (Enter).
  after   Auto-select All (Ctrl+Shift+A), sort by Match (one click: the least certain groups first), look at the
          uncertain groups (click each), then Apply (Ctrl+Return) and confirm (Enter).

"Uncertain" (for this bench): a group whose weakest copy matched with a score under UNCERTAIN, which the Match sort
brings to the top. With --truth, the reviewer is perfect on every group it looks at: a copy that the ground truth
says is another picture is kept (click it, K). After the apply, the truth says how many trashed files were the last
of their picture (photos lost): the price of looking at fewer groups.

The script works with this tree's window and with an older one (run it with that tree on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

UNCERTAIN = 0.9  # weakest match score under which a reviewer looks: on dev-large 27 of 260 groups hold 46 of the
# 47 copies the truth says are another picture; on dev 2 of 67 groups hold all 3 (0.8: 39 of 47; 0.95: 115 groups)


class Driver:
    """Every click, key and scroll the review takes goes through here and is counted."""

    def __init__(self, app) -> None:
        from PySide6.QtTest import QTest

        self.app, self.test = app, QTest
        self.clicks = self.keys = self.scrolls = 0

    def key(self, widget, key, modifiers=None) -> None:
        from PySide6.QtCore import Qt

        self.keys += 1
        self.test.keyClick(widget, key, modifiers or Qt.KeyboardModifier.NoModifier)
        self.app.processEvents()

    def click_row(self, tree, index) -> None:
        """Click a row of the list, scrolling first when it is out of view (one wheel gesture per screenful)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QAbstractItemView

        if not tree.viewport().rect().contains(tree.visualRect(index)):
            self.scrolls += 1
            tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        self.clicks += 1
        self.test.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             tree.visualRect(index).center())  # fmt: skip
        self.app.processEvents()

    def click_header(self, tree, column: int) -> None:
        from PySide6.QtCore import QPoint, Qt

        header = tree.header()
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        self.clicks += 1
        self.test.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             QPoint(x, header.height() // 2))  # fmt: skip
        self.app.processEvents()

    def wait(self, done: Callable[[], bool], seconds: float = 600) -> None:
        end = time.monotonic() + seconds
        while not done():
            if time.monotonic() > end:
                raise TimeoutError("the window did not finish in time")
            self.app.processEvents()
            time.sleep(0.005)


class Truth:
    """The ground truth: which picture (truth group) each file shows, and whether it is another shot of it."""

    def __init__(self, path: Path, root: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.group: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        for g in data["groups"]:
            for f in g["files"]:
                self.group[str(root / f)] = g["id"]
                self.kind[str(root / f)] = g["kinds"].get(f, "")

    def same_picture(self, a: str, b: str) -> bool:
        """b is a copy of a's picture (neither is another shot, both in one truth group)."""
        ga, gb = self.group.get(a), self.group.get(b)
        return ga is not None and ga == gb and "similar" not in (self.kind.get(a), self.kind.get(b))

    def lost(self, trashed: list[str]) -> list[str]:
        """Trashed files of which no copy of the same picture is left on disk."""
        on_disk = [p for p in self.group if os.path.exists(p)]
        return [t for t in trashed if not any(self.same_picture(t, p) for p in on_disk)]


def weakest(group) -> float:
    return min((m.evidence.score for m in group.members if m.evidence is not None), default=1.0)


def review(window, drive: Driver, flow: str, truth: Truth | None) -> int:
    """Drive the list as a person would; returns how many groups were looked at."""
    from PySide6.QtCore import Qt

    tree, model = window.groups.tree, window.model
    window.groups.focus_tree()
    if flow == "before":
        look = list(model.visible_groups())
    else:
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        done = []
        window.decisions.bulk_done.connect(lambda *_: done.append(1))
        drive.key(tree, Qt.Key.Key_A, ctrl_shift)
        drive.wait(lambda: bool(done))
        from dedup_gui.ui.group_columns import column_index

        drive.click_header(tree, column_index("match"))
        look = [g for g in model.visible_groups() if weakest(g) < UNCERTAIN]
    for group in look:
        row = model.visible_groups().index(group)
        top = getattr(model, "top_index", None)  # older trees gave the view every row at once
        drive.click_row(tree, top(row) if top else model.index(row, 0))
        if flow == "before":
            drive.key(tree, Qt.Key.Key_T)
        if truth is None:
            continue
        for r, m in enumerate(group.members):
            if m.path != group.keeper and not truth.same_picture(group.keeper, m.path):
                drive.click_row(tree, model.index(r, 0, model.index(row, 0)))
                drive.key(tree, Qt.Key.Key_K)
    return len(look)


def apply(window, drive: Driver) -> tuple[list[str], float, float]:
    """Ctrl+Return, then Enter on the confirmation; returns the files moved, the check's and the apply's seconds."""
    from PySide6.QtCore import Qt

    before = {p for p, d in window.decisions.marks.items() if d == "trash"}
    t0 = time.perf_counter()
    drive.key(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    flow = getattr(window, "flow", None)
    if flow is not None:  # this tree: every file is checked before the confirmation opens
        drive.wait(lambda: flow.box is not None)
        box = flow.box
    else:
        box = window.confirm_box
    checked = time.perf_counter() - t0
    t1 = time.perf_counter()
    drive.key(box, Qt.Key.Key_Return)
    drive.wait(lambda: window.service.idle and window.message.isVisible())
    return sorted(p for p in before if not os.path.exists(p)), checked, time.perf_counter() - t1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--db", type=Path, required=True, help="a scan of FOLDER (copied, never changed)")
    ap.add_argument("--truth", type=Path, help="truth.json of the evaluation set FOLDER is a copy of")
    ap.add_argument("--flow", choices=("before", "after"), default="after")
    args = ap.parse_args()
    folder = args.folder.resolve()
    if args.truth is not None and folder == (args.truth.parent / "photos").resolve():
        ap.error("FOLDER is the evaluation set itself: scan and review a copy of it (files really move)")
    tmp = Path(tempfile.mkdtemp(prefix="review-effort-"))
    for suffix in ("", "-user"):
        source = args.db.with_name(f"{args.db.stem}{suffix}{args.db.suffix}")
        if source.exists():
            shutil.copy2(source, tmp / f"store{suffix}.sqlite3")
    os.environ.update(HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "home/.local/share"),
                      XDG_CONFIG_HOME=str(tmp / "home/.config"))  # fmt: skip
    (tmp / "home/.local/share").mkdir(parents=True)
    screen = tmp / "screen.json"  # a laptop's screen (Qt's offscreen default is 800 x 800)
    screen.write_text('{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1600, "height": 1000}]}')
    os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={screen}")

    from PySide6.QtWidgets import QApplication

    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(Settings(folders=(f"scan:{folder}",)), tmp / "store.sqlite3", tmp / "settings.toml")
    window.resize(1280, 800)
    window.show()
    drive = Driver(app)
    drive.wait(lambda: window.service.idle and window.model.rowCount() > 0)
    truth = Truth(args.truth, folder.parent) if args.truth else None  # truth paths start with "photos/"
    groups = getattr(window.model, "group_count", window.model.rowCount)()
    looked = review(window, drive, args.flow, truth)
    moved, check_s, apply_s = apply(window, drive)
    lost = truth.lost(moved) if truth else []
    print(f"{args.flow}: {groups} groups, {looked} looked at; {drive.clicks} clicks, {drive.keys} keys, "
          f"{drive.scrolls} scrolls = {drive.clicks + drive.keys + drive.scrolls} actions")  # fmt: skip
    print(f"  {len(moved)} files moved to the trash (check {check_s:.1f} s, apply {apply_s:.1f} s)", end="")
    print(f"; photos lost by the truth: {len(lost)}" if truth else "")
    for path in lost[:10]:
        print(f"    lost: {path}")
    window.undo_last()  # put every file back where it was (not counted: not part of the review)
    drive.wait(lambda: window.service.idle and "restored" in window.message.text())
    back = sum(os.path.exists(p) for p in moved)
    print(f"  undo: {back} of {len(moved)} files back")
    window.close()
    return 0 if back == len(moved) else 1


if __name__ == "__main__":
    sys.exit(main())
