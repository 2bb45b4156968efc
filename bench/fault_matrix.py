"""The fault matrix: real `dedup-gui` processes under kill -9, a full disk, a read-only or damaged store, a killed
decode worker and Ctrl-C, on a generated library. For each fault it prints the photos lost (must be 0), the files
in the trash without a journal row (must be 0) and whether the user got a clean message (no traceback).

Each fault runs in a private HOME (its own trash) and a fresh copy of the library; mounts need root and are
skipped otherwise. Usage: python bench/fault_matrix.py [--photos 120]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from dedup_gui.core import review
from dedup_gui.core.store import Store

EXE = [sys.executable, "-m", "dedup_gui"]


@dataclass
class Case:
    root: Path
    env: dict[str, str]
    db: Path
    originals: dict[Path, str]  # every photo of the library and its sha256

    @property
    def trash(self) -> Path:
        return Path(self.env["XDG_DATA_HOME"]) / "Trash"

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([*EXE, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        """A process whose output goes to files: an orphaned child holding a pipe open can never hang the harness."""
        out = open(self.root / f"out-{time.monotonic_ns()}.txt", "w+")  # noqa: SIM115 - read back by finish()
        err = open(self.root / f"err-{time.monotonic_ns()}.txt", "w+")  # noqa: SIM115
        proc = subprocess.Popen([*EXE, *args], env=self.env, stdout=out, stderr=err, text=True)
        proc.outputs = (out, err)  # type: ignore[attr-defined]
        return proc


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[str, str]:
    """Wait for a started process and read what it wrote."""
    proc.wait(timeout)
    texts = []
    for fh in proc.outputs:  # type: ignore[attr-defined]
        fh.seek(0)
        texts.append(fh.read())
        fh.close()
    return texts[0], texts[1]


@dataclass
class Row:
    fault: str
    lost: int
    unjournaled: int
    clean: bool
    note: str = ""


def make_library(root: Path, n: int) -> dict[Path, str]:
    """n photos (smooth random pictures), each with a resized copy and a byte-identical backup copy."""
    rng = np.random.default_rng(11)
    out = {}
    for i in range(n):
        img = Image.fromarray(rng.integers(0, 255, (9, 12, 3), dtype=np.uint8)).resize((480, 360), Image.BICUBIC)
        a = root / "photos" / f"{2015 + i % 8}" / f"IMG_{i:04d}.jpg"
        a.parent.mkdir(parents=True, exist_ok=True)
        img.save(a, quality=90)
        img.resize((240, 180), Image.LANCZOS).save(root / "photos" / f"{2015 + i % 8}" / f"IMG_{i:04d}_small.jpg")
        b = root / "backup" / a.name
        b.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(a, b)
    for p in root.rglob("*.jpg"):
        out[p] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def new_case(base: Path, library: Path, originals: dict[Path, str], name: str) -> Case:
    root = base / name
    shutil.copytree(library, root / "lib")
    home = root / "home"
    (home / ".local" / "share").mkdir(parents=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "DEDUP_GUI_SETTINGS": str(root / "settings.toml"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    mapped = {root / "lib" / p.relative_to(library): h for p, h in originals.items()}
    return Case(root, env, root / "store" / "s.sqlite3", mapped)


def audit(case: Case) -> tuple[int, int]:
    """(photos lost, files in the trash without a journal row) as found on disk and in the journal now."""
    trashed: dict[str, str] = {}
    files = case.trash / "files"
    if files.exists():
        for p in files.iterdir():
            trashed[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    present = {hashlib.sha256(p.read_bytes()).hexdigest() for p in case.originals if p.exists()} | set(trashed.values())
    lost = sum(1 for h in set(case.originals.values()) if h not in present)
    rows = set()
    try:
        store = Store(case.db)
        try:
            batches = range(1, 200)
            rows = {r.path for b in batches for r in store.journal_rows(b) if r.status in ("pending", "trashed")}
        finally:
            store.close()
    except Exception:  # noqa: BLE001 - a store we cannot open counts every trashed file as unjournaled
        rows = set()
    gone = [p for p in case.originals if not p.exists()]
    unjournaled = sum(1 for p in gone if str(p) not in rows)
    return lost, unjournaled


def clean(done: subprocess.CompletedProcess | subprocess.Popen, err: str) -> bool:
    code = done.returncode
    return "Traceback" not in err and code in (0, 1, 130, -9, -2)


def scanned_and_marked(case: Case) -> None:
    done = case.run("scan", str(case.root / "lib"), "--db", str(case.db), "-q", "--no-embeddings")
    if done.returncode:
        raise RuntimeError(done.stderr)
    store = Store(case.db)
    store.set_decisions(review.auto_select(review.load(store).groups))
    store.close()


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.002)
    proc.kill()
    finish(proc, 30)


# -- faults ------------------------------------------------------------------------------------------------------


def kill_apply(case: Case, share: float) -> Row:
    scanned_and_marked(case)
    planned = sum(1 for _ in case.originals) // 3
    proc = case.start("apply", "--db", str(case.db))
    files = case.trash / "files"
    kill_when(proc, lambda: files.exists() and len(os.listdir(files)) >= max(1, int(planned * share)))
    lost, unjournaled = audit(case)
    undo = case.run("undo", "--db", str(case.db))
    lost_after, _ = audit(case)
    back = all(p.exists() for p in case.originals)
    note = f"killed after {share:.0%} of the moves; undo exit {undo.returncode}, all files back: {back}"
    return Row(
        f"kill -9 during apply ({share:.0%})", max(lost, lost_after), unjournaled, clean(undo, undo.stderr), note
    )


def kill_undo(case: Case) -> Row:
    scanned_and_marked(case)
    applied = case.run("apply", "--db", str(case.db))
    proc = case.start("undo", "--db", str(case.db))
    files = case.trash / "files"
    start = len(os.listdir(files)) if files.exists() else 0
    kill_when(proc, lambda: len(os.listdir(files)) <= start // 2)
    again = case.run("undo", "--db", str(case.db))
    lost, unjournaled = audit(case)
    back = all(p.exists() for p in case.originals)
    note = f"apply exit {applied.returncode}; second undo exit {again.returncode}, all files back: {back}"
    return Row("kill -9 during undo, then undo", lost, unjournaled, clean(again, again.stderr) and back, note)


def kill_scan(case: Case) -> Row:
    proc = case.start("scan", str(case.root / "lib"), "--db", str(case.db), "-q")
    time.sleep(3.0)
    children = _children(proc.pid)
    proc.kill()
    finish(proc, 30)
    time.sleep(2.0)
    left = [c for c in children if _alive(c)]
    again = case.run("scan", str(case.root / "lib"), "--db", str(case.db), "-q", "--no-embeddings")
    lost, unjournaled = audit(case)
    note = f"{len(left)} of {len(children)} child processes still running 2 s later; rescan exit {again.returncode}"
    for c in left:
        os.kill(c, signal.SIGKILL)
    return Row("kill -9 during scan, then rescan", lost, unjournaled, clean(again, again.stderr) and not left, note)


def kill_worker(case: Case) -> Row:
    proc = case.start("scan", str(case.root / "lib"), "--db", str(case.db), "--json", "-", "--no-embeddings")
    deadline = time.monotonic() + 60
    victims: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None and not victims:
        servers = [c for c in _children(proc.pid) if "forkserver" in _cmdline(c)]
        victims = [w for srv in servers[:1] for w in _children(srv)][:1]  # a decode worker forked by the server
        time.sleep(0.05)
    for v in victims:
        os.kill(v, signal.SIGKILL)
    out, err = finish(proc)
    lost, unjournaled = audit(case)
    grouped = '"groups"' in out
    ok = proc.returncode == 0 and grouped and bool(victims)
    note = f"killed worker {victims}; scan exit {proc.returncode}, groups in its JSON: {grouped}"
    return Row("decode worker killed mid-scan", lost, unjournaled, clean(proc, err) and ok, note)


def sigint_scan(case: Case) -> Row:
    """Ctrl-C once the scan is decoding (its decode workers exist), not after a fixed delay: a fast machine
    finishes this small library's scan before any fixed delay would send it."""
    proc = case.start("scan", str(case.root / "lib"), "--db", str(case.db), "--json", "-", "--no-embeddings")
    deadline = time.monotonic() + 60
    decoding = False
    while time.monotonic() < deadline and proc.poll() is None and not decoding:
        servers = [c for c in _children(proc.pid) if "forkserver" in _cmdline(c)]
        decoding = any(_children(srv) for srv in servers)
        time.sleep(0.02)
    if decoding:
        proc.send_signal(signal.SIGINT)
    out, err = finish(proc, 120)
    status = '"cancelled"' in out
    note = f"signal sent while decoding: {decoding}; exit {proc.returncode}, JSON says cancelled: {status}"
    ok = decoding and proc.returncode == 130 and status
    return Row("Ctrl-C during scan", 0, 0, clean(proc, err) and ok, note)


def damaged(case: Case, which: str) -> Row:
    scanned_and_marked(case)
    target = case.db if which == "cache" else case.db.with_name("s-user.sqlite3")
    with open(target, "r+b") as fh:
        fh.write(b"\x00not a database\x00" * 8)
    results = [case.run(*cmd, "--db", str(case.db)) for cmd in (("regroup",), ("apply", "--dry-run"), ("undo",))]
    rescan = case.run("scan", str(case.root / "lib"), "--db", str(case.db), "-q", "--no-embeddings")
    lost, unjournaled = audit(case)
    ok = all(clean(r, r.stderr) for r in [*results, rescan]) and rescan.returncode == 0
    note = "; ".join(f"exit {r.returncode}" for r in [*results, rescan])
    return Row(f"damaged {which} file", lost, unjournaled, ok, note)


def mounted(case: Case, mode: str) -> Row:
    disk = case.db.parent
    disk.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True).returncode:
        return Row(f"{mode} store", 0, 0, False, "skipped: cannot mount here (needs root)")
    try:
        scanned_and_marked(case)
        if mode == "read-only":
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        else:
            # unbuffered: a buffered file kept the write that did not fit, and raised ENOSPC again when closed
            with open(disk / "filler", "wb", buffering=0) as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                except OSError:
                    pass
        results = [
            case.run("scan", str(case.root / "lib"), "--db", str(case.db), "-q", "--no-embeddings"),
            case.run("apply", "--db", str(case.db)),
        ]
        lost, unjournaled = audit(case)
        if mode == "read-only":
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        else:
            (disk / "filler").unlink()
        undo = case.run("undo", "--db", str(case.db))
        back = all(p.exists() for p in case.originals)
        note = "; ".join(r.stderr.strip().splitlines()[-1][:90] if r.stderr.strip() else f"exit {r.returncode}"
                         for r in results) + f"; all files on disk after undo: {back}"  # fmt: skip
        ok = all(clean(r, r.stderr) for r in [*results, undo]) and back
        return Row(f"{mode} store", lost, unjournaled, ok, note)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _children(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except Exception:  # noqa: BLE001 - the process is gone
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=120)
    parser.add_argument("--only", nargs="*", default=[], help="run only these faults (names as in the code)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        originals = make_library(base / "library", args.photos)
        faults: list[tuple[str, Callable[[Case], Row]]] = [
            ("kill-apply-5", lambda c: kill_apply(c, 0.05)),
            ("kill-apply-50", lambda c: kill_apply(c, 0.5)),
            ("kill-apply-90", lambda c: kill_apply(c, 0.9)),
            ("kill-undo", kill_undo),
            ("kill-scan", kill_scan),
            ("kill-worker", kill_worker),
            ("sigint-scan", sigint_scan),
            ("damaged-cache", lambda c: damaged(c, "cache")),
            ("damaged-user", lambda c: damaged(c, "user")),
            ("full-disk", lambda c: mounted(c, "full-disk")),
            ("read-only", lambda c: mounted(c, "read-only")),
        ]
        rows = []
        for name, fault in [f for f in faults if not args.only or f[0] in args.only]:
            case = new_case(base, base / "library", originals, name)
            try:
                rows.append(fault(case))
            except Exception as exc:  # noqa: BLE001 - a fault the harness itself could not run is reported
                rows.append(Row(name, -1, -1, False, f"harness error: {type(exc).__name__}: {exc}"[:200]))
            print(f"  {rows[-1].fault}: done", file=sys.stderr)
    print("| fault | photos lost | in trash without journal row | clean message | notes |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r.fault} | {r.lost} | {r.unjournaled} | {'yes' if r.clean else 'NO'} | {r.note} |")


if __name__ == "__main__":
    main()
