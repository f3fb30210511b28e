"""What every output form takes and returns: ``EmitOptions`` in, ``Emitted`` out.

An output form turns a ``RestorePlan`` into the text of files (it never
writes them: ``writers.output_dir.write_output_files`` does, once everything
is rendered), the doubts that only the target site settles, and how to
apply the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from repairkit.links import PairTable
from repairkit.snapshot import Snapshot
from repairkit.writers.storable import ValueProblem


@dataclass(frozen=True, slots=True)
class EmitOptions:
    """What some output forms need beyond the plan; each form reads only its own.

    ``dialect`` and ``utf8mb4`` are for ``sql``; ``primary_keys`` names the
    key column of tables that links point to but the plan does not hold
    (``sql``, default ``id``; see ``known_primary_keys``); ``use_tz`` and
    ``pair_tables`` are the site's, for ``fixture``.
    """

    dialect: str | None = None
    utf8mb4: bool = False
    primary_keys: Mapping[str, str] = field(default_factory=dict)
    use_tz: bool | None = None
    pair_tables: Mapping[str, PairTable] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Emitted:
    """A restore script in one output form, rendered and not yet written.

    ``files`` maps file names to their text; ``written`` says them in a few
    words (``restore.py, 6 data files``); ``how_to_apply`` completes
    "Review them, then ...".
    """

    files: Mapping[str, str]
    warnings: tuple[ValueProblem, ...]
    how_to_apply: str
    written: str

    def __repr__(self) -> str:
        return f"<Emitted {self.written} {len(self.warnings)} warnings>"


def known_primary_keys(snapshots: Sequence[Snapshot]) -> dict[str, str]:
    """Return the primary key column of every table of ``snapshots``; earlier ones win.

    Give the current state first: a table's key is today's.
    """
    return {name: table.pk for s in reversed(snapshots) for name, table in s.tables.items()}
