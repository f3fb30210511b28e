"""The ``repairkit history`` and ``repairkit timeline`` commands, and the time order of backups.

``merge`` uses ``put_in_time_order`` too: every command that reads a series
of backups sorts them by the times the dumps show, and says so.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from repairkit.cli import (
    FROM_OPTION,
    JOBS_OPTION,
    RepairkitClickError,
    library_errors_as_cli_errors,
    read_inputs,
    typed_pks,
)  # fmt: skip
from repairkit.history import count_steps, trace_rows
from repairkit.history_report import (
    Times,
    render_rows_json,
    render_rows_text,
    render_steps_json,
    render_steps_text,
    render_timeline_json,
    render_timeline_text,
)  # fmt: skip
from repairkit.snapshot import Snapshot
from repairkit.snapshot_time import TimeSource, order_by_time, read_dump_time
from repairkit.timeline import build_timeline
from repairkit.workers import worker_pool

KEEP_ORDER_OPTION = click.option(
    "--keep-order", is_flag=True,
    help="Take the backups in the order given, even where the dumps' times say otherwise"
    " (by default they are put in time order, with a warning).",
)  # fmt: skip
CURRENT_OPTION = click.option(
    "--current", help="Dump of the database as it is now: the last snapshot of the series."
)


def put_in_time_order(
    sources: Sequence[str], snapshots: Sequence[Snapshot], keep_order: bool,
    current: tuple[str, Snapshot] | None = None,
) -> tuple[list[str], list[Snapshot], Times]:  # fmt: skip
    """Sort backups by the times their dumps show; warn where the order given contradicts them.

    Return the sources and snapshots in the order used, with each label's time.
    The current state is not reordered: it is the present, and is only
    checked against the backups.
    """
    if len({snapshot.label for snapshot in snapshots}) < len(snapshots):
        for snapshot, path in zip(snapshots, sources, strict=True):
            snapshot.label = path  # two backups with one directory name: say which
    order = order_by_time(snapshots, [read_dump_time(source) for source in sources])
    indexes = list(range(len(sources))) if keep_order else list(order.order)
    by_time = ", ".join(snapshots[i].label for i in order.order)
    if order.undated:
        names = ", ".join(snapshots[i].label for i in order.undated)
        warn(f"no time known for {names}: the backups are taken in the order given")
    elif order.contradicted and keep_order:
        warn(f"--keep-order: taking the backups as given, though their times say {by_time}")
    elif order.contradicted:
        warn(
            f"the backups were not given oldest first; their times say {by_time}, and that"
            " order is used (pass --keep-order to take them as given)"
        )
    times: list[tuple[str, Any]] = [(snapshots[i].label, order.times[i]) for i in indexes]
    if current is not None:
        now = read_dump_time(current[0])
        newer = [label for label, t in times if now and t and t.when > now.when]
        if now and now.source is not TimeSource.LIVE and newer:
            warn(f"{current[1].label} ({now}) is older than the backup {newer[-1]}")
        times.append((current[1].label, now))
    return [sources[i] for i in indexes], [snapshots[i] for i in indexes], times


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def read_series(
    backups: Sequence[str], current: str | None, forms: tuple[str, ...], map_files: Any,
    keep_order: bool,
) -> tuple[list[Snapshot], Times]:  # fmt: skip
    """Read the backups (and the current state, last), in time order."""
    sources = [*backups, current] if current else list(backups)
    snapshots = read_inputs(sources, forms, map_files)
    now = (current, snapshots.pop()) if current else None
    _, ordered, times = put_in_time_order(backups, snapshots, keep_order, now)
    if now is not None:
        ordered.append(now[1])
    if len({s.label for s in ordered}) < len(ordered):
        raise RepairkitClickError("two snapshots have the same name: give them distinct paths")
    return ordered, times


FORMAT_OPTION = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="text for people, json for programs (docs/history.md).",
)  # fmt: skip


@click.command()
@click.argument("backups", nargs=-1, required=True, metavar="BACKUP...")
@CURRENT_OPTION
@click.option("--table", required=True, metavar="TABLE", help="The database table to follow.")
@click.option(
    "--pk", "pks", multiple=True, metavar="PK",
    help="Follow this row (repeatable); without --pk, list the rows lost and gained per step.",
)  # fmt: skip
@FORMAT_OPTION
@KEEP_ORDER_OPTION
@FROM_OPTION
@JOBS_OPTION
def history(
    backups: tuple[str, ...], current: str | None, table: str, pks: tuple[str, ...],
    output_format: str, keep_order: bool, forms: tuple[str, ...], jobs: int,
) -> None:  # fmt: skip
    """Show the life of rows of TABLE across a series of backups, in time order.

    With --pk: one line per snapshot for each row, present or absent, and
    the fields that changed since it was last seen (old -> new); the whole
    row where it appears or comes back. Without --pk: the rows of TABLE
    lost and gained between each pair of consecutive snapshots.

    Backups are put in time order by the times their dumps show (see
    docs/history.md); a different order given here is warned about.

    \b
    Example:
        repairkit history mon/ tue/ wed/ --current today/ --table contacts_person --pk 19
        repairkit history backups/*/ --table contacts_person --format json
    """
    with library_errors_as_cli_errors(), worker_pool(jobs) as map_files:
        snapshots, times = read_series(backups, current, forms, map_files, keep_order)
        if pks:
            typed = typed_pks(snapshots, table, list(pks))
            histories = trace_rows(snapshots, table, typed)
            render = render_rows_json if output_format == "json" else render_rows_text
            click.echo(render(table, histories, times), nl=False)
        else:
            steps = list(count_steps(snapshots, [table]))
            if output_format == "json":
                click.echo(render_steps_json(table, steps, times), nl=False)
            else:
                click.echo(render_steps_text(steps, times), nl=False)


@click.command()
@click.argument("backups", nargs=-1, required=True, metavar="BACKUP...")
@CURRENT_OPTION
@FORMAT_OPTION
@KEEP_ORDER_OPTION
@FROM_OPTION
@JOBS_OPTION
def timeline(
    backups: tuple[str, ...], current: str | None, output_format: str, keep_order: bool,
    forms: tuple[str, ...], jobs: int,
) -> None:  # fmt: skip
    """Show the whole site over time, and the step where an accident happened.

    One column per snapshot (in time order), one line per table: rows
    present, lost (-) and gained (+) since the previous snapshot. Then each
    step with its findings (blanked, truncated, bulk... as repairkit diff
    finds them). A step that damaged values or lost many rows at once is
    the accident; the snapshot before it is the last good backup. Start a
    recovery here (docs/history.md).

    Exit status: 0 no accident seen, 1 an accident seen, 2 trouble.

    \b
    Example:
        repairkit timeline mon/ tue/ wed/ --current today/
        repairkit timeline backups/*.sql --current postgresql://localhost/site --format json
    """
    with library_errors_as_cli_errors(), worker_pool(jobs) as map_files:
        snapshots, times = read_series(backups, current, forms, map_files, keep_order)
        if len(snapshots) < 2:
            raise RepairkitClickError("a timeline needs at least two snapshots")
        result = build_timeline(snapshots)
        render = render_timeline_json if output_format == "json" else render_timeline_text
        click.echo(render(result, times), nl=False)
    sys.exit(1 if result.accident else 0)
