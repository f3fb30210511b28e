"""SQL dumps of the demo site on real PostgreSQL and MariaDB servers, read as data.

For each server the demo Lino site (``repairdemo.settings_server``) is
loaded with ``prep`` (once per session, then copied: tests/demo_servers.py),
dumped at the "backup" moment by the server's own dump tool and by Lino's
``dump2py``, changed by
``demo/accident.py``, and dumped again at the "current" moment. Every SQL
dump must read as the Lino dump of its moment, and backup against current
must show exactly what happened (``fixtures/accident.json``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers import detect_format, read_snapshot, read_snapshots
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.workers import worker_pool

from .conftest import ServerDatabase
from .demo_servers import DemoTemplates, copy_database
from .restore_site import SiteDatabase
from .test_dangling_search import assert_dangling_orders_found
from .test_read_in_workers import assert_same_records
from .test_read_sql import (
    MOMENTS,
    assert_owner_types_follow_the_map,
    assert_same_moment,
    assert_tells_accident,
)

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parent.parent / "demo"
PG_VARIANTS = {
    "copy": [],
    "inserts": ["--inserts"],
    "column-inserts": ["--column-inserts"],
    # pg_dump writes timestamps in its session's time zone, here +01/+02.
    "copy-brussels": ["PGTZ=Europe/Brussels"],
}
Dumps = dict[tuple[str, str], Path]  # (moment, variant) -> dump file; variant "lino" a directory


@contextmanager
def prepared_site_database(templates: DemoTemplates, engine: str) -> Iterator[dict[str, str]]:
    """Copy the demo site right after ``prep``; yield the site's environment for it; drop it."""
    with copy_database(templates.prepared(engine)) as database:
        yield site_environment(database)


def site_environment(database: ServerDatabase) -> dict[str, str]:
    return {**os.environ, **database.demo_site_environment()}


def run(command: list[str], env: dict[str, str], stdout: Path | None = None) -> None:
    result: subprocess.CompletedProcess[Any]
    if stdout is None:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    else:
        with stdout.open("wb") as out:
            result = subprocess.run(
                command, env=env, stdout=out, stderr=subprocess.PIPE, timeout=300
            )
    assert result.returncode == 0, f"{command}: {result.stderr!r}"


def manage(env: dict[str, str], *args: object) -> None:
    run([sys.executable, str(DEMO / "manage.py"), *map(str, args)], env)


def make_dumps(
    env: dict[str, str], work: Path, dump_sql: dict[str, list[str]], dumpdata: bool = False
) -> Dumps:
    """Dump the demo site (right after ``prep``) before and after the accident."""
    dumps: Dumps = {}
    for moment in MOMENTS:
        if moment == "current":
            manage(env, "run", DEMO / "accident.py", work / "accident.json")
        dumps[moment, "lino"] = work / f"{moment}-lino"
        manage(env, "dump2py", dumps[moment, "lino"])
        if dumpdata:
            dumps[moment, "dumpdata"] = work / f"{moment}-dumpdata.json"
            manage(env, "dumpdata", "--format", "json", "-o", dumps[moment, "dumpdata"])
        for variant, command in dump_sql.items():
            dumps[moment, variant] = work / f"{moment}-{variant}.sql"
            run(command, env, stdout=dumps[moment, variant])
    return dumps


@pytest.fixture(scope="module")
def pg_dumps(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Dumps:
    with prepared_site_database(demo_templates, "postgresql") as env:
        base = ["pg_dump", "-h", "127.0.0.1", "-U", env["REPAIRDEMO_DB_USER"]]
        commands = {
            variant: [
                "env", *[o for o in options if "=" in o], *base,
                *[o for o in options if "=" not in o], env["REPAIRDEMO_DB_NAME"],
            ]
            for variant, options in PG_VARIANTS.items()
        }  # fmt: skip
        return make_dumps(env, tmp_path_factory.mktemp("pg"), commands, dumpdata=True)


@pytest.fixture(scope="module")
def mariadb_dumps(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Dumps:
    with prepared_site_database(demo_templates, "mysql") as env:
        # The default: extended inserts, many rows per INSERT.
        command = [
            "mariadb-dump",
            "-h",
            "127.0.0.1",
            "-u",
            env["REPAIRDEMO_DB_USER"],
            env["REPAIRDEMO_DB_NAME"],
        ]
        return make_dumps(env, tmp_path_factory.mktemp("mariadb"), {"extended": command})


@pytest.mark.parametrize("variant", sorted(PG_VARIANTS))
@pytest.mark.parametrize("moment", MOMENTS)
def test_pg_dump_reads_as_the_lino_dump_of_the_same_moment(
    pg_dumps: Dumps, moment: str, variant: str
) -> None:
    path = pg_dumps[moment, variant]
    assert detect_format(str(path)).name == "pg-dump"
    assert_same_moment(read_lino_dump(pg_dumps[moment, "lino"]), read_snapshot(path))


@pytest.mark.parametrize("variant", sorted(PG_VARIANTS))
def test_pg_dumps_diff_to_exactly_the_accident(pg_dumps: Dumps, variant: str) -> None:
    backup, current = (read_snapshot(pg_dumps[moment, variant]) for moment in MOMENTS)
    assert_tells_accident(diff_snapshots(backup, current))


@pytest.mark.parametrize("moment", MOMENTS)
def test_dumpdata_of_the_postgresql_site_reads_as_its_pg_dump(pg_dumps: Dumps, moment: str) -> None:
    """The site's own dumpdata, its pg_dump and its Lino dump of one moment: no difference."""
    sources = [pg_dumps[moment, variant] for variant in ("dumpdata", "copy", "lino")]
    fixture, pg_dump, lino = align_snapshots([read_snapshot(source) for source in sources])
    for other in (pg_dump, lino):
        changeset = diff_snapshots(other, fixture)
        assert not changeset.has_differences, changeset.summary


def test_pg_copy_block_cut_off_names_the_copy_line(pg_dumps: Dumps, tmp_path: Path) -> None:
    lines = pg_dumps["backup", "copy"].read_text(encoding="utf-8").split("\n")
    copy = next(
        i for i, line in enumerate(lines) if line.startswith("COPY public.repairdemo_order ")
    )
    path = tmp_path / "cut.sql"
    path.write_text("\n".join(lines[: copy + 10]), encoding="utf-8")
    with pytest.raises(DumpFormatError, match="COPY data not ended") as caught:
        read_snapshot(path)
    assert (caught.value.path, caught.value.line) == (path, copy + 1)


@pytest.mark.parametrize("moment", MOMENTS)
def test_mariadb_dump_reads_as_the_lino_dump_of_the_same_moment(
    mariadb_dumps: Dumps, moment: str
) -> None:
    path = mariadb_dumps[moment, "extended"]
    assert detect_format(str(path)).name == "mysql-dump"
    assert_same_moment(read_lino_dump(mariadb_dumps[moment, "lino"]), read_snapshot(path))


def test_mariadb_dumps_diff_to_exactly_the_accident(mariadb_dumps: Dumps) -> None:
    backup, current = (read_snapshot(mariadb_dumps[moment, "extended"]) for moment in MOMENTS)
    assert_tells_accident(diff_snapshots(backup, current))


def test_mariadb_dump_cut_off_in_an_extended_insert(mariadb_dumps: Dumps, tmp_path: Path) -> None:
    text = mariadb_dumps["backup", "extended"].read_text(encoding="utf-8")
    cut = text.index("'Bahnhofstraße 98")
    path = tmp_path / "cut.sql"
    path.write_text(text[: cut + 5], encoding="utf-8")
    with pytest.raises(DumpFormatError, match="unterminated string") as caught:
        read_snapshot(path)
    assert caught.value.line == text.count("\n", 0, cut) + 1


def test_server_dumps_read_in_workers_read_as_in_this_process(
    pg_dumps: Dumps, mariadb_dumps: Dumps
) -> None:
    """Every kind of SQL dump and a dumpdata fixture, read side by side in worker processes."""
    sources = [
        *(pg_dumps["backup", variant] for variant in ("copy", "inserts", "dumpdata")),
        mariadb_dumps["current", "extended"],
    ]
    here = read_snapshots(sources)
    with worker_pool(2) as map_files:
        there = read_snapshots(sources, map_files=map_files)
    for mine, theirs in zip(here, there, strict=True):
        assert_same_records(mine, theirs)
    assert_tells_accident(diff_snapshots(there[0], there[3]))


def _swap_company_and_product(text: str, notes_too: bool) -> str:
    """Swap, in a pg_dump's COPY blocks, the content type ids of company and product.

    The ids are the ones of the dump's own django_content_type block; the
    notes' owner type ids are swapped too if asked.
    """
    lines = text.split("\n")
    starts = {line.split(" ")[1]: i for i, line in enumerate(lines) if line.startswith("COPY ")}
    types = starts["public.django_content_type"]
    ids = {}
    for i in range(types + 1, lines.index("\\.", types)):
        id_, app_label, model = lines[i].split("\t")
        if app_label == "repairdemo" and model in ("company", "product"):
            ids[model] = (i, id_)
    (company_line, company), (product_line, product) = ids["company"], ids["product"]
    swapped = {company: product, product: company}
    for line, id_ in ((company_line, company), (product_line, product)):
        lines[line] = swapped[id_] + lines[line][len(id_) :]
    if notes_too:
        notes = starts["public.repairdemo_note"]
        header = lines[notes]
        columns = header[header.index("(") + 1 : header.index(")")].split(", ")
        owner = columns.index("owner_type_id")
        for i in range(notes + 1, lines.index("\\.", notes)):
            fields = lines[i].split("\t")
            fields[owner] = swapped.get(fields[owner], fields[owner])
            lines[i] = "\t".join(fields)
    return "\n".join(lines)


@pytest.mark.parametrize("notes_too", [True, False])
def test_pg_copy_content_type_ids_count_by_what_they_name(
    pg_dumps: Dumps, tmp_path: Path, notes_too: bool
) -> None:
    """A COPY line's owner type is the model its id names in the dump's own content types."""
    original = pg_dumps["backup", "copy"]
    path = tmp_path / "renumbered.sql"
    text = original.read_text(encoding="utf-8")
    path.write_text(_swap_company_and_product(text, notes_too), encoding="utf-8")
    backup, renumbered = read_snapshot(original), read_snapshot(path)
    assert_owner_types_follow_the_map(backup, renumbered, notes_too)


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_server_dumps_that_lost_a_partner_give_the_findings_of_decoding_every_row(
    engine: str, demo_templates: DemoTemplates, tmp_path: Path
) -> None:
    """A partner deleted behind the foreign keys' back: its orders dangle, in every dump and
    in the database read live."""
    with copy_database(demo_templates.prepared(engine)) as database:
        login = ["-h", database.host, "-P" if engine == "mysql" else "-p", str(database.port)]
        tool = ["mariadb-dump", *login, "-u", database.user] if engine == "mysql" else [
            "pg_dump", *login, "-U", database.user]  # fmt: skip
        variants = {"extended": []} if engine == "mysql" else {"copy": [], "inserts": ["--inserts"]}
        env = site_environment(database)

        def dump(moment: str) -> None:
            for variant, options in variants.items():
                command = [*tool, *options, database.name]
                run(command, env, stdout=tmp_path / f"{moment}-{variant}.sql")

        dump("old")
        with SiteDatabase(server=database).cursor() as cursor:
            cursor.execute(
                "SELECT partner_id FROM repairdemo_order GROUP BY partner_id"
                " ORDER BY COUNT(*) DESC, partner_id LIMIT 1"
            )
            (partner,) = cursor.fetchone()
            cursor.execute(
                "SET FOREIGN_KEY_CHECKS = 0" if engine == "mysql"
                else "SET session_replication_role = replica"
            )  # fmt: skip
            cursor.execute(f"DELETE FROM repairdemo_partner WHERE id = {partner:d}")
            cursor.execute(
                f"SELECT id FROM repairdemo_order WHERE partner_id = {partner:d} ORDER BY id"
            )
            orders = tuple(pk for (pk,) in cursor.fetchall())
        dump("new")
        assert len(orders) > 1
        for variant in variants:
            old, new = tmp_path / f"old-{variant}.sql", tmp_path / f"new-{variant}.sql"
            assert_dangling_orders_found(old, new, partner, orders)
        # The database itself, where the server finds the rows that point at the partner.
        assert_dangling_orders_found(old, database.url, partner, orders)
