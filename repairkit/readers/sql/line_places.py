"""Find where the row texts cut from a SQL dump's lines are in the file, as bytes.

``kept_texts`` keeps a COPY line or an INSERT tuple as its byte range in
the dump. The line reader (``dump_lines.numbered_lines``) tells a ``LinePlace``
where each line starts and how many bytes it has, for the last
``RECENT_LINES`` lines: the statement splitter reads lines ahead for a run
of INSERTs (``insert_runs``), so a tuple's line is often not the line
last read. A text is placed only where its bytes are known to be the
file's: a run's statements are whole lines of the file; a statement the
splitter made is compared with the file's bytes first, since the
splitter drops comments and spaces. Anything else is left unplaced
(start -1), and ``kept_texts`` holds its text instead.

A line of one byte per character (ASCII, most of a dump) needs no
encoding: a character offset in it is a byte offset.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

# The lines whose places are known: more than a run holds (1,024 lines) and
# than most extended INSERTs of mariadb-dump (a tuple a line, up to 1 MB).
RECENT_LINES = 1 << 16
# The line reader tells the places of up to RECENT_LINES lines before it yields
# them, so the ring holds twice as many: those and the RECENT_LINES before.
_RING = 2 * RECENT_LINES
_RECENT_MASK = _RING - 1


@dataclass(frozen=True, slots=True)
class DumpFile:
    """The file row texts are read again from: its size when read, how its bytes were decoded."""

    path: Path
    size: int
    errors: str  # as UTF-8 bytes became text: "strict", or "surrogateescape" for MySQL
    seekable: bool  # False for a compressed dump: its texts are held

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8", self.errors)

    def byte_size(self, text: str) -> int:
        """Return how many bytes of the file ``text`` was read from."""
        return len(text.encode("utf-8", self.errors))


class LinePlace:
    """Where the lines last read from a dump are in the file; the line reader keeps it up.

    ``number`` and ``text`` are the line last read, which the line reader
    sets as it yields it; ``remember`` keeps the start and size of lines
    about to be read, a block at a time, in a ring that holds the last
    ``RECENT_LINES`` read too.
    """

    __slots__ = ("source", "number", "text", "starts", "sizes", "_stream")

    def __init__(self, source: DumpFile) -> None:
        self.source = source
        self.number = 0
        self.text = ""  # the line as read, without its line end
        self.starts: array[int] = array("q", bytes(8 * _RING))
        self.sizes: array[int] = array("q", bytes(8 * _RING))
        self._stream: BinaryIO | None = None  # to compare a statement with the file's bytes

    @property
    def start(self) -> int:
        """Return the file offset of the first byte of the line last read."""
        return self.starts[self.number & _RECENT_MASK]

    @property
    def size(self) -> int:
        """Return the bytes of the line last read, without its line end."""
        return self.sizes[self.number & _RECENT_MASK]

    def remember(self, first: int, starts: Sequence[int], sizes: Sequence[int]) -> None:
        """Keep the file offsets and sizes of lines ``first`` on, at most ``RECENT_LINES``.

        Before they are read: the lines read before stay known.
        """
        count = len(starts)
        if count > RECENT_LINES:
            raise ValueError(f"{count} lines at once; at most {RECENT_LINES}")
        slot = first & _RECENT_MASK
        fits = min(count, _RING - slot)  # the ring's end, then its start
        self.starts[slot : slot + fits] = array("q", starts[:fits])
        self.sizes[slot : slot + fits] = array("q", sizes[:fits])
        if fits < count:
            self.starts[: count - fits] = array("q", starts[fits:])
            self.sizes[: count - fits] = array("q", sizes[fits:])

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def line_range(self, number: int) -> tuple[int, int] | None:
        """Return the file offset and byte size of line ``number``, or None if not known."""
        if not self.source.seekable or not self.number - RECENT_LINES < number <= self.number:
            return None
        slot = number & _RECENT_MASK
        return self.starts[slot], self.sizes[slot]

    def line_ranges(self, numbers: Sequence[int]) -> tuple[list[int], list[int]]:
        """Return the file offsets and byte sizes of lines ``numbers``, in ascending order.

        The lines must be among the last ``RECENT_LINES`` read; an offset of
        -1 is a line whose place is not known (a compressed dump).
        """
        if not self.source.seekable or not numbers or numbers[0] <= self.number - RECENT_LINES:
            return [-1] * len(numbers), [0] * len(numbers)
        slots = [number & _RECENT_MASK for number in numbers]
        starts, sizes = self.starts, self.sizes
        return [starts[slot] for slot in slots], [sizes[slot] for slot in slots]

    def cut_places(
        self, lines: Sequence[str], numbers: Sequence[int], head: str
    ) -> tuple[list[int], list[int]]:
        """Return where ``text[len(head):-1]`` of each of ``lines`` is: file offsets and sizes.

        Each text must be the file's text from the start of line ``numbers[i]``
        to the end of a line (a run's statement: one line, or lines joined by
        ``\\n``), starting with ``head`` and ending with one ASCII character
        (``;`` or ``,``). An offset of -1 is a text whose place is not known.
        """
        source, first = self.source, self.number - RECENT_LINES
        head_bytes = source.byte_size(head)
        begin, starts, sizes = len(head), [], []
        ring_starts, ring_sizes, mask = self.starts, self.sizes, _RECENT_MASK
        count = len(numbers)
        if (
            source.seekable
            and count
            and first < numbers[0]
            and numbers[-1] <= self.number
            and numbers[-1] - numbers[0] == count - 1
            and "\n" not in lines[-1]
        ):
            # Texts on consecutive lines (the numbers ascend), the last of one line:
            # each text is one whole line.
            slots = [number & mask for number in numbers]
            cut = head_bytes + 1
            starts = [ring_starts[slot] + head_bytes for slot in slots]
            return starts, [ring_sizes[slot] - cut for slot in slots]
        for text, number in zip(lines, numbers, strict=True):
            if not source.seekable or not first < number <= self.number:
                starts.append(-1)
                sizes.append(0)
                continue
            slot = number & mask
            starts.append(ring_starts[slot] + head_bytes)
            if "\n" in text:
                sizes.append(source.byte_size(text[begin:-1]))
            else:  # the whole line: its bytes but the head's and the last character's
                sizes.append(ring_sizes[slot] - head_bytes - 1)
        return starts, sizes

    def listed_places(
        self, line: str, number: int, head: str, pieces: Sequence[str]
    ) -> tuple[list[int], list[int]]:
        """Return where ``pieces`` are, which joined by ``,`` follow ``head`` on a line.

        ``line`` is the whole text of line ``number``: ``head``, the pieces
        joined by ``,``, and what follows them. An offset of -1 is a piece
        whose place is not known.
        """
        place = self.line_range(number)
        if place is None:
            return [-1] * len(pieces), [0] * len(pieces)
        start, size = place
        if size == len(line):
            sizes = [len(piece) for piece in pieces]
            start += len(head)
        else:
            sizes = [self.source.byte_size(piece) for piece in pieces]
            start += self.source.byte_size(head)
        starts = list(accumulate((size + 1 for size in sizes[:-1]), initial=start))
        return starts, sizes

    def places_in(self, statement: str, line: int) -> TextPlaces | None:
        """Return where pieces of a statement that starts on ``line`` are, or None if unknown.

        A statement that starts the line last read is that line's text; any
        other one may differ from the file's text (the splitter drops
        comments and the spaces before a statement), and is compared with
        the file's bytes from the start of its line, once.
        """
        if not self.source.seekable:
            return None
        errors = self.source.errors
        if line == self.number:
            if not self.text.startswith(statement):
                return None
            return TextPlaces(statement, self.start, len(self.text) == self.size, errors)
        place = self.line_range(line)
        if place is None:
            return None
        encoded = statement.encode("utf-8", errors)
        if self._read_back(place[0], len(encoded)) != encoded:
            return None
        return TextPlaces(statement, place[0], len(encoded) == len(statement), errors)

    def _read_back(self, start: int, size: int) -> bytes:
        if self._stream is None:
            self._stream = self.source.path.open("rb")
        self._stream.seek(start)
        return self._stream.read(size)


class TextPlaces:
    """Turn character ranges of a text of the file into byte ranges, ranges taken in order."""

    __slots__ = ("_text", "_one_byte", "_errors", "_char", "_byte")

    def __init__(self, text: str, start: int, one_byte: bool, errors: str) -> None:
        """Take ``text``, found at file offset ``start``; ``one_byte``: a byte per character."""
        self._text, self._one_byte, self._errors = text, one_byte, errors
        self._char, self._byte = 0, start  # a character offset and its file offset

    def of(self, begin: int, end: int) -> tuple[int, int]:
        """Return the file offset and size in bytes of the characters ``begin:end``."""
        if self._one_byte:
            return self._byte + begin, end - begin
        if begin < self._char:
            raise ValueError("ranges must come in order")
        text, errors = self._text, self._errors
        start = self._byte + len(text[self._char : begin].encode("utf-8", errors))
        size = len(text[begin:end].encode("utf-8", errors))
        self._char, self._byte = end, start + size
        return start, size
