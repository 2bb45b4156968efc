"""A rescan after a library was reorganised, against a fresh scan of the library as it ends up.

    python bench/bench_reorganised.py PHOTOS WORK [--seed 1] [--workers N]

Copies PHOTOS into WORK (the input is never touched), scans the copy, then reorganises it as people do: two
folders moved into another one, 20 photos deleted, byte copies of 20 put in an "Imported" folder, 10 JPEGs saved
again (new bytes, the same picture) and 10 new crops added. Then the rescan on the same store, and a first scan of
the final library on a new one. Prints each scan's time, files decoded and pairs verified, and whether the rescan's
groups are the fresh scan's: a rescan must find what a first scan finds, however the library changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree
from bench_library import APP, _step

from dedup_gui.core.config import default_workers
from dedup_gui.core.formats import IMAGE_EXTENSIONS


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def reorganise(photos: Path, rng: random.Random) -> dict[str, object]:
    """The changes, drawn with `rng`; returns what was done."""
    from PIL import Image

    folders = sorted(d for d in photos.iterdir() if d.is_dir())
    moved = rng.sample(folders, 2)
    (photos / "Sorted").mkdir()
    for d in moved:
        d.rename(photos / "Sorted" / f"{d.name} (old)")
    files = _images(photos)
    for p in rng.sample(files, 20):
        p.unlink()
    files = [p for p in files if p.exists()]
    (photos / "Imported").mkdir()
    for n, p in enumerate(rng.sample(files, 20)):
        shutil.copyfile(p, photos / "Imported" / f"{n:02d} {p.name}")
    jpegs = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg")]
    for p in rng.sample(jpegs, 10):
        with Image.open(p) as img:
            exif = img.info.get("exif", b"")
            again = img.convert("RGB")
        part = p.with_name(p.name + ".part")
        again.save(part, "JPEG", quality=93, exif=exif)
        part.replace(p)
    (photos / "New edits").mkdir()
    for n, p in enumerate(rng.sample(jpegs, 10)):
        with Image.open(p) as img:
            rgb = img.convert("RGB")
        w, h = rgb.size
        rgb.crop((w // 12, h // 12, w - w // 12, h - h // 12)).save(photos / "New edits" / f"{n:02d}.jpg", quality=90)
    return {"moved": [d.name for d in moved], "deleted": 20, "copied": 20, "saved_again": 10, "crops": 10}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=default_workers())
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    photos = args.work / "photos"
    shutil.copytree(args.photos, photos)
    env = proctree.env_with(XDG_DATA_HOME=str(args.work / "data"), DEDUP_GUI_SETTINGS=str(args.work / "settings.toml"))
    results = {}

    def scan(name: str, store: str) -> set[frozenset[str]]:
        print(f"{name} ...", file=sys.stderr)
        out = args.work / f"{name}.json"
        cmd = [*APP, "scan", str(photos), "--db", str(args.work / store), "-q", "--workers", str(args.workers)]
        step = _step(proctree.run([*cmd, "--json", str(out)], env=env))
        result = json.loads(out.read_text())
        stats = result["stats"]
        results[name] = step | {k: stats[k] for k in ("files", "decoded", "verified")}
        return {frozenset(g) for g in result["groups"]}

    scan("first", "store.sqlite3")
    t0 = time.perf_counter()
    done = reorganise(photos, random.Random(args.seed))
    print(f"reorganised in {time.perf_counter() - t0:.1f} s: {done}", file=sys.stderr)
    again = scan("rescan", "store.sqlite3")
    fresh = scan("fresh", "fresh.sqlite3")
    for name, r in results.items():
        counts = f"files {r['files']:6}  decoded {r['decoded']:6}  verified {r['verified']:7}"
        print(f"{name:7} {r['seconds']:8.1f} s  peak {r['peak_pss'] / 2**30:.2f} GB  {counts}")
    print(f"groups: rescan {len(again)}, fresh scan {len(fresh)}, the same: {again == fresh}")
    for label, extra in (("only in the rescan", again - fresh), ("only in the fresh scan", fresh - again)):
        for g in sorted(extra, key=sorted)[:10]:
            print(f"  {label}: {sorted(os.path.relpath(p, photos) for p in g)}")
    return 0 if again == fresh else 1


if __name__ == "__main__":
    sys.exit(main())
