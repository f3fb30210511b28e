"""Recognise the statements of a SQL dump and read the schema from them.

sqlparse's lexer turns the schema statements (CREATE TABLE, ALTER TABLE,
the head of an INSERT or COPY) into tokens; a small reader on top of them
learns each table's columns, their SQL types, the primary key and the
foreign keys. sqlparse never sees the data: ``values`` reads VALUES lists
and COPY lines itself, as they can be megabytes long.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlparse import lexer, tokens
from sqlparse.exceptions import SQLParseError


class StatementKind(str, enum.Enum):
    """What a statement means to a reader of data."""

    CREATE_TABLE = "create table"
    ALTER_TABLE = "alter table"
    INSERT = "insert"
    COPY = "copy"
    CHANGE = "change"  # UPDATE, DELETE, TRUNCATE: rows changed in place
    DROP_TABLE = "drop table"
    OTHER = "other"  # SET, CREATE INDEX, LOCK TABLES, ...: carries no rows
    UNKNOWN = "unknown"  # no statement a dump tool writes


_KIND = re.compile(
    r"(?P<create>CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\b)"
    r"|(?P<alter>ALTER\s+TABLE\b)|(?P<insert>(?:INSERT|REPLACE)\b)|(?P<copy>COPY\b)"
    r"|(?P<change>(?:UPDATE|DELETE|TRUNCATE)\b)|(?P<drop>DROP\s+(?:TEMPORARY\s+)?TABLE\b)"
    # What sqlite3 .dump, pg_dump and mysqldump write besides tables and rows.
    r"|(?P<other>(?:SET|SELECT|CREATE|ALTER|DROP|LOCK|UNLOCK|BEGIN|COMMIT|START|END|ROLLBACK"
    r"|SAVEPOINT|RELEASE|PRAGMA|COMMENT|GRANT|REVOKE|USE|ANALYZE|VACUUM|REINDEX|SECURITY"
    r"|REFRESH|FLUSH)\b)",
    re.IGNORECASE,
)


def recognise_statement(text: str) -> StatementKind:
    """Tell from its first words what a statement is."""
    match = _KIND.match(text)
    if match is None or match.lastgroup is None:
        return StatementKind.UNKNOWN
    return _KINDS[match.lastgroup]


_KINDS = {
    "create": StatementKind.CREATE_TABLE,
    "alter": StatementKind.ALTER_TABLE,
    "insert": StatementKind.INSERT,
    "copy": StatementKind.COPY,
    "change": StatementKind.CHANGE,
    "drop": StatementKind.DROP_TABLE,
    "other": StatementKind.OTHER,
}


class SchemaSyntaxError(ValueError):
    """A schema statement is not what a dump writes; the caller adds file and line."""


@dataclass(slots=True)
class TableSchema:
    """What a dump says about one table; ALTER TABLE statements may add to it later."""

    name: str
    line: int
    columns: list[str]
    types: list[str]  # the SQL type of each column, lower case, e.g. "numeric(10,2)"
    pk: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # column -> table


@dataclass(frozen=True, slots=True)
class RowChange:
    """What an UPDATE, DELETE or TRUNCATE statement does to rows.

    ``every_row`` is true where the statement empties its tables
    (``TRUNCATE``, ``DELETE FROM t`` without a condition).
    """

    verb: str
    tables: tuple[str, ...]
    every_row: bool


@dataclass(frozen=True, slots=True)
class Constraints:
    """The keys that one ALTER TABLE statement adds to a table."""

    table: str
    pk: tuple[str, ...]
    references: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Word:
    """One token: a bare word (upper case) or a quoted name, string, number or mark."""

    text: str
    quoted: bool = False

    def is_(self, *words: str) -> bool:
        return not self.quoted and self.text in words


_SKIPPED_TOKENS = (tokens.Whitespace, tokens.Newline, tokens.Comment)
_NAME_TOKENS = (tokens.Name, tokens.Keyword, tokens.Literal.String.Symbol)
# Words after a column's type that start its constraints and options.
_TYPE_ENDS = {
    "NOT", "NULL", "DEFAULT", "PRIMARY", "REFERENCES", "UNIQUE", "CHECK", "CONSTRAINT",
    "COLLATE", "AUTO_INCREMENT", "AUTOINCREMENT", "GENERATED", "COMMENT", "ON", "AS",
    "INVISIBLE", "VISIBLE", "STORED", "VIRTUAL",
}  # fmt: skip
_TABLE_CONSTRAINTS = {
    "CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "KEY", "INDEX", "FULLTEXT",
    "SPATIAL", "EXCLUDE", "PERIOD",
}  # fmt: skip


def _words(text: str) -> list[_Word]:
    """Lex ``text`` with sqlparse into words, dropping blanks and comments.

    :raises SchemaSyntaxError: if sqlparse refuses the text.
    """
    words: list[_Word] = []
    try:
        # sqlparse has no type annotations; tokenize yields (token type, text) pairs.
        for ttype, value in lexer.tokenize(text):  # type: ignore[no-untyped-call]
            if any(ttype in skipped for skipped in _SKIPPED_TOKENS):
                continue
            if value[:1] in '"`[' and any(ttype in kind for kind in _NAME_TOKENS):
                words.append(_Word(_unquote(value), quoted=True))
            elif ttype in tokens.Keyword or ttype in tokens.Name:
                # sqlparse gives some phrases as one token ("NOT NULL", "PRIMARY KEY").
                words.extend(_Word(part) for part in value.upper().split())
            elif ttype in tokens.Literal.String:
                words.append(_Word(value, quoted=True))
            else:
                words.append(_Word(value))
    except SQLParseError as err:
        raise SchemaSyntaxError(f"sqlparse cannot read it: {err}") from err
    return words


def _unquote(name: str) -> str:
    if name[0] == "[":
        return name[1:-1]
    quote = name[0]
    return name[1:-1].replace(quote + quote, quote)


class _Reader:
    """A cursor over words, with the few grammar rules a dump's schema needs."""

    def __init__(self, words: list[_Word], what: str) -> None:
        self.words = words
        self.position = 0
        self.what = what

    def peek(self, ahead: int = 0) -> _Word | None:
        index = self.position + ahead
        return self.words[index] if index < len(self.words) else None

    def next(self) -> _Word:
        word = self.peek()
        if word is None:
            raise SchemaSyntaxError(f"{self.what} ends too early")
        self.position += 1
        return word

    def accept(self, *words: str) -> bool:
        """Consume the words given, in order, if they come next."""
        for ahead, expected in enumerate(words):
            word = self.peek(ahead)
            if word is None or not word.is_(expected):
                return False
        self.position += len(words)
        return True

    def expect(self, text: str) -> None:
        word = self.next()
        if word.quoted or word.text.upper() != text:
            raise SchemaSyntaxError(f"expected {text!r} in {self.what}, got {word.text!r}")

    def name(self) -> str:
        """Read a possibly schema-qualified name and return its last part."""
        word = self.next()
        while self.peek() is not None and self.peek() == _Word("."):
            self.position += 1
            word = self.next()
        if not word.quoted and not re.fullmatch(r"\w+", word.text):
            raise SchemaSyntaxError(f"expected a name in {self.what}, got {word.text!r}")
        return word.text if word.quoted else word.text.lower()

    def names_in_parentheses(self) -> list[str]:
        self.expect("(")
        names = [self.name()]
        while self.accept(","):
            names.append(self.name())
        self.skip_length()  # MySQL: KEY (`name`(191))
        self.expect(")")
        return names

    def skip_length(self) -> None:
        if self.peek() == _Word("("):
            self.group()

    def group(self) -> list[_Word]:
        """Read a parenthesised group and return the words inside it."""
        self.expect("(")
        start, depth = self.position, 1
        while depth:
            word = self.next()
            if not word.quoted:
                depth += {"(": 1, ")": -1}.get(word.text, 0)
        return self.words[start : self.position - 1]


def read_create_table(text: str, line: int) -> TableSchema:
    """Read a CREATE TABLE statement into the table's schema.

    :raises SchemaSyntaxError: if it is not one a dump tool writes.
    """
    reader = _Reader(_words(text), "CREATE TABLE")
    while not reader.accept("TABLE"):
        reader.next()
    reader.accept("IF", "NOT", "EXISTS")
    schema = TableSchema(reader.name(), line, [], [])
    for definition in _split_commas(reader.group()):
        _read_definition(schema, _Reader(definition, f"CREATE TABLE {schema.name}"))
    if not schema.columns:
        raise SchemaSyntaxError(f"CREATE TABLE {schema.name} has no columns")
    if len(set(schema.columns)) != len(schema.columns):
        twice = sorted({name for name in schema.columns if schema.columns.count(name) > 1})
        raise SchemaSyntaxError(f"CREATE TABLE {schema.name} names columns twice: {twice[:5]}")
    return schema


def _split_commas(words: list[_Word]) -> Iterator[list[_Word]]:
    depth, start = 0, 0
    for index, word in enumerate(words):
        if word.quoted:
            continue
        if word.text == "(":
            depth += 1
        elif word.text == ")":
            depth -= 1
        elif word.text == "," and depth == 0:
            yield words[start:index]
            start = index + 1
    if start < len(words):
        yield words[start:]


def _read_definition(schema: TableSchema, reader: _Reader) -> None:
    first = reader.peek()
    if first is None:
        raise SchemaSyntaxError(f"empty column definition in CREATE TABLE {schema.name}")
    if not first.quoted and first.text in _TABLE_CONSTRAINTS:
        pk, references = _read_constraint(reader)
        schema.pk.extend(pk)
        schema.references.update(references)
        return
    column = reader.name()
    type_words: list[str] = []
    while (word := reader.peek()) is not None and not (
        not word.quoted
        and (word.text in _TYPE_ENDS or word.text == "CHARACTER" and reader.peek(1) == _Word("SET"))
    ):
        type_words.append(reader.next().text)
    schema.columns.append(column)
    schema.types.append(_join_type(type_words))
    while reader.peek() is not None:
        if reader.accept("PRIMARY", "KEY"):
            schema.pk.append(column)
        elif reader.accept("REFERENCES"):
            schema.references[column] = reader.name()
        else:
            reader.next()


def _join_type(words: list[str]) -> str:
    text = " ".join(words).lower()
    # "int(10) unsigned" keeps its space: the type's words after a length still count.
    return re.sub(r"\)(?=\w)", ") ", re.sub(r"\s*([(),])\s*", r"\1", text))


def _read_constraint(reader: _Reader) -> tuple[list[str], dict[str, str]]:
    """Read a table constraint; return the primary key columns and foreign keys it names."""
    if reader.accept("CONSTRAINT"):
        reader.name()
    if reader.accept("PRIMARY", "KEY"):
        return reader.names_in_parentheses(), {}
    if reader.accept("FOREIGN", "KEY"):
        columns = reader.names_in_parentheses()
        reader.expect("REFERENCES")
        table = reader.name()
        return [], dict.fromkeys(columns, table)
    return [], {}  # UNIQUE, CHECK, KEY ...: no rows depend on them


def read_alter_table(text: str) -> Constraints:
    """Read the primary and foreign keys an ALTER TABLE statement adds.

    :raises SchemaSyntaxError: if its table name cannot be read.
    """
    reader = _Reader(_words(text), "ALTER TABLE")
    reader.expect("ALTER")
    reader.expect("TABLE")
    reader.accept("IF", "EXISTS")
    reader.accept("ONLY")
    table = reader.name()
    pk: list[str] = []
    references: dict[str, str] = {}
    while reader.peek() is not None:
        if reader.accept("ADD"):
            more_pk, more_references = _read_constraint(reader)
            pk.extend(more_pk)
            references.update(more_references)
        else:
            reader.next()
    return Constraints(table, tuple(pk), references)


def read_target(head: str, what: str) -> tuple[str, list[str] | None]:
    """Read the table and column list of an INSERT or COPY head.

    ``head`` is the statement up to ``VALUES`` (INSERT) or ``FROM`` (COPY).

    :raises SchemaSyntaxError: if it is not ``INSERT INTO name [(columns)]``
        or ``COPY name [(columns)]``.
    """
    reader = _Reader(_words(head), what)
    first = reader.next()
    if first.is_("INSERT", "REPLACE"):
        reader.accept("IGNORE")
        reader.expect("INTO")
    elif not first.is_("COPY"):
        raise SchemaSyntaxError(f"expected INSERT or COPY, got {first.text!r}")
    table = reader.name()
    columns = reader.names_in_parentheses() if reader.peek() == _Word("(") else None
    if reader.peek() is not None:
        raise SchemaSyntaxError(f"unexpected {reader.peek().text!r} in {what}")  # type: ignore[union-attr]
    return table, columns


# Words that may come between DELETE/UPDATE/TRUNCATE and the table without changing its meaning.
_CHANGE_MODIFIERS = ("LOW_PRIORITY", "QUICK", "IGNORE", "TABLE", "ONLY")


def read_change(text: str) -> RowChange:
    """Read which tables an UPDATE, DELETE or TRUNCATE statement changes, and how.

    A MySQL multi-table ``UPDATE a, b SET`` or ``DELETE a FROM a JOIN b``
    names every table it may change.

    :raises SchemaSyntaxError: if the table names cannot be read.
    """
    reader = _Reader(_words(text), "statement")
    verb = reader.next().text
    while reader.peek() is not None and reader.peek().is_(*_CHANGE_MODIFIERS):  # type: ignore[union-attr]
        reader.next()
    if verb == "DELETE" and not reader.accept("FROM"):
        tables = _names_until(reader, "FROM")  # DELETE a, b FROM a JOIN b ...
        return RowChange(verb, tuple(tables), every_row=False)
    tables = [reader.name()]
    while reader.accept(","):
        tables.append(reader.name())
    if verb == "UPDATE":
        return RowChange(verb, tuple(tables), every_row=False)
    rest = reader.words[reader.position :]
    if verb == "TRUNCATE":
        plain = all(word.is_("RESTART", "CONTINUE", "IDENTITY", "RESTRICT") for word in rest)
        return RowChange(verb, tuple(tables), every_row=plain)
    return RowChange(verb, tuple(tables), every_row=not rest and len(tables) == 1)


def _names_until(reader: _Reader, stop: str) -> list[str]:
    names = [reader.name()]
    while reader.accept(","):
        names.append(reader.name())
    reader.expect(stop)
    return names


def read_drop_table(text: str) -> list[str]:
    """Return the tables a DROP TABLE statement drops.

    :raises SchemaSyntaxError: if their names cannot be read.
    """
    reader = _Reader(_words(text), "DROP TABLE")
    reader.expect("DROP")
    reader.accept("TEMPORARY")
    reader.expect("TABLE")
    reader.accept("IF", "EXISTS")
    tables = [reader.name()]
    while reader.accept(","):
        tables.append(reader.name())
    return tables


# ALTER TABLE clauses that change the rows already loaded (their columns or the table's name);
# ADD and DROP change rows unless a constraint, key, default or identity follows.
_ROW_CHANGING_WORDS = frozenset({"RENAME", "MODIFY", "CHANGE"})
_ADD_OR_DROP_KEEPS_ROWS = frozenset({
    "CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "KEY", "INDEX", "FULLTEXT",
    "SPATIAL", "EXCLUDE", "GENERATED", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION", "TRIGGER",
    "PARTITION",
})  # fmt: skip


def row_changing_clause(text: str) -> str | None:
    """Return the clause of an ALTER TABLE statement that changes loaded rows, if it has one."""
    words = _words(text)
    for index, word in enumerate(words):
        if word.is_(*_ROW_CHANGING_WORDS):
            return word.text
        # ALTER [COLUMN] name TYPE ..., SET DATA TYPE ...: a column named "type" is no clause.
        if (
            word.is_("TYPE")
            and index >= 2
            and (words[index - 1].is_("DATA") or words[index - 2].is_("ALTER", "COLUMN"))
        ):
            return "ALTER COLUMN ... TYPE"
        if word.is_("ADD", "DROP"):
            following = words[index + 1] if index + 1 < len(words) else None
            if following is None or not following.is_(*_ADD_OR_DROP_KEEPS_ROWS):
                return f"{word.text} {following.text if following else ''}".strip()
    return None
