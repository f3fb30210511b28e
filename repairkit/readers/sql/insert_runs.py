"""Gather runs of one-line INSERTs with the same head, for the reader to take in one step.

The statement splitter hands over a dump's statements one by one. Where
a line is a whole INSERT with a plain head (``INSERT INTO t VALUES``,
what ``sqlite3 .dump``, ``pg_dump --inserts`` and ``mariadb-dump``
write), the splitter offers it and the lines after it that start with
the same head and end with ``;`` to a ``RunJudge`` (the dump reader),
which takes as many of them from the start as it can check at once
(``insert_blocks``) and reads them as the statements would be read.
A MySQL statement written as a head line and a tuple per line is
offered whole, head line first, and taken whole or not at all.
The lines it does not take are given back to the splitter, read again
the usual way, the first of them as a statement: nothing is lost, and a
line that is not what it seemed (a string that goes on to the next
line) is split as before.

A run is at most ``_MOST_LINES`` lines and about ``_MOST_CHARS``
characters. After a run the judge did not take whole, the next one is
half as long (at least ``_FEWEST_LINES``), so that a table whose lines
keep being refused costs little more than reading them one by one.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .statements import Line

_MOST_LINES = 1024
_FEWEST_LINES = 8
_MOST_CHARS = 1 << 20
# What the feed yields after the last line, again and again: line 0 is no line.
END: Line = (0, "")
# A head whose text the splitter and every reader take alike: a bare or quoted
# name (MySQL: backticks), maybe with its schema, and nothing else.
_NAME = r'(?:"(?:[^"\n]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_MYSQL_NAME = r"(?:`(?:[^`\n]|``)+`|[A-Za-z_][A-Za-z0-9_$]*)"
_HEAD = re.compile(rf"INSERT INTO {_NAME}(?:\.{_NAME})? VALUES ?(?=\()")
_MYSQL_HEAD = re.compile(rf"INSERT INTO {_MYSQL_NAME}(?:\.{_MYSQL_NAME})? VALUES ?(?=\()")
# mariadb-dump 10.11 writes the head on a line of its own, then a tuple per line.
_MYSQL_HEAD_LINE = re.compile(rf"INSERT INTO {_MYSQL_NAME}(?:\.{_MYSQL_NAME})? VALUES")
# The longest such statement taken in one step; mariadb-dump ends one at its
# --net-buffer-length (1 MB by default, at most 16 MB).
_MOST_STATEMENT_CHARS = 1 << 25


class RunJudge(Protocol):
    """What takes the rows of a run of INSERT lines: the dump reader."""

    def takes_head(self, head: str) -> bool:
        """Tell whether a run of lines with this head may be taken now at all."""

    def take_run(self, head: str, statements: list[str], numbers: Sequence[int]) -> int:
        """Read as many of ``statements`` from the start as can be checked at once; return how many.

        ``statements`` are consecutive lines (or, where a string goes on,
        lines joined by ``\\n``), each starting with ``head`` and ending
        with ``;``; ``numbers`` are the lines they start on.
        """


class LineFeed:
    """A dump's lines, to which lines read ahead can be given back, to come again first."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._back: deque[Line] = deque()
        self.last_number = 0  # of the last line of the dump, once its end was reached
        self.lines = self._feed(lines)

    def give_back(self, lines: Iterable[Line]) -> None:
        """Put ``lines`` (in order, read last) before the lines still to come."""
        self._back.extendleft(reversed(list(lines)))

    def _feed(self, lines: Iterator[Line]) -> Iterator[Line]:
        back = self._back
        for line in lines:
            while back:
                yield back.popleft()
            yield line
            self.last_number = line[0]
        # Lines may still be given back after the end was seen, so the feed never stops.
        while True:
            while back:
                yield back.popleft()
            yield END


class RunGatherer:
    """Offer runs of INSERT lines to a judge, from a splitter's feed."""

    def __init__(self, judge: RunJudge, mysql: bool) -> None:
        self.judge = judge
        self.head = _MYSQL_HEAD if mysql else _HEAD
        self.head_line = _MYSQL_HEAD_LINE if mysql else None
        self.limit = _MOST_LINES
        self.refused = 0  # the line given back to be read as a statement, not offered again

    def take(self, feed: LineFeed, number: int, text: str) -> bool:
        """Offer the run that starts with line ``number``, ``text``; return whether it was taken.

        Taken, the judge read at least that line's statement; the lines it
        did not take were given back to ``feed``. Not taken, ``text`` is the
        caller's to read, and every line after it is in ``feed`` again.
        """
        if number == self.refused:
            return False
        if self.head_line is not None and not text.endswith(";"):
            return self._take_statement(feed, number, text)
        found = self.head.match(text)
        if found is None or not self.judge.takes_head(head := found.group()):
            return False
        lines, size, limit = [text], len(text), self.limit
        starts = [0]  # the index in lines of each statement's first line
        open_statement = not text.endswith(";")  # a string goes on to the next line
        for line in feed.lines:
            following = line[1]
            if not line[0] or len(lines) >= limit or size >= _MOST_CHARS:
                feed.give_back([line])
                break
            if not open_statement:
                if not following.startswith(head):
                    feed.give_back([line])
                    break
                starts.append(len(lines))
            lines.append(following)
            size += len(following)
            open_statement = not following.endswith(";")
        if open_statement:
            # Not ended within the run: the statement is read the usual way.
            cut = starts.pop()
            feed.give_back((number + i, lines[i]) for i in range(max(cut, 1), len(lines)))
            if not cut:
                return False
            del lines[cut:]
        return self._offer(feed, head, lines, starts, number)

    def _offer(
        self, feed: LineFeed, head: str, lines: list[str], starts: list[int], number: int
    ) -> bool:
        """Hand the run's statements to the judge; give back the lines of those it leaves."""
        ends = [*starts[1:], len(lines)]
        if len(starts) == len(lines):
            statements = lines
            numbers: Sequence[int] = range(number, number + len(lines))
        else:
            statements = ["\n".join(lines[a:b]) for a, b in zip(starts, ends, strict=True)]
            numbers = [number + a for a in starts]
        taken = self.judge.take_run(head, statements, numbers)
        if taken == len(statements):
            self.limit = min(_MOST_LINES, self.limit * 2)
            return True
        self.limit = max(_FEWEST_LINES, self.limit // 2)
        first = starts[taken]
        if taken == 0:
            first = 1  # the caller reads the first line
        feed.give_back((number + i, lines[i]) for i in range(first, len(lines)))
        if taken:
            self.refused = number + starts[taken]
        return taken > 0

    def _take_statement(self, feed: LineFeed, number: int, text: str) -> bool:
        """Offer a statement of a head line and one tuple per line, ``(..),`` up to ``(..);``.

        The judge takes all of it or nothing (``take_run`` with the head as
        the first line): a statement is never taken in part.
        """
        if self.head_line is None or not self.head_line.fullmatch(text):
            return False
        if not self.judge.takes_head(text):
            return False
        lines, size, whole = [text], len(text), False
        for line in feed.lines:
            following = line[1]
            lines.append(following)
            size += len(following)
            if not line[0] or not following.startswith("(") or size >= _MOST_STATEMENT_CHARS:
                break
            if following.endswith(");"):
                whole = True
                break
            if not following.endswith("),"):
                break
        numbers = range(number, number + len(lines))
        if whole and self.judge.take_run(text, lines, numbers) == len(lines):
            return True
        feed.give_back((number + i, lines[i]) for i in range(1, len(lines)))
        return False
