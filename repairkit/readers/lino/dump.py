"""Read a Lino ``dump2py`` directory into a Snapshot, as data.

Reading is two-speed. Every data file is checked line by line (each row
line against its table's grammar, ``grammar``) and each row gets a
fingerprint, the hash of its line, keyed by primary key; all of this runs
in C loops over bytes. Values are decoded only when asked for, which
the diff does only for rows whose line differs between two dumps.
"""

from __future__ import annotations

import operator
import os
import re
import weakref
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress, count
from pathlib import Path
from typing import TYPE_CHECKING, cast

from repairkit import fingerprints
from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.progress import ProgressCallback, ProgressStep, report_progress
from repairkit.snapshot import ColumnKind, Pk, Row, Snapshot, Table, Value
from repairkit.values import SECOND_PRECISION, key_of, render_key
from repairkit.workers import MapFunction

from .restore import RestoreModule, TableSchema, read_restore_module
from .scan import (
    ROW_START,
    Announcement,
    FileScan,
    ScanJob,
    check_rows,
    reread_rows,
    reread_rows_holding,
    rows_with_prints,
    scan_data_file,
)
from .values import RowDecoder, RowSyntaxError

if TYPE_CHECKING:
    from repairkit.fingerprint_index import FingerprintIndex

RESTORE_FILE = "restore.py"
_PART = re.compile(r"(.+)_(\d+)\.py")


def read_lino_dump(
    path: str | Path,
    label: str | None = None,
    progress: ProgressCallback | None = None,
    map_files: MapFunction = map,
) -> Snapshot:
    """Read the dump2py directory ``path`` into a Snapshot.

    Every data file is checked and fingerprinted here; values are decoded
    later, on demand. ``map_files`` may be a process pool's ``map`` (of a
    pool that forks, see ``scan``) to scan several files at once.
    ``progress`` hears of each file read, and the rows so far.

    :raises DumpNotFoundError: if ``path`` or its restore.py does not exist.
    :raises DumpFormatError: if any file is not valid dump2py output.
    """
    directory = Path(path)
    restore_path = directory / RESTORE_FILE
    if not directory.is_dir():
        raise DumpNotFoundError(directory, "no such dump directory")
    if not restore_path.is_file():
        raise DumpNotFoundError(restore_path, "missing: not a dump2py directory")
    _check_inside(directory, restore_path, None)
    module = read_restore_module(restore_path)
    parts = _assign_data_files(module, directory)
    stage, total = f"reading {label or directory.name}", sum(map(len, parts.values()))
    report_progress(progress, ProgressStep(stage, 0, total, "files"))
    tables: list[Table] = []
    files_read = rows_read = 0

    def file_read(rows: int) -> None:
        nonlocal files_read, rows_read
        files_read, rows_read = files_read + 1, rows_read + rows
        report_progress(progress, ProgressStep(stage, files_read, total, "files", rows_read))

    for name, files in parts.items():
        schema = module.tables[name]
        decoder = RowDecoder(schema, module.model_globals, len(module.languages))
        store = LinoRowStore(schema, decoder, files, map_files, file_read if progress else None)
        parent = module.table_of_model(schema.parent_model) if schema.parent_model else None
        columns = [
            replace(column, references=parent) if column.kind is ColumnKind.PARENT_LINK else column
            for column in schema.columns
        ]
        tables.append(
            Table(
                name, columns, schema.pk, store, model=schema.model, parent=parent,
                key=schema.key,
            )
        )  # fmt: skip
    # dump2py writes datetimes and times to the second (docs/values.md).
    info = {**module.info, "format": "dump2py", "datetime_precision": SECOND_PRECISION}
    return Snapshot(label or directory.name, tables, info)


def _assign_data_files(module: RestoreModule, directory: Path) -> dict[str, list[Path]]:
    """Map each table to its data files in load order, checking both directions."""
    parts: dict[str, list[Path]] = {}
    listed = set()
    for file_name, line in module.data_files:
        if Path(file_name).name != file_name or file_name in (".", ".."):
            raise DumpFormatError(
                module.path, line, f"lists {file_name!r}, which is not a file of the dump directory"
            )
        file_path = directory / file_name
        try:
            _check_inside(directory, file_path, line)
            exists = file_path.is_file()
        except OSError as err:  # a name too long for the file system, say
            raise DumpFormatError(
                module.path,
                line,
                f"lists {file_name[:60]!r}, which cannot be a file: {err.strerror}",
            ) from err
        if not exists:
            raise DumpFormatError(module.path, line, f"lists {file_name!r}, which does not exist")
        table = _table_of_file(module, file_name)
        if table is None:
            raise DumpFormatError(
                module.path, line, f"lists {file_name!r}, but no create_ function matches it"
            )
        parts.setdefault(table, []).append(file_path)
        listed.add(file_name)
    for file_path in sorted(directory.glob("*.py")):
        if file_path.name != RESTORE_FILE and file_path.name not in listed:
            # Named where its execfile() would be: after the last one listed.
            last = module.data_files[-1][1] if module.data_files else 1
            raise DumpFormatError(
                module.path,
                last,
                f"{file_path.name!r} is in the dump directory, but {RESTORE_FILE} does not"
                " load it (a line lost from the list, or a file that is not part of the dump)",
            )
    return parts


def _check_inside(directory: Path, file_path: Path, line: int | None) -> None:
    """Refuse a file of the dump that is a link to a place outside the dump directory.

    Only the names are compared: nothing of such a file is read, so that
    none of it can reach an error message.
    """
    if not os.path.lexists(file_path):
        return
    inside = directory.resolve()
    if file_path.resolve().parent != inside:
        where = file_path if line is None else directory / RESTORE_FILE
        raise DumpFormatError(
            where, line, f"{file_path.name!r} is a link to a file outside the dump directory"
        )


def _table_of_file(module: RestoreModule, file_name: str) -> str | None:
    stem = file_name[:-3] if file_name.endswith(".py") else file_name
    if stem in module.tables:
        return stem
    part = _PART.fullmatch(file_name)
    if part and part.group(1) in module.tables:
        return part.group(1)
    return None


class LinoRowStore:
    """The rows of one table of a Lino dump: fingerprints now, values on demand."""

    fingerprint_scheme = "lino-dump-line"

    def __init__(
        self,
        schema: TableSchema,
        decoder: RowDecoder,
        files: list[Path],
        map_files: MapFunction,
        file_read: Callable[[int], None] | None = None,
    ) -> None:
        """Scan ``files``; ``file_read`` is told the rows of each file as it is taken in."""
        self.schema = schema
        self.map_files = map_files
        self.prefix = ROW_START + schema.name.encode() + b"("
        self._rows = _DecodeRows(decoder, self.prefix)
        names = [column.name for column in schema.columns]
        self._pk_index = names.index(schema.pk)
        # A key of several columns is rendered as one text, as every reader does.
        self._key_index = [names.index(name) for name in schema.key]
        self._fingerprints: Mapping[Pk, int] = {}
        self._scans: list[FileScan] = []
        self._decoder = decoder
        twin = _checked_twin(schema.name, decoder)
        checker = decoder if twin is None else None
        jobs = [
            ScanJob(
                path,
                self.prefix,
                self._pk_index == 0 and not self._key_index,
                len(schema.parameters) == 1,
                checker,
            )
            for path in files
        ]
        unchecked = self._add_scans(map_files(scan_data_file, jobs), twin, file_read)
        if unchecked:
            list(map_files(_CheckRows(decoder), unchecked))
        _CHECKED_STORES[schema.name] = weakref.ref(self)

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._fingerprints

    def locations(self) -> dict[Pk, str]:
        """Return where each row is written, ``"file.py:line"``, for messages about it."""
        where: dict[int, str] = {}
        for scan in self._scans:
            name, first = scan.path.name, scan.first_line
            where.update(
                (print_, f"{name}:{first + index}")
                for index, print_ in enumerate(scan.fingerprints)
            )
        return {pk: where[print_] for pk, print_ in self._fingerprints.items()}

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Decode the rows for ``pks`` (all when None) from the files.

        :raises DumpFormatError: if a wanted row is outside the dump grammar.
        """
        if pks is None:
            wanted = None
        else:
            prints = self._fingerprints
            if isinstance(prints, dict):
                wanted = frozenset(prints[pk] for pk in pks if pk in prints)
            else:
                wanted = frozenset(cast("FingerprintIndex", prints).prints_of(pks))
            if not wanted:
                return {}
        rows: dict[Pk, Row] = {}
        jobs = [_RowsJob(scan, wanted) for scan in self._scans]
        for decoded in self.map_files(self._rows, jobs):
            rows.update((self._row_key(row), row) for row in decoded)  # type: ignore[misc]
        if pks is None:
            return rows
        return {pk: rows[pk] for pk in pks if pk in rows}

    def decode_holding(
        self, keys: Collection[int], columns: Collection[int] | None = None
    ) -> dict[Pk, Row]:
        """Decode the rows that hold one of the integers ``keys`` in ``columns`` (indexes in
        the row; any column when None); with None, others may come too.

        The lines are searched for the keys' digits; of those that hold them,
        the integers in ``columns`` are read (``RowDecoder.integers_in``),
        and only the lines where one is a key are decoded.

        :raises DumpFormatError: if a file changed since it was scanned, or a
            row taken is outside the dump grammar.
        """
        held = frozenset(keys)
        rows: dict[Pk, Row] = {}
        if not held:
            return rows
        looked_in = None if columns is None else frozenset(columns)
        jobs = [_RowsJob(scan, None, holding=held, looked_in=looked_in) for scan in self._scans]
        for decoded in self.map_files(self._rows, jobs):
            rows.update((self._row_key(row), row) for row in decoded)  # type: ignore[misc]
        return rows

    def _add_scans(
        self,
        scans: Iterable[FileScan],
        twin: LinoRowStore | None,
        file_read: Callable[[int], None] | None = None,
    ) -> list[_RowsJob]:
        """Take in the scans of this table's files, in order.

        Return, when the files were scanned without checking their rows
        against the grammar, the rows that ``twin`` does not vouch for.
        """
        unchecked = []
        total_rows = 0
        announced: Announcement | None = None
        announcer = Path()
        parts: list[tuple[FileScan, Sequence[Pk]]] = []
        for scan in scans:
            pks = scan.pks if scan.pks is not None else self._decode_pks(scan)
            parts.append((scan, pks))
            if twin is not None:
                unchecked.append(_RowsJob(scan, None, twin.lines_not_held(pks, scan.fingerprints)))
            # The keys go to the index or the dict; keep only what decoding needs.
            self._scans.append(replace(scan, pks=None))
            total_rows += scan.row_count
            if file_read is not None:
                file_read(scan.row_count)
            if scan.announced is not None:
                announced, announcer = scan.announced, scan.path
        self._fingerprints = self._index(parts)
        if announced is not None and announced.count != total_rows:
            raise DumpFormatError(
                announcer,
                announced.line,
                f"announces {announced.count} objects for {self.schema.name} but the files hold"
                f" {total_rows} rows (cut off?)",
            )
        return [job for job in unchecked if job.indices]

    def _index(self, parts: Sequence[tuple[FileScan, Sequence[Pk]]]) -> Mapping[Pk, int]:
        """Return the fingerprints by key: an array index for sliced integer keys, else a dict.

        :raises DumpFormatError: for the first key that repeats one before it.
        """
        rows = sum(scan.row_count for scan, _ in parts)
        if rows >= fingerprints.INDEXED_ROWS and all(isinstance(pks, array) for _, pks in parts):
            from repairkit.fingerprint_index import FingerprintIndex  # numpy: 90 ms to import

            index = FingerprintIndex.from_parts(
                [(cast("array[int]", pks), scan.fingerprints) for scan, pks in parts]
            )
            if index is not None:
                return index
        by_key: dict[Pk, int] = {}
        for scan, pks in parts:
            if by_key and not by_key.keys().isdisjoint(pks):
                self._raise_duplicate(scan, pks, earlier=by_key.keys())
            before = len(by_key)
            by_key.update(zip(pks, scan.fingerprints, strict=True))
            if len(by_key) - before != scan.row_count:
                self._raise_duplicate(scan, pks, earlier=())
        return by_key

    def lines_not_held(self, pks: Sequence[Pk], fingerprints: array[int]) -> list[int]:
        """Return the indices of the rows whose key does not have this fingerprint here."""
        if not isinstance(self._fingerprints, dict) and isinstance(pks, array):
            return cast("FingerprintIndex", self._fingerprints).differ_from(pks, fingerprints)
        held = map(operator.eq, map(self._fingerprints.get, pks), fingerprints)
        return list(compress(count(), map(operator.not_, held)))

    def _decode_pks(self, scan: FileScan) -> list[Pk]:
        """Learn primary keys by decoding rows, where slicing them out did not work."""
        pks: list[Pk] = []
        rows = self._rows(_RowsJob(scan, None))
        for number, row in enumerate(rows, start=scan.first_line):
            pk = self._row_key(row)
            if not isinstance(pk, (int, str)) or isinstance(pk, bool):
                raise DumpFormatError(
                    scan.path, number, f"primary key {self.schema.pk!r} is {pk!r}"
                )
            pks.append(pk)
        return pks

    def _row_key(self, row: Row) -> Value:
        if self._key_index:
            return render_key([key_of(row[index]) for index in self._key_index])
        return key_of(row[self._pk_index])

    def _raise_duplicate(self, scan: FileScan, pks: Iterable[Pk], earlier: Collection[Pk]) -> None:
        """Raise for the first key of ``scan`` that repeats one before it."""
        seen: set[Pk] = set()
        for offset, pk in enumerate(pks):
            if pk in seen or pk in earlier:
                raise DumpFormatError(
                    scan.path,
                    scan.first_line + offset,
                    f"duplicate primary key {pk!r} in {self.schema.name}",
                )
            seen.add(pk)


# The stores read so far in this process, by table. A row line that one of
# them holds, under the same key and with the same fingerprint (so the same
# text, as the diff itself assumes), was checked against the same grammar
# there and need not be checked again: so the second dump of a diff costs
# only its changed lines. Weak references: a store that is gone vouches for nothing.
_CHECKED_STORES: dict[str, weakref.ref[LinoRowStore]] = {}


def _checked_twin(table: str, decoder: RowDecoder) -> LinoRowStore | None:
    """Return an earlier store of ``table`` whose lines were checked by the same grammar."""
    reference = _CHECKED_STORES.get(table)
    twin = reference() if reference else None
    if twin is None or twin._decoder.pattern_source != decoder.pattern_source:
        return None
    return twin


@dataclass(frozen=True, slots=True)
class _RowsJob:
    """Which rows of one scanned file to decode or check.

    Those with these fingerprints (``wanted``), or at these indices, or
    that may hold one of some integers (``holding``), or all.
    """

    scan: FileScan
    wanted: frozenset[int] | None
    indices: list[int] | None = None
    holding: frozenset[int] | None = None  # the rows that may hold one of these integers
    looked_in: frozenset[int] | None = None  # ... in these columns (None: in any)


class _CheckRows:
    """Check chosen rows of a file against the grammar; picklable, for a worker process."""

    def __init__(self, decoder: RowDecoder) -> None:
        self.decoder = decoder

    def __call__(self, job: _RowsJob) -> None:
        scan, indices = job.scan, job.indices or []
        rows = reread_rows(scan, indices)
        numbers = [scan.first_line + index for index in indices]
        escaped_names = any(b"\\N{" in row for row in rows)
        check_rows(scan.path, rows, numbers, self.decoder, escaped_names=escaped_names)


class _DecodeRows:
    """Decode chosen rows of a file; picklable, so that a worker process can run it."""

    def __init__(self, decoder: RowDecoder, prefix: bytes) -> None:
        self.decoder = decoder
        self.prefix = prefix

    def __call__(self, job: _RowsJob) -> list[Row]:
        scan = job.scan
        if job.holding is not None:
            return self.decode_holding(scan, job.holding, job.looked_in)
        if job.wanted is None:
            indices: Iterable[int] = range(scan.row_count)
        else:
            # Selected here, in the worker, to spare the parent a pass over every row.
            indices = rows_with_prints(scan, job.wanted)
            if not indices:
                return []
        return self.decode_lines(scan, indices, reread_rows(scan, indices))

    def decode_holding(
        self, scan: FileScan, keys: frozenset[int], looked_in: frozenset[int] | None
    ) -> list[Row]:
        """Decode the rows that may hold one of ``keys``, in ``looked_in`` (any column: None)."""
        indices, rows = reread_rows_holding(scan, keys)
        if looked_in is not None:
            decoder = self.decoder
            parameters = decoder.integer_parameters(looked_in)
            taken = [
                (index, row)
                for index, row in zip(indices, rows, strict=True)
                if (found := decoder.integers_in(row, parameters)) is None
                or not keys.isdisjoint(found)
            ]
            indices, rows = [index for index, _ in taken], [row for _, row in taken]
        return self.decode_lines(scan, indices, rows)

    def decode_lines(self, scan: FileScan, indices: Iterable[int], rows: list[bytes]) -> list[Row]:
        """Decode the row lines ``rows``, at ``indices`` of ``scan``."""
        return [
            self.decode_line(scan.path, scan.first_line + index, row)
            for index, row in zip(indices, rows, strict=True)
        ]

    def decode_line(self, path: Path, number: int, line: bytes) -> Row:
        """Decode one row line.

        :raises DumpFormatError: if it is outside the dump grammar.
        """
        try:
            return self.decoder.decode_line(line)
        except UnicodeDecodeError as err:
            raise DumpFormatError(path, number, f"not UTF-8: {err}") from err
        except RowSyntaxError as err:
            raise DumpFormatError(path, number, str(err)) from err
