"""On a screen with twice the pixels per point, the cards' pictures are drawn with twice the pixels (a sharper
preview than the 256-px scan thumbnail), not a small picture stretched. Runs in a child process: the screen's
pixel ratio is fixed when Qt starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import photo, save_jpeg

CHILD = """
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from dedup_gui.core.types import Group, ImageInfo, Member, PairEvidence, Tier
from dedup_gui.ui.compare_view import CompareView
from dedup_gui.ui.images import ImageLoader

a, b = sys.argv[1], sys.argv[2]
info = ImageInfo(1600, 1200, "JPEG", None, None, False)
ev = PairEvidence(a, b, Tier.EXACT, 1.0, "bytes")
group = Group(Tier.EXACT, a, "first by name", (Member(a, 1, False, info, None), Member(b, 1, False, info, ev)))
view = CompareView(ImageLoader(None), lambda path: None, lambda: ())
view.resize(1200, 900)
view.show()
app.processEvents()
view.show_group(group)
label = view._pictures[a]
end = time.monotonic() + 30
while time.monotonic() < end and (label.source is None or label.source.width() <= 256):
    app.processEvents()
    time.sleep(0.01)
pm = label.pixmap()
print(json.dumps({"ratio": view.devicePixelRatioF(), "side": view.side, "source": label.source.width(),
                  "pixmap": [pm.width(), pm.height()], "pixmap_ratio": pm.devicePixelRatio()}))
view.images.shutdown()
"""


def test_card_pictures_use_the_screens_pixel_ratio(tmp_path: Path) -> None:
    a = save_jpeg(photo("astronaut", (1600, 1200)), tmp_path / "a.jpg")
    b = save_jpeg(photo("astronaut", (1600, 1200)), tmp_path / "b.jpg", quality=70)
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "hidpi", "x": 0, "y": 0, "width": 3200, "height": 2000,
                                               "logicalDpi": 192, "logicalBaseDpi": 96}]}))  # fmt: skip
    env = os.environ | {"QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(a), str(b)], env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["ratio"] == 2.0 and shown["pixmap_ratio"] == 2.0
    assert shown["source"] > 256  # a preview decoded for the card, not the scan's 256-px thumbnail
    assert shown["pixmap"][0] == (shown["side"] - 8) * 2  # one picture pixel per device pixel
