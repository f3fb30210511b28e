"""The progress bar the command line draws on a terminal's standard error, with rich.

One bar per stage (reading each input, comparing, planning, writing): the
files or tables done of all, the rows so far, and an estimate of the time
left. Only on a terminal: piped or redirected, and with ``--quiet``, nothing
is drawn, and standard output is never touched either way.

rich is imported only when a bar is drawn, so that ``repairkit --version``
and every run whose standard error is no terminal start without it (it
takes about 30 ms to import).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from repairkit.progress import ProgressCallback, ProgressStep
from repairkit.terminal import escape_unsafe, unwrapped

QUIET_OPTION = click.option(
    "--quiet", "-q", is_flag=True,
    help="Draw no progress bar (it is drawn on standard error, and only on a terminal).",
)  # fmt: skip


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback that draws on standard error, or None if nobody would see it."""
    stream = unwrapped(sys.stderr)
    if quiet or not _is_terminal(stream):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}  {task.fields[rows]}", markup=False),
        TimeRemainingColumn(),
    )
    console = Console(file=stream)
    # No refresh thread (the bar is drawn when work reports), since worker
    # processes are forked meanwhile; and standard output is left alone.
    bar = Progress(
        *columns, console=console, auto_refresh=False, transient=True,
        redirect_stdout=False, redirect_stderr=False,
    )  # fmt: skip
    tasks: dict[str, TaskID] = {}

    def show(step: ProgressStep) -> None:
        # A stage names an input as the user gave it, which may hold anything.
        description = escape_unsafe(step.stage)
        rows = f"{step.rows:,} rows" if step.rows else ""
        if step.stage not in tasks:
            tasks[step.stage] = bar.add_task(description, total=step.total, unit="", rows="")
        bar.update(
            tasks[step.stage], completed=step.done, total=step.total, unit=step.unit, rows=rows
        )
        bar.refresh()

    with bar:
        yield show


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
