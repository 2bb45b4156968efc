"""The safety reproductions, through the command line the way a user types them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.cli.main import main
from dedup_gui.core import review
from dedup_gui.core import settings as settings_io
from dedup_gui.core.progress import ProgressEvent, Stage
from dedup_gui.core.store import Store, user_data_path
from tests.conftest import photo, save_jpeg

SCAN = ["--no-embeddings", "--workers", "1", "-q"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "home" / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data / "Trash"


def _auto_select(db: Path) -> None:
    store = Store(db)
    store.set_decisions(review.auto_select(review.load(store).groups))
    store.close()


def test_a_protected_folder_reached_through_a_symlink_is_protected(tmp_path: Path, capsys) -> None:
    lib = tmp_path / "LIB"
    ref = save_jpeg(photo("coffee", (320, 240)), lib / "refs" / "R.jpg")
    (lib / "R2.jpg").write_bytes(ref.read_bytes())
    os.symlink("refs", lib / "refs_link")
    db = tmp_path / "s.db"
    assert main(["scan", str(lib), "--reference", str(lib / "refs_link"), "--db", str(db), *SCAN]) == 0
    _auto_select(db)
    store = Store(db)
    store.set_decisions([(str(ref), "trash"), (str(lib / "R2.jpg"), "trash")])  # even if asked to: never
    store.close()
    main(["apply", "--db", str(db)])
    out = capsys.readouterr().out
    assert ref.exists() and f"refused     {ref}  (in a protected folder)" in out


def test_a_relative_reference_keeps_its_protection_on_regroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "lib"
    ref = save_jpeg(photo("coffee", (320, 240)), lib / "refs" / "R.jpg")
    (lib / "R2.jpg").write_bytes(ref.read_bytes())
    db = tmp_path / "s.db"
    monkeypatch.chdir(lib)
    assert main(["scan", ".", "--reference", "refs", "--db", str(db), *SCAN]) == 0
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.json"
    assert main(["regroup", "--db", str(db), "--json", str(out), "-q"]) == 0
    members = {m["path"]: m["protected"] for m in json.loads(out.read_text())["details"][0]["members"]}
    assert members[str(ref)] is True and members[str(lib / "R2.jpg")] is False


def test_apply_obeys_not_duplicates_like_the_window(tmp_path: Path) -> None:
    """D trash, D_small keep, then D_small marked not duplicates: D is the only copy of its picture left."""
    lib = tmp_path / "lib"
    d = save_jpeg(photo("astronaut", (400, 300)), lib / "D.jpg")
    small = save_jpeg(photo("astronaut", (200, 150)), lib / "D_small.jpg")
    db = tmp_path / "s.db"
    assert main(["scan", str(lib), "--db", str(db), *SCAN]) == 0
    store = Store(db)
    group = review.load(store).groups[0]
    store.set_decisions([(str(d), "trash"), (str(small), "keep")])
    review.dismiss_member(store, group, str(small))
    store.set_decisions([(str(d), "trash")])  # a stale mark left behind must not matter either
    store.close()
    assert main(["apply", "--db", str(db)]) == 0  # nothing to do
    assert d.exists() and small.exists()


def test_ctrl_c_while_walking_exits_130_with_a_cancelled_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "lib"
    for i in range(40):
        (lib / f"folder{i}").mkdir(parents=True)
        (lib / f"folder{i}" / "notes.txt").write_text("not a photo")
    save_jpeg(photo("coffee", (100, 80)), lib / "folder39" / "a.jpg")
    from dedup_gui.cli import main as cli

    def interrupting_bar(self: object, event: ProgressEvent) -> None:
        if event.stage is Stage.ENUMERATING:
            os.kill(os.getpid(), __import__("signal").SIGINT)

    monkeypatch.setattr(cli.ProgressBar, "__call__", interrupting_bar)
    out = tmp_path / "out.json"
    code = main(["scan", str(lib), "--db", str(tmp_path / "s.db"), "--json", str(out), "--no-embeddings"])
    assert code == 130
    assert json.loads(out.read_text())["status"] == "cancelled"


@pytest.mark.parametrize("which", ["cache", "user"])
def test_a_damaged_store_is_reported_and_the_scan_goes_on(tmp_path: Path, which: str, capsys) -> None:
    lib = tmp_path / "lib"
    save_jpeg(photo("coffee", (320, 240)), lib / "a.jpg")
    save_jpeg(photo("coffee", (160, 120)), lib / "b.jpg")
    db = tmp_path / "s.db"
    assert main(["scan", str(lib), "--db", str(db), *SCAN]) == 0
    _auto_select(db)
    victim = db if which == "cache" else user_data_path(db)
    with open(victim, "r+b") as fh:
        fh.write(b"\x00garbage" * 16)
    capsys.readouterr()
    for command in (["regroup"], ["apply", "--dry-run"], ["scan", str(lib)]):
        code = main([*command, "--db", str(db), *([] if command[0] != "scan" else SCAN)])
        err = capsys.readouterr().err
        assert "Traceback" not in err and "DatabaseError" not in err
        assert code in (0, 1), err
    assert main(["scan", str(lib), "--db", str(db), *SCAN]) == 0  # rebuilt and working
    store = Store(db)
    assert len(review.load(store).groups) == 1
    store.close()


def test_names_with_control_characters_are_printed_escaped(tmp_path: Path, capsys) -> None:
    lib = tmp_path / "lib"
    a = save_jpeg(photo("coffee", (320, 240)), lib / "a.jpg")
    evil = lib / "b\x1b[2Jnew\nline.jpg"
    evil.write_bytes(a.read_bytes())
    db = tmp_path / "s.db"
    assert main(["scan", str(lib), "--db", str(db), *SCAN]) == 0
    store = Store(db)
    store.set_decisions([(str(evil), "trash"), (str(a), "keep")])
    store.close()
    main(["apply", "--dry-run", "--db", str(db)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "b\\x1b[2Jnew\\nline.jpg" in out


def test_the_cli_uses_the_window_settings_and_arguments_override_them(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    base = photo("astronaut", (400, 300))
    save_jpeg(base, lib / "a.jpg")
    save_jpeg(base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), lib / "mirror.jpg")
    (lib / "skip").mkdir()
    save_jpeg(base, lib / "skip" / "a again.jpg", quality=70)
    path = settings_io.default_settings_path()
    settings_io.save(
        settings_io.Settings(folders=(f"scan:{lib}", f"excluded:{lib / 'skip'}"), mode="exact", embeddings=False)
    )
    out = tmp_path / "out.json"
    assert main(["scan", "--db", str(tmp_path / "s.db"), "--json", str(out), "-q"]) == 0
    assert json.loads(out.read_text())["groups"] == []  # exact mode from the settings, skip/ excluded
    assert main(["scan", "--db", str(tmp_path / "s.db"), "--json", str(out), "-q", "--mode", "near"]) == 0
    assert [sorted(g) for g in json.loads(out.read_text())["groups"]] == [[str(lib / "a.jpg"), str(lib / "mirror.jpg")]]
    assert path.exists()


def test_an_unreadable_settings_file_is_kept_aside_not_replaced(tmp_path: Path, capsys) -> None:
    path = settings_io.default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('mode = "near"\nfolders = ["scan:/photos" \n')  # a typo a person could make by hand
    assert main(["scan", str(tmp_path), "--db", str(tmp_path / "s.db"), *SCAN]) == 0
    err = capsys.readouterr().err
    aside = list(path.parent.glob("settings.toml.unreadable-*"))
    assert len(aside) == 1 and "scan:/photos" in aside[0].read_text() and str(aside[0]) in err


def test_settings_with_control_characters_in_folder_names_read_back(tmp_path: Path) -> None:
    odd = settings_io.Settings(folders=("scan:/photos/2019\x1b[31m\n\t\x7f", 'protected:/a "b" \\c'))
    settings_io.save(odd)
    assert settings_io.load() == odd


def test_turned_copies_chosen_in_the_window_are_looked_for_by_the_cli_unless_it_says_otherwise() -> None:
    from dedup_gui.cli.main import build_parser, scan_config

    chosen = settings_io.Settings(rotations=True)
    args = ["scan", "/photos"]
    assert scan_config(build_parser().parse_args(args), chosen).rotations is True
    assert scan_config(build_parser().parse_args([*args, "--no-rotations"]), chosen).rotations is False
    assert scan_config(build_parser().parse_args(args), settings_io.Settings()).rotations is None
    assert scan_config(build_parser().parse_args([*args, "--rotations"]), settings_io.Settings()).rotations is True
