"""The command line never crashes on what it prints, and says "bug" for its own faults.

Run as a user runs it, in a subprocess with a pipe for stdout, where
UTF-8 is strict: names and values from a dump with terminal escape codes
or lone surrogates are printed escaped, and an unexpected exception is one
line with a hint to report it, exit status 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import repairkit.cli
from repairkit.cli import main
from repairkit.terminal import escape_unsafe

HOSTILE_LABEL = "app.th\x1b]0;owned\x07ing"


def fixture(path: Path, name: str) -> Path:
    # json.dumps writes the lone surrogate and the escape codes as \u escapes, as JSON allows.
    objects = [{"model": HOSTILE_LABEL, "pk": 1, "fields": {"name": name}}]
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


def run_repairkit(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    return subprocess.run(
        [sys.executable, "-m", "repairkit", *args], capture_output=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_escape_codes_and_lone_surrogates_are_printed_escaped(
    tmp_path: Path, output_format: str
) -> None:
    old = fixture(tmp_path / "old.json", "Belgium")
    new = fixture(tmp_path / "new.json", "Bel\ud800gium\x1b[2J\x9b")
    result = run_repairkit("diff", str(old), str(new), "--format", output_format)
    assert result.returncode == 1, result.stderr
    assert not any(byte < 0x20 and byte not in b"\n\t" for byte in result.stdout)
    text = result.stdout.decode("utf-8")  # strict: no surrogate reached the pipe
    assert "\x9b" not in text
    assert "app_th\\u001b]0;owned\\u0007ing" in text
    if output_format == "json":
        changed = json.loads(text)["tables"]["app_th\x1b]0;owned\x07ing"]["changed"]
        assert changed[0]["fields"]["name"] == ["Belgium", "Bel\ud800gium\x1b[2J\x9b"]


def test_an_error_message_naming_a_hostile_file_is_printed_escaped(tmp_path: Path) -> None:
    # A bell rather than a colour code: click itself strips colour codes from a pipe.
    path = tmp_path / "a\x07b.json"
    path.write_text("[{]", encoding="utf-8")
    result = run_repairkit("diff", str(path), str(path))
    assert result.returncode == 2
    assert b"\x07" not in result.stderr
    assert "a\\u0007b.json:1: not valid JSON" in result.stderr.decode("utf-8")


def test_an_unexpected_exception_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(repairkit.cli, "diff_snapshots", broken)
    path = fixture(tmp_path / "a.json", "Belgium")
    with pytest.raises(SystemExit) as caught:
        main(["diff", str(path), str(path)])
    assert caught.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "repairkit: internal error: RuntimeError: boom"
    assert lines[1].startswith("This is a bug in repairkit: please report it")
    assert len(lines) == 2


def test_max_decompressed_is_checked_and_documented() -> None:
    result = run_repairkit("--max-decompressed", "lots", "diff", "a", "b")
    assert result.returncode == 2
    assert b"not a size: 'lots'" in result.stderr
    help_text = run_repairkit("--help").stdout.decode()
    assert "--max-decompressed" in help_text and "Example:" in help_text


def test_escaping_keeps_tab_and_newline_and_escapes_the_rest() -> None:
    assert (
        escape_unsafe("a\tb\nc\rd\x00\x7f\x85\ud800é")
        == "a\tb\nc\\u000dd\\u0000\\u007f\\u0085\\ud800é"
    )
