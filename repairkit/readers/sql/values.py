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

Binary literals become ``bytes``: SQLite's ``X'00ff'``, MySQL's ``0x00FF``
(``--hex-blob``) and ``_binary '...'``. A MySQL dump's text is read with
undecodable bytes kept as surrogates (``surrogateescape``), so that a BLOB
written raw by a default ``mariadb-dump`` comes back byte for byte; a text
column that holds such bytes is refused by ``converters``.

PostgreSQL's octal and hex escapes (``E'caf\\303\\251'``) stand for bytes,
and the string they build must be UTF-8, as the server checks: the bytes
are decoded together (``café``). ``SET standard_conforming_strings = off``
makes plain strings take backslash escapes too (``ValuesParser.standard_strings``).

Numbers become ``int``, or ``Decimal`` when they have a point or exponent,
so that no digit is lost before the column's type is known (``converters``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .statements import Dialect

RawValue = None | bool | int | Decimal | str | bytes

# Deeper nesting than sqlite3 .dump ever writes (it nests replace() once) is refused,
# rather than recursing until Python's stack runs out.
MAX_NESTING = 32


class ValueSyntaxError(ValueError):
    """A VALUES list is not what a dump tool writes; ``offset`` says where."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset = offset
        self.problem = problem


_STANDARD_STRING = r"'(?P<string>[^']*(?:''[^']*)*)'"
_BACKSLASH_STRING = r"'(?P<escaped>[^'\\]*(?:(?:\\.|'')[^'\\]*)*)'"
_COMMON = (
    r"|[xX]'(?P<hexstring>[^']*)'"
    r"|0x(?P<hexnumber>[0-9a-fA-F]+)\b"
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
# PostgreSQL with standard_conforming_strings off: every string takes backslash escapes.
_NONSTANDARD_POSTGRES = re.compile(r"\s*(?:[eE]?" + _BACKSLASH_STRING + _COMMON + r")", re.DOTALL)
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
_SURROGATE = re.compile("[\ud800-\udfff]")
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
        self._depth = 0

    @property
    def standard_strings(self) -> bool:
        """Whether plain ``'...'`` strings take no backslash escapes (PostgreSQL's setting)."""
        return self.token is not _NONSTANDARD_POSTGRES

    @standard_strings.setter
    def standard_strings(self, standard: bool) -> None:
        if self.dialect is Dialect.POSTGRES:
            self.token = _TOKENS[self.dialect] if standard else _NONSTANDARD_POSTGRES

    def rows(self, text: str, position: int) -> Iterator[tuple[int, list[RawValue]]]:
        """Yield ``(offset, values)`` for each ``(...)`` row from ``position`` to the end.

        :raises ValueSyntaxError: for anything outside the dialect's literals.
        """
        while True:
            start = self.row_start(text, position)
            values, position = self.row(text, start)
            yield start, values
            after = self.next_row(text, position)
            if after is None:
                return
            position = after

    def row_start(self, text: str, position: int) -> int:
        """Return the offset of the ``(`` that opens the row at ``position``, after blanks.

        :raises ValueSyntaxError: if no ``(`` comes next.
        """
        start = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        self._expect(text, start, "(")
        return start

    def row(self, text: str, start: int) -> tuple[list[RawValue], int]:
        """Return the values of the row whose ``(`` is at ``start``, and the offset past its ``)``.

        :raises ValueSyntaxError: for anything outside the dialect's literals.
        """
        self._expect(text, start, "(")
        return self._row(text, start + 1)

    def next_row(self, text: str, position: int) -> int | None:
        """Return the offset past the ``,`` before the next row, or None at the end of ``text``.

        :raises ValueSyntaxError: for anything else after a row.
        """
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            return None
        self._expect(text, position, ",")
        return position + 1

    def literal(self, text: str) -> RawValue:
        """Return the value of ``text``, which must be one literal and nothing else.

        :raises ValueSyntaxError: if it is not.
        """
        value, position = self._expression(text, 0)
        if position != len(text):
            raise ValueSyntaxError(position, _unexpected(text, position, "the end of the value"))
        return value

    def _row(self, text: str, position: int) -> tuple[list[RawValue], int]:
        values: list[RawValue] = []
        token, separator = self.token.match, _SEPARATOR.match
        while True:
            # The fast path, for a plain string, number or NULL followed by ',' or ')';
            # anything else (functions, '||', casts, blobs, errors) takes _expression.
            match = token(text, position)
            kind = match.lastgroup if match else None
            after = separator(text, match.end()) if match else None
            if (
                after is None
                or kind not in _FAST_KINDS
                or kind == "word"
                and match.group("word").upper() not in _CONSTANTS  # type: ignore[union-attr]
            ):
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
                value = self._unescape(match.group("escaped"), position)  # type: ignore[union-attr]
            else:
                value = _CONSTANTS[match.group("word").upper()]  # type: ignore[union-attr]
            values.append(value)
            position = after.end()
            if after.group(1) == ")":
                return values, position

    def _expression(self, text: str, position: int) -> tuple[RawValue, int]:
        value, position = self._term(text, position)
        if self.dialect is not Dialect.SQLITE:
            return value, position
        # Joined once at the end: adding term by term is quadratic in a long chain.
        parts: list[str] = []
        while (match := self.token.match(text, position)) and match.group("mark") == "||":
            if not parts:
                parts.append(_text(value, position))
            right, position = self._term(text, match.end())
            parts.append(_text(right, position))
        return ("".join(parts) if parts else value), position

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
            value = self._unescape(match.group("escaped"), position)
        elif kind == "number":
            value = _number(match.group("number"))
        elif kind == "hexstring":
            value = self._hex_string(match.group("hexstring"), match.start("hexstring"))
        elif kind == "hexnumber":
            value = self._hex_number(match.group("hexnumber"), match.start("hexnumber"))
        elif kind == "word":
            word = match.group("word")
            if word.upper() in _CONSTANTS:
                value = _CONSTANTS[word.upper()]
            elif self.dialect is Dialect.SQLITE and text.startswith("(", after):
                return self._nested_function(word.lower(), text, after + 1, match.start("word"))
            elif self.dialect is Dialect.MYSQL and word.lower() == "_binary":
                return self._binary(text, after)
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

    def _hex_string(self, digits: str, position: int) -> bytes:
        """Read ``X'00ff'`` (SQLite, MySQL): a blob; PostgreSQL's is a bit string, not read."""
        if self.dialect is Dialect.POSTGRES:
            raise ValueSyntaxError(position, f"bit string X'{digits}' is not read")
        try:
            return bytes.fromhex(digits) if len(digits) % 2 == 0 else _odd_hex(digits)
        except ValueError:
            raise ValueSyntaxError(position, f"not a hexadecimal blob: X'{digits}'") from None

    def _hex_number(self, digits: str, position: int) -> int | bytes:
        """Read ``0x...``: MySQL's binary string (``--hex-blob``), SQLite's 64-bit integer."""
        if self.dialect is Dialect.MYSQL:
            return bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)
        if self.dialect is Dialect.SQLITE and len(digits.lstrip("0")) <= 16:
            number = int(digits, 16)
            # SQLite reads 16 hex digits as the bits of a signed 64-bit integer.
            return number - (1 << 64) if number >= 1 << 63 else number
        raise ValueSyntaxError(position, f"hexadecimal literal 0x{digits[:20]} is not read")

    def _binary(self, text: str, position: int) -> tuple[bytes, int]:
        """Read MySQL's ``_binary '...'``: the string's bytes as the dump holds them."""
        value, position = self._term(text, position)
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogateescape")
        if not isinstance(value, bytes):
            raise ValueSyntaxError(position, f"_binary before {value!r}, not a string")
        return value, position

    def _unescape(self, body: str, position: int) -> str:
        if "\\" not in body and "''" not in body:
            return body
        if self.dialect is Dialect.MYSQL:
            return _MYSQL_ESCAPE.sub(_replace_mysql_escape, body)
        try:
            return decode_escaped_bytes(_POSTGRES_ESCAPE.sub(_replace_postgres_escape, body))
        except ValueError as err:
            raise ValueSyntaxError(position, f"string {_shorten(body)!r}: {err}") from None

    def _nested_function(
        self, name: str, text: str, position: int, start: int
    ) -> tuple[RawValue, int]:
        if self._depth >= MAX_NESTING:
            raise ValueSyntaxError(start, f"functions nested more than {MAX_NESTING} deep")
        self._depth += 1
        try:
            return self._sqlite_function(name, text, position, start)
        finally:
            self._depth -= 1

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
            if not all(0 <= argument <= 0x10FFFF for argument in arguments):  # type: ignore[operator]
                raise ValueSyntaxError(start, f"char() of {arguments!r}: not a code point")
            return "".join(chr(code) for code in arguments), position  # type: ignore[arg-type]
        if name == "replace" and len(arguments) == 3:
            subject, old, new = (_text(argument, start) for argument in arguments)
            if not old:
                return subject, position  # SQLite's replace() with '' changes nothing
            return subject.replace(old, new), position
        if name == "unistr" and len(arguments) == 1 and isinstance(arguments[0], str):
            try:
                return _UNISTR_ESCAPE.sub(_replace_unistr_escape, arguments[0]), position
            except ValueError as err:
                raise ValueSyntaxError(start, str(err)) from None
        raise ValueSyntaxError(
            start,
            f"call to {name}() with {_shorten(repr(arguments))}: only replace(), char()"
            " and unistr()",
        )

    def _expect(self, text: str, position: int, mark: str) -> None:
        if not text.startswith(mark, position):
            raise ValueSyntaxError(position, _unexpected(text, position, repr(mark)))


_FAST_KINDS = frozenset({"string", "number", "escaped", "word"})


def decode_escaped_bytes(text: str) -> str:
    """Return ``text`` with its escaped bytes (held as ``surrogateescape`` surrogates) decoded.

    PostgreSQL takes ``\\303\\251`` as two bytes, which together are ``é``
    in UTF-8, and refuses a string whose bytes are not UTF-8.

    :raises ValueError: for bytes that are not UTF-8.
    """
    if not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"escaped bytes are not UTF-8 ({err.reason})") from None


def escaped_byte(code: int) -> str:
    """Return one escaped byte as ``decode_escaped_bytes`` expects it.

    :raises ValueError: for a zero byte, which PostgreSQL text cannot hold.
    """
    code &= 0xFF  # the server keeps the low eight bits of \\777
    if code == 0:
        raise ValueError("a zero byte, which PostgreSQL text cannot hold")
    return chr(code) if code < 0x80 else chr(0xDC00 + code)


def _odd_hex(digits: str) -> bytes:
    raise ValueError(f"odd number of hexadecimal digits: {digits!r}")


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# Python refuses to turn longer digit strings into an int (sys.get_int_max_str_digits).
_INT_DIGITS = 4000
_EXPONENT_DIGITS = 9


def _number(token: str) -> int | Decimal:
    """Return an integer literal as int, any other number (or a huge one) as the exact Decimal."""
    if len(token) <= _INT_DIGITS and (token.isdigit() or token[0] in "+-" and token[1:].isdigit()):
        return int(token)
    mantissa, _, exponent = token.lower().partition("e")
    if len(exponent.lstrip("+-0")) > _EXPONENT_DIGITS:
        # Beyond Decimal's exponents, and far beyond any engine's: SQLite, too,
        # stops counting at 10000 (the number is inf or 0 all the same).
        exponent = exponent.rstrip("0123456789") + "9" * _EXPONENT_DIGITS
        return Decimal(f"{mantissa}e{exponent}")
    return Decimal(token)


def _text(value: RawValue, position: int) -> str:
    if not isinstance(value, str):
        raise ValueSyntaxError(position, f"expected a text, got {_shorten(repr(value))}")
    return value


def _replace_mysql_escape(match: re.Match[str]) -> str:
    character = match.group(1)
    if character is None:
        return "'"
    return _MYSQL_ESCAPES.get(character, character)


def _replace_postgres_escape(match: re.Match[str]) -> str:
    octal, hex2, hex4, hex8, simple = match.groups()
    if octal:
        return escaped_byte(int(octal, 8))
    if hex2:
        return escaped_byte(int(hex2, 16))
    code = hex4 or hex8
    if code:
        return _code_point(int(code, 16))
    if simple is None:
        return "'"
    return _C_ESCAPES.get(simple, simple)


def _code_point(code: int) -> str:
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError(f"\\u escape {code:04x} is not a character PostgreSQL text holds")
    return chr(code)


def _replace_unistr_escape(match: re.Match[str]) -> str:
    if match.group(5):
        return "\\"
    code = int(next(group for group in match.groups()[:4] if group), 16)
    if code > 0x10FFFF:
        raise ValueError(f"unistr() escape {code:x} is not a code point")
    return chr(code)


def _unexpected(text: str, position: int, expected: str) -> str:
    fragment = text[position : position + 30]
    if not fragment:
        return f"statement ends where {expected} belongs"
    return f"expected {expected}, got {fragment!r}"
