"""Every output form writes, for the shipped demo plan, exactly the committed golden files.

A change to a writer shows up here as a diff of what users get; when it is
meant, regenerate with ``python tests/files/golden/regenerate.py`` and
review ``git diff tests/files/golden`` before committing.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from .golden_forms import GOLDEN_FORMS, emitted_files

GOLDEN = Path(__file__).resolve().parent / "files" / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN_FORMS))
def test_the_form_writes_the_golden_files(name: str) -> None:
    files = emitted_files(name)
    golden = {path.name: path.read_text(encoding="utf-8") for path in (GOLDEN / name).iterdir()}
    assert sorted(files) == sorted(golden), "files differ: run tests/files/golden/regenerate.py"
    for file_name, text in files.items():
        if text != golden[file_name]:
            diff = difflib.unified_diff(
                golden[file_name].splitlines(), text.splitlines(), "golden", "now", lineterm="", n=1
            )
            shown = "\n".join(list(diff)[:30])
            pytest.fail(f"{name}/{file_name} differs (regenerate and review if meant):\n{shown}")
