"""Packaging checks that run in seconds: desktop file, metainfo, icons, the About dialog, the bundled-model hook.

The bundle build itself (minutes, needs PyInstaller) is `packaging/smoke_test.sh`, kept out of this suite.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import dedup_gui
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding.bundled import MANIFEST_NAME, bundled_onnx_path, write_manifest
from dedup_gui.core.embedding.spec import EXPORT_FORMAT

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.dedupgui.DedupGui"
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons" / "hicolor"
SIZES = (16, 32, 48, 64, 128, 256, 512)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(LINUX / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_has_the_required_keys_and_opens_folders() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Comment"]
    assert entry["Exec"] == "dedup-gui %F"
    assert entry["TryExec"] == "dedup-gui"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert "inode/directory" in entry["MimeType"].split(";")
    for key in ("Categories", "Keywords", "MimeType"):
        assert entry[key].endswith(";"), f"{key} is a list and must end with ';'"
    assert "Graphics" in entry["Categories"].split(";")


def test_metainfo_matches_the_desktop_file_and_the_project() -> None:
    root = ET.parse(LINUX / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == f"{APP_ID}.desktop"
    assert (LINUX / launchable.text).is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert root.findtext("project_license") == project["license"] == "GPL-3.0-or-later"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("name") == desktop_entry()["Name"]
    summary = root.findtext("summary") or ""
    assert summary and not summary.endswith(".")
    assert root.find("description/p") is not None
    assert root.findtext("provides/binary") == "dedup-gui"
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == dedup_gui.__version__, "add a <release> for the new version"
    images = [img.text or "" for img in root.iter("image")]
    assert images and root.find("screenshots/screenshot[@type='default']") is not None
    for url in images:
        assert url.startswith("https://")
        assert (ROOT / "resources" / "screenshots" / url.rsplit("/", 1)[-1]).is_file(), url


def test_icon_exists_as_svg_and_at_every_png_size() -> None:
    svg = ET.parse(ICONS / "scalable" / "apps" / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    for size in SIZES:
        with Image.open(ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png") as png:
            assert png.format == "PNG" and png.size == (size, size) and png.mode == "RGBA"


def test_screenshots_are_small_pngs_referenced_by_the_readme() -> None:
    shots = sorted((ROOT / "resources" / "screenshots").glob("*.png"))
    assert 2 <= len(shots) <= 4
    assert sum(shot.stat().st_size for shot in shots) < 500_000  # the repository stays light
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shot in shots:
        assert shot.stat().st_size < 220_000, f"{shot.name} is {shot.stat().st_size} bytes"
        assert f"resources/screenshots/{shot.name}" in readme


def test_about_dialog_shows_version_licences_and_locations(qtbot, tmp_path: Path) -> None:
    from dedup_gui.ui.about import AboutDialog

    dialog = AboutDialog(tmp_path / "store.sqlite3", tmp_path / "settings.toml")
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    assert f"dedup-gui {dedup_gui.__version__}" in text
    assert "GPL-3.0-or-later" in text
    assert "EfficientNet-Lite0" in text and "Apache-2.0" in text
    assert str(tmp_path / "store.sqlite3") in text and str(tmp_path / "settings.toml") in text


def test_help_menu_opens_the_about_dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.about import AboutDialog
    from dedup_gui.ui.main_window import MainWindow

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))
    window = MainWindow(Settings(embeddings=False), tmp_path / "store.sqlite3", tmp_path / "settings.toml")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.service.idle)
    (help_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    (about,) = help_menu.actions()
    about.trigger()
    dialogs = window.findChildren(AboutDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()


def test_folder_arguments_open_the_window_with_those_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup_gui.cli import main as cli
    from dedup_gui.ui import app

    opened: list[list[str]] = []
    monkeypatch.setattr(app, "main", lambda argv: opened.append(list(argv)) or 0)
    scanned: list[object] = []
    monkeypatch.setattr(cli, "cmd_scan", lambda args: scanned.append(args.roots) or 0)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["a", str(tmp_path / "b")]) == 0
    assert opened == [[str(tmp_path / "a"), str(tmp_path / "b")]]
    assert cli.main(["a", "missing"]) == 2  # not all folders: a usage error, not a window
    (tmp_path / "scan").mkdir()
    assert cli.main(["scan", "a"]) == 0  # a command name wins over a folder of that name
    assert len(opened) == 1 and scanned == [[Path("a")]]


def tiny_onnx(path: Path) -> None:
    """A stand-in graph with the embedder's input and output names: mean colour per image (no torch needed)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["pixels"], ["f"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMean", ["f"], ["embedding"], axes=[1, 2], keepdims=0),
        ],
        "tiny",
        [helper.make_tensor_value_info("pixels", TensorProto.UINT8, ["n", 224, 224, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", 3])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))


def test_bundled_model_is_used_only_when_its_manifest_matches(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    tiny_onnx(model)
    write_manifest(model, EXPORT_FORMAT, "test")
    assert bundled_onnx_path(tmp_path) == model
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["model_id"] == MODEL_ID and manifest["weights_licence"] == "Apache-2.0"

    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest | {"model_id": "other/v0"}))
    assert bundled_onnx_path(tmp_path) is None
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest | {"sha256": "0" * 64}))
    assert bundled_onnx_path(tmp_path) is None
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    assert bundled_onnx_path(tmp_path) is None
    assert bundled_onnx_path(tmp_path / "missing") is None
    assert bundled_onnx_path() is None  # not a frozen app


def test_frozen_app_embeds_with_the_shipped_graph_and_never_imports_torch(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    tiny_onnx(models / "model.onnx")
    write_manifest(models / "model.onnx", EXPORT_FORMAT, "test")
    script = textwrap.dedent(
        f"""
        import sys
        sys.frozen, sys._MEIPASS = True, {str(tmp_path)!r}
        import numpy as np
        from dedup_gui.core.embedding import load_embedder
        embedder = load_embedder("cpu")
        vectors = embedder.embed(np.full((2, 224, 224, 3), 7, dtype=np.uint8))
        assert embedder.backend == "onnx-cpu" and vectors.shape == (2, 3), (embedder.backend, vectors.shape)
        assert str(embedder.model_path).startswith({str(models)!r}), embedder.model_path
        assert "torch" not in sys.modules, "torch was imported"
        print("ok")
        """
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert not (tmp_path / "cache").exists()  # nothing exported, nothing cached
