"""Write a parsed Lino backup back as a dump2py-style directory made of literals only.

Lino's loader and the site's migrators take such a directory as they take
a real dump: the same ``SOURCE_VERSION``, ``create_<table>`` functions with
the same parameters (a babel field as one list), decimals as strings,
content types as model globals. Nothing of the original files is copied:
every value is written by ``repairkit.writers.lino_values`` from the
parsed snapshot, so the copy holds nothing but data and the fixed code below.
"""

from __future__ import annotations

import io

from repairkit.errors import PlanError
from repairkit.readers.lino.text_kinds import TEXT_KINDS
from repairkit.snapshot import ColumnKind, ContentTypeRef, JsonValue, Snapshot, Table
from repairkit.writers.identifiers import check_identifier, check_model_label
from repairkit.writers.lino_values import UnwritableValueError, format_value

RESTORE_FILE = "restore.py"

_PREAMBLE = '''\
#!/usr/bin/env python
# -*- coding: UTF-8 -*-
# A Python dump written by repairkit upgrade from a parsed backup (literals only).
# DJANGO_SETTINGS_MODULE was {settings!r}, TIME_ZONE was {time_zone!r}.

from lino import logger

SOURCE_VERSION = {version!r}

import os
from decimal import Decimal
from datetime import datetime
from datetime import time, date
from django.conf import settings
from django.utils.timezone import make_aware
from datetime import timezone; utc = timezone.utc
from lino.utils.dpy import create_mti_child
from lino.utils.dpy import DpyLoader
from lino.core.utils import resolve_model

settings.ADMINS = []

if settings.USE_TZ:
    def dt(*args):
        return make_aware(datetime(*args), timezone=utc)
else:
    def dt(*args):
        return datetime(*args)

def new_content_type_id(m):
    if m is None: return m
    ct = settings.SITE.models.contenttypes.ContentType.objects.get_for_model(m)
    if ct is None: return None
    return ct.pk

def execfile(fn, *args):
    logger.info("Execute file %s ...", fn)
    with open(fn, "rb") as f:
        exec(compile(f.read(), fn, "exec"), *args)

def bv2kw(fieldname, values):
    """Spread a babel field's values over its columns, as the backup had them."""
    return {{fieldname + suffix: value for suffix, value in zip(BABEL_SUFFIXES, values)}}

'''

_MAIN = """
def main(args):
    loader = DpyLoader(globals(), quick=args.quick, strict=True)
    from django.core.management import call_command
    call_command('initdb', interactive=args.interactive)
    os.chdir(os.path.dirname(__file__))
    loader.initialize()
    args = (globals(), locals())
{execfiles}
    loader.finalize()
    logger.info("Loaded %d objects", loader.count_objects)
    call_command('resetsequences')

if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser(description='Restore the data.')
    parser.add_argument('-b', '--noinput', '--batch', dest='interactive',
        action='store_false', default=True)
    parser.add_argument('--quick', dest='quick', action='store_true', default=False)
    main(parser.parse_args())
"""


def render_lino_copy(snapshot: Snapshot) -> dict[str, str]:
    """Return the files of a dump2py-style copy of ``snapshot``: name -> text.

    :raises PlanError: for a table without a model, or a value with no literal.
    """
    labels = {}
    for table in snapshot.tables.values():
        if not table.model:
            raise PlanError(f"{table.name}: the backup does not say its model (a Lino dump does)")
        # The copy is Python that the site's own loader runs: a name from the backup
        # becomes code only when it is a plain identifier (repairkit.writers.identifiers).
        check_identifier(table.name, "table")
        check_model_label(table.model, f"model of table {table.name!r}:")
        for column in table.columns:
            check_identifier(column.name, f"column of table {table.name!r}:")
        app_label, _, model = table.model.rpartition(".")
        labels[ContentTypeRef(app_label, model.lower())] = table.model
    globals_of = {ref: label.replace(".", "_") for ref, label in labels.items()}
    by_table = {name: table.model for name, table in snapshot.tables.items()}
    suffixes = _babel_suffixes(snapshot)
    out = io.StringIO()
    out.write(_PREAMBLE.format(
        settings=snapshot.info.get("settings"), time_zone=snapshot.info.get("time_zone"),
        version=snapshot.info.get("source_version"),
    ))  # fmt: skip
    used = {column.kind for table in snapshot.tables.values() for column in table.columns}
    # What the markers of a backup's UUID, duration, binary and JSON columns call.
    out.writelines(sorted(TEXT_KINDS[kind].imports + "\n" for kind in used if kind in TEXT_KINDS))
    out.write(f"BABEL_SUFFIXES = {suffixes!r}\n\n")
    for label in sorted(labels.values()):
        out.write(f'{label.replace(".", "_")} = resolve_model("{label}")\n')
    out.write("\n\n")
    files: dict[str, str] = {}
    for table in snapshot.tables.values():
        out.write(_create_function(table, by_table))
        files[f"{table.name}.py"] = _data_file(table, globals_of)
    execfiles = "\n".join(f'    execfile("{name}.py", *args)' for name in snapshot.tables)
    out.write(_MAIN.format(execfiles=execfiles or "    pass"))
    files[RESTORE_FILE] = out.getvalue()
    return files


def _babel_groups(table: Table) -> dict[str, list[str]]:
    """Return each babel field's base column and its language columns, in order."""
    babel = [c.name for c in table.columns if c.kind is ColumnKind.BABEL]
    groups: dict[str, list[str]] = {}
    for name in babel:
        base = next((b for b in babel if name != b and name.startswith(b + "_")), None)
        if base is None:
            groups.setdefault(name, [name])
        else:
            groups.setdefault(base, [base]).append(name)
    return groups


def _babel_suffixes(snapshot: Snapshot) -> list[str]:
    for table in snapshot.tables.values():
        for base, names in _babel_groups(table).items():
            return [name[len(base) :] for name in names]
    return [""]


def _parameters(table: Table) -> list[str]:
    """Name the create function's parameters: one per column, one per babel field."""
    grouped = {n for names in _babel_groups(table).values() for n in names[1:]}
    return [c.name for c in table.columns if c.name not in grouped]


def _create_function(table: Table, models: dict[str, str | None]) -> str:
    groups = _babel_groups(table)
    params = _parameters(table)
    kinds = {c.name: c.kind for c in table.columns}
    lines = [f"def create_{table.name}({', '.join(params)}):"]
    for name in params:
        if kinds[name] is ColumnKind.CONTENT_TYPE:
            lines.append(f"    {name} = new_content_type_id({name})")
        elif kinds[name] is ColumnKind.DECIMAL:
            lines.append(f"    if {name} is not None: {name} = Decimal({name})")
        elif kinds[name] in TEXT_KINDS:
            lines.append("    " + TEXT_KINDS[kinds[name]].marker(name))
    lines.append("    kw = dict()")
    for name in params:
        if name == table.pk and table.parent is not None:
            continue
        if name in groups:
            lines.append(f"    kw.update(bv2kw({name!r}, {name}))")
        else:
            lines.append(f"    kw.update({name}={name})")
    model = (table.model or "").replace(".", "_")
    if table.parent is not None:
        parent = (models.get(table.parent) or "").replace(".", "_")
        lines.append(f"    return create_mti_child({parent}, {table.pk}, {model}, **kw)")
    else:
        lines.append(f"    return {model}(**kw)")
    return "\n".join(lines) + "\n\n"


_JSON_NULL = JsonValue("null")


def _data_file(table: Table, globals_of: dict[ContentTypeRef, str]) -> str:
    groups = _babel_groups(table)
    grouped = {n for names in groups.values() for n in names[1:]}
    names = table.column_names
    kinds = {column.name: column.kind for column in table.columns}
    rows = table.decode()
    out = io.StringIO()
    out.write("# -*- coding: UTF-8 -*-\n")
    out.write(f'logger.info("Loading {len(rows)} objects to table {table.name}...")\n')
    out.write(f"# fields: {', '.join(_parameters(table))}\n")
    for pk in sorted(rows, key=lambda k: (isinstance(k, str), k)):
        row = dict(zip(names, rows[pk], strict=True))
        literals = []
        for name in names:
            if name in grouped:
                continue
            try:
                if name in groups:
                    parts = [format_value(row[n], globals_of) for n in groups[name]]
                    literals.append("[" + ",".join(parts) + "]")
                else:
                    literals.append(format_value(row[name], globals_of, kinds[name]))
                if row[name] == _JSON_NULL:
                    # Lino's loader runs json.loads('null') and saves None: SQL NULL.
                    raise UnwritableValueError("JSON null, which Lino's loader stores as SQL NULL")
            except (UnwritableValueError, KeyError) as err:
                raise PlanError(f"{table.name} pk {pk!r}, column {name!r}: {err}") from err
        out.write(f"loader.save(create_{table.name}({','.join(literals)}))\n")
    out.write("\nloader.flush_deferred_objects()\n")
    return out.getvalue()
