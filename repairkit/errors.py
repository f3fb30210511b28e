"""Exceptions raised by repairkit.

The tree::

    RepairkitError
    ├── DumpFormatError (+ ValueError)   the input is not a valid dump: file, line, problem
    ├── DumpNotFoundError (+ FileNotFoundError)   a dump or one of its files is missing
    ├── DumpReadError (+ OSError)   a dump is there but the system cannot read it
    ├── UnknownFormatError (+ ValueError)   no reader knows this input
    ├── PlanError   a restore plan cannot be made as asked
    └── EmitError   a plan cannot be written in the form asked
        └── UnstorableValueError (+ ValueError)   values the target cannot store exactly

The library raises these and never prints or exits; ``repairkit.cli`` turns
them into a message and exit status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path


class RepairkitError(Exception):
    """Root of every error that repairkit reports to its user."""


class DumpFormatError(RepairkitError, ValueError):
    """A file is not a valid dump; says which file, which line and what was wrong."""

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[Path, int | None, str]]:
        # Errors found in worker processes travel back pickled.
        return (type(self), (self.path, self.line, self.problem))


class _PathProblem(RepairkitError):
    """An error about a whole file: its path, and what is wrong with it."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        return (type(self), (self.path, self.problem))  # it crosses worker processes


class DumpNotFoundError(_PathProblem, FileNotFoundError):
    """A dump, or a file that a dump names, does not exist."""


class DumpReadError(_PathProblem, OSError):
    """A dump, or one of its files, is there but cannot be read (permissions, I/O)."""


class UnknownFormatError(RepairkitError, ValueError):
    """No reader recognises the input, or ``--from`` names an unknown format."""

    def __init__(self, source: str | Path, known: list[str], asked: str | None = None) -> None:
        self.source = str(source)
        self.known = known
        self.asked = asked
        what = f"unknown format {asked!r}" if asked else "cannot tell the format"
        super().__init__(f"{self.source}: {what}; known formats: {', '.join(known)} (see --from)")

    def __reduce__(self) -> tuple[type, tuple[str, list[str], str | None]]:
        return (type(self), (self.source, self.known, self.asked))


class PlanError(RepairkitError):
    """A restore plan cannot be made as the user asked."""


class EmitError(RepairkitError):
    """A restore plan cannot be written in the form asked (``merge --emit``)."""


class UnstorableValueError(EmitError, ValueError):
    """Values that the target database cannot store exactly; nothing was written.

    ``problems`` are ``repairkit.writers.storable.ValueProblem`` records, each
    naming table, primary key and column.
    """

    def __init__(self, target: str, problems: Sequence[object]) -> None:
        self.target = target
        self.problems = tuple(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:_PROBLEMS_SHOWN])
        more = len(self.problems) - _PROBLEMS_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(self.problems)} value(s) that {target} cannot store exactly: {shown}{tail}"
        )

    def __reduce__(self) -> tuple[type, tuple[str, tuple[object, ...]]]:
        return (type(self), (self.target, self.problems))


_PROBLEMS_SHOWN = 20


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the known name closest to ``name``, or ``""``.

    For messages about a mistyped table or column: the user sees at once
    what was meant. Names that share a long prefix (``repairdemo_…``) are
    all alike, so only those about as close as the closest are named.
    """
    scores = sorted(
        ((difflib.SequenceMatcher(None, name, other).ratio(), other) for other in set(known)),
        reverse=True,
    )
    if not scores or scores[0][0] < _CLOSE_ENOUGH:
        return ""
    best = scores[0][0]
    close = [other for score, other in scores[:3] if score >= best - _AS_CLOSE]
    return f" (did you mean {' or '.join(map(repr, close))}?)"


_CLOSE_ENOUGH = 0.6
_AS_CLOSE = 0.02
