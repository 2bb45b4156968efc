"""Evidence in plain words: from a real scan of generated copies, and from the evidence fields detection sets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.describe import Phrase, deciding_rule, describe, human_size
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group, ImageInfo, Member, PairEvidence, ScanResult, Tier
from tests.conftest import Library


@pytest.fixture(scope="module")
def scanned(library: Library, tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    store = Store(tmp_path_factory.mktemp("describe") / "store.sqlite3")
    try:
        return run_scan(ScanConfig(roots=(library.root,), embeddings=False, workers=2), store=store)
    finally:
        store.close()


def words_for(result: ScanResult, path: Path) -> tuple[str, str]:
    group = next(g for g in result.groups if str(path) in g.paths)
    keeper = next(m for m in group.members if m.path == group.keeper)
    member = next(m for m in group.members if m.path == str(path))
    d = describe(member, keeper)
    return d.text, d.tooltip


def test_a_real_scan_is_described_as_a_person_would(library: Library, scanned: ScanResult) -> None:
    assert words_for(scanned, library.root / "2021" / "coffee-export.png")[0] == "identical file"
    small, numbers = words_for(scanned, library.same_photo["resize"])
    assert small.startswith("same photo, saved smaller")  # "as JPEG" too when the keeper is the PNG
    assert "320 × 240 pixels (keeper 800 × 600)" in numbers and "of 64 bits apart" in numbers
    assert words_for(scanned, library.same_photo["rotate"])[0].endswith("turned 90° right")
    assert words_for(scanned, library.same_photo["mirror"])[0].endswith("mirrored")
    heic = words_for(scanned, library.same_photo["heic"])[0]
    assert heic in ("same photo as HEIC, same size", "proposed keeper")


def test_no_engineer_words_in_the_text_only_in_the_tooltip(library: Library, scanned: ScanResult) -> None:
    for group in scanned.groups:
        keeper = next(m for m in group.members if m.path == group.keeper)
        for m in group.members:
            d = describe(m, keeper)
            for word in ("hash", "bits", "score", "cosine", "0."):
                assert word not in d.text, (d.text, m.path)


INFO = ImageInfo(4032, 3024, "JPEG", "2024-05-01T10:00:00", "Pixel 8", False)


def member(path: str, info: ImageInfo, ev: PairEvidence | None, size: int = 3_000_000) -> Member:
    return Member(path, size, False, info, ev)


KEEPER = member("/p/IMG_1.jpg", INFO, None)


def evidence(**kw: object) -> PairEvidence:
    base = PairEvidence("/p/IMG_1.jpg", "/p/other", Tier.SAME_PHOTO, 0.9, "geometry", cosine=0.91)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_screenshot_and_webp_and_another_shot() -> None:
    phone = ImageInfo(1080, 2400, "PNG", None, None, False)
    shot = describe(member("/s/Screenshot.png", phone, evidence(description="45 % extra around")), KEEPER)
    assert shot.text == "phone screenshot of this photo"
    webp = ImageInfo(1600, 1200, "WEBP", None, None, False)
    assert describe(member("/w/a.webp", webp, evidence(hash_distance=1)), KEEPER).text == (
        "same photo, saved smaller as WebP"
    )
    later = replace(INFO, taken="2024-05-01T10:00:04")
    burst = describe(member("/p/IMG_2.jpg", later, evidence(tier=Tier.SIMILAR)), KEEPER)
    assert burst.text == "another shot a moment later"
    assert "taken 4 s from the proposed keeper" in burst.tooltip and "similarity 0.91" in burst.tooltip
    days = replace(INFO, taken="2024-05-03T10:00:00")
    assert describe(member("/p/x.jpg", days, evidence(tier=Tier.SIMILAR)), KEEPER).text == "another shot, 2 days later"
    card = evidence(tier=Tier.SIMILAR, description="another picture of a set (an element repeated or left out): same")
    assert describe(member("/p/S6.png", INFO, card), KEEPER).text == (
        "another picture of the same set (one shows an element more)"
    )
    chip = evidence(tier=Tier.SIMILAR, description="the same picture in other colours, cosine 0.97")
    assert describe(member("/p/ChipBlue.png", INFO, chip), KEEPER).text == "the same picture in other colours"


def test_crop_from_the_text_until_a_field_carries_it_then_from_the_field() -> None:
    cropped = ImageInfo(3000, 2600, "JPEG", None, None, False)
    ev = evidence(description="cropped 18 %, cosine 0.90; matched through IMG_7.jpg")
    d = describe(member("/c/crop.jpg", cropped, ev), KEEPER)
    assert d.changes == (
        Phrase("cropped {percent} %", {"percent": 18}),
        Phrase("matched through {name}", {"name": "IMG_7.jpg"}),
    )

    richer = replace(ev, crop=0.08, angle=-3.2, overlay=0.05, tone_edit=True, via="/b/IMG_9.jpg")
    text = describe(member("/c/crop.jpg", cropped, richer), KEEPER).text
    assert "cropped 8 %" in text and "straightened 3.2°" in text and "text or a logo" in text
    assert "colours or brightness changed" in text and "matched through IMG_9.jpg" in text


def test_a_copy_resized_to_another_aspect_says_it_was_stretched() -> None:
    wall = ImageInfo(3840, 2160, "JPEG", None, None, False)
    ev = evidence(description="cropped 4 %, stretched 26 %, cosine 0.95; looks the same")
    d = describe(member("/w/wallpaper.jpg", wall, ev), KEEPER)
    assert d.changes == (
        Phrase("stretched {percent} % out of shape", {"percent": 26}),
        Phrase("cropped {percent} %", {"percent": 4}),
    )
    assert "stretched 26 % out of shape" in d.text


def test_exact_tiers_and_the_keeper() -> None:
    same_bytes = evidence(tier=Tier.EXACT, method="bytes", score=1.0)
    assert describe(member("/b/IMG_1.jpg", INFO, same_bytes), KEEPER).text == "identical file"
    pixels = evidence(tier=Tier.EXACT, method="pixels", score=1.0)
    assert describe(member("/b/IMG_1.jpg", INFO, pixels), KEEPER).text == "same pixels, different metadata"
    assert describe(KEEPER, KEEPER).text == "proposed keeper"
    assert str(Phrase("cropped {percent} %", {"percent": 8})) == "cropped 8 %"
    assert human_size(1_234_567) == "1.2 MB"


def test_the_rule_that_chose_the_keeper() -> None:
    small_info = ImageInfo(800, 600, "JPEG", INFO.taken, INFO.camera, False)  # the same camera facts
    small = member("/p/small.jpg", small_info, evidence(), size=9_000_000)
    group = Group(Tier.SAME_PHOTO, KEEPER.path, "most pixels", (KEEPER, small))
    assert deciding_rule(group, DEFAULT_KEEPER_RULES) == "resolution"
    stripped = member("/p/stripped.jpg", ImageInfo(800, 600, "JPEG", None, None, False), evidence())
    assert deciding_rule(Group(Tier.SAME_PHOTO, KEEPER.path, "", (KEEPER, stripped)), DEFAULT_KEEPER_RULES) == (
        "metadata"
    )
    # the rules in force prefer the other copy now: nothing to explain
    assert deciding_rule(group, ("file-size", "resolution")) is None
