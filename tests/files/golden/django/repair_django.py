#!/usr/bin/env python3
# repairkit restore script for Django: 69 row(s) in 6 table(s) missing from current, taken from backup;
# 0 field repair(s).
#
# Run it where the site's settings can be imported (the current directory, or
# --pythonpath DIR); it needs Django and the site, not repairkit:
#     python repair_django.py --settings mysite.settings           # dry run
#     python repair_django.py --settings mysite.settings --apply   # commit
#
# Everything happens in one transaction; a dry run does all of it, checks, and
# rolls back. A row is inserted only if its primary key is still free (a second
# run inserts nothing); a field is repaired only where it still holds the value
# the plan saw. Any failure names the row, exits 1 and changes nothing.
#
# TABLES: one row per line, values in the order of 'columns'. To keep a row out,
# delete its line. Tagged values: ('Decimal', text), ('date', ISO), ('datetime',
# ISO, UTC), ('time', ISO), ('content_type', app_label, model).
# UPDATES: (table, pk, column, value the plan saw, value to put back, reason, source).
from __future__ import annotations

TABLES = [
    {
        # 4 row(s) from backup
        'table': 'repairdemo_partner',
        'model': 'repairdemo.Partner',
        'columns': ('id', 'name', 'email', 'street', 'city', 'country_id', 'is_active', 'created', 'remark'),
        'pk': 'id',
        'rows': [
            (7, "Özlem N'Diaye", 'ozlem.ndiaye7@example.org', 'Hauptstraße 90', 'Kelmis', 'BE', True, ('datetime', '2024-02-26T16:41:36'), 'Path C:\\Users\\demo\\orders.txt'),
            (13, 'Café "Le Petit" SPRL', 'info13@company.example.com', 'Tartu mnt 96', 'Kelmis', 'BE', False, ('datetime', '2023-10-31T06:26:38'), 'Très sympa 😀, always pays on time'),
            (19, 'Mathieu Evers', 'mathieu.evers19@example.org', 'Bahnhofstraße 93', '', None, True, ('datetime', '2023-02-04T14:11:55'), 'It\'s "complicated" — see notes ✓'),
            (27, "Dominique D'Hondt", 'dominique.dhondt27@example.org', 'Bahnhofstraße 114', 'Aachen', 'DE', True, ('datetime', '2024-06-10T17:20:39'), ''),
        ],
    },
    {
        # 1 row(s) from backup
        'table': 'repairdemo_company',
        'model': 'repairdemo.Company',
        'columns': ('partner_ptr_id', 'vat_id'),
        'pk': 'partner_ptr_id',
        'rows': [
            (13, 'BE0309.706.830'),
        ],
    },
    {
        # 12 row(s) from backup
        'table': 'repairdemo_order',
        'model': 'repairdemo.Order',
        'columns': ('id', 'partner_id', 'order_date', 'delivery_time', 'placed_at', 'total', 'remark'),
        'pk': 'id',
        'rows': [
            (48, 27, ('date', '2025-03-20'), ('time', '09:45:30'), ('datetime', '2025-03-18T16:50:30'), ('Decimal', '1413.72'), 'Prefers "express" delivery.'),
            (49, 27, ('date', '2025-04-21'), None, ('datetime', '2025-04-19T03:33:42'), ('Decimal', '1025.87'), 'Très sympa 😀, always pays on time'),
            (53, 13, ('date', '2025-06-24'), ('time', '13:30:00'), ('datetime', '2025-06-22T04:07:37'), ('Decimal', '895.27'), ''),
            (63, 19, ('date', '2025-04-16'), None, ('datetime', '2025-04-13T01:34:10'), ('Decimal', '1820.65'), 'Two lines:\nfirst line\nsecond line'),
            (64, 7, ('date', '2025-05-06'), ('time', '19:30:00'), ('datetime', '2025-05-03T03:08:16'), ('Decimal', '1502.31'), 'Prefers "express" delivery.'),
            (74, 27, ('date', '2025-05-26'), None, ('datetime', '2025-05-23T12:28:40'), ('Decimal', '219.30'), 'It\'s "complicated" — see notes ✓'),
            (76, 7, ('date', '2025-05-26'), ('time', '13:30:00'), ('datetime', '2025-05-25T19:05:40'), ('Decimal', '168.90'), 'It\'s "complicated" — see notes ✓'),
            (87, 19, ('date', '2025-05-05'), ('time', '07:15:00'), ('datetime', '2025-05-02T10:50:28'), ('Decimal', '154.25'), ''),
            (94, 13, ('date', '2025-08-24'), ('time', '16:15:00'), ('datetime', '2025-08-22T08:32:40'), ('Decimal', '733.06'), ''),
            (102, 27, ('date', '2025-10-02'), None, ('datetime', '2025-09-30T11:29:46'), ('Decimal', '337.80'), 'Two lines:\nfirst line\nsecond line'),
            (104, 13, ('date', '2025-01-22'), ('time', '12:30:30'), ('datetime', '2025-01-21T14:20:48'), ('Decimal', '254.43'), ''),
            (138, 7, ('date', '2025-06-07'), ('time', '08:30:00'), ('datetime', '2025-06-04T22:39:13'), ('Decimal', '402.58'), 'Two lines:\nfirst line\nsecond line'),
        ],
    },
    {
        # 3 row(s) from backup
        'table': 'repairdemo_person',
        'model': 'repairdemo.Person',
        'columns': ('partner_ptr_id', 'first_name', 'last_name', 'birth_date', 'gender'),
        'pk': 'partner_ptr_id',
        'rows': [
            (7, 'Özlem', "N'Diaye", ('date', '1949-09-14'), 'F'),
            (19, 'Mathieu', 'Evers', None, 'M'),
            (27, 'Dominique', "D'Hondt", ('date', '1977-06-05'), ''),
        ],
    },
    {
        # 13 row(s) from backup
        'table': 'repairdemo_note',
        'model': 'repairdemo.Note',
        'columns': ('id', 'owner_type_id', 'owner_id', 'date', 'time', 'subject', 'body'),
        'pk': 'id',
        'rows': [
            (7, ('content_type', 'repairdemo', 'person'), 7, ('date', '2025-08-30'), ('time', '08:44:01'), 'Quote "as discussed"', 'Called back, no answer.'),
            (9, ('content_type', 'repairdemo', 'order'), 74, ('date', '2025-05-06'), ('time', '11:07:10'), 'Follow-up ✉', 'Called back, no answer.'),
            (33, ('content_type', 'repairdemo', 'person'), 19, ('date', '2025-09-22'), None, 'Quote "as discussed"', 'Müller said: "Nächste Woche".\r\nOK.'),
            (34, ('content_type', 'repairdemo', 'person'), 19, ('date', '2025-07-09'), ('time', '16:21:24'), 'Rückruf erbeten', 'Keys are under the mat\\flowerpot (sic)'),
            (35, ('content_type', 'repairdemo', 'order'), 49, ('date', '2025-02-11'), ('time', '15:25:37'), 'Follow-up ✉', 'Keys are under the mat\\flowerpot (sic)'),
            (38, ('content_type', 'repairdemo', 'person'), 7, ('date', '2025-05-17'), ('time', '14:31:38'), 'Rückruf erbeten', 'Called back, no answer.'),
            (40, ('content_type', 'repairdemo', 'company'), 13, ('date', '2025-10-28'), ('time', '10:08:51'), 'Phone call', 'Multi\nline\n\nwith empty line'),
            (56, ('content_type', 'repairdemo', 'person'), 19, ('date', '2025-04-18'), None, 'Rückruf erbeten', 'Keys are under the mat\\flowerpot (sic)'),
            (67, ('content_type', 'repairdemo', 'person'), 7, ('date', '2025-11-19'), None, 'Rückruf erbeten', 'Keys are under the mat\\flowerpot (sic)'),
            (69, ('content_type', 'repairdemo', 'person'), 27, ('date', '2025-03-06'), ('time', '11:19:12'), 'Follow-up ✉', 'Müller said: "Nächste Woche".\r\nOK.'),
            (73, ('content_type', 'repairdemo', 'order'), 53, ('date', '2025-10-08'), ('time', '09:49:57'), 'Quote "as discussed"', 'Customer wrote:\n> The parcel was damaged.\n> Please replace it.'),
            (74, ('content_type', 'repairdemo', 'company'), 13, ('date', '2025-06-10'), ('time', '11:53:54'), 'Follow-up ✉', 'Agreed on a 5% discount 👍'),
            (84, ('content_type', 'repairdemo', 'person'), 27, ('date', '2025-08-14'), ('time', '17:17:23'), 'Payment reminder', 'Customer wrote:\n> The parcel was damaged.\n> Please replace it.'),
        ],
    },
    {
        # 36 row(s) from backup
        'table': 'repairdemo_orderitem',
        'model': 'repairdemo.OrderItem',
        'columns': ('id', 'order_id', 'product_id', 'qty', 'unit_price'),
        'pk': 'id',
        'rows': [
            (197, 48, 7, 5, ('Decimal', '23.13')),
            (198, 48, 14, 12, ('Decimal', '61.73')),
            (199, 48, 21, 4, ('Decimal', '71.10')),
            (200, 48, 6, 2, ('Decimal', '43.86')),
            (201, 48, 14, 3, ('Decimal', '61.73')),
            (202, 49, 28, 5, ('Decimal', '54.85')),
            (203, 49, 19, 1, ('Decimal', '9.52')),
            (204, 49, 1, 2, ('Decimal', '7.82')),
            (205, 49, 26, 2, ('Decimal', '56.35')),
            (206, 49, 30, 6, ('Decimal', '29.16')),
            (207, 49, 28, 8, ('Decimal', '54.85')),
            (226, 53, 5, 2, ('Decimal', '84.46')),
            (227, 53, 30, 11, ('Decimal', '29.16')),
            (228, 53, 3, 9, ('Decimal', '8.71')),
            (229, 53, 20, 5, ('Decimal', '65.44')),
            (265, 63, 25, 12, ('Decimal', '27.73')),
            (266, 63, 6, 6, ('Decimal', '43.86')),
            (267, 63, 30, 10, ('Decimal', '29.16')),
            (268, 63, 2, 8, ('Decimal', '1.56')),
            (269, 63, 12, 4, ('Decimal', '25.88')),
            (270, 63, 9, 11, ('Decimal', '55.36')),
            (271, 63, 7, 9, ('Decimal', '23.13')),
            (272, 64, 19, 10, ('Decimal', '9.52')),
            (273, 64, 12, 7, ('Decimal', '25.88')),
            (274, 64, 21, 5, ('Decimal', '71.10')),
            (275, 64, 10, 10, ('Decimal', '58.41')),
            (276, 64, 22, 3, ('Decimal', '95.45')),
            (312, 74, 6, 5, ('Decimal', '43.86')),
            (315, 76, 16, 3, ('Decimal', '56.30')),
            (358, 87, 13, 5, ('Decimal', '30.85')),
            (383, 94, 23, 10, ('Decimal', '67.57')),
            (384, 94, 18, 6, ('Decimal', '9.56')),
            (410, 102, 16, 6, ('Decimal', '56.30')),
            (418, 104, 7, 11, ('Decimal', '23.13')),
            (545, 138, 29, 3, ('Decimal', '41.76')),
            (546, 138, 25, 10, ('Decimal', '27.73')),
        ],
    },
]
UPDATES = [
]

import datetime
import uuid
from decimal import Decimal
from typing import Any, NamedTuple

EXIT_FAILED = 1
EXIT_USAGE = 2


class RestoreFailed(Exception):
    """The restore stopped at a row (table, pk) or a table, for a reason; nothing was changed.

    ``where`` is the row's place in the data (``"repairdemo_order.py:7"``),
    where the caller knows one: what a reviewer would edit.
    """

    def __init__(
        self, problem: str, table: str | None = None, pk: object = None, where: str | None = None
    ) -> None:
        self.problem = problem
        self.table, self.pk, self.where = table, pk, where
        row = ""
        if table is not None:
            row = table if pk is None else f"{table} pk {pk!r}"
            row += f" ({where}): " if where else ": "
        super().__init__(row + problem)


class ContentTypeName(NamedTuple):
    """A content type by natural key; the site's id is looked up when inserting."""

    app_label: str
    model: str


class SourceTable(NamedTuple):
    name: str
    columns: tuple[str, ...]
    pk: str
    rows: list[tuple[Any, ...]]  # decoded values, in ``columns`` order
    # Where each row is written ("file.py:7"), in the order of ``rows``; empty
    # when the data has no places worth naming (the standalone script's rows).
    locations: tuple[str, ...] = ()


class Update(NamedTuple):
    table: str
    pk: Any
    column: str
    corrupted: Any  # the value the plan saw; the update applies only where it still is
    restored: Any
    where: str | None = None  # its place in the data ("updates.json, entry 3"), if any


class Target(NamedTuple):
    """A table of the data with the site's model and the field of each of its columns."""

    source: SourceTable
    model: Any
    fields: tuple[Any, ...]  # one per source column
    defaulted: tuple[Any, ...]  # the model's own columns that the data lacks
    # The fields that identify a row: the primary key, the fields of a composite
    # one, or an auto-created many-to-many table's pair (its id is the database's).
    key: tuple[Any, ...] = ()


class TableOutcome(NamedTuple):
    name: str
    rows: int
    inserted: int
    skipped: int  # the key exists already
    defaulted: tuple[str, ...]


class SkippedRepair(NamedTuple):
    """A field repair left alone: the field no longer holds the value the plan saw."""

    update: Update
    reason: str  # "changed since the plan, now 'x@y.org'" or "the row is gone"


class UpdateOutcome(NamedTuple):
    table: str
    planned: int
    updated: int
    already: int  # holds the restored value already (e.g. a second run)
    skipped: tuple[SkippedRepair, ...]  # holds neither value, or the row is gone: left alone


class JsonText(NamedTuple):
    """A JSON document as its text (``null`` is JSON null, not SQL NULL)."""

    text: str


def decode_value(value: Any) -> Any:
    """Return a value of the data as Python: tagged tuples become their type, others stay.

    :raises ValueError: for an unknown tag.
    """
    if not isinstance(value, tuple):
        return value
    tag = value[0]
    if tag == "Decimal":
        return Decimal(value[1])
    if tag == "datetime":
        return datetime.datetime.fromisoformat(value[1])
    if tag == "date":
        return datetime.date.fromisoformat(value[1])
    if tag == "time":
        return datetime.time.fromisoformat(value[1])
    if tag == "content_type":
        return ContentTypeName(value[1], value[2])
    if tag == "json":
        return JsonText(value[1])
    if tag == "uuid":
        return uuid.UUID(value[1])
    if tag == "duration":
        return datetime.timedelta(days=value[1], seconds=value[2], microseconds=value[3])
    if tag == "bytes":
        return bytes.fromhex(value[1])
    raise ValueError(f"unknown value {value!r}")


def decode_tables(tables: list[dict[str, Any]]) -> list[SourceTable]:
    """Return the tables of the data with decoded values.

    :raises RestoreFailed: naming the row whose value cannot be decoded.
    """
    decoded = []
    for table in tables:
        columns = tuple(table["columns"])
        key = columns.index(table["pk"])
        rows = []
        for row in table["rows"]:
            if len(row) != len(columns):
                problem = f"the row has {len(row)} values for {len(columns)} columns"
                raise RestoreFailed(problem, table["table"], row[key] if key < len(row) else None)
            try:
                rows.append(tuple(decode_value(value) for value in row))
            except (ValueError, IndexError) as err:
                raise RestoreFailed(
                    f"cannot read the row: {err}", table["table"], row[key]
                ) from err
        decoded.append(SourceTable(table["table"], columns, table["pk"], rows))
    return decoded


def decode_updates(updates: list[tuple[Any, ...]]) -> list[Update]:
    """Return the field repairs of the data with decoded values.

    :raises RestoreFailed: naming the row whose value cannot be decoded.
    """
    decoded = []
    for table, pk, column, corrupted, restored, *_ in updates:
        try:
            decoded.append(
                Update(table, pk, column, decode_value(corrupted), decode_value(restored))
            )
        except (ValueError, IndexError) as err:
            raise RestoreFailed(f"cannot read the update of {column}: {err}", table, pk) from err
    return decoded


def one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


import datetime
import json
from typing import Any



def site_models() -> dict[str, Any]:
    """Return the site's concrete models by db table."""
    from django.apps import apps

    models: dict[str, Any] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy:
            models.setdefault(model._meta.db_table, model)
    return models


def own_fields(model: Any) -> dict[str, Any]:
    """Return the model's own concrete fields by column, by attname and by name.

    A multi-table-inheritance child writes only its own table: its local
    fields, whose link to the parent is its primary key.
    """
    own = list(model._meta.local_concrete_fields)
    fields = {field.column: field for field in own}
    fields.update((field.attname, field) for field in own)
    for field in own:  # a fixture names a foreign key by its field: "customer", not customer_id
        fields.setdefault(field.name, field)
    return fields


def resolve_table(table: SourceTable, models: dict[str, Any]) -> Target:
    """Find the site's model and the field of every column.

    :raises RestoreFailed: if the site has no such table or column, or another primary key.
    """
    model = models.get(table.name)
    if model is None:
        raise RestoreFailed("the site has no model with this db table", table.name)
    by_column = own_fields(model)
    fields = []
    for column in table.columns:
        if column not in by_column:
            raise RestoreFailed(f"the site's table has no column {column!r}", table.name)
        fields.append(by_column[column])
    key = identity_fields(model)
    names = [field.column for field in key]
    if table.pk not in {*names, *(field.attname for field in key)}:
        raise RestoreFailed(
            f"the data takes {table.pk!r} for the primary key, the site {', '.join(names)}",
            table.name,
        )
    missing = [field.column for field in key if field not in fields]
    if missing:
        raise RestoreFailed(f"the data lacks the key column(s) {', '.join(missing)}", table.name)
    defaulted = tuple(
        f
        for f in model._meta.local_concrete_fields
        # A surrogate key the data does not hold (a pair's id) is the database's to assign.
        if f not in fields and not (f.primary_key and f not in key)
    )
    return Target(table, model, tuple(fields), defaulted, key)


def identity_fields(model: Any) -> tuple[Any, ...]:
    """Return the fields that identify a row of ``model`` in the data.

    An auto-created many-to-many table is identified by its pair, which
    Django makes unique, not by its surrogate ``id``: the data holds
    memberships, and a fixture has no such id at all. A composite primary
    key (Django 5.2) is identified by its fields.
    """
    meta = model._meta
    if meta.auto_created:
        return tuple(field for field in meta.local_concrete_fields if field.is_relation)
    pk = meta.pk
    if not pk.concrete:  # CompositePrimaryKey: no column of its own
        return tuple(pk.fields)
    return (pk,)


class ValueConverter:
    """Turn decoded values into what the site's fields and database driver take."""

    def __init__(self, connection: Any) -> None:
        from django.conf import settings

        self.connection = connection
        self.use_tz = bool(settings.USE_TZ)
        self.content_types: dict[ContentTypeName, int] = {}

    def python_value(self, value: Any) -> Any:
        """Return ``value`` as the site's field wants it: content type ids, aware datetimes."""
        if isinstance(value, ContentTypeName):
            return self.content_type_id(value)
        if isinstance(value, JsonText):
            return json_field_value(value)
        if isinstance(value, datetime.datetime) and self.use_tz and value.tzinfo is None:
            # Dumps hold datetimes in UTC, so the site's TIME_ZONE must not shift them.
            return value.replace(tzinfo=datetime.timezone.utc)
        return value

    def db_value(self, field: Any, value: Any) -> Any:
        return field.get_db_prep_save(self.python_value(value), self.connection)

    def content_type_id(self, name: ContentTypeName) -> int:
        """Return the site's id of a content type: ids differ between databases.

        :raises RestoreFailed: if the site has no such content type.
        """
        if name not in self.content_types:
            from django.apps import apps

            label = f"{name.app_label}.{name.model}"
            if not apps.is_installed("django.contrib.contenttypes"):
                raise RestoreFailed(
                    f"content type {label}: the site lacks django.contrib.contenttypes"
                )
            from django.contrib.contenttypes.models import ContentType

            manager = ContentType.objects.db_manager(self.connection.alias)
            try:
                found = manager.get_by_natural_key(name.app_label, name.model)
            except ContentType.DoesNotExist as err:
                raise RestoreFailed(f"the site has no content type {label!r}") from err
            self.content_types[name] = found.pk
        return self.content_types[name]

    def row_params(
        self, target: Target, row: tuple[Any, ...], pk: Any, where: str | None = None
    ) -> list[Any]:
        """Return the parameters of the row's INSERT: its values, then the defaulted columns.

        :raises RestoreFailed: naming the row and column, if a value does not fit.
        """
        params = []
        for field, value in zip(target.fields, row, strict=True):
            try:
                params.append(self.db_value(field, value))
            except RestoreFailed as err:
                problem = f"{field.column}: {err.problem}"
                raise RestoreFailed(problem, target.source.name, pk, where) from err
            except Exception as err:  # a field's own conversion may raise anything
                problem = f"{field.column}: cannot store {value!r}: {err}"
                raise RestoreFailed(problem, target.source.name, pk, where) from err
        params.extend(self.db_value(field, field.get_default()) for field in target.defaulted)
        return params


def json_field_value(value: JsonText) -> Any:
    """Return a JSON document as a JSONField saves it: JSON null must not become SQL NULL."""
    if value.text == "null":
        from django.db.models import JSONField, Value

        return Value(None, JSONField())
    return json.loads(value.text)


def is_enforced_link(field: Any) -> bool:
    """Tell whether the database itself enforces this field as a foreign key."""
    return bool((field.many_to_one or field.one_to_one) and getattr(field, "db_constraint", False))


from typing import Any


_ROWS_NAMED = 20  # per group: the count says how many more there are


class Problems:
    """The problems found so far, by table and message, each with the rows it concerns."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[str]] = {}
        self._alone: list[RestoreFailed] = []  # each problem as it reads when it is the only one
        self._invalid_only = True

    def __bool__(self) -> bool:
        return bool(self._groups)

    def __repr__(self) -> str:
        return f"<Problems {len(self._groups)} groups, {len(self._alone)} problems>"

    def add(self, failure: RestoreFailed, message: str | None = None, detail: str = "") -> None:
        """Record ``failure``, grouped under ``message`` (default: its own) with its row.

        ``detail`` follows the row in the group's list (the value at fault).
        """
        self._invalid_only = False
        self._record(failure.table or "", message or failure.problem, failure, detail)
        self._alone.append(failure)

    def add_invalid(self, table: str, message: str, pk: Any, where: str | None) -> None:
        """Record a row that the site's models find invalid (``validation``)."""
        failure = RestoreFailed(message, table, pk, where)
        self._record(table, message, failure, "")
        self._alone.append(failure)

    def _record(self, table: str, message: str, failure: RestoreFailed, detail: str) -> None:
        rows = self._groups.setdefault((table, message), [])
        if failure.pk is not None:
            where = f" ({failure.where})" if failure.where else ""
            rows.append(f"{failure.pk!r}{where}{detail}")

    def failure(self) -> RestoreFailed:
        """Return one error that lists every problem: what the script reports before it stops."""
        if len(self._alone) == 1 and not self._invalid_only:
            return self._alone[0]  # one problem reads best as one sentence about its row
        if self._invalid_only:
            rows = {(table, row) for (table, _), named in self._groups.items() for row in named}
            head = f"{len(rows)} inserted rows are not valid for today's models"
        else:
            tables = {table for table, _ in self._groups}
            head = f"{len(self._alone)} problems in {len(tables)} tables"
        lines = [
            head + "; delete their lines from the data files to leave them out, or fix the values:"
        ]
        # A table's problems together, each table's in the order they were found.
        for (table, message), named in sorted(self._groups.items(), key=lambda g: g[0][0]):
            line = f"  {table}: {message}" if table else f"  {message}"
            if named:
                more = len(named) - _ROWS_NAMED
                shown = ", ".join(named[:_ROWS_NAMED]) + (f" and {more} more" if more > 0 else "")
                line += f": {len(named)} {'row' if len(named) == 1 else 'rows'}: {shown}"
            lines.append(line)
        return RestoreFailed("\n".join(lines))


import datetime
import uuid
from decimal import Decimal
from typing import Any, NamedTuple

PREVIEW_ROWS = 20  # per table by default: enough to see what comes back, not a dump
_PREVIEW_WIDTH = 60  # as the diff's MAX_VALUE_WIDTH


class RowPreview(NamedTuple):
    pk: Any
    where: str | None  # the row's place in the data ("repairdemo_partner.py:7"), if known
    values: tuple[tuple[str, Any], ...]  # (column, final value), the table's columns in order


class TablePreview(NamedTuple):
    table: str
    inserted: int  # rows the run inserts, of which ``rows`` holds the first
    rows: tuple[RowPreview, ...]


def format_preview(previews: list[TablePreview]) -> str:
    """Return the preview as printed: a block per table that gets rows, a line per row."""
    lines: list[str] = []
    for preview in previews:
        if not preview.inserted:
            continue
        lines.append(f"would insert into {preview.table} ({_count_rows(preview.inserted)}):")
        for row in preview.rows:
            where = f" ({row.where})" if row.where else ""
            values = ", ".join(f"{column}={shorten_value(v)}" for column, v in row.values)
            lines.append(f"  {row.pk!r}{where}: {values}")
        more = preview.inserted - len(preview.rows)
        if more > 0:
            lines.append(f"  and {more} more (--preview-rows N shows more)")
        lines.append("")
    return "\n".join(lines)


def _count_rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def shorten_value(value: Any, width: int = _PREVIEW_WIDTH) -> str:
    """Show a value as a Python literal cut to ``width`` characters, as the diff does."""
    if isinstance(value, (Decimal, datetime.date, datetime.time, uuid.UUID)):
        text = str(value)
    else:
        text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[: width - 12]}…({len(text)} chars)"


import datetime
from typing import Any



def repair_fields(
    connection: Any,
    updates: list[Update],
    models: dict[str, Any],
    converter: ValueConverter,
    problems: Problems,
) -> tuple[list[UpdateOutcome], list[str]]:
    """Put back each restored value where the row still holds the corrupted one.

    A value that differs from both was edited since the plan was made and is
    left alone. Returns the outcome per table and the tables updated. A repair
    whose table or column is unknown, or whose value the database refuses,
    goes into ``problems``.
    """
    from django.db import transaction

    results: dict[str, list[bool | SkippedRepair]] = {}
    for update in updates:
        row = (update.table, update.pk, update.where)
        model = models.get(update.table)
        field = own_fields(model).get(update.column) if model is not None else None
        if model is None:
            problems.add(RestoreFailed("the site has no model with this db table", *row))
        elif field is None:
            problems.add(RestoreFailed(f"the site's table has no column {update.column!r}", *row))
        else:
            try:
                # A savepoint: after a refused UPDATE, PostgreSQL takes no more statements.
                with transaction.atomic(using=connection.alias):
                    result = repair_field(connection, model, field, update, converter)
            except RestoreFailed as err:
                problems.add(err)
                continue
            results.setdefault(update.table, []).append(result)
    outcomes = [
        UpdateOutcome(
            table,
            planned=len(found),
            updated=sum(1 for result in found if result is True),
            already=sum(1 for result in found if result is False),
            skipped=tuple(result for result in found if isinstance(result, SkippedRepair)),
        )
        for table, found in results.items()
    ]
    return outcomes, [outcome.table for outcome in outcomes if outcome.updated]


def repair_field(
    connection: Any, model: Any, field: Any, update: Update, converter: ValueConverter
) -> bool | SkippedRepair:
    """Repair one field of one row: True if updated, False if it held the restored value already.

    :raises RestoreFailed: naming the row, if the database refuses the value.
    """
    from django.db import DatabaseError

    manager = model._base_manager.db_manager(connection.alias)
    row = manager.filter(pk=model._meta.pk.to_python(update.pk))
    locked = row
    if connection.features.has_select_for_update:
        locked = row.select_for_update()  # nobody may change it between our read and write
    where = (update.table, update.pk, update.where)
    try:
        current = list(locked.values_list(field.attname, flat=True))
        if not current:
            return SkippedRepair(update, "the row is gone")
        # Compared here in Python, not in the UPDATE's WHERE: a case-insensitive
        # collation (MySQL's default) would take an edited 'X@y.org' for 'x@y.org'.
        if same_value(current[0], converter.python_value(update.restored)):
            return False
        if not same_value(current[0], converter.python_value(update.corrupted)):
            return SkippedRepair(update, f"changed since the plan, now {current[0]!r}")
        value = converter.python_value(update.restored)
        # update() sends no signals and calls no save(), like the raw inserts.
        row.update(**{field.attname: value})
    except RestoreFailed as err:
        raise RestoreFailed(f"{field.column}: {err.problem}", *where) from err
    except DatabaseError as err:
        problem = f"{field.column}: cannot store {update.restored!r}: {one_line(err)}"
        raise RestoreFailed(problem, *where) from err
    if is_enforced_link(field) and value is not None:
        target = field.related_model._base_manager.db_manager(connection.alias)
        if not target.filter(**{field.target_field.attname: value}).exists():
            raise RestoreFailed(
                f"{field.column} = {value!r} points to no row of"
                f" {field.related_model._meta.db_table}",
                *where,
            )
    return True


def same_value(current: Any, expected: Any) -> bool:
    """Compare a stored value with one of the data, as repairkit compares values.

    The data holds datetimes in whole seconds (dump2py drops microseconds),
    and booleans as booleans where a database may hand back 0 or 1.
    """
    if current is None or expected is None:
        return current is None and expected is None
    if isinstance(current, datetime.datetime) and isinstance(expected, datetime.datetime):
        if expected.microsecond == 0:
            current = current.replace(microsecond=0)
    if isinstance(expected, bool):
        return isinstance(current, int) and bool(current) is expected
    return bool(current == expected)


from typing import Any


_CLEAN_CHUNK = 500  # keys per "pk IN (...)", as for inserting


def check_rows_valid(
    targets: list[Target], inserted: dict[str, dict[Any, str | None]], using: str,
    problems: Problems,
) -> None:  # fmt: skip
    """Clean the own fields of every inserted row; put every invalid one into ``problems``."""
    for target in targets:
        keys = inserted.get(target.source.name) or {}
        if keys:
            _collect_invalid(target, keys, using, problems)


def _collect_invalid(
    target: Target, keys: dict[Any, str | None], using: str, problems: Problems
) -> None:
    from django.core.exceptions import ValidationError

    model = target.model
    if model._meta.auto_created:
        # A many-to-many table: inserted by its pair, which the foreign key check covers.
        return
    # Only the table's own columns: a child's parent part is its own table's business.
    own = {field.name for field in target.fields if not field.is_relation}
    exclude = [f.name for f in model._meta.concrete_fields if f.name not in own]
    manager = model._base_manager.db_manager(using)
    pks = list(keys)
    for start in range(0, len(pks), _CLEAN_CHUNK):
        for instance in manager.filter(pk__in=pks[start : start + _CLEAN_CHUNK]).order_by("pk"):
            # A NULL where the column allows NULL, and an empty text, are states the
            # database holds as valid and the site itself saves (User.objects.create()
            # leaves password ''): "blank" is a form's rule, not the database's.
            values = {f.name: getattr(instance, f.attname) for f in model._meta.concrete_fields}
            empty = [
                f.name for f in model._meta.concrete_fields
                if values[f.name] == "" or f.null and values[f.name] is None
            ]  # fmt: skip
            try:
                instance.clean_fields(exclude=exclude + empty)
            except ValidationError as err:
                where = keys.get(instance.pk)
                for field, messages in err.message_dict.items():
                    for message in messages:
                        problems.add_invalid(
                            target.source.name, f"{field}: {message}", instance.pk, where
                        )


import json
import logging
from typing import Any, NamedTuple


CHUNK = 500  # keys per "pk IN (...)", rows per savepoint: well under every backend's limits


class Outcome(NamedTuple):
    tables: list[TableOutcome]
    updates: list[UpdateOutcome]
    previews: list[TablePreview]  # the first rows inserted per table, with their final values


class RestoreProblems(RestoreFailed):
    """Every problem the run found (``Problems.failure``), with the preview of what went in."""

    def __init__(self, failure: RestoreFailed, previews: list[TablePreview]) -> None:
        super().__init__(failure.problem, failure.table, failure.pk, failure.where)
        self.previews = previews


def restore(
    tables: list[SourceTable],
    updates: list[Update],
    apply: bool,
    using: str,
    preview_rows: int = 0,
) -> Outcome:
    """Insert the rows whose key is free, then repair fields; commit only if ``apply``.

    A row that cannot go in is left out and the run goes on, so that every
    problem is found; if there is any, nothing is committed. The first
    ``preview_rows`` inserted rows of each table are returned with their values.

    :raises RestoreProblems: listing every problem, by table and message (the
        rows it names, the preview of the others); the transaction is rolled back.
    :raises RestoreFailed: for a database error no step could pin on a row or table.
    """
    from django.db import DatabaseError, IntegrityError, connections, transaction

    connection = connections[using]
    models = site_models()
    problems = Problems()
    targets = []
    for table in tables:
        try:
            targets.append(resolve_table(table, models))
        except RestoreFailed as err:
            problems.add(err)
    converter = ValueConverter(connection)
    outcomes, previews = [], []
    inserted: dict[str, dict[Any, str | None]] = {}
    try:
        with transaction.atomic(using=using):
            # Deferred (SQLite, PostgreSQL) or off (MySQL) until the checks below, so
            # that rows may point at rows further down, or at each other.
            with connection.constraint_checks_disabled():
                for target in targets:
                    outcome, inserted[target.source.name], preview = insert_rows(
                        connection, target, converter, problems, preview_rows
                    )
                    outcomes.append(outcome)
                    previews.append(preview)
                update_outcomes, updated_tables = repair_fields(
                    connection, updates, models, converter, problems
                )
            filled = [target for target in targets if inserted[target.source.name]]
            for target in filled:
                check_foreign_keys(connection, target, inserted[target.source.name], problems)
            check_rows_valid(filled, inserted, using, problems)
            if problems:
                raise RestoreProblems(problems.failure(), previews)
            checked = [t.source.name for t in filled]
            checked += [name for name in updated_tables if name not in checked]
            try:
                # The database's own check, as loaddata does, for what ours does not cover.
                connection.check_constraints(table_names=checked)
            except IntegrityError as err:
                raise RestoreFailed(f"constraint check failed: {one_line(err)}") from err
            if apply:
                # Last: PostgreSQL cannot roll setval back, so never on a dry run.
                raise_sequences(connection, [target.model for target in filled])
            else:
                transaction.set_rollback(True, using=using)
    except DatabaseError as err:  # one that no step could pin on a row or table
        raise RestoreFailed(f"database error: {one_line(err)}") from err
    return Outcome(outcomes, update_outcomes, previews)


def insert_rows(
    connection: Any,
    target: Target,
    converter: ValueConverter,
    problems: Problems,
    preview_rows: int = 0,
) -> tuple[TableOutcome, dict[Any, str | None], TablePreview]:
    """Insert the table's rows whose key is free, raw; return the outcome and the keys inserted.

    The keys inserted map to where their rows are written, if the data says.
    A row the database refuses, or whose value does not fit, goes into
    ``problems`` and is left out.
    """
    from django.db import transaction

    name = target.source.name
    quote = connection.ops.quote_name
    columns = [field.column for field in (*target.fields, *target.defaulted)]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(name), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    key = target.source.columns.index(target.source.pk)
    keys = [row_key(target, row) for row in target.source.rows]
    try:
        # A savepoint: on PostgreSQL a failed query would refuse every statement after it.
        with transaction.atomic(using=connection.alias):
            existing = existing_keys(target, keys, connection.alias)
    except RestoreFailed as err:
        problems.add(err)
        existing = set(keys)  # nothing of a table that cannot be read goes in
    locations = target.source.locations or [None] * len(keys)
    pending: list[tuple[Any, str | None, tuple[Any, ...], list[Any]]] = []
    seen: set[Any] = set()
    for row, pk, where in zip(target.source.rows, keys, locations, strict=True):
        if pk in existing or pk in seen:
            continue
        seen.add(pk)
        try:
            pending.append((pk, where, row, converter.row_params(target, row, row[key], where)))
        except RestoreFailed as err:
            problems.add(err)
    inserted: dict[Any, str | None] = {}
    shown: list[RowPreview] = []
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        for pk, where, row in _insert_chunk(connection, sql, target, chunk, key, problems):
            inserted[pk] = where
            if len(shown) < preview_rows:
                shown.append(RowPreview(row[key], where, final_values(target, row, converter)))
    rows = len(target.source.rows)
    defaulted = tuple(field.column for field in target.defaulted)
    # Skipped are the rows whose key exists; a refused row is a problem, not skipped.
    outcome = TableOutcome(name, rows, len(inserted), rows - len(seen), defaulted)
    return outcome, inserted, TablePreview(name, len(inserted), tuple(shown))


def _insert_chunk(
    connection: Any,
    sql: str,
    target: Target,
    chunk: list[tuple[Any, str | None, tuple[Any, ...], list[Any]]],
    key: int,
    problems: Problems,
) -> list[tuple[Any, str | None, tuple[Any, ...]]]:
    """Insert the chunk's rows; return those that went in.

    The chunk goes in one ``executemany``: the drivers send it as one batch
    (psycopg in pipeline mode, PyMySQL as multi-row INSERTs, sqlite3 with the
    statement prepared once), where one ``execute`` per row waited for the
    server once per row. It is the same statement with the same parameters,
    so the database checks each row as before. In a savepoint: PostgreSQL
    refuses every statement after a failed one until the transaction, or a
    savepoint, is rolled back. Only a chunk that fails is inserted again row
    by row, each in a savepoint of its own, to find every row the database
    refuses and keep the others.
    """
    from django.db import DatabaseError, transaction

    psycopg_logger = logging.getLogger("psycopg")
    psycopg_logger.addFilter(_drop_pipeline_abort)
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(sql, [params for _, _, _, params in chunk])
        return [(pk, where, row) for pk, where, row, _ in chunk]
    except DatabaseError:
        pass  # found again below, with its row
    finally:
        psycopg_logger.removeFilter(_drop_pipeline_abort)
    done = []
    for pk, where, row, params in chunk:
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(sql, params)
        except DatabaseError as err:
            problems.add(RestoreFailed(one_line(err), target.source.name, row[key], where))
            continue
        done.append((pk, where, row))
    return done


def _drop_pipeline_abort(record: logging.LogRecord) -> bool:
    """Tell whether to log ``record``: not psycopg's word that its pipeline ended in error.

    When a row of an ``executemany`` fails, psycopg raises the row's error
    and, ending the pipeline it sent the rows in, warns on stderr that the
    pipeline was aborted: the same error again, which the caller handles.
    """
    return not str(record.msg).startswith("error ignored terminating")


def final_values(
    target: Target, row: tuple[Any, ...], converter: ValueConverter
) -> tuple[tuple[str, Any], ...]:
    """Return the row's columns with the values it is stored with, defaults included."""
    values = [
        # A JSON document as its data: JSON null is shown as None, not as Django's wrapper.
        (
            field.column,
            json.loads(value.text)
            if isinstance(value, JsonText)
            else converter.python_value(value),
        )
        for field, value in zip(target.fields, row, strict=True)
    ]
    values += [(field.column, field.get_default()) for field in target.defaulted]
    return tuple(values)


def row_key(target: Target, row: tuple[Any, ...]) -> Any:
    """Return the row's key as the site's fields read it: a value, or a tuple of several."""
    columns = target.source.columns
    values = tuple(field.to_python(row[columns.index(field.column)]) for field in target.key)
    return values[0] if len(values) == 1 else values


def existing_keys(target: Target, keys: list[Any], using: str) -> set[Any]:
    """Return those of ``keys`` that the table holds already (tuples for a key of several)."""
    from django.db import DatabaseError

    manager = target.model._base_manager.db_manager(using)
    names = [field.attname for field in target.key]
    found: set[Any] = set()
    try:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            if len(names) == 1:
                found.update(manager.filter(**{f"{names[0]}__in": chunk}).values_list(
                    names[0], flat=True
                ))  # fmt: skip
                continue
            # Narrowed by the first column, then matched whole: portable to every backend.
            firsts = {values[0] for values in chunk}
            rows = manager.filter(**{f"{names[0]}__in": firsts}).values_list(*names)
            found.update(tuple(values) for values in rows)
    except DatabaseError as err:  # e.g. the site's migrations have not created the table
        raise RestoreFailed(f"cannot read the table: {one_line(err)}", target.source.name) from err
    return found


def check_foreign_keys(
    connection: Any, target: Target, inserted: dict[Any, str | None], problems: Problems
) -> None:
    """Put every inserted row whose foreign key points at no row into ``problems``.

    The database would find it too (``check_constraints``), but PostgreSQL's
    message does not say which row; this query does.
    """
    quote = connection.ops.quote_name
    key_columns = ", ".join(f"t.{quote(field.column)}" for field in target.key)
    for field in target.fields:
        if not is_enforced_link(field):
            continue
        remote = field.target_field
        column, remote_column = quote(field.column), quote(remote.column)
        sql = (
            f"SELECT t.{column}, {key_columns} FROM {quote(target.source.name)} t"
            f" LEFT JOIN {quote(field.related_model._meta.db_table)} r"
            f" ON t.{column} = r.{remote_column}"
            f" WHERE t.{column} IS NOT NULL AND r.{remote_column} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            found = []
            for value, *key in cursor.fetchall():
                # As row_key reads them, so that a UUID stored as text matches too.
                key = [part.to_python(raw) for part, raw in zip(target.key, key, strict=True)]
                found.append((key[0] if len(key) == 1 else tuple(key), value))
            dangling = [(pk, value) for pk, value in found if pk in inserted]
        remote_table = field.related_model._meta.db_table
        for pk, value in dangling:
            problems.add(
                RestoreFailed(
                    f"{field.column} = {value!r} points to no row of {remote_table}",
                    target.source.name, pk, inserted[pk],
                ),
                f"{field.column} points to no row of {remote_table}",
                f" = {value!r}",
            )  # fmt: skip


def raise_sequences(connection: Any, models: list[Any]) -> None:
    """Make each PostgreSQL key sequence hand out keys above the table's highest one.

    Never lower it (Django's ``sequence_reset_sql`` would set it to the highest
    key, and hand out again keys of rows deleted since). SQLite and MySQL move
    their counters up by themselves when a higher key is inserted.
    """
    from django.db import models as django_models

    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            field = model._meta.pk
            if not isinstance(field, django_models.AutoField):
                continue  # e.g. a multi-table-inheritance child, keyed by its parent
            table = model._meta.db_table
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), field.column])
            (sequence,) = cursor.fetchone()
            if sequence is None:
                continue
            # The name comes from PostgreSQL itself, schema-qualified and quoted as needed.
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(field.column)}) FROM {quote(table)}")
            (highest,) = cursor.fetchone()
            handed_out = last_value if is_called else last_value - 1
            if highest is not None and highest > handed_out:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, highest])


import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any


# Returns the data to restore; raises RestoreFailed if it cannot be read.
Reader = Callable[[], tuple[list[SourceTable], list[Update]]]


def format_report(
    tables: list[TableOutcome], updates: list[UpdateOutcome], apply: bool, seconds: float
) -> str:
    """Return the per-table counts, the skipped field repairs and the verdict, as printed."""
    names = [t.name for t in tables] + [u.table for u in updates]
    width = max([len("total"), *map(len, names)])
    lines = [f"{'table':<{width}}  {'rows':>6}  {'inserted':>8}  {'skipped (pk exists)':>19}"]
    for t in tables:
        lines.append(f"{t.name:<{width}}  {t.rows:>6}  {t.inserted:>8}  {t.skipped:>19}")
    rows, inserted = sum(t.rows for t in tables), sum(t.inserted for t in tables)
    lines.append(f"{'total':<{width}}  {rows:>6}  {inserted:>8}  {rows - inserted:>19}")
    for t in tables:
        if t.defaulted:
            lines.append(
                f"note: {t.name}: columns not in the data get the model's default:"
                f" {', '.join(t.defaulted)}"
            )
    if updates:
        lines += ["", "field repairs (a value edited since the plan was made is left alone):"]
        heads = f"{'fields':>6}  {'updated':>8}  {'already':>8}  {'changed since':>13}"
        lines.append(f"{'table':<{width}}  {heads}")
        for u in updates:
            lines.append(
                f"{u.table:<{width}}  {u.planned:>6}  {u.updated:>8}  {u.already:>8}"
                f"  {len(u.skipped):>13}"
            )
        for u in updates:
            for skipped in u.skipped:
                update = skipped.update
                where = f" ({update.where})" if update.where else ""
                lines.append(
                    f"skipped: {update.table} pk {update.pk!r} {update.column}: {skipped.reason};"
                    f" kept as it is{where}"
                )
    done = f"{inserted} rows inserted"
    if updates:
        done += f", {sum(u.updated for u in updates)} fields repaired"
    lines.append("")
    if apply:
        lines.append(f"APPLIED: {done} and committed ({seconds:.2f} s).")
    else:
        lines.append(
            f"DRY RUN — nothing was changed: {done.replace('inserted', 'were inserted')} and"
            f" checked, then rolled back ({seconds:.2f} s). Run again with --apply to commit."
        )
    return "\n".join(lines)


def parse_options(argv: list[str], prog: str, examples: tuple[str, ...]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Put back the rows and repair the fields that repairkit planned, in one"
        " transaction, with Django's ORM. Without --apply it is a dry run: it inserts and"
        " checks, then rolls back.",
        epilog="Example: " + "  |  ".join(examples),
    )
    parser.add_argument("--apply", action="store_true", help="commit (default: dry run)")
    parser.add_argument(
        "--settings", metavar="MODULE",
        help="the site's Django settings module, when not run by manage.py"
        " (default: $DJANGO_SETTINGS_MODULE)",
    )  # fmt: skip
    parser.add_argument(
        "--pythonpath", metavar="DIR",
        help="directory to import the settings from (default: the current directory)",
    )  # fmt: skip
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.add_argument(
        "--preview-rows", metavar="N", type=int, default=PREVIEW_ROWS,
        help="a dry run lists the first N rows of each table it would insert, with their"
        f" values (default: {PREVIEW_ROWS}; 0: none)",
    )  # fmt: skip
    return parser.parse_args(argv)


def setup_django(options: argparse.Namespace) -> bool:
    """Set Django up with the site's settings; False if no settings module is named."""
    from django.apps import apps

    if apps.ready:
        return True  # run by manage.py (e.g. Lino's `manage.py run`): set up already
    # Like manage.py, which sits in the project directory: import from where we are.
    sys.path.insert(0, options.pythonpath or os.getcwd())
    if options.settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = options.settings
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return False
    import django

    django.setup()
    return True


def run(read: Reader, argv: list[str], prog: str, source: str, examples: tuple[str, ...]) -> int:
    """Restore what ``read`` returns, as ``argv`` says; return the exit status.

    0 done (dry run or applied), 1 failed and nothing changed, 2 no settings.
    ``source`` names what is restored in the report; ``examples`` are command lines.
    """
    options = parse_options(argv, prog, examples)
    if not setup_django(options):
        print(
            f"{prog}: give --settings MODULE (or set DJANGO_SETTINGS_MODULE), as in: "
            + " or ".join(examples),
            file=sys.stderr,
        )
        return EXIT_USAGE
    from django.db import connections

    mode = "APPLY" if options.apply else "DRY RUN"
    print(f"repairkit restore ({mode}): {source}")
    print(f"database: {connections[options.database].vendor} {options.database!r}", end="\n\n")
    started = time.monotonic()
    preview_rows = 0 if options.apply else max(0, options.preview_rows)
    try:
        tables, updates = read()
        outcome = restore(tables, updates, options.apply, options.database, preview_rows)
    except RestoreFailed as err:
        if isinstance(err, RestoreProblems) and preview_rows:
            # What would go in besides the rows at fault: the problems may be few.
            print(format_preview(err.previews), flush=True)
        print(f"FAILED: {err}", file=sys.stderr)
        print("Nothing was changed: the transaction was rolled back.", file=sys.stderr)
        return EXIT_FAILED
    if preview_rows:
        print(format_preview(outcome.previews))
    seconds = time.monotonic() - started
    print(format_report(outcome.tables, outcome.updates, options.apply, seconds))
    return 0


def main(tables: list[dict[str, Any]], updates: list[tuple[Any, ...]], argv: list[str],
         script: str) -> int:  # fmt: skip
    """Run the standalone script ``script``, whose data are ``tables`` and ``updates``."""
    name = os.path.basename(script)

    def read() -> tuple[list[SourceTable], list[Update]]:
        return decode_tables(tables), decode_updates(updates)

    example = f"python {name} --settings mysite.settings --apply"
    return run(read, argv, name, os.path.abspath(script), (example,))


if __name__ == "__main__":
    sys.exit(main(TABLES, UPDATES, sys.argv[1:], __file__))
