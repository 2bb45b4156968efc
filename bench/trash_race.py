"""Two programs trashing files of one name at the same moment: how many of the trashed files survive?

Two processes each send 200 files named IMG_0001.jpg (from folders d0..d199, every file its own bytes) to one
trash at once, without the apply's lock: the case of a file manager trashing while an apply runs. Each file's bytes
are then looked for in the trash. `send2trash` picks a free name by looking, then renames over whatever took that
name meanwhile; the engine's move (`core/trash.py`) takes the name first.

    python bench/trash_race.py [--files 200] [--runs 3]

Runs in a private HOME and XDG_DATA_HOME under a temporary folder; the user's own trash is never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import glob, sys
import send2trash
from dedup_gui.core import trash
for path in sorted(glob.glob(sys.argv[1] + "/d*/IMG_0001.jpg")):
    if sys.argv[2] == "engine":
        trash.send_to_trash(path)
    else:
        trash._sync_send2trash_home()
        send2trash.send2trash(path)
"""


def race(how: str, files: int) -> tuple[int, int]:
    """(files found in the trash, files whose bytes are nowhere: neither in the trash nor where they were)."""
    root = Path(tempfile.mkdtemp(prefix="trash-race-"))
    try:
        data_home = root / "home" / ".local" / "share"
        data_home.mkdir(parents=True)
        env = dict(os.environ, HOME=str(root / "home"), XDG_DATA_HOME=str(data_home), PYTHONPATH=str(ROOT))
        digests = set()
        for side in "AB":
            for i in range(files):
                folder = root / side / f"d{i}"
                folder.mkdir(parents=True)
                data = f"{side}{i}".encode() * 500
                (folder / "IMG_0001.jpg").write_bytes(data)
                digests.add(hashlib.sha1(data).hexdigest())
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(root / s), how], env=env) for s in "AB"]
        for p in procs:
            p.wait()
        trashed = list((data_home / "Trash" / "files").iterdir())
        left = [f for side in "AB" for f in (root / side).glob("d*/IMG_0001.jpg")]  # not moved (an error)
        found = {hashlib.sha1(f.read_bytes()).hexdigest() for f in (*trashed, *left)}
        return len(trashed), len(digests - found)
    finally:
        shutil.rmtree(root)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=200, help="files per process")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for run in range(args.runs):
        for how in ("send2trash", "engine"):
            found, lost = race(how, args.files)
            print(f"run {run + 1}, {how:10}: {found} of {2 * args.files} files in the trash, {lost} lost")


if __name__ == "__main__":
    main()
