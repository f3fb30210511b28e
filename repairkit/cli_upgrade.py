"""The ``repairkit upgrade`` command: bring a backup to today's schema (docs/upgrades.md)."""

from __future__ import annotations

from pathlib import Path

import click

from repairkit.cli import RepairkitClickError, cli, library_errors_as_cli_errors


@click.command()
@click.argument("backup")
@click.option(
    "--settings", required=True, metavar="MODULE",
    help="Today's site: its Django settings module (importable from here).",
)  # fmt: skip
@click.option(
    "--output", "-o", required=True, type=click.Path(path_type=Path),
    help="Where the upgraded backup goes (must not exist): a dump2py directory for a Lino"
    " backup, an SQLite file for a Django one.",
)  # fmt: skip
@click.option(
    "--migration-state", "states", multiple=True, metavar="APP:MIGRATION",
    help="The last migration of APP that had run when the backup was made (repeat per app;"
    " e.g. shop:0001_initial). Needed for a fixture, which does not record it.",
)  # fmt: skip
@click.option(
    "--from", "form", metavar="FORMAT",
    help="The backup's format instead of detecting it (as for diff).",
)  # fmt: skip
def upgrade(
    backup: str, settings: str, output: Path, states: tuple[str, ...], form: str | None
) -> None:
    """Upgrade BACKUP to today's schema with the site's own migrators or migrations.

    A Lino BACKUP (a dump2py directory) is read as data (never executed)
    and written again as a clean dump2py-style copy made of literals only.
    Today's site (--settings) loads that copy with Lino's own loader into a
    scratch SQLite database that this command creates and removes, so its
    migrators adapt the rows from the backup's SOURCE_VERSION to the site's;
    then dump2py writes the result into the directory OUTPUT.

    A Django BACKUP (an SQLite database file) is copied to a scratch file,
    which the site's migrations (Django's migration executor, RunPython
    data migrations included) take from the state its django_migrations
    rows record to the site's; the result is the SQLite file OUTPUT.

    Any other Django BACKUP repairkit reads (a pg_dump, mariadb-dump or
    sqlite3 .dump, a database URL, a dumpdata fixture) is read as data; a
    new scratch SQLite file is migrated to the state the backup was made
    at (its django_migrations rows, or --migration-state for a fixture),
    its rows go into that state's tables through the historical models,
    and the site's migrations take it forward into the SQLite file OUTPUT.

    The site's production database is never opened. The code that runs is
    the site's own (models, migrators, migrations). Then merge OUTPUT as the
    backup (see docs/upgrades.md).

    Exit status: 0 upgraded, 2 trouble (nothing written).

    \b
    Example:
        repairkit upgrade backup-v1/ --settings mysite.settings -o backup-v1-upgraded/
        repairkit merge backup-v1-upgraded/ --current today/ -o repair/ --settings mysite.settings
        repairkit upgrade old.sqlite3 --settings mysite.settings -o old-upgraded.sqlite3
        repairkit upgrade old.sql --settings mysite.settings -o old-upgraded.sqlite3
        repairkit upgrade old.json --migration-state shop:0001_initial \\
            --settings mysite.settings -o old-upgraded.sqlite3
    """
    from repairkit.readers.lino.dump import read_lino_dump
    from repairkit.upgrade import upgrade_django_sqlite, upgrade_lino_backup
    from repairkit.upgrade.django_db import is_sqlite_file

    if output.exists():
        raise RepairkitClickError(f"--output {output}: exists already; choose a new path")
    if is_sqlite_file(Path(backup)) and not states:
        with library_errors_as_cli_errors():
            upgrade_django_sqlite(Path(backup), settings, output, cwd=Path.cwd())
        _say_migrated(backup, settings, output)
        return
    if not Path(backup, "restore.py").is_file():
        with library_errors_as_cli_errors():
            _upgrade_django_source(backup, form, settings, output, states)
        _say_migrated(backup, settings, output)
        return
    with library_errors_as_cli_errors():
        snapshot = read_lino_dump(backup)
        upgrade_lino_backup(snapshot, settings, output, cwd=Path.cwd())
    made_by = snapshot.info.get("source_version")
    click.echo(f"Upgraded {backup} (version {made_by}) with {settings}: wrote {output}/.")
    click.echo(f"Next: repairkit merge {output} --current CURRENT -o REPAIR/ --settings {settings}")


def _upgrade_django_source(
    backup: str, form: str | None, settings: str, output: Path, states: tuple[str, ...]
) -> None:
    """Read BACKUP in any Django format and upgrade it from the state it was made at."""
    from repairkit.readers import detect_format, read_snapshot
    from repairkit.upgrade.django_db import upgrade_django_source
    from repairkit.upgrade.migration_state import parse_migration_state, read_recorded_state
    from repairkit.upgrade.run import UpgradeError

    form = form or detect_format(backup).name
    state = parse_migration_state(states) if states else read_recorded_state(backup, form)
    if state is None:
        raise UpgradeError(
            f"{backup}: records no migration state (a {form} backup carries no django_migrations"
            " rows), so its rows cannot be migrated forward exactly; name the last migration"
            " of each app that had run when it was made: --migration-state APP:MIGRATION"
        )
    upgrade_django_source(read_snapshot(backup, form), state, settings, output, cwd=Path.cwd())


def _say_migrated(backup: str, settings: str, output: Path) -> None:
    click.echo(f"Migrated {backup} forward with {settings}: wrote {output}.")
    click.echo(
        f"Next: repairkit merge sqlite:///{output.resolve()} --current CURRENT -o REPAIR/"
        f" --settings {settings}"
    )


cli.add_command(upgrade)
