"""Why each copy a scan missed is out of its original's group: its own verdict with the original, or the member
verdicts that keep it out, by the set's truth. The misses of an evaluation set, sorted into causes.

For every truth member that is not another shot and sits outside its original's predicted group, one line: its
kind, its file, and either what it is to the original (`original: none` when the pair was never verified, else
the stored verdict) or, when it is a copy of the original, each member of the original's group whose stored
verdict with it contradicts (membership.contradicts in the scan's mode): that member, the verdict, its inliers,
its correlation and whether it was a whole-picture alignment. The stretched-copy rule (membership.py) came from
reading these lines: the largest share of the unseen-edit sets' misses were kept out by a stretched copy's wrong fit.

Usage: python bench/missed_copies.py STORE RESULT_JSON TRUTH_JSON [--mode near|similar]
(STORE and RESULT_JSON: `dedup-gui scan PHOTOS --db STORE --mode near --json RESULT_JSON`)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup_gui.core.membership import contradicts
from dedup_gui.core.types import Mode
from dedup_gui.core.verify import Verification

_FIELDS = set(Verification.__dataclass_fields__)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("result")
    parser.add_argument("truth")
    parser.add_argument("--mode", choices=["near", "similar"], default="near")
    args = parser.parse_args()
    tiers = Mode(args.mode).tiers
    root = os.path.dirname(os.path.abspath(args.truth))
    with open(args.truth) as f:
        truth = json.load(f)
    with open(args.result) as f:
        groups = json.load(f)["groups"]
    where = {path: k for k, group in enumerate(groups) for path in group}
    con = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    ids = {path: i for i, path in con.execute("SELECT id, path FROM files")}

    def verdict(x: str, y: str) -> Verification | None:
        if x not in ids or y not in ids:
            return None
        a, b = sorted((ids[x], ids[y]))
        row = con.execute("SELECT verdict FROM verdicts WHERE a = ? AND b = ?", (a, b)).fetchone()
        return None if row is None else Verification(**{k: v for k, v in json.loads(row[0]).items() if k in _FIELDS})

    def words(v: Verification) -> str:
        how = "whole picture" if v.dense else f"{v.inliers} inliers"
        return f"{v.verdict} ({how}, ncc {v.overlap_ncc:.2f})"

    missed = 0
    for group in truth["groups"]:
        original = os.path.join(root, group["original"])
        home = where.get(original)
        for rel in group["files"]:
            kind = group["kinds"].get(rel, "")
            path = os.path.join(root, rel)
            if kind in ("similar", "original") or path == original or (home is not None and where.get(path) == home):
                continue
            missed += 1
            own = verdict(path, original)
            if home is None or own is None or own.verdict != "same-photo":
                print(f"{kind:16} {rel}: original {'none' if own is None else words(own)}")
                continue
            keep_out = [
                f"{os.path.basename(m)}: {words(v)}"
                for m in groups[home]
                if m != original and (v := verdict(path, m)) is not None and contradicts(v, tiers)
            ]
            print(f"{kind:16} {rel}: kept out by {'; '.join(keep_out) or 'no stored verdict'}")
    print(f"\n{missed} copies outside their original's group")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
