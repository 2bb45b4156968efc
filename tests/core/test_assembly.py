"""Assembly never drops a verified copy: a file matched only through another member is verified against the
group's anchor on demand, while another shot reached the same way stays out. Real decodes, hashes and
verification on generated files; only the candidate search is left out, so the pairs it "missed" are chosen."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from dedup_gui.core.assemble import build_groups
from dedup_gui.core.checker import PairChecker, StoredVerdicts
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.decoding import decode
from dedup_gui.core.hashing import image_hashes
from dedup_gui.core.linking import OnDemandLinks, on_demand_link
from dedup_gui.core.membership import Membership, contradicts
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord, Group, ImageInfo, Mode, PairEvidence, Tier
from dedup_gui.core.verify import Verification


def sample(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))


class Library:
    """Files written to disk and decoded as a scan would: contents, records and thumbnails."""

    def __init__(self, root: Path, images: dict[str, Image.Image], dated: dict[str, str] | None = None) -> None:
        """`dated`: capture times (EXIF, one phone) of the files a camera wrote; the others carry none."""
        self.names = list(images)
        self.contents: list[Content] = []
        self.records: list[FileRecord] = []
        self.thumbs: dict[int, np.ndarray] = {}
        for n, (name, img) in enumerate(images.items()):
            path = root / f"{name}.jpg"
            exif = Image.Exif()
            if dated and name in dated:
                exif[0x0110], exif[0x0132] = "Apple iPhone 12", dated[name]
            img.save(path, quality=92, exif=exif.tobytes())
            size = path.stat().st_size
            d = decode(str(path), size, want_cnn=False)
            phash, dhash = image_hashes(d.gray)
            self.contents.append(Content([str(path)], [n], size, d.info, phash, dhash))
            self.records.append(FileRecord(str(path), size, 0, n))
            with Image.open(io.BytesIO(d.thumb_jpeg)) as t:
                self.thumbs[n] = np.asarray(t.convert("RGB"))
        self.checker = PairChecker(lambda idx: {i: self.thumbs[i] for i in idx})
        self.config = ScanConfig(roots=(root,))

    def index(self, name: str) -> int:
        return self.names.index(name)

    def link(self, a: str, b: str) -> tuple:
        """A link as confirm() would make it: verified, with its tier and evidence."""
        found = on_demand_link(self.contents, self.config, self.checker, self.index(a), self.index(b))
        assert found is not None, (a, b)
        return found

    def groups(self, links: list, mode: Mode = Mode.NEAR) -> list[Group]:
        config = replace(self.config, mode=mode)
        oracle = OnDemandLinks(self.contents, config, self.checker)
        return build_groups(self.contents, links, self.records, config, None, oracle)

    def group_of(self, groups: list[Group], name: str) -> Group:
        path = self.contents[self.index(name)].paths[0]
        return next(g for g in groups if path in g.paths)

    def names_in(self, group: Group) -> set[str]:
        return {Path(p).stem for p in group.paths}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    full = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS)
    orig = full.crop((100, 100, 1100, 1000))
    burst = np.array(full.crop((130, 112, 1130, 1012)))  # the camera moved a little ...
    burst[600:780, 100:280] = burst[200:380, 600:780]  # ... and something in the scene moved
    images = {
        "orig": orig,
        "small": orig.resize((500, 450), Image.Resampling.LANCZOS),
        "crop": ImageEnhance.Contrast(orig.crop((150, 120, 900, 800))).enhance(1.2),  # an edit with a 25 % crop
        "square": orig.crop((300, 250, 800, 750)),  # a square cut well inside the original
        "burst": Image.fromarray(burst),
    }
    return Library(tmp_path_factory.mktemp("assembly"), images)


def test_a_crop_confirmed_only_through_a_resized_copy_joins_the_group(library: Library) -> None:
    # the candidate search paired the crop with the small copy only; the original was never compared with it
    links = [library.link("orig", "small"), library.link("orig", "square"), library.link("small", "crop")]
    assert library.checker.known(library.index("orig"), library.index("crop")) is None
    group = library.group_of(library.groups(links), "orig")
    assert library.names_in(group) == {"orig", "small", "square", "crop"}
    crop = next(m for m in group.members if Path(m.path).stem == "crop")
    assert crop.evidence is not None and crop.evidence.tier is Tier.SAME_PHOTO
    assert crop.evidence.on_demand  # verified against the anchor while assembling, and stored as a link
    assert any(ev.on_demand for _, _, ev in links)


def test_a_copy_verified_on_demand_once_is_grouped_alike_when_its_verdict_is_read_back(tmp_path: Path) -> None:
    # a regroup verifies the crop against the anchor and stores the verdict, but not the link it made (regrouping
    # stores no scan); the next regroup reads that verdict back and must make the same link of it, or the groups
    # depend on what was regrouped before (the rules that read a member's link to the anchor see none)
    orig = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS).crop((100, 100, 1100, 1000))
    images = {
        "orig": orig,
        "small": orig.resize((500, 450), Image.Resampling.LANCZOS),
        "crop": ImageEnhance.Contrast(orig.crop((150, 120, 900, 800))).enhance(1.2),
        "square": orig.crop((300, 250, 800, 750)),
    }
    lib = Library(tmp_path, images)
    store = Store(tmp_path / "store.sqlite3")
    ids = store.sync_files(lib.records)
    for content in lib.contents:
        content.file_ids = [ids[p] for p in content.paths]
    links = [lib.link("orig", "small"), lib.link("orig", "square"), lib.link("small", "crop")]

    def regrouped() -> tuple[int, dict[str, tuple]]:
        verdicts = StoredVerdicts(store, lib.contents)
        checker = PairChecker(lambda idx: {i: lib.thumbs[i] for i in idx}, verdicts)
        oracle = OnDemandLinks(lib.contents, lib.config, checker, stored=True)
        group = lib.group_of(build_groups(lib.contents, list(links), lib.records, lib.config, None, oracle), "orig")
        evidence = {Path(m.path).stem: m.evidence for m in group.members}
        return verdicts.verified, {k: ev and (ev.tier, ev.via, ev.description) for k, ev in evidence.items()}

    verified, first = regrouped()
    assert verified > 0 and first["crop"] is not None and first["crop"][1] is None  # linked to the anchor
    verified, again = regrouped()
    assert verified == 0 and again == first


def test_another_shot_matched_only_through_a_crop_stays_out(library: Library) -> None:
    # the square cut lies where the burst frame and the original agree, so it matches both; the burst frame and
    # the original are another shot of each other, which the anchor's on-demand verification finds
    links = [library.link("orig", "small"), library.link("orig", "square"), library.link("square", "burst")]
    assert links[-1][2].tier is Tier.SAME_PHOTO
    group = library.group_of(library.groups(links), "orig")
    assert library.names_in(group) == {"orig", "small", "square"}


def test_a_straightened_copy_and_a_crop_of_one_photo_share_its_group(tmp_path: Path) -> None:
    # each is verified inside the original; side by side each shows a share the other lacks, the crop only a
    # sliver (the corners the straightening cut away): the original explains that overlap, so both are copies
    orig = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS).crop((100, 100, 1100, 1000))
    crop = orig.crop((100, 90, 930, 837))
    tilt = orig.rotate(3.0, resample=Image.Resampling.BICUBIC).crop((70, 63, 930, 837))
    lib = Library(tmp_path, {"orig": orig, "crop": crop, "tilt": tilt})
    between = lib.link("crop", "tilt")[2]  # what the scan finds between them: the frames overlap in part
    assert between.tier is Tier.SIMILAR and between.partial and min(between.crop or 0, between.extra or 0) < 0.02
    links = [lib.link("orig", "crop"), lib.link("orig", "tilt"), lib.link("crop", "tilt")]
    assert lib.names_in(lib.group_of(lib.groups(links), "orig")) == {"orig", "crop", "tilt"}


def test_a_copy_stretched_to_another_aspect_and_a_crop_of_one_photo_share_its_group(tmp_path: Path) -> None:
    # a wallpaper made of the photo (resized to 16:10 without keeping its shape) and a crop of it: side by side
    # they were read as two pictures, and whichever joined the group first kept the other out
    orig = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS).crop((100, 100, 1100, 850))
    lib = Library(tmp_path, {"orig": orig, "crop": orig.crop((0, 80, 900, 750)), "wall": orig.resize((1280, 800))})
    between = lib.link("crop", "wall")[2]
    assert between.tier is Tier.SAME_PHOTO and "stretched" in between.description
    links = [lib.link("orig", "crop"), lib.link("orig", "wall"), lib.link("crop", "wall")]
    assert lib.names_in(lib.group_of(lib.groups(links), "orig")) == {"orig", "crop", "wall"}


def test_a_letterboxed_copy_and_a_screenshot_of_one_photo_share_its_group(tmp_path: Path) -> None:
    # both show all of the photo; side by side, black bars stand where the desktop is, which verification reads
    # as the same view in other light: the photo explains it, so both are copies
    orig = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS).crop((100, 100, 1100, 850))
    box = Image.new("RGB", (1000, 1250), "black")
    box.paste(orig, (0, 250))
    screen = Image.new("RGB", (1280, 800), (40, 90, 160))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 770, 1280, 800), fill=(30, 30, 30))  # a task bar
    draw.rectangle((150, 60, 770, 560), fill=(235, 235, 235))  # a viewer's window
    screen.paste(orig.resize((600, 450)), (160, 100))
    lib = Library(tmp_path, {"orig": orig, "box": box, "screen": screen})
    between = lib.link("box", "screen")[2]
    assert between.tier is Tier.SIMILAR and "other light" in between.description
    links = [lib.link("orig", "box"), lib.link("orig", "screen"), lib.link("box", "screen")]
    assert lib.names_in(lib.group_of(lib.groups(links), "orig")) == {"orig", "box", "screen"}


def test_a_burst_frame_joins_in_similar_mode_when_the_anchor_is_a_copy_without_capture_time(tmp_path: Path) -> None:
    full = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS)
    orig = full.crop((100, 100, 1100, 1000))
    moved = np.array(full.crop((180, 140, 1180, 1040)))  # the next frame: the camera moved ...
    scene = moved.copy()
    for n in range(2):  # ... and the people in it too
        moved[550:800, 50 + 240 * n : 300 + 240 * n] = scene[150:400, 700 - 200 * n : 950 - 200 * n]
    edit = ImageEnhance.Contrast(orig).enhance(1.15)  # an edited export: its capture time is gone
    images = {"orig": orig, "edit": edit, "small": edit.resize((500, 450)), "next": Image.fromarray(moved)}
    lib = Library(tmp_path, images, {"orig": "2022:04:11 15:24:09", "next": "2022:04:11 15:24:12"})
    # the export has the most copies in its framing, so it anchors the group; the next frame matched the
    # original only, as a frame of its burst
    links = [lib.link("orig", "edit"), lib.link("edit", "small"), lib.link("orig", "next")]
    assert links[-1][2].tier is Tier.SIMILAR
    assert on_demand_link(lib.contents, lib.config, lib.checker, lib.index("edit"), lib.index("next")) is None
    similar = lib.group_of(lib.groups(links, Mode.SIMILAR), "orig")
    assert lib.names_in(similar) == {"orig", "edit", "small", "next"}
    assert lib.names_in(lib.group_of(lib.groups(links), "orig")) == {"orig", "edit", "small"}


def test_a_burst_frame_where_people_moved_across_most_of_the_picture_is_another_shot(tmp_path: Path) -> None:
    """Its keypoints line up as one scene's, its pixels do not (someone walked into most of the frame): with the
    camera's capture times seconds apart that is another shot, in similar mode beside a copy without them too."""
    full = sample("astronaut").resize((1200, 1200), Image.Resampling.LANCZOS)
    orig = full.crop((100, 100, 1100, 1000))
    moved = np.array(full.crop((140, 100, 1140, 1000)))
    moved[180:, 100:900] = np.asarray(sample("coffee").resize((1000, 900)))[180:, 100:900]
    images = {"orig": orig, "web": orig.resize((500, 450)), "next": Image.fromarray(moved)}
    images["next_undated"] = images["next"]
    lib = Library(tmp_path, images, {"orig": "2022:04:11 15:24:09", "next": "2022:04:11 15:24:12"})
    i, j = lib.index("orig"), lib.index("next")
    assert lib.checker.verdicts([(i, j)])[(i, j)].verdict == "different"  # the pixels alone say so
    assert lib.link("orig", "next")[2].tier is Tier.SIMILAR  # the camera dated them 3 s apart
    assert on_demand_link(lib.contents, lib.config, lib.checker, i, lib.index("next_undated")) is None
    for content in lib.contents:  # the embeddings of one scene (the candidate search is left out here)
        content.vector = np.full(8, 0.35, np.float32)
    w = lib.index("web")
    assert lib.checker.verdicts([(w, j)])[(w, j)].verdict == "different"  # compared as candidates, as a scan does
    links = [lib.link("orig", "web"), lib.link("orig", "next")]
    assert lib.names_in(lib.group_of(lib.groups(links, Mode.SIMILAR), "orig")) == {"orig", "web", "next"}
    assert lib.names_in(lib.group_of(lib.groups(links), "orig")) == {"orig", "web"}


def test_one_place_filmed_weeks_apart_by_one_camera_is_never_a_copy(tmp_path: Path) -> None:
    """A dash cam passes the same stretch of road weeks apart: the nearer frame lines up with the other as a crop,
    pixel for pixel at thumbnail size. The camera dated the two exposures 48 days apart, so in near mode they never
    share a group of copies (a real copy keeps its original's capture time or loses it); in similar mode the later
    drive is a similar shot beside the earlier one and its copy."""
    road = sample("astronaut").resize((1280, 720), Image.Resampling.LANCZOS)
    nearer = road.crop((160, 90, 1120, 630)).resize((960, 540), Image.Resampling.LANCZOS)
    images = {"march": road, "march_web": road.resize((640, 360)), "april": nearer, "april_undated": nearer}
    images["march_kept"] = road  # a copy that kept the original's capture time
    dated = {"march": "2017:03:02 08:41:46", "march_kept": "2017:03:02 08:41:46", "april": "2017:04:19 17:31:35"}
    lib = Library(tmp_path, images, dated)
    for content in lib.contents:  # the embeddings of one scene (the candidate search is left out here)
        content.vector = np.full(8, 0.35, np.float32)
    i, j = lib.index("march"), lib.index("april")
    assert lib.checker.verdicts([(i, j)])[(i, j)].verdict == "same-photo"  # the pixels alone would say so
    assert lib.link("march", "april")[2].tier is Tier.SIMILAR  # the camera dated them weeks apart
    assert lib.link("march", "march_kept")[2].tier is Tier.SAME_PHOTO
    assert lib.link("march", "april_undated")[2].tier is Tier.SAME_PHOTO  # no date: the pixels decide
    links = [lib.link(a, b) for a, b in (("march", "march_web"), ("march", "march_kept"), ("march", "april"))]
    near = lib.group_of(lib.groups(links), "march")
    assert lib.names_in(near) == {"march", "march_web", "march_kept"}
    similar = lib.group_of(lib.groups(links, Mode.SIMILAR), "march")
    assert lib.names_in(similar) == {"march", "march_web", "march_kept", "april"}


def test_only_an_alignment_whose_pixels_disagree_keeps_a_copy_out() -> None:
    def verdict(ncc: float, dense: bool) -> Verification:
        return Verification("different", 0, 0.0, ncc, 1.0, 0, False, 0.0, "no match", 0.0, dense=dense)

    assert not contradicts(verdict(0.23, dense=True), Mode.NEAR.tiers)  # no placement correlates: unknown
    assert contradicts(verdict(0.7, dense=True), Mode.NEAR.tiers)  # aligned, and the pixels disagree
    assert contradicts(verdict(0.23, dense=False), Mode.NEAR.tiers)  # keypoints lined them up: different
    # keypoints lined them up and the pixels agree: only the fit's statistics failed (a crop with an overlay)
    assert not contradicts(verdict(0.97, dense=False), Mode.NEAR.tiers)
    assert not contradicts(verdict(-1.0, dense=False), Mode.NEAR.tiers)  # nothing lined up: unknown
    # two photos placed from the whole picture with the pixels agreeing: another test failed (a plain heavy crop
    # covers too little of the other frame to be trusted); on drawings, or a verdict that does not say, it holds
    placed = verdict(0.98, dense=True)
    assert not contradicts(replace(placed, drawn=False), Mode.NEAR.tiers)
    assert contradicts(replace(placed, drawn=True), Mode.NEAR.tiers)
    assert contradicts(placed, Mode.NEAR.tiers)


class _Recorded:
    """Verdicts a scan already made, as the store gives them back: nothing is verified on demand."""

    stored = True

    def __init__(self, verdicts: dict[tuple[int, int], Verification]) -> None:
        self.verdicts = verdicts

    def known(self, i: int, j: int) -> Verification | None:
        return self.verdicts.get((i, j))

    def link(self, i: int, j: int) -> None:
        return None


def test_two_copies_inside_the_anchor_toned_apart_by_their_edits_share_its_group() -> None:
    """A crop and a strong local-contrast edit of one photo, each verified as the same photo as it; side by side
    their tones differ as another hour's light would. A view in other light would not be the anchor's same photo
    as well, so both share its group; the same pair read as another shot of each other stays apart."""
    names = ("orig", "crop", "toned")
    info = ImageInfo(4000, 3000, "JPEG", None, None, False)
    contents = [Content([f"/p/{name}.jpg"], [k], 1, info) for k, name in enumerate(names)]
    links = [
        (0, 1, PairEvidence("/p/orig.jpg", "/p/crop.jpg", Tier.SAME_PHOTO, 0.97, "geometry", crop=0.21)),
        (0, 2, PairEvidence("/p/orig.jpg", "/p/toned.jpg", Tier.SAME_PHOTO, 0.85, "geometry", tone_edit=True)),
    ]

    def side_by_side(lighting: bool) -> Verification:
        words = "the same view in other light: 21 % extra around" if lighting else "different shot: 21 % extra around"
        return Verification("similar", 127, 0.93, 0.995, 1.0, 0, False, 0.21, words, 0.2, uncovered_b=0.21,
                            lighting=lighting)  # fmt: skip

    toned_apart = Membership(contents, list(links), Mode.NEAR.tiers, set(), 22, _Recorded({(1, 2): side_by_side(True)}))
    assert toned_apart.compatible(0, 1, 2)
    moved = Membership(contents, list(links), Mode.NEAR.tiers, set(), 22, _Recorded({(1, 2): side_by_side(False)}))
    assert not moved.compatible(0, 1, 2)


def test_a_copy_that_one_member_keeps_apart_joins_when_the_anchors_other_copies_outvote_it() -> None:
    """A strong local-contrast look of one photo, compared with it and with two of its copies as the same photo;
    beside its blurred upscale (tied to the photo by hashes) it reads as another shot (seed 97's unseen edits), and
    a posterised copy beside one reads as clearly different (seed 71's). The photo's copies outvote the upscale,
    so the look joins. It stays out where the photo alone vouches for it, where as many copies keep it apart as
    vouch for it (by their links or their verdicts), where only its hashes tie it to the photo (a keystone keeps
    them near-identical), where the member's aligned pixels disagree outright, and between drawings."""
    names = ("orig", "upscaled", "look", "resized", "webp", "screen", "shot")
    info = ImageInfo(4000, 3000, "JPEG", None, None, False)
    contents = [Content([f"/p/{name}.jpg"], [k], 1, info) for k, name in enumerate(names)]

    def same(a: int, b: int, method: str = "geometry") -> tuple[int, int, PairEvidence]:
        return a, b, PairEvidence(f"/p/{names[a]}.jpg", f"/p/{names[b]}.jpg", Tier.SAME_PHOTO, 0.9, method)

    def shot(a: int, b: int) -> tuple[int, int, PairEvidence]:
        return a, b, PairEvidence(f"/p/{names[a]}.jpg", f"/p/{names[b]}.jpg", Tier.SIMILAR, 0.3, "geometry")

    another = Verification("similar", 44, 0.9, 0.888, 1.0, 0, False, 0.0, "different shot: same framing", 0.36,
                           drawn=False)  # fmt: skip
    different = Verification("different", 0, 0.0, 0.865, 1.0, 0, False, 0.0, "no match", 0.15, dense=True, drawn=False)
    copies = [same(0, 1, "hash"), same(0, 3), same(0, 4), same(0, 5)]

    def joins(links: list, look: str = "geometry", apart: Verification = another, more: dict | None = None) -> bool:
        rules = Membership(contents, [*copies, same(0, 2, look), *links], Mode.NEAR.tiers, set(), 22,
                           _Recorded({(2, 1): apart, **(more or {})}))  # fmt: skip
        return rules.compatible(0, 2, 1)

    assert joins([same(3, 2), same(4, 2)])
    assert joins([same(3, 2), same(4, 2)], apart=different)
    assert not joins([])  # the photo alone vouches for it
    assert not joins([same(3, 2), shot(4, 2), shot(5, 2)])  # the photo and one copy vouch, three say no
    assert not joins([same(3, 2)], more={(5, 2): different})  # the photo and one copy vouch, two say no
    assert not joins([same(3, 2), same(4, 2)], look="hash")  # a keystone's hashes
    assert not joins([same(3, 2), same(4, 2)], apart=replace(different, overlap_ncc=0.27))  # pixels that disagree
    assert not joins([same(3, 2), same(4, 2)], apart=replace(another, drawn=True))  # drawings: the next card of a deck


def _photo(name: str, size: tuple[int, int], seed: int) -> Content:
    """A content with an embedding and hashes (seed: which picture), as a scan reads it back."""
    rng = np.random.default_rng(seed)
    vector = rng.normal(size=64).astype(np.float32)
    info = ImageInfo(size[0], size[1], "JPEG", None, None, False)
    hashes = rng.integers(0, 2**63, size=8, dtype=np.uint64)
    return Content([f"/p/{name}.jpg"], [0], 1, info, hashes, hashes, vector=vector / np.linalg.norm(vector))


def test_a_stretched_copy_says_nothing_against_another_copy_that_no_similarity_lines_up_with_it() -> None:
    """A copy resized to another aspect (4:3 made 16:10, linked by its hashes, which squash every picture square)
    and a turned, cropped copy of one photo: no similarity lines the two up, and 13 keypoints placed them wrongly
    ("different", ncc 0.54: seed 7's unseen edits). Both are the photo's copies, so they are judged as a pair never
    compared; a member at the photo's own aspect is still kept out by that verdict, and so is another shot of the
    photo beside its stretched copy (a chessboard shot from another pose)."""
    photo = _photo("orig", (4000, 3000), 1)
    sizes = {"wide": (4000, 2500), "turned": (2400, 1800), "small": (2000, 1500)}
    assert photo.info is not None
    info = photo.info
    contents = [photo] + [replace(photo, paths=[f"/p/{n}.jpg"], info=replace(info, width=w, height=h))
                          for n, (w, h) in sizes.items()]  # fmt: skip
    links = [
        (0, 1, PairEvidence("/p/orig.jpg", "/p/wide.jpg", Tier.SAME_PHOTO, 1.0, "hash", hash_distance=2)),
        (0, 2, PairEvidence("/p/orig.jpg", "/p/turned.jpg", Tier.SAME_PHOTO, 0.98, "geometry", angle=8.0, crop=0.39)),
        (0, 3, PairEvidence("/p/orig.jpg", "/p/small.jpg", Tier.SAME_PHOTO, 0.99, "geometry")),
    ]
    wrong = Verification("different", 13, 0.35, 0.54, 0.82, 0, False, 0.45, "no match", 1e-8)
    verdicts = {(2, 1): wrong, (1, 2): wrong, (2, 3): wrong, (3, 2): wrong}
    near = Membership(contents, list(links), Mode.NEAR.tiers, set(), 22, _Recorded(verdicts))
    assert near.compatible(0, 2, 1)  # beside the stretched copy
    assert not near.compatible(0, 2, 3)  # beside a copy at the photo's aspect, the same verdict keeps it out
    far = [replace(c, vector=-c.vector) if k == 2 else c for k, c in enumerate(contents)]  # unrelated by the CNN
    far[2] = replace(far[2], phash=~far[2].phash)
    assert not Membership(far, list(links), Mode.NEAR.tiers, set(), 22, _Recorded(verdicts)).compatible(0, 2, 1)
    shot = [*links[:1], (0, 2, replace(links[1][2], tier=Tier.SIMILAR))]
    assert not Membership(contents, shot, Mode.SIMILAR.tiers, set(), 22, _Recorded(verdicts)).compatible(0, 2, 1)


def test_two_frames_around_the_photo_that_agree_where_they_overlap_share_its_group() -> None:
    """A copy with a caption bar above it and a desktop screenshot of the photo: each shows all of the photo, and
    side by side they line up with every pixel agreeing (72 inliers, ncc 1.00), but the bar and the window chrome
    differ, so they read as another shot of each other. As photos they share the group; as drawings (a plot with
    its means marked beside the same plot without them) or by a verdict that does not say, they do not."""
    photo = _photo("orig", (400, 450), 3)
    assert photo.info is not None
    caption = replace(photo, paths=["/p/caption.jpg"], info=replace(photo.info, width=400, height=530))
    screen = replace(photo, paths=["/p/screen.png"], info=replace(photo.info, width=1280, height=800))
    links = [
        (0, 1, PairEvidence("/p/orig.jpg", "/p/caption.jpg", Tier.SAME_PHOTO, 0.97, "geometry", crop=0.0, extra=0.15)),
        (0, 2, PairEvidence("/p/orig.jpg", "/p/screen.png", Tier.SAME_PHOTO, 0.96, "geometry", crop=0.0, extra=0.81)),
    ]
    side_by_side = Verification("similar", 72, 0.9, 0.996, 0.55, 0, False, 0.58, "different shot: cropped 58 %", 0.0)

    def joins(drawn: bool | None) -> bool:
        v = replace(side_by_side, drawn=drawn)
        member = Membership([photo, caption, screen], list(links), Mode.NEAR.tiers, set(), 22, _Recorded({(1, 2): v}))
        return member.compatible(0, 1, 2)

    assert joins(False)
    assert not joins(True)
    assert not joins(None)


def _frame(taken: str | None, camera: str | None = "Apple iPhone 12") -> Content:
    return Content([f"/p/{taken}.jpg"], [0], 1, ImageInfo(4000, 3000, "JPEG", taken, camera, False))


def test_burst_frames_belong_together_in_similar_mode_and_apart_in_near_mode() -> None:
    """The first and last frames of a burst can be verified 'different' (the subject moved across the frame);
    in similar mode they still share their group, as frames of one burst. In near mode two frames dated apart
    never share a group of copies, whatever a verification said."""
    frames = [_frame("2022-04-11T15:24:09"), _frame("2022-04-11T15:24:12"), _frame("2022-04-11T15:24:18")]
    later = [*frames, _frame("2022-04-11T15:34:09"), _frame("2022-04-11T15:24:12", "Canon EOS 80D")]
    similar = Membership(later, [], Mode.SIMILAR.tiers, set(), 22, None)
    assert similar.compatible(0, 2, 1)  # the last frame beside the second, both frames of the anchor's burst
    assert not similar.compatible(0, 3, 1)  # ten minutes later: not the same burst, nothing known: apart
    assert not similar.compatible(0, 4, 1)  # another camera at the same moment: another person's shot
    near = Membership(later, [], Mode.NEAR.tiers, set(), 22, None)
    assert not near.compatible(0, 2, 1)
