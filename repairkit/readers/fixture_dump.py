"""Read a Django ``dumpdata`` fixture into a Snapshot.

A fixture names models and fields, not tables and columns, and says
little about which field is a foreign key. Without the models, repairkit
names things the way Django does by default and marks the result as
guessed (``FixtureSnapshot``); ``fixture_align.align_snapshots`` later
corrects the names against a source that knows the schema. The rules are
in docs/formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import (
    Column,
    ColumnKind,
    ContentTypeRef,
    MemoryRowStore,
    Pk,
    Row,
    Snapshot,
    Table,
    Value,
)
from repairkit.values import MILLISECOND_PRECISION, render_key, render_natural_key
from repairkit.workers import MapFunction

from .fixture_parse import (
    FieldValue,
    FixtureObject,
    Key,
    Members,
    Reference,
    fixture_format_of,
    read_fixture_objects,
    sniff_fixture_format,
)
from .live_tables import SKIPPED_MODELS

CONTENT_TYPE_MODEL = "contenttypes.contenttype"
CONTENT_TYPE_TABLE = "django_content_type"
GUESSED_PK = "id"

# The natural keys of Django's own models, for rows dumped with --natural-primary.
# Other models' pk-less rows are keyed by all their field values, in order.
KNOWN_NATURAL_KEYS = {
    CONTENT_TYPE_MODEL: ("app_label", "model"),
    "auth.group": ("name",),
    "auth.user": ("username",),
    "auth.permission": ("codename", "content_type"),
    "sites.site": ("domain",),
}


class FixtureSnapshot(Snapshot):
    """A Snapshot read from a fixture: column names guessed, content type ids known."""

    def __init__(
        self, label: str, tables: Iterable[Table], content_types: dict[Pk, ContentTypeRef],
        info: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(label, tables, info)
        self.content_types = content_types  # id -> ref, from the fixture's own content type rows


@dataclass(slots=True)
class _TableBuilder:
    """Collects one table's rows while the columns are still being learned."""

    name: str
    model: str
    pk: str = GUESSED_PK
    key: tuple[str, ...] = ()  # the columns that identify a row, where more than pk
    columns: dict[str, ColumnKind] = field(default_factory=dict)
    rows: dict[Pk, dict[str, Value]] = field(default_factory=dict)
    composite: dict[Pk, tuple[Value, ...]] = field(default_factory=dict)  # CompositePrimaryKey

    def add(self, path: Path, obj: FixtureObject, pk: Pk, values: dict[str, Value]) -> None:
        if pk in self.rows:
            raise DumpFormatError(
                path, obj.line, f"object {obj.number}: duplicate pk {pk!r} of {obj.model}"
            )
        for name in values:
            self.columns.setdefault(name, ColumnKind.PLAIN)
        self.rows[pk] = values

    def table(self) -> Table:
        names = [self.pk, *(name for name in self.columns if name != self.pk)]
        columns = []
        for name in names:
            kind = self.columns.get(name, ColumnKind.PLAIN)
            references = CONTENT_TYPE_TABLE if kind is ColumnKind.CONTENT_TYPE else None
            columns.append(Column(name, kind, references))
        rows: dict[Pk, Row] = {
            pk: tuple(values.get(name) for name in names) for pk, values in self.rows.items()
        }
        # A many-to-many table has no model of its own: model is "" for it.
        return Table(
            self.name, columns, self.pk, MemoryRowStore(rows), model=self.model or None,
            key=self.key,
        )  # fmt: skip


def read_django_fixture(
    path: str | Path, label: str | None = None, form: str | None = None
) -> FixtureSnapshot:
    """Read the dumpdata fixture at ``path`` (any format, compressed or not).

    :raises DumpNotFoundError: if there is no such file.
    :raises DumpFormatError: if it is not a valid fixture.
    """
    path = Path(path)
    objects = read_fixture_objects(path, form)
    content_types = _content_types(path, objects)
    ct_fields = _content_type_fields(objects, content_types)
    fk_fields = _foreign_key_fields(objects)
    tables: dict[str, _TableBuilder] = {}
    for obj in objects:
        if obj.model in SKIPPED_MODELS:
            continue  # what a Lino dump never holds; content types were used above
        app_label, _, model = obj.model.partition(".")
        builder = tables.setdefault(obj.model, _TableBuilder(f"{app_label}_{model}", obj.model))
        pk = _row_key(path, obj)
        values: dict[str, Value] = {}
        for name, value in obj.fields.items():
            if isinstance(value, Members):
                through = tables.setdefault(
                    f"{obj.model}.{name}", _through_builder(builder, name, value)
                )
                _add_members(path, obj, through, pk, value)
            elif (obj.model, name) in ct_fields:
                builder.columns[f"{name}_id"] = ColumnKind.CONTENT_TYPE
                values[f"{name}_id"] = _content_type(path, obj, name, value, content_types)
            elif isinstance(value, Reference) or (obj.model, name) in fk_fields:
                values[f"{name}_id"] = (
                    _reference_value(value.key) if isinstance(value, Reference) else value
                )
            else:
                values[name] = value
        _mark_parent_link(builder, obj, pk, values)
        if isinstance(obj.pk, tuple):
            builder.composite[pk] = obj.pk  # its fields are among the values already
        else:
            values.setdefault(builder.pk, pk)
        builder.add(path, obj, pk, values)
    for builder in tables.values():
        if builder.composite:
            _find_composite_key(path, builder)
    info = {"format": "django-fixture", "column_names": "guessed"}
    if (form or fixture_format_of(path)) in ("json", "jsonl"):
        # DjangoJSONEncoder cuts datetimes and times to milliseconds.
        info["datetime_precision"] = MILLISECOND_PRECISION
    return FixtureSnapshot(
        label or path.name, [b.table() for b in tables.values()], content_types, info
    )


def _row_key(path: Path, obj: FixtureObject) -> Pk:
    if obj.pk is not None:
        return obj.pk if not isinstance(obj.pk, tuple) else render_key(obj.pk)
    names = KNOWN_NATURAL_KEYS.get(obj.model, tuple(obj.fields))
    parts: list[object] = []
    for name in names:
        value = obj.fields.get(name)
        if isinstance(value, Reference):
            parts.extend(value.key if isinstance(value.key, tuple) else (value.key,))
        elif isinstance(value, Members):
            continue  # a membership list is not part of what identifies a row
        else:
            parts.append(value)
    if not parts:
        raise DumpFormatError(
            path, obj.line, f"object {obj.number}: {obj.model} has neither pk nor fields"
        )
    return render_natural_key(parts)


def _find_composite_key(path: Path, builder: _TableBuilder) -> None:
    """Name the fields of a composite primary key: those that hold its parts in every row.

    dumpdata writes such a pk as the list of its fields' values, which are
    among the fields too. Where a part matches no field, or several in every
    row, the fixture alone does not say which it is: refused, never guessed.
    """
    sizes = {len(parts) for parts in builder.composite.values()}
    if len(sizes) != 1 or len(builder.composite) != len(builder.rows):
        raise DumpFormatError(
            path, None, f"{builder.model}: some rows have a composite pk, others not, or sizes vary"
        )
    key: list[str] = []
    for index in range(sizes.pop()):
        names = [
            name
            for name in builder.columns
            if all(
                name in builder.rows[pk] and _same_key_part(builder.rows[pk][name], parts[index])
                for pk, parts in builder.composite.items()
            )
        ]
        if len(names) != 1 or names[0] in key:
            raise DumpFormatError(
                path, None,
                f"{builder.model}: part {index + 1} of its composite pk matches the fields"
                f" {names!r} in every row; cannot tell which is the key",
            )  # fmt: skip
        key.append(names[0])
    builder.pk, builder.key = key[0], tuple(key)


def _same_key_part(value: Value, part: Value) -> bool:
    # type() as well: 1 and '1' are different keys, and True == 1 in Python.
    return type(value) is type(part) and value == part


def _foreign_key_fields(objects: list[FixtureObject]) -> set[tuple[str, str]]:
    """Find the fields that hold a foreign key in some row, so that all their rows agree."""
    found = set()
    for obj in objects:
        for name, value in obj.fields.items():
            # An MTI parent link is named <parent>_ptr by Django.
            if isinstance(value, Reference) or name.endswith("_ptr"):
                found.add((obj.model, name))
    return found


def _reference_value(key: Key | None) -> Value:
    """Return a foreign key's column value: the target's pk, or its rendered natural key."""
    return render_natural_key(key) if isinstance(key, tuple) else key


def _mark_parent_link(
    builder: _TableBuilder, obj: FixtureObject, pk: Pk, values: dict[str, Value]
) -> None:
    # With --natural-primary, an MTI child carries its parent link ("partner_ptr");
    # Django names it <parent>_ptr, and it is the child's primary key.
    for name in obj.fields:
        column = f"{name}_id"
        if name.endswith("_ptr") and values.get(column) == pk:
            builder.pk = column
            builder.columns[column] = ColumnKind.PARENT_LINK
            return


def _through_builder(owner: _TableBuilder, name: str, members: Members) -> _TableBuilder:
    """Start the table of a many-to-many field, as Django names an auto-created one."""
    source = owner.model.partition(".")[2]
    if members.target:
        target = members.target.partition(".")[2]
    else:
        # JSON does not name the related model; "groups" -> "group" is Django's usual naming.
        target = name[:-1] if name.endswith("s") else name
    source_column, target_column = f"{source}_id", f"{target}_id"
    if source == target:
        source_column, target_column = f"from_{source}_id", f"to_{target}_id"
    builder = _TableBuilder(
        f"{owner.name}_{name}", "", pk=source_column, key=(source_column, target_column)
    )
    builder.columns = {source_column: ColumnKind.PLAIN, target_column: ColumnKind.PLAIN}
    return builder


def _add_members(
    path: Path, obj: FixtureObject, through: _TableBuilder, pk: Pk, members: Members
) -> None:
    source_column, target_column = list(through.columns)[:2]
    for key in members.keys:
        target = _reference_value(key)
        through.add(path, obj, render_key((pk, target)), {source_column: pk, target_column: target})


def _content_types(path: Path, objects: list[FixtureObject]) -> dict[Pk, ContentTypeRef]:
    refs: dict[Pk, ContentTypeRef] = {}
    for obj in objects:
        if obj.model == CONTENT_TYPE_MODEL:
            app_label, model = obj.fields.get("app_label"), obj.fields.get("model")
            if not isinstance(app_label, str) or not isinstance(model, str):
                raise DumpFormatError(
                    path, obj.line, f"object {obj.number}: content type without app_label/model"
                )
            ref = ContentTypeRef(app_label, model)
            refs[
                obj.pk if isinstance(obj.pk, (int, str)) else render_natural_key((app_label, model))
            ] = ref
    return refs


def _content_type_fields(
    objects: list[FixtureObject], content_types: dict[Pk, ContentTypeRef]
) -> set[tuple[str, str]]:
    """Find the fields that point to a content type (see docs/formats.md for the rule)."""
    seen: dict[tuple[str, str], bool] = {}
    known_pairs = {(ref.app_label, ref.model) for ref in content_types.values()}
    for obj in objects:
        for name, value in obj.fields.items():
            if value is None or isinstance(value, Reference) and value.key is None:
                continue
            key = (obj.model, name)
            if isinstance(value, Reference) and value.target is not None:
                verdict = value.target == CONTENT_TYPE_MODEL
            elif isinstance(value, Reference) and isinstance(value.key, tuple):
                verdict = len(value.key) == 2 and (
                    value.key in known_pairs or _named_like_content_type(name)
                )
            else:
                scalar = value.key if isinstance(value, Reference) else value
                # An id is a content type's only under Django's own name for it: an
                # id in ticket_type or owner_type may point anywhere. A source that
                # knows (alignment) or the models say which of those are content types.
                verdict = (
                    name == "content_type" and isinstance(scalar, int)
                    and not isinstance(scalar, bool) and scalar in content_types
                )  # fmt: skip
            seen[key] = seen.get(key, True) and verdict
    return {key for key, verdict in seen.items() if verdict}


def _named_like_content_type(name: str) -> bool:
    # Django's own convention (content_type) and Lino's (owner_type, partner_type).
    return name == "content_type" or name.endswith("_type")


def _content_type(
    path: Path,
    obj: FixtureObject,
    name: str,
    value: FieldValue,
    content_types: dict[Pk, ContentTypeRef],
) -> Value:
    key = value.key if isinstance(value, Reference) else value
    if key is None:
        return None
    if isinstance(key, tuple) and len(key) == 2:
        return ContentTypeRef(str(key[0]), str(key[1]))
    if isinstance(key, (int, str)) and key in content_types:
        return content_types[key]
    raise DumpFormatError(
        path,
        obj.line,
        f"object {obj.number}: {obj.model}.{name} = {key!r} is no known content type",
    )


def is_fixture(form: str) -> Callable[[str], bool]:
    """Return a ``sniff`` function for the format registry: is this a ``form`` fixture?"""
    return lambda source: sniff_fixture_format(source) == form


def fixture_reader(form: str) -> Callable[[str, MapFunction], Snapshot]:
    """Return a ``read`` function for the format registry (one file: nothing to map)."""
    return lambda source, map_files: read_django_fixture(source, form=form)
