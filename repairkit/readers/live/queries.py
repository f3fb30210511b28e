"""The SELECT statements a live reader sends: quoted names, rows in key order, rows by key."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .tables import TableSpec

# Rows fetched from a cursor at a time.
BATCH = 2000


def quoted(name: str, quote_char: str = '"') -> str:
    """Return ``name`` quoted as an identifier, its quote characters doubled."""
    return quote_char + name.replace(quote_char, quote_char * 2) + quote_char


def select_rows(
    spec: TableSpec,
    quote_char: str = '"',
    as_text: Collection[int] = (),
    *,
    fingerprint: str | None = None,
    only_key: bool = False,
    keys: int = 0,
    placeholder: str = "%s",
    where: str = "",
    holding: Sequence[str] = (),
    values: int = 0,
    as_integer: str = "{}",
) -> str:
    """Return the SELECT of a table's rows in key order; columns in ``as_text`` as their text.

    ``format('%s', x)`` gives the type's output text, as pg_dump writes it
    (``::text`` would write an inet ``::1`` as ``::1/128``); it gives ``''``
    for NULL, hence the CASE. ``fingerprint``, an expression, is selected
    after the columns (after the key columns alone if ``only_key``); ``keys``
    picks that many rows by their key values, given as parameters
    (``placeholder`` each: ``%s`` for psycopg and PyMySQL, ``?`` for sqlite3);
    ``where``, a condition, limits the rows otherwise. ``holding`` and
    ``values`` pick the rows where one of the columns ``holding`` holds one
    of that many values, given as parameters (the parameters of the first
    column, then of the next): each column written as ``as_integer``
    formats its name (SQLite's ``CAST({} AS INTEGER)``).
    """
    names = [quoted(column.name, quote_char) for column in spec.columns]
    # With parameters, the driver reads every % of the query as a placeholder's.
    percent = "%%" if keys or values else "%"
    expressions = [
        f"CASE WHEN {name} IS NULL THEN NULL ELSE format('{percent}s', {name}) END"
        if i in as_text
        else name
        for i, name in enumerate(names)
    ]
    key_expressions = [expressions[names.index(quoted(n, quote_char))] for n in spec.key]
    selected = key_expressions if only_key else expressions
    if fingerprint is not None:
        selected = [*selected, fingerprint]
    if values:
        listed = ", ".join([placeholder] * values)
        where = " OR ".join(
            f"{as_integer.format(quoted(name, quote_char))} IN ({listed})" for name in holding
        )
    where = f" WHERE {where}" if where else ""
    if keys:
        if len(spec.key) == 1:
            where = f" WHERE {key_expressions[0]} IN ({', '.join([placeholder] * keys)})"
        else:
            row = "(" + ", ".join([placeholder] * len(spec.key)) + ")"
            where = f" WHERE ({', '.join(key_expressions)}) IN ({', '.join([row] * keys)})"
    order = ", ".join(quoted(name, quote_char) for name in spec.key)
    table = quoted(spec.name, quote_char)
    return f"SELECT {', '.join(selected)} FROM {table}{where} ORDER BY {order}"
