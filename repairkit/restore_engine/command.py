"""The command line: options, Django setup, the report, the exit status.

Both forms of the restore script end here: the standalone script with its
own data (``main``), a restore directory's ``restore.py`` through
``repairkit.runtime``, which reads the directory (``run``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from .apply import RestoreProblems, restore
from .preview import PREVIEW_ROWS, format_preview
from .records import (
    EXIT_FAILED,
    EXIT_USAGE,
    RestoreFailed,
    SourceTable,
    TableOutcome,
    Update,
    UpdateOutcome,
    decode_tables,
    decode_updates,
)

# Returns the data to restore; raises RestoreFailed if it cannot be read.
Reader = Callable[[], tuple[list[SourceTable], list[Update]]]


def format_report(
    tables: list[TableOutcome], updates: list[UpdateOutcome], apply: bool, seconds: float
) -> str:
    """Return the per-table counts, the skipped field repairs and the verdict, as printed."""
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
    if updates:
        lines += ["", "field repairs (a value edited since the plan was made is left alone):"]
        heads = f"{'fields':>6}  {'updated':>8}  {'already':>8}  {'changed since':>13}"
        lines.append(f"{'table':<{width}}  {heads}")
        for u in updates:
            lines.append(
                f"{u.table:<{width}}  {u.planned:>6}  {u.updated:>8}  {u.already:>8}"
                f"  {len(u.skipped):>13}"
            )
        for u in updates:
            for skipped in u.skipped:
                update = skipped.update
                where = f" ({update.where})" if update.where else ""
                lines.append(
                    f"skipped: {update.table} pk {update.pk!r} {update.column}: {skipped.reason};"
                    f" kept as it is{where}"
                )
    done = f"{inserted} rows inserted"
    if updates:
        done += f", {sum(u.updated for u in updates)} fields repaired"
    lines.append("")
    if apply:
        lines.append(f"APPLIED: {done} and committed ({seconds:.2f} s).")
    else:
        lines.append(
            f"DRY RUN — nothing was changed: {done.replace('inserted', 'were inserted')} and"
            f" checked, then rolled back ({seconds:.2f} s). Run again with --apply to commit."
        )
    return "\n".join(lines)


def parse_options(argv: list[str], prog: str, examples: tuple[str, ...]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Put back the rows and repair the fields that repairkit planned, in one"
        " transaction, with Django's ORM. Without --apply it is a dry run: it inserts and"
        " checks, then rolls back.",
        epilog="Example: " + "  |  ".join(examples),
    )
    parser.add_argument("--apply", action="store_true", help="commit (default: dry run)")
    parser.add_argument(
        "--settings", metavar="MODULE",
        help="the site's Django settings module, when not run by manage.py"
        " (default: $DJANGO_SETTINGS_MODULE)",
    )  # fmt: skip
    parser.add_argument(
        "--pythonpath", metavar="DIR",
        help="directory to import the settings from (default: the current directory)",
    )  # fmt: skip
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.add_argument(
        "--preview-rows", metavar="N", type=int, default=PREVIEW_ROWS,
        help="a dry run lists the first N rows of each table it would insert, with their"
        f" values (default: {PREVIEW_ROWS}; 0: none)",
    )  # fmt: skip
    return parser.parse_args(argv)


def setup_django(options: argparse.Namespace) -> bool:
    """Set Django up with the site's settings; False if no settings module is named."""
    from django.apps import apps

    if apps.ready:
        return True  # run by manage.py (e.g. Lino's `manage.py run`): set up already
    # Like manage.py, which sits in the project directory: import from where we are.
    sys.path.insert(0, options.pythonpath or os.getcwd())
    if options.settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = options.settings
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return False
    import django

    django.setup()
    return True


def run(read: Reader, argv: list[str], prog: str, source: str, examples: tuple[str, ...]) -> int:
    """Restore what ``read`` returns, as ``argv`` says; return the exit status.

    0 done (dry run or applied), 1 failed and nothing changed, 2 no settings.
    ``source`` names what is restored in the report; ``examples`` are command lines.
    """
    options = parse_options(argv, prog, examples)
    if not setup_django(options):
        print(
            f"{prog}: give --settings MODULE (or set DJANGO_SETTINGS_MODULE), as in: "
            + " or ".join(examples),
            file=sys.stderr,
        )
        return EXIT_USAGE
    from django.db import connections

    mode = "APPLY" if options.apply else "DRY RUN"
    print(f"repairkit restore ({mode}): {source}")
    print(f"database: {connections[options.database].vendor} {options.database!r}", end="\n\n")
    started = time.monotonic()
    preview_rows = 0 if options.apply else max(0, options.preview_rows)
    try:
        tables, updates = read()
        outcome = restore(tables, updates, options.apply, options.database, preview_rows)
    except RestoreFailed as err:
        if isinstance(err, RestoreProblems) and preview_rows:
            # What would go in besides the rows at fault: the problems may be few.
            print(format_preview(err.previews), flush=True)
        print(f"FAILED: {err}", file=sys.stderr)
        print("Nothing was changed: the transaction was rolled back.", file=sys.stderr)
        return EXIT_FAILED
    if preview_rows:
        print(format_preview(outcome.previews))
    seconds = time.monotonic() - started
    print(format_report(outcome.tables, outcome.updates, options.apply, seconds))
    return 0


def main(tables: list[dict[str, Any]], updates: list[tuple[Any, ...]], argv: list[str],
         script: str) -> int:  # fmt: skip
    """Run the standalone script ``script``, whose data are ``tables`` and ``updates``."""
    name = os.path.basename(script)

    def read() -> tuple[list[SourceTable], list[Update]]:
        return decode_tables(tables), decode_updates(updates)

    example = f"python {name} --settings mysite.settings --apply"
    return run(read, argv, name, os.path.abspath(script), (example,))
