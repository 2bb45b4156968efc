"""A copy too small to compare with the other copies (a 32 or 64 px thumbnail) does not keep them out of their
group: verification enlarges it eight times and finds "no match" or "another shot" beside a letterboxed copy,
while all of them are copies of the photo itself. Real files, the real scan (hashes, CNN, verification)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode
from tests.conftest import photo, save_jpeg


@pytest.mark.parametrize("mode", [Mode.NEAR, Mode.SIMILAR])
def test_tiny_thumbnails_and_a_letterboxed_copy_share_the_photos_group(tmp_path: Path, mode: Mode) -> None:
    root = tmp_path / "photos"
    base = photo("astronaut", (1024, 768))
    files = [save_jpeg(base, root / "orig.jpg")]
    files.append(save_jpeg(base.resize((32, 24), Image.Resampling.LANCZOS), root / "tiny_32.jpg"))
    base.resize((64, 48), Image.Resampling.LANCZOS).save(root / "tiny_64.png")
    files.append(root / "tiny_64.png")
    files.append(save_jpeg(base.resize((160, 120), Image.Resampling.LANCZOS), root / "thumb_160.jpg"))
    letterbox = Image.new("RGB", (1024, 922))  # black bars above and below, as a phone shows a landscape photo
    letterbox.paste(base, (0, 77))
    files.append(save_jpeg(letterbox, root / "letterbox.jpg"))
    config = ScanConfig(roots=(root,), mode=mode, workers=1)
    result = run_scan(config, store=Store(tmp_path / "s.db"))
    assert [sorted(g.paths) for g in result.groups] == [sorted(str(f) for f in files)]
