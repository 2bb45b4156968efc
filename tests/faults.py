"""Real faults for tests: a small filesystem that fills up, a folder that becomes read-only, a process killed with -9.

Mounting needs root (or a user namespace); tests that need a mount skip when this machine does not allow one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1]


def can_mount() -> bool:
    return os.geteuid() == 0 and Path("/proc/self/mountinfo").exists()


@contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[Path]:
    """A real tmpfs of `size_kb` mounted at `where` (skips the test when mounting is not allowed)."""
    if not can_mount():
        pytest.skip("mounting a small filesystem needs root")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, *, read_only: bool) -> None:
    subprocess.run(["mount", "-o", f"remount,{'ro' if read_only else 'rw'}", str(where)], check=True)


def fill(where: Path) -> None:
    """Write until the filesystem is full."""
    try:
        with open(where / "filler", "ab") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
    except OSError:
        pass


def dedup_gui(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.Popen:
    """`python -m dedup_gui ARGS` as a real process with this checkout on its path."""
    full_env = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "dedup_gui", *args], env=full_env, **kw)  # type: ignore[call-overload]
