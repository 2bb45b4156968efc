"""Assembly never drops a verified copy: a file matched only through another member is verified against the
group's anchor on demand, while another shot reached the same way stays out. Real decodes, hashes and
verification on generated files; only the candidate search is left out, so the pairs it "missed" are chosen."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from dedup_gui.core.assemble import build_groups
from dedup_gui.core.checker import PairChecker
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.decoding import decode
from dedup_gui.core.hashing import image_hashes
from dedup_gui.core.linking import OnDemandLinks, on_demand_link
from dedup_gui.core.membership import Membership
from dedup_gui.core.types import FileRecord, Group, ImageInfo, Mode, Tier


def sample(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))


class Library:
    """Files written to disk and decoded as a scan would: contents, records and thumbnails."""

    def __init__(self, root: Path, images: dict[str, Image.Image]) -> None:
        self.names = list(images)
        self.contents: list[Content] = []
        self.records: list[FileRecord] = []
        self.thumbs: dict[int, np.ndarray] = {}
        for n, (name, img) in enumerate(images.items()):
            path = root / f"{name}.jpg"
            img.save(path, quality=92)
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

    def groups(self, links: list) -> list[Group]:
        oracle = OnDemandLinks(self.contents, self.config, self.checker)
        return build_groups(self.contents, links, self.records, self.config, None, oracle)

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


def test_another_shot_matched_only_through_a_crop_stays_out(library: Library) -> None:
    # the square cut lies where the burst frame and the original agree, so it matches both; the burst frame and
    # the original are another shot of each other, which the anchor's on-demand verification finds
    links = [library.link("orig", "small"), library.link("orig", "square"), library.link("square", "burst")]
    assert links[-1][2].tier is Tier.SAME_PHOTO
    group = library.group_of(library.groups(links), "orig")
    assert library.names_in(group) == {"orig", "small", "square"}


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
