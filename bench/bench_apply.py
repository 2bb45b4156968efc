"""Apply beside a full trash: time a real `dedup-gui apply` of N files when the trash already holds M items.

Builds N small photos each with a byte-identical copy, scans them (exact mode), auto-selects every group, fills a
private trash with M items named the way send2trash names them, then runs `dedup-gui apply` and `dedup-gui undo`
as whole processes (a private HOME and XDG_DATA_HOME, so the user's own trash is never touched).

Usage: python bench/bench_apply.py [--files 2000] [--trash 5000] [--side 64]

`--side 2000` makes each photo 2000 x 1500 px of noise (about 3 MB, as a camera's JPEG): what reading every file
again costs (each trashed file is read in full before and after its move, one kept copy of its group before).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from dedup_gui.core import review
from dedup_gui.core.store import Store


def make_library(root: Path, n: int, side: int = 64) -> None:
    rng = np.random.default_rng(3)
    for i in range(n):
        if side <= 64:
            img = Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).resize((side, side * 3 // 4))
        else:  # noise does not compress: a file the size of a camera's
            img = Image.fromarray(rng.integers(0, 255, (side * 3 // 4, side, 3), dtype=np.uint8))
        a = root / "photos" / f"{i // 500:02d}" / f"IMG_{i:05d}.jpg"
        a.parent.mkdir(parents=True, exist_ok=True)
        img.save(a, quality=85)
        b = root / "copies" / f"{i // 500:02d}" / f"IMG_{i:05d}.jpg"
        b.parent.mkdir(parents=True, exist_ok=True)
        b.write_bytes(a.read_bytes())


def fill_trash(trash: Path, m: int) -> None:
    """m items, many of them named like the files about to be trashed (the worst case for a name search)."""
    (trash / "files").mkdir(parents=True, exist_ok=True)
    (trash / "info").mkdir(parents=True, exist_ok=True)
    for i in range(m):
        name = f"IMG_{i % 2000:05d}{'' if i < 2000 else f' {i // 2000}'}.jpg"
        (trash / "files" / name).write_bytes(b"x")
        (trash / "info" / f"{name}.trashinfo").write_text(
            f"[Trash Info]\nPath=/elsewhere/{i}/IMG_{i % 2000:05d}.jpg\nDeletionDate=2024-01-01T10:00:00\n"
        )


def run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"{' '.join(cmd[2:4])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--trash", type=int, default=5000)
    parser.add_argument("--side", type=int, default=64, help="long side of each photo, px (default 64)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = root / "home"
        data = home / ".local" / "share"
        data.mkdir(parents=True)
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(data), "DEDUP_GUI_SETTINGS": str(root / "s.toml")}
        make_library(root / "lib", args.files, args.side)
        mb = sum(p.stat().st_size for p in (root / "lib").rglob("*.jpg")) / 2**20
        db = root / "store.sqlite3"
        exe = [sys.executable, "-m", "dedup_gui"]
        scan_s = run([*exe, "scan", str(root / "lib"), "--db", str(db), "--mode", "exact", "-q"], env)
        store = Store(db)
        store.set_decisions(review.auto_select(review.load(store).groups))
        planned = len(review.build_plan(store).items)
        store.close()
        fill_trash(data / "Trash", args.trash)
        apply_s = run([*exe, "apply", "--db", str(db)], env)
        in_trash = len(list((data / "Trash" / "files").iterdir())) - args.trash
        undo_s = run([*exe, "undo", "--db", str(db)], env)
        back = sum(1 for p in (root / "lib").rglob("*.jpg"))
    print(f"scan of {2 * args.files} files ({mb:.0f} MB, exact mode): {scan_s:.1f} s")
    print(f"apply of {planned} files beside a trash of {args.trash} items: {apply_s:.2f} s ({in_trash} moved)")
    print(f"undo of them: {undo_s:.2f} s ({back} of {2 * args.files} files on disk afterwards)")


if __name__ == "__main__":
    main()
