"""Time the app's start: `--version`, and process start to the main window's first paint (offscreen Qt).

    python packaging/measure_startup.py [--runs N] [COMMAND ...]

COMMAND defaults to the built bundle (dist/dedup-gui/dedup-gui); pass e.g. `.venv/bin/python packaging/launcher.py`
to time a source install. The first run of each kind is reported apart (the OS file cache may be cold for it);
`--cold` (root only) empties the OS file cache before every run instead. Each run gets fresh, empty data,
settings and cache folders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "dist" / "dedup-gui" / "dedup-gui"


def sandbox_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(home / var.lower())
    return env


def drop_file_cache() -> None:
    """Empty the OS page cache (Linux, root), so the next start reads the app from disk like a first launch."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def time_version(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        start = time.monotonic()
        subprocess.run([*command, "--version"], env=sandbox_env(Path(home)), check=True, capture_output=True)
        return time.monotonic() - start


def time_first_paint(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = sandbox_env(Path(home)) | {"DEDUP_GUI_STARTUP_PROBE": "1"}
        start = time.monotonic()
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start  # CLOCK_MONOTONIC is shared by all processes on Linux
    raise RuntimeError(f"no first-paint line in the output:\n{done.stdout}\n{done.stderr}")


def report(name: str, times: list[float]) -> None:
    rest = times[1:] or times
    print(f"{name}: first {times[0]:.2f} s, then median {statistics.median(rest):.2f} s (n={len(rest)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="empty the OS file cache before each run (root)")
    parser.add_argument("command", nargs="*", default=[str(DEFAULT)])
    args = parser.parse_args()
    for name, measure in (("--version", time_version), ("window first paint", time_first_paint)):
        times = []
        for _ in range(args.runs):
            if args.cold:
                drop_file_cache()
            times.append(measure(args.command))
        if args.cold:
            print(f"{name} (cold): median {statistics.median(times):.2f} s, max {max(times):.2f} s (n={len(times)})")
        else:
            report(name, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
