"""Longest stall of the window's event loop while it scans a folder: a 5 ms timer's largest gap.

    python bench/bench_ui_stall.py FOLDER [--no-embeddings] [--store PATH] [--stop-after SECONDS] [--start-after S]

The real MainWindow runs the real scan (in its own process, as the app does; offscreen Qt unless DISPLAY is set),
then loads and shows the result, and the run ends a second after it is shown; gaps over 50 ms are listed with the
scan stage at the time, to find what holds the UI thread up, and so are the pauses of Python's
cyclic garbage collector (which hold the GIL). Store, settings and model cache live in a temporary folder
unless --store names the store (to watch it from outside, or keep it). A scan too long to wait for (matching at
100k takes hours on 2 cores) is cancelled after --stop-after seconds, as a person would press Cancel; the time the
cancel took to end the scan is reported too.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--no-embeddings", action="store_true")
    ap.add_argument("--fresh-cache", action="store_true", help="export the ONNX model again, as on a first run")
    ap.add_argument("--store", type=Path, help="the store file (default: in a temporary folder)")
    ap.add_argument("--stop-after", type=float, help="press Cancel this many seconds after the scan starts")
    ap.add_argument(
        "--start-after",
        type=float,
        default=0.5,
        help="start the scan this many seconds after the window opens "
        "(a store with a large result is still loading it into the window for the first second or so)",
    )
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="dedup-stall-"))
    os.environ.update(XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"))
    if args.fresh_cache:  # the first scan after installing: the model is exported (torch imported) on the way
        os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from dedup_gui.core.settings import Settings
    from dedup_gui.ui.main_window import MainWindow

    collections: list[tuple[int, float, float]] = []  # (generation, start, seconds) of each cyclic collection
    begun: dict[str, float] = {}

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            begun["t"] = time.perf_counter()
        else:
            collections.append((info["generation"], begun["t"], time.perf_counter() - begun["t"]))

    gc.callbacks.append(timed)
    app = QApplication.instance() or QApplication([])
    store = args.store.resolve() if args.store else tmp / "store.sqlite3"
    window = MainWindow(Settings(embeddings=not args.no_embeddings), store, tmp / "settings.toml")
    window.resize(1300, 850)
    window.show()
    stage = {"now": "starting"}
    slow: list[tuple[float, str]] = []  # gaps over 50 ms; the rest only summed per stage (hours of 5 ms ticks)
    per_stage: dict[str, list[float]] = {}  # stage -> [seconds, longest gap, gaps over 50 ms, over 100 ms]
    last = [time.perf_counter()]
    started = [0.0]
    cancelled = [0.0]
    shown = [0.0]
    scan_ended = [0.0]
    on_loaded = window._on_loaded

    def loaded(result: object) -> None:  # the window's own handler, timed: the result is in the list after it
        on_loaded(result)
        if scan_ended[0]:
            shown[0] = time.perf_counter()
            stage["now"] = "showing results"

    window._on_loaded = loaded  # type: ignore[method-assign]

    def tick() -> None:
        now = time.perf_counter()
        gap, where = now - last[0], stage["now"]
        last[0] = now
        if started[0]:
            sums = per_stage.setdefault(where, [0.0, 0.0, 0, 0])
            sums[0] += gap
            sums[1] = max(sums[1], gap)
            sums[2] += gap > 0.05
            sums[3] += gap > 0.1
            if gap > 0.05:
                slow.append((gap, where))
        if (shown[0] and window.scan_thread is None and now - shown[0] > 1.0) or (
            scan_ended[0] and not shown[0] and now - scan_ended[0] > 120
        ):
            app.quit()
        elif args.stop_after and started[0] and not cancelled[0] and now - started[0] > args.stop_after:
            cancelled[0] = now
            stage["now"] = f"cancelling ({stage['now']})"
            window.cancel_scan()

    def begin() -> None:
        window.folders.add_folder(str(args.folder.resolve()))  # a folder for sure: no need to sort paths first
        window.start_scan()
        window.worker.progressed.connect(
            lambda e: stage.update(now=f"cancelling ({e.stage.value})" if cancelled[0] else e.stage.value)
        )
        window.worker.finished.connect(scan_done)
        window.worker.cancelled.connect(scan_done)
        started[0] = time.perf_counter()
        last[0] = started[0]

    def scan_done(_result: object) -> None:
        scan_ended[0] = time.perf_counter()
        stage["now"] = "loading results"

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    QTimer.singleShot(round(args.start_after * 1000), begin)
    QTimer.singleShot(round(args.start_after * 1000), timer.start)
    app.exec()
    ended = scan_ended[0]
    total = ended - started[0]
    worst_gap, worst_where = max((v[1], k) for k, v in per_stage.items())
    print(
        f"scan took {total:.1f} s; longest UI-thread stall {worst_gap * 1000:.0f} ms (during {worst_where}); "
        f"{len(slow)} stalls over 50 ms; the result was shown {shown[0] - ended:.2f} s after the scan ended"
    )
    if cancelled[0]:
        print(f"cancelled after {cancelled[0] - started[0]:.1f} s; the scan ended {ended - cancelled[0]:.1f} s later")
    for where, (seconds, longest, over50, over100) in per_stage.items():
        print(f"  {where}: {seconds:.0f} s, longest {longest * 1000:.0f} ms, over 50/100 ms: {over50}/{over100}")
    for gap, where in slow[:15]:
        print(f"  {gap * 1000:6.0f} ms during {where}")
    full = [c for c in collections if c[0] == 2]
    longest = max((c[2] for c in collections), default=0.0)
    print(
        f"garbage collections: {len(collections)}, {len(full)} of the oldest generation; longest "
        f"{longest * 1000:.0f} ms, those over 20 ms: {[round(c[2] * 1000) for c in collections if c[2] > 0.02]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
