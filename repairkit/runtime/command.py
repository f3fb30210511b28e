"""The restore script's command line: options, Django setup, printing, exit status.

A restore directory's ``restore.py`` calls ``main(__file__)`` when it is run,
either inside a Lino site (``python manage.py run restore.py [--apply]``,
where Django is set up already and the options are in ``sys.argv``) or on
its own (``python restore.py --settings mysite.settings [--apply]``). This
is the only part of the runtime that prints or exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from repairkit.errors import RepairkitError

from .report import RestoreReport, TableOutcome

EXIT_FAILED = 1


def main(restore_file: str | Path, argv: list[str] | None = None) -> None:
    """Run the restore directory of ``restore_file``; exit non-zero on any failure."""
    options = _parse_options(argv if argv is not None else sys.argv[1:])
    directory = Path(restore_file).resolve().parent
    _forget_own_directory(directory)
    _setup_django(options.settings, options.pythonpath)
    # Imported only now: these need Django's settings.
    from .apply import restore_rows
    from .source import read_restore_dir, read_updates

    mode = "APPLY" if options.apply else "DRY RUN"
    print(f"repairkit restore ({mode}): {directory}")
    started = time.monotonic()
    try:
        report = restore_rows(
            read_restore_dir(directory), apply=options.apply, using=options.database,
            updates=read_updates(directory),
        )  # fmt: skip
    except RepairkitError as err:
        print(f"FAILED: {type(err).__name__}: {err}", file=sys.stderr)
        print("Nothing was changed: the transaction was rolled back.", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    print(format_report(report, time.monotonic() - started))


def format_report(report: RestoreReport, seconds: float) -> str:
    """Return the per-table counts, the total and the verdict, as printed."""
    width = max([len("total"), *(len(table.name) for table in report.tables)])
    lines = [f"database: {report.database}", ""]
    lines.append(f"{'table':<{width}}  {'rows':>6}  {'inserted':>8}  {'skipped (pk exists)':>19}")
    lines.extend(_format_outcome(outcome, width) for outcome in report.tables)
    total = TableOutcome("total", report.rows, report.inserted, report.skipped)
    lines.append(_format_outcome(total, width))
    for outcome in report.tables:
        if outcome.defaulted:
            lines.append(
                f"note: {outcome.name}: columns not in the data file get the model's default:"
                f" {', '.join(outcome.defaulted)}"
            )
    lines.extend(_format_fields(report))
    lines.append("")
    done = f"{report.inserted} rows inserted"
    if report.fields:
        done += f", {report.updated} fields repaired"
    verb = "apply" if report.fields else "insert"
    if report.applied:
        lines.append(f"APPLIED: {done} and committed ({seconds:.2f} s).")
    else:
        lines.append(
            f"DRY RUN — nothing was changed: {done.replace('inserted', 'were inserted')} and"
            f" checked, then rolled back ({seconds:.2f} s). Run again with --apply to {verb} them."
        )
    return "\n".join(lines)


def _format_fields(report: RestoreReport) -> list[str]:
    """Return the field repairs' counts, and each field skipped because it changed since."""
    if not report.fields:
        return []
    names = [f"{outcome.table}.{outcome.column}" for outcome in report.fields]
    width = max(len("field repairs"), *map(len, names))
    heading = f"{'field repairs':<{width}}  {'fields':>6}  {'repaired':>8}  {'already':>7}"
    lines = ["", heading + "  skipped (changed since)"]
    for name, outcome in zip(names, report.fields, strict=True):
        counts = f"{outcome.planned:>6}  {outcome.updated:>8}  {outcome.already:>7}"
        lines.append(f"{name:<{width}}  {counts}  {len(outcome.skipped):>23}")
    for outcome in report.fields:
        for skipped in outcome.skipped:
            lines.append(
                f"skipped: {outcome.table} pk {skipped.pk!r} {outcome.column}: {skipped.reason};"
                f" kept as it is ({skipped.where})"
            )
    return lines


def _format_outcome(outcome: TableOutcome, width: int) -> str:
    counts = f"{outcome.rows:>6}  {outcome.inserted:>8}  {outcome.skipped:>19}"
    return f"{outcome.name:<{width}}  {counts}"


def _parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="restore.py",
        description="Put back the rows of this restore directory, in one transaction."
        " Without --apply it is a dry run: it inserts and checks, then rolls back.",
        epilog="Example: python manage.py run repair/restore.py --apply"
        "  |  python repair/restore.py --settings mysite.settings --apply",
    )
    parser.add_argument("--apply", action="store_true", help="commit the rows (default: dry run)")
    parser.add_argument(
        "--settings", metavar="MODULE",
        help="Django settings module, when not run by manage.py (default: $DJANGO_SETTINGS_MODULE)",
    )  # fmt: skip
    parser.add_argument(
        "--pythonpath", metavar="DIR",
        help="directory to import the settings from (default: the current directory)",
    )  # fmt: skip
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    return parser.parse_args(argv)


def _forget_own_directory(directory: Path) -> None:
    # `python restore.py` puts the restore directory first on sys.path, where
    # a data file named like a module (e.g. a table "queue") could shadow it.
    if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == directory:
        sys.path.pop(0)


def _setup_django(settings_module: str | None, pythonpath: str | None) -> None:
    from django.apps import apps

    if apps.ready:
        return  # run by manage.py: the site is set up already
    # Like manage.py, which sits in the project directory: import from where we are.
    sys.path.insert(0, pythonpath or os.getcwd())
    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        print(
            "restore.py: give --settings MODULE (or set DJANGO_SETTINGS_MODULE),"
            " or run it with `python manage.py run restore.py`",
            file=sys.stderr,
        )
        sys.exit(2)
    import django

    django.setup()
