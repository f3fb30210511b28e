"""Decode the arguments of one ``loader.save(create_<table>(...))`` line.

The grammar is the small set of value forms dump2py writes: ``None``,
``True``, ``False``, numbers, (u-)quoted strings with Python escapes,
``dt(...)``, ``date(...)``, ``time(...)``, lists of strings (babel fields)
and bare model globals (content types); in a column that restore.py marks
as UUIDs, durations, bytes or JSON, a text that decodes as such
(``text_kinds``). Anything else is an error; nothing
is ever evaluated. Every line has been matched against ``grammar``'s
pattern before it gets here; the parser below still refuses on its own
whatever is outside the grammar, and says precisely what is wrong.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from repairkit.snapshot import ColumnKind, ContentTypeRef, Row, Value
from repairkit.values import normalize_datetime, normalize_time

from .grammar import DECIMAL_TEXT, INT_DIGITS_LIMIT, row_pattern_source
from .restore import TableSchema
from .text_kinds import TEXT_KINDS, decode_text

# Whitespace is what Python allows between tokens; \d and \w are ASCII only,
# as in Python's number literals (int() would also take "٣").
_TOKEN = re.compile(
    r"""[ \t\f]*(?:
      (?P<string>[uU]?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))
    | (?P<number>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<temporal>(?P<function>dt|date|time)\((?P<numbers>[-\d,\ \t\f]*)\))
    | (?P<list>\[)
    | (?P<name>[A-Za-z_]\w*)
    )[ \t\f]*""",
    re.VERBOSE | re.ASCII,
)
_SEPARATOR = re.compile(r"[ \t\f]*([,)\]])[ \t\f]*")
_LEADING_ZERO = re.compile(r"-?0\d", re.ASCII)
_DECIMAL_TEXT = re.compile(DECIMAL_TEXT, re.ASCII)
_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|N\{([A-Za-z0-9 \-]+)\}"
    r"|([0-7]{1,3})|([^xuUN])|(.?))",
    re.DOTALL,
)
_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"',
    "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\n": "",
}  # fmt: skip
_CONSTANTS: dict[str, Value] = {"None": None, "True": True, "False": False}
# Babel texts, model names, Decimals and marked texts (UUIDs, ...): never an int.
_NEVER_INTEGERS = {ColumnKind.BABEL, ColumnKind.CONTENT_TYPE, ColumnKind.DECIMAL, *TEXT_KINDS}
_PLAIN_TYPES = {str, int, float, bool, type(None), datetime.date, datetime.datetime, datetime.time}

# The common case, a row of strings, integers, names and dates exactly as
# dump2py writes it (no spaces, no floats, no lists), is checked with one
# match and cut into tokens with one findall, both in C. Anything else,
# including every error, goes through the token-by-token parser, which
# says precisely what is wrong.
_SIMPLE_STRING = r"""[uU]?(?:'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*")"""
_SIMPLE_VALUE = rf"{_SIMPLE_STRING}|-?\d+|(?:dt|date|time)\(\d+(?:,\d+)*\)|[A-Za-z_]\w*"
_SIMPLE_ROW = re.compile(rf"(?:{_SIMPLE_VALUE})(?:,(?:{_SIMPLE_VALUE}))*", re.ASCII)
_SIMPLE_TOKEN = re.compile(_SIMPLE_VALUE, re.ASCII)
_TEMPORAL_ARITY = {"dt": (3, 7), "date": (3, 3), "time": (2, 4)}


class RowSyntaxError(ValueError):
    """One row's text is outside the dump grammar; the caller adds file and line."""


class RowDecoder:
    """Decode the argument text of one table's rows into column values."""

    def __init__(self, schema: TableSchema, model_globals: Mapping[str, str], languages: int):
        self.schema = schema
        self.model_globals = model_globals
        self.languages = max(languages, 1)
        self.function = f"create_{schema.name}"
        self.prefix = f"loader.save({self.function}(".encode()
        self.pattern_source = row_pattern_source(schema, model_globals, languages)
        self._pattern: re.Pattern[bytes] | None = None
        # No pattern tells valid JSON: such a table's rows are checked by decoding them.
        self.checks_by_decoding = any(p.kind is ColumnKind.JSON for p in schema.parameters)

    @property
    def pattern(self) -> re.Pattern[bytes]:
        """The row pattern, compiled by ``re`` when first asked for.

        RE2 checks most rows from its source alone (``block_match``), and
        ``re`` takes about 1.3 ms a column to compile it: a second a dump
        of a real site's hundred tables, for the few lines RE2 leaves to it.
        """
        if self._pattern is None:
            self._pattern = re.compile(self.pattern_source)
        return self._pattern

    def integer_parameters(self, columns: Collection[int]) -> list[int]:
        """Return the indexes of the arguments that give ``columns`` (indexes in the row) and
        may be integers: not of the kinds that ``decode`` makes something else of
        every argument (``_NEVER_INTEGERS``)."""
        found, column = [], 0
        for index, parameter in enumerate(self.schema.parameters):
            if column in columns and parameter.kind not in _NEVER_INTEGERS:
                found.append(index)
            column += self.languages if parameter.kind is ColumnKind.BABEL else 1
        return found

    def integers_in(self, line: bytes, parameters: Sequence[int]) -> list[int] | None:
        """Return the integers among the arguments ``parameters`` of a row line, as ``decode``
        reads them; None where only decoding the whole line can tell (or name its fault).
        """
        try:
            arguments = line[len(self.prefix) : -2].decode("utf-8")
            if not _SIMPLE_ROW.fullmatch(arguments):
                return None
            tokens = _SIMPLE_TOKEN.findall(arguments)
            if len(tokens) != len(self.schema.parameters):
                return None
            values = [_simple_value(tokens[index]) for index in parameters]
        except (UnicodeDecodeError, RowSyntaxError):
            return None
        return [value for value in values if type(value) is int]

    def decode_line(self, line: bytes) -> Row:
        """Decode a whole row line, ``loader.save(create_t(...))``, of valid UTF-8.

        :raises RowSyntaxError: if it is outside the dump grammar.
        """
        return self.decode(line[len(self.prefix) : -2].decode("utf-8"))

    def explain(self, line: bytes) -> str:
        """Say what is wrong with a row line that does not match ``pattern``."""
        try:
            self.decode_line(line)
        except RowSyntaxError as err:
            return str(err)
        text = line[len(self.prefix) : -2].decode("utf-8", "replace")
        return f"arguments of {self.function} outside the dump grammar: {text[:80]!r}"

    def decode(self, arguments: str) -> Row:
        """Decode ``arguments`` (the text between ``create_t(`` and ``))``).

        :raises RowSyntaxError: if the text is outside the dump grammar.
        """
        if _SIMPLE_ROW.fullmatch(arguments):
            values = [_simple_value(token) for token in _SIMPLE_TOKEN.findall(arguments)]
        else:
            values = self._parse_arguments(arguments)
        parameters = self.schema.parameters
        if len(values) != len(parameters):
            raise RowSyntaxError(
                f"{self.function} takes {len(parameters)} arguments, got {len(values)}"
            )
        row: list[Value] = []
        for parameter, value in zip(parameters, values, strict=True):
            kind = parameter.kind
            if kind is ColumnKind.PLAIN and type(value) in _PLAIN_TYPES:
                row.append(value)  # type: ignore[arg-type]  # checked just now
            elif kind is ColumnKind.CHOICE and (value is None or type(value) is str):
                # A choicelist field is a CharField that Lino never lets be NULL;
                # dump2py writes its empty value as None, the database holds ''.
                row.append("" if value is None else value)
            elif kind is ColumnKind.BABEL:
                row.extend(self._babel_values(parameter.name, value))
            elif isinstance(value, _ModelName):
                if kind is not ColumnKind.CONTENT_TYPE:
                    raise RowSyntaxError(
                        f"unexpected name {value.name!r} in arguments of {self.function}"
                    )
                row.append(self._content_type(value))
            elif isinstance(value, list):
                raise RowSyntaxError(f"unexpected list for {parameter.name!r}")
            elif kind in TEXT_KINDS:
                row.append(_decode_marked_text(parameter.name, kind, value))
            elif kind is ColumnKind.DECIMAL and value is not None:
                row.append(_to_decimal(parameter.name, value))
            elif kind is ColumnKind.CONTENT_TYPE and value is not None:
                raise RowSyntaxError(f"expected a model name for {parameter.name!r}, got {value!r}")
            else:
                row.append(value)  # type: ignore[arg-type]  # _parse_value yields only Values here
        return tuple(row)

    def _babel_values(self, name: str, value: object) -> list[Value]:
        if value is None:
            return [None] * self.languages
        if not isinstance(value, list) or len(value) != self.languages:
            raise RowSyntaxError(
                f"expected a list of {self.languages} texts for babel field {name!r}, got {value!r}"
            )
        return list(value)

    def _content_type(self, value: _ModelName) -> ContentTypeRef:
        label = self.model_globals.get(value.name)
        if label is None:
            raise RowSyntaxError(
                f"unexpected name {value.name!r} in arguments of {self.function}:"
                " not a model of this dump"
            )
        app_label, _, model = label.rpartition(".")
        return ContentTypeRef(app_label, model.lower())

    def _parse_arguments(self, text: str) -> list[object]:
        values: list[object] = []
        position = 0
        end = len(text)
        if not text.strip():
            return values
        while True:
            value, position = _parse_value(text, position, self.function)
            values.append(value)
            if position >= end:
                return values
            separator = _SEPARATOR.match(text, position)
            if not separator or separator.group(1) != ",":
                raise RowSyntaxError(_unexpected(text, position, self.function))
            position = separator.end()


class _ModelName:
    """A bare name in a row that is not a constant: allowed only for content types."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _simple_value(token: str) -> object:
    """Turn one token of a row that matched ``_SIMPLE_ROW`` into its value."""
    first = token[0]
    if first in "'\"" or (first in "uU" and token[1:2] in ("'", '"')):
        return _decode_string(token)
    if first == "-" or first.isdigit():
        return _decode_number(token)
    if token in _CONSTANTS:
        return _CONSTANTS[token]
    if token.endswith(")"):
        function, _, numbers = token[:-1].partition("(")
        return _decode_temporal(function, numbers)
    return _ModelName(token)


def _parse_value(text: str, position: int, function: str) -> tuple[object, int]:
    match = _TOKEN.match(text, position)
    if match is None:
        raise RowSyntaxError(_unexpected(text, position, function))
    after = match.end()
    if match.group("string") is not None:
        return _decode_string(match.group("string")), after
    if match.group("number") is not None:
        return _decode_number(match.group("number")), after
    if match.group("temporal") is not None:
        return _decode_temporal(match.group("function"), match.group("numbers")), after
    if match.group("list") is not None:
        return _parse_list(text, after, function)
    return _parse_name(text, match, function)


def _parse_name(text: str, match: re.Match[str], function: str) -> tuple[object, int]:
    after = match.end()
    name = match.group("name")
    if after < len(text) and text[after] in "'\"":
        raise RowSyntaxError(
            f"string prefix {name!r} in arguments of {function}: only u'...' strings are values"
        )
    if after < len(text) and text[after] == "(":
        raise RowSyntaxError(f"call to {name!r} in arguments of {function}: only dt, date and time")
    if after < len(text) and text[after] == ".":
        attribute = re.match(r"\.\s*(\w*)", text[after:])
        dotted = f"{name}.{attribute.group(1) if attribute else ''}"
        raise RowSyntaxError(f"attribute access {dotted!r} in arguments of {function}")
    if name in _CONSTANTS:
        return _CONSTANTS[name], after
    return _ModelName(name), after


def _parse_list(text: str, position: int, function: str) -> tuple[list[Value], int]:
    items: list[Value] = []
    closing = _SEPARATOR.match(text, position)
    if closing and closing.group(1) == "]":
        return items, closing.end()
    while True:
        match = _TOKEN.match(text, position)
        if match is None or match.group("list") is not None:
            # Checked here, not by recursing, so that deep nesting is an error, not a crash.
            raise RowSyntaxError(_unexpected(text, position, function))
        if match.group("string") is not None:
            item: Value = _decode_string(match.group("string"))
            position = match.end()
        elif match.group("name") is not None and _parse_name(text, match, function)[0] is None:
            item, position = None, match.end()
        else:
            got = match.group(0).strip(" \t\f")
            raise RowSyntaxError(f"a list may hold only texts, got {got[:30]!r} in {function}")
        items.append(item)
        separator = _SEPARATOR.match(text, position)
        if separator is None:
            raise RowSyntaxError(_unexpected(text, position, function))
        position = separator.end()
        if separator.group(1) == "]":
            return items, position
        if separator.group(1) != ",":
            raise RowSyntaxError(_unexpected(text, separator.start(1), function))


def _decode_string(token: str) -> str:
    if token[0] in "uU":
        token = token[1:]
    body = token[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_replace_escape, body)


def _replace_escape(match: re.Match[str]) -> str:
    hex2, hex4, hex8, named, octal, simple, truncated = match.groups()
    code = hex2 or hex4 or hex8
    if code:
        if int(code, 16) > 0x10FFFF:
            raise RowSyntaxError(f"escape \\U{code} is beyond the last Unicode character")
        return chr(int(code, 16))
    if named is not None:
        try:
            character = unicodedata.lookup(named)
        except KeyError as err:
            raise RowSyntaxError(f"unknown character name \\N{{{named}}}") from err
        if len(character) != 1:  # a named sequence, which lookup() knows but \N{} does not
            raise RowSyntaxError(f"\\N{{{named}}} names a sequence, not a character")
        return character
    if octal:
        return chr(int(octal, 8))
    if simple is None:
        # Python refuses a truncated \x, \u, \U or \N escape; so do we.
        raise RowSyntaxError(f"truncated escape {match.group(0)!r} (Python refuses it)")
    # Python keeps unknown escapes such as "\d" as they are.
    return _SIMPLE_ESCAPES.get(simple, "\\" + simple)


def _decode_number(token: str) -> int | float:
    if any(character in token for character in ".eE"):
        if _LEADING_ZERO.match(token) and not token.lstrip("-").startswith("0."):
            raise RowSyntaxError(f"leading zero in number {token[:30]!r}")
        return float(token)
    if _LEADING_ZERO.match(token):
        raise RowSyntaxError(f"leading zero in integer {token[:30]!r} (Python refuses it)")
    digits = len(token.lstrip("-"))
    if digits > INT_DIGITS_LIMIT:
        raise RowSyntaxError(
            f"integer of {digits} digits: over Python's limit of {INT_DIGITS_LIMIT} digits"
        )
    return int(token)


def _decode_temporal(function: str, numbers: str) -> Value:
    low, high = _TEMPORAL_ARITY[function]
    parts = [part.strip(" \t\f") for part in numbers.split(",")]
    if all(map(_is_date_part, parts)):
        arguments = [int(part) for part in parts]
    else:
        arguments = []
    if not low <= len(arguments) <= high:
        raise RowSyntaxError(f"bad arguments for {function}({numbers})")
    try:
        if function == "dt":
            return normalize_datetime(datetime.datetime(*arguments))  # type: ignore[arg-type]
        if function == "date":
            return datetime.date(*arguments)
        return normalize_time(datetime.time(*arguments))  # type: ignore[arg-type]
    except ValueError as err:
        raise RowSyntaxError(f"invalid {function}({numbers}): {err}") from err


def _is_date_part(text: str) -> bool:
    """Tell whether ``text`` is a number that ``grammar`` allows in dt(), date() or time()."""
    return text.isascii() and text.isdigit() and len(text) <= 9 and not _LEADING_ZERO.match(text)


def _to_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowSyntaxError(f"expected a decimal for {name!r}, got {value!r}")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise RowSyntaxError(f"expected a decimal for {name!r}, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as err:
        raise RowSyntaxError(f"expected a decimal for {name!r}, got {value!r}") from err


def _decode_marked_text(name: str, kind: ColumnKind, value: object) -> Value:
    """Decode the text of a column that restore.py marks as UUIDs, durations, bytes or JSON."""
    if value is None:
        return None  # SQL NULL; JSON null is the text 'null'
    noun = TEXT_KINDS[kind].noun
    if type(value) is not str:
        raise RowSyntaxError(f"expected {noun} as text for {name!r}, got {value!r:.80}")
    try:
        return decode_text(kind, value)
    except ValueError as err:
        raise RowSyntaxError(f"expected {noun} for {name!r}, got {value!r:.80}: {err}") from err


def _unexpected(text: str, position: int, function: str) -> str:
    fragment = text[position : position + 30]
    return f"unexpected {fragment!r} in arguments of {function}"
