"""The ``repairkit`` command: parse options, call the library, print, choose the exit status.

Exit status, as for diff(1): 0 no differences, 1 differences, 2 trouble.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from repairkit.diff import diff_snapshots
from repairkit.errors import RepairkitError
from repairkit.readers import read_snapshot
from repairkit.report import render_json, render_text
from repairkit.snapshot import Snapshot
from repairkit.workers import default_jobs, worker_pool

EXIT_TROUBLE = 2


class RepairkitClickError(click.ClickException):
    """A library error shown to the user, with exit status 2 like other trouble."""

    exit_code = EXIT_TROUBLE


def library_errors_as_cli_errors() -> contextlib.AbstractContextManager[None]:
    """Show a RepairkitError as a one-line message with exit status 2, not a traceback."""
    return _LibraryErrors()


class _LibraryErrors(contextlib.AbstractContextManager[None]):
    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if isinstance(error, RepairkitError):
            raise RepairkitClickError(f"{type(error).__name__}: {error}") from error


JOBS_OPTION = click.option(
    "--jobs", "-j", type=click.IntRange(1), default=default_jobs, show_default="cores, at most 4",
    help="Worker processes for reading dump files.",
)  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="repairkit")
def cli() -> None:
    """Find deleted and corrupted records in database dumps, and put them back.

    Dumps are read as data and never executed.
    """


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--table", "tables", multiple=True, metavar="TABLE",
    help="Compare only this database table (repeatable).",
)  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="text for people, json for programs.",
)  # fmt: skip
@click.option("--summary", is_flag=True, help="Print only the counts per table, no details.")
@click.option(
    "--strict", is_flag=True,
    help="Decode and check every row, also rows whose text is the same in both dumps"
    " (slower; by default those are checked for shape only).",
)  # fmt: skip
@JOBS_OPTION
def diff(
    old: str, new: str, tables: tuple[str, ...], output_format: str, summary: bool,
    strict: bool, jobs: int,
) -> None:  # fmt: skip
    """Show what was deleted, added and changed from OLD to NEW.

    OLD and NEW are Lino dump2py directories. The text output starts with a
    table of counts, then lists the primary keys, and for each changed row
    the fields with old -> new values.

    Exit status: 0 no differences, 1 differences, 2 trouble.

    \b
    Example:
        repairkit diff backup/ current/
        repairkit diff backup/ current/ --table contacts_person --format json
    """
    with library_errors_as_cli_errors(), worker_pool(jobs) as map_files:
        old_snapshot = read_snapshot(old, map_files=map_files)
        new_snapshot = read_snapshot(new, map_files=map_files)
        for table in tables:
            if table not in old_snapshot.tables and table not in new_snapshot.tables:
                raise RepairkitClickError(f"no table {table!r} in {old} or {new}")
        if strict:
            check_all_rows(old_snapshot, new_snapshot)
        changeset = diff_snapshots(old_snapshot, new_snapshot, tables or None)
        render = render_json if output_format == "json" else render_text
        click.echo(render(changeset, summary_only=summary), nl=output_format == "json")
    sys.exit(1 if changeset.has_differences else 0)


def check_all_rows(*snapshots: Snapshot) -> None:
    """Decode every row of every table, so that any row outside the grammar is reported."""
    for snapshot in snapshots:
        for table in snapshot.tables.values():
            table.decode()


def main(args: Any = None) -> None:
    """Run the command line."""
    cli.main(args=args, prog_name="repairkit")
