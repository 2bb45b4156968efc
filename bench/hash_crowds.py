"""Pairs only the hashes found, and what a per-picture bound on them would verify and lose: read from a store.

    python bench/hash_crowds.py STORE [--nearest 3 6 12]

A look-alike crowd (app screenshots of one app, scans of one form) has close hashes between nearly every two of
its pictures, and the embeddings keep only each picture's 12 nearest: the rest come as pairs only the hashes found,
whose number grows with the square of the crowd. A crowd of real copies (one picture saved many ways) has them too,
and there every pair may carry a link grouping needs. This rebuilds the last scan's candidates (as
verify_bands.py does), joins each pair only the hashes found with its stored verdict (any version), and for each
bound N replays the rule: a picture's N nearest such pairs are verified first, the others only once either
picture has a link (any verdict that is not "different"; with --copies, as the scan does, a copy: a stored copy
verdict stands for a copy link), round after round. It prints the pairs verified and the linking verdicts never
reached.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import numpy as np
from verify_bands import stored_contents

from dedup_gui.core.candidates import candidates, crowded
from dedup_gui.core.store import Store


def stored_links(path: Path, keys: dict[tuple[int, int], int]) -> dict[int, str]:
    """Row -> stored verdict word, for the candidate rows whose pair has a verdict of any version."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out: dict[int, str] = {}
    for a, b, text in db.execute("SELECT a, b, verdict FROM verdicts"):
        row = keys.get((a, b), keys.get((b, a)))
        if row is not None:
            out[row] = json.loads(text)["verdict"]
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--nearest", type=int, nargs="+", default=[3, 6, 12])
    parser.add_argument("--show", type=int, default=0, help="print this many linking pairs never reached")
    parser.add_argument("--copies", action="store_true", help="only a copy (same-photo) opens a picture's pairs")
    args = parser.parse_args()
    store = Store(args.store)
    contents, config = stored_contents(store)
    store.close()
    found = candidates(contents, config, lambda: None)
    only = found.close & np.isnan(found.cosine) & ~found.identical
    keys = {(contents[i].key, contents[j].key): r for r, (i, j) in enumerate(found) if only[r]}
    words = stored_links(args.store, keys)
    linking = np.zeros(len(found), dtype=bool)
    opens = np.zeros(len(found), dtype=bool)
    copy = np.zeros(len(found), dtype=bool)
    for r, w in words.items():
        copy[r] = w == "same-photo"
        linking[r] = w != "different"
        opens[r] = w == "same-photo" if args.copies else linking[r]
    print(f"{len(contents)} contents, {len(found)} candidate pairs, {int(only.sum())} only by the hashes")
    print(f"  with a stored verdict {len(words)}, linking {int(linking.sum())}")
    # contents linked by some other candidate pair (embeddings, near-identical hashes) count from the start
    other = np.zeros(len(contents), dtype=bool)
    rest = np.flatnonzero(~only)
    rest_words = stored_links(args.store, {(contents[found.a[r]].key, contents[found.b[r]].key): r for r in rest})
    for r, w in rest_words.items():
        if w == "same-photo" if args.copies else w != "different":
            other[found.a[r]] = other[found.b[r]] = True
    print("| nearest | verified first | verified later | rounds | never verified | linking verdicts never reached |")
    print("|---|---|---|---|---|---|")
    for n in args.nearest:
        later = crowded(found, n)
        first = only & ~later
        linked = other.copy()
        for r in np.flatnonzero(first & opens):
            linked[found.a[r]] = linked[found.b[r]] = True
        pending, verified, rounds = later.copy(), 0, 0
        while True:
            take = pending & (linked[found.a] | linked[found.b])
            if not take.any():
                break
            rounds += 1
            verified += int(take.sum())
            pending &= ~take
            for r in np.flatnonzero(take & opens):
                linked[found.a[r]] = linked[found.b[r]] = True
        lost = np.flatnonzero(pending & linking)
        for r in lost[np.argsort(~copy[lost], kind="stable")][: args.show]:
            a, b = contents[found.a[r]].paths[0], contents[found.b[r]].paths[0]
            print(f"    {words[int(r)]}, {int(found.distance[r])} bits: {a} {b}")
        print(
            f"| {n} | {int(first.sum())} | {verified} | {rounds} | {int(pending.sum())} |"
            f" {int((pending & linking).sum())} ({int((pending & copy).sum())} copies) |"
        )


if __name__ == "__main__":
    main()
