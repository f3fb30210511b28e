"""``repairkit merge``: plan putting back what the current state lost, and write the script."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from repairkit.absence import add_absences, since_index
from repairkit.cli import (
    EXIT_LEFT_OUT,
    FROM_OPTION,
    JOBS_OPTION,
    REPORT_FILE,
    RepairkitClickError,
    cli,
    library_errors_as_cli_errors,
    read_inputs,
)  # fmt: skip
from repairkit.cli_history import put_in_time_order
from repairkit.findings.kinds import repairable_kind_names
from repairkit.mapping import parse_mapping_options, read_mapping_file
from repairkit.plan import plan_restore
from repairkit.plan_report import PLAN_FILE, render_plan_json, render_plan_text
from repairkit.progress_bar import QUIET_OPTION, progress_bar
from repairkit.repairs import add_updates, plan_repairs, repairable_kinds
from repairkit.report_html import render_plan_html
from repairkit.schema_drift import prepare_backups
from repairkit.site_fields import read_site_fields
from repairkit.snapshot import Snapshot
from repairkit.workers import jobs_for_inputs, worker_pool
from repairkit.writers.emitted import EmitOptions, Emitted, known_primary_keys
from repairkit.writers.forms import DEFAULT_FORM, OUTPUT_FORMS, check_emit_options
from repairkit.writers.forms import emit as emit_plan
from repairkit.writers.output_dir import find_earlier_merge_files, write_output_files
from repairkit.writers.sql import DIALECTS


def parse_repair(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, list[str]]:
    """Turn ``--repair TABLE.FIELD,FIELD`` options into ``{table: [field, ...]}``."""
    fields: dict[str, list[str]] = {}
    for value in values:
        table, dot, names = value.partition(".")
        texts = [name.strip() for name in names.split(",") if name.strip()]
        if not dot or not table or not texts:
            raise click.BadParameter(
                f"{value!r} is not TABLE.FIELD,FIELD,... (e.g. contacts_partner.email)"
            )
        columns = fields.setdefault(table, [])
        columns.extend(name for name in texts if name not in columns)
    return fields


def parse_only(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, list[str]]:
    """Turn ``--only TABLE:PK,PK`` options into ``{table: [pk text, ...]}``."""
    only: dict[str, list[str]] = {}
    for value in values:
        table, colon, pks = value.partition(":")
        texts = [pk.strip() for pk in pks.split(",") if pk.strip()]
        if not colon or not table or not texts:
            raise click.BadParameter(f"{value!r} is not TABLE:PK,PK,... (e.g. contacts_person:13)")
        only.setdefault(table, []).extend(texts)
    return only


@cli.command()
@click.argument("backups", nargs=-1, required=True, metavar="BACKUP...")
@click.option("--current", required=True, help="Dump of the database as it is now.")
@click.option(
    "--output", "-o", required=True, type=click.Path(path_type=Path),
    help="Directory for restore.py, the data files and plan.json (created; must be empty).",
)  # fmt: skip
@click.option(
    "--settings", metavar="MODULE",
    help="The site's Django settings module, to read foreign keys and unique columns from its"
    " models instead of inferring them from column names, and the model labels and"
    " many-to-many tables that --emit fixture needs from a SQL source (importable from here).",
)  # fmt: skip
@click.option(
    "--table", "tables", multiple=True, metavar="TABLE",
    help="Reinstate only the missing rows of this table (repeatable).",
)  # fmt: skip
@click.option(
    "--exclude-table", "exclude_tables", multiple=True, metavar="TABLE",
    help="Never reinstate rows of this table (repeatable).",
)  # fmt: skip
@click.option(
    "--only", multiple=True, metavar="TABLE:PK,PK", callback=parse_only,
    help="Reinstate only these rows of TABLE (repeatable).",
)  # fmt: skip
@click.option(
    "--repair", "repair_fields", multiple=True, metavar="TABLE.FIELD[,FIELD]",
    callback=parse_repair,
    help="Also put back the backup's values of these fields in rows CURRENT has, where they"
    " differ (repeatable; see docs/merge.md, Field repair).",
)  # fmt: skip
@click.option(
    "--repair-findings", "repair_findings", multiple=True, metavar="KIND[,KIND]",
    help="Also put back the values that these kinds of findings point at: "
    + repairable_kind_names() + " (repeatable).",
)  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="Print the summary as text, or plan.json as it is written.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace what an earlier merge wrote into --output.")
@click.option(
    "--emit", type=click.Choice(list(OUTPUT_FORMS)), default=DEFAULT_FORM, show_default=True,
    help="; ".join(f"{form.name}: {form.description}" for form in OUTPUT_FORMS.values())
    + " (see docs/emit.md).",
)  # fmt: skip
@click.option(
    "--dialect", type=click.Choice(sorted(DIALECTS)), help="The database engine, for --emit sql.",
)  # fmt: skip
@click.option(
    "--utf8mb4", is_flag=True,
    help="With --emit sql --dialect mysql: every text column is utf8mb4, so 4-byte"
    " characters (emoji) need no warning.",
)  # fmt: skip
@click.option(
    "--since", metavar="BACKUP",
    help="Reinstate only rows that BACKUP or a newer backup has: rows gone before it stay gone.",
)  # fmt: skip
@click.option("--keep-order", is_flag=True, help="Take BACKUPs as given, not in time order.")
@click.option(
    "--mapping", "mapping_file", type=click.Path(path_type=Path, dir_okay=False),
    help="A YAML file of renames, drops and values for new columns (docs/upgrades.md).",
)  # fmt: skip
@click.option(
    "--rename-table", "rename_tables", multiple=True, metavar="OLD=NEW",
    help="The backup's table OLD is today's NEW (renamed, or moved to another app).",
)  # fmt: skip
@click.option(
    "--rename-column", "rename_columns", multiple=True, metavar="TABLE.OLD=NEW",
    help="The backup's column OLD of TABLE is today's NEW (repeatable).",
)  # fmt: skip
@click.option(
    "--drop-column", "drop_columns", multiple=True, metavar="TABLE.COLUMN",
    help="Leave out this backup column, which today's schema no longer has (repeatable).",
)  # fmt: skip
@click.option(
    "--set-column", "set_columns", multiple=True, metavar="TABLE.COLUMN=JSON",
    help="Give restored rows this value for a column today's schema has and the backup"
    " lacks, e.g. repairdemo_order.priority=3 (repeatable).",
)  # fmt: skip
@FROM_OPTION
@JOBS_OPTION
@QUIET_OPTION
def merge(
    backups: tuple[str, ...], current: str, output: Path, settings: str | None,
    tables: tuple[str, ...], exclude_tables: tuple[str, ...], only: dict[str, list[str]],
    repair_fields: dict[str, list[str]], repair_findings: tuple[str, ...], output_format: str,
    force: bool, emit: str, dialect: str | None, utf8mb4: bool,
    mapping_file: Path | None, rename_tables: tuple[str, ...], rename_columns: tuple[str, ...],
    drop_columns: tuple[str, ...], set_columns: tuple[str, ...],
    forms: tuple[str, ...], jobs: int | None, since: str | None = None, keep_order: bool = False,
    quiet: bool = False,
) -> None:  # fmt: skip
    """Plan putting back the rows that BACKUPs have and CURRENT lost, and write a restore script.

    BACKUPs and CURRENT are dumps or databases in any known format (see
    docs/formats.md), put in time order by the times their dumps show (a
    different order given is warned about); a row's values come from the
    newest backup that has it, and rows every newer backup lacks are marked
    "gone since" (see docs/history.md). Rows the reinstated rows need
    (multi-table-inheritance parents, rows they point to) come along. Rows
    whose key or unique values the current state now uses for something
    else, or that point to rows no dump has, are left out and listed. Rows
    that exist in CURRENT are never touched, edited or not, except the
    fields asked for with --repair or --repair-findings: those get the
    backup's value, where they still hold the damaged value when the script
    runs (see docs/merge.md, Field repair).

    The output directory gets restore.py, one data file per table, and
    plan.json (every row, where it comes from and why). Nothing is changed
    in any database: review the files, then run restore.py.

    Every backup is compared with today's schema (CURRENT, and the site's
    models with --settings): the plan's "Schema drift" section lists what
    differs, and rows that cannot be written exactly into today's schema are
    left out (schema_drift) with what would fix it: a mapping (--rename-table,
    --rename-column, --drop-column, --set-column, --mapping FILE) or an
    upgrade of the backup (see docs/upgrades.md).

    Exit status: 0 a complete plan was written (even an empty one), 3 a plan
    was written that leaves rows out, 2 trouble.

    \b
    Example:
        repairkit merge backup-1101/ backup-1114/ --current today/ --output repair/
        repairkit merge backup/ --current today/ -o repair/ --only contacts_person:13,14
        repairkit merge backup/ --current today/ -o repair/ --emit sql --dialect postgresql
        repairkit merge backup/ --current today/ -o repair/ --repair-findings blanked
        repairkit merge mon/ tue/ wed/ --current today/ -o repair/ --since tue
        repairkit merge backup-v1/ --current today/ -o repair/ --settings mysite.settings \\
            --rename-column repairdemo_partner.city=town --mapping upgrade-2.0.yaml
    """
    kind_names = [name.strip() for text in repair_findings for name in text.split(",")]
    with library_errors_as_cli_errors():
        check_emit_options(
            emit, EmitOptions(dialect=dialect), field_repairs=bool(repair_fields or kind_names)
        )
    earlier_output = check_output_dir(output, force)
    # Rows are decoded while planning, in the pool: it must stay open until the plan is made.
    with (
        library_errors_as_cli_errors(),
        worker_pool(jobs_for_inputs(jobs, [*backups, current])) as map_files,
        progress_bar(quiet) as progress,
    ):
        kinds = repairable_kinds(kind_names)  # before the dumps are read: fail fast
        *snapshots, current_snapshot = read_inputs([*backups, current], forms, map_files, progress)
        sources, snapshots = time_order(backups, snapshots, keep_order, current, current_snapshot)
        since_at = since_index(snapshots, since, sources) if since else 0
        schema = None
        if settings:
            # Sets Django up: only when asked.
            from repairkit.site_schema import label_plan, read_site_schema

            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())  # as manage.py would have it
            schema = read_site_schema(settings)
            *snapshots, current_snapshot = type_by_models([*snapshots, current_snapshot], schema)
        mapping = parse_mapping_options(rename_tables, rename_columns, drop_columns, set_columns)
        if mapping_file is not None:
            mapping = read_mapping_file(mapping_file).merged(mapping)
        snapshots, schema_check = prepare_backups(
            snapshots, current_snapshot, mapping, read_site_fields() if settings else None
        )
        plan = plan_restore(
            snapshots, current_snapshot,
            links=schema.links if schema else None,
            generic_links=schema.generic_links if schema else None,
            unique=schema.unique if schema else None,
            tables=tables or None, exclude_tables=exclude_tables,
            only={name: typed_pks(snapshots, name, texts) for name, texts in only.items()} or None,
            since=since_at,
            fit_row=schema_check.fit_row, drift=schema_check.items,
            repaired=repair_fields or None, progress=progress,
        )  # fmt: skip
        plan = dataclasses.replace(plan, mapping=tuple(mapping.describe()))
        plan = add_absences(plan, snapshots)
        if repair_fields or kind_names:
            updates = plan_repairs(
                snapshots, current_snapshot,
                fields=repair_fields, finding_kinds=kinds,
            )  # fmt: skip
            plan = add_updates(plan, updates)
        if schema:
            plan = label_plan(plan, schema)
        emitted = None
        files: dict[str, str] = {}
        if plan.row_count or plan.updates:
            options = EmitOptions(
                dialect=dialect, utf8mb4=utf8mb4,
                primary_keys=known_primary_keys([current_snapshot, *snapshots]),
                use_tz=schema.use_tz if schema else None,
                pair_tables=schema.pair_tables if schema else {},
            )  # fmt: skip
            emitted = emit_plan(plan, emit, options)
            files.update(emitted.files)
        files[PLAN_FILE] = render_plan_json(plan)
        files[REPORT_FILE] = render_plan_html(plan)
        # Everything is rendered before an earlier merge's files go: trouble keeps them.
        write_output_files(output, files, replaced=earlier_output, progress=progress)
    if output_format == "json":
        click.echo(render_plan_json(plan), nl=False)
    else:
        click.echo(render_plan_text(plan), nl=False)
        click.echo(describe_output(emitted, output))
    for warning in emitted.warnings if emitted else ():
        click.echo(f"warning: {warning}", err=True)
    if plan.left_out:
        sys.exit(EXIT_LEFT_OUT)


def type_by_models(snapshots: list[Snapshot], schema: Any) -> list[Snapshot]:
    """Convert values to what the site's fields hold, where a source alone could not tell."""
    from repairkit.readers.fixture.column_types import (
        apply_column_types,
        fill_empty_texts,
        label_tables_by_models,
        name_columns_by_models,
    )
    from repairkit.readers.fixture.dump import FixtureSnapshot

    typed = []
    for snapshot in snapshots:
        from_fixture = isinstance(snapshot, FixtureSnapshot)
        if from_fixture:
            snapshot = name_columns_by_models(snapshot, schema.attnames)
            snapshot = fill_empty_texts(snapshot, schema.empty_for_null)
        snapshot = label_tables_by_models(snapshot, schema.models)
        typed.append(apply_column_types(snapshot, schema.value_types, from_fixture=from_fixture))
    return typed


def check_output_dir(output: Path, force: bool) -> list[Path]:
    """Make sure ``output`` is free to write to; with ``force``, return an earlier merge's files.

    Only the files an earlier merge wrote are ever replaced; they are removed
    once the new output is rendered, so that trouble keeps them.
    """
    if output.exists() and not output.is_dir():
        raise RepairkitClickError(f"--output {output}: exists and is not a directory")
    if output.exists() and any(output.iterdir()) and not force:
        raise RepairkitClickError(
            f"--output {output}: directory is not empty; pass --force to replace an earlier"
            " merge's output there"
        )
    with library_errors_as_cli_errors():
        return find_earlier_merge_files(output)


_INTEGER = re.compile(r"-?[0-9]+")  # what may be an integer key; "--5" is a text key


def typed_pks(snapshots: Sequence[Snapshot], table: str, texts: list[str]) -> list[int | str]:
    """Read primary keys given as text as the backups store them: ``13`` or ``'NL'``."""
    stored = [s.tables[table] for s in snapshots if table in s.tables]
    pks: list[int | str] = []
    for text in texts:
        number = int(text) if _INTEGER.fullmatch(text) else None
        if number is not None and not any(text in t for t in stored):
            pks.append(number)
        else:
            pks.append(text)
    return pks


def describe_output(emitted: Emitted | None, output: Path) -> str:
    """Say what was written where, and what to do next."""
    if emitted is None:
        return f"\nNothing to reinstate. Wrote {output / PLAN_FILE} and {REPORT_FILE}."
    return (
        f"\nWrote {output}/: {emitted.written}, {PLAN_FILE} and {REPORT_FILE} (the plan as a page)."
        f"\nReview them, then {emitted.how_to_apply}"
    )


def time_order(
    backups: Sequence[str], snapshots: list[Snapshot], keep_order: bool, current: str,
    current_snapshot: Snapshot,
) -> tuple[list[str], list[Snapshot]]:  # fmt: skip
    """Put the backups in time order (``repairkit.cli_history``), saying so on stderr."""

    sources, ordered, times = put_in_time_order(
        backups, snapshots, keep_order, (current, current_snapshot)
    )
    if len(ordered) > 1:
        shown = ", ".join(f"{label} {time}" if time else label for label, time in times[:-1])
        click.echo(f"Backups, oldest first: {shown}", err=True)
    return sources, ordered
