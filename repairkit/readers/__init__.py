"""Readers: one package per input format, a registry, ``read_snapshot`` and ``read_snapshots``.

Each format is registered in ``FORMATS`` with a ``sniff`` function (does
this path look like my format?) and a ``read`` function (path -> Snapshot).
``detect_format`` asks them in order; ``--from`` names one directly.
``read_snapshots`` reads the sources of one comparison and aligns them,
so that sources of one moment agree whatever their formats.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from repairkit.errors import DumpNotFoundError, DumpReadError, RepairkitError, UnknownFormatError
from repairkit.progress import ProgressCallback, ProgressStep, report_progress
from repairkit.snapshot import Snapshot
from repairkit.workers import MapFunction

from .fixture.align import align_snapshots
from .fixture.compressed import COMPRESSED_SUFFIXES
from .fixture.dump import fixture_reader, is_fixture
from .fixture.parse import FIXTURE_FORMATS
from .lino.dump import read_lino_dump
from .live.django_site import is_django_source, read_django_database
from .live.sql import read_database_url
from .live.urls import is_database_url, is_server_url
from .sql.dump import is_sql_dump, sql_dump_reader
from .sql.statements import Dialect

# Above this many bytes of dump text in all, SQL dumps and fixtures are read one
# after another: read side by side, each worker holds a whole reading and the
# parent the snapshots it is sent, so the peak of all processes is about twice
# as high. Two 10M-row dumps (2 GB each) peaked at 3.4 GB side by side, 1.7 GB
# one after another; 1 GiB in all (two 2.5M-row dumps) peaked at 0.97 GB.
SIDE_BY_SIDE_BYTES = 1 << 30

__all__ = ["FORMATS", "Format", "detect_format", "read_snapshot", "read_snapshots"]


@dataclass(frozen=True, slots=True)
class Format:
    """One input format: how to recognise it and how to read it."""

    name: str
    description: str
    sniff: Callable[[str], bool]
    read: Callable[[str, MapFunction], Snapshot]
    # Reads with progress reports of its own (source, map_files, progress); the
    # others are reported as one file each, done when read.
    read_reporting: Callable[[str, MapFunction, ProgressCallback | None], Snapshot] | None = None
    # Read start to end by one process (a SQL dump, a fixture): several such
    # sources are read side by side in worker processes (``_read_each``).
    read_in_one_process: bool = False


def _is_lino_dump(source: str) -> bool:
    return (Path(source) / "restore.py").is_file()


def _read_lino(source: str, map_files: MapFunction) -> Snapshot:
    return read_lino_dump(source, map_files=map_files)


def _read_lino_reporting(
    source: str, map_files: MapFunction, progress: ProgressCallback | None
) -> Snapshot:
    return read_lino_dump(source, map_files=map_files, progress=progress)


FORMATS: dict[str, Format] = {
    "lino": Format(
        "lino",
        "Lino dump2py directory (restore.py + one .py per table)",
        _is_lino_dump,
        _read_lino,
        _read_lino_reporting,
    ),
    "sqlite-dump": Format(
        "sqlite-dump",
        "SQLite `sqlite3 DB .dump` output (.sql, .sql.gz)",
        is_sql_dump(Dialect.SQLITE),
        sql_dump_reader(Dialect.SQLITE),
        read_in_one_process=True,
    ),
    "pg-dump": Format(
        "pg-dump",
        "pg_dump plain SQL, COPY or --inserts (.sql, .sql.gz)",
        is_sql_dump(Dialect.POSTGRES),
        sql_dump_reader(Dialect.POSTGRES),
        read_in_one_process=True,
    ),
    "mysql-dump": Format(
        "mysql-dump",
        "mysqldump / mariadb-dump SQL (.sql, .sql.gz)",
        is_sql_dump(Dialect.MYSQL),
        sql_dump_reader(Dialect.MYSQL),
        read_in_one_process=True,
    ),
    **{
        form: Format(
            form,
            f"Django dumpdata fixture, --format {form} (also .gz, .bz2, .xz, .zip)",
            is_fixture(form),
            fixture_reader(form),
            read_in_one_process=True,
        )
        for form in FIXTURE_FORMATS
    },
    "django": Format(
        "django",
        "a Django site's live database: django:mysite.settings[#alias]",
        is_django_source,
        lambda source, _: read_django_database(source),
    ),
    "database": Format(
        "database",
        "a live database: sqlite:///path.db, postgresql://..., mysql://...",
        is_database_url,
        lambda source, map_files: read_database_url(source, map_files=map_files),
    ),
}


def detect_format(source: str) -> Format:
    """Return the format of ``source``, judged from its path and content.

    :raises DumpNotFoundError: if a path is given and nothing is there.
    :raises UnknownFormatError: if no format recognises it.
    """
    for form in FORMATS.values():
        if form.sniff(source):
            return form
    if "://" not in source and ":" not in source[:12] and not Path(source).exists():
        raise DumpNotFoundError(source, "no such file or directory")
    raise UnknownFormatError(source, sorted(FORMATS))


def read_snapshot(
    source: str | Path,
    form: str | None = None,
    map_files: MapFunction = map,
    progress: ProgressCallback | None = None,
) -> Snapshot:
    """Read the dump (or database) at ``source`` into a Snapshot.

    ``form`` names the format (see ``FORMATS``); by default it is detected.
    ``map_files`` may run file scans in parallel (see ``repairkit.workers``).
    ``progress`` hears of the files read (``repairkit.progress``).

    :raises DumpNotFoundError: if there is nothing at ``source``.
    :raises UnknownFormatError: if the format is not known.
    :raises DumpFormatError: if it is not a valid dump of that format.
    :raises DumpReadError: if the system cannot read it.
    """
    source = str(source)
    try:
        reader = _format_of(source, form)
        if reader.read_reporting is not None:
            return reader.read_reporting(source, map_files, progress)
        stage = _stage_of(source)
        report_progress(progress, ProgressStep(stage, 0, 1, "files"))
        snapshot = reader.read(source, map_files)
    except RepairkitError:
        raise
    except OSError as err:  # permission denied, an I/O error: the system's words
        where = err.filename if isinstance(err.filename, str) else source
        raise DumpReadError(where, f"cannot be read: {err.strerror or err}") from err
    rows = sum(len(table) for table in snapshot.tables.values())
    report_progress(progress, ProgressStep(stage, 1, 1, "files", rows))
    return snapshot


def _format_of(source: str, form: str | None) -> Format:
    """Return the format named ``form``, or else the one detected for ``source``.

    :raises DumpNotFoundError, UnknownFormatError: as ``detect_format``.
    """
    if form is None:
        return detect_format(source)
    if form in FORMATS:
        return FORMATS[form]
    raise UnknownFormatError(source, sorted(FORMATS), asked=form)


def _stage_of(source: str) -> str:
    """Return the progress stage of reading ``source``."""
    # A database URL may hold a password: only its scheme is shown.
    if "://" in source:
        return f"reading {source.split('://', 1)[0]} database"
    return f"reading {Path(source).name or source}"


def read_snapshots(
    sources: Sequence[str | Path],
    forms: Sequence[str | None] | None = None,
    map_files: MapFunction = map,
    progress: ProgressCallback | None = None,
) -> list[Snapshot]:
    """Read every source of one comparison, and align them with each other.

    ``forms`` gives each source's format (``None``: detected), in order.
    A fixture guesses column names and value types that other sources know,
    and a raw database cannot tell an empty choice from NULL: each is
    aligned with the others (``readers.fixture.align``), as the command
    line does, so that two sources of one moment show no differences.
    ``progress`` hears of the files read.

    :raises ValueError: if ``forms`` does not give one format per source.
    :raises DumpNotFoundError, UnknownFormatError, DumpFormatError: as
        ``read_snapshot``.
    """
    chosen = list(forms) if forms is not None else [None] * len(sources)
    if len(chosen) != len(sources):
        raise ValueError(f"{len(chosen)} formats for {len(sources)} sources")
    return align_snapshots(_read_each(sources, chosen, map_files, progress))


def _read_each(
    sources: Sequence[str | Path],
    forms: Sequence[str | None],
    map_files: MapFunction,
    progress: ProgressCallback | None,
) -> list[Snapshot]:
    """Read the sources, in order; servers in threads, dump files in worker processes.

    A server hashes its rows itself, which was most of a live diff's time
    (MySQL: about 3 s of server time for 1M rows) while this process
    waited for it. A SQL dump or a fixture is read by one process, start
    to end: two or more of them go to ``map_files``, whose worker
    processes read them side by side and send the snapshots back (for
    1M rows, 56 MB pickled in 0.04 s), if they are not too large for it
    (``SIDE_BY_SIDE_BYTES``). A Lino dump and a ``sqlite:///`` database
    use the workers themselves, and are read here, one after another. An
    error is the one the first failing source gives, as when every
    source is read in turn.
    """
    chosen = list(zip(map(str, sources), forms, strict=True))
    served = [index for index, pair in enumerate(chosen) if _is_served(*pair)]
    files = [index for index, pair in enumerate(chosen) if _is_read_in_one_process(*pair)]
    if len(files) < 2 or sum(_text_bytes(chosen[index][0]) for index in files) > SIDE_BY_SIDE_BYTES:
        files = []
    with ThreadPoolExecutor(max_workers=max(1, len(served))) as threads:
        pending = {
            index: threads.submit(read_snapshot, *chosen[index], map, progress) for index in served
        }
        for index in files:
            report_progress(progress, ProgressStep(_stage_of(chosen[index][0]), 0, 1, "files"))
        from_workers = iter(map_files(_read_in_worker, [chosen[index] for index in files]))
        snapshots = []
        for index, (source, form) in enumerate(chosen):
            if index in pending:
                snapshot = pending[index].result()
            elif index in files:
                snapshot = next(from_workers)
                rows = sum(len(table) for table in snapshot.tables.values())
                report_progress(progress, ProgressStep(_stage_of(source), 1, 1, "files", rows))
            else:
                snapshot = read_snapshot(source, form, map_files, progress)
            snapshots.append(snapshot)
        return snapshots


def _is_served(source: str, form: str | None) -> bool:
    return form in (None, "database") and is_server_url(source)


def _is_read_in_one_process(source: str, form: str | None) -> bool:
    """Tell whether ``source`` is read start to end by one process: a SQL dump or a fixture.

    A source whose format cannot be told is not: it is read in turn, and
    gives its error there.
    """
    try:
        return _format_of(source, form).read_in_one_process
    except RepairkitError:
        return False


def _text_bytes(source: str) -> int:
    """Return about how many bytes of text the dump file ``source`` holds.

    A compressed file counts ten times its size, about what a dump's text
    compresses by; a file that cannot be read counts as nothing (its
    reader says why).
    """
    try:
        size = os.path.getsize(source)
    except OSError:
        return 0
    return size * 10 if source.endswith(COMPRESSED_SUFFIXES) else size


def _read_in_worker(source_and_form: tuple[str, str | None]) -> Snapshot:
    """Read a SQL dump or a fixture in a worker process (``_read_each`` reports the progress)."""
    source, form = source_and_form
    return read_snapshot(source, form)
