"""Run fuzz cases in worker processes with CPU and memory limits, and count the outcomes.

Each worker is a forked child with ``RLIMIT_AS`` (its address space at
start plus a budget) and a CPU-time alarm per case (``ITIMER_VIRTUAL``, so
a loaded machine does not turn slowness into hangs); ``RLIMIT_CPU`` and a
wall-clock deadline in the parent are the backstops. A worker that dies or
passes a limit is replaced, and the case counted as crash, hang or memory.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .cases import (
    ACCEPTED,
    CRASH,
    HANG,
    MEMORY,
    UNLOCATED,
    CaseTimeout,
    Outcome,
    check_cli,
    check_letter,
    check_lino_file,
    check_sqlite_dump,
    classify_error,
    read_fully,
)
from .mutate import Mutant, decompress, mutate, token_family
from .seeds import Seed

COLUMNS = [
    ("accepted", "accepted"), ("named", "named error"), ("unlocated", "…without file:line"),
    ("traceback", "traceback"), ("hang", "hang"), ("memory", "memory"), ("crash", "crash"),
    ("wrong", "wrong reading"), ("cli", "CLI wrong exit / traceback"),
]  # fmt: skip
_COMPRESSIONS = ("gz", "bz2", "xz", "zip")
_RECYCLE_AFTER = 250  # cases per worker, so that no worker grows old with leaks


@dataclass(frozen=True, slots=True)
class Limits:
    """What one case may use."""

    cpu_seconds: float = 10.0
    memory_bytes: int = 768 * 1024 * 1024  # on top of the worker's address space at start
    wall_seconds: float = 120.0


@dataclass(slots=True)
class Results:
    """Counts per format, and the failing cases to show."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    failures: list[tuple[str, int, str, str]] = field(default_factory=list)
    unlocated: list[tuple[str, int, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, form: str, number: int, operator: str, outcome: Outcome) -> None:
        counts = self.counts.setdefault(form, Counter())
        counts["cases"] += 1
        counts[outcome.api] += 1
        if outcome.wrong_reading is not None:
            counts["wrong"] += 1
        if outcome.cli_problem is not None:
            counts["cli"] += 1
        if outcome.api == UNLOCATED:
            self.unlocated.append((form, number, operator, outcome.detail))
        if outcome.failed:
            counts["failures"] += 1
            why = outcome.wrong_reading or outcome.cli_problem or outcome.detail
            self.failures.append((form, number, operator, f"{outcome.api}: {why}"))

    def table(self) -> str:
        """Return the results as a Markdown table, one row per format, and the total."""
        head = ["format", "cases", *(title for _, title in COLUMNS), "failures"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        total: Counter[str] = Counter()
        for form, counts in self.counts.items():
            total.update(counts)
            lines.append(_row(form, counts))
        lines.append(_row("**total**", total))
        return "\n".join(lines)


def _row(name: str, counts: Counter[str]) -> str:
    cells = [f"{counts[key]:,}" for key in ("cases", *(key for key, _ in COLUMNS), "failures")]
    return "| " + " | ".join([name, *cells]) + " |"


def case_tasks(seeds: dict[str, list[Seed]], cases: int) -> list[tuple[str, int, int]]:
    """Return ``(format, seed index, case number)`` for ``cases`` cases per format, interleaved."""
    return [
        (form, number % len(seeds[form]), number)
        for number in range(cases)
        for form in seeds
    ]  # fmt: skip


def run_fuzz(
    seeds: dict[str, list[Seed]],
    cases: int,
    run_seed: int,
    workers: int,
    scratch: Path,
    limits: Limits = Limits(),  # noqa: B008 -- frozen, safe to share
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run ``cases`` mutants of every format's seeds; return the counts."""
    started = time.monotonic()
    tasks = case_tasks(seeds, cases)
    results = Results(counts={form: Counter() for form in seeds})
    pool = _Pool(seeds, run_seed, workers, scratch, limits)
    done = 0
    try:
        for form, number, operator, outcome in pool.run(tasks):
            results.add(form, number, operator, outcome)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    finally:
        pool.close()
    results.seconds = time.monotonic() - started
    return results


class _Pool:
    """Forked workers, each fed one case at a time through a pipe."""

    def __init__(
        self, seeds: dict[str, list[Seed]], run_seed: int, size: int, scratch: Path, limits: Limits
    ) -> None:
        self.seeds, self.run_seed, self.limits = seeds, run_seed, limits
        self.scratch = scratch
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker | None] = [None] * size
        self.started = 0

    def run(self, tasks: list[tuple[str, int, int]]) -> Any:
        pending = list(reversed(tasks))
        busy: dict[int, tuple[tuple[str, int, int], float]] = {}
        while pending or busy:
            for slot in range(len(self.workers)):
                if slot not in busy and pending:
                    worker = self._worker(slot)
                    task = pending.pop()
                    try:
                        worker.connection.send(task)
                    except OSError:
                        pending.append(task)  # it died between cases: the next worker runs it
                        self._retire(slot)
                        continue
                    busy[slot] = (task, time.monotonic() + self.limits.wall_seconds)
            ready = wait([self._alive(slot).connection for slot in busy], timeout=1.0)
            for slot in list(busy):
                worker = self._alive(slot)
                task, deadline = busy[slot]
                if worker.connection in ready:
                    try:
                        *reply, last = worker.connection.recv()
                    except (EOFError, OSError):
                        reply, last = [*task[::2], "?", self._died(slot)], False
                    del busy[slot]
                    if last:
                        self._retire(slot)
                    yield tuple(reply)
                elif time.monotonic() > deadline:
                    self._kill(slot)
                    del busy[slot]
                    yield (*task[::2], "?", Outcome(HANG, "wall-clock limit"))

    def _worker(self, slot: int) -> _Worker:
        worker = self.workers[slot]
        if worker is None or not worker.process.is_alive():
            if worker is not None:
                worker.connection.close()
            parent, child = self.context.Pipe()
            directory = self.scratch / f"worker-{slot}-{self.started}"
            self.started += 1
            process = self.context.Process(
                target=_serve, args=(child, self.seeds, self.run_seed, directory, self.limits),
                daemon=True,
            )  # fmt: skip
            process.start()
            child.close()
            worker = self.workers[slot] = _Worker(process, parent)
        return worker

    def _alive(self, slot: int) -> _Worker:
        worker = self.workers[slot]
        assert worker is not None
        return worker

    def _died(self, slot: int) -> Outcome:
        worker = self._alive(slot)
        worker.process.join(5)
        code = worker.process.exitcode
        self.workers[slot] = None
        if code == -signal.SIGXCPU:
            return Outcome(HANG, "CPU limit (SIGXCPU)")
        if code == -signal.SIGKILL:
            return Outcome(MEMORY, "killed (SIGKILL)")
        return Outcome(CRASH, f"worker died, exit {code}")

    def _retire(self, slot: int) -> None:
        worker = self._alive(slot)
        worker.process.join(10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(5)
        worker.connection.close()
        self.workers[slot] = None

    def _kill(self, slot: int) -> None:
        worker = self._alive(slot)
        worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        self.workers[slot] = None

    def close(self) -> None:
        for slot, worker in enumerate(self.workers):
            if worker is not None:
                try:
                    worker.connection.send(None)
                except OSError:
                    pass
                worker.process.join(10)
                if worker.process.is_alive():
                    self._kill(slot)


@dataclass(slots=True)
class _Worker:
    process: Any
    connection: Connection


def _serve(
    connection: Connection, seeds: dict[str, list[Seed]], run_seed: int, scratch: Path,
    limits: Limits,
) -> None:  # fmt: skip
    """Run cases sent through ``connection`` until told to stop or a limit was reached."""
    _set_limits(limits)
    scratch.mkdir(parents=True, exist_ok=True)
    cases = CaseMaker(seeds, run_seed, scratch)
    try:
        for count in range(1, _RECYCLE_AFTER + 1):
            task = connection.recv()
            if task is None:
                break
            form, index, number = task
            operator, outcome = cases.run(form, index, number, limits.cpu_seconds)
            # The state of a process that ran out of time or memory may not be trusted.
            last = count == _RECYCLE_AFTER or outcome.api in (HANG, MEMORY)
            connection.send((form, number, operator, outcome, last))
            if last:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _set_limits(limits: Limits) -> None:
    virtual = _address_space()
    resource.setrlimit(resource.RLIMIT_AS, (virtual + limits.memory_bytes,) * 2)
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)
    backstop = spent + int(limits.cpu_seconds * 4 * _RECYCLE_AFTER)
    resource.setrlimit(resource.RLIMIT_CPU, (backstop, backstop + 10))
    signal.signal(signal.SIGVTALRM, _on_alarm)


def _address_space() -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"VmSize:\s+(\d+) kB", status)
    return int(match.group(1)) * 1024 if match else 0


def _on_alarm(signum: int, frame: object) -> None:
    raise CaseTimeout()


@dataclass(slots=True)
class _Prepared:
    plain: bytes  # the target's bytes, decompressed
    data: bytes  # the target's bytes as stored
    compression: str | None
    values: list[str]
    original: Any  # the seed's Snapshot
    workspace: Path  # where the mutant goes: a file, or a copy of the Lino dump
    target: Path


class CaseMaker:
    """Make and run the cases of one worker, keeping each seed's reading and workspace."""

    def __init__(self, seeds: dict[str, list[Seed]], run_seed: int, scratch: Path) -> None:
        self.seeds, self.run_seed, self.scratch = seeds, run_seed, scratch
        self.prepared: dict[tuple[str, int], _Prepared] = {}

    def mutant(self, form: str, index: int, number: int) -> tuple[Seed, _Prepared, Mutant]:
        """Return the seed, its preparation and the mutant of case ``number``."""
        seed = self.seeds[form][index]
        prepared = self._prepare(form, index, seed)
        rng = random.Random(f"{self.run_seed}:{form}:{number}")
        mutant = mutate(
            rng, prepared.data, token_family(seed.reader), prepared.compression, prepared.values
        )
        return seed, prepared, mutant

    def run(self, form: str, index: int, number: int, cpu: float) -> tuple[str, Outcome]:
        seed, prepared, mutant = self.mutant(form, index, number)
        prepared.target.write_bytes(mutant.data)
        try:
            return mutant.operator, self._outcome(seed, prepared, mutant, cpu)
        finally:
            prepared.target.write_bytes(prepared.data)

    def _outcome(self, seed: Seed, prepared: _Prepared, mutant: Mutant, cpu: float) -> Outcome:
        try:
            signal.setitimer(signal.ITIMER_VIRTUAL, cpu)
            snapshot = read_fully(prepared.workspace, seed.reader)
            api, detail = ACCEPTED, ""
        except BaseException as err:  # classified, including the alarm and MemoryError
            api, detail = classify_error(err)
            snapshot = None
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        if api in (HANG, MEMORY):
            return Outcome(api, detail)
        try:
            signal.setitimer(signal.ITIMER_VIRTUAL, cpu * 3)
            wrong = None
            if snapshot is not None:
                wrong = self._wrong_reading(seed, prepared, mutant, snapshot)
            cli_problem, cli_wrong = check_cli(seed.source, prepared.workspace, api)
        except CaseTimeout:
            return Outcome(api, detail, cli_problem="CPU time limit in an oracle or the CLI")
        except MemoryError:
            return Outcome(api, detail, cli_problem="memory limit in an oracle or the CLI")
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        return Outcome(api, detail, wrong or cli_wrong, cli_problem)

    def _wrong_reading(
        self, seed: Seed, prepared: _Prepared, mutant: Mutant, snapshot: Any
    ) -> str | None:
        if mutant.changed_value is not None:
            wrong = check_letter(prepared.original, snapshot, *mutant.changed_value)
            if wrong:
                return wrong
        if seed.reader == "lino":
            return check_lino_file(prepared.target, snapshot)
        if seed.reader == "sqlite-dump":
            return check_sqlite_dump(prepared.target, snapshot, self.scratch)
        return None

    def _prepare(self, form: str, index: int, seed: Seed) -> _Prepared:
        key = (form, index)
        if key not in self.prepared:
            suffix = seed.target.suffix.lstrip(".")
            compression = suffix if suffix in _COMPRESSIONS else None
            data = seed.target.read_bytes()
            plain = decompress(data, compression) if compression else data
            if seed.source.is_dir():
                workspace = self.scratch / f"{form.replace(' ', '-').replace('.', '')}-{index}"
                if not workspace.exists():
                    shutil.copytree(seed.source, workspace)
                target = workspace / seed.target.name
            else:
                workspace = target = self.scratch / seed.source.name
                target.write_bytes(data)
            original = read_fully(seed.source, seed.reader)
            values = _letter_candidates(plain, original)
            self.prepared[key] = _Prepared(
                plain, data, compression, values, original, workspace, target
            )
        return self.prepared[key]


_PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z ]{5,}")


def _letter_candidates(plain: bytes, snapshot: Any) -> list[str]:
    """Return string values that occur once in the text and name nothing (no column, no table)."""
    names = set(snapshot.tables)
    found: set[str] = set()
    for table in snapshot.tables.values():
        names.update(table.column_names)
        for row in table.decode().values():
            found.update(
                value for value in row if isinstance(value, str) and _PLAIN_WORDS.fullmatch(value)
            )
    return sorted(
        value
        for value in found - names
        if plain.count(value.encode()) == 1
        and _DELIMITED(value).search(plain)  # a whole value, not part of a longer one
        and not any(value in name for name in names)
    )[:300]


def _DELIMITED(value: str) -> re.Pattern[bytes]:  # noqa: N802 -- reads as a pattern
    return re.compile(rb"(?<![\w ])" + re.escape(value.encode()) + rb"(?![\w ])")


def default_workers() -> int:
    """Return the number of workers: the cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
