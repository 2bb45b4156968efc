"""Look-alike series never join on their hashes: two night skies with close perceptual hashes stay apart, while a
resized copy of one of them is still found, and so is a small copy of a photo with little detail. Real files, the
real scan (hashes, CNN, verification)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.decoding import decode
from dedup_gui.core.hashing import hamming, image_hashes
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group, Mode, ScanResult


def star_field(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A dark sky over the same hills with the same faint glow, and a few hundred stars where `seed` puts them."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    glow = 10 + 50 * np.exp(-(((x - 0.3 * w) / (0.4 * w)) ** 2) - ((y - 0.75 * h) / (0.3 * h)) ** 2)
    hills = y > h * (0.72 + 0.08 * np.sin(x / w * 5.0))  # the glow and the hills are what the hashes see
    sky = np.where(hills, 4.0, glow) + rng.normal(0, 2.0, (h, w))
    stars = np.zeros((h, w), np.float32)
    ys, xs = rng.integers(0, h, 600), rng.integers(0, w, 600)
    stars[ys, xs] = rng.uniform(80, 255, 600) * (ys < 0.7 * h)
    stars = cv2.GaussianBlur(stars, (0, 0), 1.2) * 6
    grey = np.clip(sky + stars, 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([grey, grey, np.clip(grey.astype(int) + 12, 0, 255).astype(np.uint8)]))


def _item() -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(data.astronaut())).resize((120, 144), Image.Resampling.LANCZOS)


def group_of(result: ScanResult, path: Path) -> Group | None:
    return next((g for g in result.groups if str(path) in g.paths), None)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("night")
    files = {"sky_a": star_field(1), "sky_b": star_field(2), "sky_c": star_field(3)}
    files["sky_a_small"] = files["sky_a"].resize((1000, 750), Image.Resampling.LANCZOS)  # a web copy of sky A
    # a preview of sky B so small its stars are gone: nothing in it tells sky A and sky B apart
    files["sky_b_preview"] = files["sky_b"].resize((320, 240), Image.Resampling.LANCZOS)
    # a product shot on a plain backdrop (little detail) and its small web copy: too small for a larger decode
    shirt = Image.new("RGB", (1000, 750), (214, 210, 204))
    shirt.paste(_item(), (440, 303))
    files["shirt"], files["shirt_web"] = shirt, shirt.resize((306, 230), Image.Resampling.LANCZOS)
    paths = {}
    for name, img in files.items():
        paths[name] = root / f"{name}.jpg"
        img.save(paths[name], quality=90)
    return paths


@pytest.fixture(scope="module")
def scanned(night: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    db = tmp_path_factory.mktemp("night-db") / "s.db"
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(night["sky_a"].parent,), mode=Mode.NEAR, workers=2), store=store)
    finally:
        store.close()


def test_the_skies_have_close_hashes(night: dict[str, Path]) -> None:
    """The premise: the hashes of different skies are as close as a copy's (what joined them before)."""
    hashes = {}
    for name, path in night.items():
        d = decode(str(path), path.stat().st_size, want_cnn=False)
        hashes[name] = image_hashes(d.gray)[0]
    assert int(hamming(hashes["sky_a"][0], hashes["sky_b"]).min()) <= 12
    assert int(hamming(hashes["sky_a"][0], hashes["sky_c"]).min()) <= 12


def test_different_star_fields_with_close_hashes_are_not_grouped(night: dict[str, Path], scanned: ScanResult) -> None:
    for other in ("sky_b", "sky_c"):
        group = group_of(scanned, night["sky_a"])
        assert group is None or str(night[other]) not in group.paths
    group_b = group_of(scanned, night["sky_b"])
    assert group_b is None or str(night["sky_c"]) not in group_b.paths


def test_a_resized_copy_of_a_star_field_is_found(night: dict[str, Path], scanned: ScanResult) -> None:
    """The thumbnails cannot see the stars; a larger decode of the pair can, and finds the same ones."""
    group = group_of(scanned, night["sky_a"])
    assert group is not None and str(night["sky_a_small"]) in group.paths
    member = next(m for m in group.members if m.path in (str(night["sky_a_small"]), str(night["sky_a"])) and m.evidence)
    assert member.evidence is not None and member.evidence.detail


def test_a_preview_too_small_to_show_the_stars_joins_no_other_sky(night: dict[str, Path], scanned: ScanResult) -> None:
    group = group_of(scanned, night["sky_b_preview"])
    assert group is None or str(night["sky_a"]) not in group.paths


def test_a_small_web_copy_of_a_photo_with_little_detail_is_found_by_its_keypoints(
    night: dict[str, Path], scanned: ScanResult
) -> None:
    """No larger decode exists (the copy is 306 px), the picture is short of detail, and its keypoints line up."""
    group = group_of(scanned, night["shirt"])
    assert group is not None and str(night["shirt_web"]) in group.paths
    assert not any(str(night[sky]) in group.paths for sky in ("sky_a", "sky_b", "sky_b_preview"))
