"""Write a changed copy of a Lino dump2py directory by rewriting its lines.

Each changed argument of a row is replaced by its Python literal (``repr``
for texts), which repairkit's reader accepts like dump2py's own output;
every other byte of the row stays as it was. Deleted rows are dropped,
added rows are appended to the table's last part, and the counts announced
by ``logger.info("Loading N objects ...")`` are updated.
"""

from __future__ import annotations

import ast
import datetime
import re
import shutil
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repairkit.snapshot import ContentTypeRef, Snapshot, Value

if TYPE_CHECKING:
    from corruption_corpus import CorpusBuilder

_COUNT = re.compile(r'(logger\.info\("Loading )(\d+)( objects)')
_ROW = "loader.save(create_"


def write_dump(source: Path, target: Path, b: CorpusBuilder) -> None:
    """Copy ``source`` to ``target`` with the builder's changes, deletions and additions."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    model_globals = {
        table.model.lower(): table.model.replace(".", "_")
        for table in b.snapshot.tables.values() if table.model
    }  # fmt: skip
    # In load order: orderitem_2.py before orderitem_10.py.
    data_files = sorted(
        (path for path in target.glob("*.py") if path.name != "restore.py"),
        key=lambda path: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name)],
    )
    last_part = {_table_of_file(path.name, b.snapshot): path for path in data_files}
    for path in data_files:
        table = _table_of_file(path.name, b.snapshot)
        columns = b.snapshot.tables[table].column_names
        count = len(b.records[table]) - len(b.deleted[table]) + len(b.added[table])
        lines: list[str] = []
        after_rows = 0  # the reader wants a file's rows in one block: add rows after the last
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(_ROW):
                rewritten = _rewrite_row(line, table, columns, b, model_globals)
                if rewritten is None:
                    continue
                line = rewritten
                after_rows = len(lines) + 1
            lines.append(_COUNT.sub(rf"\g<1>{count}\g<3>", line))
        if path == last_part[table]:
            lines[after_rows:after_rows] = [
                _row_line(table, columns, row, model_globals) for row in b.added[table]
            ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _table_of_file(name: str, snapshot: Snapshot) -> str:
    stem = name.removesuffix(".py")
    return stem if stem in snapshot.tables else stem.rpartition("_")[0]


def _rewrite_row(
    line: str, table: str, columns: tuple[str, ...], b: CorpusBuilder, model_globals: dict[str, str]
) -> str | None:
    if any(b.snapshot.tables[table].column(c).kind.value == "babel" for c in columns):
        return line  # the corpus leaves multilingual tables alone
    call = ast.parse(line).body[0].value.args[0]  # type: ignore[attr-defined]
    pk_index = columns.index(b.snapshot.tables[table].pk)
    pk = ast.literal_eval(call.args[pk_index])
    if pk in b.deleted[table]:
        return None
    new_values = b.changes[table].get(pk)
    if not new_values:
        return line
    arguments = [
        literal(new_values[column], model_globals) if column in new_values
        else str(ast.get_source_segment(line, node))
        for column, node in zip(columns, call.args, strict=True)
    ]  # fmt: skip
    return f"{_ROW}{table}({','.join(arguments)}))"


def _row_line(
    table: str, columns: Iterable[str], row: dict[str, Value], model_globals: dict[str, str]
) -> str:
    return f"{_ROW}{table}({','.join(literal(row[c], model_globals) for c in columns)}))"


def literal(value: Any, model_globals: dict[str, str]) -> str:
    """Write a value the way dump2py does (``repr`` for texts, which the reader accepts)."""
    if isinstance(value, Decimal):
        return repr(str(value))
    if isinstance(value, datetime.datetime):
        return (
            f"dt({value.year},{value.month},{value.day},{value.hour},{value.minute},{value.second})"
        )
    if isinstance(value, datetime.date):
        return f"date({value.year},{value.month},{value.day})"
    if isinstance(value, datetime.time):
        return f"time({value.hour},{value.minute},{value.second})"
    if isinstance(value, ContentTypeRef):
        return model_globals[str(value)]
    return repr(value)
