"""kill -9 of a real `dedup-gui apply` at several moments: no photo lost, none in the trash without a journal row,
and a real `dedup-gui undo` brings every one back byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import review
from dedup_gui.core.store import Store
from tests.faults import dedup_gui


def _library(root: Path, n: int) -> dict[Path, str]:
    """n small distinct photos, each with a byte-identical copy in another folder."""
    rng = np.random.default_rng(7)
    out = {}
    for i in range(n):
        pixels = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
        img = Image.fromarray(pixels).resize((160, 120), Image.Resampling.BICUBIC)
        a = root / "photos" / f"IMG_{i:04}.jpg"
        a.parent.mkdir(parents=True, exist_ok=True)
        img.save(a, quality=90)
        b = root / "backup" / f"IMG_{i:04}.jpg"
        b.parent.mkdir(parents=True, exist_ok=True)
        b.write_bytes(a.read_bytes())
        out[a] = out[b] = hashlib.sha256(a.read_bytes()).hexdigest()
    return out


def _trash_rows(db: Path) -> tuple[set[str], set[str]]:
    store = Store(db)
    try:
        rows = [r for b in range(1, 50) for r in store.journal_rows(b)]
    finally:
        store.close()
    maybe = {r.path for r in rows if r.action == "trash" and r.status in ("pending", "trashed")}
    return maybe, {r.path for r in rows}


@pytest.mark.slow
@pytest.mark.parametrize("moved", [1, 15, 50])
def test_kill_9_during_apply_loses_nothing_and_undo_restores_everything(tmp_path: Path, moved: int) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    files = _library(tmp_path / "lib", 80)
    db = tmp_path / "s.db"
    scan = dedup_gui("scan", str(tmp_path / "lib"), "--db", str(db), "--mode", "exact", "-q", env=env)
    assert scan.wait(120) == 0
    store = Store(db)
    shown = review.load(store)
    assert len(shown.groups) == 80
    store.set_decisions(review.auto_select(shown.groups))
    store.close()

    trash = home / ".local" / "share" / "Trash" / "files"
    apply = dedup_gui("apply", "--db", str(db), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and apply.poll() is None:
        if trash.exists() and len(list(trash.iterdir())) >= moved:
            break
        time.sleep(0.002)
    apply.kill()  # SIGKILL in the middle of the batch: no cleanup of any kind
    apply.wait(30)

    gone = {p for p in files if not p.exists()}
    assert moved <= len(gone) < 80  # killed mid-batch
    maybe_trashed, _ = _trash_rows(db)
    assert {str(p) for p in gone} <= maybe_trashed  # every file that left has its row, written before it left
    in_trash = sorted(trash.iterdir()) if trash.exists() else []
    assert len(in_trash) == len(gone)
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in in_trash} <= set(files.values())

    undo = dedup_gui("undo", "--db", str(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = undo.communicate(timeout=120)
    assert undo.returncode == 0, err
    assert all(p.exists() and hashlib.sha256(p.read_bytes()).hexdigest() == h for p, h in files.items())
    assert not trash.exists() or not list(trash.iterdir())
    again = dedup_gui("undo", "--db", str(db), env=env, stderr=subprocess.PIPE, text=True)
    assert again.communicate(timeout=60)[1].strip() == "nothing to undo"


@pytest.mark.slow
def test_an_apply_after_a_kill_9_finishes_the_batch_and_two_undos_bring_everything_back(tmp_path: Path) -> None:
    """No Undo between: the next `dedup-gui apply` trashes the files the killed one did not reach, each under its own
    name, and leaves the killed batch's files for Undo; two undos bring back every file, and nothing stays."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    files = _library(tmp_path / "lib", 60)
    db = tmp_path / "s.db"
    assert dedup_gui("scan", str(tmp_path / "lib"), "--db", str(db), "--mode", "exact", "-q", env=env).wait(120) == 0
    store = Store(db)
    store.set_decisions(review.auto_select(review.load(store).groups))
    store.close()
    trash = home / ".local" / "share" / "Trash" / "files"
    apply = dedup_gui("apply", "--db", str(db), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and apply.poll() is None:
        if trash.exists() and len(list(trash.iterdir())) >= 10:
            break
        time.sleep(0.002)
    apply.kill()
    apply.wait(30)
    first = {p for p in files if not p.exists()}
    assert 10 <= len(first) < 60

    again = dedup_gui("apply", "--db", str(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert len({p for p in files if not p.exists()}) == 60  # one copy of each of the 60 photos
    assert {p.name for p in trash.iterdir()} == {p.name for p in files if not p.exists()}  # no "IMG_0001 1.jpg"
    for _ in range(2):
        undo = dedup_gui("undo", "--db", str(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert undo.communicate(timeout=120)[0] is not None and undo.returncode == 0
    assert all(p.exists() and hashlib.sha256(p.read_bytes()).hexdigest() == h for p, h in files.items())
    assert not list(trash.iterdir())
    last = dedup_gui("undo", "--db", str(db), env=env, stderr=subprocess.PIPE, text=True)
    assert last.communicate(timeout=60)[1].strip() == "nothing to undo"
