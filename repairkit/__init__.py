"""repairkit: find deleted and corrupted records in database dumps and put them back."""

from repairkit.diff import Changeset, diff_snapshots
from repairkit.errors import DumpFormatError, DumpNotFoundError, PlanError, RepairkitError
from repairkit.readers import read_snapshot
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef, JsonValue, Snapshot, Table

__all__ = [
    "Changeset",
    "Column",
    "ColumnKind",
    "ContentTypeRef",
    "DumpFormatError",
    "DumpNotFoundError",
    "JsonValue",
    "PlanError",
    "RepairkitError",
    "Snapshot",
    "Table",
    "diff_snapshots",
    "read_snapshot",
]
__version__ = "0.1.0"
