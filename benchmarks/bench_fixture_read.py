"""What diffing two dumpdata JSON fixtures costs: wall time and peak memory, two builds.

Writes two fixtures in the exact shape of ``manage.py dumpdata --indent 2``
(generated here, not by Django, so that a million objects take seconds to
write): a partner table with accented names, dates, datetimes, decimals
(as dumpdata writes them, text), booleans, nulls and a foreign key, plus
a small table with a many-to-many list. The second differs in ``--changed``
of its objects (edited, deleted or added). Then runs ``repairkit diff OLD
NEW --format json`` with each given build, in the same run, and prints wall
time and peak RSS of each.

    python benchmarks/bench_fixture_read.py --rows 200000 \\
        --build /work/main/.venv/bin/repairkit --build .venv/bin/repairkit
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
from typing import Any

_NAMES = ["Ärgerlich", "Beaufils", 'Cœur "le" Grand', "Dvořák", "Évrard", "Fröhlich", "Ní Bhriain"]


def _partner(rng: random.Random, pk: int) -> dict[str, Any]:
    return {
        "model": "contacts.partner",
        "pk": pk,
        "fields": {
            "name": f"{rng.choice(_NAMES)} {pk}",
            "email": f"p{pk}@example.org" if rng.random() < 0.8 else "",
            "country": rng.choice(["BE", "EE", "DE", None]),
            "city": rng.randint(1, 500) if rng.random() < 0.9 else None,
            "birth_date": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "created": f"2024-05-0{rng.randint(1, 9)}T12:{rng.randint(10, 59)}:07.123Z",
            "balance": f"{rng.randint(-9999, 99999)}.{rng.randint(10, 99)}",
            "is_active": rng.random() < 0.9,
            "remarks": "",
        },
    }


def _group(rng: random.Random, pk: int) -> dict[str, Any]:
    return {
        "model": "lists.list",
        "pk": pk,
        "fields": {"name": f"List {pk}", "members": sorted(rng.sample(range(1, 2000), 3))},
    }


def write_fixtures(workdir: Path, rows: int, changed: float, seed: int) -> tuple[Path, Path]:
    """Write OLD.json and NEW.json; NEW differs from OLD in ``changed`` of the objects."""
    rng = random.Random(seed)
    old = [_partner(rng, pk) for pk in range(1, rows + 1)]
    old += [_group(rng, pk) for pk in range(1, rows // 100 + 1)]
    new = [json.loads(json.dumps(obj)) for obj in old]
    for index in rng.sample(range(len(new)), int(len(new) * changed)):
        obj = new[index]
        if obj["model"] == "contacts.partner":
            obj["fields"]["name"] += " (moved)"
        else:
            obj["fields"]["members"] = obj["fields"]["members"][1:]
    paths = workdir / "OLD.json", workdir / "NEW.json"
    for path, objects in zip(paths, (old, new), strict=True):
        with path.open("w", encoding="utf-8") as out:
            json.dump(objects, out, indent=2, ensure_ascii=False)
    return paths


def measure(command: list[str]) -> tuple[float, float]:
    """Run ``command`` in a child; return its wall seconds and peak RSS in MB."""
    start = time.perf_counter()
    code = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(0 if p.returncode in (0, 1) else p.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *command], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--build", action="append", required=True, help="a repairkit executable")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old, new = write_fixtures(Path(tmp), args.rows, args.changed, args.seed)
        size = old.stat().st_size / 1e6
        print(f"{args.rows} partner objects (+{args.rows // 100} lists), {size:.0f} MB each")
        for run in range(args.runs):
            for build in args.build:
                wall, peak = measure([build, "diff", str(old), str(new), "--format", "json"])
                print(f"run {run + 1}  {build}: {wall:.2f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
