"""A rescan of a scanned library whose folders were moved: renamed on the disk, or copied by a tool that gives each
copy today's date (`cp -r`) with the originals deleted. Every photo keeps its bytes, so nothing should be decoded,
embedded or verified again, and the groups should be the last scan's under the new paths.

    python bench/bench_moved_library.py PHOTOS STORE [--folders 2012 2013 ...] [--how renamed copied]

PHOTOS must be the folder STORE was made from (the store's paths are its paths): the named folders (default: every
folder named like a year) are moved under PHOTOS/Archive and put back afterwards (a copy made by linking keeps
their dates and inodes; nothing is rewritten). Each rescan runs on a copy of STORE, after the page cache was
dropped where allowed (reading the moved files' bytes from the disk is part of the cost). Prints each rescan's
time, its stages, what it decoded and verified, and whether its groups are the ones before the move.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree
from bench_library import APP, _step

from dedup_gui.core.store import user_data_path


def _groups(result: Path, photos: Path) -> list[list[str]]:
    """A scan's groups, with the paths under Archive/ read as they were before the move."""
    moved = str(photos / "Archive") + os.sep
    groups = json.loads(result.read_text())["groups"]
    return sorted(sorted(p.replace(moved, str(photos) + os.sep) for p in g) for g in groups)


def _drop_page_cache() -> None:
    subprocess.run(["sync"], check=False)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        print("(page cache not dropped: needs root)", file=sys.stderr)


def _move(photos: Path, folders: list[str], how: str, keep: Path) -> None:
    archive = photos / "Archive"
    archive.mkdir()
    for name in folders:
        if how == "renamed":
            (photos / name).rename(archive / name)
        else:
            subprocess.run(["cp", "-al", str(photos / name), str(keep / name)], check=True)  # the originals, linked
            shutil.copytree(photos / name, archive / name, copy_function=shutil.copyfile)  # today's dates
            shutil.rmtree(photos / name)


def _put_back(photos: Path, folders: list[str], how: str, keep: Path) -> None:
    archive = photos / "Archive"
    for name in folders:
        if how == "renamed":
            (archive / name).rename(photos / name)
        else:
            shutil.rmtree(archive / name)
            (keep / name).rename(photos / name)
    archive.rmdir()


def _copy_store(store: Path, to: Path) -> None:
    shutil.copyfile(store, to)
    if user_data_path(store).exists():
        shutil.copyfile(user_data_path(store), user_data_path(to))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--folders", nargs="*", default=None)
    ap.add_argument("--how", nargs="*", default=["renamed", "copied"], choices=["renamed", "copied"])
    args = ap.parse_args()
    photos = args.photos.resolve()
    folders = args.folders or sorted(d.name for d in photos.iterdir() if d.is_dir() and d.name.isdigit())
    if (photos / "Archive").exists():
        sys.exit(f"{photos / 'Archive'} exists: the moves go there")
    work = Path(tempfile.mkdtemp(prefix="moved-", dir=args.store.parent))
    env = proctree.env_with(XDG_DATA_HOME=str(work / "data"), DEDUP_GUI_SETTINGS=str(work / "settings.toml"))

    def scan(name: str) -> tuple[dict, list[list[str]]]:
        db = work / f"{name}.sqlite3"
        _copy_store(args.store, db)
        out = work / f"{name}.json"
        step = _step(proctree.run([*APP, "scan", str(photos), "--db", str(db), "-q", "--json", str(out)], env=env))
        stats = json.loads(out.read_text())["stats"]
        counts = {k: stats[k] for k in ("files", "decoded", "embedded", "verified")}
        return step | counts | {"stages": stats["seconds"]}, _groups(out, photos)

    before, groups = scan("before")
    print(f"before the move: {before['seconds']:.1f} s, decoded {before['decoded']} ({len(groups)} groups)")
    moved = sum(1 for name in folders for p in (photos / name).rglob("*") if p.is_file())
    for how in args.how:
        keep = work / "originals"
        keep.mkdir(exist_ok=True)
        _move(photos, folders, how, keep)
        try:
            _drop_page_cache()
            step, after = scan(how)
        finally:
            _put_back(photos, folders, how, keep)
        stages = ", ".join(f"{k} {v:.1f}" for k, v in step["stages"].items())
        print(
            f"{how:8} {len(folders)} folders, {moved} files: rescan {step['seconds']:.1f} s, peak "
            f"{step['peak_pss'] / 2**30:.2f} GB; decoded {step['decoded']}, embedded {step['embedded']}, verified "
            f"{step['verified']}; groups {len(after)}, the same as before: {after == groups}\n          ({stages})"
        )
    again, back = scan("put-back")
    print(f"put back: decoded {again['decoded']}, the same groups: {back == groups}")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
