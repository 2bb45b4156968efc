"""A scan of a library run up to the verification of its candidates, for the bench studies of verification.

The scan runs on a copy of a store that scan left (decodes and embeddings are read back; nothing is decoded
again), with every candidate searched afresh (no reuse of the last scan's links, no stored verdicts), and hands
its candidates to `each_verdict` in place of PairChecker's: that callable records or measures them, while the
scan's contents are alive, and returns the verdicts the scan goes on with (none, usually).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dedup_gui.core import checker, incremental
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode

# (checker, pairs, dense=(), closer=(), doubtful=()), as PairChecker.each_verdict
EachVerdict = Callable[..., Iterator[Any]]


def scan_with_candidates(folder: Path, store: Path, each_verdict: EachVerdict) -> None:
    """Near scan of `folder` on a copy of `store`, its candidates handed to `each_verdict` (see the top)."""
    checker.PairChecker.each_verdict = each_verdict  # type: ignore[method-assign]
    Store.completed_scan_with = lambda self, inputs: None  # type: ignore[method-assign]
    incremental.carried_over = lambda *a, **k: None  # every candidate searched again, none carried over
    checker.StoredVerdicts.get = lambda self, pairs: {}  # type: ignore[method-assign]
    checker.StoredVerdicts.each = lambda self, pairs: iter(())  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite3"
        shutil.copy2(store, copy)
        opened = Store(copy)
        try:
            run_scan(ScanConfig(roots=(folder.resolve(),), mode=Mode.NEAR), store=opened)
        finally:
            opened.close()
