"""Every verdict a scan made on larger decodes, measured again with the code as it is now, labelled by the set's
truth: the evidence for a change to how larger decodes are judged (pixelcheck's texture floor, this round).

A stored verdict made on larger decodes (`detail`) is measured again the way the checker makes it: both files
decoded grey with the long side at min(1024, both long sides), SIFT, keypoint fit and whole-picture alignment. The
line shows the truth label (`copy`: one truth group, neither file another shot; `shot`: one of them another shot;
`diff`), the stored verdict, the verdict now, the median local correlation and the changed share. A pair whose
verdict moved is marked with `*`; the summary counts label x stored -> now.

Usage: python bench/larger_decode_study.py STORE TRUTH_JSON   (STORE: a scan of the set's photos with --db STORE;
a set without truth: a TRUTH_JSON of {"groups": []} labels every pair `diff`)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from residual_study import labels, pair_label

from dedup_gui.core import verify
from dedup_gui.core.detail import DETAIL_SIDE, decode_gray


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("truth")
    args = parser.parse_args()
    label = labels(args.truth)
    root = os.path.dirname(os.path.abspath(args.truth))
    con = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT f1.path, f2.path, v.verdict, i1.width, i1.height, i2.width, i2.height FROM verdicts v "
        "JOIN files f1 ON f1.id = v.a JOIN files f2 ON f2.id = v.b "
        "JOIN images i1 ON i1.file_id = v.a JOIN images i2 ON i2.file_id = v.b"
    ).fetchall()
    made: dict[tuple[str, int], verify.Features | None] = {}

    def features(path: str, side: int) -> verify.Features | None:
        if (path, side) not in made:
            gray = decode_gray(path, side)
            made[path, side] = None if gray is None else verify.features(gray, side)
        return made[path, side]

    counts: Counter[tuple[str, str, str]] = Counter()
    print("label  stored     now        ncc    changed  a | b")
    for pa, pb, text, wa, ha, wb, hb in rows:
        stored = json.loads(text)
        if not stored.get("detail") or None in (wa, ha, wb, hb):
            continue
        side = min(DETAIL_SIDE, max(wa, ha), max(wb, hb))
        fa, fb = features(pa, side), features(pb, side)
        if fa is None or fb is None:
            continue
        m = verify.measure(fa, fb, dense=True)
        now = verify.classify(m, fa, fb).verdict
        kind = pair_label(label, pa, pb)
        counts[kind, stored["verdict"], now] += 1
        mark = "*" if now != stored["verdict"] else " "
        print(
            f"{kind:5}  {stored['verdict']:10} {now:10}{mark} {m.ncc:6.3f} {m.changed:7.3f}  "
            f"{os.path.relpath(pa, root)} | {os.path.relpath(pb, root)}"
        )
    print("\nlabel  stored -> now: pairs")
    for (kind, was, now), n in sorted(counts.items()):
        print(f"{kind:5}  {was} -> {now}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
