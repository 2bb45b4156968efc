"""A rescan after a share of a library's photos changed, on a store a first scan left (bench_library's step alone).

    python bench/bench_rescan_changes.py LIBRARY/photos STORE [--share 0.01] [--workers N]

Runs, each as `dedup-gui scan` in its own process with its memory sampled (proctree.py): an unchanged rescan (it
records the scan's files, which the next one compares with), the rescan after `share` of the camera JPEGs were
re-saved a little brighter (bench_library's edit), and one after restoring them. Prints for each: seconds, peak
PSS, pairs verified, and how the groups of the files that did not change compare with the unchanged rescan's.
Use a copy of the store: the scans are saved in it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree
from bench_library import APP, _change_files, _restore_files, _step

from dedup_gui.core.config import default_workers


def _groups(path: Path, leave_out: set[str]) -> set[tuple[str, ...]]:
    """The groups of a result, without the files in `leave_out` (those that changed)."""
    groups = json.loads(path.read_text())["groups"]
    kept = (tuple(sorted(p for p in g if p not in leave_out)) for g in groups)
    return {g for g in kept if len(g) > 1}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--share", type=float, default=0.01)
    ap.add_argument("--workers", type=int, default=default_workers())
    args = ap.parse_args()
    out = args.store.parent / "rescan-changes"
    out.mkdir(exist_ok=True)
    env = proctree.env_with(XDG_DATA_HOME=str(out / "data"), DEDUP_GUI_SETTINGS=str(out / "settings.toml"))
    scan = [*APP, "scan", str(args.photos), "--db", str(args.store), "-q", "--workers", str(args.workers)]
    rows = {}

    def run(name: str) -> None:
        print(f"{name} ...", file=sys.stderr)
        step = _step(proctree.run([*scan, "--json", str(out / f"{name}.json")], env=env))
        stats = json.loads((out / f"{name}.json").read_text())["stats"]
        rows[name] = step | {"verified": stats["verified"], "matching_s": stats["seconds"].get("matching")}

    run("unchanged")
    changed = _change_files(args.photos, out / "changed", args.share)
    try:
        run("changed")
    finally:
        _restore_files(changed, out / "changed")
    run("restored")
    moved = {str(p) for p in changed}
    before = _groups(out / "unchanged.json", moved)
    for name, r in rows.items():
        after = _groups(out / f"{name}.json", moved)
        r["unchanged_files_groups"] = f"{len(before & after)} of {len(before)} as before, {len(after - before)} other"
        print(
            f"{name:10} {r['seconds']:8.1f} s  matching {r['matching_s'] or 0:7.1f} s  peak PSS "
            f"{r['peak_pss'] / 2**30:.2f} GB  verified {r['verified']:7d}  groups without the {len(moved)} changed "
            f"files: {r['unchanged_files_groups']}"
        )
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
