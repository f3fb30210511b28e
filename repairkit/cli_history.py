"""The ``repairkit history`` and ``repairkit timeline`` commands, and the time order of backups.

``merge`` uses ``put_in_time_order`` too: every command that reads a series
of backups sorts them by the times the dumps show, and says so.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from repairkit.cli import (
    FROM_OPTION,
    JOBS_OPTION,
    RepairkitClickError,
    cli,
    library_errors_as_cli_errors,
)
from repairkit.history import count_steps, trace_rows
from repairkit.history_report import (
    Times,
    render_rows_json,
    render_rows_text,
    render_steps_json,
    render_steps_text,
    render_timeline_json,
    render_timeline_text,
)
from repairkit.progress import ProgressCallback
from repairkit.progress_bar import QUIET_OPTION, progress_bar
from repairkit.readers import read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.series import Series
from repairkit.snapshot import Snapshot
from repairkit.snapshot_time import (
    SnapshotTime,
    TimeOrder,
    TimeSource,
    find_data_time,
    order_by_time,
    read_dump_time,
)
from repairkit.timeline import build_timeline
from repairkit.workers import jobs_for_inputs, worker_pool

KEEP_ORDER_OPTION = click.option(
    "--keep-order",
    is_flag=True,
    help="Take the backups in the order given, even where the dumps' times say otherwise"
    " (by default they are put in time order, with a warning).",
)
CURRENT_OPTION = click.option(
    "--current", help="Dump of the database as it is now: the last snapshot of the series."
)


def put_in_time_order(
    sources: Sequence[str], snapshots: Sequence[Snapshot], keep_order: bool,
    current: tuple[str, Snapshot],
) -> tuple[list[str], list[Snapshot], Times]:  # fmt: skip
    """Sort backups that are read already by their dumps' times, warning as ``warn_order`` does.

    Return the sources and snapshots in the order used, and each label's
    time, the current state's last.
    """
    if len({snapshot.label for snapshot in snapshots}) < len(snapshots):
        for snapshot, path in zip(snapshots, sources, strict=True):
            snapshot.label = path  # two backups with one directory name: say which
    times = [read_dump_time(source) for source in sources]
    order = order_by_time(times, lambda index: find_data_time(snapshots[index]))
    indexes = list(range(len(sources))) if keep_order else list(order.order)
    labels = [snapshots[i].label for i in indexes]
    used = [order.times[i] for i in indexes] + [read_dump_time(current[0])]
    warn_order(order, [snapshots[i].label for i in order.order], keep_order)
    warn_newer_than_current([*labels, current[1].label], used)
    return (
        [sources[i] for i in indexes],
        [snapshots[i] for i in indexes],
        list(zip([*labels, current[1].label], used, strict=True)),
    )


def warn_order(order: TimeOrder, by_time: Sequence[str], keep_order: bool) -> None:
    """Say when the order given is not the time order, and which one is used."""
    shown = ", ".join(by_time)
    if order.undated:
        warn(f"no time known for {len(order.undated)} backups: they are taken in the order given")
    elif order.contradicted and keep_order:
        warn(f"--keep-order: taking the backups as given, though their times say {shown}")
    elif order.contradicted:
        warn(
            f"the backups were not given oldest first; their times say {shown}, and that"
            " order is used (pass --keep-order to take them as given)"
        )


def warn_newer_than_current(labels: Sequence[str], times: Sequence[SnapshotTime | None]) -> None:
    """Say when a backup looks newer than the current state (the last of ``times``)."""
    now = times[-1]
    if now is None or now.source is TimeSource.LIVE:
        return
    newer = [label for label, t in zip(labels, times[:-1], strict=False) if t and t.when > now.when]
    if newer:
        warn(f"{labels[-1]} ({now}) is older than the backup {newer[-1]}")


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def open_series(
    backups: Sequence[str], current: str | None, forms: tuple[str, ...], map_files: Any,
    keep_order: bool, progress: ProgressCallback | None = None,
) -> Series:  # fmt: skip
    """Order the backups by their dumps' times (warning where that is not the order given).

    Dumps are read as the series reaches them. A fixture takes the column
    names of the snapshot read before it (the current state is read first),
    as ``read_inputs`` aligns them.
    """
    sources = [*backups, current] if current else list(backups)
    if len(forms) > 1 and len(forms) != len(sources):
        raise click.UsageError(f"give --from once, or once for each of the {len(sources)} inputs")
    chosen: list[str | None] = [*forms] * len(sources) if len(forms) == 1 else [*forms]
    form_of = dict(zip(sources, chosen or [None] * len(sources), strict=True))
    read_already: dict[str, Snapshot] = {}
    previous: list[Snapshot] = []

    def read(source: str) -> Snapshot:
        snapshot = read_already.pop(source, None)
        if snapshot is None:
            snapshot = read_snapshot(
                source, form=form_of[source], map_files=map_files, progress=progress
            )
            if previous:
                snapshot = align_snapshots([previous[0], snapshot])[-1]
        previous[:] = [snapshot]
        return snapshot

    if current:
        read_already[current] = read(current)
    series = Series(backups, current, read, keep_order=keep_order)
    by_time = [Path(source.rstrip("/")).name for source in series.by_time_order]
    warn_order(series.order, by_time, keep_order)
    warn_newer_than_current([Path(s.rstrip("/")).name for s in series.sources], series.times)
    return series


def times_of(series: Series) -> Times:
    """Return each snapshot's label and time, once the series has been read."""
    return list(zip(series.labels, series.times, strict=True))


FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs (docs/history.md).",
)


@click.command()
@click.argument("backups", nargs=-1, required=True, metavar="BACKUP...")
@CURRENT_OPTION
@click.option("--table", required=True, metavar="TABLE", help="The database table to follow.")
@click.option(
    "--pk",
    "pks",
    multiple=True,
    metavar="PK",
    help="Follow this row (repeatable); without --pk, list the rows lost and gained per step.",
)
@FORMAT_OPTION
@KEEP_ORDER_OPTION
@FROM_OPTION
@JOBS_OPTION
@QUIET_OPTION
def history(
    backups: tuple[str, ...], current: str | None, table: str, pks: tuple[str, ...],
    output_format: str, keep_order: bool, forms: tuple[str, ...], jobs: int | None, quiet: bool,
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
    with (
        library_errors_as_cli_errors(),
        worker_pool(jobs_for_inputs(jobs, [*backups, *filter(None, [current])])) as map_files,
        progress_bar(quiet) as progress,
    ):
        series = open_series(backups, current, forms, map_files, keep_order, progress)
        if pks:
            histories = trace_rows(series, table, list(pks))
            render = render_rows_json if output_format == "json" else render_rows_text
            report = render(table, histories, times_of(series))
        else:
            steps = count_steps(series, [table])
            if output_format == "json":
                report = render_steps_json(table, steps, times_of(series))
            else:
                report = render_steps_text(steps, times_of(series))
    click.echo(report, nl=False)  # once the bar is gone


@click.command()
@click.argument("backups", nargs=-1, required=True, metavar="BACKUP...")
@CURRENT_OPTION
@FORMAT_OPTION
@KEEP_ORDER_OPTION
@FROM_OPTION
@JOBS_OPTION
@QUIET_OPTION
def timeline(
    backups: tuple[str, ...], current: str | None, output_format: str, keep_order: bool,
    forms: tuple[str, ...], jobs: int | None, quiet: bool,
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
    with (
        library_errors_as_cli_errors(),
        worker_pool(jobs_for_inputs(jobs, [*backups, *filter(None, [current])])) as map_files,
        progress_bar(quiet) as progress,
    ):
        if len(backups) + bool(current) < 2:
            raise RepairkitClickError("a timeline needs at least two snapshots")
        series = open_series(backups, current, forms, map_files, keep_order, progress)
        result = build_timeline(series)
        render = render_timeline_json if output_format == "json" else render_timeline_text
        report = render(result, times_of(series))
    click.echo(report, nl=False)  # once the bar is gone
    sys.exit(1 if result.accident else 0)


cli.add_command(history)
cli.add_command(timeline)
