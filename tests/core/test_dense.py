"""Whole-picture alignment (dense.py) for pictures with few keypoints: a copy still lines up at full size, and a
placement that does not line up at the coarse size is given up there instead of refined further."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from dedup_gui.core import dense
from dedup_gui.core.verify import features, verify_features


def picture(seed: int, w: int = 256, h: int = 192) -> np.ndarray:
    """A grey picture of little detail: a smooth light field under a few soft blobs (a sky, a wall, a beach)."""
    rng = np.random.default_rng(seed)
    field = cv2.resize(rng.random((3, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    img = (field.clip(0, 1) * 160 + 40).astype(np.uint8)
    for _ in range(6):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(10, 50)), int(rng.integers(10, 40)))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, int(rng.integers(0, 255)), -1, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (0, 0), 1.5)


def test_a_tone_edited_crop_of_a_picture_of_little_detail_lines_up_at_full_size() -> None:
    a = picture(7)
    b = np.clip(a[10:180, 8:240].astype(np.float32) * 0.8 + 30, 0, 255).astype(np.uint8)
    found = dense.align(a, b)
    assert found, "no placement found for a crop"
    m, mirrored, cc = found[0]
    assert cc >= 0.99 and not mirrored
    assert np.allclose(m[:, :2], np.eye(2), atol=0.01)
    assert np.allclose(m[:, 2], [8, 10], atol=0.5)  # b's pixels sit 8 right and 10 down in a
    assert verify_features(features(a), features(b), dense=True).verdict == "same-photo"


@pytest.fixture
def ecc_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float | None]]:
    """Every ECC run of the test, in order: (long side it ran at, correlation reached or None)."""
    runs: list[tuple[int, float | None]] = []
    ecc = dense._ecc

    def recorded(ga: np.ndarray, gb: np.ndarray, m: np.ndarray, steps: int) -> tuple[np.ndarray, float] | None:
        found = ecc(ga, gb, m, steps)
        runs.append((max(ga.shape), None if found is None else found[1]))
        return found

    monkeypatch.setattr(dense, "_ecc", recorded)
    return runs


def test_placements_that_do_not_line_up_at_the_coarse_size_get_no_full_size_steps(
    ecc_runs: list[tuple[int, float | None]],
) -> None:
    """The full-size steps cost as much as the coarse ones, and a library of skies and walls sends many unrelated
    pairs here; they stay "different" without them."""
    for seed in range(12):
        a, b = picture(seed), picture(100 + seed)
        assert verify_features(features(a), features(b), dense=True).verdict == "different"
        dense.align(a, b, frames_only=True)
    coarse = [cc for side, cc in ecc_runs if side == dense._COARSE and cc is not None]
    assert min(coarse) < dense._REFUTED <= max(coarse), "the pairs should test both sides of the rule"
    for (side, cc), (next_side, _) in itertools.pairwise(ecc_runs):
        if side == dense._COARSE and next_side > dense._COARSE:  # a full-size run follows its coarse run
            assert cc is not None and cc >= dense._REFUTED
