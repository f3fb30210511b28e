"""Read a restore directory as data, into the restore engine's records.

The rows come from repairkit's own Lino reader (``read_lino_dump``); nothing
in the directory is executed. They become the engine's ``SourceTable``s
(``repairkit.restore_engine``), which put them back. On top of the reader, this module knows the
data file and line of every row, so that an error can point at the line a
reviewer would edit, and it accepts what a review leaves behind: a reviewer
deletes lines, so no row count is checked, but every data file must still
end with ``loader.flush_deferred_objects()``, which shows it was not cut off.

The field repairs are in ``updates.json`` (``repairkit.updates_file``), read
only if restore.py names it in an ``UPDATES_FILE = "..."`` line; a directory
with updates and no rows has a restore.py without data files.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from repairkit.errors import DumpFormatError, DumpNotFoundError, RepairkitError
from repairkit.readers.lino.dump import RESTORE_FILE, LinoRowStore, read_lino_dump
from repairkit.readers.lino.restore import read_restore_module
from repairkit.readers.lino.scan import read_data_file
from repairkit.restore_engine.records import (
    ContentTypeName,
    JsonText,
    RestoreFailed,
    SourceTable,
    Update,
)
from repairkit.snapshot import ContentTypeRef, JsonValue, Table, Value
from repairkit.updates_file import UPDATES_FILE, FileUpdate, read_updates_file

FOOTER = b"loader.flush_deferred_objects()"
_PART = re.compile(r"(.+)_\d+")


def read_restore_data(directory: Path) -> tuple[list[SourceTable], list[Update]]:
    """Read the rows and the field repairs of the restore directory, for the engine.

    :raises RestoreFailed: for what ``read_restore_dir`` and ``read_updates`` raise.
    """
    try:
        tables = read_restore_dir(directory)
        updates = [
            Update(update.table, update.pk, update.column, update.corrupted, update.restored,
                   update.where)
            for update in read_updates(directory)
        ]  # fmt: skip
    except RepairkitError as err:
        raise RestoreFailed(f"{type(err).__name__}: {err}") from err
    return tables, updates


def read_restore_dir(directory: Path) -> list[SourceTable]:
    """Read every table of the restore directory, in load order (as restore.py lists them).

    Each row's location (``"file.py:line"``) goes with it, for the engine's errors.

    :raises DumpNotFoundError: if there is no restore.py or a listed file is missing.
    :raises DumpFormatError: if a file is outside the dump grammar or has no footer.
    """
    declared = _read_declarations(directory / RESTORE_FILE)
    if declared.updates_file and not declared.lists_data_files:
        return []  # only updates: restore.py has no create_ functions for the reader
    snapshot = read_lino_dump(directory)
    module = read_restore_module(directory / RESTORE_FILE)
    files: dict[str, list[Path]] = {}
    for file_name, _ in module.data_files:
        stem = file_name.removesuffix(".py")
        part = _PART.fullmatch(stem)
        table = stem if stem in snapshot.tables or not part else part.group(1)
        files.setdefault(table, []).append(directory / file_name)
    return [_read_table(table, files.get(table.name, [])) for table in snapshot.tables.values()]


def read_updates(directory: Path) -> list[FileUpdate]:
    """Read the field repairs that restore.py names (``UPDATES_FILE``), or none.

    :raises DumpNotFoundError: if there is no restore.py.
    :raises DumpFormatError: if the named file is missing or not an updates file,
        or an updates file is there that restore.py does not name.
    """
    restore = directory / RESTORE_FILE
    declared = _read_declarations(restore)
    name, line = declared.updates_file, declared.line
    if name is None:
        if (directory / UPDATES_FILE).exists():
            raise DumpFormatError(
                directory / UPDATES_FILE, None,
                f"not named in {RESTORE_FILE} (no UPDATES_FILE line): delete it, or the updates"
                " would silently not run",
            )  # fmt: skip
        return []
    path = directory / name
    if Path(name).name != name or (path.exists() and path.resolve().parent != directory.resolve()):
        raise DumpFormatError(restore, line, f"names {name!r}, which is not a file of {directory}")
    if not path.is_file():
        raise DumpFormatError(restore, line, f"names {name!r}, which does not exist")
    return read_updates_file(path)


@dataclass(frozen=True, slots=True)
class _Declarations:
    """What restore.py says it holds, besides the tables."""

    updates_file: str | None  # from its ``UPDATES_FILE = "..."`` line
    line: int | None  # of that line
    lists_data_files: bool  # its main() calls execfile()


def _read_declarations(restore: Path) -> _Declarations:
    """Read the ``UPDATES_FILE`` line and whether main() lists data files, without running it."""
    if not restore.is_file():
        raise DumpNotFoundError(restore, "missing: not a restore directory")
    try:
        tree = ast.parse(restore.read_text(encoding="utf-8"), filename=str(restore))
    except (SyntaxError, UnicodeDecodeError) as err:
        raise DumpFormatError(restore, getattr(err, "lineno", None), f"not valid: {err}") from err
    name: str | None = None
    line: int | None = None
    lists_files = False
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["UPDATES_FILE"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            name, line = node.value.value, node.lineno
        elif isinstance(node, ast.FunctionDef) and node.name == "main":
            lists_files = any(
                isinstance(call, ast.Call) and getattr(call.func, "id", None) == "execfile"
                for call in ast.walk(node)
            )
    return _Declarations(name, line, lists_files)


def _read_table(table: Table, files: list[Path]) -> SourceTable:
    for path in files:
        data = read_data_file(path)
        if data.rstrip().rpartition(b"\n")[2].strip() != FOOTER:
            raise DumpFormatError(path, None, f"does not end with {FOOTER.decode()!r} (cut off?)")
    store = table.store
    locations = store.locations() if isinstance(store, LinoRowStore) else {}
    rows = table.decode()
    return SourceTable(
        table.name,
        tuple(column.name for column in table.columns),
        table.pk,
        [tuple(map(_engine_value, values)) for values in rows.values()],
        tuple(locations.get(pk, "?") for pk in rows),
    )


def _engine_value(value: Value) -> object:
    # The engine imports no repairkit, so it has records of its own for content types
    # and JSON documents. A document goes as the text its source stored (JSON null is
    # 'null', which the engine writes as JSON null; SQL NULL is None).
    if isinstance(value, ContentTypeRef):
        return ContentTypeName(value.app_label, value.model)
    if isinstance(value, JsonValue):
        return JsonText(value.stored_text)
    return value
