"""A hostile backup must not make a generated script run code or write outside ``--output``.

Each backup here is written the way an attacker would: by hand, with names
no real producer writes. The names travel through ``merge`` into the
restore directory (refused), the standalone Django script and SQL (quoted);
file names never leave ``--output``, and a dump's files never leave the
dump directory.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import DumpFormatError, EmitError
from repairkit.readers import read_snapshot
from repairkit.writers.identifiers import check_identifier, check_model_label, comment_text
from repairkit.writers.output_dir import write_output_files

from .conftest import FIXTURES

CODE = "import os; os.system('touch PWNED')"
HOSTILE_COLUMN = f"x):\n    pass\n{CODE}\ndef f(y"


def write_fixtures(folder: Path, backup_rows: list[dict[str, object]]) -> tuple[str, str]:
    """Write a current-state fixture with one row, and a backup with more.

    The current row has the columns of the first backup row, so that the
    schemas agree and the hostile names reach the writers.
    """
    first = backup_rows[0]
    current = [{"model": first["model"], "pk": 1, "fields": first["fields"]}]
    (folder / "current.json").write_text(json.dumps(current), encoding="utf-8")
    (folder / "backup.json").write_text(json.dumps(current + backup_rows), encoding="utf-8")
    return str(folder / "backup.json"), str(folder / "current.json")


def merge(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["merge", *args])
    return result.exit_code, result.output


def names_outside_constants(tree: ast.AST) -> set[str]:
    """Return every name, attribute and imported module of a syntax tree."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add(node.name)
    return found


def test_a_column_name_holding_code_is_refused_for_the_restore_directory(tmp_path: Path) -> None:
    row = {"model": "app.thing", "pk": 2, "fields": {"name": "b", HOSTILE_COLUMN: "v"}}
    backup, current = write_fixtures(tmp_path, [row])
    code, output = merge(backup, "--current", current, "-o", str(tmp_path / "out"))
    assert code == 2, output
    assert "column of table 'app_thing'" in output and "not a plain identifier" in output
    assert not (tmp_path / "out").exists()  # nothing written


def test_the_django_script_keeps_a_hostile_column_name_a_string(tmp_path: Path) -> None:
    row = {"model": "app.thing", "pk": 2, "fields": {"name": "b", HOSTILE_COLUMN: "v"}}
    backup, current = write_fixtures(tmp_path, [row])
    out = tmp_path / "out"
    code, output = merge(backup, "--current", current, "-o", str(out), "--emit", "django")
    assert code == 0, output
    tree = ast.parse((out / "repair_django.py").read_text(encoding="utf-8"))
    assert HOSTILE_COLUMN in {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert not {"system", "PWNED"} & names_outside_constants(tree)


def test_the_sql_script_quotes_a_hostile_column_name(tmp_path: Path) -> None:
    row = {"model": "app.thing", "pk": 2, "fields": {"name": "b", 'x" text); DROP TABLE t; --': 1}}
    backup, current = write_fixtures(tmp_path, [row])
    out = tmp_path / "out"
    args = ["--emit", "sql", "--dialect", "postgresql"]
    code, output = merge(backup, "--current", current, "-o", str(out), *args)
    assert code == 0, output
    script = (out / "repair.postgresql.sql").read_text(encoding="utf-8")
    assert '"x"" text); DROP TABLE t; --"' in script  # one quoted identifier, quote doubled
    assert "\nDROP TABLE" not in script


@pytest.mark.parametrize("label", ["{tmp}/evil.x", "../../evil.x", "app.x/../../y", "a\nb.c"])
def test_a_model_label_that_is_a_path_writes_nothing_anywhere(tmp_path: Path, label: str) -> None:
    label = label.format(tmp=tmp_path)  # an absolute path, inside this test's folder
    folder = tmp_path / "in"
    folder.mkdir()
    backup, current = write_fixtures(folder, [{"model": label, "pk": 2, "fields": {"n": "b"}}])
    code, output = merge(backup, "--current", current, "-o", str(tmp_path / "a" / "out"))
    assert code == 2, output
    assert "not a plain identifier" in output or "not a model label" in output
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [Path("in/backup.json"), Path("in/current.json")]


def test_comments_carry_hostile_labels_and_keys_on_one_line(tmp_path: Path) -> None:
    folder = tmp_path / f"in\rprint('a')\u2028{CODE}"
    folder.mkdir()
    rows = [{"model": "app.thing", "pk": f"k\r{CODE}", "fields": {"name": "\r\n" + CODE}}]
    backup, current = write_fixtures(folder, rows)
    out = tmp_path / "out"
    code, output = merge(backup, "--current", current, "-o", str(out))
    assert code == 0, output
    restore = (out / "restore.py").read_text(encoding="utf-8")
    tree = ast.parse(restore)
    statements = {type(node).__name__ for node in tree.body}
    assert statements <= {"Assign", "FunctionDef", "If"}, statements
    assert "system" not in names_outside_constants(tree)
    assert "\r" not in restore and "\u2028" not in restore


def test_write_output_files_refuses_names_that_leave_the_directory(tmp_path: Path) -> None:
    for name in ["../x.py", "/tmp/x.py", "a/b.py", "..", "", "x\0.py"]:
        with pytest.raises(EmitError, match="not a plain file name"):
            write_output_files(tmp_path / "out", {name: "text"})
    assert not (tmp_path / "x.py").exists()


def test_a_link_planted_in_the_output_directory_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").symlink_to(outside)
    with pytest.raises(EmitError, match="already holds plan.json"):
        write_output_files(out, {"plan.json": "{}"})
    write_output_files(out, {"plan.json": "{}"}, replaced=[out / "plan.json"])
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (out / "plan.json").is_symlink()


def test_merge_force_over_a_planted_link_leaves_its_target_alone(tmp_path: Path) -> None:
    outside = tmp_path / "precious.py"
    outside.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    backup, current = str(FIXTURES / "backup"), str(FIXTURES / "current")
    assert merge(backup, "--current", current, "-o", str(out))[0] == 0
    (out / "restore.py").unlink()
    (out / "restore.py").symlink_to(outside)
    code, output = merge(backup, "--current", current, "-o", str(out), "--force")
    assert code == 0, output
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (out / "restore.py").is_symlink()


def copy_dump(tmp_path: Path) -> Path:
    dump = tmp_path / "dump"
    shutil.copytree(FIXTURES / "backup", dump)
    return dump


def test_a_data_file_linked_outside_the_dump_is_refused_unread(tmp_path: Path) -> None:
    dump = copy_dump(tmp_path)
    secret = tmp_path / "secret.py"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (dump / "repairdemo_country.py").unlink()
    (dump / "repairdemo_country.py").symlink_to(secret)
    with pytest.raises(DumpFormatError, match="link to a file outside the dump") as caught:
        read_snapshot(dump)
    assert "root:x" not in str(caught.value)


@pytest.mark.parametrize("listed", ["/etc/passwd", "../outside.py", "sub/repairdemo_country.py"])
def test_restore_py_listing_a_file_outside_the_dump_is_refused(tmp_path: Path, listed: str) -> None:
    dump = copy_dump(tmp_path)
    restore = dump / "restore.py"
    text = restore.read_text(encoding="utf-8")
    text = text.replace('execfile("repairdemo_country.py"', f"execfile({listed!r}")
    restore.write_text(text, encoding="utf-8")
    with pytest.raises(DumpFormatError, match="not a file of the dump directory"):
        read_snapshot(dump)


def test_identifier_and_comment_rules() -> None:
    assert check_identifier("contacts_person", "table") == "contacts_person"
    assert check_model_label("contacts.Person", "model") == "contacts.Person"
    for name in ["class", "a-b", "1a", "a b", "é", "a\n", ""]:
        with pytest.raises(EmitError):
            check_identifier(name, "column")
    with pytest.raises(EmitError):
        check_model_label("contacts", "model")
    assert comment_text("plain é text") == "plain é text"
    assert comment_text("a\rb\nc\u2028d\x1b[31m") == "a\\rb\\nc\\u2028d\\x1b[31m"


def test_upgrade_writes_no_code_from_a_hostile_model_label(tmp_path: Path) -> None:
    from repairkit.upgrade.lino_copy import render_lino_copy

    dump = copy_dump(tmp_path)
    restore = dump / "restore.py"
    hostile = 'repairdemo.Country\\")\\nimport os; os.system(\\"touch PWNED\\")\\n#'
    text = restore.read_text(encoding="utf-8")
    text = text.replace('resolve_model("repairdemo.Country")', f'resolve_model("{hostile}")')
    restore.write_text(text, encoding="utf-8")
    snapshot = read_snapshot(dump)
    # The copy that `repairkit upgrade` hands to the site's loader is code: refused.
    with pytest.raises(EmitError, match="model of table 'repairdemo_country'"):
        render_lino_copy(snapshot)
