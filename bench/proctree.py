"""Runs a command and samples the memory of its whole process tree (the app, its decode pool, the forkserver).

RSS counts pages shared between processes once per process, so the sum of RSS overstates what the tree holds;
PSS (proportional set size) shares each page among the processes that map it, so the sum of PSS is the tree's
real footprint. Both are reported: the peak of the summed PSS is the app's peak memory.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class TreeMemory:
    seconds: float = 0.0
    returncode: int = 0
    peak_rss_sum: int = 0  # bytes, largest sum of RSS over the tree at one sample
    peak_pss_sum: int = 0  # bytes, largest sum of PSS at one sample (the tree's real peak)
    peak_rss: dict[str, int] = field(default_factory=dict)  # role -> largest RSS any process of that role had
    processes: int = 0  # most processes alive at once
    stdout: str = ""
    stderr: str = ""


def _role(proc: psutil.Process, root: int) -> str:
    if proc.pid == root:
        return "main"
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        return "other"
    if "forkserver" in cmd:
        return "forkserver"
    if "resource_tracker" in cmd:
        return "resource-tracker"
    return "worker"


def _pss(proc: psutil.Process) -> int:
    try:
        return int(proc.memory_full_info().pss)
    except (psutil.Error, AttributeError):
        return 0


def run(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    interval: float = 0.2,
    pss_every: int = 5,
) -> TreeMemory:
    """Run cmd to its end, sampling its tree every `interval` s (PSS every `pss_every` samples: reading it costs).

    `cwd` defaults to a neutral folder: `python -m dedup_gui` run inside a source tree would import that tree's
    code ahead of PYTHONPATH, and comparisons between trees depend on PYTHONPATH choosing."""
    out = TreeMemory()
    t0 = time.perf_counter()
    child = subprocess.Popen(
        cmd, env=env, cwd=cwd or tempfile.gettempdir(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    root = psutil.Process(child.pid)
    done = threading.Event()
    captured: dict[str, str] = {}

    def drain() -> None:
        captured["out"], captured["err"] = child.communicate()
        done.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    n = 0
    while not done.wait(interval):
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        rss_sum = pss_sum = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            rss_sum += rss
            role = _role(p, root.pid)
            out.peak_rss[role] = max(out.peak_rss.get(role, 0), rss)
            if n % pss_every == 0:
                pss_sum += _pss(p)
        out.processes = max(out.processes, len(procs))
        out.peak_rss_sum = max(out.peak_rss_sum, rss_sum)
        out.peak_pss_sum = max(out.peak_pss_sum, pss_sum)
        n += 1
    reader.join()
    out.seconds = time.perf_counter() - t0
    out.returncode = child.returncode
    out.stdout, out.stderr = captured.get("out", ""), captured.get("err", "")
    return out


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
