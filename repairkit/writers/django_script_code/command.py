"""The script's command line: options, Django setup, the report, the exit status."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from .apply import restore
from .records import (
    EXIT_FAILED,
    EXIT_USAGE,
    RestoreFailed,
    TableOutcome,
    UpdateOutcome,
    decode_tables,
    decode_updates,
)


def format_report(
    tables: list[TableOutcome], updates: list[UpdateOutcome], apply: bool, seconds: float
) -> str:
    """Return the per-table counts and the verdict, as printed."""
    names = [t.name for t in tables] + [u.table for u in updates]
    width = max([len("total"), *map(len, names)])
    lines = [f"{'table':<{width}}  {'rows':>6}  {'inserted':>8}  {'skipped (pk exists)':>19}"]
    for t in tables:
        lines.append(f"{t.name:<{width}}  {t.rows:>6}  {t.inserted:>8}  {t.skipped:>19}")
    rows, inserted = sum(t.rows for t in tables), sum(t.inserted for t in tables)
    lines.append(f"{'total':<{width}}  {rows:>6}  {inserted:>8}  {rows - inserted:>19}")
    for t in tables:
        if t.defaulted:
            lines.append(
                f"note: {t.name}: columns not in the data get the model's default:"
                f" {', '.join(t.defaulted)}"
            )
    updated = sum(u.updated for u in updates)
    if updates:
        lines += ["", "field repairs (a value edited since the plan was made is left alone):"]
        heads = f"{'fields':>6}  {'updated':>8}  {'already':>8}  {'changed since':>13}"
        lines.append(f"{'table':<{width}}  {heads}")
        for u in updates:
            lines.append(
                f"{u.table:<{width}}  {u.planned:>6}  {u.updated:>8}  {u.already:>8}"
                f"  {u.changed:>13}"
            )
    repaired = f", {updated} fields repaired" if updates else ""
    lines.append("")
    if apply:
        lines.append(
            f"APPLIED: {inserted} rows inserted{repaired} and committed ({seconds:.2f} s)."
        )
    else:
        lines.append(
            f"DRY RUN — nothing was changed: {inserted} rows inserted{repaired}, checked,"
            f" then rolled back ({seconds:.2f} s). Run again with --apply to commit."
        )
    return "\n".join(lines)


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Put back the rows of this script, in one transaction, with Django's ORM."
        " Without --apply it is a dry run: it inserts and checks, then rolls back.",
        epilog="Example: python repair_django.py --settings mysite.settings --apply",
    )
    parser.add_argument("--apply", action="store_true", help="commit (default: dry run)")
    parser.add_argument(
        "--settings", metavar="MODULE",
        help="the site's Django settings module (default: $DJANGO_SETTINGS_MODULE)",
    )  # fmt: skip
    parser.add_argument(
        "--pythonpath", metavar="DIR",
        help="directory to import the settings from (default: the current directory)",
    )  # fmt: skip
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    return parser.parse_args(argv)


def setup_django(options: argparse.Namespace) -> None:
    # Like manage.py, which sits in the project directory: import from where we are.
    sys.path.insert(0, options.pythonpath or os.getcwd())
    if options.settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = options.settings
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        print("give --settings MODULE (or set DJANGO_SETTINGS_MODULE)", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    import django

    django.setup()


def main(tables: list[dict[str, Any]], updates: list[tuple[Any, ...]], argv: list[str]) -> int:
    """Run the script: 0 done (dry run or applied), 1 failed and nothing changed."""
    options = parse_options(argv)
    setup_django(options)
    from django.db import connections

    mode = "APPLY" if options.apply else "DRY RUN"
    vendor = connections[options.database].vendor
    print(f"repairkit Django restore script ({mode}): {vendor} database {options.database!r}")
    started = time.monotonic()
    try:
        outcomes = restore(
            decode_tables(tables), decode_updates(updates), options.apply, options.database
        )
    except RestoreFailed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        print("Nothing was changed: the transaction was rolled back.", file=sys.stderr)
        return EXIT_FAILED
    print(format_report(*outcomes, options.apply, time.monotonic() - started))
    return 0
