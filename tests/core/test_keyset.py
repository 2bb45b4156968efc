"""Pair keys held at 8 bytes each answer as a Python set of them would."""

from __future__ import annotations

import numpy as np
import pytest

from dedup_gui.core import keyset
from dedup_gui.core.keyset import KeySet


@pytest.mark.parametrize("merge", [3, 64, 1 << 16])
def test_answers_as_a_set_across_merges(monkeypatch: pytest.MonkeyPatch, merge: int) -> None:
    monkeypatch.setattr(keyset, "_MERGE", merge)
    rng = np.random.default_rng(merge)
    added = (rng.integers(0, 5_000, 3_000, dtype=np.int64) << 32) | rng.integers(0, 5_000, 3_000, dtype=np.int64)
    keys, truth = KeySet(), set()
    for k in added.tolist()[:1_000]:
        keys.add(k)
        truth.add(k)
    for k in added.tolist()[1_000:] + added.tolist()[:50]:  # some added twice
        keys.add(k)
    truth.update(added.tolist())
    asked = np.concatenate([added[::7], added[::11] + 1, np.array([0, -1, 2**62], dtype=np.int64)])
    assert keys.contains(asked).tolist() == [int(k) in truth for k in asked]
    assert [int(k) in keys for k in asked] == [int(k) in truth for k in asked]
    assert len(keys) == len(truth)
    keys.clear()
    assert len(keys) == 0 and not keys.contains(added).any()


def test_an_empty_set_holds_nothing() -> None:
    keys = KeySet()
    assert 5 not in keys and len(keys) == 0
    assert keys.contains(np.array([], dtype=np.int64)).tolist() == []
