"""Every problem of a restore, collected so that one run reports them all.

A reviewer who fixes the first problem only to be shown the next one runs
the script once per problem. So the engine goes on after a row it cannot
insert (leaving that row out), checks every table and every foreign key,
and reports at the end, grouped by table and message, what a reviewer has
to edit; nothing is committed if there is any problem.
"""

from __future__ import annotations

from typing import Any

from .records import RestoreFailed

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
