"""UI test helpers: synthetic groups without a scan, and a scanned temporary library for the flows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from dedup_gui.core.settings import Settings
from dedup_gui.core.types import Group, ImageInfo, Member, PairEvidence, Tier
from dedup_gui.ui.main_window import RESULTS, MainWindow
from tests.conftest import photo, save_jpeg


def fake_groups(n: int, members: int = 3) -> list[Group]:
    out = []
    for i in range(n):
        keeper = f"/photos/{i:05d}/keeper.jpg"
        ms = [Member(keeper, 3_000_000 + i, False, ImageInfo(4000, 3000, "JPEG", None, None, False), None)]
        for j in range(1, members):
            path = f"/photos/{i:05d}/copy {j}.jpg"
            ev = PairEvidence(keeper, path, Tier.SAME_PHOTO, 0.9, "hash", 4, None, None, "resized copy")
            ms.append(Member(path, 1_000_000 + i * j, False, ImageInfo(2000, 1500, "JPEG", None, None, False), ev))
        out.append(Group(Tier.SAME_PHOTO, keeper, "largest resolution", tuple(ms)))
    return out


def make_library(root: Path) -> Path:
    """A small library: exact copies, a resized and a rotated copy, and unrelated photos."""
    base = photo("astronaut", (480, 360))
    orig = save_jpeg(base, root / "photos" / "IMG_0001.jpg")
    (root / "backup").mkdir(parents=True)
    (root / "backup" / "IMG_0001.jpg").write_bytes(orig.read_bytes())
    save_jpeg(base.resize((240, 180), Image.Resampling.LANCZOS), root / "photos" / "IMG_0001_small.jpg")
    save_jpeg(base.transpose(Image.Transpose.ROTATE_90), root / "photos" / "IMG_0001_rotated.jpg")
    coffee = save_jpeg(photo("coffee", (480, 360)), root / "photos" / "coffee.jpg")
    (root / "backup" / "coffee.jpg").write_bytes(coffee.read_bytes())
    save_jpeg(photo("rocket", (480, 360)), root / "photos" / "rocket.jpg")
    (root / "photos" / "broken.jpg").write_bytes(b"not a photo at all" * 10)
    return root


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, trash, settings and store all inside tmp_path."""
    home = tmp_path / "home"
    (home / ".local" / "share").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("DEDUP_GUI_DB", str(tmp_path / "store.sqlite3"))
    monkeypatch.setenv("DEDUP_GUI_SETTINGS", str(tmp_path / "settings.toml"))
    return tmp_path


def open_window(qtbot, sandbox: Path, **settings) -> MainWindow:
    window = MainWindow(Settings(embeddings=False, **settings), sandbox / "store.sqlite3", sandbox / "settings.toml")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.service.idle)  # the start-up load of the last results
    return window


def scan(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.modelReset, timeout=60_000):
        qtbot.mouseClick(window.folders.scan_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == RESULTS


@pytest.fixture
def scanned_window(qtbot, sandbox: Path):
    lib = make_library(sandbox / "lib")
    window = open_window(qtbot, sandbox, folders=(f"scan:{lib}",))
    scan(qtbot, window)
    yield window, lib
    window.close()
