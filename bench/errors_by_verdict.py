"""A scan's false and missed pairs against a truth, each with the verdict the store holds for it: where to look next.

    dedup-gui scan SET/photos --db STORE --json near.json
    python bench/errors_by_verdict.py SET/truth.json near.json STORE SET/photos [--examples 20] [--kinds crop,border]

Prints:
- the false pairs (two files in one group, in two truth groups) by the verdict between them ("none": never compared,
  grouped through others);
- the predicted groups holding most false pairs, named by their truth groups' originals;
- the missed pairs (a variant apart from its original) by kind and verdict;
- with `--kinds`, each missed pair of those kinds with its original's size.

A verdict is looked up between any two files of the two contents (byte copies share one content, and its verdicts
are stored under one of them). The truth format is the evaluation sets' (`truth.json`: groups with an original and
the kind of each file).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path


class Verdicts:
    """The stored verdicts of a store, by path, through the byte copies of each file."""

    def __init__(self, store: Path, root: str) -> None:
        con = sqlite3.connect(store)
        self.ids = {os.path.relpath(p, root): i for i, p in con.execute("SELECT id, path FROM files")}
        by_hash: dict[str, list[int]] = defaultdict(list)
        self.hash_of: dict[int, str] = {}
        for i, h in con.execute("SELECT id, full_hash FROM files"):
            if h is not None:
                by_hash[h].append(i)
                self.hash_of[i] = h
        self.by_hash = by_hash
        self.text: dict[tuple[int, int], str] = {}
        for a, b, text in con.execute("SELECT a, b, verdict FROM verdicts"):
            self.text[(a, b)] = self.text[(b, a)] = text
        con.close()

    def _copies(self, path: str) -> list[int]:
        i = self.ids.get(path)
        if i is None:
            return []
        return self.by_hash.get(self.hash_of.get(i, ""), [i])

    def of(self, x: str, y: str) -> str:
        """'verdict: description' between x and y, or 'none'."""
        for i in self._copies(x):
            for j in self._copies(y):
                text = self.text.get((i, j))
                if text is not None:
                    v = json.loads(text)
                    return f"{v.get('verdict')}: {v.get('description', '')[:60]}"
        return "none"


def _truth(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[dict]]:
    """(group of each file, kind of each file, details of each original, the groups), paths relative to photos/."""
    groups = json.loads(path.read_text())["groups"]
    group, kind, details = {}, {}, {}
    for g in groups:
        for f in g["files"]:
            rel = os.path.relpath(f, "photos")
            group[rel] = g["id"]
            kind[rel] = g.get("kinds", {}).get(f, "original")
        details[g["id"]] = g.get("details", {}).get(g["original"], "")
    return group, kind, details, groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("truth", type=Path)
    parser.add_argument("prediction", type=Path, help="the scan's --json output")
    parser.add_argument("store", type=Path, help="the scan's store (--db)")
    parser.add_argument("root", help="the photos folder the scan was given")
    parser.add_argument("--examples", type=int, default=20, help="false and missed pairs to print of each")
    parser.add_argument("--kinds", default="", help="print the missed pairs of these kinds (comma-separated)")
    args = parser.parse_args()
    group, kind, details, truth_groups = _truth(args.truth)
    verdicts = Verdicts(args.store, args.root)
    predicted = [[os.path.relpath(m, args.root) for m in g] for g in json.loads(args.prediction.read_text())["groups"]]
    where = {m: n for n, g in enumerate(predicted) for m in g}
    original = {g["id"]: os.path.relpath(g["original"], "photos") for g in truth_groups}

    false: list[tuple[str, str]] = []
    by_group: Counter[tuple[str, ...]] = Counter()
    for members in predicted:
        pairs = [(x, y) for x, y in combinations(sorted(members), 2) if group.get(x) is None or group[x] != group[y]]
        false += pairs
        if pairs:
            names = sorted({Path(original.get(group.get(m, ""), m)).name.split("__")[-1][:30] for m in members})
            by_group[tuple(names[:5])] += len(pairs)
    print(f"false pairs: {len(false)}")
    for said, n in Counter(verdicts.of(x, y) for x, y in false).most_common(20):
        print(f"  {n:5d}  {said}")
    print("groups holding most false pairs (their originals' names):")
    for names, n in by_group.most_common(args.examples):
        print(f"  {n:5d}  {', '.join(names)}")

    missed = []
    for g in truth_groups:
        o = original[g["id"]]
        for f in g["files"]:
            rel = os.path.relpath(f, "photos")
            if rel != o and (where.get(rel) is None or where.get(rel) != where.get(o)):
                missed.append((kind[rel], rel, o))
    print(f"missed pairs (a variant apart from its original): {len(missed)}")
    for (k, said), n in Counter((k, verdicts.of(o, r)) for k, r, o in missed).most_common(30):
        print(f"  {n:5d}  {k:18s} {said}")
    wanted = set(filter(None, args.kinds.split(",")))
    for k, r, o in missed:
        if k in wanted:
            size = details[group[o]].rsplit(", ", 1)[-1]
            print(f"  {k:12s} {r}  <-  {Path(o).name[:70]} ({size}): {verdicts.of(o, r)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
