"""What showing a changed JSON value as its changed paths costs, ours against deepdiff's.

Writes two dumpdata fixtures of one JSON-heavy table (every row a settings
document of about 40 keys, lists and nested objects; ``--changed`` of the
rows edited in one to three places), then times:

- ``repairkit diff --format json`` and ``--format text`` on them, whole;
- the changed-path walk alone (``repairkit.value_paths``) on the changed pairs;
- deepdiff's ``DeepDiff`` on the same pairs, and its import, if it is installed.

    python benchmarks/bench_json_paths.py --rows 20000 --changed 0.25
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.value_paths import changed_paths


def settings(rng: random.Random, row: int) -> dict[str, object]:
    return {
        "theme": rng.choice(["dark", "light"]),
        "lang": rng.choice(["en", "de", "fr", "et"]),
        "tags": [f"t{rng.randrange(50)}" for _ in range(rng.randrange(1, 8))],
        "layout": {"columns": [{"name": f"c{i}", "width": rng.randrange(400)} for i in range(6)]},
        **{f"option_{i}": rng.random() < 0.5 for i in range(30)},
        "row": row,
    }


def edit(rng: random.Random, document: dict[str, object]) -> dict[str, object]:
    edited = json.loads(json.dumps(document))
    for _ in range(rng.randrange(1, 4)):
        place = rng.randrange(3)
        if place == 0:
            edited["theme"] = "light" if edited["theme"] == "dark" else "dark"
        elif place == 1:
            edited["tags"] = [*edited["tags"], "new"]
        else:
            edited["layout"]["columns"][rng.randrange(6)]["width"] += 10
    return edited


def write_fixtures(directory: Path, rows: int, changed: float) -> tuple[Path, Path, list[tuple]]:
    rng = random.Random(13)
    old_rows, new_rows, pairs = [], [], []
    for pk in range(1, rows + 1):
        document = settings(rng, pk)
        new_document = edit(rng, document) if rng.random() < changed else document
        if new_document is not document:
            pairs.append((json.dumps(document), json.dumps(new_document)))
        for target, value in ((old_rows, document), (new_rows, new_document)):
            target.append({"model": "app.profile", "pk": pk, "fields": {"settings": value}})
    old, new = directory / "old.json", directory / "new.json"
    old.write_text(json.dumps(old_rows))
    new.write_text(json.dumps(new_rows))
    return old, new, pairs


def timed(function: object, *args: object) -> float:
    started = time.perf_counter()
    function(*args)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--changed", type=float, default=0.25)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old, new, pairs = write_fixtures(Path(scratch), options.rows, options.changed)
        size = old.stat().st_size / 1e6
        print(f"{options.rows} rows ({size:.1f} MB a fixture), {len(pairs)} changed documents")
        for form in ("json", "text", "html"):
            seconds = timed(CliRunner().invoke, cli, ["diff", str(old), str(new), "--format", form])
            print(f"repairkit diff --format {form}: {seconds:.2f} s")
    loaded = [(json.loads(a), json.loads(b)) for a, b in pairs]
    from repairkit.snapshot import JsonValue

    values = [(JsonValue(a), JsonValue(b)) for a, b in pairs]
    ours = timed(lambda: [changed_paths(a, b) for a, b in values])
    print(f"changed_paths (parse and walk): {ours:.2f} s, {ours / len(pairs) * 1e6:.0f} µs a pair")
    try:
        from deepdiff import DeepDiff
    except ImportError:
        print("deepdiff is not installed: pip install deepdiff to compare")
        return
    theirs = timed(lambda: [DeepDiff(a, b, verbose_level=2) for a, b in loaded])
    print(f"DeepDiff (walk only): {theirs:.2f} s, {theirs / len(pairs) * 1e6:.0f} µs a pair")
    command = [sys.executable, "-X", "importtime", "-c", "import deepdiff"]
    lines = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    print(f"import deepdiff: {int(lines.splitlines()[-1].split('|')[1]) / 1000:.0f} ms")


if __name__ == "__main__":
    main()
