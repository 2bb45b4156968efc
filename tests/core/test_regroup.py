"""Regrouping from stored pairs gives what a fresh scan in that mode gives, without decoding anything."""

from __future__ import annotations

from pathlib import Path

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.regroup import regroup
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode
from tests.conftest import Library


def groups(result: object) -> list[list[str]]:
    return sorted(sorted(g.paths) for g in result.groups)  # type: ignore[attr-defined]


def test_regroup_matches_a_fresh_scan_in_each_mode(library: Library, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    near = run_scan(ScanConfig(roots=(library.root,), embeddings=False), store=store)
    exact = run_scan(ScanConfig(roots=(library.root,), embeddings=False, mode=Mode.EXACT), store=Store(tmp_path / "e"))
    assert groups(regroup(store, Mode.EXACT)) == groups(exact)
    assert groups(regroup(store, Mode.NEAR)) == groups(near)
    assert groups(exact) != groups(near)
