"""The command line: exit codes, JSON the scorer reads, CSV, Ctrl-C, and a real subprocess run."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.cli import main as cli
from dedup_gui.core.progress import ProgressEvent, Stage
from tests.conftest import Library, build_library, tiff_entry


def test_scan_writes_json_groups_details_and_problems(library: Library, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code = cli.main(
        ["scan", str(library.root), "--db", str(tmp_path / "s.db"), "--json", str(out), "-q", "--no-embeddings"]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert any(str(library.orig) in g for g in data["groups"])
    assert len(data["details"]) == len(data["groups"])
    detail = data["details"][[str(library.orig) in g for g in data["groups"]].index(True)]
    assert detail["tier"] == "same-photo" and detail["keeper"] in data["groups"][data["details"].index(detail)]
    assert {m["path"] for m in detail["members"]} >= {str(library.orig), str(library.exact_copy)}
    problems = {p["path"]: p["kind"] for p in data["problems"]}
    assert problems[str(library.broken["truncated"])] == "truncated"
    # one group per line, so `grep IMG_1234 out.json` shows the whole group it is in
    lines = out.read_text().splitlines()
    assert [json.loads(line.rstrip(",")) for line in lines if str(library.orig) in line][:1] == [
        g for g in data["groups"] if str(library.orig) in g
    ][:1]


def test_scan_writes_one_csv_row_per_member(library: Library, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert (
        cli.main(
            ["scan", str(library.root), "--db", str(tmp_path / "s.db"), "--csv", str(out), "-q", "--no-embeddings"]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert {r["path"] for r in rows} >= {str(library.orig), str(library.exact_copy)}
    assert sum(int(r["keeper"]) for r in rows) == len({r["group"] for r in rows})


def test_exit_codes_for_usage_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["scan"]) == 2
    assert cli.main(["scan", str(tmp_path), "--mode", "bogus"]) == 2
    assert cli.main(["scan", str(tmp_path / "missing"), "--db", str(tmp_path / "s.db")]) == 1
    assert "folder not found" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["scan", str(tmp_path), "--db", str(blocker / "s.db")]) == 1
    assert "cannot create the cache folder" in capsys.readouterr().err


def test_ctrl_c_cancels_keeps_work_and_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = build_library(tmp_path / "lib")
    sent = []
    decoded: list[str] = []

    def interrupting_bar(self: object, event: ProgressEvent) -> None:
        # at the first event that names a decoded file (the count starts above 0 when some files need no decode).
        # Events are throttled: on a fast machine the first one to name a file can be the decode stage's last.
        if event.stage is Stage.DECODING and event.detail:
            decoded.append(event.detail)
        if decoded and not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(cli.ProgressBar, "__call__", interrupting_bar)
    db = str(tmp_path / "s.db")
    args = ["scan", str(lib.root), "--db", db, "--no-embeddings", "--workers", "1"]
    assert cli.main(args) == 130
    monkeypatch.undo()
    out = tmp_path / "out.json"
    assert cli.main([*args, "--json", str(out), "-q"]) == 0
    assert json.loads(out.read_text())["stats"]["from_cache"] >= 1  # the file decoded before Ctrl-C is kept


def test_subprocess_version_and_scan(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(src)}
    version = subprocess.run(
        [sys.executable, "-m", "dedup_gui", "--version"], capture_output=True, text=True, env=env, check=True
    )
    assert version.stdout.startswith("dedup-gui ")
    lib = tmp_path / "lib"
    build_library(lib)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dedup_gui",
            "scan",
            str(lib),
            "--db",
            str(tmp_path / "s.db"),
            "--json",
            "-",
            "--no-embeddings",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["groups"]
    assert "groups of duplicates" in done.stderr


def test_unreadable_file_and_folder_are_reported_as_problems(tmp_path: Path) -> None:
    """Root reads everything: as root the scan runs without the capabilities that bypass file permissions."""
    lib = build_library(tmp_path / "lib")
    os.chmod(lib.others[1], 0)
    os.chmod(lib.root / "backup", 0)
    cmd = [
        sys.executable,
        "-m",
        "dedup_gui",
        "scan",
        str(lib.root),
        "--db",
        str(tmp_path / "s.db"),
        "--json",
        "-",
        "-q",
        "--no-embeddings",
    ]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be enforced")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    src = Path(__file__).resolve().parents[2]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(src)}, timeout=300)
    assert done.returncode == 0, done.stderr
    problems = {p["path"]: p for p in json.loads(done.stdout)["problems"]}
    assert problems[str(lib.others[1])]["kind"] == "unreadable"
    assert "permission denied" in problems[str(lib.others[1])]["message"]
    assert problems[str(lib.root / "backup")]["kind"] == "folder-unreadable"
    assert any(str(lib.orig) in g for g in json.loads(done.stdout)["groups"])


def test_a_photo_or_a_typo_on_the_command_line_gets_a_clear_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo_file = tmp_path / "IMG_1.jpg"
    photo_file.write_bytes(b"\xff\xd8\xff")
    assert cli._only_paths([str(photo_file)])  # opens the window, which offers the photo's folder
    assert cli._only_paths([str(tmp_path)]) and not cli._only_paths(["scan", str(tmp_path)])
    assert cli.main([str(tmp_path / "missing.jpg")]) == 2
    assert f"no such file or folder: {tmp_path / 'missing.jpg'}" in capsys.readouterr().err
    assert cli.main(["scna"]) == 2
    told = capsys.readouterr().err
    assert "'scna' is not a command, a folder or a file (commands: scan, regroup, apply, undo, prepare)" in told


def test_prepare_makes_the_image_model_once_so_a_first_scan_need_not(tmp_path: Path) -> None:
    """`dedup-gui prepare` (run by the set-up) exports the CPU model into an empty cache; run again, it reuses it."""
    src = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "dedup_gui", "prepare", "--device", "cpu"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "image model ready (onnx-cpu; CPU graph made)" in first.stdout
    made = list((tmp_path / "cache" / "dedup-gui" / "models").glob("*.onnx"))
    assert len(made) == 1
    stamp = made[0].stat().st_mtime_ns
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "CPU graph already there" in again.stdout
    assert made[0].stat().st_mtime_ns == stamp  # not exported a second time


def test_prepare_that_cannot_write_its_cache_leaves_the_set_up_working(tmp_path: Path) -> None:
    """The set-up runs `prepare`: a cache folder it cannot create is reported, and scans fall back to torch."""
    src = Path(__file__).resolve().parents[2]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(blocked), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dedup_gui", "prepare", "--device", "cpu"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "image model ready (torch-cpu; CPU graph not made)" in done.stdout
    assert "the CPU graph could not be made" in done.stderr


def _tiff_with_webp_compression(path: Path) -> None:
    """A TIFF that says its strips are WebP-compressed: a codec the libtiff inside Pillow's wheels lacks."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "TIFF", compression="tiff_deflate")
    data = bytearray(buf.getvalue())
    ifd = struct.unpack_from("<I", data, 4)[0]
    struct.pack_into("<H", data, tiff_entry(data, ifd, 259) + 8, 50001)  # Compression: WEBP
    path.write_bytes(bytes(data))


def test_what_a_codec_library_prints_goes_into_the_files_problem_not_onto_the_terminal(tmp_path: Path) -> None:
    """libtiff prints "WEBP compression support is not configured." where Pillow only says "decoder error -2":
    those words belong to the file's problem (a kind this version cannot decode, not a damaged file), and the
    terminal, with its progress bar, stays clean."""
    lib = build_library(tmp_path / "lib")
    odd = lib.root / "scan.tif"
    _tiff_with_webp_compression(odd)
    try:
        Image.open(odd).load()
        pytest.skip("this Pillow's libtiff decodes WebP-compressed TIFFs")
    except OSError:
        pass
    src = Path(__file__).resolve().parents[2]
    command = ["scan", str(lib.root), "--db", str(tmp_path / "s.db"), "--json", "-", "-q", "--no-embeddings"]
    done = subprocess.run(
        [sys.executable, "-m", "dedup_gui", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "WEBP" not in done.stderr and "tempfile" not in done.stderr
    problem = next(p for p in json.loads(done.stdout)["problems"] if p["path"] == str(odd))
    assert problem["kind"] == "unsupported"
    assert "WEBP compression support is not configured" in problem["message"]
    assert any(str(lib.orig) in g for g in json.loads(done.stdout)["groups"])  # the scan went on
