"""Keep the row texts of a SQL dump by their place in the file; read them again when asked.

A COPY line or an INSERT tuple held as a Python string cost about 250
bytes a row (the string, its pointer, a dict entry for its fingerprint),
most of a SQL dump's memory. Only what the diff needs before it decodes
is kept per row: the line the text is on, its fingerprint (``hash()`` of
the text) and where its bytes are in the file, four 64-bit numbers in
arrays. Decoding a row reads its bytes again, decodes them as the dump was
decoded (``DumpFile.errors``) and checks the text against its fingerprint,
so a file that changed in between is refused, as
``readers.lino.scan.reread_rows`` does for a Lino dump.

Where each text is in the file is found by ``line_places``. A text
whose bytes are not known to be one range of the file is held as a
string instead: every text of a gzip-compressed dump (no cheap seeking
in it), a text cut from a statement whose text is not the file's (the
splitter drops comments), and one whose line was read too long before.
``keyed_texts`` then finds each row's key and keeps the fingerprints by
key, as arrays for a large integer-keyed table (``fingerprint_index``).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from repairkit.errors import DumpFormatError
from repairkit.fingerprints import INDEXED_ROWS
from repairkit.integer_tokens import texts_holding, token_patterns
from repairkit.snapshot import Pk, Row, Value

from .line_places import DumpFile

_CHANGED = "the file changed while it was being read"
# Neighbouring texts are read again in one read of at most this many bytes.
_SPAN = 1 << 20
_LOW, _HIGH = -(2**63), 2**63
# Texts searched for integer keys in one call: enough to make each call's cost small.
_SEARCHED_TOGETHER = 4096


class KeptTexts:
    """The texts of one table's rows, in dump order: line, fingerprint, and place or text.

    ``first_keys`` holds the key of each row's first column as the caller
    found it when the row was read, while every one is a 64-bit integer (the
    usual Django ``id``); None once one is not, or when none was given.
    """

    __slots__ = ("source", "numbers", "prints", "starts", "sizes", "held", "first_keys")

    def __init__(self, source: DumpFile) -> None:
        self.source = source
        self.numbers: array[int] = array("q")
        self.prints: array[int] = array("q")  # hash() of each text
        # The text's file offset, or -1 - i for the i-th text held.
        self.starts: array[int] = array("q")
        self.sizes: array[int] = array("q")
        self.held: list[str] = []
        self.first_keys: array[int] | None = array("q")

    def __len__(self) -> int:
        return len(self.numbers)

    def keep(self, text: str, number: int, start: int, size: int, first_key: object = None) -> None:
        """Keep a row's text, found on line ``number`` at bytes ``start`` to ``start + size``.

        A ``start`` below 0 holds the text itself.
        """
        self.numbers.append(number)
        self.prints.append(hash(text))
        if start < 0 or not self.source.seekable:
            self.starts.append(-1 - len(self.held))
            self.held.append(text)
        else:
            self.starts.append(start)
        self.sizes.append(size)
        keys = self.first_keys
        if keys is not None:
            if type(first_key) is int and _LOW <= first_key < _HIGH:
                keys.append(first_key)
            else:
                self.first_keys = None

    def keep_many(
        self,
        texts: Sequence[str],
        numbers: Sequence[int],
        starts: Sequence[int],
        sizes: Sequence[int],
        first_keys: Sequence[int] | None,
    ) -> None:
        """Keep rows' texts as ``keep`` keeps each; ``first_keys`` are their keys, or None.

        For the tuples of a run of INSERTs, taken in one step.
        """
        self.numbers.extend(numbers)
        self.prints.extend(map(hash, texts))
        if self.source.seekable and (not starts or min(starts) >= 0):
            self.starts.extend(starts)
        else:
            kept, held = self.starts, self.held
            for text, start in zip(texts, starts, strict=True):
                if start < 0 or not self.source.seekable:
                    kept.append(-1 - len(held))
                    held.append(text)
                else:
                    kept.append(start)
        self.sizes.extend(sizes)
        keys = self.first_keys
        if keys is not None:
            if first_keys is not None and (
                not first_keys or (min(first_keys) >= _LOW and max(first_keys) < _HIGH)
            ):
                keys.extend(first_keys)
            else:
                self.first_keys = None

    def clear(self) -> None:
        for numbers in (self.numbers, self.prints, self.starts, self.sizes):
            del numbers[:]
        self.held.clear()
        self.first_keys = array("q")

    def read(self, indices: Sequence[int] | None = None) -> Iterator[tuple[int, str, int]]:
        """Yield ``(index, text, line)`` for the rows at ``indices`` (all when None), in order.

        :raises DumpFormatError: if a text read again is not the one read first.
        """
        chosen: Sequence[int] = range(len(self)) if indices is None else indices
        starts, sizes, numbers = self.starts, self.sizes, self.numbers
        stream: BinaryIO | None = None
        try:
            position = 0
            while position < len(chosen):
                index = chosen[position]
                start = starts[index]
                if start < 0:
                    yield index, self.held[-1 - start], numbers[index]
                    position += 1
                    continue
                if stream is None:
                    stream = self._open(numbers[index])
                # The texts after it that one read of at most _SPAN bytes takes too.
                end, last = start + sizes[index], position + 1
                while last < len(chosen):
                    after = chosen[last]
                    if not start <= starts[after] <= start + _SPAN - sizes[after]:
                        break
                    end = max(end, starts[after] + sizes[after])
                    last += 1
                stream.seek(start)
                data = stream.read(end - start)
                for index in chosen[position:last]:
                    begin = starts[index] - start
                    text = self._checked(index, data[begin : begin + sizes[index]])
                    yield index, text, numbers[index]
                position = last
        finally:
            if stream is not None:
                stream.close()

    def texts_and_lines(self) -> Iterator[tuple[str, int]]:
        """Yield ``(text, line)`` of every row so far, read again where kept by place.

        :raises DumpFormatError: if a text read again is not the one read first.
        """
        for _, text, number in self.read():
            yield text, number

    def _open(self, number: int) -> BinaryIO:
        source = self.source
        try:
            stream = source.path.open("rb", buffering=0)
        except OSError as err:
            raise DumpFormatError(source.path, number, f"{_CHANGED}: {err}") from err
        if os.fstat(stream.fileno()).st_size != source.size:
            stream.close()
            raise DumpFormatError(source.path, number, _CHANGED)
        return stream

    def _checked(self, index: int, data: bytes) -> str:
        try:
            text = self.source.decode(data)
        except UnicodeDecodeError:
            text = None
        if text is None or hash(text) != self.prints[index]:
            raise DumpFormatError(self.source.path, self.numbers[index], _CHANGED)
        return text


class KeyedTexts:
    """Kept texts and the key of each: the fingerprints by key, and the texts of the keys asked."""

    __slots__ = ("texts", "fingerprints", "_order")

    def __init__(
        self, texts: KeptTexts, order: array[int] | list[Pk], fingerprints: Mapping[Pk, int]
    ) -> None:
        self.texts = texts
        self.fingerprints = fingerprints
        self._order = order  # the key of each text, in dump order

    def decode(
        self, decode: Callable[[str, int], Row], kept: Sequence[int], pks: Collection[Pk] | None
    ) -> dict[Pk, Row]:
        """Return the rows for ``pks`` (all when None), the columns ``kept`` of each.

        ``decode`` turns one text and its line number into a row of the schema.

        :raises DumpFormatError: if a text read again is not the one read first,
            or from ``decode``.
        """
        order = self._order
        rows: dict[Pk, Row] = {}
        for index, text, number in self.texts.read(self._indices(pks)):
            row = decode(text, number)
            rows[order[index]] = tuple(row[i] for i in kept)
        return rows

    def decode_holding(
        self,
        decode: Callable[[str, int], Row],
        kept: Sequence[int],
        keys: Collection[int],
        unplain: Callable[[Sequence[str]], Iterable[int]],
        values_of: Callable[[str, int], Sequence[Value]],
    ) -> dict[Pk, Row]:
        """Return, as ``decode`` does, the rows that hold one of the integers ``keys``.

        ``values_of`` reads, from a text and its line, the values looked in.
        It reads only the texts that may hold a key: those that hold a
        key's digits as a token (leading zeros allowed), and those that
        ``unplain`` gives of a list: not written so that every integer they
        hold is such a token. Every text is read again, and checked, once.

        :raises DumpFormatError: as ``decode``.
        """
        patterns = token_patterns(keys, leading_zeros=True)
        order, read = self._order, self.texts.read()
        rows: dict[Pk, Row] = {}
        while block := list(islice(read, _SEARCHED_TOGETHER)):
            texts = [text for _, text, _ in block]
            for position in texts_holding(texts, patterns, unplain):
                index, text, number = block[position]
                if any(type(value) is int and value in keys for value in values_of(text, number)):
                    row = decode(text, number)
                    rows[order[index]] = tuple(row[i] for i in kept)
        return rows

    def _indices(self, pks: Collection[Pk] | None) -> Sequence[int] | None:
        order = self._order
        if pks is None:
            return None
        if isinstance(order, array) and len(order) >= INDEXED_ROWS:
            import numpy as np  # here: 90 ms to import, worth it only for large tables

            numbers = [pk for pk in pks if type(pk) is int and _LOW <= pk < _HIGH]
            wanted = np.asarray(numbers, np.int64)
            found = np.isin(np.frombuffer(order, np.int64), wanted)
            return np.flatnonzero(found).tolist()
        wanted_keys = set(pks)
        return [index for index, pk in enumerate(order) if pk in wanted_keys]


def keyed_texts(
    texts: KeptTexts, table: str, key_of: Callable[[str, int], object] | None
) -> KeyedTexts:
    """Return the kept texts with their keys: ``key_of(text, line)`` of each, read again.

    With ``key_of`` None the keys are ``texts.first_keys``, found when the
    rows were read, and nothing is read again.

    :raises DumpFormatError: for a key that is not an integer or text, or
        one that repeats, at the first such row.
    """
    path, numbers = texts.source.path, texts.numbers
    order = texts.first_keys if key_of is None else _read_keys(texts, table, key_of)
    if order is None:
        raise ValueError("no first keys were kept")
    fingerprints = _by_key(order, texts.prints)
    if fingerprints is None:
        _raise_repeat(path, table, order, numbers)
        raise AssertionError("a key repeats, but no repeat was found")
    return KeyedTexts(texts, order, fingerprints)


def _read_keys(
    texts: KeptTexts, table: str, key_of: Callable[[str, int], object]
) -> array[int] | list[Pk]:
    """Return the key of each text, read again, in dump order.

    :raises DumpFormatError: as ``keyed_texts``.
    """
    path = texts.source.path
    integers: array[int] = array("q")
    others: list[Pk] | None = None  # once a key is not a 64-bit integer
    try:
        for _, text, number in texts.read():
            pk = key_of(text, number)
            if not isinstance(pk, (int, str)) or isinstance(pk, bool):
                raise DumpFormatError(path, number, f"primary key of {table} is {pk!r}")
            if others is None:
                if type(pk) is int and _LOW <= pk < _HIGH:
                    integers.append(pk)
                    continue
                others = list(integers)
            others.append(pk)
    except DumpFormatError:
        # A repeated key before the fault was met first when keys were read row by row.
        _raise_repeat(path, table, integers if others is None else others, texts.numbers)
        raise
    return integers if others is None else others


def _by_key(order: array[int] | list[Pk], prints: array[int]) -> Mapping[Pk, int] | None:
    """Return the fingerprints by key, or None if a key repeats."""
    if isinstance(order, array) and len(order) >= INDEXED_ROWS:
        from repairkit.fingerprint_index import FingerprintIndex  # numpy: 90 ms to import

        return FingerprintIndex.from_parts([(order, prints)])
    by_key: dict[Pk, int] = dict(zip(order, prints, strict=True))
    return by_key if len(by_key) == len(order) else None


def _raise_repeat(path: Path, table: str, order: Iterable[Pk], numbers: array[int]) -> None:
    """Raise for the first key of ``order`` that repeats one before it, if any."""
    seen: set[Pk] = set()
    for index, pk in enumerate(order):
        if pk in seen:
            raise DumpFormatError(path, numbers[index], f"duplicate primary key {pk!r} in {table}")
        seen.add(pk)
