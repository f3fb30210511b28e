"""Django dumpdata fixtures: natural keys, many-to-many rows, formats, and refusals.

The fixtures come from a real Django site, ``tests/files/m2msite``
(django.contrib.auth: users, groups, memberships, permissions), run in
subprocesses. The demo Lino site's fixtures are covered by
test_equality_matrix.py.
"""

from __future__ import annotations

import datetime
import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers import detect_format, read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.snapshot import ContentTypeRef

from .conftest import REPO

SITE_PATH = REPO / "tests" / "files"


def django_admin(database: Path, *args: str) -> None:
    env = dict(os.environ, M2MSITE_DB=str(database), PYTHONPATH=str(SITE_PATH))
    command = [sys.executable, "-m", "django", *args, "--settings", "m2msite.settings"]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a directory with the site's database and its dumps, before and after bob leaves."""
    work = tmp_path_factory.mktemp("m2msite")
    database = work / "site.sqlite3"
    django_admin(database, "migrate", "-v0")
    django_admin(database, "shell", "-c", "from m2msite import populate; populate.fill()")
    natural = ["--natural-foreign", "--natural-primary"]
    django_admin(database, "dumpdata", "-o", str(work / "plain.json"))
    django_admin(database, "dumpdata", *natural, "-o", str(work / "natural.json"))
    django_admin(database, "dumpdata", *natural, "--format", "xml", "-o", str(work / "natural.xml"))
    django_admin(
        database, "dumpdata", *natural, "--format", "yaml", "-o", str(work / "natural.yaml")
    )
    django_admin(
        database, "shell", "-c", "from m2msite import populate; populate.drop_membership()"
    )
    django_admin(database, "dumpdata", *natural, "-o", str(work / "after.json"))
    return work


def test_rows_without_pk_are_keyed_by_their_natural_key(site: Path) -> None:
    snapshot = read_snapshot(site / "natural.json")
    assert set(snapshot.tables["auth_user"].pks) == {"natural:('alice')", "natural:('bob')"}
    assert set(snapshot.tables["auth_group"].pks) == {"natural:('editors')", "natural:('readers')"}
    permissions = snapshot.tables["auth_permission"]
    assert "natural:('add_group', 'auth', 'group')" in permissions.pks
    record = permissions.records(["natural:('add_group', 'auth', 'group')"])
    assert record["natural:('add_group', 'auth', 'group')"]["content_type_id"] == ContentTypeRef(
        "auth", "group"
    )


def test_many_to_many_fields_become_rows_of_their_table_keyed_by_the_pair(site: Path) -> None:
    snapshot = read_snapshot(site / "natural.json")
    memberships = snapshot.tables["auth_user_groups"]
    assert memberships.column_names == ("user_id", "group_id")
    assert set(memberships.pks) == {
        "(\"natural:('alice')\", \"natural:('editors')\")",
        "(\"natural:('alice')\", \"natural:('readers')\")",
        "(\"natural:('bob')\", \"natural:('readers')\")",
    }
    plain = read_snapshot(site / "plain.json").tables["auth_user_groups"]
    assert set(plain.pks) == {"(1, 1)", "(1, 2)", "(2, 2)"}


def test_a_lost_membership_is_a_deleted_row(site: Path) -> None:
    changeset = diff_snapshots(
        read_snapshot(site / "natural.json"), read_snapshot(site / "after.json")
    )
    assert changeset.summary.deleted == 1
    assert changeset.tables["auth_user_groups"].deleted == (
        "(\"natural:('bob')\", \"natural:('readers')\")",
    )
    assert not changeset.tables["auth_user_groups"].added


@pytest.mark.parametrize("name", ["natural.xml", "natural.yaml"])
def test_every_format_reads_the_same_natural_fixture(site: Path, name: str) -> None:
    changeset = diff_snapshots(
        *align_snapshots([read_snapshot(site / "natural.json"), read_snapshot(site / name)])
    )
    assert not changeset.has_differences


def test_a_fixture_equals_the_database_it_was_dumped_from(site: Path) -> None:
    """Also the m2m tables: the live reader keys Django's auto-created tables by the pair too."""
    fixture = read_snapshot(site / "plain.json")
    live = read_snapshot(f"sqlite:///{site / 'site.sqlite3'}")
    # The database lost bob's membership after plain.json was written.
    changeset = diff_snapshots(*align_snapshots([fixture, live]))
    assert {
        name: diff.deleted for name, diff in changeset.tables.items() if diff.has_differences
    } == {"auth_user_groups": ("(2, 2)",)}
    assert not changeset.old_only_tables and not changeset.new_only_tables


def test_compressed_fixtures_read_like_plain_ones(site: Path, tmp_path: Path) -> None:
    text = (site / "natural.json").read_bytes()
    (tmp_path / "f.json.gz").write_bytes(gzip.compress(text))
    with zipfile.ZipFile(tmp_path / "f.json.zip", "w") as archive:
        archive.writestr("f.json", text)
    plain = read_snapshot(site / "natural.json")
    for name in ("f.json.gz", "f.json.zip"):
        assert not diff_snapshots(plain, read_snapshot(tmp_path / name)).has_differences, name


def test_the_format_is_sniffed_from_the_content_without_a_suffix(
    site: Path, tmp_path: Path
) -> None:
    for name, form in [("natural.json", "json"), ("natural.xml", "xml"), ("natural.yaml", "yaml")]:
        target = tmp_path / f"{name}.dump"
        target.write_bytes((site / name).read_bytes())
        assert detect_format(str(target)).name == form


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.json",
        '[\n{"model": "a.b", "pk": 1, "fields": {}},\n'
        '{"model": "a.b", "pk": 2, "fields": {"x": }}\n]',
    )
    with pytest.raises(DumpFormatError) as error:
        read_snapshot(path)
    assert str(error.value).startswith(f"{path}:3: not valid JSON")


def test_an_object_without_model_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", '{"model": "a.b", "pk": 1, "fields": {}}\n{"pk": 2}\n')
    with pytest.raises(DumpFormatError, match=r"bad.jsonl:2: expected an object with a 'model'"):
        read_snapshot(path)


def test_xml_with_entities_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.xml", (
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<django-objects version="1.0"><object model="a.b" pk="1">'
        '<field name="x" type="CharField">&b;</field></object></django-objects>'
    ))  # fmt: skip
    with pytest.raises(DumpFormatError, match="refused XML"):
        read_snapshot(path)


def test_yaml_tags_that_would_build_objects_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "evil.yaml",
        "- model: a.b\n  pk: 1\n  fields:\n    x: !!python/object/apply:os.system ['true']\n",
    )
    with pytest.raises(DumpFormatError, match="not valid YAML"):
        read_snapshot(path)


def test_a_zip_with_two_files_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "two.json.zip", "w") as archive:
        archive.writestr("a.json", "[]")
        archive.writestr("b.json", "[]")
    with pytest.raises(DumpFormatError, match="holds one file, this holds 2"):
        read_snapshot(tmp_path / "two.json.zip")


def test_cli_from_names_the_format_of_each_input(site: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repairkit.cli import cli

    nameless = tmp_path / "backup.dump"
    nameless.write_bytes((site / "plain.json").read_bytes())
    live = f"sqlite:///{site / 'site.sqlite3'}"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["diff", str(nameless), live, "--from", "json", "--from", "database"]
    )
    assert result.exit_code == 1, result.output  # bob's membership is gone from the database
    assert "auth_user_groups" in result.output
    result = runner.invoke(cli, ["diff", str(nameless), live, "--from", "toml"])
    assert result.exit_code == 2
    assert (
        "unknown format 'toml'; known formats: database, django, json, jsonl, lino" in result.output
    )
    result = runner.invoke(cli, ["diff", str(nameless), live, *["--from", "json"] * 3])
    assert result.exit_code == 2
    assert "give --from once, or once for each of the 2 inputs" in result.output


def test_a_column_null_in_its_first_rows_is_typed_from_a_later_one() -> None:
    from repairkit.readers.fixture.column_types import learn_column_types
    from repairkit.snapshot import Column, MemoryRowStore, Table
    from repairkit.values import ValueType

    # A calendar: hundreds of entries without a start time, then timed ones.
    rows = {pk: (pk, None if pk <= 300 else datetime.time(10, 0)) for pk in range(1, 400)}
    table = Table("cal_event", [Column("id"), Column("start_time")], "id", MemoryRowStore(rows))
    assert learn_column_types(table)["start_time"] is ValueType.TIME


def test_a_null_in_a_not_null_text_column_of_a_fixture_is_the_field_s_empty_text() -> None:
    from repairkit.readers.fixture.column_types import fill_empty_texts
    from repairkit.snapshot import Column, MemoryRowStore, Snapshot, Table

    # A Lino choicelist serializes its '' as null; the NOT NULL column holds ''.
    rows = {1: (1, None, None), 2: (2, "30", "x")}
    columns = [Column("id"), Column("vat_regime"), Column("remark")]
    snapshot = Snapshot("f", [Table("contacts_partner", columns, "id", MemoryRowStore(rows))])
    filled = fill_empty_texts(snapshot, {"contacts_partner": frozenset({"vat_regime"})})
    assert filled.tables["contacts_partner"].decode() == {1: (1, "", None), 2: (2, "30", "x")}


def test_a_lino_dump_s_none_is_the_raw_database_s_empty_text_in_a_never_null_column() -> None:
    from repairkit.readers.fixture.align import align_snapshots
    from repairkit.snapshot import Column, MemoryRowStore, Snapshot, Table

    # Lino's DurationField reads a stored '' as None, and dump2py writes None.
    columns = [Column("id"), Column("default_duration"), Column("remark")]

    def snapshot(form: str, rows: dict[int, tuple[object, ...]]) -> Snapshot:
        table = Table("cal_eventtype", columns, "id", MemoryRowStore(rows))
        return Snapshot(form, [table], {"format": form})

    lino = snapshot("dump2py", {1: (1, None, None), 2: (2, "1:00", "x")})
    raw = snapshot("database", {1: (1, "", None), 2: (2, "1:00", "x")})
    aligned_lino, aligned_raw = align_snapshots([lino, raw])
    # remark holds None in the raw source too: a nullable column is left alone.
    assert aligned_lino.tables["cal_eventtype"].decode() == {1: (1, "", None), 2: (2, "1:00", "x")}
    assert aligned_raw is raw
