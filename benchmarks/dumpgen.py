"""Make two Lino dump2py dumps of a synthetic site, and the same rows in SQLite.

The site has one big table, ``contacts_partner`` (about 200 bytes per dumped
row, with quotes, backslashes, newlines and non-ASCII text), and two small
ones; one has a multilingual (babel) field. The new dump differs from the old
in a given fraction of rows: a quarter deleted, a quarter added, half changed
in one or two fields. ``generate`` writes both dumps in the layout of Lino's
``dump2py`` (including its split of big tables into 50,000-row parts) and two
SQLite files with the same rows, typed as Django types them, and returns what
it changed, which is what a diff must find.
"""

from __future__ import annotations

import datetime
import random
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

MAX_ROW_COUNT = 50_000  # dump2py's default --max-row-count
LANGUAGES = ("en", "de", "fr")
# Bump when the generated data changes, so that --keep regenerates it.
GENERATOR_VERSION = 1

# Column kinds, each with how dump2py writes a value and how Django stores it
# in SQLite. None is handled by the callers of these functions.
INT, STR, DATE, DT, DECIMAL, BOOL, BABEL = "int", "str", "date", "dt", "decimal", "bool", "babel"

DUMP_LITERAL: dict[str, Callable[[Any], str]] = {
    INT: str,
    STR: repr,
    DATE: "date(%d,%d,%d)".__mod__,
    DT: "dt(%d,%d,%d,%d,%d,%d)".__mod__,
    DECIMAL: repr,  # dump2py writes decimals as quoted strings: '12.50'
    BOOL: str,
    BABEL: repr,  # a list with one string per language
}
SQL_VALUE: dict[str, Callable[[Any], Any]] = {
    INT: int,
    STR: str,
    DATE: "%04d-%02d-%02d".__mod__,
    DT: "%04d-%02d-%02d %02d:%02d:%02d".__mod__,
    DECIMAL: str,  # the column's NUMERIC affinity turns it into a number
    BOOL: int,
}
SQL_TYPE = {
    INT: "integer",
    STR: "varchar(200)",
    DATE: "date",
    DT: "datetime",
    DECIMAL: "decimal",
    BOOL: "bool",
    BABEL: "varchar(200)",
}


@dataclass(frozen=True, slots=True)
class Column:
    attname: str  # parameter of create_<table>() and SQLite column
    kind: str
    nullable: bool = False
    max_fk: int = 0  # for foreign keys: ids are 1..max_fk

    @property
    def field_name(self) -> str:
        """Return the name that dump2py writes in the ``# fields:`` line."""
        return self.attname[:-3] if self.max_fk else self.attname

    @property
    def sql_columns(self) -> list[str]:
        """Return the SQLite columns that hold this field (several for babel)."""
        if self.kind == BABEL:
            return [self.attname] + [f"{self.attname}_{lang}" for lang in LANGUAGES[1:]]
        return [self.attname]


@dataclass(frozen=True, slots=True)
class TableSpec:
    db_table: str  # contacts_partner
    model: str  # contacts.Partner
    columns: tuple[Column, ...]  # the first one is the primary key `id`
    make_row: Callable[[random.Random, int], tuple[Any, ...]]

    @property
    def model_global(self) -> str:
        return self.model.replace(".", "_")


# -- the synthetic site ------------------------------------------------------

FIRST_NAMES = tuple(
    "Anna|Bernd|Chloé|Dmitri|Elif|François|Grete|Hans|Inès|Jürgen|Katarzyna|Łukasz|Marie|"
    "Noël|Øystein|Paul|Renée|Søren|Tomás|Ursula|Vítězslav|Wang|Yusuf|Zoë|José|Sean".split("|")
)
LAST_NAMES = tuple(
    "Müller|Dupont|O'Brien|Nguyễn|Schmitz|Van der Berg|Ørsted|Çelik|D'Angelo|Kowalski|"
    "Martin|Janssens|Peeters|García|Østergaard|Smith|Lefèvre|Żółć|Meier|Dubois|Leclercq|"
    "Brown".split("|")
)
COMPANY_SUFFIXES = tuple('GmbH|SA|SPRL|& Söhne|Ltd.|BV|AG|"Les Amis" asbl'.split("|"))
STREETS = tuple(
    "Rue de l'Église|Hauptstraße|Aachener Straße|Avenue Louise|Kirchweg|"
    "Chaussée de Bruxelles|Place Saint-Lambert|Millstraat|Long Lane|Vennbahnweg".split("|")
)
DOMAINS = tuple("example.com|example.org|mail.example.net|post.example.be".split("|"))
NOTE_FRAGMENTS = (
    "Called on Monday, wants a callback.",
    'Prefers "paper" invoices.',
    "Can't be reached before 10:00.",
    "Files are in C:\\Shared\\Partners\\ (ask IT).",
    "Adresse geändert → siehe Akte.",
    "First line\nsecond line",
    "Café meeting\tnext week ☕",
    "Zahlung\xa0offen seit März.",
    "Déjà vu: doublon possible avec un autre partenaire.",
    "VAT number to check.",
    "Moved abroad; keep for history.",
    "Says: 'no newsletter, thanks'.",
)


def _ascii(text: str) -> str:
    """Return `text` as a lower-case ASCII word, for e-mail addresses."""
    text = text.lower().replace("ł", "l").replace("ø", "o").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum())


def make_partner(rng: random.Random, pk: int) -> tuple[Any, ...]:
    """Return one contacts_partner row of about 200 bytes as dumped."""
    r = rng.random
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if r() < 0.2:
        name = f"{last} & {rng.choice(LAST_NAMES)} {rng.choice(COMPANY_SUFFIXES)}"
    else:
        name = f"{last} {first}"
    street = f"{rng.choice(STREETS)} {int(r() * 250) + 1}"
    email = "" if r() < 0.1 else f"{_ascii(first)}.{_ascii(last)}{pk}@{rng.choice(DOMAINS)}"
    birth = None if r() < 0.15 else (1930 + int(r() * 75), int(r() * 12) + 1, int(r() * 28) + 1)
    created = (
        2010 + int(r() * 16),
        int(r() * 12) + 1,
        int(r() * 28) + 1,
        int(r() * 24),
        int(r() * 60),
        int(r() * 60),
    )
    balance = None if r() < 0.2 else f"{int(r() * 20000) - 5000}.{int(r() * 100):02d}"
    country = None if r() < 0.1 else int(r() * 50) + 1
    ctype = None if r() < 0.6 else int(r() * 25) + 1
    notes = "" if r() < 0.4 else rng.choice(NOTE_FRAGMENTS)
    return (pk, name, street, email, birth, created, balance, r() < 0.9, country, ctype, notes)


def make_company_type(rng: random.Random, pk: int) -> tuple[Any, ...]:
    word = rng.choice(COMPANY_SUFFIXES)
    return (pk, [f"Type {pk} {word}", f"Typ {pk} {word}", f"Genre {pk} {word}"], word[:4])


def make_country(rng: random.Random, pk: int) -> tuple[Any, ...]:
    return (pk, f"Land {pk} {rng.choice(LAST_NAMES)}", chr(65 + pk // 26) + chr(65 + pk % 26))


COMPANY_TYPES = TableSpec(
    "contacts_companytype",
    "contacts.CompanyType",
    (
        Column("id", INT),
        Column("name", BABEL),
        Column("abbr", STR),
    ),
    make_company_type,
)
COUNTRIES = TableSpec(
    "geo_country",
    "geo.Country",
    (
        Column("id", INT),
        Column("name", STR),
        Column("isocode", STR),
    ),
    make_country,
)
PARTNERS = TableSpec(
    "contacts_partner",
    "contacts.Partner",
    (
        Column("id", INT),
        Column("name", STR),
        Column("street", STR),
        Column("email", STR),
        Column("birth_date", DATE, nullable=True),
        Column("created", DT),
        Column("balance", DECIMAL, nullable=True),
        Column("is_active", BOOL),
        Column("country_id", INT, nullable=True, max_fk=50),
        Column("type_id", INT, nullable=True, max_fk=25),
        Column("notes", STR),
    ),
    make_partner,
)
# In the order dump2py writes them: no table before one that it points to.
TABLES = (COMPANY_TYPES, COUNTRIES, PARTNERS)
SMALL_TABLE_ROWS = {COMPANY_TYPES.db_table: 25, COUNTRIES.db_table: 50}


# -- changes -----------------------------------------------------------------


def mutate_value(col: Column, value: Any, rng: random.Random) -> tuple[Any, str]:
    """Return a value different from `value` (also once in SQLite) and its SQL column."""
    if col.nullable and value is not None and rng.random() < 0.2:
        return None, col.attname
    if col.kind == BABEL:
        i = int(rng.random() * len(LANGUAGES))
        new = list(value)
        new[i] += " (neu)" if i else " (new)"
        return new, col.sql_columns[i]
    if col.kind == BOOL:
        return not value, col.attname
    if col.kind == INT:
        return (1 if value is None else value % col.max_fk + 1), col.attname
    if col.kind == DECIMAL:
        cents = Decimal(int(rng.random() * 999) + 1) / 100
        return str(Decimal(value or "0.00") + cents), col.attname
    if col.kind == DATE:
        days = datetime.timedelta(days=int(rng.random() * 365) + 1)
        d = datetime.date(*(value or (2000, 1, 1))) + days
        return (d.year, d.month, d.day), col.attname
    if col.kind == DT:
        t = datetime.datetime(*value) + datetime.timedelta(seconds=int(rng.random() * 10**6) + 1)
        return (t.year, t.month, t.day, t.hour, t.minute, t.second), col.attname
    if len(value) > 30:
        return value[: len(value) // 2], col.attname
    return value + " (corrected)", col.attname


@dataclass(slots=True)
class TableChanges:
    """What the generator changed in one table: the expected diff."""

    deleted: list[int]
    added: list[int]
    changed: dict[int, list[str]]  # pk -> changed SQL columns, sorted


def plan_changes(rows: int, fraction: float, rng: random.Random) -> tuple[set[int], set[int], int]:
    """Choose the deleted and changed pks, and how many rows to add.

    A quarter of the changes are deletions, a quarter additions, half
    modifications of one or two fields.
    """
    total = round(rows * fraction)
    n_deleted = n_added = total // 4
    n_changed = total - n_deleted - n_added
    picked = rng.sample(range(1, rows + 1), n_deleted + n_changed)
    return set(picked[:n_deleted]), set(picked[n_deleted:]), n_added


def iter_row_pairs(
    spec: TableSpec, rows: int, fraction: float, seed: int, changes: TableChanges
) -> Iterator[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]]:
    """Yield (old row, new row) by pk; None where a row is absent. Fill `changes`."""
    base = random.Random(f"{seed}:{spec.db_table}:rows")
    edit = random.Random(f"{seed}:{spec.db_table}:edits")
    deleted, changed, n_added = plan_changes(rows, fraction, edit)
    columns = spec.columns
    for pk in range(1, rows + 1):
        row = spec.make_row(base, pk)
        if pk in deleted:
            changes.deleted.append(pk)
            yield row, None
        elif pk in changed:
            new = list(row)
            touched = set()
            for i in edit.sample(range(1, len(columns)), 1 + (edit.random() < 0.5)):
                new[i], sql_column = mutate_value(columns[i], row[i], edit)
                touched.add(sql_column)
            changes.changed[pk] = sorted(touched)
            yield row, tuple(new)
        else:
            yield row, row
    for pk in range(rows + 1, rows + n_added + 1):
        changes.added.append(pk)
        yield None, spec.make_row(edit, pk)


# -- writing -----------------------------------------------------------------


class DataFileWriter:
    """Write one table's rows into its data file(s), split as dump2py splits them."""

    def __init__(self, dump_dir: Path, spec: TableSpec, total: int) -> None:
        self.dump_dir, self.spec, self.total = dump_dir, spec, total
        if total > MAX_ROW_COUNT:
            self.filenames = [
                f"{spec.db_table}_{i}.py" for i in range(1, total // MAX_ROW_COUNT + 2)
            ]
        else:
            self.filenames = [f"{spec.db_table}.py"]
        self.part = 0
        self.in_part = 0
        self.stream = self._open_part()

    def _open_part(self) -> Any:
        self.part += 1
        self.in_part = 0
        stream = open(self.dump_dir / self.filenames[self.part - 1], "w", encoding="utf-8")
        txt = f"{self.total} objects"
        if len(self.filenames) > 1:
            txt += f" (part {self.part} of {len(self.filenames)})"
        fields = ", ".join(c.field_name for c in self.spec.columns)
        stream.write(
            "# -*- coding: UTF-8 -*-\n"
            f'logger.info("Loading {txt} to table {self.spec.db_table}...")\n'
            f"# fields: {fields}\n"
        )
        return stream

    def _close_part(self) -> None:
        self.stream.write("\n")
        if self.part == len(self.filenames):
            self.stream.write("loader.flush_deferred_objects()\n")
        self.stream.close()

    def write(self, line: str) -> None:
        if self.in_part == MAX_ROW_COUNT:
            self._close_part()
            self.stream = self._open_part()
        self.stream.write(line)
        self.in_part += 1

    def close(self) -> None:
        self._close_part()
        while self.part < len(self.filenames):  # dump2py's trailing empty part
            self.stream = self._open_part()
            self._close_part()


def write_restore_py(dump_dir: Path, filenames: dict[str, list[str]]) -> None:
    """Write restore.py in dump2py's layout for the tables in TABLES."""
    out = [
        "#!/usr/bin/env python\n# -*- coding: UTF-8 -*-\n\n"
        "# This is a Python dump created using dump2py.\n"
        "# DJANGO_SETTINGS_MODULE was 'bench_site.settings', TIME_ZONE was 'UTC'.\n\n",
        "\nfrom lino import logger\n\n",
        "SOURCE_VERSION = '1.0.0'\n",
        # The helper block of a real dump, in short; readers take no meaning from it.
        "\nimport os\nimport six\nfrom decimal import Decimal\nfrom datetime import datetime\n"
        "from datetime import time, date\nfrom django.conf import settings\n"
        "from django.utils.timezone import make_aware\n"
        "from datetime import timezone; utc = timezone.utc\n"
        "from django.core.management import call_command\n"
        "from lino.utils.dpy import create_mti_child\nfrom lino.utils.dpy import DpyLoader\n"
        "from lino.core.utils import resolve_model\n\n"
        "if settings.USE_TZ:\n    def dt(*args):\n"
        "        return make_aware(datetime(*args), timezone=utc)\n"
        "else:\n    def dt(*args):\n        return datetime(*args)\n\n"
        'def execfile(fn, *args):\n    logger.info("Execute file %s ...", fn)\n'
        "    six.exec_(compile(open(fn, \"rb\").read(), fn, 'exec'), *args)\n\n",
        "\ndef bv2kw(fieldname, values):\n"
        '    """\n    Needed if `Site.languages` changed between dumpdata and loaddata\n    """\n'
        "    return settings.SITE.babelkw(fieldname, "
        + ",".join(f"{lang}=values[{i}]" for i, lang in enumerate(LANGUAGES))
        + ")\n\n",
    ]
    for spec in sorted(TABLES, key=lambda s: s.model):
        out.append(f'{spec.model_global} = resolve_model("{spec.model}")\n')
    out.append("\n\n")
    for spec in TABLES:
        out.append(f"def create_{spec.db_table}({', '.join(c.attname for c in spec.columns)}):\n")
        for c in spec.columns:
            if c.kind == DECIMAL:
                out.append(f"    if {c.attname} is not None: {c.attname} = Decimal({c.attname})\n")
        out.append("    kw = dict()\n")
        for c in spec.columns:
            if c.kind == BABEL:
                out.append(
                    f"    if {c.attname} is not None: kw.update(bv2kw({c.attname!r},{c.attname}))\n"
                )
            else:
                out.append(f"    kw.update({c.attname}={c.attname})\n")
        out.append(f"    return {spec.model_global}(**kw)\n\n")
    out.append(
        "\n\n\ndef main(args):\n"
        "    loader = DpyLoader(globals(), quick=args.quick, strict=True)\n"
        "    from django.core.management import call_command\n"
        "    call_command('initdb', interactive=args.interactive)\n"
        "    os.chdir(os.path.dirname(__file__))\n"
        "    loader.initialize()\n"
        "    args = (globals(), locals())\n\n"
    )
    for spec in TABLES:
        out.extend(f'    execfile("{name}", *args)\n' for name in filenames[spec.db_table])
    out.append(
        "    loader.finalize()\n"
        '    logger.info("Loaded %d objects", loader.count_objects)\n'
        "    call_command('resetsequences')\n"
        "\nif __name__ == '__main__':\n"
        "    import argparse\n"
        "    parser = argparse.ArgumentParser(description='Restore the data.')\n"
        "    parser.add_argument('-b', '--noinput', '--batch', dest='interactive',\n"
        "        action='store_false', default=True,\n"
        '        help="Don\'t ask for confirmation before flushing the database.")\n'
        "    parser.add_argument('--quick', dest='quick',\n"
        "        action='store_true',default=False,\n"
        "        help='Do not call full_clean() on restored instances.')\n\n"
        "    args = parser.parse_args()\n"
        "    main(args)\n"
    )
    (dump_dir / "restore.py").write_text("".join(out), encoding="utf-8")


def create_sqlite_table(db: sqlite3.Connection, spec: TableSpec) -> str:
    """Create the table as Django would and return its INSERT statement."""
    defs, names = [], []
    for c in spec.columns:
        for name in c.sql_columns:
            null = "NULL" if c.nullable else "NOT NULL"
            extra = " PRIMARY KEY" if name == "id" else ""
            defs.append(f'"{name}" {SQL_TYPE[c.kind]} {null}{extra}')
            names.append(name)
    db.execute(f'CREATE TABLE "{spec.db_table}" ({", ".join(defs)})')
    marks = ", ".join("?" * len(names))
    return f'INSERT INTO "{spec.db_table}" VALUES ({marks})'


def make_renderer(spec: TableSpec) -> Callable[[tuple[Any, ...]], tuple[str, list[Any]]]:
    """Return a function that turns a row into its dump line and its SQLite values."""
    prefix = f"loader.save(create_{spec.db_table}("
    dump_fmts = [DUMP_LITERAL[c.kind] for c in spec.columns]
    sql_fmts = [(SQL_VALUE.get(c.kind, list), c.kind == BABEL) for c in spec.columns]

    def render(row: tuple[Any, ...]) -> tuple[str, list[Any]]:
        line = ",".join(
            ["None" if v is None else f(v) for f, v in zip(dump_fmts, row, strict=True)]
        )
        values: list[Any] = []
        for (f, babel), v in zip(sql_fmts, row, strict=True):
            if babel:
                values.extend(v)
            else:
                values.append(None if v is None else f(v))
        return prefix + line + "))\n", values

    return render


def generate(workdir: Path, rows: int, fraction: float, seed: int) -> dict[str, Any]:
    """Write both dumps and both SQLite files; return the manifest of what differs."""
    for name in ("old", "new"):
        shutil.rmtree(workdir / name, ignore_errors=True)
        (workdir / name).mkdir(parents=True)
        (workdir / f"{name}.sqlite3").unlink(missing_ok=True)
    dbs = {name: sqlite3.connect(workdir / f"{name}.sqlite3") for name in ("old", "new")}
    for db in dbs.values():
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
    filenames: dict[str, dict[str, list[str]]] = {"old": {}, "new": {}}
    expected: dict[str, dict[str, Any]] = {}
    counts = {"old": 0, "new": 0}
    for spec in TABLES:
        n = SMALL_TABLE_ROWS.get(spec.db_table, rows)
        changes = TableChanges([], [], {})
        # Count first: data file headers carry each dump's total.
        probe = random.Random(f"{seed}:{spec.db_table}:edits")
        deleted, _, n_added = plan_changes(n, fraction, probe)
        totals = {"old": n, "new": n - len(deleted) + n_added}
        writers = {k: DataFileWriter(workdir / k, spec, totals[k]) for k in totals}
        inserts = {k: create_sqlite_table(dbs[k], spec) for k in dbs}
        render = make_renderer(spec)
        batches: dict[str, list[list[Any]]] = {"old": [], "new": []}
        for old, new in iter_row_pairs(spec, n, fraction, seed, changes):
            old_out = render(old) if old is not None else None
            new_out = old_out if new is old else render(new) if new is not None else None
            for k, out in (("old", old_out), ("new", new_out)):
                if out is not None:
                    writers[k].write(out[0])
                    batches[k].append(out[1])
                    if len(batches[k]) >= 10_000:
                        dbs[k].executemany(inserts[k], batches[k])
                        batches[k].clear()
        for k in dbs:
            dbs[k].executemany(inserts[k], batches[k])
            writers[k].close()
            filenames[k][spec.db_table] = writers[k].filenames
            counts[k] += totals[k]
        expected[spec.db_table] = {
            "deleted": changes.deleted,
            "added": changes.added,
            "changed": {str(pk): cols for pk, cols in changes.changed.items()},
        }
    for k, db in dbs.items():
        db.commit()
        db.close()
        write_restore_py(workdir / k, filenames[k])
    return {"rows": counts, "expected": expected}
