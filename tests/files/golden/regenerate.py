"""Write the golden files: the shipped demo plan in every output form (tests/test_golden_forms.py).

Usage, from the repository root, after a change that is meant to alter what
an output form writes::

    python tests/files/golden/regenerate.py

Then review ``git diff tests/files/golden``: every changed line is a change
in what users get, and the commit says why.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.golden_forms import GOLDEN_FORMS, emitted_files  # noqa: E402 -- after sys.path


def main() -> None:
    for name in GOLDEN_FORMS:
        folder = HERE / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for file_name, text in emitted_files(name).items():
            (folder / file_name).write_text(text, encoding="utf-8")
        print(f"wrote {folder.relative_to(HERE.parent.parent.parent)}/")


if __name__ == "__main__":
    main()
