"""A rescan after a few photos changed looks again only at the pairs they are in: the last scan's links stand for
the rest. Real files, a real store and real embeddings and verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.regroup import regroup
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, ScanResult


def sample(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))


def write_library(root: Path) -> None:
    """Copies that only verification confirms (a crop, an edit), another shot of one scene, unrelated photos."""
    root.mkdir(parents=True)
    full = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS)
    images = {
        "a": full.crop((100, 100, 1100, 1000)),
        "a_crop": ImageEnhance.Contrast(full.crop((250, 220, 1000, 900))).enhance(1.2),
        "a_other": full.crop((0, 300, 900, 1200)).transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "c": sample("coffee"),
        "c_crop": sample("coffee").crop((80, 60, 560, 400)),
        "h": sample("chelsea"),
        "r": sample("rocket"),
    }
    for name, img in images.items():
        img.convert("RGB").save(root / f"{name}.jpg", quality=90)


def scan(root: Path, db: Path, *, embeddings: bool = True) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(root,), workers=2, embeddings=embeddings), store=store)
    finally:
        store.close()


def groups(result: ScanResult) -> list[list[str]]:
    return sorted(sorted(Path(p).stem for p in g.paths) for g in result.groups)


def verdicts(db: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as conn:
        names = dict(conn.execute("SELECT id, path FROM files"))
        rows = conn.execute("SELECT a, b, json_extract(verdict, '$.verdict') FROM verdicts").fetchall()
    return {(Path(names[a]).stem, Path(names[b]).stem): v for a, b, v in rows}


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    write_library(tmp_path / "lib")
    return tmp_path / "lib"


def test_a_rescan_verifies_only_the_pairs_a_changed_photo_is_in(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    first = scan(library, db)
    assert groups(first) == [["a", "a_crop"], ["c", "c_crop"]]
    other_shot = {pair for pair, v in verdicts(db).items() if v != "same-photo"}
    assert other_shot  # the other shot of the astronaut scene was verified against both copies
    # the store forgets those verdicts, as when a search that starts afresh proposes pairs the last scan never
    # verified (at 100,000 photos its approximate neighbours shift at the margins)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM verdicts WHERE json_extract(verdict, '$.verdict') != 'same-photo'")
    Image.open(library / "c.jpg").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(library / "h.jpg", quality=85)
    before = verdicts(db)
    again = scan(library, db)
    new = set(verdicts(db)) - set(before)
    assert new and all("h" in pair for pair in new)  # only the changed photo's pairs were verified
    assert not other_shot & set(verdicts(db))
    fresh = scan(library, tmp_path / "fresh.sqlite3")
    assert groups(again) == groups(fresh) == [["a", "a_crop"], ["c", "c_crop", "h"]]


def test_a_hashes_only_rescan_finds_a_changed_photo_that_is_a_turned_copy(library: Path, tmp_path: Path) -> None:
    """The hash search among the changed photos alone finds what the whole search finds: a photo replaced by a
    copy of another turned a quarter (a transform of its hashes, found from either side)."""
    db = tmp_path / "store.sqlite3"
    assert ["c", "h"] not in groups(scan(library, db, embeddings=False))
    Image.open(library / "c.jpg").transpose(Image.Transpose.ROTATE_90).save(library / "h.jpg", quality=85)
    again = scan(library, db, embeddings=False)
    assert ["c", "h"] in groups(again)
    assert groups(again) == groups(scan(library, tmp_path / "fresh.sqlite3", embeddings=False))


def test_a_photo_whose_byte_copy_was_deleted_is_looked_at_again(library: Path, tmp_path: Path) -> None:
    # the crop and its byte copy are one content, named by the copy's path: with that file gone the crop's links
    # cannot be carried over by name, so its pairs are searched again rather than lost
    (library / "0_copy.jpg").write_bytes((library / "c_crop.jpg").read_bytes())
    db = tmp_path / "store.sqlite3"
    assert groups(scan(library, db)) == [["0_copy", "c", "c_crop"], ["a", "a_crop"]]
    (library / "0_copy.jpg").unlink()
    assert groups(scan(library, db)) == [["a", "a_crop"], ["c", "c_crop"]]


def test_a_backup_copy_added_since_keeps_its_photo_in_the_group(library: Path, tmp_path: Path) -> None:
    """A byte copy made after the scan that sorts before its photo: the two are one content whose decode, verdicts and
    keypoints are stored under the photo's file, not the copy's (its thumbnail was looked up under the copy, found
    missing, and every pair of the content was dropped: the photo left its group)."""
    db = tmp_path / "store.sqlite3"
    assert groups(scan(library, db)) == [["a", "a_crop"], ["c", "c_crop"]]
    (library / "0_backup.jpg").write_bytes((library / "c_crop.jpg").read_bytes())
    (library / "0_other.jpg").write_bytes((library / "a.jpg").read_bytes())
    again = scan(library, db)
    assert groups(again) == [["0_backup", "c", "c_crop"], ["0_other", "a", "a_crop"]]
    assert again.stats.decoded == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM regroups")  # made afresh from the pairs, as after a "not duplicates" mark
    store = Store(db)
    try:
        assert groups(regroup(store, Mode.NEAR)) == groups(again)
    finally:
        store.close()


def test_a_rescan_under_other_matching_settings_carries_nothing_over(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    scan(library, db)
    store = Store(db)
    try:
        # a stricter search proposes no pair but byte and pixel copies: no link of the last scan may stand
        strict = ScanConfig(roots=(library,), workers=2, min_cosine=0.999, embeddings=True)
        result = run_scan(strict, store=store)
    finally:
        store.close()
    assert all(len(g.paths) < 3 for g in result.groups)
    assert ["a", "a_crop"] not in groups(result)
