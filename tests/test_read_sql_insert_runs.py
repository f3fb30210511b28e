"""Runs of one-line INSERTs taken in one step read exactly as the statements one by one.

The reference is the dump reader with no runs offered (every INSERT read
as a statement, as before). On real ``sqlite3 .dump``, ``pg_dump
--inserts`` and ``mariadb-dump`` output, whole and with one line spoiled
in the middle of a run in each way a dump can be, both readings must
give the same rows, fingerprints and, for a spoiled dump, the same
message naming the same line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.readers.sql.dump import _DumpReader, read_sql_dump
from repairkit.readers.sql.dump_lines import numbered_lines
from repairkit.readers.sql.insert_rows import InsertRowStore
from repairkit.readers.sql.statements import Dialect, StatementSplitter
from repairkit.readers.sql.tables import build_tables
from repairkit.snapshot import Snapshot

from .conftest import ServerDatabase
from .test_read_sql_inserts import (
    assert_reads_as_the_reference,
    needs_sqlite3,
    sqlite_dump,
    typed,
)
from .test_read_sql_types import mariadb, mariadb_dump, pg_dump_of_script

ROWS = 3000  # more than one run of the longest (1024 lines)
SCHEMA = """
CREATE TABLE "kinds" ("id" integer NOT NULL PRIMARY KEY, "name" varchar(50) NOT NULL,
    "note" text NULL, "flag" bool NOT NULL, "born" date NULL, "amount" decimal NULL);
"""


def kinds_rows() -> list[tuple[object, ...]]:
    """Rows the table's pattern takes, with a few it leaves to the slow way among them."""
    rows: list[tuple[object, ...]] = []
    for i in range(1, ROWS + 1):
        born = "2020-02-29" if i % 700 == 0 else f"19{i % 90 + 10}-0{i % 9 + 1}-1{i % 9}"
        note = "line\nbreak" if i % 97 == 0 else (None if i % 5 else f"n'{i}'")
        rows.append((i, f"name {i} é", note, i % 2, born, None if i % 7 else i / 4))
    return rows


def read_one_by_one(path: Path, dialect: Dialect) -> Snapshot:
    """Read ``path`` as ``read_sql_dump`` does, but with every INSERT read as a statement."""
    reader = _DumpReader(path, dialect)
    with path.open("rb") as stream:
        reader.read(StatementSplitter(path, numbered_lines(path, stream, dialect), dialect))
    return Snapshot(path.name, build_tables(path, reader.data, dialect), {})


def outcome(read: object) -> object:
    """Return the rows and fingerprints of every table, or the message of the refusal."""
    try:
        snapshot = read()  # type: ignore[operator]
    except DumpFormatError as err:
        return str(err)
    return {
        name: (typed(table.store.decode()), sorted(table.store.fingerprints.items()))
        for name, table in snapshot.tables.items()
    }


def assert_reads_as_one_by_one(path: Path, dialect: Dialect) -> object:
    found = outcome(lambda: read_sql_dump(path, dialect))
    assert found == outcome(lambda: read_one_by_one(path, dialect))
    return found


def insert_lines(path: Path) -> list[int]:
    """Return the indexes of the dump's lines that are INSERTs into ``kinds``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [
        i
        for i, line in enumerate(lines)
        if line.startswith(("INSERT INTO kinds", "INSERT INTO public.kinds"))
    ]


# One line of a run spoiled, as (what, how the line becomes lines).
SPOILERS = {
    "a key twice": lambda line: [line, line],
    "no such day": lambda line: [re.sub(r"'[0-9]{4}-[0-9]{2}-[0-9]{2}'", "'2021-02-29'", line)],
    "a value too many": lambda line: [line.replace(");", ",1);")],
    "a value missing": lambda line: [line[: line.rindex(",")] + ");"],
    "a cut-off string": lambda line: [line.replace("'", "'x;", 1).rsplit("'", 1)[0] + ";"],
    "a string over two lines": lambda line: [
        line[: line.index("'") + 1] + "a;",
        "INSERT INTO kinds " + line[line.index("'") + 1 :],
    ],
    "spaces after the ;": lambda line: [line + "  "],
    "a comment between": lambda line: [line, "-- a comment"],
    "an unknown word": lambda line: [line.replace("(", "(nope ", 1)],
    "a function": lambda line: [line.replace("(", "(abs(", 1).replace(",", "),", 1)],
}


def spoiled(path: Path, index: int, spoil: object, target: Path) -> Path:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[index : index + 1] = spoil(lines[index])  # type: ignore[operator]
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


@needs_sqlite3
def test_a_sqlite_dump_reads_as_one_by_one_and_as_the_value_by_value_reading(
    tmp_path: Path,
) -> None:
    path = sqlite_dump(tmp_path, "runs", SCHEMA, kinds_rows())
    found = assert_reads_as_one_by_one(path, Dialect.SQLITE)
    assert isinstance(found, dict) and len(found["kinds"][1]) == ROWS
    assert_reads_as_the_reference(path, Dialect.SQLITE, "kinds")
    assert isinstance(read_sql_dump(path, Dialect.SQLITE).tables["kinds"].store, InsertRowStore)


@needs_sqlite3
@pytest.mark.parametrize("what", sorted(SPOILERS))
def test_a_spoiled_line_in_a_run_is_read_or_refused_as_one_by_one(
    tmp_path: Path, what: str
) -> None:
    path = sqlite_dump(tmp_path, "runs", SCHEMA, kinds_rows())
    inserts = insert_lines(path)
    for where in (inserts[0], inserts[1], inserts[1500], inserts[-1]):
        bad = spoiled(path, where, SPOILERS[what], tmp_path / f"spoiled-{where}.sql")
        assert_reads_as_one_by_one(bad, Dialect.SQLITE)


class TakingJudge:
    """Take so many lines of each run offered, in turn, but only lines that are whole statements.

    ``whole`` are the statements of the dump, as its lines and texts, as
    the splitter finds them with no judge.
    """

    def __init__(self, takes: list[int], whole: set[tuple[int, str]]) -> None:
        self.takes = itertools.cycle(takes)
        self.whole = whole
        self.taken: list[tuple[int, str]] = []
        self.longest = 0

    def takes_head(self, head: str) -> bool:
        return True

    def take_run(self, head: str, statements: list[str], numbers: Sequence[int]) -> int:
        self.longest = max(self.longest, len(statements))
        most = min(next(self.takes), len(statements))
        for taken in range(most):
            statement = (numbers[taken], statements[taken].removesuffix(";"))
            if statement not in self.whole:
                return taken
            self.taken.append(statement)
        return most


def statements(path: Path, judge: TakingJudge | None = None) -> tuple[list[tuple[int, str]], str]:
    """Return the statements of ``path`` as line and text, and the message of a refusal."""
    found: list[tuple[int, str]] = []
    with path.open("rb") as stream:
        lines = numbered_lines(path, stream, Dialect.SQLITE)
        try:
            for statement in StatementSplitter(path, lines, Dialect.SQLITE, runs=judge):
                found.append((statement.line, statement.text))
        except DumpFormatError as err:
            return found, str(err)
    return found, ""


@needs_sqlite3
@pytest.mark.parametrize("takes", [[0], [1], [5000], [0, 3, 1, 700, 0, 0, 2]])
@pytest.mark.parametrize(
    "what", ["a string over two lines", "a cut-off string", "a comment between"]
)
def test_the_lines_a_judge_leaves_are_split_as_before(
    tmp_path: Path, takes: list[int], what: str
) -> None:
    path = sqlite_dump(tmp_path, "runs", SCHEMA, kinds_rows())
    bad = spoiled(path, insert_lines(path)[1500], SPOILERS[what], tmp_path / "spoiled.sql")
    reference, refusal = statements(bad)
    judge = TakingJudge(takes, set(reference))
    split, message = statements(bad, judge)
    assert (sorted(split + judge.taken), message) == (reference, refusal)
    assert judge.longest > 1  # runs were offered
    assert bool(judge.taken) is (max(takes) > 0)


@needs_sqlite3
def test_a_refused_row_in_a_run_is_named_on_its_line(tmp_path: Path) -> None:
    path = sqlite_dump(tmp_path, "runs", SCHEMA, kinds_rows())
    where = insert_lines(path)[1500]
    bad = spoiled(path, where, SPOILERS["a key twice"], tmp_path / "twice.sql")
    with pytest.raises(DumpFormatError, match=rf":{where + 2}: SQLite refuses this row: UNIQUE"):
        read_sql_dump(bad, Dialect.SQLITE)
    bad = spoiled(path, where, SPOILERS["a value too many"], tmp_path / "many.sql")
    with pytest.raises(DumpFormatError, match=rf":{where + 1}: kinds has 6 columns"):
        read_sql_dump(bad, Dialect.SQLITE)


POSTGRES_SCHEMA = f"""
CREATE TABLE kinds (id integer PRIMARY KEY, name varchar(50) NOT NULL, note text,
    flag boolean NOT NULL, born date, amount numeric(12, 2));
INSERT INTO kinds SELECT i, 'name ' || i || ' é',
    CASE WHEN i % 97 = 0 THEN E'line\\nbreak' WHEN i % 5 = 0 THEN 'n''' || i || '''' END,
    i % 2 = 1, CASE WHEN i % 700 = 0 THEN date '2020-02-29' ELSE date '1950-01-01' + i END,
    CASE WHEN i % 7 = 0 THEN i / 4.0 END
    FROM generate_series(1, {ROWS}) AS i;
"""


@pytest.mark.slow
def test_a_pg_dump_with_inserts_reads_as_one_by_one(
    postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    path = pg_dump_of_script(postgres_database, tmp_path, POSTGRES_SCHEMA, "--inserts")
    found = assert_reads_as_one_by_one(path, Dialect.POSTGRES)
    assert isinstance(found, dict) and len(found["kinds"][1]) == ROWS
    assert_reads_as_the_reference(path, Dialect.POSTGRES, "kinds")
    for what in ("a key twice", "a value too many", "a string over two lines"):
        where = insert_lines(path)[1500]
        bad = spoiled(path, where, SPOILERS[what], tmp_path / "spoiled.sql")
        assert_reads_as_one_by_one(bad, Dialect.POSTGRES)


MARIADB_SCHEMA = f"""
CREATE TABLE kinds (id int PRIMARY KEY, name varchar(50) NOT NULL, note text,
    flag bool NOT NULL, born date, amount decimal(12, 2));
INSERT INTO kinds SELECT seq, concat('name ', seq, ' é'),
    CASE WHEN seq % 97 = 0 THEN 'line\\nbreak' WHEN seq % 5 = 0 THEN concat('n''', seq, '''') END,
    seq % 2, CASE WHEN seq % 700 = 0 THEN '2020-02-29' ELSE '1950-01-01' + INTERVAL seq DAY END,
    CASE WHEN seq % 7 = 0 THEN seq / 4 END
    FROM seq_1_to_{ROWS};
"""


TUPLE_LINE_SPOILERS = {
    "a value too many": lambda line: [line.replace("(", "(1,", 1)],
    "an unknown word": lambda line: [line.replace("(", "(nope ", 1)],
    "a function": lambda line: [line.replace("(", "(abs(", 1).replace(",", "),", 1)],
    "a string over two lines": lambda line: [
        line[: line.index("'") + 1] + "a),",
        line[line.index("'") + 1 :],
    ],
    "a comment between": lambda line: [line, "-- a comment"],
}


def one_line_statements(path: Path, target: Path) -> Path:
    """Join each statement's lines into one, as mysqldump before MariaDB 10.11 writes them."""
    text = path.read_text(encoding="utf-8")
    target.write_text(re.sub(r"(VALUES|\),)\n(?=\()", r"\1", text), encoding="utf-8")
    return target


@pytest.mark.slow
@pytest.mark.parametrize("options", [["--net-buffer-length=4096"], ["--skip-extended-insert"]])
def test_a_mariadb_dump_reads_as_one_by_one(
    mariadb_database: ServerDatabase, tmp_path: Path, options: list[str]
) -> None:
    mariadb(mariadb_database, MARIADB_SCHEMA)
    written = mariadb_dump(mariadb_database, tmp_path / "dump.sql", *options)
    for path in (written, one_line_statements(written, tmp_path / "one-line.sql")):
        found = assert_reads_as_one_by_one(path, Dialect.MYSQL)
        assert isinstance(found, dict) and len(found["kinds"][1]) == ROWS
        assert_reads_as_the_reference(path, Dialect.MYSQL, "kinds")
    lines = written.read_text(encoding="utf-8").split("\n")
    rows = [
        i for i, line in enumerate(lines) if re.match(r"(?:INSERT INTO `kinds` VALUES ?)?\(", line)
    ]
    assert len(rows) >= ROWS
    for spoil in TUPLE_LINE_SPOILERS.values():
        for where in (rows[0], rows[1500], rows[-1]):
            bad = spoiled(written, where, spoil, tmp_path / f"spoiled-{where}.sql")
            assert_reads_as_one_by_one(bad, Dialect.MYSQL)
