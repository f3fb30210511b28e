"""A pool of worker processes for scanning dump files in parallel."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Protocol, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


class MapFunction(Protocol):
    """Something like the builtin ``map`` or ``Executor.map``: runs calls, keeps order."""

    def __call__(self, function: Callable[[_In], _Out], items: Iterable[_In], /) -> Iterator[_Out]:
        """Return ``function(item)`` for each item, in order."""


def default_jobs() -> int:
    """Return how many worker processes to use by default: the cores, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


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
