"""A file that is not a valid dump gets a DumpFormatError naming file, line and problem.

Each test copies the real backup dump, breaks it in one of the ways the
issue lists, and checks the error, both from the library and from the CLI
(exit status 2, nothing but the message).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import DumpFormatError
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.readers.lino.restore import MAX_COLUMNS, MAX_RESTORE_BYTES

from .conftest import FIXTURES

PARTNERS = "repairdemo_partner.py"
PARTNER_2 = "loader.save(create_repairdemo_partner(2,"


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """Return a fresh copy of the real backup dump, to break."""
    copy = tmp_path / "broken"
    shutil.copytree(FIXTURES / "backup", copy)
    return copy


def edit_line(path: Path, starts_with: str, change: Callable[[str], str]) -> int:
    """Apply ``change`` to the first line starting with ``starts_with``; return its number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        if line.startswith(starts_with):
            lines[index] = change(line)
            path.write_text("\n".join(lines), encoding="utf-8")
            return index + 1
    raise AssertionError(f"no line starts with {starts_with!r} in {path}")


def read_everything(path: Path) -> None:
    """Read a dump and decode every row of every table."""
    for table in read_lino_dump(path).tables.values():
        table.decode()


def last_execfile_line(dump: Path) -> int:
    """Return the line of restore.py's last ``execfile("...")`` of a constant name."""
    lines = (dump / "restore.py").read_text(encoding="utf-8").split("\n")
    return max(number for number, line in enumerate(lines, 1) if 'execfile("' in line)


def assert_format_error(dump: Path, file_name: str, line: int | None, problem: str) -> None:
    with pytest.raises(DumpFormatError) as caught:
        read_everything(dump)
    error = caught.value
    assert error.path.name == file_name
    assert error.line == line
    assert problem in error.problem
    # The CLI shows the same message and exits 2; the broken row differs from
    # the good dump's, so even the fast path decodes it.
    result = CliRunner().invoke(cli, ["diff", str(FIXTURES / "backup"), str(dump)])
    assert result.exit_code == 2, result.output
    where = f"{file_name}:{line}" if line is not None else file_name
    assert where in result.output
    assert problem in result.output
    assert "Traceback" not in result.output


def test_call_to_another_name(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("'Alex Tamm'", "eval('1')"))
    assert_format_error(dump, PARTNERS, line, "call to 'eval'")


def test_attribute_access(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("'Alex Tamm'", "os.environ"))
    assert_format_error(dump, PARTNERS, line, "attribute access 'os.environ'")


def test_unknown_bare_name(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("'Alex Tamm'", "settings"))
    assert_format_error(dump, PARTNERS, line, "unexpected name 'settings'")


def test_import_among_rows(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: "import os\n" + s)
    assert_format_error(dump, PARTNERS, line, "import statement 'import os'")


def test_import_in_header(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, "# fields:", lambda s: "from os import system\n" + s)
    assert_format_error(dump, PARTNERS, line, "import statement 'from os import system'")


def test_raise_left_by_tolerate_in_restore_py(dump: Path) -> None:
    message = (
        'raise Exception("The data of table repairdemo_note has not been dumped'
        ' because an error occured.")'
    )
    line = edit_line(dump / "restore.py", '    execfile("repairdemo_note.py"', lambda s: message)
    assert_format_error(dump, "restore.py", line, "a table was not dumped (dump2py --tolerate)")


def test_raise_in_data_file(dump: Path) -> None:
    message = (
        'raise Exception("The data of table repairdemo_partner has not been dumped'
        ' because --simulate was specified.")'
    )
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: message)
    assert_format_error(dump, PARTNERS, line, "the data of this table was not dumped")


def test_file_cut_off_mid_line(dump: Path) -> None:
    path = dump / PARTNERS
    data = path.read_bytes()
    cut = data[: data.index(PARTNER_2.encode()) + len(PARTNER_2) + 5]
    path.write_bytes(cut)
    assert_format_error(dump, PARTNERS, cut.count(b"\n") + 1, "file ends in the middle of a line")


def test_file_cut_off_at_a_line_end(dump: Path) -> None:
    path = dump / PARTNERS
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[:10]) + "\n", encoding="utf-8")
    assert_format_error(
        dump,
        PARTNERS,
        2,
        "announces 60 objects for repairdemo_partner but the files hold 7 rows",
    )


def test_wrong_number_of_arguments(dump: Path) -> None:
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("'Alex Tamm',", ""))
    assert_format_error(dump, PARTNERS, line, "create_repairdemo_partner takes 9 arguments, got 8")


def test_duplicate_primary_key(dump: Path) -> None:
    line = edit_line(
        dump / PARTNERS,
        PARTNER_2,
        lambda s: s + "\n" + s.replace("(2,", "(2,", 1).replace("Alex", "Alexa"),
    )
    assert_format_error(dump, PARTNERS, line + 1, "duplicate primary key 2 in repairdemo_partner")


def test_duplicate_primary_key_across_parts(dump: Path) -> None:
    first_row = next(
        line
        for line in (dump / "repairdemo_orderitem_1.py").read_text(encoding="utf-8").split("\n")
        if line.startswith("loader.save(")
    )
    line = edit_line(dump / "repairdemo_orderitem_3.py", "loader.save(", lambda s: first_row)
    assert_format_error(
        dump, "repairdemo_orderitem_3.py", line, "duplicate primary key 1 in repairdemo_orderitem"
    )


def test_data_file_not_listed_in_restore_py(dump: Path) -> None:
    shutil.copyfile(dump / PARTNERS, dump / "repairdemo_stowaway.py")
    assert_format_error(
        dump, "restore.py", last_execfile_line(dump), "'repairdemo_stowaway.py' is in the dump"
    )


def test_listed_file_missing(dump: Path) -> None:
    line = edit_line(dump / "restore.py", '    execfile("repairdemo_note.py"', lambda s: s)
    (dump / "repairdemo_note.py").unlink()
    assert_format_error(
        dump, "restore.py", line, "lists 'repairdemo_note.py', which does not exist"
    )


def test_row_of_another_table(dump: Path) -> None:
    line = edit_line(
        dump / PARTNERS,
        PARTNER_2,
        lambda s: s.replace("create_repairdemo_partner", "create_repairdemo_person"),
    )
    assert_format_error(dump, PARTNERS, line, "row for another table")


def test_restore_py_that_is_not_python(dump: Path) -> None:
    line = edit_line(dump / "restore.py", "def main(args):", lambda s: "def main(args:")
    assert_format_error(dump, "restore.py", line, "not valid Python")


def test_invalid_date(dump: Path) -> None:
    line = edit_line(
        dump / PARTNERS, PARTNER_2, lambda s: s.replace("dt(2024,11,14,", "dt(2024,13,14,")
    )
    assert_format_error(dump, PARTNERS, line, "invalid dt(2024,13,14,13,18,59)")


def test_diff_refuses_a_line_outside_the_grammar_present_in_both_dumps(
    dump: Path, tmp_path: Path
) -> None:
    """Every line is checked against the grammar, also those that are the same in both dumps."""
    line = edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("'Alex Tamm'", "eval('1')"))
    twin = tmp_path / "twin"
    shutil.copytree(dump, twin)
    result = CliRunner().invoke(cli, ["diff", str(dump), str(twin)])
    assert result.exit_code == 2
    assert f"{PARTNERS}:{line}: call to 'eval'" in result.output


def test_strict_diff_reports_an_impossible_date_present_in_both_dumps(
    dump: Path, tmp_path: Path
) -> None:
    """By default identical rows are checked for grammar only; --strict decodes them all."""
    edit_line(dump / PARTNERS, PARTNER_2, lambda s: s.replace("dt(2024,11,14,", "dt(2024,13,14,"))
    twin = tmp_path / "twin"
    shutil.copytree(dump, twin)
    runner = CliRunner()
    assert runner.invoke(cli, ["diff", str(dump), str(twin)]).exit_code == 0
    strict = runner.invoke(cli, ["diff", "--strict", str(dump), str(twin)])
    assert strict.exit_code == 2
    assert "invalid dt(2024,13,14,13,18,59)" in strict.output


# restore.py: bounded, read as Python reads it, and never run.


def restore_text(dump: Path) -> str:
    return (dump / "restore.py").read_text(encoding="utf-8")


def test_a_header_line_that_made_the_pattern_backtrack_reads_at_once(dump: Path) -> None:
    """An 18 KB header line once hung the reader; run it in a child that a hang would time out."""
    repeated = "DJANGO_SETTINGS_MODULE was x, TIME_ZONE was y " * 400
    header = "# DJANGO_SETTINGS_MODULE was 'repairdemo.settings', TIME_ZONE was 'UTC'."
    (dump / "restore.py").write_text(restore_text(dump).replace(header, "# " + repeated))
    script = (
        "import sys; from repairkit.readers.lino.dump import read_lino_dump;"
        " print(sorted(read_lino_dump(sys.argv[1]).info))"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(dump)], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "['datetime_precision', 'format', 'source_version']"


def test_a_restore_py_with_a_bom_is_read(dump: Path) -> None:
    (dump / "restore.py").write_bytes(b"\xef\xbb\xbf" + (dump / "restore.py").read_bytes())
    snapshot = read_lino_dump(dump)
    assert snapshot.info["settings"] == "repairdemo.settings"
    assert len(snapshot.tables["repairdemo_partner"].decode()) == 60


def test_a_restore_py_over_the_size_limit_is_refused(dump: Path) -> None:
    padding = "#" * 1023 + "\n"
    with (dump / "restore.py").open("a", encoding="utf-8") as file:
        file.write(padding * (MAX_RESTORE_BYTES // len(padding) + 1))
    assert_format_error(dump, "restore.py", 1, "larger than 8 MiB")


def test_a_function_with_absurdly_many_parameters_is_refused(dump: Path) -> None:
    extra = ", ".join(f"p{number}" for number in range(MAX_COLUMNS))
    line = edit_line(
        dump / "restore.py",
        "def create_repairdemo_partner(",
        lambda s: s.replace("remark):", f"remark, {extra}):"),
    )
    assert_format_error(dump, "restore.py", line, f"makes {MAX_COLUMNS + 9} columns, over 4096")


def test_languages_that_would_multiply_the_columns_are_refused(dump: Path) -> None:
    languages = ",".join(f"l{number}=values[{number}]" for number in range(3, 5000))
    edit_line(
        dump / "restore.py",
        "    return settings.SITE.babelkw(",
        lambda s: s.replace("fr=values[2]", f"fr=values[2],{languages}"),
    )
    lines = restore_text(dump).split("\n")
    line = next(n for n, s in enumerate(lines, 1) if s.startswith("def create_repairdemo_country("))
    assert_format_error(dump, "restore.py", line, "create_repairdemo_country makes 5002 columns")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[" * 50_000 + "]" * 50_000, "not valid Python: too many nested parentheses"),
        ("1" * 5000, "not valid Python: Exceeds the limit (4300 digits)"),
        ("not " * 100_000 + "None", "too deeply nested to parse"),
    ],
    ids=["nested-lists", "5000-digits", "deep-expression"],
)
def test_literals_python_cannot_parse_in_restore_py_are_named_errors(
    dump: Path, value: str, problem: str
) -> None:
    line = edit_line(dump / "restore.py", "SOURCE_VERSION =", lambda s: f"SOURCE_VERSION = {value}")
    expected_line = 1 if "deeply" in problem else line
    assert_format_error(dump, "restore.py", expected_line, problem)


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"# \xff\n", 1, "not UTF-8"),
        (b"x = 1\n\0\n", 2, "NUL byte"),
        (b"# -*- coding: latin-1 -*-\n", 1, "declares encoding 'latin-1'"),
        (b"# comment\rimport os\n", 1, "carriage return without a line feed"),
        (b"x = 1\n", 1, "no create_<table> functions"),
    ],
    ids=["utf8", "nul", "cookie", "bare-cr", "no-tables"],
)
def test_every_restore_py_error_has_a_line(
    dump: Path, data: bytes, line: int, problem: str
) -> None:
    (dump / "restore.py").write_bytes(data)
    assert_format_error(dump, "restore.py", line, problem)


def test_code_in_restore_py_is_never_run(dump: Path, tmp_path: Path) -> None:
    """Calls, imports, f-strings and lambdas in restore.py are looked at, never run."""
    marker = tmp_path / "ran"
    code = f'__import__("os").system("touch {marker}")'
    text = restore_text(dump).replace(
        "SOURCE_VERSION = 'None'", f"SOURCE_VERSION = f'{{{code}}}'\nLAMBDA = (lambda: {code})()"
    )
    text = text.replace("    kw.update(id=id)", f"    kw.update(id=id)\n    {code}", 1)
    (dump / "restore.py").write_text(text, encoding="utf-8")
    snapshot = read_lino_dump(dump)
    assert "source_version" not in snapshot.info  # an f-string is not a constant
    assert len(snapshot.tables["repairdemo_partner"].decode()) == 60
    assert not marker.exists()


def test_an_execfile_of_a_computed_name_lists_nothing(dump: Path) -> None:
    edit_line(
        dump / "restore.py",
        '    execfile("repairdemo_note.py"',
        lambda s: s.replace(
            '"repairdemo_note.py"', "__import__('os').path.join('repairdemo_note.py')"
        ),
    )
    assert_format_error(
        dump, "restore.py", last_execfile_line(dump), "'repairdemo_note.py' is in the dump"
    )
