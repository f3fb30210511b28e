"""Write a merge's rendered files into ``--output``: the one place that writes them.

Every file name is checked to be a plain name inside the directory (a name
built from a hostile dump must never reach another place), and each file is
created afresh, never through an existing path: a symbolic link planted in
the directory cannot redirect a write. Files of an earlier merge that are
replaced (``merge --force``) are removed only here, after everything new
has been rendered, so that a merge that fails keeps the earlier output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from repairkit.errors import EmitError
from repairkit.plan_report import PLAN_FILE
from repairkit.progress import ProgressCallback, ProgressStep, report_progress

# What any merge writes besides one data file per table: restore.py and
# updates.json (restore directory), repair.json, repair.<dialect>.sql, repair_django.py,
# and report.html.
_FIXED_NAMES = re.compile(
    r"restore\.py|updates\.json|repair\.json|repair\.\w+\.sql|repair_django\.py|report\.html"
)

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def check_file_name(name: str) -> str:
    """Return ``name`` if it names a file directly inside a directory; else refuse.

    :raises EmitError: for an empty, absolute, dotted or nested name.
    """
    if (
        not name
        or name in (".", "..")
        or "\0" in name
        or os.sep in name
        or (os.altsep and os.altsep in name)
        or Path(name).is_absolute()
    ):
        raise EmitError(f"refusing to write {name!r}: not a plain file name inside --output")
    return name


def write_output_files(
    output: Path,
    files: Mapping[str, str],
    replaced: Iterable[Path] = (),
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Write ``files`` (name -> text) into ``output``, after removing ``replaced``.

    ``output`` is created if missing. Returns the paths written; ``progress``
    hears of each.

    :raises EmitError: for a file name that would leave ``output``, or a
        file that exists already (nothing of the new output is written then).
    """
    names = [check_file_name(name) for name in files]
    output.mkdir(parents=True, exist_ok=True)
    leaving = {path.name for path in replaced}
    clashes = [name for name in names if os.path.lexists(output / name) and name not in leaving]
    if clashes:
        raise EmitError(f"{output}: already holds {', '.join(sorted(clashes))}; nothing written")
    for path in replaced:
        path.unlink(missing_ok=True)
    written = []
    for name, text in files.items():
        path = output / name
        descriptor = os.open(path, _CREATE, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        written.append(path)
        report_progress(progress, ProgressStep("writing", len(written), len(files), "files"))
    return written


def find_earlier_merge_files(output: Path) -> list[Path]:
    """Return the files that an earlier merge wrote into ``output``, for ``merge --force``.

    They are known by the earlier plan.json: its tables name the data files.
    A directory without one, or with any other file, is not an earlier
    merge's output, and nothing in it is replaced.

    :raises EmitError: if ``output`` holds anything a merge did not write.
    """
    if not output.exists():
        return []
    if not output.is_dir():
        raise EmitError(f"--output {output}: exists and is not a directory")
    entries = sorted(output.iterdir())
    if not entries:
        return []
    plan = output / PLAN_FILE
    data_files = _data_files_of_plan(plan) if plan.is_file() else set()
    foreign = [
        entry.name
        for entry in entries
        if entry.is_dir()
        or not (
            entry.name == PLAN_FILE
            or entry.name in data_files
            or _FIXED_NAMES.fullmatch(entry.name)
        )
    ]
    if foreign:
        raise EmitError(
            f"--output {output}: holds files no merge wrote ({', '.join(foreign)});"
            " nothing is replaced: choose another directory"
        )
    if not plan.is_file():
        raise EmitError(
            f"--output {output}: has no {PLAN_FILE}, so it is not an earlier merge's output;"
            " nothing is replaced: choose another directory"
        )
    return entries


def _data_files_of_plan(path: Path) -> set[str]:
    """Return the data file names an earlier merge's plan.json implies."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
        return {f"{table['table']}.py" for table in plan["tables"]}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise EmitError(
            f"--output {path.parent}: no readable {PLAN_FILE} of an earlier merge ({err});"
            " nothing is replaced: choose another directory"
        ) from err
