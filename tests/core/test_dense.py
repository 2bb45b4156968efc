"""Whole-picture alignment (dense.py) for pictures with few keypoints: a copy still lines up at full size, and a
placement that does not line up at the coarse size is given up there instead of refined further."""

from __future__ import annotations

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


Run = tuple[int, float | None, bool]  # (long side it ran at, correlation reached or None, went on from the last run)


@pytest.fixture
def ecc_runs(monkeypatch: pytest.MonkeyPatch) -> list[Run]:
    """Every ECC run of the test, in order."""
    runs: list[Run] = []
    last: list[np.ndarray] = []
    ecc = dense._ecc_steps

    def recorded(ga: np.ndarray, gb: np.ndarray, warp: np.ndarray, steps: int) -> tuple[np.ndarray, float] | None:
        found = ecc(ga, gb, warp, steps)
        runs.append((max(ga.shape), None if found is None else found[1], bool(last) and warp is last[0]))
        last[:] = [] if found is None else [found[0]]
        return found

    monkeypatch.setattr(dense, "_ecc_steps", recorded)
    return runs


def unrelated_pairs_aligned() -> None:
    for seed in range(12):
        a, b = picture(seed), picture(100 + seed)
        assert verify_features(features(a), features(b), dense=True).verdict == "different"
        dense.align(a, b, frames_only=True)


def coarse_runs(
    runs: list[Run], goes_on_from: float = dense._HOPELESS
) -> list[tuple[float | None, float | None, bool]]:
    """The recorded runs read as coarse runs: (correlation at the look, at the end or None when it stopped at the
    look, whether full-size steps followed). Checks on the way that a run goes on past its look exactly when the
    look reaches `goes_on_from`."""
    out: list[tuple[float | None, float | None, bool]] = []
    i = 0
    while i < len(runs):
        side, look, goes_on = runs[i]
        assert side == dense._COARSE and not goes_on, "every placement starts with the coarse steps"
        i += 1
        end = None
        if look is not None and look >= goes_on_from:
            assert runs[i][0] == dense._COARSE and runs[i][2], "a run goes on past a look that is not hopeless"
            end = runs[i][1]
            i += 1
        full = i < len(runs) and runs[i][0] > dense._COARSE
        i += full
        out.append((look, end, full))
    return out


def test_placements_that_do_not_line_up_at_the_coarse_size_get_no_full_size_steps(
    ecc_runs: list[Run],
) -> None:
    """The full-size steps cost as much as the coarse ones, and a library of skies and walls sends many unrelated
    pairs here; they stay "different" without them."""
    unrelated_pairs_aligned()
    runs = coarse_runs(ecc_runs)
    ends = [end for _, end, _ in runs if end is not None]
    assert min(ends) < dense._REFUTED <= max(ends), "the pairs should test both sides of the rule"
    for look, end, full in runs:
        if full:
            assert look is not None and end is not None and max(look, end) >= dense._REFUTED


def test_a_placement_hopeless_after_the_first_coarse_steps_is_spared_the_rest(
    ecc_runs: list[Run],
) -> None:
    """About half of the simulated libraries' unrelated placements already stand under _HOPELESS after _LOOK
    steps, and the rest of the coarse steps do not change their fate."""
    unrelated_pairs_aligned()
    runs = coarse_runs(ecc_runs)
    assert len(runs) >= 12
    stopped = [look for look, end, _ in runs if end is None]
    assert any(look is not None for look in stopped), "the pairs should test the look"
    assert not any(full for _, end, full in runs if end is None), "no full-size steps after a hopeless look"


def test_the_coarse_run_keeps_a_placement_that_lined_up_and_swung_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """ECC's full steps can carry a placement that lined up away again by the last step; only one that stays
    unlike at both the look and the end is refuted. The correlations are scripted (real runs that swing need
    pictures of a simulated library); what is tested is the decision on them."""
    script: list[float] = []

    def scripted(ga: np.ndarray, gb: np.ndarray, warp: np.ndarray, steps: int) -> tuple[np.ndarray, float]:
        return warp, script.pop(0)

    monkeypatch.setattr(dense, "_ecc_steps", scripted)
    small = np.zeros((96, 128), np.float32)
    for look, end, refuted in ((0.93, 0.55, False), (0.58, 0.59, True), (0.55, 0.7, False), (0.45, None, True)):
        script[:] = [look] if end is None else [look, end]
        assert (dense._coarse(small, small, np.eye(2, 3)) == "refuted") == refuted, (look, end)
        assert not script, "a hopeless look ends the run; any other goes on to the end"


def test_one_placement_found_from_both_sides_is_refined_once(ecc_runs: list[Run]) -> None:
    """Frames of one shape give the frame-onto-frame placement twice (a placed in b, b placed in a): the same start
    ends in the same place, so ECC runs once (on dev-large 193 of the 826 keypoint-poor pairs aligned had their two
    kept hypotheses the same)."""
    a = picture(7)
    b = np.clip(a.astype(np.float32) * 0.8 + 30, 0, 255).astype(np.uint8)  # a tone edit: the same frame
    found = dense.align(a, b)
    assert found and found[0][2] >= 0.99 and np.allclose(found[0][0], np.eye(2, 3), atol=0.05)
    assert len(coarse_runs(ecc_runs)) == 1


def test_a_pair_that_is_no_strong_candidate_goes_on_only_from_a_placement_that_lines_up_almost_exactly(
    ecc_runs: list[Run],
) -> None:
    """Whole-picture alignment of a candidate under the strong ones (cosine 0.7-0.8) catches copies whose keypoints
    are too few, and those line up almost exactly at the coarse size (0.965 or more on two unseen-edit sets). Its
    other placements stop at the look unless they reach STRICT_LOOK there: no more coarse steps, no full-size ones."""

    def unrelated(strict: bool) -> list[tuple[float | None, float | None, bool]]:
        ecc_runs.clear()
        for seed in range(12):
            dense.align(picture(seed), picture(100 + seed), strict=strict)
        return coarse_runs(ecc_runs, dense.STRICT_LOOK if strict else dense._HOPELESS)

    loose, strict = unrelated(strict=False), unrelated(strict=True)
    assert len(loose) == len(strict) and [r[0] for r in loose] == [r[0] for r in strict]  # the same placements
    between = [look for look, _, _ in loose if look is not None and dense._HOPELESS <= look < dense.STRICT_LOOK]
    assert between, "some placements should stand between the two looks"
    assert any(end is not None for look, end, _ in loose if look in between)  # went on under the usual look
    for look, end, full in strict:
        if look is None or look < dense.STRICT_LOOK:
            assert end is None and not full, look
    a = picture(7)
    crop = np.clip(a[10:180, 8:240].astype(np.float32) * 0.8 + 30, 0, 255).astype(np.uint8)
    found = dense.align(a, crop, strict=True)  # a copy still lines up
    assert found and found[0][2] >= 0.99
    assert np.allclose(found[0][0][:, 2], [8, 10], atol=0.5)
