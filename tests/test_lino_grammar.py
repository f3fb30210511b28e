"""Every line of a Lino data file is in the grammar, and reads as Python itself reads it.

Lino restores a dump by executing it, so the oracle here is Python's own
parser (``ast.parse``, which parses and never runs anything): a file that
Python refuses must be refused, with file and line; a file that repairkit
accepts must be one that Python reads to exactly the same rows.
"""

from __future__ import annotations

import ast
import datetime
import random
import shutil
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import DumpFormatError
from repairkit.readers.lino.dump import LinoRowStore
from repairkit.readers.lino.restore import RestoreModule, TableSchema, read_restore_module
from repairkit.readers.lino.values import RowDecoder
from repairkit.snapshot import ColumnKind, ContentTypeRef, Row
from repairkit.values import normalize_datetime, normalize_time

from .conftest import FIXTURES

BACKUP = FIXTURES / "backup"
PARTNERS = "repairdemo_partner.py"
PARTNER_2 = b"loader.save(create_repairdemo_partner(2,"
MUTATED_TABLES = (
    "repairdemo_partner",  # plain columns
    "repairdemo_country",  # a babel field
    "repairdemo_note",  # a content type
    "repairdemo_person",  # a choice and a parent link
    "repairdemo_product",  # a decimal
)
# Bytes that reach the corners of Python's tokenizer and of the grammar.
PIECES = [
    b"\0", b"\r", b"\r\n", b"\n", b"\x0b", b"\x0c", b"\x1c", "\x85".encode(), "\u2028".encode(),
    b"\xff", b"\xc3", b"\xef\xbb\xbf", b"'", b'"', b"'''", b"\\", b"\\x4", b"\\xe9", b"\\N{",
    b"\\N{BULLET}", b"\\U00110000", b"\\u00e9", b"0", b"01", b"1", b"L", b"j", b"u", b"b", b"f",
    b"r", b"_", b"[", b"]", b"(", b")", b",", b" ", b"\t", b"#", b"e", b"-", b".", b"**",
    b"lambda:", b"__import__", b"None", b"True", b"repairdemo_Company", b"# coding: latin-1\n",
]  # fmt: skip


@pytest.fixture(scope="session")
def module() -> RestoreModule:
    return read_restore_module(BACKUP / "restore.py")


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    copy = tmp_path / "dump"
    shutil.copytree(BACKUP, copy)
    return copy


def read_table(module: RestoreModule, table: str, *paths: Path) -> list[Row]:
    """Read data files as the reader does: every line checked, every row decoded."""
    schema = module.tables[table]
    decoder = RowDecoder(schema, module.model_globals, len(module.languages))
    rows = LinoRowStore(schema, decoder, list(paths), map).decode()
    return list(rows.values())


def python_rows(module: RestoreModule, schema: TableSchema, data: bytes) -> list[Row] | None:
    """Return the rows Python's own parser reads from ``data``, or None if it refuses it.

    Also None when Python reads a statement other than the few a data file
    holds, or a row that Lino's restore could not run (an unknown name, an
    impossible date, a decimal that is not a number, a wrong argument count).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "invalid escape sequence": Python keeps it as it is
            tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    rows = []
    for statement in tree.body:
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            return None
        call = statement.value
        text = ast.unparse(call.func)
        if text == "loader.flush_deferred_objects" and not call.args:
            continue
        if text == "logger.info" and [type(arg) for arg in call.args] == [ast.Constant]:
            continue
        if text != "loader.save" or len(call.args) != 1 or not isinstance(call.args[0], ast.Call):
            return None
        create = call.args[0]
        if ast.unparse(create.func) != f"create_{schema.name}" or create.keywords:
            return None
        if len(create.args) != len(schema.parameters):
            return None
        try:
            values = [python_value(argument) for argument in create.args]
            rows.append(column_values(module, schema, values))
        except (ValueError, TypeError, KeyError, ArithmeticError, AssertionError):
            return None
    return rows


def python_value(node: ast.expr) -> object:
    """Read one argument the way Lino's restore would get it, without running anything."""
    if isinstance(node, ast.Name) and node.id not in ("None", "True", "False"):
        return ("model", node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arguments = [ast.literal_eval(argument) for argument in node.args]
        if node.func.id == "dt":
            return normalize_datetime(datetime.datetime(*arguments))
        if node.func.id == "date":
            return datetime.date(*arguments)
        assert node.func.id == "time"
        return normalize_time(datetime.time(*arguments))
    return ast.literal_eval(node)


def column_values(module: RestoreModule, schema: TableSchema, values: list[object]) -> Row:
    """Turn arguments into column values as restore.py's create function does."""
    row: list[object] = []
    for parameter, value in zip(schema.parameters, values, strict=True):
        if parameter.kind is ColumnKind.BABEL:
            texts = [None] * len(module.languages) if value is None else value
            assert isinstance(texts, list) and len(texts) == len(module.languages)
            assert all(text is None or isinstance(text, str) for text in texts)
            row.extend(texts)
        elif parameter.kind is ColumnKind.DECIMAL and value is not None:
            assert isinstance(value, (str, int, float)) and not isinstance(value, bool)
            row.append(Decimal(value))
        elif parameter.kind is ColumnKind.CHOICE and value is None:
            row.append("")
        elif parameter.kind is ColumnKind.CONTENT_TYPE and value is not None:
            assert isinstance(value, tuple)
            app_label, _, model = module.model_globals[value[1]].rpartition(".")
            row.append(ContentTypeRef(app_label, model.lower()))
        else:
            assert not isinstance(value, (tuple, list))
            row.append(value)
    return tuple(row)  # type: ignore[return-value]


def typed(rows: list[Row]) -> list[list[tuple[type, object]]]:
    """Compare values with their types: True is not 1, 1.0 is not 1."""
    return [[(type(value), value) for value in row] for row in rows]


def mutants(data: bytes, seed: int, count: int) -> Iterator[bytes]:
    """Yield ``count`` seeded one-place mutations of ``data``."""
    generator = random.Random(seed)
    for _ in range(count):
        position = generator.randrange(len(data))
        piece = generator.choice(PIECES)
        operation = generator.randrange(4)
        if operation == 0:
            yield data[:position] + piece + data[position:]
        elif operation == 1:
            yield data[:position] + piece + data[position + len(piece) :]
        elif operation == 2:
            yield data[:position] + data[position + generator.randint(1, 3) :]
        else:  # swap two neighbouring bytes
            pair = data[position : position + 2]
            yield data[:position] + pair[::-1] + data[position + 2 :]


@pytest.mark.parametrize("table", MUTATED_TABLES)
def test_mutants_are_refused_with_a_line_or_read_as_python_reads_them(
    module: RestoreModule, table: str, tmp_path: Path
) -> None:
    source = (BACKUP / f"{table}.py").read_bytes()
    path = tmp_path / f"{table}.py"
    schema = module.tables[table]
    accepted = refused = 0
    for number, mutant in enumerate(mutants(source, seed=hash(table) % 1000, count=300)):
        path.write_bytes(mutant)
        expected = python_rows(module, schema, mutant)
        try:
            rows = read_table(module, table, path)
        except DumpFormatError as err:
            refused += 1
            assert err.line is not None, (number, mutant, err)
            continue
        accepted += 1
        assert expected is not None, f"mutant {number} accepted, but Python refuses it: {mutant!r}"
        assert typed(rows) == typed(expected), f"mutant {number} misread: {mutant!r}"
    # The mutants reach both sides of the grammar.
    assert accepted > 10 and refused > 100, (accepted, refused)


def test_the_shipped_dump_reads_as_python_reads_it(module: RestoreModule) -> None:
    files: dict[str, list[Path]] = {}
    for name, _ in module.data_files:
        table = name.removesuffix(".py")
        table = table if table in module.tables else table.rpartition("_")[0]
        files.setdefault(table, []).append(BACKUP / name)
    for table, paths in files.items():
        expected: list[Row] = []
        for path in paths:
            rows = python_rows(module, module.tables[table], path.read_bytes())
            assert rows is not None, path.name
            expected.extend(rows)
        assert typed(read_table(module, table, *paths)) == typed(expected), table


def replace_in_row_2(dump: Path, old: bytes, new: bytes) -> int:
    """Replace ``old`` by ``new`` in partner 2's line; return that line's number."""
    path = dump / PARTNERS
    lines = path.read_bytes().split(b"\n")
    for index, line in enumerate(lines):
        if line.startswith(PARTNER_2):
            assert old in line
            lines[index] = line.replace(old, new, 1)
            path.write_bytes(b"\n".join(lines))
            return index + 1
    raise AssertionError("no row 2")


def diff_with_itself(dump: Path, tmp_path: Path) -> str:
    """Run ``repairkit diff`` on two identical copies of ``dump``: the broken line is in both."""
    twin = tmp_path / "twin"
    shutil.copytree(dump, twin)
    result = CliRunner().invoke(cli, ["diff", str(dump), str(twin)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


BROKEN_VALUES = [
    pytest.param(b"'Alex Tamm'", b"0123", "leading zero in integer '0123'", id="leading-zero"),
    pytest.param(b"'Alex Tamm'", b"'\\x4'", "truncated escape", id="truncated-x"),
    pytest.param(b"'Alex Tamm'", b"'\\N{NO SUCH NAME}'", "unknown character name", id="N-name"),
    pytest.param(b"'Alex Tamm'", b"'\\U00110000'", "beyond the last Unicode", id="U-range"),
    pytest.param(b"'Alex Tamm'", b"12L", "unexpected 'L", id="long-suffix"),
    pytest.param(b"'Alex Tamm'", b"f'{os}'", "string prefix 'f'", id="f-string"),
    pytest.param(b"'Alex Tamm'", b"b'x'", "string prefix 'b'", id="bytes"),
    pytest.param(b"'Alex Tamm'", b"r'\\n'", "string prefix 'r'", id="raw-string"),
    pytest.param(b"'Alex Tamm'", b"lambda: 1", "unexpected ': 1", id="lambda"),
    pytest.param(b"'Alex Tamm'", b"__import__('os')", "call to '__import__'", id="import"),
    pytest.param(b"'Alex Tamm'", b"os.system", "attribute access 'os.system'", id="attribute"),
    pytest.param(b"'Alex Tamm'", b"10**100000", 'unexpected "**100000', id="power"),
    pytest.param(b"'Alex Tamm'", b"'Alex' 'Tamm'", "unexpected \"'Tamm'", id="adjacent"),
    pytest.param(b"'Alex Tamm'", b"'''Alex'''", "unexpected", id="triple-quote"),
    pytest.param(b"'Alex Tamm'", b"'Alex Tamm", "unexpected", id="unterminated"),
    pytest.param(b"'Alex Tamm'", b"[" * 50_000 + b"]" * 50_000, "unexpected '[[[[", id="nested"),
    pytest.param(b"'Alex Tamm'", b"1" * 5000, "integer of 5000 digits", id="5000-digits"),
    pytest.param(b",'Alex Tamm'", b",\x0b'Alex Tamm'", "unexpected", id="vertical-tab"),
    pytest.param(b",'Alex Tamm'", ",\u2028'Alex Tamm'".encode(), "unexpected", id="u2028"),
    pytest.param(b"dt(2024,11,14,", b"dt(2024,011,14,", "bad arguments for dt", id="dt-zero"),
    pytest.param(b",18,59)", b",18,59,5,1)", "bad arguments for dt", id="dt-8-arguments"),
    pytest.param(b"dt(2024,11,", b"dt(99999999999999999999,11,", "bad arguments", id="dt-big"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN_VALUES)
def test_a_value_outside_the_grammar_is_refused_even_in_both_dumps(
    dump: Path, tmp_path: Path, old: bytes, new: bytes, problem: str
) -> None:
    line = replace_in_row_2(dump, old, new)
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:{line}: " in output
    assert problem in output


BROKEN_FILES = [
    pytest.param(b"'Alex Tamm'", b"'Alex\0Tamm'", "NUL byte", id="nul"),
    pytest.param(b"'Alex Tamm'", b"'Alex \xff Tamm'", "not UTF-8", id="invalid-utf8"),
    pytest.param(b"'Alex Tamm'", b"'Alex \xc3'", "not UTF-8", id="cut-utf8"),
    pytest.param(b"'Alex Tamm'", b"'Alex\rTamm'", "carriage return", id="bare-cr"),
]


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN_FILES)
def test_bytes_python_refuses_are_refused_with_their_line(
    dump: Path, tmp_path: Path, old: bytes, new: bytes, problem: str
) -> None:
    line = replace_in_row_2(dump, old, new)
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:{line}: {problem}" in output


def test_a_statement_hidden_after_a_bare_cr_in_a_comment_is_refused(
    dump: Path, tmp_path: Path
) -> None:
    path = dump / PARTNERS
    data = path.read_bytes()
    hidden = b"# fields: id, name\rimport os; os.system('touch /tmp/pwned')\n"
    path.write_bytes(data.replace(b"# fields:", hidden + b"# fields:", 1))
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:3: carriage return without a line feed" in output


@pytest.mark.parametrize(
    ("cookie", "problem"),
    [
        (b"# -*- coding: latin-1 -*-", "declares encoding 'latin-1'"),
        (b"# -*- coding: klingon -*-", "unknown encoding 'klingon'"),
        (b"\xef\xbb\xbf# -*- coding: utf8 -*-", "declares encoding 'utf8' after a UTF-8 BOM"),
    ],
)
def test_an_encoding_other_than_utf8_is_refused(
    dump: Path, tmp_path: Path, cookie: bytes, problem: str
) -> None:
    path = dump / PARTNERS
    path.write_bytes(path.read_bytes().replace(b"# -*- coding: UTF-8 -*-", cookie, 1))
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:1: {problem}" in output


def test_forms_python_accepts_read_as_python_reads_them(module: RestoreModule, dump: Path) -> None:
    """A BOM, CRLF line ends, a utf_8 cookie, form feeds and spaces between arguments."""
    path = dump / PARTNERS
    data = path.read_bytes().replace(b"# -*- coding: UTF-8 -*-", b"# vim: set fileencoding=utf_8 :")
    data = data.replace(b",'Alex Tamm',", b" ,\x0c'Alex Tamm' , ")
    data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    path.write_bytes(data)
    rows = read_table(module, "repairdemo_partner", path)
    expected = python_rows(module, module.tables["repairdemo_partner"], data)
    assert expected is not None
    assert typed(rows) == typed(expected)
    assert rows[1][1] == "Alex Tamm"


def test_python_escapes_read_as_python_reads_them(module: RestoreModule, dump: Path) -> None:
    path = dump / PARTNERS
    text = b"'\\N{BULLET} \\x41\\u00e9\\U0001F600 \\101\\777 \\d\\q \\\\ \\' \\t'"
    replace_in_row_2(dump, b"'Alex Tamm'", b"u" + text)
    rows = read_table(module, "repairdemo_partner", path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "\777", "\d": Python warns, and reads them as we do
        expected = ast.literal_eval(text.decode())
    assert rows[1][1] == expected


def test_a_float_with_a_huge_exponent_reads_at_once(module: RestoreModule, dump: Path) -> None:
    """``1e99999999`` is a float literal, infinite to Python too; it is never expanded."""
    path = dump / "repairdemo_product.py"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"'7.82'", b"1e99999999")
    path.write_bytes(b"\n".join(lines))
    rows = read_table(module, "repairdemo_product", path)
    assert rows[0][3] == Decimal("Infinity")
    lines[3] = lines[3].replace(b"(1,", b"(1e99999999,")
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(DumpFormatError) as caught:
        read_table(module, "repairdemo_product", path)
    assert caught.value.line == 4
    assert "primary key 'id' is inf" in caught.value.problem


def test_an_announced_count_of_5001_digits_is_refused(dump: Path, tmp_path: Path) -> None:
    path = dump / PARTNERS
    path.write_bytes(path.read_bytes().replace(b"Loading 60 ", b"Loading " + b"9" * 5001 + b" "))
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:2: announces an object count of 5001 digits" in output


def test_an_indented_statement_is_refused(dump: Path, tmp_path: Path) -> None:
    path = dump / PARTNERS
    path.write_bytes(path.read_bytes().replace(b"logger.info(", b"  logger.info(", 1))
    output = diff_with_itself(dump, tmp_path)
    assert f"{PARTNERS}:2: unexpected statement" in output


@pytest.mark.parametrize(
    "text", [b"'8x'", b"'Infinity'", b"'NaN'", b"'1_000'", b"' 84.46'", "'\u0661'".encode()]
)
def test_a_decimal_text_that_is_no_plain_number_is_refused_even_in_both_dumps(
    dump: Path, tmp_path: Path, text: bytes
) -> None:
    path = dump / "repairdemo_product.py"
    lines = path.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if b"(5,'Carrots',5,'84.46'," in line)
    lines[number] = lines[number].replace(b"'84.46'", text)
    path.write_bytes(b"\n".join(lines))
    output = diff_with_itself(dump, tmp_path)
    assert f"repairdemo_product.py:{number + 1}: " in output
