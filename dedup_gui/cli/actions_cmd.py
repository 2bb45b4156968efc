"""`dedup-gui apply` and `dedup-gui undo`: act on the decisions stored by the window (or by hand) from a shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dedup_gui.cli.output import human_size
from dedup_gui.core import actions
from dedup_gui.core.config import default_store_path
from dedup_gui.core.errors import DedupError
from dedup_gui.core.serialize import result_from_dict
from dedup_gui.core.store import Store

EXIT_OK, EXIT_ERROR = 0, 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    apply = sub.add_parser("apply", help="send every file marked 'trash' in the last scan's decisions to the trash")
    apply.add_argument("--dry-run", action="store_true", help="check each file and print what would happen")
    apply.add_argument("--db", type=Path, default=None, help=f"store file (default: {default_store_path()})")
    undo = sub.add_parser("undo", help="bring back the files the last apply sent to the trash")
    undo.add_argument("--db", type=Path, default=None, help=f"store file (default: {default_store_path()})")


def _print_outcomes(report: actions.Report) -> None:
    for o in report.outcomes:
        line = f"{o.status.value:11} {o.path}"
        if o.message:
            line += f"  ({o.message})"
        print(line)


def build_plan(store: Store) -> actions.Plan:
    last = store.last_scan()
    if last is None:
        raise DedupError("no scan results in the store: run `dedup-gui scan` first")
    scan_id, config, result = last
    groups = result_from_dict(result, scan_id).groups
    return actions.plan(groups, store.decisions(), protected_roots=config.get("references", []))


def cmd_apply(args: argparse.Namespace) -> int:
    store = Store(args.db or default_store_path())
    try:
        the_plan = build_plan(store)
        if not the_plan.items:
            print("nothing is marked 'trash' in the last scan's decisions", file=sys.stderr)
            return EXIT_OK
        report = actions.apply(the_plan, store, dry_run=args.dry_run)
    finally:
        store.close()
    _print_outcomes(report)
    verb = "would move" if args.dry_run else "moved"
    done = report.with_status(actions.Status.TRASHED, actions.Status.WOULD_TRASH)
    print(
        f"{verb} {len(done)} files ({human_size(report.done_bytes)}) to the trash; "
        f"{len(report.failures)} refused or failed",
        file=sys.stderr,
    )
    return EXIT_ERROR if report.failures else EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    store = Store(args.db or default_store_path())
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
