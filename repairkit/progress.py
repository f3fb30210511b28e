"""Progress of long work, reported to a callback: the library never prints.

Like Django's ``MigrationExecutor(connection, progress_callback)``, the
functions that read, compare, plan and write take a ``progress`` callable
and call it with a ``ProgressStep`` after each piece of work; the command
line passes one that draws a bar (``repairkit.progress_bar``), a program
may pass its own, and ``None`` means nobody is watching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressStep:
    """How far one stage of the work is: ``done`` of ``total`` units, and the rows so far.

    ``stage`` names the work (``"reading backup"``, ``"comparing"``); the
    same stage is reported again as it advances, and it is finished when
    ``done == total``. ``unit`` is what is counted: ``"files"``,
    ``"tables"`` or ``"steps"``. ``total`` is None while it is not known.
    """

    stage: str
    done: int
    total: int | None
    unit: str
    rows: int = 0


ProgressCallback = Callable[[ProgressStep], None]


def report_progress(progress: ProgressCallback | None, step: ProgressStep) -> None:
    """Call ``progress`` with ``step``, if anybody is watching."""
    if progress is not None:
        progress(step)
