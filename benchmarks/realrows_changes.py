"""Make the new state of the real rows: a copy of the old SQLite file with a fraction changed.

In each grown table, of ``fraction`` of its rows a quarter is deleted, a
quarter added and half changed, as dumpgen.py does with its synthetic rows,
but keeping the site consistent, as its own users would:

- **deleted**: a row picked in a table whose key is its own (not an
  inheritance child), with every row that points to it, through every
  foreign key, again and again (a voucher with its invoice, its items and
  its movements), as long as no table loses more than its quarter; a row
  that something outside the grown tables points to (a partner that is a
  user) is not picked;
- **added**: a copy of a row that stays, with the next free key, and of
  its inheritance children with that key too (a partner and its person);
- **changed**: one or two columns of a row that stays, chosen among those
  the site's models call free text (new text with accents and quotes, cut
  to the field's length), dates (moved by days), decimals (moved by a few
  units of their last place), booleans, and foreign keys (another row of
  the same table).

Every new value differs from the old once stored and once dumped (dump2py
writes datetimes to the second, so none is changed). The function returns
the changes, which is what a diff must find.
"""

from __future__ import annotations

import datetime
import random
import shutil
import sqlite3
from collections import deque
from decimal import Decimal
from pathlib import Path
from typing import Any

TEXT_FRAGMENTS = (
    "Müller & Söhne",
    "l'Église Saint-Rémy",
    'dit "le Grand"',
    "Straße 12 – Hinterhaus",
    "Ørsted's «café»",
    "voir facture n° 2024/17",
    "Zahlung offen seit März",
    "Déjà payé, d'après le client",
)
KINDS_CHANGED = ("text", "date", "decimal", "bool", "fk")


def quoted(name: str) -> str:
    """Return `name` as an SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


class SiteTables:
    """The keys, foreign keys and inheritance links of the tables of one SQLite file."""

    def __init__(self, db: sqlite3.Connection, grown: tuple[str, ...]) -> None:
        self.db, self.grown = db, grown
        tables = [
            name for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]  # fmt: skip
        self.pk = {t: self._pk(t) for t in tables}
        # table -> [(referencing table, column)]
        self.referrers: dict[str, list[tuple[str, str]]] = {t: [] for t in tables}
        self.fks: dict[str, dict[str, str]] = {}
        for t in tables:
            self.fks[t] = {r[3]: r[2] for r in db.execute(f"PRAGMA foreign_key_list({quoted(t)})")}
            for column, target in self.fks[t].items():
                self.referrers.setdefault(target, []).append((t, column))
        # An inheritance child's key is a foreign key to its parent.
        self.parent = {t: self.fks[t].get(self.pk[t] or "") for t in grown}
        self.children = {t: [c for c in grown if self.parent[c] == t and c != t] for t in grown}
        self.is_child = {t: self.parent[t] in grown for t in grown}
        self.unique = {t: self._unique_columns(t) for t in grown}

    def _unique_columns(self, table: str) -> set[str]:
        """Return the columns under a unique index of `table` other than its key."""
        found: set[str] = set()
        for index in self.db.execute(f"PRAGMA index_list({quoted(table)})").fetchall():
            if index[2] and index[3] != "pk":
                found.update(
                    c[2] for c in self.db.execute(f"PRAGMA index_info({quoted(index[1])})")
                )
        return found

    def _pk(self, table: str) -> str | None:
        keys = [r[1] for r in self.db.execute(f"PRAGMA table_info({quoted(table)})") if r[5]]
        return keys[0] if len(keys) == 1 else None

    def keys(self, table: str) -> list[Any]:
        pk = self.pk[table] or "rowid"
        return [
            k for (k,) in self.db.execute(f"SELECT {quoted(pk)} FROM {quoted(table)} ORDER BY 1")
        ]

    def cascade(self, table: str, key: Any) -> dict[str, set[Any]] | None:
        """Return the rows that deleting a row takes along; None if one is not in a grown table."""
        taken: dict[str, set[Any]] = {table: {key}}
        queue = deque([(table, key)])
        while queue:
            target, value = queue.popleft()
            for referrer, column in self.referrers.get(target, []):
                pk = self.pk[referrer]
                found = self.db.execute(
                    f"SELECT {quoted(pk or 'rowid')} FROM {quoted(referrer)} "
                    f"WHERE {quoted(column)} = ?", (value,)).fetchall()  # fmt: skip
                if not found:
                    continue
                if referrer not in self.grown:
                    return None
                for (row,) in found:
                    queue.extend(self._take(taken, referrer, row))
        return taken

    def _take(self, taken: dict[str, set[Any]], table: str, key: Any) -> list[tuple[str, Any]]:
        """Add a row to `taken`, with its inheritance parent; return the rows newly taken."""
        new = []
        while key not in taken.setdefault(table, set()):
            taken[table].add(key)
            new.append((table, key))
            if not self.is_child[table]:
                break
            # A child goes with its parent row (same key), as Django deletes them.
            table = self.parent[table] or ""
        return new


def new_value(info: dict[str, Any], value: Any, rng: random.Random, targets: list[Any]) -> Any:
    """Return a value of the column's kind that differs from `value`, also once dumped."""
    kind = info["kind"]
    if kind == "text":
        limit = info.get("max_length") or 10_000
        fragment = rng.choice(TEXT_FRAGMENTS)
        new = (f"{value} {fragment}" if value else fragment)[:limit]
        if new == value:  # already at the field's length
            new = (fragment + " " + value)[:limit]
        return new
    if kind == "date":
        day = datetime.date.fromisoformat(value) if value else datetime.date(2020, 1, 1)
        return (day + datetime.timedelta(days=rng.randint(1, 365))).isoformat()
    if kind == "decimal":
        places = info["decimal_places"]
        # repr() of a REAL is the shortest text that reads back as it: the stored decimal.
        old = (
            Decimal(0)
            if value is None
            else Decimal(value if isinstance(value, str) else repr(value))
        )
        step = Decimal(rng.randint(1, 999)).scaleb(-places)
        return str((old + step).quantize(Decimal(1).scaleb(-places)))
    if kind == "bool":
        return 0 if value else 1
    new = value
    while new == value:
        new = rng.choice(targets)
    return new


def _changeable(
    tables: SiteTables, table: str, columns: dict[str, Any], targets: dict[str, list[Any]]
) -> list[str]:
    """Return the columns of `table` that may be changed."""
    found = []
    for column, info in sorted(columns.items()):
        if column == tables.pk[table] or info["kind"] not in KINDS_CHANGED:
            continue
        if column in tables.unique[table]:  # a new value could be another row's
            continue
        if info["kind"] == "fk":
            target = tables.fks[table].get(column)
            if target is None or target == "django_content_type" or len(targets[target]) < 2:
                continue
        found.append(column)
    return found


def _delete(
    tables: SiteTables,
    table: str,
    quota: dict[str, int],
    rng: random.Random,
    gone: dict[str, set[Any]],
) -> None:
    """Pick rows of `table` to delete, each with what it takes along, into `gone`.

    No table loses more than its `quota`: a row whose deletion would take too
    many (a partner with many invoices) is left, and the picking stops after
    a bounded number of tries.
    """
    keys = tables.keys(table)
    rng.shuffle(keys)
    for key in keys[: 100 + 20 * quota[table]]:
        if len(gone.get(table, ())) >= quota[table]:
            break
        if key in gone.get(table, ()):
            continue
        taken = tables.cascade(table, key)
        if taken is None or any(
            len(gone.get(t, set()) | rows) > quota.get(t, 0) for t, rows in taken.items()
        ):
            continue
        for t, rows in taken.items():
            gone.setdefault(t, set()).update(rows)


def change_database(
    old: Path,
    new: Path,
    columns: dict[str, Any],
    grown: tuple[str, ...],
    fraction: float,
    seed: int,
) -> dict[str, Any]:
    """Write `new` as `old` with `fraction` of the grown rows changed; return the changes.

    The changes are per table: deleted and added keys, and for each changed
    row (key as text) its changed columns, sorted, as bench_diff.py checks them.
    """
    new.unlink(missing_ok=True)
    shutil.copyfile(old, new)
    rng = random.Random(f"{seed}:real-rows")
    db = sqlite3.connect(new)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        tables = SiteTables(db, grown)
        sizes = {t: db.execute(f"SELECT count(*) FROM {quoted(t)}").fetchone()[0] for t in grown}
        last_keys = {t: max(tables.keys(t), default=0) for t in grown}
        gone: dict[str, set[Any]] = {}
        quota = {t: round(sizes[t] * fraction) // 4 for t in grown}
        for table in grown:  # parents first: what they take along counts in their children
            if not tables.is_child[table]:
                _delete(tables, table, quota, rng, gone)
        expected: dict[str, Any] = {
            t: {"deleted": sorted(gone.get(t, ())), "added": [], "changed": {}} for t in grown
        }
        targets = {
            t: [k for k in tables.keys(t) if k not in gone.get(t, ())]
            for t in tables.pk if tables.pk[t] is not None
        }  # fmt: skip
        for table, rows in gone.items():
            pk = quoted(tables.pk[table] or "rowid")
            db.executemany(f"DELETE FROM {quoted(table)} WHERE {pk} = ?", [(r,) for r in rows])
        for table in grown:
            if not tables.is_child[table]:
                count = round(sizes[table] * fraction) // 4
                _add(tables, table, count, rng, targets, last_keys, expected)
        for table in grown:
            total = round(sizes[table] * fraction)
            count = total - 2 * (total // 4) if not tables.is_child[table] else total // 2
            _change(tables, table, columns[table], count, rng, targets, expected[table])
        db.commit()
        broken = db.execute("PRAGMA foreign_key_check").fetchmany(3)
        if broken:
            raise RuntimeError(f"changing broke foreign keys, e.g. {broken}")
    finally:
        db.close()
    return {t: e for t, e in expected.items() if e["deleted"] or e["added"] or e["changed"]}


def _add(
    tables: SiteTables,
    table: str,
    count: int,
    rng: random.Random,
    targets: dict[str, list[Any]],
    last_keys: dict[str, int],
    expected: dict[str, Any],
) -> None:
    """Add `count` copies of rows that stay, with the next free keys, children along."""
    db = tables.db
    pk = tables.pk[table]
    assert pk is not None
    # After the largest key of the old state: a deleted key comes back as another row.
    next_key = max(last_keys[t] for t in [table, *tables.children[table]]) + 1
    sources = rng.sample(targets[table], min(count, len(targets[table])))
    for source in sources:
        for t in [table, *tables.children[table]]:
            names = [r[1] for r in db.execute(f"PRAGMA table_info({quoted(t)})")]
            key = quoted(tables.pk[t] or "rowid")
            values = ", ".join(
                "?" if n == tables.pk[t]
                else f"{quoted(n)} || ' +{next_key}'" if n in tables.unique[t]
                else quoted(n)
                for n in names
            )  # fmt: skip
            done = db.execute(
                f"INSERT INTO {quoted(t)} SELECT {values} FROM {quoted(t)} WHERE {key} = ?",
                (next_key, source),
            )
            if done.rowcount:
                expected[t]["added"].append(next_key)
        next_key += 1


def _change(
    tables: SiteTables,
    table: str,
    columns: dict[str, Any],
    count: int,
    rng: random.Random,
    targets: dict[str, list[Any]],
    expected: dict[str, Any],
) -> None:
    """Change one or two columns of `count` rows of `table` that stay."""
    db = tables.db
    pk = tables.pk[table]
    assert pk is not None
    changeable = _changeable(tables, table, columns, targets)
    if not changeable:
        return
    for key in rng.sample(targets[table], min(count, len(targets[table]))):
        picked = rng.sample(changeable, min(len(changeable), 1 + (rng.random() < 0.5)))
        row = db.execute(
            f"SELECT {', '.join(map(quoted, picked))} FROM {quoted(table)} WHERE {quoted(pk)} = ?",
            (key,),
        ).fetchone()
        values = []
        for column, value in zip(picked, row, strict=True):
            target = tables.fks[table].get(column)
            values.append(new_value(columns[column], value, rng, targets.get(target or "", [])))
        assignments = ", ".join(f"{quoted(c)} = ?" for c in picked)
        db.execute(
            f"UPDATE {quoted(table)} SET {assignments} WHERE {quoted(pk)} = ?", (*values, key)
        )
        expected["changed"][str(key)] = sorted(picked)
