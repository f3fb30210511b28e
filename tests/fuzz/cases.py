"""Run one fuzz case inside a worker process and classify what happened.

A case is read through the API (``read_snapshot``, then every row decoded)
and through the command line (``repairkit diff MUTANT MUTANT`` and
``repairkit diff ORIGINAL MUTANT``, run in-process with a strict UTF-8
stdout as a terminal has). The oracles:

- an API error is a ``RepairkitError``; with a location (file:line) it is
  ``named``, without one ``unlocated``; anything else is a ``traceback``;
- ``letter``: the reading differs from the original in exactly that value;
- an accepted Lino data file or restore.py is one that Python's own parser
  reads (``ast``, never run), with one row per ``loader.save`` line;
- an accepted SQLite dump reads as SQLite itself loads it (``executescript``
  into a database, read back through ``sqlite:///``);
- the CLI exits 2 where the API refuses, 0 for ``diff X X`` where it
  accepts, never shows a traceback or an internal error, and never sends a
  control character to the terminal.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import re
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repairkit.errors import DumpFormatError, RepairkitError
from repairkit.snapshot import ColumnKind, Snapshot

# Outcome classes of the API reading, in the columns' order.
ACCEPTED, NAMED, UNLOCATED, TRACEBACK, HANG, MEMORY, CRASH = (
    "accepted", "named", "unlocated", "traceback", "hang", "memory", "crash",
)  # fmt: skip
INTERNAL_ERROR_SIGN = "internal error"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class CaseTimeout(BaseException):
    """Raised by the CPU-time alarm; a BaseException so that no ``except Exception`` eats it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one case did: the API's class, and the failures the oracles found."""

    api: str
    detail: str
    wrong_reading: str | None = None
    cli_problem: str | None = None

    @property
    def failed(self) -> bool:
        return (
            self.api in (TRACEBACK, HANG, MEMORY, CRASH)
            or self.wrong_reading is not None
            or self.cli_problem is not None
        )


def read_fully(source: Path, reader: str) -> Snapshot:
    """Read ``source`` and decode every row, so that no line goes unchecked."""
    from repairkit.readers import read_snapshot

    snapshot = read_snapshot(source, form=reader)
    for table in snapshot.tables.values():
        table.decode()
    return snapshot


def classify_error(error: BaseException) -> tuple[str, str]:
    """Return the API class of an error raised by a reading, and its first line."""
    text = f"{type(error).__name__}: {error}".splitlines()[0][:300] if str(error) else repr(error)
    if isinstance(error, CaseTimeout):
        return HANG, "CPU time limit"
    if isinstance(error, MemoryError):
        return MEMORY, text
    if isinstance(error, DumpFormatError):
        return (NAMED if error.line is not None else UNLOCATED), text
    if isinstance(error, RepairkitError):
        return UNLOCATED, text
    return TRACEBACK, text


def check_letter(original: Snapshot, mutant: Snapshot, old: str, new: str) -> str | None:
    """Return why ``mutant`` is not ``original`` with the one value ``old`` -> ``new``, or None."""
    from repairkit.diff import diff_snapshots

    changeset = diff_snapshots(original, mutant)
    summary = changeset.summary
    fields = [
        (table, change.pk, field)
        for table, diff in changeset.tables.items()
        for change in diff.changed
        for field in change.fields
    ]
    if summary.deleted or summary.added or changeset.old_only_tables or changeset.new_only_tables:
        return f"{old!r} -> {new!r} read as rows deleted/added ({summary})"
    if len(fields) != 1:
        return f"{old!r} -> {new!r} read as {len(fields)} changed values"
    table, pk, field = fields[0]
    if (field.old, field.new) != (old, new):
        read = f"{table} {pk!r} {field.column}: {field.old!r} -> {field.new!r}"
        return f"{old!r} -> {new!r} read as {read}"
    return None


def check_lino_file(target: Path, snapshot: Snapshot) -> str | None:
    """Return why Python's parser disagrees with an accepted Lino file, or None."""
    data = target.read_bytes()
    try:
        tree = ast.parse(data, filename=target.name)
    except (SyntaxError, ValueError, UnicodeDecodeError) as err:
        return f"accepted, but Python cannot parse it: {type(err).__name__}: {err}"
    if target.name == "restore.py":
        return None
    saves = [
        node for node in tree.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "save"
    ]  # fmt: skip
    table = snapshot.tables.get(target.stem)
    rows = len(table) if table is not None else 0
    if rows != len(saves):
        return f"accepted with {rows} rows of {target.stem}, Python reads {len(saves)} saves"
    if table is not None:
        return _check_marked_columns(table, saves)
    return None


def _check_marked_columns(table: Any, saves: list[ast.Expr]) -> str | None:
    """Return where a marked column (UUID, duration, ...) reads otherwise than its marker, or None.

    Python's reading of such a value is its literal, given to the marker's
    call (``uuid.UUID(x)``, ``parse_duration(x)``, ...), as restore.py would run it.
    """
    marked = [
        (index, column) for index, column in enumerate(table.columns)
        if column.kind in _MARKER_READINGS
    ]  # fmt: skip
    if not marked or any(column.kind is ColumnKind.BABEL for column in table.columns):
        return None
    for save, row in zip(saves, table.decode().values(), strict=True):
        arguments = save.value.args[0].args  # type: ignore[attr-defined]
        for index, column in marked:
            literal = ast.literal_eval(arguments[index])
            try:
                expected = None if literal is None else _MARKER_READINGS[column.kind](literal)
            except (ValueError, TypeError) as err:
                return f"accepted {column.name} {literal!r:.60}, which its marker refuses: {err}"
            got = row[index]
            if column.kind is ColumnKind.JSON and got is not None:
                # As data, compared by its text: NaN, which json.loads takes, is no NaN's equal.
                expected, got = json.dumps(expected), json.dumps(got.load())
            if expected != got or type(expected) is not type(got):
                return f"{column.name} {literal!r:.60} read as {got!r:.60}, not {expected!r:.60}"
    return None


def _parse_duration(text: str) -> object:
    from django.utils.dateparse import parse_duration

    parsed = parse_duration(text)
    if parsed is None:
        raise ValueError("parse_duration gives None")
    return parsed


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


_MARKER_READINGS: dict[ColumnKind, Callable[[str], object]] = {
    ColumnKind.UUID: uuid.UUID, ColumnKind.DURATION: _parse_duration,
    ColumnKind.BINARY: _b64decode, ColumnKind.JSON: json.loads,
}  # fmt: skip


def check_sqlite_dump(path: Path, snapshot: Snapshot, scratch: Path) -> str | None:
    """Return how SQLite's own loading of the dump differs from repairkit's reading, or None."""
    from repairkit.diff import diff_snapshots
    from repairkit.readers import read_snapshot

    database = scratch / "engine.sqlite3"
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    try:
        connection.executescript(path.read_bytes().decode("utf-8"))  # no newline translation
    except (sqlite3.Error, UnicodeDecodeError, ValueError) as err:
        return f"accepted, but SQLite refuses it: {type(err).__name__}: {err}"
    finally:
        connection.close()
    try:
        engine = read_snapshot(f"sqlite:///{database}")
    except RepairkitError as err:
        return f"accepted, but SQLite's loading of it cannot be read: {err}"
    changeset = diff_snapshots(engine, snapshot)
    if changeset.has_differences:
        return f"reads differently from SQLite's loading: {_first_difference(changeset)}"
    return None


def _first_difference(changeset: object) -> str:
    from repairkit.diff import Changeset

    assert isinstance(changeset, Changeset)
    for name, diff in changeset.tables.items():
        for change in diff.changed:
            field = change.fields[0]
            return f"{name} {change.pk!r} {field.column}: SQLite {field.old!r}, read {field.new!r}"
        if diff.deleted or diff.added:
            return f"{name}: rows {list(diff.deleted)[:3]} / {list(diff.added)[:3]}"
    return f"tables {list(changeset.old_only_tables)} / {list(changeset.new_only_tables)}"


@dataclass(frozen=True, slots=True)
class CliRun:
    """One in-process run of the command line."""

    exit_code: int | None  # None: an exception escaped ``main``
    output: str  # stdout and stderr, decoded with replacement for the checks
    escaped: str | None  # the exception that escaped, if one did


def run_cli(*args: str) -> CliRun:
    """Run ``repairkit ARGS`` as a terminal would: stdout and stderr strict UTF-8."""
    from repairkit.cli import main

    with _captured() as buffers:
        try:
            main(list(args))
            code: int | None = 0
            escaped = None
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            escaped = None
        except CaseTimeout:
            raise
        except BaseException as err:  # what a real process would show as a traceback
            code, escaped = None, f"{type(err).__name__}: {err}"[:300]
    output = b"".join(buffer.getvalue() for buffer in buffers).decode("utf-8", "replace")
    return CliRun(code, output, escaped)


@contextmanager
def _captured() -> Iterator[list[io.BytesIO]]:
    buffers = [io.BytesIO(), io.BytesIO()]
    streams = [io.TextIOWrapper(buffer, encoding="utf-8", errors="strict") for buffer in buffers]
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = streams
    try:
        yield buffers
    finally:
        for stream in streams:
            try:
                stream.flush()
            except UnicodeError:
                pass  # what could not be written is what the check looks for
            stream.detach()
        sys.stdout, sys.stderr = saved


def check_cli(original: Path, mutant: Path, api: str) -> tuple[str | None, str | None]:
    """Run the two diffs; return (CLI problem, wrong reading), each None when all is well."""
    accepted = api == ACCEPTED
    same = run_cli("diff", str(mutant), str(mutant), "--jobs", "1", "--summary")
    problem = _cli_problem(same, {0} if accepted else {2}, "diff X X")
    wrong = None
    if not accepted and same.exit_code == 0:
        wrong, problem = "diff X X accepts it, but a full reading refuses it", None
    pair = run_cli("diff", str(original), str(mutant), "--jobs", "1")
    problem = problem or _cli_problem(pair, {0, 1} if accepted else {2}, "diff ORIGINAL X")
    return problem, wrong


def _cli_problem(run: CliRun, expected: set[int], what: str) -> str | None:
    if run.escaped is not None:
        return f"{what}: traceback {run.escaped}"
    if INTERNAL_ERROR_SIGN in run.output or "Traceback (most recent call last)" in run.output:
        lines = run.output.strip().splitlines()
        shown = next((line for line in lines if INTERNAL_ERROR_SIGN in line), lines[-1])
        return f"{what}: {shown[:200]}"
    control = _CONTROL.search(run.output)
    if control is not None:
        return f"{what}: control character {control.group()!r} sent to the terminal"
    if run.exit_code == 2 and "cannot tell the format" in run.output:
        return None  # a mutant no format claims: the API was told its format, the CLI was not
    if run.exit_code not in expected:
        return f"{what}: exit {run.exit_code}, expected {sorted(expected)}"
    return None
