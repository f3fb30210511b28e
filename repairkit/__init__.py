"""repairkit: find deleted and corrupted records in database dumps and put them back.

The pipeline, one function per step, each with a plain result::

    read_snapshots -> diff_snapshots -> find_findings     (what changed, what looks damaged)
    read_snapshots -> plan_restore (+ plan_repairs) -> emit -> write_output_files

The command line (``repairkit.cli``) only wires these steps and prints.
"""

from repairkit.diff import Changeset, diff_snapshots
from repairkit.errors import (
    DumpFormatError,
    DumpNotFoundError,
    DumpReadError,
    EmitError,
    PlanError,
    RepairkitError,
)
from repairkit.findings import Finding, FindingKind, find_findings
from repairkit.plan import RestorePlan, plan_restore
from repairkit.readers import read_snapshot, read_snapshots
from repairkit.repairs import add_updates, plan_repairs
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef, JsonValue, Snapshot, Table
from repairkit.version import __version__ as __version__
from repairkit.writers.emitted import EmitOptions, Emitted
from repairkit.writers.forms import OUTPUT_FORMS, emit
from repairkit.writers.output_dir import write_output_files

__all__ = [
    "OUTPUT_FORMS",
    "Changeset",
    "Column",
    "ColumnKind",
    "ContentTypeRef",
    "DumpFormatError",
    "DumpNotFoundError",
    "DumpReadError",
    "EmitError",
    "EmitOptions",
    "Emitted",
    "Finding",
    "FindingKind",
    "JsonValue",
    "PlanError",
    "RepairkitError",
    "RestorePlan",
    "Snapshot",
    "Table",
    "add_updates",
    "diff_snapshots",
    "emit",
    "find_findings",
    "plan_repairs",
    "plan_restore",
    "read_snapshot",
    "read_snapshots",
    "write_output_files",
]
