"""Share of the truth's `similar` pairs (other shots of one scene) that a grouping puts together.

Usage: python bench/similar_leak.py TRUTH.json PRED.json   (paths in PRED may be absolute; see score.py)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("truth")
    ap.add_argument("pred")
    args = ap.parse_args()
    with open(args.truth, encoding="utf-8") as fh:
        truth = json.load(fh)
    root = os.path.dirname(os.path.abspath(args.truth))
    with open(args.pred, encoding="utf-8") as fh:
        pred = json.load(fh)["groups"]
    group_of = {}
    for n, g in enumerate(pred):
        for p in g:
            group_of[os.path.relpath(p, root) if os.path.isabs(p) else p] = n
    pairs = grouped = 0
    for g in truth["groups"]:
        for a, b in itertools.combinations(g["files"], 2):
            if "similar" in (g["kinds"].get(a), g["kinds"].get(b)):
                pairs += 1
                grouped += a in group_of and group_of.get(a) == group_of.get(b)
    print(f"similar pairs grouped: {grouped}/{pairs} = {grouped / pairs:.3f}")


if __name__ == "__main__":
    main()
