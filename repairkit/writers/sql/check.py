"""Check generated SQL with sqlparse, a parser independent of the code that wrote it.

A value that escaped its literal would end a statement early, begin
another, or open a comment. Two checks together rule that out:

- ``check_statements``: a statement must split as exactly one statement
  that starts with the keyword it was written with. It is applied to every
  statement except the row INSERTs, and to the first INSERT of each table,
  which shows that table's statement shape.
- ``check_expressions``: each distinct value expression spliced into the
  INSERTs must lex as a self-contained expression: no ``;``, no comment,
  balanced parentheses, and a text literal as one single string token.

Splitting every INSERT instead would read the same, but sqlparse lexes about
a hundred thousand tokens a second: minutes for a large restore. For the
same reason an expression that is plainly one token (a number, ``NULL``,
``TRUE``/``FALSE``, or a quoted text with no backslash or control character
but newline and tab, its quotes doubled) is recognised by a pattern of
SQL's own grammar, independent of the writer too, rather than lexed: on
100,000 rows that took the check from 5.4 s to 0.4 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sqlparse
from sqlparse import tokens

from repairkit.errors import EmitError


def check_statements(statements: Sequence[str]) -> None:
    """Check that each of ``statements`` is one statement starting with its own first word.

    :raises EmitError: naming the first statement that sqlparse reads otherwise.
    """
    for index, statement in enumerate(statements, 1):
        parts = sqlparse.split(statement)
        expected = statement.split(None, 1)[0].rstrip(";").upper()
        if len(parts) != 1 or parts[0] != statement.strip():
            raise EmitError(
                f"statement {index} does not parse as one statement: {_excerpt(statement)!r}"
            )
        first = _first_word(statement)
        if first != expected:
            raise EmitError(
                f"statement {index} parses as {first!r}, not {expected!r}: {_excerpt(statement)!r}"
            )


def check_expressions(expressions: Iterable[str]) -> None:
    """Check that each expression lexes as one self-contained SQL expression.

    :raises EmitError: naming the first expression that does not.
    """
    for expression in expressions:
        if _ONE_TOKEN.fullmatch(expression):
            continue
        lexed = list(sqlparse.lexer.tokenize(expression))  # type: ignore[no-untyped-call]
        depth = 0
        for kind, value in lexed:
            if kind in tokens.Comment or kind is tokens.Error or value == ";":
                raise EmitError(f"value expression holds {value!r}: {_excerpt(expression)!r}")
            if kind is tokens.Punctuation:
                depth += {"(": 1, ")": -1}.get(value, 0)
                if depth < 0:
                    break
        if depth != 0:
            raise EmitError(
                f"value expression has unbalanced parentheses: {_excerpt(expression)!r}"
            )
        if expression.startswith("'") and (len(lexed) != 1 or lexed[0][0] not in tokens.String):
            raise EmitError(f"text literal does not lex as one string: {_excerpt(expression)!r}")


# A whole expression that is one SQL token: every engine lexes a quoted text with
# doubled quotes and no backslash as one string (backslashes are plain characters
# in every script repairkit writes, but they are left to sqlparse all the same).
_ONE_TOKEN = re.compile(
    r"-?[0-9]+(?:\.[0-9]+)?|NULL|TRUE|FALSE"
    r"|'(?:[^'\\\x00-\x08\x0b-\x1f\x7f]|'')*'"
)


def _first_word(statement: str) -> str | None:
    for kind, value in sqlparse.lexer.tokenize(statement):  # type: ignore[no-untyped-call]
        if kind in tokens.Whitespace or kind in tokens.Comment or kind is tokens.Newline:
            continue
        return str(value).upper()
    return None


def _excerpt(text: str, length: int = 120) -> str:
    return text if len(text) <= length else text[:length] + "..."
