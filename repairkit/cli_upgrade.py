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
    help="Directory for the upgraded backup, a dump2py dump (must not exist).",
)  # fmt: skip
def upgrade(backup: str, settings: str, output: Path) -> None:
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

    The site's production database is never opened. The code that runs is
    the site's own (models, migrators, migrations). Then merge OUTPUT as the
    backup (see docs/upgrades.md).

    Exit status: 0 upgraded, 2 trouble (nothing written).

    \b
    Example:
        repairkit upgrade backup-v1/ --settings mysite.settings -o backup-v1-upgraded/
        repairkit merge backup-v1-upgraded/ --current today/ -o repair/ --settings mysite.settings
        repairkit upgrade old.sqlite3 --settings mysite.settings -o old-upgraded.sqlite3
    """
    from repairkit.readers.lino.dump import read_lino_dump
    from repairkit.upgrade import upgrade_django_sqlite, upgrade_lino_backup
    from repairkit.upgrade.django_db import is_sqlite_file

    if output.exists():
        raise RepairkitClickError(f"--output {output}: exists already; choose a new path")
    if is_sqlite_file(Path(backup)):
        with library_errors_as_cli_errors():
            upgrade_django_sqlite(Path(backup), settings, output, cwd=Path.cwd())
        click.echo(f"Migrated {backup} forward with {settings}: wrote {output}.")
        click.echo(
            f"Next: repairkit merge sqlite:///{output.resolve()} --current CURRENT -o REPAIR/"
            f" --settings {settings}"
        )
        return
    if not Path(backup, "restore.py").is_file():
        raise RepairkitClickError(
            f"{backup}: upgrade takes a Lino dump2py directory (with restore.py) or a Django"
            " SQLite database file; for other databases see docs/upgrades.md"
        )
    with library_errors_as_cli_errors():
        snapshot = read_lino_dump(backup)
        upgrade_lino_backup(snapshot, settings, output, cwd=Path.cwd())
    made_by = snapshot.info.get("source_version")
    click.echo(f"Upgraded {backup} (version {made_by}) with {settings}: wrote {output}/.")
    click.echo(f"Next: repairkit merge {output} --current CURRENT -o REPAIR/ --settings {settings}")


cli.add_command(upgrade)
