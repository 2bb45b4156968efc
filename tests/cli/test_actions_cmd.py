"""`dedup-gui apply [--dry-run]` and `dedup-gui undo` in-process, on a scanned temporary library."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup_gui.cli.main import main
from dedup_gui.core.store import Store
from tests.conftest import photo, save_jpeg


@pytest.fixture
def scanned_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    data = tmp_path / "home" / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    orig = save_jpeg(photo("coffee", (320, 240)), tmp_path / "lib" / "a.jpg")
    copy = tmp_path / "lib" / "b.jpg"
    copy.write_bytes(orig.read_bytes())
    db = tmp_path / "store.sqlite3"
    assert main(["scan", str(tmp_path / "lib"), "--db", str(db), "--no-embeddings", "--workers", "1", "-q"]) == 0
    store = Store(db)
    store.set_decisions([(str(orig), "keep"), (str(copy), "trash")])
    store.close()
    return db, orig, copy


def test_apply_dry_run_then_apply_then_undo(scanned_db: tuple[Path, Path, Path], capsys: pytest.CaptureFixture) -> None:
    db, orig, copy = scanned_db
    assert main(["apply", "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr()
    assert f"would-trash {copy}" in out.out and "would move 1 files" in out.err
    assert copy.exists()

    assert main(["apply", "--db", str(db)]) == 0
    out = capsys.readouterr()
    assert f"trashed     {copy}" in out.out
    assert not copy.exists() and orig.exists()

    assert main(["undo", "--db", str(db)]) == 0
    assert "restored 1 files" in capsys.readouterr().err
    assert copy.read_bytes() == orig.read_bytes()
    assert main(["undo", "--db", str(db)]) == 0
    assert "nothing to undo" in capsys.readouterr().err


def test_apply_without_a_scan_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["apply", "--db", str(tmp_path / "empty.sqlite3")]) == 1
    assert "no scan results" in capsys.readouterr().err
