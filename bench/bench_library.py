"""End-to-end scaling benchmark on simulated photo libraries: every user-facing step, timed, with its memory.

    python bench/bench_library.py --sizes 1000 10000 [--libs /tmp/dedup-libs] [--results results.json]
    python bench/bench_library.py --results results.json --table      # print the stored results only

For each size N (the library is made with make_library.py when missing) it measures, in this order:
the decode floor (bench_scan's: every file decoded once, same reduced size, same processes, nothing else), the
first scan (`dedup-gui scan`, as a user runs it), the store on disk, an unchanged rescan, a rescan after 1 % of
the camera JPEGs were edited (about 0.9 % of the files; then one after restoring them), `regroup` in each mode,
opening the window on the results (bench_open_window.py) and `apply` of 5 % of the files (then `undo`, which puts
the library back). Every command runs in its own process; its whole process tree (decode pool and forkserver
included) is sampled for memory (proctree.py). Results are merged into --results by size, so sizes can be run
on different days and printed together, with the growth per file of each step between sizes (anything growing
faster than the files is a finding).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree
from bench_scan import decode_floor

from dedup_gui.core.config import default_workers
from dedup_gui.core.formats import IMAGE_EXTENSIONS

BENCH = Path(__file__).resolve().parent
APP = [sys.executable, "-m", "dedup_gui"]
MODES = ("exact", "near", "similar")


def _store_bytes(db: Path) -> dict[str, int]:
    files = {p.name: p.stat().st_size for p in db.parent.glob(db.stem + "*") if p.is_file()}
    return dict(sorted(files.items()))


def _step(tree: proctree.TreeMemory, ok: tuple[int, ...] = (0,)) -> dict:
    if tree.returncode not in ok:
        raise RuntimeError(f"command failed ({tree.returncode}): {tree.stderr[-2000:]}")
    return {"seconds": round(tree.seconds, 3), "peak_pss": tree.peak_pss_sum, "peak_rss_sum": tree.peak_rss_sum,
            "peak_rss": tree.peak_rss, "processes": tree.processes}  # fmt: skip


def _change_files(photos: Path, backup: Path, share: float) -> list[Path]:
    """Re-save `share` of the camera JPEGs with a slight exposure change (new bytes, new date); originals kept."""
    from PIL import Image, ImageEnhance

    jpegs = sorted(p for p in photos.glob("[12]*/*/*.JPG"))
    step = max(1, round(1 / share))
    changed = jpegs[::step]
    backup.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(changed):
        shutil.copy2(path, backup / f"{n}.jpg")
        with Image.open(path) as img:
            exif = img.info.get("exif", b"")
            edited = ImageEnhance.Brightness(img.convert("RGB")).enhance(1.06)
        edited.save(path, "JPEG", quality=90, exif=exif)
    return changed


def _restore_files(changed: list[Path], backup: Path) -> None:
    for n, path in enumerate(changed):
        shutil.copy2(backup / f"{n}.jpg", path)
    shutil.rmtree(backup)


def _mark_for_apply(db: Path, share: float, files: int) -> int:
    """Trash decisions for about `share` of the files: the engine's auto-select proposals, group by group."""
    from dedup_gui.core import review
    from dedup_gui.core.store import Store

    store = Store(db)
    try:
        shown = review.load(store)
        assert shown is not None
        wanted, chosen = int(files * share), []
        for group in shown.groups:
            items = review.auto_select([group])
            chosen += items
            if sum(d == review.TRASH for _, d in chosen) >= wanted:
                break
        store.set_decisions(chosen)
        return sum(d == review.TRASH for _, d in chosen)
    finally:
        store.close()


def _table_sizes(db: Path) -> dict[str, int]:
    from dedup_gui.core.store import Store

    store = Store(db)
    try:
        return store.table_sizes() if hasattr(store, "table_sizes") else {}  # older trees compared side by side
    finally:
        store.close()


def measure(
    n: int, libs: Path, workers: int, save: Callable[[dict], None], floor_sample: int = 0, earlier: dict | None = None
) -> dict:
    """Every step on a library of about n files; `save(partial)` after each, so a run cut short keeps its steps.
    `floor_sample`: decode only every k-th file for the floor and scale it up (a 100k floor alone takes minutes).
    `earlier`: the saved steps of a run cut short during its first scan, resumed from the store it left (its
    decodes and verdicts are reused, so the first scan's figures then cover only the rest: marked `resumed`)."""
    lib = libs / f"lib-{n}"
    made = None
    if not (lib / "truth.json").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(BENCH / "make_library.py"), str(n), str(lib)], check=True)
        made = round(time.perf_counter() - t0, 1)
    photos = lib / "photos"
    run = libs / f"run-{n}"
    if earlier is None:
        shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True, exist_ok=True)
    db = run / "store.sqlite3"
    env = proctree.env_with(XDG_DATA_HOME=str(run / "data"), DEDUP_GUI_SETTINGS=str(run / "settings.toml"))
    scan = [*APP, "scan", str(photos), "--db", str(db), "-q", "--workers", str(workers)]
    files = sorted(str(p) for p in photos.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    out: dict = {"files": sum(1 for p in photos.rglob("*") if p.is_file()), "images": len(files), "made_s": made}
    out["library_bytes"] = sum(Path(f).stat().st_size for f in files)
    if earlier is not None and "floor_s" in earlier:
        out |= {k: earlier[k] for k in ("floor_s", "floor_sampled")} | {"resumed": earlier.get("when")}
    else:
        sample = files[:: floor_sample or 1]
        print(f"[{n}] decode floor over {len(sample)} of {len(files)} files", file=sys.stderr)
        out["floor_s"] = round(decode_floor(sample, workers) * len(files) / len(sample), 3)
        out["floor_sampled"] = len(sample)
    save(out)
    print(f"[{n}] first scan" + (" (resumed)" if earlier is not None else ""), file=sys.stderr)
    first = proctree.run([*scan, "--json", str(run / "first.json")], env=env)
    out["first"] = _step(first)
    result = json.loads((run / "first.json").read_text())
    out["first"]["stats"] = result["stats"]
    out["groups"] = len(result["groups"])
    out["grouped_files"] = sum(len(g) for g in result["groups"])
    out["store"] = _store_bytes(db)
    out["tables"] = _table_sizes(db)
    save(out)
    print(f"[{n}] unchanged rescan", file=sys.stderr)
    again = proctree.run([*scan, "--json", str(run / "rescan.json")], env=env)
    out["rescan"] = _step(again) | {"stats": json.loads((run / "rescan.json").read_text())["stats"]}
    save(out)
    changed = _change_files(photos, run / "changed", 0.01)
    try:
        print(f"[{n}] rescan after {len(changed)} files changed", file=sys.stderr)
        some = proctree.run([*scan, "--json", str(run / "rescan1.json")], env=env)
        out["rescan_changed"] = _step(some) | {"changed": len(changed)}
        out["rescan_changed"]["stats"] = json.loads((run / "rescan1.json").read_text())["stats"]
    finally:
        _restore_files(changed, run / "changed")
    print(f"[{n}] rescan after restoring them", file=sys.stderr)
    out["rescan_restored"] = _step(proctree.run(scan, env=env))
    out["store_after_rescans"] = _store_bytes(db)
    save(out)
    for mode in MODES:
        print(f"[{n}] regroup --mode {mode}", file=sys.stderr)
        tree = proctree.run([*APP, "regroup", "--mode", mode, "--db", str(db), "-q", "--json", os.devnull], env=env)
        out[f"regroup_{mode}"] = _step(tree)
    save(out)
    print(f"[{n}] open the window", file=sys.stderr)
    window = proctree.run([sys.executable, str(BENCH / "bench_open_window.py"), str(db), "--json"], env=env)
    out["window"] = _step(window) | json.loads(window.stdout.strip().splitlines()[-1])
    save(out)
    marked = _mark_for_apply(db, 0.05, out["files"])
    print(f"[{n}] apply: {marked} files to the trash, then undo", file=sys.stderr)
    apply = proctree.run([*APP, "apply", "--db", str(db)], env=env)
    out["apply"] = _step(apply, ok=(0, 1)) | {"trashed": marked}  # 1: some files refused (listed in its output)
    out["undo"] = _step(proctree.run([*APP, "undo", "--db", str(db)], env=env))
    shutil.rmtree(run / "data", ignore_errors=True)  # the emptied trash
    return out


def _mb(b: float) -> str:
    return f"{b / 1e6:,.0f} MB" if b < 1e9 else f"{b / 1e9:.2f} GB"


def _cell(fn: Callable[[], str]) -> str:
    """A table cell, or a dash for a step the run did not reach."""
    try:
        return fn()
    except (KeyError, ZeroDivisionError, ValueError):
        return "-"


def _row_cells(r: dict) -> tuple[str, ...]:
    def peak() -> str:
        return _mb(max(r[k]["peak_pss"] for k in r if isinstance(r[k], dict) and "peak_pss" in r[k]))

    def store() -> str:
        total = sum(r["store"].values())
        return f"{_mb(total)} ({total / r['files'] / 1e3:.1f} KB/file)"

    def first() -> float:
        return float(r["first"]["seconds"])

    return (
        f"{r['files']:,}",
        _cell(lambda: f"{first():.1f} s"),
        _cell(lambda: f"{1000 * first() / r['files']:.1f} ms"),
        _cell(lambda: f"{first() / r['floor_s']:.2f}"),
        _cell(peak),
        _cell(store),
        _cell(lambda: f"{r['rescan']['seconds']:.1f} s = {100 * r['rescan']['seconds'] / first():.1f} %, "
              f"{_mb(r['rescan']['peak_pss'])}"),
        _cell(lambda: f"{r['rescan_changed']['seconds']:.1f} s, {_mb(r['rescan_changed']['peak_pss'])}"),
        _cell(lambda: "/".join(f"{r[f'regroup_{m}']['seconds']:.1f}" for m in MODES) + " s"),
        _cell(lambda: f"{r['apply']['seconds']:.1f} s ({r['apply']['trashed']} files)"),
        _cell(lambda: f"{r['window']['window_to_painted_s']:.2f} s, {_mb(r['window']['peak_rss'])}"),
    )  # fmt: skip


def print_table(results: dict) -> None:
    sizes = sorted(results["sizes"], key=int)
    rows = [results["sizes"][s] for s in sizes]
    print(f"machine: {results.get('machine', '?')}")
    head = ("files", "first scan", "per file", "x floor", "peak memory (PSS)", "store", "unchanged rescan",
            "rescan, 1 % changed", "regroup exact/near/similar", "apply 5 %", "window: painted, RSS")  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(_row_cells(r)) + " |")
    print()
    stages = sorted({s for r in rows if "first" in r for s in r["first"]["stats"]["seconds"]})
    print("first scan per stage, ms per file:")
    for r in rows:
        if "first" in r:
            parts = [f"{st} {1000 * r['first']['stats']['seconds'].get(st, 0.0) / r['files']:.2f}" for st in stages]
            print(f"  {r['files']:>7,}: " + ", ".join(parts))
    steps = (("first", "first scan"), ("rescan", "rescan"), ("rescan_changed", "rescan 1 %"),
             ("regroup_similar", "regroup"), ("window", "window"), ("apply", "apply"), ("undo", "undo"))  # fmt: skip
    for a, b in itertools.pairwise(rows):
        ratio = []
        for key, label in steps:
            if key in a and key in b:
                per_a, per_b = a[key]["seconds"] / a["files"], b[key]["seconds"] / b["files"]
                ratio.append(f"{label} {per_b / per_a:.2f}x")
        for st in stages:
            sa = a.get("first", {}).get("stats", {}).get("seconds", {}).get(st, 0.0) / a["files"]
            sb = b.get("first", {}).get("stats", {}).get("seconds", {}).get(st, 0.0) / b["files"]
            if sa > 0 and sb > 0:
                ratio.append(f"{st} {sb / sa:.2f}x")
        print(f"  time per file {a['files']:,} -> {b['files']:,}: " + ", ".join(ratio))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[])
    ap.add_argument("--libs", type=Path, default=Path("/tmp/dedup-libs"))
    ap.add_argument("--results", type=Path, default=Path("bench-library-results.json"))
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--table", action="store_true", help="only print the stored results")
    ap.add_argument("--floor-sample", type=int, default=0, help="floor from every k-th file, scaled up (default: all)")
    ap.add_argument("--resume", action="store_true", help="go on from the store a run cut short left (see measure)")
    args = ap.parse_args()
    results = json.loads(args.results.read_text()) if args.results.exists() else {"sizes": {}}
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    for n in [] if args.table else args.sizes:
        load = os.getloadavg()[0]

        def save(row: dict, n: int = n, load: float = load) -> None:
            row["load_before"] = round(load, 1)
            row["load_after"] = round(os.getloadavg()[0], 1)
            row["when"] = time.strftime("%Y-%m-%d %H:%M")
            results["sizes"][str(n)] = row
            results["machine"] = (
                f"{platform.machine()} {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
                f"{args.workers} workers"
            )
            args.results.write_text(json.dumps(results, indent=1))

        earlier = results["sizes"].get(str(n), {}) if args.resume else None
        save(measure(n, args.libs, args.workers, save, args.floor_sample, earlier))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
