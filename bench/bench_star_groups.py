"""Star grouping of one long chain of links (every third photo anchors a star): how its time grows with size.

    python bench/bench_star_groups.py [--sizes 2000 4000 8000 16000]

A chain is the worst case for choosing anchors: each star takes three nodes, so a component of n nodes gives n/3
stars, and choosing each anchor by keying every node left made the whole quadratic (88 s for 16,000 nodes).
"""

from __future__ import annotations

import argparse
import time

from dedup_gui.core.grouping import Link, star_groups


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[2000, 4000, 8000, 16000])
    args = ap.parse_args()
    for n in args.sizes:
        links = [Link(i, i + 1, 1.0) for i in range(n - 1)]
        t0 = time.perf_counter()
        stars = star_groups(n, links, lambda a, u, m: False, lambda i: (0,))
        print(f"{n:8d} nodes  {len(stars):6d} stars  {time.perf_counter() - t0:8.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
