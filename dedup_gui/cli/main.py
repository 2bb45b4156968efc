"""`dedup-gui`: no arguments opens the window; `dedup-gui scan ...` runs the engine headless.

Exit codes: 0 ok, 1 error, 2 usage, 130 cancelled.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dedup_gui import __version__
from dedup_gui.cli import actions_cmd
from dedup_gui.cli.common import UsageError, add_db_arg, load_settings, open_store, printable
from dedup_gui.cli.output import human_size, write_csv, write_json
from dedup_gui.cli.progress_bar import ProgressBar
from dedup_gui.core.config import ScanConfig, default_workers
from dedup_gui.core.errors import DedupError
from dedup_gui.core.progress import CancelToken
from dedup_gui.core.settings import Settings
from dedup_gui.core.types import Mode, ScanResult, ScanStatus

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
COMMAND_NAMES = ("scan", "regroup", "apply", "undo", "prepare")
log = logging.getLogger("dedup_gui.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dedup-gui",
        description="Find duplicate and near-duplicate photos. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"dedup-gui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = sub.add_parser("scan", help="scan folders and report duplicate groups")
    scan.add_argument(
        "roots", nargs="*", type=Path, metavar="ROOT", help="folder to scan (default: the window's folder list)"
    )
    scan.add_argument(
        "--reference",
        action="append",
        default=[],
        type=Path,
        metavar="ROOT",
        help="protected folder: scanned, never proposed for trashing (repeatable)",
    )
    scan.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files or folders whose name or path matches (repeatable)",
    )
    scan.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        default=None,
        help="exact: same bytes or pixels; near: also edited copies; similar: also other shots (default: settings)",
    )
    _add_output_args(scan)
    scan.add_argument("--workers", type=int, default=default_workers(), help="decoding processes (default: all cores)")
    scan.add_argument("--device", choices=["auto", "cpu", "gpu"], default=None, help="where the CNN runs")
    scan.add_argument("--no-embeddings", action="store_true", help="hashes only: faster, misses crops and edits")
    scan.add_argument(
        "--rotations",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also query with each image's rotations: finds rotated and edited copies (default: on GPU, or as the"
        " window's settings say)",
    )
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    scan.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    regroup = sub.add_parser("regroup", help="regroup the last scan under another mode, without rescanning")
    regroup.add_argument("--mode", choices=[m.value for m in Mode], default=None)
    _add_output_args(regroup)
    regroup.add_argument("-q", "--quiet", action="store_true", help="no summary")
    actions_cmd.add_parsers(sub)
    prepare = sub.add_parser("prepare", help="set up the image model now (done once; else the first scan waits for it)")
    prepare.add_argument("--device", choices=["auto", "cpu", "gpu"], default=None, help="where the CNN will run")
    return parser


def _add_output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="FILE", help="write the groups as JSON to FILE (- for standard output)")
    p.add_argument("--csv", metavar="FILE", help="write one CSV row per group member to FILE (- for standard output)")
    add_db_arg(p)


def _summary(result: ScanResult) -> str:
    files = sum(len(g.members) for g in result.groups)
    saved = sum(g.reclaimable_bytes for g in result.groups)
    line = (
        f"{result.stats.files} files scanned: {len(result.groups)} groups of duplicates holding {files} files, "
        f"{human_size(saved)} reclaimable; {len(result.problems)} files could not be read"
    )
    return line + (" (scan cancelled)" if result.status is ScanStatus.CANCELLED else "")


def _emit(result: ScanResult, args: argparse.Namespace) -> None:
    if args.json:
        write_json(result, args.json)
    if args.csv:
        write_csv(result, args.csv)


def scan_config(args: argparse.Namespace, settings: Settings) -> ScanConfig:
    """The settings file's scan (folders, keeper rules, thresholds, excludes), with the arguments laid over it."""
    base = settings.scan_config()
    mode = Mode(args.mode or settings.mode)
    overrides: dict = {"mode": mode, "workers": max(1, args.workers)}
    if args.rotations is not None:
        overrides["rotations"] = args.rotations
    if args.roots:
        overrides |= {"roots": tuple(args.roots), "references": tuple(args.reference)}
    elif args.reference:
        overrides["references"] = (*base.references, *args.reference)
    if args.exclude:
        overrides["excludes"] = (*settings.exclude_patterns, *args.exclude)
    if args.device:
        overrides["device"] = args.device
    overrides["embeddings"] = settings.embeddings and not args.no_embeddings and mode is not Mode.EXACT
    config = replace(base, **overrides)
    if not config.roots:
        raise UsageError("no folder to scan: name one (dedup-gui scan FOLDER) or add folders in the window")
    return config


def cmd_scan(args: argparse.Namespace) -> int:
    from dedup_gui.core.pipeline import run_scan

    settings = load_settings()
    config = scan_config(args, settings)
    cancel = CancelToken()

    def on_sigint(signum: int, frame: object) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nCancelling at the next batch; finished work is kept (Ctrl-C again to abort)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = ProgressBar(enabled=False if args.quiet else None)
    try:
        store = open_store(args, settings)
        try:
            result = run_scan(config, store=store, sink=bar, cancel=cancel)
        finally:
            bar.close()
            store.close()
    finally:
        signal.signal(signal.SIGINT, previous)
    _emit(result, args)
    if not args.quiet:
        print(_summary(result), file=sys.stderr)
    return EXIT_CANCELLED if result.status is ScanStatus.CANCELLED else EXIT_OK


def cmd_regroup(args: argparse.Namespace) -> int:
    from dedup_gui.core.regroup import regroup

    settings = load_settings()
    store = open_store(args, settings)
    try:
        result = regroup(store, Mode(args.mode or settings.mode), settings.scan_config())
    finally:
        store.close()
    _emit(result, args)
    if not args.quiet:
        print(_summary(result), file=sys.stderr)
    return EXIT_OK


def cmd_prepare(args: argparse.Namespace) -> int:
    """Make the cached image model (the CPU graph is exported from the installed weights once, which takes a few
    seconds on a fresh install), so that the first scan decodes from its start instead of waiting for it."""
    from dedup_gui.core.embedding import load_embedder, prepare_cpu_model

    started = time.perf_counter()
    try:
        done = "made" if prepare_cpu_model() else "already there"  # the window does this too, as it opens
    except (RuntimeError, OSError, ImportError) as exc:  # the set-up goes on: scans fall back to torch
        print(f"dedup-gui: the CPU graph could not be made ({printable(str(exc))})", file=sys.stderr)
        done = "not made"
    embedder = load_embedder(args.device or load_settings().device)
    print(f"image model ready ({embedder.backend}; CPU graph {done}) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _only_paths(argv: list[str]) -> bool:
    """Every argument an existing folder or file, and the first one not a command name (`scan` wins over a folder).

    Files are passed on too (a photo dropped on the app's icon): the window offers to add their folders.
    """
    return argv[0] not in COMMAND_NAMES and all(os.path.exists(a) for a in argv)


def _not_a_command(argv: list[str]) -> str | None:
    """A clear message when the first argument is neither a command, an option nor an existing path."""
    first = argv[0]
    if first in COMMAND_NAMES or first.startswith("-"):
        return None
    missing = next(a for a in argv if not os.path.exists(a))
    if os.sep in first or "." in first or len(argv) > 1 or missing != first:
        return f"dedup-gui: no such file or folder: {missing}"
    return f"dedup-gui: {first!r} is not a command, a folder or a file (commands: {', '.join(COMMAND_NAMES)})"


def _workers_skip_the_script() -> None:
    """Name the `dedup-gui` script as the package's `__main__`, which multiprocessing never runs again in a worker.

    The script pip writes has no module spec, so every process multiprocessing starts (each decode worker, the
    window's scan process) first ran it again by its path, importing the whole CLI: 0.3-0.4 s of a core per worker
    before its first file, and 10 MB more in each.
    """
    script = sys.modules.get("__main__")
    if script is not None and getattr(script, "__spec__", None) is None and vars(script).get("main") is main:
        script.__spec__ = importlib.util.find_spec("dedup_gui.__main__")


def main(argv: Sequence[str] | None = None) -> int:
    _workers_skip_the_script()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or _only_paths(argv):  # `dedup-gui FOLDER...` (the .desktop file's %F) opens them in the window
        from dedup_gui.ui.app import main as gui_main

        return gui_main([os.path.abspath(a) for a in argv])
    message = _not_a_command(argv)
    if message is not None:
        print(message, file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        from dedup_gui.ui.app import main as gui_main

        return gui_main([])
    commands = {
        "scan": cmd_scan,
        "regroup": cmd_regroup,
        "apply": actions_cmd.cmd_apply,
        "undo": actions_cmd.cmd_undo,
        "prepare": cmd_prepare,
    }
    try:
        return commands[args.command](args)
    except UsageError as exc:
        print(f"dedup-gui: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except DedupError as exc:
        print(f"dedup-gui: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dedup-gui: aborted", file=sys.stderr)
        return EXIT_CANCELLED
