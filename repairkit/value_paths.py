"""The paths that changed inside a structured value: ``settings['theme']: 'dark' -> 'light'``.

A JSON document that changed in one key is easier to read as that key than
as two whole documents. A value is structured when it is a JSON document
(``JsonValue``) or a text holding a JSON object or array (a JSON field on a
database without a JSON type), on both sides of the change, and both sides
are objects or arrays. Arrays are compared by position.

This is a walk of our own rather than ``deepdiff``: JSON documents need no
more than objects, arrays and scalars compared by type and value, and on
5,058 changed settings documents of about 40 keys deepdiff took 8.7 s
(1.7 ms a pair, and 57 ms to import) where this walk, parsing included,
takes 0.4 s (76 µs a pair), about a tenth of the whole diff's 3-4 s
(``benchmarks/bench_json_paths.py``, December 2026).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from repairkit.snapshot import JsonValue, Value


class _Absent:
    """The side of a path that does not exist: a key added or removed, an array grown or cut."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Final = _Absent()


@dataclass(frozen=True, slots=True)
class PathChange:
    """One place inside a structured value that holds another value now.

    ``path`` is written as Python indexing from the value itself
    (``['theme']``, ``[2]['name']``); ``old`` or ``new`` is ``ABSENT`` where
    that side has nothing at the path.
    """

    path: str
    old: object
    new: object


def changed_paths(old: Value, new: Value) -> tuple[PathChange, ...]:
    """Return the paths that differ between two structured values, in document order.

    Return ``()`` if either value is not structured (then the change is shown
    whole), or if the documents are equal (only their spelling changed).
    """
    old_document, new_document = _structure(old), _structure(new)
    if old_document is None or new_document is None:
        return ()
    changes: list[PathChange] = []
    # A stack rather than recursion: json.loads takes documents nested nearly
    # as deep as Python's recursion limit, with the report's own frames on top.
    pending: list[tuple[str, object, object]] = [("", old_document, new_document)]
    while pending:
        path, before, after = pending.pop()
        children = _children(path, before, after)
        if children is None:
            if not _same(before, after):
                changes.append(PathChange(path, before, after))
            continue
        pending.extend(reversed(children))
    return tuple(changes)


def _structure(value: Value) -> dict[str, object] | list[object] | None:
    if isinstance(value, JsonValue):
        text = value.stored_text  # the same document as ``text``, with the source's key order
    elif isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        text = value
    else:
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None  # a text that only looks like JSON: shown whole, as any text
    return document if isinstance(document, (dict, list)) else None


def _children(path: str, before: object, after: object) -> list[tuple[str, object, object]] | None:
    """Return the pairs below ``path`` to compare, or None if the two are not both containers."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [*before, *(key for key in after if key not in before)]
        return [
            (f"{path}[{key!r}]", before.get(key, ABSENT), after.get(key, ABSENT)) for key in keys
        ]
    if isinstance(before, list) and isinstance(after, list):
        return [
            (
                f"{path}[{index}]",
                before[index] if index < len(before) else ABSENT,
                after[index] if index < len(after) else ABSENT,
            )
            for index in range(max(len(before), len(after)))
        ]
    return None


def _same(before: object, after: object) -> bool:
    # ``True == 1`` and ``1 == 1.0`` in Python, but not in a JSON document's text.
    return type(before) is type(after) and before == after
