"""Read the VALUES lists of INSERT statements, as each dump tool writes them.

Our own tokenizer, not sqlparse: one mysqldump INSERT holds thousands of
rows on one line. Each dialect has its own string literals:

- SQLite: ``'...'`` with ``''`` for a quote, no backslash escapes; newer
  ``sqlite3 .dump`` writes control characters as ``replace('a\\nb','\\n',char(10))``
  or ``unistr('a\\000ab')``, older ones as ``'a'||char(10)||'b'``. Those few
  functions are applied to the literals (they only build text); any other
  function is an error;
- PostgreSQL (``pg_dump --inserts``): ``'...'`` with ``''``, ``E'...'`` with
  backslash escapes, and casts such as ``'...'::text``, which are skipped;
- MySQL/MariaDB: ``'...'`` with backslash escapes and ``''``.

Numbers become ``int``, or ``Decimal`` when they have a point or exponent,
so that no digit is lost before the column's type is known (``sql_types``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .sql_statements import Dialect

RawValue = None | bool | int | Decimal | str


class ValueSyntaxError(ValueError):
    """A VALUES list is not what a dump tool writes; ``offset`` says where."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset = offset
        self.problem = problem


_STANDARD_STRING = r"'(?P<string>[^']*(?:''[^']*)*)'"
_BACKSLASH_STRING = r"'(?P<escaped>[^'\\]*(?:(?:\\.|'')[^'\\]*)*)'"
_COMMON = (
    r"|(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<mark>[(),]|\|\||::)"
)
_TOKENS = {
    Dialect.SQLITE: re.compile(r"\s*(?:" + _STANDARD_STRING + _COMMON + r")", re.DOTALL),
    Dialect.POSTGRES: re.compile(
        r"\s*(?:" + _STANDARD_STRING + r"|[eE]" + _BACKSLASH_STRING + _COMMON + r")", re.DOTALL
    ),
    Dialect.MYSQL: re.compile(r"\s*(?:" + _BACKSLASH_STRING + _COMMON + r")", re.DOTALL),
}
_SPACE = re.compile(r"\s*")
_SEPARATOR = re.compile(r"\s*([,)])")
_CONSTANTS: dict[str, RawValue] = {"NULL": None, "TRUE": True, "FALSE": False}
_C_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
# MySQL keeps \% and \_ with their backslash (they matter only in LIKE patterns).
_MYSQL_ESCAPES = {
    "0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "%": "\\%", "_": "\\_",
}  # fmt: skip
_MYSQL_ESCAPE = re.compile(r"\\(.)|''", re.DOTALL)
_POSTGRES_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|''", re.DOTALL
)
_UNISTR_ESCAPE = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|\+([0-9a-fA-F]{6})|U([0-9a-fA-F]{8})|([0-9a-fA-F]{4})|(\\))"
)
_POSTGRES_CAST = re.compile(
    r"\s*(?:\"[^\"]+\"|[A-Za-z_][\w.]*)(?:\s+(?:varying|precision|with|without|time|zone))*"
    r"(?:\s*\([\d\s,]*\))?(?:\[\])?"
)


class ValuesParser:
    """Parse the rows after ``VALUES`` of one dialect's INSERT statements."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.token = _TOKENS[dialect]

    def rows(self, text: str, position: int) -> Iterator[tuple[int, list[RawValue]]]:
        """Yield ``(offset, values)`` for each ``(...)`` row from ``position`` to the end.

        :raises ValueSyntaxError: for anything outside the dialect's literals.
        """
        end = len(text)
        while True:
            start = _SPACE.match(text, position).end()  # type: ignore[union-attr]
            self._expect(text, start, "(")
            values, position = self._row(text, start + 1)
            yield start, values
            position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
            if position >= end:
                return
            self._expect(text, position, ",")
            position += 1

    def _row(self, text: str, position: int) -> tuple[list[RawValue], int]:
        values: list[RawValue] = []
        token, separator = self.token.match, _SEPARATOR.match
        while True:
            # The fast path, for a plain string, number or NULL followed by ',' or ')';
            # anything else (functions, '||', casts, errors) takes _expression.
            match = token(text, position)
            kind = match.lastgroup if match else None
            after = separator(text, match.end()) if match else None
            if after is None or kind == "word" and match.group("word").upper() not in _CONSTANTS:  # type: ignore[union-attr]
                value, position = self._expression(text, position)
                after = separator(text, position)
                if after is None:
                    raise ValueSyntaxError(position, _unexpected(text, position, "',' or ')'"))
            elif kind == "string":
                value = match.group("string")  # type: ignore[union-attr]
                if "''" in value:
                    value = value.replace("''", "'")
            elif kind == "number":
                value = _number(match.group("number"))  # type: ignore[union-attr]
            elif kind == "escaped":
                value = self._unescape(match.group("escaped"))  # type: ignore[union-attr]
            else:
                value = _CONSTANTS[match.group("word").upper()]  # type: ignore[union-attr]
            values.append(value)
            position = after.end()
            if after.group(1) == ")":
                return values, position

    def _expression(self, text: str, position: int) -> tuple[RawValue, int]:
        value, position = self._term(text, position)
        if self.dialect is Dialect.SQLITE:
            while (match := self.token.match(text, position)) and match.group("mark") == "||":
                right, position = self._term(text, match.end())
                value = _text(value, position) + _text(right, position)
        return value, position

    def _term(self, text: str, position: int) -> tuple[RawValue, int]:
        match = self.token.match(text, position)
        if match is None:
            raise ValueSyntaxError(position, _unexpected(text, position, "a value"))
        after = match.end()
        kind = match.lastgroup
        value: RawValue
        if kind == "string":
            value = match.group("string").replace("''", "'")
        elif kind == "escaped":
            value = self._unescape(match.group("escaped"))
        elif kind == "number":
            value = _number(match.group("number"))
        elif kind == "word":
            word = match.group("word")
            if word.upper() in _CONSTANTS:
                value = _CONSTANTS[word.upper()]
            elif self.dialect is Dialect.SQLITE and text.startswith("(", after):
                return self._sqlite_function(word.lower(), text, after + 1, match.start("word"))
            else:
                raise ValueSyntaxError(
                    match.start("word"), f"unexpected {word!r} where a value belongs"
                )
        else:
            raise ValueSyntaxError(position, _unexpected(text, position, "a value"))
        if self.dialect is Dialect.POSTGRES and text.startswith("::", after):
            cast = _POSTGRES_CAST.match(text, after + 2)
            after = cast.end() if cast else after + 2
        return value, after

    def _unescape(self, body: str) -> str:
        if "\\" not in body and "''" not in body:
            return body
        if self.dialect is Dialect.MYSQL:
            return _MYSQL_ESCAPE.sub(_replace_mysql_escape, body)
        return _POSTGRES_ESCAPE.sub(_replace_postgres_escape, body)

    def _sqlite_function(
        self, name: str, text: str, position: int, start: int
    ) -> tuple[RawValue, int]:
        """Apply one of the text functions ``sqlite3 .dump`` writes; nothing else is allowed."""
        arguments: list[RawValue] = []
        while True:
            value, position = self._expression(text, position)
            arguments.append(value)
            match = self.token.match(text, position)
            mark = match.group("mark") if match else None
            if mark == ")":
                position = match.end()  # type: ignore[union-attr]
                break
            if mark != ",":
                raise ValueSyntaxError(position, _unexpected(text, position, "',' or ')'"))
            position = match.end()  # type: ignore[union-attr]
        if name == "char" and all(type(argument) is int for argument in arguments):
            return "".join(chr(code) for code in arguments), position  # type: ignore[arg-type]
        if name == "replace" and len(arguments) == 3:
            subject, old, new = (_text(argument, start) for argument in arguments)
            return subject.replace(old, new), position
        if name == "unistr" and len(arguments) == 1 and isinstance(arguments[0], str):
            return _UNISTR_ESCAPE.sub(_replace_unistr_escape, arguments[0]), position
        raise ValueSyntaxError(
            start, f"call to {name}() with {arguments!r}: only replace(), char() and unistr()"
        )

    def _expect(self, text: str, position: int, mark: str) -> None:
        if not text.startswith(mark, position):
            raise ValueSyntaxError(position, _unexpected(text, position, repr(mark)))


def _number(token: str) -> int | Decimal:
    """Return an integer literal as int, any other number as the exact Decimal."""
    if token.isdigit() or token[0] in "+-" and token[1:].isdigit():
        return int(token)
    return Decimal(token)


def _text(value: RawValue, position: int) -> str:
    if not isinstance(value, str):
        raise ValueSyntaxError(position, f"expected a text, got {value!r}")
    return value


def _replace_mysql_escape(match: re.Match[str]) -> str:
    character = match.group(1)
    if character is None:
        return "'"
    return _MYSQL_ESCAPES.get(character, character)


def _replace_postgres_escape(match: re.Match[str]) -> str:
    octal, hex2, hex4, hex8, simple = match.groups()
    if octal:
        return chr(int(octal, 8))
    code = hex2 or hex4 or hex8
    if code:
        return chr(int(code, 16))
    if simple is None:
        return "'"
    return _C_ESCAPES.get(simple, simple)


def _replace_unistr_escape(match: re.Match[str]) -> str:
    if match.group(5):
        return "\\"
    code = next(group for group in match.groups()[:4] if group)
    return chr(int(code, 16))


def _unexpected(text: str, position: int, expected: str) -> str:
    fragment = text[position : position + 30]
    if not fragment:
        return f"statement ends where {expected} belongs"
    return f"expected {expected}, got {fragment!r}"
