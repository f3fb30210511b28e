"""The columns of a SQL dump's table that hold content type ids, resolved through the dump's map.

A column that points at ``django_content_type`` (a generic foreign key's
``*_type_id``) holds ids that mean something only through the dump's own
``django_content_type`` rows: the snapshot holds the ``ContentTypeRef``
they name (``tables``). Every id is checked when the dump is read, and a
row's ids are resolved when the row is decoded, so that such a table's
rows can stay kept as text (``insert_rows``) like any other table's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef, Row, Value


@dataclass(frozen=True)
class ContentTypeColumns:
    """Which values of a row are content type ids (``indices``, named ``names``), and their map."""

    path: Path
    table: str
    names: Sequence[str]
    indices: Sequence[int]
    content_types: Mapping[Value, ContentTypeRef]

    def check(self, values: Sequence[Value], line: int) -> None:
        """Refuse the first of ``values`` (one per column, in order) that is no id of the map.

        :raises DumpFormatError: naming the line, the column and the value.
        """
        for name, value in zip(self.names, values, strict=True):
            if value is not None and value not in self.content_types:
                raise DumpFormatError(
                    self.path,
                    line,
                    f"{self.table}.{name} = {value!r} is not an id of {CONTENT_TYPE_TABLE}"
                    " in this dump",
                )

    def resolve(self, row: Row, line: int) -> Row:
        """Return ``row`` with each content type id replaced by the reference it names.

        :raises DumpFormatError: for an id that is not in the map.
        """
        values = list(row)
        self.check([values[index] for index in self.indices], line)
        for index in self.indices:
            if values[index] is not None:
                values[index] = self.content_types[values[index]]
        return tuple(values)

    def scheme(self) -> str:
        """Return a digest of the map: the same text means the same row only under the same map."""
        described = repr(sorted((repr(key), str(ref)) for key, ref in self.content_types.items()))
        return hashlib.sha256(described.encode()).hexdigest()[:16]
