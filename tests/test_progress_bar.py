"""Progress on long work: a bar on a terminal's standard error, nothing anywhere else.

The command runs in a real child process whose standard error is a
pseudo-terminal (``pty``), as in a maintainer's shell, and again with
everything piped, as in a script or CI; standard output must be the same
bytes either way.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.progress import ProgressStep
from repairkit.readers import read_snapshot

from .conftest import FIXTURES

BACKUP, CURRENT = str(FIXTURES / "backup"), str(FIXTURES / "current")
TIMEOUT = 120
ESCAPE = b"\x1b["


def run_on_terminal(*args: str) -> tuple[int, bytes, bytes]:
    """Run ``repairkit ARGS`` with stderr on a pseudo-terminal; return status, stdout, stderr."""
    terminal, child_side = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120")
    child = subprocess.Popen(
        [sys.executable, "-m", "repairkit", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=child_side, env=env,
    )  # fmt: skip
    os.close(child_side)
    assert child.stdout is not None
    output = {child.stdout.fileno(): b"", terminal: b""}
    # Both read as they come: a full terminal buffer would block the child.
    open_ends = list(output)
    while open_ends:
        ready, _, _ = select.select(open_ends, [], [], TIMEOUT)
        assert ready, "the command hangs"
        for end in ready:
            try:
                chunk = os.read(end, 65536)
            except OSError:  # the terminal's side reads EIO once the child has closed it
                chunk = b""
            if chunk:
                output[end] += chunk
            else:
                open_ends.remove(end)
    status = child.wait(TIMEOUT)
    os.close(terminal)
    return status, output[child.stdout.fileno()], output[terminal]


def run_piped(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "repairkit", *args],
        capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def test_diff_draws_a_bar_on_a_terminal_and_stdout_is_the_same_bytes_piped() -> None:
    status, stdout, stderr = run_on_terminal("diff", BACKUP, CURRENT, "--jobs", "1")
    piped = run_piped("diff", BACKUP, CURRENT, "--jobs", "1")
    assert status == piped.returncode == 1
    assert stdout == piped.stdout
    assert b"Differences from backup to current" in stdout
    assert ESCAPE not in stdout
    # The bar: each stage, files and tables done of all, rows so far.
    for shown in (b"reading backup", b"reading current", b"comparing", b"12/12", b"files"):
        assert shown in stderr
    assert b"rows" in stderr and ESCAPE in stderr
    # Piped, nothing at all on stderr.
    assert piped.stderr == b""


def test_quiet_draws_no_bar_even_on_a_terminal() -> None:
    status, stdout, stderr = run_on_terminal("diff", BACKUP, CURRENT, "--quiet", "--jobs", "1")
    assert status == 1
    assert stderr == b""
    assert stdout == run_piped("diff", BACKUP, CURRENT, "--jobs", "1").stdout


def test_merge_shows_reading_planning_and_writing(tmp_path: Path) -> None:
    output = tmp_path / "repair"
    status, stdout, stderr = run_on_terminal(
        "merge", BACKUP, "--current", CURRENT, "-o", str(output), "--jobs", "1"
    )
    assert status == 0, stderr
    for shown in (b"reading backup", b"planning", b"4/4", b"writing"):
        assert shown in stderr
    quiet = run_on_terminal(
        "merge", BACKUP, "--current", CURRENT, "-o", str(tmp_path / "again"), "-q", "--jobs", "1"
    )
    assert quiet[0] == 0 and quiet[2] == b""
    assert quiet[1] == stdout.replace(str(output).encode(), str(tmp_path / "again").encode())


def test_history_shows_the_backups_read_and_quiet_silences_it() -> None:
    args = ("history", BACKUP, "--current", CURRENT, "--table", "repairdemo_partner")
    status, stdout, stderr = run_on_terminal(*args)
    assert status == 0 and b"reading backup" in stderr and b"reading current" in stderr
    assert run_on_terminal(*args, "--quiet")[1:] == (stdout, b"")


def test_the_library_reports_progress_to_a_callback_and_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    steps: list[ProgressStep] = []
    old = read_snapshot(BACKUP, progress=steps.append)
    rows = [{"model": "app.note", "pk": pk, "fields": {"text": "x"}} for pk in (1, 2, 3)]
    (tmp_path / "notes.json").write_text(json.dumps(rows), encoding="utf-8")
    read_snapshot(tmp_path / "notes.json", progress=steps.append)
    assert steps[0] == ProgressStep("reading backup", 0, 12, "files")
    lino_done = [step for step in steps if step.stage == "reading backup"][-1]
    assert (lino_done.done, lino_done.rows) == (12, sum(len(t) for t in old.tables.values()))
    assert steps[-2:] == [
        ProgressStep("reading notes.json", 0, 1, "files"),
        ProgressStep("reading notes.json", 1, 1, "files", 3),
    ]
    database = f"sqlite:///{FIXTURES / 'current.sqlite3'}"
    read_snapshot(database, progress=steps.append)
    assert steps[-1].stage == "reading sqlite database"  # a URL may hold a password
    steps.clear()
    diff_snapshots(old, old, progress=steps.append)
    assert [step.done for step in steps] == list(range(len(old.tables) + 1))
    assert steps[-1].rows == sum(len(t) for t in old.tables.values())
    assert capfd.readouterr() == ("", "")


def test_version_starts_without_rich() -> None:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "repairkit", "--version"],
        capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    modules = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    assert "repairkit.cli" in modules
    assert not {name for name in modules if name.split(".")[0] == "rich"}
