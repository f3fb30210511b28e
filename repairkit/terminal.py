"""Keep what repairkit prints safe for a terminal, whatever the dumps hold.

Names and values from a dump may hold control characters (an escape
sequence can rewrite the screen or the window title) and lone surrogates
(which no encoding can write). Every line the command line prints passes
through ``SafeTextStream``, which writes each such character as ``\\uXXXX``:
readable in text, and the same character again in JSON output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls but tab and line feed, DEL, C1 controls, and surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def escape_unsafe(text: str) -> str:
    """Return ``text`` with every control character (not tab, line feed) and surrogate escaped."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class SafeTextStream:
    """A text stream that escapes what ``escape_unsafe`` escapes, then writes to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_unsafe(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        # encoding, errors, flush, isatty, fileno, buffer: what click looks at.
        return getattr(self._stream, name)


@contextmanager
def safe_standard_streams(sys_module: Any) -> Iterator[None]:
    """Make ``sys.stdout`` and ``sys.stderr`` terminal-safe for the time of the block."""
    saved = sys_module.stdout, sys_module.stderr
    for stream in saved:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # A terminal that cannot show a character gets \N{...} escapes, not an error.
            reconfigure(errors="backslashreplace")
    sys_module.stdout, sys_module.stderr = (SafeTextStream(stream) for stream in saved)
    try:
        yield
    finally:
        sys_module.stdout, sys_module.stderr = saved


def unwrapped(stream: Any) -> Any:
    """Return the stream a ``SafeTextStream`` writes to, or ``stream`` itself.

    For a writer that sends escape sequences of its own (the progress bar),
    whose text it has made safe itself.
    """
    return stream._stream if isinstance(stream, SafeTextStream) else stream
