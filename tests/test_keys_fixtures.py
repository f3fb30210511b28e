"""Fixtures as backups of the keysite: real keys restored, natural keys resolved or refused.

A plain ``dumpdata`` fixture keys every row by its pk; a
``--natural-foreign --natural-primary`` one keys users, groups and
permissions by natural key. Merged against the damaged live database
(SQLite, the reader does not depend on the engine), the natural keys that
the live database still has resolve to its real keys, so alice's lost
membership comes back as ``(1, 1)``; bob, deleted, is known only as
``natural:('bob')``: his row and every row pointing at him are left out as
``unresolved_key``, by name, and nothing is written into an integer column.

``keysite.item`` is not dumped: its tags (a list of text pks) are read as a
natural key from JSON alone (docs/formats.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from .test_keys_e2e import SETTINGS, Database, apply, differences, django, run, table_state

EMITS = ["restore-dir", "sql", "django", "fixture"]
MODELS = ["auth", "keysite.tag", "keysite.club", "keysite.membership", "keysite.shelf",
          "keysite.stock"]  # fmt: skip
NOT_DUMPED = {"keysite_item", "keysite_item_tags"}
BOB = 2

pytestmark = pytest.mark.slow


class SqliteSite:
    """The keysite on SQLite: its state before the accident, fixtures of it, the damaged file."""

    engine = "sqlite"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.before = Database("sqlite", str(work / "before.sqlite3"))
        django(self.before, "migrate", "-v0")
        django(self.before, "shell", "-c", "from keysite import populate; populate.fill()")
        self.fixtures = {"plain": work / "plain.json", "natural": work / "natural.json"}
        natural = ["--natural-foreign", "--natural-primary"]
        django(self.before, "dumpdata", *MODELS, "-o", str(self.fixtures["plain"]))
        django(self.before, "dumpdata", *natural, *MODELS, "-o", str(self.fixtures["natural"]))
        self.damaged = work / "damaged.sqlite3"
        self.damaged.write_bytes(Path(self.before.name).read_bytes())
        damaged = Database("sqlite", str(self.damaged))
        django(damaged, "shell", "-c", "from keysite import populate; populate.accident()")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SqliteSite:
    return SqliteSite(tmp_path_factory.mktemp("keysite-fixtures"))


def merge(
    site: SqliteSite, fixture: str, emit: str, tmp_path: Path, status: int = 0
) -> tuple[Database, Path]:
    target = Database("sqlite", str(tmp_path / "target.sqlite3"))
    Path(target.name).write_bytes(site.damaged.read_bytes())
    output = tmp_path / "repair"
    command = [
        sys.executable, "-m", "repairkit", "merge", str(site.fixtures[fixture]),
        "--current", target.url, "-o", str(output), "--emit", emit, "--settings", SETTINGS,
    ]  # fmt: skip
    if emit == "sql":
        command += ["--dialect", "sqlite"]
    run(command, target.environment(), status=status)
    return target, output


def dumped(state: dict[str, Any]) -> dict[str, Any]:
    return {name: rows for name, rows in state.items() if name not in NOT_DUMPED}


@pytest.mark.parametrize("emit", EMITS)
def test_a_plain_fixture_restores_every_key_exactly(
    site: SqliteSite, emit: str, tmp_path: Path
) -> None:
    target, output = merge(site, "plain", emit, tmp_path)
    apply(site, output, emit, target)
    assert differences(dumped(table_state(site.before)), dumped(table_state(target))) == {}


def without_bob(state: dict[str, Any], database: Database) -> dict[str, Any]:
    """Return the tables without bob's user row and the rows that point at him."""
    pointing = {"auth_user_groups": 0, "auth_user_user_permissions": 0}
    with database.connect() as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(keysite_membership)")]
    pointing["keysite_membership"] = columns.index("user_id")
    kept = {}
    for name, rows in dumped(state).items():
        if name == "auth_user":
            rows = [row for row in rows if row[0] != BOB]
        elif name in pointing:
            rows = [row for row in rows if row[pointing[name]] != BOB]
        kept[name] = rows
    return kept


@pytest.mark.parametrize("emit", EMITS)
def test_natural_keys_resolve_through_the_current_state_and_the_rest_is_refused_by_name(
    site: SqliteSite, emit: str, tmp_path: Path
) -> None:
    # Rows left out (bob, known only by his natural key): merge says so with exit status 3.
    target, output = merge(site, "natural", emit, tmp_path, status=3)
    plan = json.loads((output / "plan.json").read_text(encoding="utf-8"))
    left_out = {(row["table"], row["kind"]) for row in plan["left_out"]}
    assert left_out == {
        ("auth_user", "unresolved_key"), ("auth_user_groups", "unresolved_key"),
        ("auth_user_user_permissions", "unresolved_key"), ("keysite_membership", "unresolved_key"),
    }  # fmt: skip
    assert all("natural:('bob')" in row["detail"] for row in plan["left_out"])
    apply(site, output, emit, target)
    restored = table_state(target)
    expected = without_bob(table_state(site.before), site.before)
    assert differences(expected, without_bob(restored, target)) == {}
    assert (1, 1) in restored["auth_user_groups"]  # alice's lost membership, by real keys
