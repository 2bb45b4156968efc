"""What each pending store migration would forget of a store's verdicts, counted on the store itself, then undone.

    python bench/forgotten_verdicts.py STORE [--from N]

A migration that forgets verdicts makes the next scan verify those pairs again, and the cost grows with the library:
migration 15 took a quarter of a simulated 50k store's verdicts (the pairs of pictures short of detail), and the
first rescan of the 100k store after it verified 213,377 pairs again, 53 minutes on 2 cores. Run this on a store
of the simulated library (`make_library.py`, `bench_library.py`) before shipping a migration that forgets verdicts.

Each migration from the store's schema (or from `--from N`: migration N first) runs inside one transaction that is
rolled back, so the store is left as it was, but SQLite still takes a write lock and may grow its journal: use a copy
of a store the app has open.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from dedup_gui.core.store.cache import cache_migrations
from dedup_gui.core.store.database import run_migration


def count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM verdicts").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="the cache file (store.sqlite3), not the decisions file")
    parser.add_argument("--from", dest="first", type=int, help="the first migration to run (default: the next one)")
    args = parser.parse_args()
    db = sqlite3.connect(args.store, isolation_level=None)
    schema = int(db.execute("PRAGMA user_version").fetchone()[0])
    steps = cache_migrations(args.store.with_name(args.store.stem + "-forgotten-user.sqlite3"))
    first = args.first or schema + 1
    if first <= 4 < len(steps):
        parser.error("migration 4 moves the user's data to another file: start after it (--from 5)")
    before = count(db)
    print(f"{args.store}: schema {schema}, {before:,} verdicts")
    db.execute("BEGIN")
    try:
        for number in range(first, len(steps) + 1):
            step = steps[number - 1]
            started, was = time.perf_counter(), count(db)
            run_migration(db, step)
            now = count(db)
            name = getattr(step, "__name__", "SQL")
            share = 100 * (was - now) / max(before, 1)
            print(f"migration {number:>2} {name:<28} forgets {was - now:>9,} ({share:5.1f} %)"
                  f"  {time.perf_counter() - started:6.1f} s")  # fmt: skip
        print(f"all: {before - count(db):,} of {before:,} verdicts forgotten; rolled back")
    finally:
        db.execute("ROLLBACK")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
