"""A pool of worker processes for scanning dump files in parallel."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Protocol, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


class MapFunction(Protocol):
    """Something like the builtin ``map`` or ``Executor.map``: runs calls, keeps order."""

    def __call__(self, function: Callable[[_In], _Out], items: Iterable[_In], /) -> Iterator[_Out]:
        """Return ``function(item)`` for each item, in order."""


# Below this many bytes of input files, starting worker processes costs more
# than they save: on 2 cores, two dump2py dumps of 150,000 rows (28 MB each)
# diffed in 1.1 s with one process and 1.2 s with two (December 2026).
SMALL_INPUT_BYTES = 64 * 1024 * 1024


def default_jobs() -> int:
    """Return how many worker processes to use by default: the cores, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def jobs_for_inputs(jobs: int | None, sources: Sequence[str]) -> int:
    """Return ``jobs`` if given, else the default for reading ``sources``.

    Small inputs are read in this process: forking a pool for the two
    fixture dumps took longer than reading them.
    """
    if jobs is not None:
        return jobs
    if _input_bytes(sources, SMALL_INPUT_BYTES) < SMALL_INPUT_BYTES:
        return 1
    return default_jobs()


def _input_bytes(sources: Sequence[str], enough: int) -> int:
    """Return the size of the files and directories among ``sources``, counted up to ``enough``.

    A ``sqlite:///`` URL counts as its file, whose large tables workers
    hash; other sources that are not local paths (server URLs,
    ``django:``) count as nothing: they are not read by workers.
    """
    # Imported here: the readers import this module.
    from repairkit.readers.live.urls import sqlite_path

    total = 0
    for source in sources:
        path = os.fspath(source)
        path = os.fspath(sqlite_path(path) or path)
        if os.path.isfile(path):
            total += os.path.getsize(path)
        elif os.path.isdir(path):
            for folder, _, names in os.walk(path):
                total += sum(_file_size(os.path.join(folder, name)) for name in names)
                if total >= enough:
                    return total
        if total >= enough:
            return total
    return total


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # gone or unreadable: the reader names it
        return 0


@contextmanager
def worker_pool(jobs: int) -> Iterator[MapFunction]:
    """Yield a ``map`` that runs its calls in ``jobs`` forked worker processes.

    Workers must be forked, not spawned: row fingerprints are ``hash()``
    values, which Python salts per interpreter, and a forked worker keeps
    its parent's salt. Where fork is not available, or for one job, the
    builtin ``map`` runs everything in this process.
    """
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield map
        return
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool.map
