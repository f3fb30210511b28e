"""The ``repairkit`` command: parse options, call the library, print, choose the exit status.

Exit status, as for diff(1): 0 no differences, 1 differences, 2 trouble;
``merge`` exits 3 when it wrote a plan that leaves rows out.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from repairkit.diff import diff_snapshots
from repairkit.errors import RepairkitError, did_you_mean
from repairkit.findings import find_findings
from repairkit.findings.kinds import describe_kinds
from repairkit.limits import DEFAULT_MAX_DECOMPRESSED, MAX_DECOMPRESSED_ENV, format_size, parse_size
from repairkit.progress import ProgressCallback
from repairkit.progress_bar import QUIET_OPTION, progress_bar
from repairkit.readers import read_snapshots
from repairkit.report import render_json, render_text
from repairkit.report_html import render_diff_html
from repairkit.snapshot import Snapshot
from repairkit.terminal import safe_standard_streams
from repairkit.workers import jobs_for_inputs, worker_pool

EXIT_TROUBLE = 2
REPORT_FILE = "report.html"  # beside plan.json: the plan as a page to look at or send
EXIT_LEFT_OUT = 3  # merge: a plan was written, but rows are left out (listed with the reason)


class RepairkitClickError(click.ClickException):
    """A library error shown to the user, with exit status 2 like other trouble."""

    exit_code = EXIT_TROUBLE


def library_errors_as_cli_errors() -> contextlib.AbstractContextManager[None]:
    """Show a RepairkitError as a one-line message with exit status 2, not a traceback."""
    return _LibraryErrors()


class _LibraryErrors(contextlib.AbstractContextManager[None]):
    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if isinstance(error, RepairkitError):
            raise RepairkitClickError(str(error)) from error


JOBS_OPTION = click.option(
    "--jobs", "-j", type=click.IntRange(1), default=None,
    show_default="the cores, at most 4; 1 for inputs under 64 MB",
    help="Worker processes for reading dump files (two SQL dumps or fixtures side by side).",
)  # fmt: skip


def set_max_decompressed(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Pass ``--max-decompressed`` to the readers, in this process and its workers."""
    if value is None:
        return
    try:
        parse_size(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err
    # The readers take their limits from the environment, which worker processes inherit.
    os.environ[MAX_DECOMPRESSED_ENV] = value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="repairkit")
@click.option(
    "--max-decompressed", metavar="SIZE", callback=set_max_decompressed, expose_value=False,
    help="Refuse a compressed input that decompresses to more than SIZE"
    f" (default {format_size(DEFAULT_MAX_DECOMPRESSED)}; or set {MAX_DECOMPRESSED_ENV};"
    " see docs/limits.md). Example: repairkit --max-decompressed 4G diff a.json.gz b.json.gz",
)  # fmt: skip
def cli() -> None:
    """Find deleted and corrupted records in database dumps, and put them back.

    Dumps are read as data and never executed.
    """


FROM_OPTION = click.option(
    "--from", "forms", multiple=True, metavar="FORMAT",
    help="Input format instead of detecting it (see docs/formats.md): once for every input,"
    " or once per input in order.",
)  # fmt: skip


def read_inputs(
    sources: Sequence[str], forms: tuple[str, ...], map_files: Any,
    progress: ProgressCallback | None = None,
) -> list[Snapshot]:  # fmt: skip
    """Read each source (in the format ``--from`` names, else the detected one).

    The library aligns them with each other (``readers.read_snapshots``).
    """
    if len(forms) > 1 and len(forms) != len(sources):
        raise click.UsageError(f"give --from once, or once for each of the {len(sources)} inputs")
    chosen: list[str | None] = [*forms] * len(sources) if len(forms) == 1 else [*forms]
    return read_snapshots(sources, chosen or None, map_files=map_files, progress=progress)


DIFF_HELP = f"""Show what was deleted, added and changed from OLD to NEW.

OLD and NEW are dumps or databases in any known format, mixed as you
like: Lino dump2py directories, dumpdata fixtures, SQL dumps, database
URLs, django:SETTINGS (see docs/formats.md). The text output starts with a
table of counts and the findings (values that look damaged rather than
edited: {describe_kinds()};
see docs/findings.md), then lists the primary keys, and for each changed
row the fields with old -> new values.

Exit status: 0 no differences, 1 differences, 2 trouble.

\b
Example:
    repairkit diff backup/ current/
    repairkit diff backup/ current/ --table contacts_person --format json
    repairkit diff backup/ sqlite:///db.sqlite3
    repairkit diff backup.json.gz django:mysite.settings
    repairkit diff backup/ current/ --format html -o report.html
"""


@cli.command(help=DIFF_HELP)
@click.argument("old")
@click.argument("new")
@click.option(
    "--table", "tables", multiple=True, metavar="TABLE",
    help="Compare only this database table (repeatable).",
)  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "html"]), default="text",
    show_default=True,
    help="text for people, json for programs, html for a self-contained page to look at or send.",
)  # fmt: skip
@click.option(
    "--output", "-o", "output_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)  # fmt: skip
@click.option("--summary", is_flag=True, help="Print only the counts per table, no details.")
@click.option(
    "--strict", is_flag=True,
    help="Decode and check every row, also rows whose text is the same in both dumps"
    " (slower; by default those are checked against the dump's grammar only).",
)  # fmt: skip
@FROM_OPTION
@JOBS_OPTION
@QUIET_OPTION
def diff(
    old: str, new: str, tables: tuple[str, ...], output_format: str, output_file: Path | None,
    summary: bool, strict: bool, forms: tuple[str, ...], jobs: int | None, quiet: bool,
) -> None:  # fmt: skip
    """Diff two sources and print the report (the help is DIFF_HELP)."""
    with (
        library_errors_as_cli_errors(),
        worker_pool(jobs_for_inputs(jobs, [old, new])) as map_files,
        progress_bar(quiet) as progress,
    ):
        old_snapshot, new_snapshot = read_inputs([old, new], forms, map_files, progress)
        for table in tables:
            if table not in old_snapshot.tables and table not in new_snapshot.tables:
                known = [*old_snapshot.tables, *new_snapshot.tables]
                raise RepairkitClickError(
                    f"no table {table!r} in {old} or {new}{did_you_mean(table, known)}"
                )
        if strict:
            check_all_rows(old_snapshot, new_snapshot)
        changeset = diff_snapshots(old_snapshot, new_snapshot, tables or None, progress)
        findings = find_findings(changeset, old_snapshot, new_snapshot)
        if output_format == "html":
            report = render_diff_html(changeset, old_snapshot, new_snapshot, findings)
        elif output_format == "json":
            report = render_json(changeset, summary_only=summary, findings=findings) + "\n"
        else:
            report = render_text(changeset, summary_only=summary, findings=findings)
    if output_file:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)
    sys.exit(1 if changeset.has_differences else 0)


def check_all_rows(*snapshots: Snapshot) -> None:
    """Decode every row of every table, so that any row outside the grammar is reported."""
    for snapshot in snapshots:
        for table in snapshot.tables.values():
            table.decode()


def main(args: Any = None) -> None:
    """Run the command line: terminal-safe output, and exit status 2 for any trouble.

    An exception that is no ``RepairkitError`` is a bug: it is shown in one
    line with a hint to report it (the traceback with ``REPAIRKIT_TRACEBACK=1``).
    """
    with safe_standard_streams(sys):
        try:
            cli.main(args=args, prog_name="repairkit")
        except Exception as error:  # noqa: BLE001 -- the last resort, see the docstring
            if os.environ.get("REPAIRKIT_TRACEBACK"):
                raise
            first_line = (str(error).splitlines() or [""])[0][:300]
            click.echo(f"repairkit: internal error: {type(error).__name__}: {first_line}", err=True)
            click.echo(
                "This is a bug in repairkit: please report it with the command you ran"
                " (set REPAIRKIT_TRACEBACK=1 to see where it happened).",
                err=True,
            )
            sys.exit(EXIT_TROUBLE)


# The other commands live in modules of their own, which add themselves to ``cli``:
# imported last, since they use what this module defines.
from repairkit import cli_history, cli_merge, cli_upgrade  # noqa: E402, F401
