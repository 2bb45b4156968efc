"""End to end with the real CNN and verification: each kind of copy lands in the right tier, a burst never joins
the same-photo group, and a rotated-and-cropped copy (invisible to the hashes) is found by a rotated query."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageEnhance

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, ScanResult, Tier


def sample(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiers")
    monkeypatch_module.setenv("XDG_CACHE_HOME", str(root / "cache"))  # the exported model goes there
    lib = root / "photos"
    lib.mkdir()
    full = sample("astronaut").resize((1000, 1000), Image.Resampling.LANCZOS)
    orig = full.crop((50, 50, 900, 900))
    files: dict[str, Image.Image] = {
        "orig": orig,
        "crop": orig.crop((0, 0, 850, 680)),  # 20 % removed
        "mirror": orig.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "colour": ImageEnhance.Color(ImageEnhance.Brightness(orig).enhance(1.25)).enhance(0.5),
        "rot_crop": orig.crop((200, 0, 850, 850)).transpose(Image.Transpose.ROTATE_90),  # turned and trimmed
        "unrelated": sample("coffee"),
    }
    # another shot: the camera moved a little and something in the scene moved
    burst = np.array(full.crop((80, 66, 930, 916)))
    burst[80:250, 80:250] = burst[420:590, 420:590]
    files["burst"] = Image.fromarray(burst)
    paths = {}
    for name, img in files.items():
        paths[name] = lib / f"{name}.jpg"
        img.save(paths[name], quality=95 if name == "orig" else 85)  # the original is the largest file
    paths["exact"] = lib / "exact.jpg"
    paths["exact"].write_bytes(paths["orig"].read_bytes())
    return paths


@pytest.fixture(scope="module")
def monkeypatch_module() -> pytest.MonkeyPatch:
    mp = pytest.MonkeyPatch()
    yield mp  # type: ignore[misc]
    mp.undo()


def scan(shots: dict[str, Path], mode: Mode, db: Path) -> ScanResult:
    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(shots["orig"].parent,), mode=mode, workers=2), store=store)
    finally:
        store.close()


def tiers_of(result: ScanResult, shots: dict[str, Path]) -> dict[str, Tier | None]:
    """Tier of each file's link to the group holding the original (None: not in that group)."""
    group = next(g for g in result.groups if str(shots["orig"]) in g.paths)
    by_path = {m.path: m for m in group.members}
    out: dict[str, Tier | None] = {}
    for name, path in shots.items():
        m = by_path.get(str(path))
        out[name] = None if m is None else (m.evidence.tier if m.evidence else Tier.EXACT)
    return out


def test_near_mode_groups_copies_and_keeps_the_burst_out(shots: dict[str, Path], tmp_path: Path) -> None:
    tiers = tiers_of(scan(shots, Mode.NEAR, tmp_path / "s.db"), shots)
    assert {tiers["exact"], tiers["orig"]} == {Tier.EXACT}  # the keeper and its byte copy
    for name in ("crop", "mirror", "colour", "rot_crop"):
        assert tiers[name] is Tier.SAME_PHOTO, (name, tiers)
    assert tiers["burst"] is None
    assert tiers["unrelated"] is None


def test_similar_mode_adds_the_burst_as_similar(shots: dict[str, Path], tmp_path: Path) -> None:
    result = scan(shots, Mode.SIMILAR, tmp_path / "s.db")
    tiers = tiers_of(result, shots)
    assert tiers["burst"] is Tier.SIMILAR
    assert tiers["unrelated"] is None
    group = next(g for g in result.groups if str(shots["orig"]) in g.paths)
    assert group.tier is Tier.SIMILAR


def _with_exif(img: Image.Image, path: Path, taken: str, model: str) -> None:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", model
    exif.get_ifd(0x8769)[0x9003] = taken
    img.save(path, quality=90, exif=exif.tobytes())


@pytest.mark.parametrize(
    ("taken", "model", "joins"),
    [
        ("2022:04:11 15:24:11", "iPhone 12", True),  # 2 s later: a burst
        ("2022:04:11 15:34:09", "iPhone 12", False),  # 10 minutes later: a look-alike of another moment
        ("2022:04:11 15:24:11", "iPhone 13", False),  # another camera at the same moment: another person's shot
    ],
)
def test_similar_mode_joins_another_shot_by_its_capture_time(
    shots: dict[str, Path], tmp_path: Path, taken: str, model: str, joins: bool
) -> None:
    """Where the embeddings alone are not close enough (here: never), another shot of the scene joins as a similar
    shot when one camera took both within seconds, and only then."""
    lib = tmp_path / "lib"
    lib.mkdir()
    orig = np.array(Image.open(shots["orig"]))
    h, w = orig.shape[:2]
    # the camera tilted a little (5 % keystone, so the frames are not two crops of one) and something moved
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0.05 * w, 0.05 * h], [0.95 * w, 0], [w, h], [0, 0.95 * h]])
    shot = cv2.warpPerspective(orig, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT)
    side = h // 6
    shot[h // 10 : h // 10 + side, w // 10 : w // 10 + side] = shot[h // 2 : h // 2 + side, w // 2 : w // 2 + side]
    _with_exif(Image.fromarray(orig), lib / "IMG_2271.jpg", "2022:04:11 15:24:09", "iPhone 12")
    _with_exif(Image.fromarray(shot), lib / "IMG_2272.jpg", taken, model)
    config = ScanConfig(roots=(lib,), mode=Mode.SIMILAR, workers=2, similar_cosine=1.01)
    result = run_scan(config, store=Store(tmp_path / "s.db"))
    grouped = [sorted(Path(p).name for p in g.paths) for g in result.groups]
    assert grouped == ([["IMG_2271.jpg", "IMG_2272.jpg"]] if joins else []), grouped
    if joins:
        assert all(m.evidence is None or m.evidence.tier is Tier.SIMILAR for m in result.groups[0].members)


@pytest.mark.parametrize("mode", [Mode.NEAR, Mode.SIMILAR])
def test_a_burst_frame_that_looks_identical_is_never_a_copy(shots: dict[str, Path], tmp_path: Path, mode: Mode) -> None:
    """The next frame of a burst can look the same to hashes and to the pixels (nothing moved); the camera dated
    it 3 s later, so it is another picture: never proposed for the trash as a copy. A copy keeps its date."""
    lib = tmp_path / "lib"
    lib.mkdir()
    orig = Image.open(shots["orig"])
    _with_exif(orig, lib / "IMG_2271.jpg", "2022:04:11 15:24:09", "iPhone 12")
    _with_exif(orig.resize((700, 700)), lib / "IMG_2271_small.jpg", "2022:04:11 15:24:09", "iPhone 12")  # a copy
    _with_exif(ImageEnhance.Brightness(orig).enhance(1.02), lib / "IMG_2272.jpg", "2022:04:11 15:24:12", "iPhone 12")
    result = run_scan(ScanConfig(roots=(lib,), mode=mode, workers=2), store=Store(tmp_path / "s.db"))
    group = next(g for g in result.groups if str(lib / "IMG_2271_small.jpg") in g.paths)
    tiers = {Path(m.path).name: (m.evidence.tier if m.evidence else None) for m in group.members}
    if mode is Mode.NEAR:
        assert set(tiers) == {"IMG_2271.jpg", "IMG_2271_small.jpg"}, tiers  # the burst frame is not a copy
    else:
        assert set(tiers) == {"IMG_2271.jpg", "IMG_2271_small.jpg", "IMG_2272.jpg"}, tiers
        # told relative to the keeper: the burst frame is another shot, or (when kept) the others are
        if group.keeper.endswith("IMG_2272.jpg"):
            assert tiers == {"IMG_2272.jpg": None, "IMG_2271.jpg": Tier.SIMILAR, "IMG_2271_small.jpg": Tier.SIMILAR}
        else:
            assert tiers["IMG_2272.jpg"] is Tier.SIMILAR, tiers


def test_rotated_crop_is_found_through_rotated_queries(shots: dict[str, Path], tmp_path: Path) -> None:
    """Without rotated queries the plain embedding must come within the loosest candidate cosine to be seen."""
    config = ScanConfig(roots=(shots["orig"].parent,), min_cosine=0.8, rotations=True)
    tiers = tiers_of(run_scan(config, store=Store(tmp_path / "a.db")), shots)
    assert tiers["rot_crop"] is Tier.SAME_PHOTO
    config = ScanConfig(roots=(shots["orig"].parent,), min_cosine=0.8, rotations=False)
    tiers = tiers_of(run_scan(config, store=Store(tmp_path / "b.db")), shots)
    assert tiers["rot_crop"] is None  # neither its hashes nor its plain embedding (cosine 0.69) find it
    assert tiers["crop"] is Tier.SAME_PHOTO


def test_rescan_reuses_decodes_embeddings_and_verdicts(shots: dict[str, Path], tmp_path: Path) -> None:
    first = scan(shots, Mode.NEAR, tmp_path / "s.db")
    again = scan(shots, Mode.NEAR, tmp_path / "s.db")
    assert first.stats.embedded > 0 and first.stats.verified > 0
    assert (again.stats.decoded, again.stats.embedded, again.stats.verified) == (0, 0, 0)
    assert [g.paths for g in again.groups] == [g.paths for g in first.groups]


def test_unchanged_rescan_in_another_mode_reuses_the_links_and_equals_a_fresh_scan(
    shots: dict[str, Path], tmp_path: Path
) -> None:
    scan(shots, Mode.NEAR, tmp_path / "s.db")
    again = scan(shots, Mode.SIMILAR, tmp_path / "s.db")
    fresh = scan(shots, Mode.SIMILAR, tmp_path / "fresh.db")
    assert (again.stats.decoded, again.stats.embedded, again.stats.verified) == (0, 0, 0)
    assert again.groups == fresh.groups  # same members, keepers, tiers and evidence
    assert again.stats.candidate_pairs == fresh.stats.candidate_pairs


def test_rescan_after_a_file_changed_matches_it_again(shots: dict[str, Path], tmp_path: Path) -> None:
    lib = tmp_path / "photos"
    shutil.copytree(shots["orig"].parent, lib)
    scan_of = {name: lib / path.name for name, path in shots.items()}
    first = scan(scan_of, Mode.NEAR, tmp_path / "s.db")
    assert any(str(scan_of["colour"]) in g.paths for g in first.groups)
    Image.open(shots["unrelated"]).save(scan_of["colour"], quality=90)  # the edited copy is now another picture
    again = scan(scan_of, Mode.NEAR, tmp_path / "s.db")
    fresh = scan(scan_of, Mode.NEAR, tmp_path / "fresh.db")
    assert again.stats.decoded == 1
    assert again.groups == fresh.groups
    assert all(str(scan_of["colour"]) not in g.paths for g in again.groups if str(scan_of["orig"]) in g.paths)


def test_a_rotated_query_does_not_make_another_shot_of_the_same_scene() -> None:
    """Shots of one scene stand the same way up: a cosine that only a quarter turn gives (a checkerboard, a facade)
    is no evidence of another shot; the picture inside a frame still is."""
    from dedup_gui.core.content import Content, best_cosine, scene_cosine

    rng = np.random.default_rng(2)

    def unit(v: np.ndarray) -> np.ndarray:
        return (v / np.linalg.norm(v)).astype(np.float32)

    a_vec = unit(rng.standard_normal(64))
    b_vec = unit(a_vec + 1.3 * unit(rng.standard_normal(64)))  # upright, the two are not alike
    near_b = unit(b_vec + 0.2 * unit(rng.standard_normal(64)))  # a view of a that looks like b
    others = [unit(rng.standard_normal(64)) for _ in range(2)]
    b = Content(["/p/b.jpg"], [1], 1, vector=b_vec.astype(np.float16))
    turned = Content(["/p/a.jpg"], [0], 1, vector=a_vec.astype(np.float16), queries=np.stack([near_b, *others]))
    upright = float(a_vec.astype(np.float16).astype(np.float32) @ b_vec.astype(np.float16).astype(np.float32))
    assert upright < 0.7 < best_cosine(turned, b)
    assert scene_cosine(turned, b, best_cosine(turned, b)) == pytest.approx(upright, abs=1e-6)
    framed = Content(["/p/a.jpg"], [0], 1, vector=a_vec.astype(np.float16), queries=near_b[None])
    assert scene_cosine(framed, b, 0.93) == 0.93
    plain = Content(["/p/a.jpg"], [0], 1, vector=a_vec.astype(np.float16))
    assert scene_cosine(plain, b, upright) == upright and scene_cosine(plain, b, None) is None
