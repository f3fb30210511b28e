"""RestorePlan -> one standalone Python script for Django's ORM: ``render_django_script``.

For sites where neither Lino's tooling nor repairkit is at hand: the script
imports only Django, the site's models (through its settings) and the
standard library. It holds the plan's rows, then its code
(the modules of ``repairkit.restore_engine``, copied), and is run as

    python repair_django.py --settings mysite.settings [--apply]

Values are written as Python literals of a small fixed grammar: ``None``,
``True``/``False``, numbers and strings (``repr``, which escapes every
character that is not printable), and tagged tuples for the other types
(``repairkit.tagged_values``), which the engine's ``decode_value`` reads. Before the text is
returned, the data part is parsed back with ``ast.literal_eval`` and
compared with what was meant, so that no value can end its literal or be
read as another.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from repairkit import restore_engine
from repairkit.errors import EmitError, UnstorableValueError
from repairkit.plan import PlannedUpdate, RestorePlan
from repairkit.snapshot import Value
from repairkit.tagged_values import encode_value
from repairkit.writers.emitted import EmitOptions, Emitted
from repairkit.writers.storable import ValueProblem, find_nul, find_value_problems, problem_in_utf8

SCRIPT_FILE = "repair_django.py"
APPLY_COMMAND = f"python {SCRIPT_FILE} --settings mysite.settings --apply"
_CODE_DIR = Path(restore_engine.__file__).parent
_COMMENT_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TARGET = "a Django restore script"


@dataclass(frozen=True, slots=True)
class DjangoScript:
    """A standalone restore script, and the doubts about it that only the target site settles."""

    text: str
    row_count: int
    update_count: int
    warnings: tuple[ValueProblem, ...]

    def __repr__(self) -> str:
        return f"<DjangoScript {self.row_count} rows {self.update_count} updates>"


def render_django_script(plan: RestorePlan) -> DjangoScript:
    """Return the standalone Django script that reinstates ``plan``'s rows and repairs its fields.

    :raises UnstorableValueError: if a value has no exact literal (a lone
        surrogate, an infinite float or Decimal).
    :raises EmitError: if the data does not read back as written (a bug, never expected).
    """
    problems = find_value_problems(plan, _problem_in_literal)  # rows and field repairs
    if problems:
        raise UnstorableValueError(_TARGET, problems)
    warnings = find_value_problems(plan, _nul_warning)
    tables = [table for table in plan.tables if table.rows]
    data_lines, meant = _render_data(plan)
    _check_data(data_lines, meant)
    header = _header(plan, len(tables))
    code = _read_code()
    text = "\n".join([
        "#!/usr/bin/env python3", *header, "from __future__ import annotations", "",
        *data_lines, "", code.rstrip("\n"), "", "",
        'if __name__ == "__main__":',
        "    sys.exit(main(TABLES, UPDATES, sys.argv[1:], __file__))", "",
    ])  # fmt: skip
    return DjangoScript(text, plan.row_count, len(plan.updates), tuple(warnings))


def _read_code() -> str:
    """Return the script's code: the parts of ``restore_engine``, as one module."""
    return "\n\n\n".join(_script_part(_CODE_DIR / f"{part}.py") for part in restore_engine.PARTS)


def _script_part(path: Path) -> str:
    """Return a part's text without what only a module of its own needs.

    Left out: the docstring, ``from __future__`` (the script has it at the
    top) and imports of the other parts (in the script they are one module).
    """
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    dropped: set[int] = set()
    for index, node in enumerate(ast.parse(source).body):
        is_docstring = index == 0 and isinstance(node, ast.Expr)
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        is_part = isinstance(node, ast.ImportFrom) and node.level > 0
        if is_docstring or is_future or is_part:
            dropped.update(range(node.lineno - 1, node.end_lineno or node.lineno))
    return "\n".join(line for n, line in enumerate(lines) if n not in dropped).strip("\n")


def _header(plan: RestorePlan, table_count: int) -> list[str]:
    lines = [
        f"repairkit restore script for Django: {plan.row_count} row(s) in {table_count}"
        f" table(s) missing from {plan.current}, taken from {', '.join(plan.backups)};",
        f"{len(plan.updates)} field repair(s).",
        "",
        "Run it where the site's settings can be imported (the current directory, or",
        "--pythonpath DIR); it needs Django and the site, not repairkit:",
        f"    python {SCRIPT_FILE} --settings mysite.settings           # dry run",
        f"    python {SCRIPT_FILE} --settings mysite.settings --apply   # commit",
        "",
        "Everything happens in one transaction; a dry run does all of it, checks, and",
        "rolls back. A row is inserted only if its primary key is still free (a second",
        "run inserts nothing); a field is repaired only where it still holds the value",
        "the plan saw. Any failure names the row, exits 1 and changes nothing.",
        "",
        "TABLES: one row per line, values in the order of 'columns'. To keep a row out,",
        "delete its line. Tagged values: ('Decimal', text), ('date', ISO), ('datetime',",
        "ISO, UTC), ('time', ISO), ('content_type', app_label, model).",
        "UPDATES: (table, pk, column, value the plan saw, value to put back, reason, source).",
    ]
    return [("# " + _COMMENT_UNSAFE.sub("?", line)).rstrip() for line in lines]


def _render_data(plan: RestorePlan) -> tuple[list[str], tuple[Any, Any]]:
    """Return the lines defining TABLES and UPDATES, and the Python values they must read as."""
    lines = ["TABLES = ["]
    tables: list[dict[str, Any]] = []
    for table in plan.tables:
        if not table.rows:
            continue
        columns = tuple(column.name for column in table.columns)
        rows = [tuple(encode_value(value) for value in row.values) for row in table.rows]
        tables.append(
            {"table": table.name, "model": table.model, "columns": columns, "pk": table.pk,
             "rows": rows}
        )  # fmt: skip
        sources = ", ".join(sorted({row.source for row in table.rows}))
        lines += [
            "    {",
            f"        # {len(rows)} row(s) from {_COMMENT_UNSAFE.sub('?', sources)}",
            f"        'table': {table.name!r},",
            f"        'model': {table.model!r},",
            f"        'columns': {_literal(columns)},",
            f"        'pk': {table.pk!r},",
            "        'rows': [",
            *(f"            {_literal(row)}," for row in rows),
            "        ],",
            "    },",
        ]
    lines += ["]", "UPDATES = ["]
    updates = [_encode_update(update) for update in plan.updates]
    lines += [f"    {_literal(update)}," for update in updates]
    lines.append("]")
    return lines, (tables, updates)


def _encode_update(update: PlannedUpdate) -> tuple[Any, ...]:
    return (
        update.table, update.pk, update.column, encode_value(update.corrupted),
        encode_value(update.restored), update.reason, update.source,
    )  # fmt: skip


def _literal(value: Any) -> str:
    """Return a Python literal for plain values and tuples of them, on one line."""
    if isinstance(value, tuple):
        inner = ", ".join(_literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    # repr of a str escapes quotes, backslashes, line breaks and every other
    # character that is not printable, so a value stays on its line.
    return repr(value)


def _check_data(lines: list[str], meant: tuple[Any, Any]) -> None:
    """Parse the data lines back as literals; they must equal what was meant.

    :raises EmitError: if they do not.
    """
    text = "\n".join(lines)
    tables_text, _, updates_text = text.partition("\nUPDATES = ")
    try:
        found = (
            ast.literal_eval(tables_text.removeprefix("TABLES = ")),
            ast.literal_eval(updates_text),
        )
    except (SyntaxError, ValueError) as err:
        raise EmitError(f"the script's data does not parse as literals: {err}") from err
    for what, got, wanted in zip(("TABLES", "UPDATES"), found, meant, strict=True):
        if _normalized(got) != _normalized(wanted):
            raise EmitError(f"the script's {what} do not read back as written")


def _normalized(value: Any) -> Any:
    # Lists and tuples compare unequal to each other; the data only needs the items.
    if isinstance(value, (list, tuple)):
        return [_normalized(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalized(item) for key, item in value.items()}
    if isinstance(value, (bool, float)):
        return (type(value).__name__, value)  # True == 1 == 1.0 otherwise
    return value


def _problem_in_literal(value: Value) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float {value!r} has no literal"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"Decimal {value!r} is not a finite number"
    return problem_in_utf8(value)


def _nul_warning(value: Value) -> str | None:
    offset = find_nul(value)
    if offset is None:
        return None
    return f"NUL character at offset {offset}: the script will fail on PostgreSQL"


def emit_django_script(plan: RestorePlan, options: EmitOptions) -> Emitted:
    """Render ``plan`` as a standalone script for Django's ORM (``--emit django``)."""
    script = render_django_script(plan)
    return Emitted(
        {SCRIPT_FILE: script.text}, script.warnings, f"run: {APPLY_COMMAND}", SCRIPT_FILE
    )
