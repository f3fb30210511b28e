"""Readers: one module per input format, and ``read_snapshot`` to pick one."""

from __future__ import annotations

from pathlib import Path

from repairkit.errors import DumpNotFoundError
from repairkit.snapshot import Snapshot

from .lino_dump import MapFunction, ProgressCallback, read_lino_dump

__all__ = ["read_snapshot"]


def read_snapshot(
    source: str | Path,
    progress: ProgressCallback | None = None,
    map_files: MapFunction = map,  # type: ignore[assignment]
) -> Snapshot:
    """Read the dump at ``source`` into a Snapshot.

    ``map_files`` may run file scans in parallel (see ``repairkit.workers``).

    :raises DumpNotFoundError: if there is nothing at ``source``.
    :raises DumpFormatError: if it is not a valid dump.
    """
    path = Path(source)
    if not path.exists():
        raise DumpNotFoundError(path, "no such file or directory")
    return read_lino_dump(path, progress=progress, map_files=map_files)
