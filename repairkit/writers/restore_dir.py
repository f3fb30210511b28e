"""RestorePlan -> a restore directory: ``restore.py`` and one data file per table.

The directory looks like ``dump2py`` output so that a maintainer can review
and edit it with the same eyes (delete a row's line to keep that row out),
and repairkit's Lino reader reads it back. ``restore.py`` is also the script
the user runs: its ``__main__`` part hands over to ``repairkit.runtime``,
which reads the data files as data and inserts the rows.

Three deliberate differences from dump2py:

- Multilingual (babel) fields are written as their real columns (``name``,
  ``name_de``, ``name_fr``), not as one list: a plan holds the columns, and
  the runtime inserts into exactly the columns it reads.
- A data file announces no row count (``Loading N objects``), since the
  reader would reject a file whose count no longer matches after a reviewer
  deleted lines. Instead every data file ends with
  ``loader.flush_deferred_objects()``, which the runtime requires, so that a
  file cut off at a line boundary is still noticed.
- UUIDs, durations, binary data and JSON documents, which dump2py writes
  as unmarked text, are marked in their ``create_<table>`` function
  (``readers/lino/text_kinds.py``), so that they read back as what they are.

Field repairs (``RestorePlan.updates``) are no rows, and the dump grammar
has no form for them: they go into ``updates.json`` (see
``repairkit.updates_file``), which ``restore.py`` names in its
``UPDATES_FILE`` line, so that the runtime finds them and notices if the
file is missing.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from repairkit.errors import PlanError
from repairkit.plan import PlannedTable, Reason, RestorePlan
from repairkit.plan_report import drift_lines
from repairkit.readers.lino.text_kinds import TEXT_KINDS
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef
from repairkit.updates_file import UPDATES_FILE, render_updates_file
from repairkit.version import __version__

from .emitted import EmitOptions, Emitted
from .identifiers import check_identifier, check_model_label, comment_text
from .lino_values import UnwritableValueError, column_kind, format_value
from .output_dir import write_output_files

RESTORE_FILE = "restore.py"
DATA_FILE_FOOTER = "loader.flush_deferred_objects()"


def write_restore_dir(plan: RestorePlan, output: Path) -> None:
    """Write ``plan`` as a restore directory at ``output`` (created; must not hold files).

    :raises PlanError: if the plan has no rows and no updates, or if ``output``
        is not empty.
    :raises EmitError: if a value, name or table cannot be written in the dump
        grammar, or an update's value has no JSON form.
    """
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise PlanError(f"{output}: exists and is not an empty directory")
    write_output_files(output, render_restore_dir(plan))


def emit_restore_dir(plan: RestorePlan, options: EmitOptions) -> Emitted:
    """Render ``plan`` as a restore directory for Lino (``--emit restore-dir``)."""
    files = render_restore_dir(plan)
    data_files = sum(1 for table in plan.tables if table.rows)
    updates = f", {UPDATES_FILE}" if plan.updates else ""
    return Emitted(
        files,
        (),
        "run restore.py as its header says (a dry run unless --apply).",
        f"{RESTORE_FILE}, {data_files} data files{updates}",
    )


def render_restore_dir(plan: RestorePlan) -> dict[str, str]:
    """Return the files of ``plan``'s restore directory: file name -> text.

    Every table name, column name and model label that goes into a file
    name or into restore.py's code is checked to be a plain identifier
    first (``repairkit.writers.identifiers``): a dump is hostile input.

    :raises PlanError: if the plan has no rows and no updates.
    :raises EmitError: if a value, name or table cannot be written in the dump grammar.
    """
    tables = [table for table in plan.tables if table.rows]
    if not tables and not plan.updates:
        raise PlanError("the plan has no rows and no updates: no restore directory written")
    for table in tables:
        _check_names(table)
    labels = _model_labels(plan, tables)
    model_globals = {ref: _global_name(label) for ref, label in labels.items()}
    kinds = {table.name: _written_kinds(table) for table in tables}
    files = {f"{t.name}.py": _format_data_file(t, kinds[t.name], model_globals) for t in tables}
    _add_gone_comments(files, plan)
    if plan.updates:
        files[UPDATES_FILE] = render_updates_file(plan.updates)
    files[RESTORE_FILE] = _format_restore_module(plan, tables, labels, kinds)
    return files


def _written_kinds(table: PlannedTable) -> list[ColumnKind]:
    """Return the kind each column of ``table`` is written as (``lino_values.column_kind``).

    :raises PlanError: naming the row and column, for a column no one marker fits.
    """
    kinds = []
    for index, column in enumerate(table.columns):
        try:
            kinds.append(column_kind(column.kind, (row.values[index] for row in table.rows)))
        except UnwritableValueError as err:
            pk = table.rows[err.index].pk if err.index is not None else None
            raise PlanError(f"{table.name} pk {pk!r}, column {column.name!r}: {err}") from err
    return kinds


def _check_names(table: PlannedTable) -> None:
    """Refuse a table whose names cannot stand in restore.py's code and file names."""
    check_identifier(table.name, "table")
    if table.model:
        check_model_label(table.model, f"model of table {table.name!r}:")
    for column in table.columns:
        check_identifier(column.name, f"column of table {table.name!r}:")


def _add_gone_comments(files: dict[str, str], plan: RestorePlan) -> None:
    """Name, in each data file's header, the rows that every newer backup lacks."""
    gone: dict[str, list[str]] = {}
    for absence in plan.absences:
        if absence.gone_since is not None:
            gone.setdefault(f"{absence.table}.py", []).append(
                comment_text(
                    f"# - pk {absence.pk!r}: gone since {absence.gone_since!r}"
                    f" (last seen in {absence.last_seen!r})"
                )
                + "\n"
            )
    for name, lines in gone.items():
        coding, _, rest = files[name].partition("\n")
        header = (
            "# Gone since an older backup: every newer backup lacks these rows, so they\n"
            "# may have been deleted on purpose (delete their lines to keep them out):\n"
        )
        files[name] = f"{coding}\n{header}{''.join(lines)}{rest}"


def ordered_columns(table: PlannedTable) -> list[int]:
    """Return the indices of ``table``'s columns in the order they are written.

    The primary key comes first: the reader recognises a key that is neither
    ``id`` nor a parent link only by its place as the first column, and with
    babel fields written as plain columns, ``name`` would otherwise be first.

    :raises PlanError: if the reader would still take another column for the key.
    """
    names = [column.name for column in table.columns]
    if table.pk not in names:
        raise PlanError(f"{table.name}: primary key {table.pk!r} is not one of its columns")
    if table.pk != "id" and "id" in names:
        raise PlanError(
            f"{table.name}: has a column 'id' that is not its primary key {table.pk!r};"
            " the Lino reader would take 'id' for the key"
        )
    key = names.index(table.pk)
    return [key] + [index for index in range(len(names)) if index != key]


def _model_labels(plan: RestorePlan, tables: list[PlannedTable]) -> dict[ContentTypeRef, str]:
    """Return the label (``app.Model``) of every model that the written files mention."""
    known = {}
    for table in plan.tables:
        if table.model:
            app_label, _, model = table.model.rpartition(".")
            known[ContentTypeRef(app_label, model.lower())] = table.model
    labels = {ref: label for ref, label in known.items() if label in {t.model for t in tables}}
    for table in tables:
        pointers = [i for i, c in enumerate(table.columns) if c.kind is ColumnKind.CONTENT_TYPE]
        for row in table.rows:
            for index in pointers:
                value = row.values[index]
                if isinstance(value, ContentTypeRef) and value not in labels:
                    # Where no planned table names this model, its class name is
                    # unknown; the lower-case name reads back the same.
                    label = known.get(value, str(value))
                    labels[value] = check_model_label(label, f"content type in {table.name!r}:")
    return labels


def _global_name(label: str) -> str:
    """Name a model's global as dump2py does: ``app_Model``."""
    return label.replace(".", "_")


def _format_data_file(
    table: PlannedTable, kinds: list[ColumnKind], model_globals: Mapping[ContentTypeRef, str]
) -> str:
    order = ordered_columns(table)
    out = io.StringIO()
    out.write("# -*- coding: UTF-8 -*-\n")
    out.write(f"# {len(table.rows)} rows planned. To keep a row out, delete its line;\n")
    out.write("# do not comment it out (comments are allowed only above and below the rows).\n")
    out.write(f'logger.info("Loading rows to table {table.name}...")\n')
    out.write("# fields: " + ", ".join(table.columns[index].name for index in order) + "\n")
    prefix = f"loader.save(create_{table.name}("
    for row in table.rows:
        literals = []
        for index in order:
            try:
                literals.append(format_value(row.values[index], model_globals, kinds[index]))
            except UnwritableValueError as err:
                column = table.columns[index].name
                raise PlanError(f"{table.name} pk {row.pk!r}, column {column!r}: {err}") from err
        out.write(prefix + ",".join(literals) + "))\n")
    out.write("\n" + DATA_FILE_FOOTER + "\n")
    return out.getvalue()


def _format_restore_module(
    plan: RestorePlan,
    tables: list[PlannedTable],
    labels: Mapping[ContentTypeRef, str],
    kinds: Mapping[str, list[ColumnKind]],
) -> str:
    out = io.StringIO()
    out.write(_HEADER.format(version=__version__, current=comment_text(repr(plan.current))))
    backups = comment_text(", ".join(map(repr, plan.backups)))
    out.write(f"# Backups the rows come from: {backups}\n")
    out.write(f"# {plan.row_count} rows in {len(tables)} tables.\n")
    _write_pulled_in(out, tables)
    out.writelines(line + "\n" for line in drift_lines(plan, prefix="# "))
    _write_left_out(out, plan)
    _write_updates(out, plan)
    out.write(_imports(kinds))
    out.write(_RESOLVE_MODEL)
    for label in sorted(labels.values()):
        # Labels and table names are checked identifiers: quoting them as dump2py does is safe.
        out.write(f'{_global_name(label)} = resolve_model("{label}")\n')
    out.write("\n\n")
    for table in tables:
        out.write(_format_create_function(table, kinds[table.name]))
    out.write("def main(args):\n")
    out.write('    """List the data files in load order, parents first, for the runtime."""\n')
    for table in tables:
        out.write(f'    execfile("{table.name}.py", *args)\n')
    if not tables:
        out.write("    pass  # no rows to insert, only the updates\n")
    out.write(_MAIN)
    return out.getvalue()


def _write_pulled_in(out: io.StringIO, tables: list[PlannedTable]) -> None:
    pulled = [
        (table.name, row.pk, row.reason, row.needed_by)
        for table in tables
        for row in table.rows
        if row.reason is not Reason.MISSING
    ]
    if not pulled:
        return
    out.write("#\n# Rows that are here because another row needs them:\n")
    for name, pk, reason, needed_by in pulled:
        by = f" of {needed_by[0]} {needed_by[1]!r}" if needed_by else ""
        out.write(comment_text(f"# - {name} {pk!r}: {reason.value}{by}") + "\n")


def _write_left_out(out: io.StringIO, plan: RestorePlan) -> None:
    if not plan.left_out:
        return
    out.write("#\n# Missing rows that are NOT restored, and why:\n")
    for left in plan.left_out:
        detail = " ".join(left.detail.split())
        out.write(comment_text(f"# - {left.table} {left.pk!r}: {left.kind.value}: {detail}") + "\n")


def _write_updates(out: io.StringIO, plan: RestorePlan) -> None:
    if not plan.updates:
        return
    fields = Counter((u.table, u.column, u.reason, u.source) for u in plan.updates)
    out.write(f"#\n# Field repairs: {len(plan.updates)} values, in {UPDATES_FILE}:\n")
    for (table, column, reason, source), count in fields.items():
        out.write(comment_text(f"# - {table}.{column}: {count} ({reason}), from {source!r}") + "\n")
    out.write(
        "# Each is applied after the rows, only where the field still holds the value\n"
        "# the plan saw; a field changed since is skipped and reported. To run\n"
        f"# without them, delete {UPDATES_FILE} and the UPDATES_FILE line below.\n"
        "\n"
        f'UPDATES_FILE = "{UPDATES_FILE}"\n'
    )


def _imports(kinds: Mapping[str, list[ColumnKind]]) -> str:
    """Return the import lines that the markers of the create functions call."""
    used = {kind for table_kinds in kinds.values() for kind in table_kinds}
    lines = ["from decimal import Decimal"] if ColumnKind.DECIMAL in used else []
    lines += sorted(TEXT_KINDS[kind].imports for kind in used if kind in TEXT_KINDS)
    return "".join(["\n", *(line + "\n" for line in lines)]) if lines else ""


def _format_create_function(table: PlannedTable, kinds: list[ColumnKind]) -> str:
    """Return a ``create_<table>`` function like dump2py's; it documents, it is never called.

    Its marker statements, which convert a parameter (``Decimal(x)``,
    ``uuid.UUID(x)``, ...), are read back by repairkit: they say how the
    data files' texts are to be read.
    """
    order = ordered_columns(table)
    columns: list[Column] = [table.columns[index] for index in order]
    names = [column.name for column in columns]
    lines = [f"def create_{table.name}({', '.join(names)}):"]
    if table.key:
        # Read back by repairkit: these columns together identify a row.
        lines.append(f"    # key: {', '.join(table.key)}")
    for index in order:
        name, kind = table.columns[index].name, kinds[index]
        if kind is ColumnKind.DECIMAL:
            lines.append(f"    if {name} is not None: {name} = Decimal({name})")
        elif kind is ColumnKind.CONTENT_TYPE:
            lines.append(f"    {name} = new_content_type_id({name})")
        elif kind in TEXT_KINDS:
            lines.append("    " + TEXT_KINDS[kind].marker(name))
    lines.append("    kw = dict()")
    lines.extend(f"    kw.update({name}={name})" for name in names)
    if table.model:
        lines.append(f"    return {_global_name(table.model)}(**kw)")
    else:
        lines.append("    return kw")
    return "\n".join(lines) + "\n\n\n"


_HEADER = """\
#!/usr/bin/env python
# -*- coding: UTF-8 -*-

# A restore directory written by repairkit {version}: it puts back rows that
# are missing from {current}. Review the data files before running it
# (see docs/restore-script.md in repairkit); delete a row's line to keep it out.
#
#   python manage.py run restore.py [--apply]                     (a Lino site)
#   python restore.py --settings mysite.settings [--apply]        (any Django project)
#
# Without --apply it is a dry run: it inserts and checks everything inside a
# transaction, reports, and rolls back. The data files are read as data by
# repairkit, never executed; the functions below document the columns, and
# their marker lines (Decimal(x), uuid.UUID(x), ...) say how it reads them.
#
"""

_RESOLVE_MODEL = """

def resolve_model(label):
    # Running this file must not need Lino: a model global is only its label,
    # which the runtime reads from this file without executing it.
    return label


"""

_MAIN = """

if __name__ == "__main__":
    # Reached by `python restore.py ...` and by Lino's `manage.py run restore.py ...`.
    try:
        from repairkit.runtime import main as run_restore
    except ImportError as error:
        raise SystemExit(
            f"restore.py needs repairkit, which this Python cannot import ({error}).\\n"
            "Install it where the site runs (pip install repairkit), or write the plan\\n"
            "with `repairkit merge ... --emit django` instead: that script needs only Django."
        ) from None

    run_restore(__file__)
"""
