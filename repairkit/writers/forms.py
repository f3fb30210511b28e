"""The output forms of a restore plan (``merge --emit``), and ``emit``.

Each form is one writer module with an ``emit_*`` function and one entry
in ``OUTPUT_FORMS``; the command line's ``--emit`` choices and help come
from this table. Django's ``BUILTIN_SERIALIZERS`` is the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from repairkit.errors import EmitError
from repairkit.plan import RestorePlan

from .django_script import emit_django_script
from .emitted import EmitOptions, Emitted
from .fixture import emit_fixture
from .restore_dir import emit_restore_dir
from .sql import emit_sql

DEFAULT_FORM = "restore-dir"


@dataclass(frozen=True, slots=True)
class OutputForm:
    """One output form: its name, what it writes for whom, and how it is rendered."""

    name: str
    description: str
    render: Callable[[RestorePlan, EmitOptions], Emitted]
    writes_field_repairs: bool = True
    needs_dialect: bool = False


OUTPUT_FORMS: dict[str, OutputForm] = {
    "restore-dir": OutputForm(
        "restore-dir", "restore.py and data files for Lino", emit_restore_dir
    ),
    "fixture": OutputForm(
        "fixture",
        "repair.json for manage.py loaddata",
        emit_fixture,
        # loaddata saves whole objects: it has no form for "set this field
        # only where it still holds the damaged value".
        writes_field_repairs=False,
    ),
    "sql": OutputForm(
        "sql", "repair.DIALECT.sql for the database's own client", emit_sql, needs_dialect=True
    ),
    "django": OutputForm(
        "django", "repair_django.py, standalone, for Django's ORM", emit_django_script
    ),
}


def check_emit_options(form: str, options: EmitOptions, *, field_repairs: bool) -> OutputForm:
    """Return the output form called ``form`` if it can write what is asked.

    Call it before the dumps are read, to fail fast; ``emit`` calls it too.

    :raises EmitError: for an unknown form, field repairs in a form that
        cannot write them, or a dialect missing or given where none is wanted.
    """
    if form not in OUTPUT_FORMS:
        raise EmitError(f"unknown output form {form!r}; known: {', '.join(OUTPUT_FORMS)}")
    output_form = OUTPUT_FORMS[form]
    if field_repairs and not output_form.writes_field_repairs:
        raise EmitError(
            "--repair and --repair-findings cannot be written as a fixture: loaddata overwrites"
            " whole rows and cannot update a field only where it still holds the damaged value;"
            " use the default restore directory, --emit sql or --emit django (docs/emit.md)"
        )
    if output_form.needs_dialect != (options.dialect is not None):
        raise EmitError("--dialect goes with --emit sql, and --emit sql needs it")
    return output_form


def emit(
    plan: RestorePlan, form: str = DEFAULT_FORM, options: EmitOptions | None = None
) -> Emitted:
    """Render ``plan`` in the output form ``form`` (see ``OUTPUT_FORMS``); write nothing.

    :raises EmitError: if the form is unknown or cannot write this plan
        (see ``check_emit_options``), or a name or value cannot be written
        in it exactly (``UnstorableValueError``).
    """
    options = options or EmitOptions()
    output_form = check_emit_options(form, options, field_repairs=bool(plan.updates))
    return output_form.render(plan, options)
