"""Split a SQL dump into statements, streaming, with the line each starts on.

The splitter is our own rather than ``sqlparse.split``: a mysqldump extended
INSERT is one line of megabytes, which sqlparse lexes token by token in
Python. Here a regular expression jumps from one quote, comment or delimiter
to the next, and only the small statements that describe the schema go on to
sqlparse (see ``schema``). The splitter knows each dialect's strings
(MySQL's backslash escapes, PostgreSQL's ``E'...'`` and ``$tag$`` quoting),
comments, mysqldump's ``DELIMITER`` lines, psql's backslash meta-commands, and
the data block that follows ``COPY ... FROM stdin;``, which it hands over
line by line rather than as one string.

MySQL runs the text of a *conditional comment* (``/*!40000 ALTER TABLE ...*/``,
``/*M!100100 ...*/``) as code when the server is at least that version, so
its text is kept as part of the statement, and a dump that hides a
``DELETE`` in one is read as the server would load it. Only a version of
999999 or more (MariaDB's ``/*M!999999\\- enable the sandbox mode */``, which
its client reads) is a plain comment.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError

from .insert_runs import LineFeed, RunGatherer, RunJudge


class Dialect(str, enum.Enum):
    """The program that wrote a SQL dump, which decides how its text is read."""

    SQLITE = "sqlite"
    POSTGRES = "postgresql"
    MYSQL = "mysql"


Line = tuple[int, str]  # line number (from 1), text without the line end


@dataclass(slots=True)
class Statement:
    """One statement of a dump, its text from the first word to before the delimiter.

    ``copy_data`` is set for ``COPY ... FROM stdin``: it yields the data lines
    that follow, up to the ``\\.`` line, and must be used up (or left alone)
    before the next statement is asked for.
    """

    text: str
    line: int
    copy_data: Iterator[Line] | None = field(default=None, repr=False)
    # Where line_at last counted to: rows are asked for in order, and counting
    # from the start each time would be quadratic in a long multi-line INSERT.
    _counted: tuple[int, int] = field(default=(0, 0), repr=False)

    def line_at(self, offset: int) -> int:
        """Return the line number of the character at ``offset`` in ``text``."""
        start, lines = self._counted if offset >= self._counted[0] else (0, 0)
        lines += self.text.count("\n", start, offset)
        self._counted = (offset, lines)
        return self.line + lines


# What the engines' tokenizers skip between tokens; Python's str.strip() would also
# drop characters such as U+001D that SQLite refuses as an unrecognized token.
_SQL_SPACE = " \t\n\r\f"
_COPY_FROM_STDIN = re.compile(r"COPY\b.*\bFROM\s+stdin\b", re.IGNORECASE | re.DOTALL)
_DELIMITER_LINE = re.compile(r"DELIMITER\s+(\S+)\s*$", re.IGNORECASE)
_DOLLAR_TAG = r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$"
_CONDITIONAL = re.compile(r"/\*M?!(\d*)")
_NEVER_RUN = 999999  # a version no server has: the comment stays a comment


class StatementSplitter:
    """Iterate over the statements of a dump, given its lines."""

    def __init__(
        self,
        path: Path,
        lines: Iterator[Line],
        dialect: Dialect,
        runs: RunJudge | None = None,
    ) -> None:
        self.path = path
        self._feed = LineFeed(lines)
        self.lines = self._feed.lines
        # Runs of one-line INSERTs go to ``runs`` in one step where it takes them (insert_runs).
        self._runs = RunGatherer(runs, dialect is Dialect.MYSQL) if runs is not None else None
        self.dialect = dialect
        self.delimiter = ";"
        self.standard_strings = True
        self._conditional = 0  # MySQL conditional comments open around the text under way
        self._special = self._special_pattern()
        self._whole_insert = self._whole_insert_pattern()

    def set_standard_strings(self, standard: bool) -> None:
        """Follow PostgreSQL's ``standard_conforming_strings`` from the next text on.

        Off, a plain ``'...'`` string takes backslash escapes (``'it\\'s'``).
        """
        self.standard_strings = standard
        self._special = self._special_pattern()
        self._whole_insert = self._whole_insert_pattern()

    def _special_pattern(self) -> re.Pattern[str]:
        """Match a whole string or name on the line, or whatever may open one or a
        comment, or end a statement.

        Most strings end on the line they start on; matching them whole in C
        is what keeps a megabyte INSERT line fast.
        """
        opening = [r"'", r'"', r"--", r"/\*", re.escape(self.delimiter)]
        whole = [_whole("'", self.dialect is Dialect.MYSQL or not self.standard_strings)]
        whole.append(_whole('"', self.dialect is Dialect.MYSQL))
        if self.dialect is Dialect.MYSQL:
            opening[:0] = [r"`", _CONDITIONAL.pattern, r"\*/"]
            whole.append(_whole("`", False))
        if self.dialect is Dialect.POSTGRES:
            opening[:0] = [_DOLLAR_TAG, r"(?<!\w)[Ee]'"]
            whole.insert(0, r"(?<!\w)[Ee]" + _whole("'", True))
        return re.compile("(?P<whole>" + "|".join(whole) + ")|" + "|".join(opening))

    def _whole_insert_pattern(self) -> re.Pattern[str] | None:
        """Match a line that is one whole INSERT and its ``;``, and nothing else.

        Such a line is what dump tools write per row (``sqlite3 .dump``,
        ``pg_dump --inserts``) or per table (``mariadb-dump``), and one
        ``fullmatch`` in C reads it instead of a Python step per string.
        The pattern takes the strings and names ``_special_pattern`` takes
        whole, and no character that may open anything else (a comment, a
        dollar quote, another statement): a line with one goes the usual way.
        """
        if self.delimiter != ";":
            return None
        backslash = self.dialect is Dialect.MYSQL or not self.standard_strings
        parts = [_whole("'", backslash), _whole('"', self.dialect is Dialect.MYSQL)]
        plain = "'\";\\-/"
        if self.dialect is Dialect.MYSQL:
            parts.append(_whole("`", False))
            parts.append(r"\*(?!/)")  # a '*/' outside a comment is refused the usual way
            plain += "`*"
        if self.dialect is Dialect.POSTGRES:
            # An E'...' string takes backslash escapes; an E after a letter is only an E.
            parts.insert(0, r"(?<!\w)[Ee]" + _whole("'", True))
            parts.append(r"[Ee](?!')|(?<=\w)[Ee]")
            plain += "$Ee"
        parts += ["[^" + plain + "]+", "-(?!-)", r"/(?!\*)"]
        return re.compile("(INSERT(?:" + "|".join(parts) + ")*+)" + r";[ \t\r\f]*")

    def __iter__(self) -> Iterator[Statement]:
        pieces: list[str] = []
        start = 0  # line of the statement under way; 0 while there is none
        closer: _Closer | None = None  # the string or comment under way
        closer_line = 0
        number = 0
        runs, feed = self._runs, self._feed
        for number, text in self.lines:
            if not number:
                number = feed.last_number
                break
            position = 0
            if closer is None and start == 0:
                if (
                    runs is not None
                    and not self._conditional
                    and text.startswith("INSERT")
                    and runs.take(feed, number, text)
                ):
                    continue
                if (
                    self._whole_insert is not None
                    and not self._conditional
                    and text.startswith("INSERT")
                    and (whole := self._whole_insert.fullmatch(text))
                ):
                    yield Statement(whole.group(1).rstrip(_SQL_SPACE), number)
                    continue
                stripped = text.strip(_SQL_SPACE)
                if not stripped or stripped.startswith("--"):
                    continue
                if self.dialect is Dialect.POSTGRES and stripped.startswith("\\"):
                    continue  # a psql meta-command such as \connect or \restrict
                if self.dialect is Dialect.MYSQL:
                    delimiter = _DELIMITER_LINE.match(stripped)
                    if delimiter:
                        self.delimiter = delimiter.group(1)
                        self._special = self._special_pattern()
                        self._whole_insert = self._whole_insert_pattern()
                        continue
            end = len(text)
            while position <= end:
                if closer is not None:
                    found = closer.find_end(text, position)
                    if found < 0:
                        if start:
                            # A dropped comment still keeps its line ends, for line numbers.
                            pieces.append(text[position:] + "\n" if closer.keeps_text else "\n")
                        break
                    if closer.keeps_text and start:
                        pieces.append(text[position:found])
                    position = found
                    closer = None
                    continue
                match = self._special.search(text, position)
                stop = match.start() if match else end
                code = text[position:stop]
                if not start and code.strip(_SQL_SPACE):
                    start = number
                    code = code.lstrip(_SQL_SPACE)
                if start:
                    pieces.append(code)
                if match is None:
                    if start:
                        pieces.append("\n")
                    break
                token = match.group()
                if match.lastgroup == "whole":
                    if not start:
                        start = number
                    pieces.append(token)
                    position = match.end()
                    continue
                if token == self.delimiter:
                    position = match.end()
                    if start:
                        statement = Statement("".join(pieces).rstrip(_SQL_SPACE), start)
                        pieces, start = [], 0
                        if _COPY_FROM_STDIN.match(statement.text):
                            statement.copy_data = self._copy_data(statement)
                            yield statement
                            self._drain(statement.copy_data)
                            break  # the data starts on the next line
                        yield statement
                    continue
                if token == "--":
                    if start:
                        pieces.append("\n")
                    break  # the rest of the line is a comment
                if self._enters_code(token, number):
                    position = match.end()
                    continue
                closer = _Closer.open(token, self.dialect, self.standard_strings)
                closer_line = number
                if closer.keeps_text and not start:
                    start = number
                if closer.keeps_text and start:
                    pieces.append(token)
                position = match.end()
        if closer is not None:
            raise DumpFormatError(self.path, closer_line, f"unterminated {closer.what}")
        if self._conditional:
            raise DumpFormatError(self.path, number, "conditional comment '/*!' not closed")
        if start:
            raise DumpFormatError(
                self.path, start, f"statement not ended by {self.delimiter!r} at end of file"
            )

    def _enters_code(self, token: str, number: int) -> bool:
        """Step into or out of a MySQL conditional comment, whose text is code.

        Return False for a token that opens something else.
        """
        if self.dialect is not Dialect.MYSQL:
            return False
        if token == "*/":
            if self._conditional:
                self._conditional -= 1
                return True
            raise DumpFormatError(self.path, number, "'*/' outside a comment")
        conditional = _CONDITIONAL.fullmatch(token)
        if conditional is None or int(conditional.group(1) or 0) >= _NEVER_RUN:
            return False
        self._conditional += 1
        return True

    def _copy_data(self, statement: Statement) -> Iterator[Line]:
        for number, text in self.lines:
            if not number:
                break  # the end of the dump
            if text == "\\.":
                return
            yield number, text
        raise DumpFormatError(
            self.path, statement.line, "COPY data not ended by a line '\\.' (cut off?)"
        )

    @staticmethod
    def _drain(data: Iterator[Line]) -> None:
        for _ in data:
            pass


def _whole(quote: str, backslash: bool) -> str:
    """Return a pattern for a whole quoted text, with doubled quotes and maybe backslash escapes."""
    if backslash:
        return f"{quote}[^{quote}\\\\]*(?:(?:\\\\.|{quote}{quote})[^{quote}\\\\]*)*{quote}"
    return f"{quote}[^{quote}]*(?:{quote}{quote}[^{quote}]*)*{quote}"


class _Closer:
    """How to find the end of a string, quoted name or comment."""

    __slots__ = ("pattern", "keeps_text", "what")

    def __init__(self, pattern: str, keeps_text: bool, what: str) -> None:
        self.pattern = re.compile(pattern)
        self.keeps_text = keeps_text  # comments are dropped, strings kept
        self.what = what

    @classmethod
    def open(cls, token: str, dialect: Dialect, standard_strings: bool = True) -> _Closer:
        if token.startswith("/*"):
            return cls(r"\*/", False, "comment '/* ...'")
        if token.startswith("$"):
            return cls(re.escape(token), True, f"string {token}...{token}")
        quote = token[-1]
        # MySQL strings, and PostgreSQL's E'...' strings, take backslash escapes.
        backslash = (
            dialect is Dialect.MYSQL
            and quote != "`"
            or token[0] in "Ee"
            or quote == "'"
            and not standard_strings
        )
        name = "string" if quote == "'" or dialect is Dialect.MYSQL and quote == '"' else "name"
        return cls(r"[\\" + quote + "]" if backslash else quote, True, f"{name} {quote}...")

    def find_end(self, text: str, position: int) -> int:
        """Return the offset just past the end in ``text`` from ``position``, or -1."""
        while True:
            match = self.pattern.search(text, position)
            if match is None:
                return -1
            if match.group() == "\\":
                position = match.end() + 1
                if position > len(text):
                    return -1  # escapes the line end; the string goes on
                continue
            after = match.end()
            if len(match.group()) == 1 and text.startswith(match.group(), after):
                position = after + 1  # a doubled quote stands for itself
                continue
            return after
