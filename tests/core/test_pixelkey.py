"""Exact mode finds identical pixels in any lossless format: a PNG, a TIFF, a BMP and a PGM of one picture are
"same pixels"; one changed pixel, another picture or an animation are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.pixelkey import decoded_pixel_key
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode, ScanResult, Tier


def sample(name: str, grey: bool = False) -> Image.Image:
    from skimage import data

    img = Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3]))
    return img.convert("L") if grey else img


@pytest.fixture(scope="module")
def exact(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], ScanResult]:
    root = tmp_path_factory.mktemp("formats")
    colour, grey = sample("coffee"), sample("astronaut", grey=True)
    touched = np.array(colour)
    touched[10, 10] = (touched[10, 10].astype(int) + 1) % 256
    files = {
        "colour.png": colour,
        "colour.tiff": colour,
        "colour.bmp": colour,
        "colour-touched.png": Image.fromarray(touched),  # one pixel differs: not the same pixels
        "grey.pgm": grey,
        "grey.png": grey,
        "grey-as-rgb.tiff": grey.convert("RGB"),  # the same grey shown in three channels
    }
    paths = {}
    for name, img in files.items():
        paths[name] = root / name
        img.save(paths[name])
    store = Store(root / "s.db")
    try:
        result = run_scan(ScanConfig(roots=(root,), mode=Mode.EXACT, workers=2), store=store)
    finally:
        store.close()
    return paths, result


def groups(result: ScanResult) -> list[set[str]]:
    return [{Path(p).name for p in g.paths} for g in result.groups]


def test_the_same_pixels_in_png_tiff_bmp_and_pgm_are_exact(exact: tuple[dict[str, Path], ScanResult]) -> None:
    _, result = exact
    found = groups(result)
    assert {"colour.png", "colour.tiff", "colour.bmp"} in found
    assert {"grey.pgm", "grey.png", "grey-as-rgb.tiff"} in found
    assert all(g.tier is Tier.EXACT for g in result.groups)
    evidence = [m.evidence for g in result.groups for m in g.members if m.evidence is not None]
    assert any("same pixels" in ev.description and "TIFF" in ev.description for ev in evidence)


def test_one_changed_pixel_is_not_the_same_pixels(exact: tuple[dict[str, Path], ScanResult]) -> None:
    _, result = exact
    assert all("colour-touched.png" not in g for g in groups(result))


def test_transparent_pixels_compare_by_what_shows_and_animations_get_no_key() -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[0, 0] = (10, 20, 30, 0)  # a transparent pixel hiding some colour
    other = rgba.copy()
    other[0, 0] = (200, 100, 0, 0)  # hiding another colour: shows the same
    assert decoded_pixel_key(Image.fromarray(rgba)) == decoded_pixel_key(Image.fromarray(other))
    other[1, 1, 3] = 128  # half transparent now: shows differently
    assert decoded_pixel_key(Image.fromarray(rgba)) != decoded_pixel_key(Image.fromarray(other))

    class Animated:
        n_frames = 3

    assert decoded_pixel_key(Animated()) is None  # type: ignore[arg-type]
