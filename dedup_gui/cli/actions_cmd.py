"""`dedup-gui apply` and `dedup-gui undo`: act on the decisions stored by the window (or by hand) from a shell.

The plan comes from the engine's review rules, exactly as the window builds it: only groups the window would show,
"not duplicates" honoured, protected folders by real path, never the last copy of a group.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dedup_gui.cli.common import add_db_arg, load_settings, open_store, printable
from dedup_gui.cli.output import human_size
from dedup_gui.core import actions, review

EXIT_OK, EXIT_ERROR = 0, 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    apply = sub.add_parser("apply", help="send every file marked 'trash' in the last scan's decisions to the trash")
    apply.add_argument("--dry-run", action="store_true", help="check each file and print what would happen")
    apply.add_argument(
        "--move-to",
        type=Path,
        metavar="FOLDER",
        help="move the files into FOLDER (under their full original path) instead of the trash; undo brings them back",
    )
    add_db_arg(apply)
    undo = sub.add_parser("undo", help="bring back the files the last apply sent to the trash")
    add_db_arg(undo)


def _print_outcomes(report: actions.Report) -> None:
    for o in report.outcomes:
        line = f"{o.status.value:11} {printable(o.path)}"
        if o.companion_of:
            line += f"  (travels with {printable(o.companion_of)})"
        if o.message:
            line += f"  ({printable(o.message)})"
        print(line)


def cmd_apply(args: argparse.Namespace) -> int:
    settings = load_settings()
    store = open_store(args, settings)
    try:
        shown = review.load(store, settings.keeper_rules)
        if shown is None:
            print("no scan results in the store: run `dedup-gui scan` first", file=sys.stderr)
            return EXIT_ERROR
        protected = [path for role, path in settings.folder_roles() if role == "protected"]
        the_plan = review.build_plan(store, shown, protected)
        if not the_plan.items:
            print("nothing is marked 'trash' in the groups of the last scan", file=sys.stderr)
            return EXIT_OK
        report = actions.apply(the_plan, store, dry_run=args.dry_run, move_to=args.move_to)
    finally:
        store.close()
    _print_outcomes(report)
    verb = "would move" if args.dry_run else "moved"
    done = report.with_status(actions.Status.TRASHED, actions.Status.MOVED, actions.Status.WOULD_TRASH)
    where = f"to {printable(str(args.move_to))}" if args.move_to else "to the trash"
    print(
        f"{verb} {len(done)} files ({human_size(report.done_bytes)}) {where}; {len(report.failures)} refused or failed",
        file=sys.stderr,
    )
    if report.stopped:
        print(f"dedup-gui: error: stopped early: {printable(report.stopped)}", file=sys.stderr)
    return EXIT_ERROR if report.failures or report.stopped else EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    store = open_store(args, load_settings())
    try:
        report = actions.undo_last(store)
    finally:
        store.close()
    if report.batch is None:
        print("nothing to undo", file=sys.stderr)
        return EXIT_OK
    _print_outcomes(report)
    restored = report.with_status(actions.Status.RESTORED)
    print(f"restored {len(restored)} files; {len(report.failures)} could not come back", file=sys.stderr)
    return EXIT_ERROR if report.failures else EXIT_OK
