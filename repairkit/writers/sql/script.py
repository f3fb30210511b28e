"""RestorePlan -> one SQL script for one engine: ``render_sql``.

The script inserts the planned rows in the plan's order, each only where its
primary key is still free when the script runs, inside one transaction that
the engine rolls back at the first error. Then it repairs the planned fields,
each only where the field still holds the damaged value the plan saw, and
lists the fields it skipped because they changed since. Before any text is returned, every
value is checked against what the engine can store exactly, and every
statement is checked with sqlparse to be exactly one statement of the kind
it was written as, so that no value can end a statement or start another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from repairkit.errors import EmitError, UnstorableValueError
from repairkit.plan import RestorePlan
from repairkit.snapshot import Value
from repairkit.writers.emitted import EmitOptions, Emitted
from repairkit.writers.storable import (
    ValueProblem,
    find_value_problems,
    iterate_plan_values,
    problem_in_utf8,
)

from .check import check_expressions, check_statements
from .dialect import Dialect, content_types_used
from .mysql import MySQLDialect
from .postgresql import PostgreSQLDialect
from .sqlite import SQLiteDialect

DIALECTS: dict[str, type[Dialect]] = {
    dialect.name: dialect for dialect in (SQLiteDialect, PostgreSQLDialect, MySQLDialect)
}
_COMMENT_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Branches per SELECT of the skipped-fields report: SQLite allows 500 by default.
_REPORT_CHUNK = 400


@dataclass(frozen=True, slots=True)
class SqlScript:
    """A restore script for one engine, and doubts that only the live database settles."""

    dialect: str
    text: str
    statements: tuple[str, ...]
    warnings: tuple[ValueProblem, ...]

    def __repr__(self) -> str:
        return f"<SqlScript {self.dialect} {len(self.statements)} statements>"


def make_dialect(
    name: str, *, primary_keys: dict[str, str] | None = None, utf8mb4: bool = False
) -> Dialect:
    """Return the Dialect called ``name`` (``sqlite``, ``postgresql``, ``mysql``).

    :raises EmitError: if there is no such dialect.
    """
    if name not in DIALECTS:
        raise EmitError(f"unknown SQL dialect {name!r}; known: {', '.join(sorted(DIALECTS))}")
    if name == MySQLDialect.name:
        return MySQLDialect(primary_keys, utf8mb4=utf8mb4)
    return DIALECTS[name](primary_keys)


def render_sql(
    plan: RestorePlan,
    dialect: str,
    *,
    primary_keys: dict[str, str] | None = None,
    utf8mb4: bool = False,
) -> SqlScript:
    """Return the SQL script that reinstates the rows of ``plan`` on a ``dialect`` database.

    ``primary_keys`` names the primary key column of tables that links point
    to but the plan does not hold (default ``id``). ``utf8mb4`` asserts, for
    MySQL, that every text column is utf8mb4, which silences the warnings
    about 4-byte characters.

    :raises UnstorableValueError: if a value cannot be stored exactly by the engine.
    :raises EmitError: if the dialect is unknown, or a statement does not parse as written.
    """
    engine = make_dialect(dialect, primary_keys=primary_keys, utf8mb4=utf8mb4)

    def check_value(value: Value) -> str | None:
        return problem_in_utf8(value) or engine.problem_with(value)

    problems = find_value_problems(plan, check_value)
    if problems:
        raise UnstorableValueError(engine.title, problems)
    warnings = find_value_problems(plan, engine.warning_for)

    sections: list[tuple[str | None, list[str]]] = [(None, engine.render_before())]
    content_types = content_types_used(plan)
    if content_types:
        sections.append(
            ("Content types are looked up by name: each must exist here.",
             [engine.render_content_type_check(value) for value in content_types])
        )  # fmt: skip
    checked_whole = [statement for _, part in sections for statement in part]
    for table in plan.tables:
        if table.rows:
            sources = sorted({row.source for row in table.rows})
            about = f"{table.name}: {len(table.rows)} row(s) from {', '.join(sources)}"
            inserts = engine.render_inserts(table)
            sections.append((about, inserts.statements))
            checked_whole += inserts.shapes
    if plan.updates:
        sections.extend(_update_sections(engine, plan))
        checked_whole += [sections[-2][1][0], *sections[-1][1]]
    closing = [*engine.render_after(plan), *engine.render_end()]
    sections.append((None, closing))
    checked_whole += closing
    check_statements(checked_whole)
    # The other INSERTs differ from the first of their table only in these values.
    check_expressions({engine.render_value(value) for *_, value in iterate_plan_values(plan)})
    statements = tuple(statement for _, part in sections for statement in part)
    return SqlScript(engine.name, _lay_out(engine, plan, sections), statements, tuple(warnings))


def _update_sections(engine: Dialect, plan: RestorePlan) -> list[tuple[str | None, list[str]]]:
    """Return the field repairs, then the report of the fields skipped."""
    updates = [engine.render_update(u, engine.target_pk(plan, u.table)) for u in plan.updates]
    chunks = [
        plan.updates[start : start + _REPORT_CHUNK]
        for start in range(0, len(plan.updates), _REPORT_CHUNK)
    ]
    report = [engine.render_skipped_report(chunk, plan) for chunk in chunks]
    return [
        (f"Field repairs: {len(updates)} value(s), each set only where the field still holds"
         " the value the plan saw.", updates),
        ("Fields skipped because they changed since the plan (kept as they are);"
         " no rows listed: none was.", report),
    ]  # fmt: skip


def _lay_out(
    engine: Dialect, plan: RestorePlan, sections: list[tuple[str | None, list[str]]]
) -> str:
    # Laid out by hand rather than with sqlparse.format, which takes seconds
    # per megabyte of literals; statements are already one clause per line.
    lines = [*engine.shell_lines(), *_header(engine, plan)]
    for about, statements in sections:
        lines.append("")
        if about:
            lines.append(_comment(about))
        lines.extend(statements)
    return "\n".join(lines) + "\n"


def _header(engine: Dialect, plan: RestorePlan) -> list[str]:
    text = [
        f"repairkit restore script for {engine.title}.",
        f"Reinstates {plan.row_count} row(s) in {sum(1 for t in plan.tables if t.rows)} table(s)"
        f" missing from {plan.current}, taken from {', '.join(plan.backups)}.",
        f"Run: {engine.apply_command}",
        "Each row is inserted only if its primary key is still free when this runs;",
        *_repairs_line(plan),
        "everything happens in one transaction.",
        *engine.header_notes(),
    ]
    return [_comment(line) for line in text]


def _repairs_line(plan: RestorePlan) -> list[str]:
    if not plan.updates:
        return []
    count = len(plan.updates)
    return [f"repairs {count} field(s), each only where it still holds the value the plan saw;"]


def _comment(text: str) -> str:
    # Table names and paths come from the dump: keep them from ending the comment line.
    return "-- " + _COMMENT_UNSAFE.sub("?", text)


__all__ = ["DIALECTS", "EmitError", "SqlScript", "make_dialect", "render_sql"]


def emit_sql(plan: RestorePlan, options: EmitOptions) -> Emitted:
    """Render ``plan`` as ``repair.DIALECT.sql`` for the database's own client (``--emit sql``).

    :raises EmitError: if ``options`` name no dialect.
    """
    if options.dialect is None:
        raise EmitError("--dialect goes with --emit sql, and --emit sql needs it")
    script = render_sql(
        plan,
        options.dialect,
        primary_keys=dict(options.primary_keys),
        utf8mb4=options.utf8mb4,
    )
    name = f"repair.{options.dialect}.sql"
    command = DIALECTS[options.dialect].apply_command.replace("repair.sql", name)
    return Emitted({name: script.text}, script.warnings, f"run: {command}", name)
