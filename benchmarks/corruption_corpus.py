"""Make a damaged copy of a real Lino dump, and know exactly what was damaged.

``make_corpus(source, target, seed)`` copies the dump2py directory
``source`` (by default the real demo dump ``fixtures/backup``) to ``target``
and changes it there the way real accidents and a real working day do, with
a seeded random generator:

- damage: blanked values (a bulk update on many rows, two columns at once,
  and single values), text cut at a column width and single values cut
  inside a word, mojibake (UTF-8 read as cp1252), letters replaced by ``?``
  or U+FFFD, rows deleted under the rows that point to them (a raw SQL
  DELETE that bypasses the cascades), and one value set on many rows;
- legitimate activity: a moved partner, corrected spellings, new prices,
  new email addresses, a company name shortened after a whole word, a
  longer name, flags set, delivery times filled in, an order with items
  and a note added.

No row is touched twice. It returns the ground truth: for every changed
value ``(table, column, pk)`` the kind of damage, or ``"edit"``. The links
of the demo schema are written down here rather than taken from
repairkit, so that the truth does not depend on the code it measures.

The damaged copy is written by ``dump_rewrite.write_dump``.
"""

from __future__ import annotations

import datetime
import random
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dump_rewrite import write_dump

from repairkit.diff import diff_snapshots
from repairkit.findings import FINDING_KINDS, FindingKind, find_findings
from repairkit.readers import read_snapshot
from repairkit.snapshot import ContentTypeRef, Pk, Snapshot, Value

REPO = Path(__file__).resolve().parent.parent
DEMO_DUMP = REPO / "fixtures" / "backup"
EDIT = "edit"
# Every kind the table knows is injected and scored (repairkit.findings.kinds).
KINDS = tuple(kind.value for kind in FINDING_KINDS)

# Foreign keys of the demo site: (table, column) -> referenced table.
LINKS = {
    ("repairdemo_person", "partner_ptr_id"): "repairdemo_partner",
    ("repairdemo_company", "partner_ptr_id"): "repairdemo_partner",
    ("repairdemo_partner", "country_id"): "repairdemo_country",
    ("repairdemo_order", "partner_id"): "repairdemo_partner",
    ("repairdemo_orderitem", "order_id"): "repairdemo_order",
    ("repairdemo_orderitem", "product_id"): "repairdemo_product",
    ("repairdemo_product", "category_id"): "repairdemo_category",
    ("repairdemo_category", "parent_id"): "repairdemo_category",
}
# The generic foreign key: (table, content type column, object id column).
GENERIC_LINKS = [("repairdemo_note", "owner_type_id", "owner_id")]
TEXT_COLUMNS = {
    "repairdemo_partner": ("name", "email", "street", "city", "remark"),
    "repairdemo_person": ("first_name", "last_name"),
}

Cell = tuple[str, str, Pk]


@dataclass
class CorpusBuilder:
    """The rows of the source dump, and the changes made to them so far."""

    snapshot: Snapshot
    rng: random.Random
    records: dict[str, dict[Pk, dict[str, Value]]] = field(default_factory=dict)
    changes: dict[str, dict[Pk, dict[str, Value]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    deleted: dict[str, set[Pk]] = field(default_factory=lambda: defaultdict(set))
    added: dict[str, list[dict[str, Value]]] = field(default_factory=lambda: defaultdict(list))
    truth: dict[Cell, str] = field(default_factory=dict)
    used: set[tuple[str, Pk]] = field(default_factory=set)

    @classmethod
    def from_dump(cls, source: Path, seed: int = 0) -> CorpusBuilder:
        """Start from the rows of the dump at ``source``, with nothing changed yet."""
        snapshot = read_snapshot(source)
        builder = cls(snapshot, random.Random(seed))
        builder.records = {name: table.records() for name, table in snapshot.tables.items()}
        return builder

    def free_rows(
        self, table: str, where: Callable[[dict[str, Value]], bool] = lambda r: True
    ) -> list[Pk]:
        """Return the rows of ``table`` nothing has touched yet that satisfy ``where``, shuffled."""
        pks = [
            pk for pk, record in self.records[table].items()
            if (table, pk) not in self.used and where(record)
        ]  # fmt: skip
        self.rng.shuffle(pks)
        return pks

    def change(self, table: str, pk: Pk, values: dict[str, Value], kind: str) -> None:
        """Set ``values`` on one row and record each value that really changed as ``kind``."""
        self.used.add((table, pk))
        for column, value in values.items():
            if value != self.records[table][pk][column]:
                self.changes[table].setdefault(pk, {})[column] = value
                self.truth[table, column, pk] = kind


def make_corpus(target: Path, seed: int, source: Path = DEMO_DUMP) -> dict[Cell, str]:
    """Write a damaged copy of ``source`` to ``target``; return the ground truth."""
    builder = CorpusBuilder.from_dump(source, seed)
    # Rows that will dangle must keep their links, so their targets go first.
    for inject in (
        inject_dangling, inject_blanked, inject_truncated, inject_mojibake,
        inject_replaced, inject_bulk, make_legitimate_edits, add_legitimate_rows,
    ):  # fmt: skip
        inject(builder)
    write_dump(source, target, builder)
    return builder.truth


def inject_dangling(b: CorpusBuilder) -> None:
    """Delete rows under the rows that point to them, as a raw SQL DELETE would."""
    victims = [
        ("repairdemo_partner", 2),  # MTI parents of persons or companies, with their orders
        ("repairdemo_product", 1),
        ("repairdemo_order", 1),
        ("repairdemo_category", 1),
    ]
    for table, count in victims:
        for pk in b.free_rows(table)[:count]:
            b.deleted[table].add(pk)
            b.used.add((table, pk))
    for (table, column), target in LINKS.items():
        for pk, record in b.records[table].items():
            if record[column] in b.deleted[target] and pk not in b.deleted[table]:
                b.used.add((table, pk))
                b.truth[table, column, pk] = "dangling"
    for table, type_column, id_column in GENERIC_LINKS:
        for pk, record in b.records[table].items():
            owner_type = record[type_column]
            if isinstance(owner_type, ContentTypeRef):
                target = f"{owner_type.app_label}_{owner_type.model}"
                if record[id_column] in b.deleted.get(target, ()):
                    b.used.add((table, pk))
                    b.truth[table, type_column, pk] = b.truth[table, id_column, pk] = "dangling"


def inject_blanked(b: CorpusBuilder) -> None:
    """A bulk update blanks one column, another blanks two, and single values get lost."""
    for pk in b.free_rows("repairdemo_partner", lambda r: bool(r["email"]))[:8]:
        b.change("repairdemo_partner", pk, {"email": ""}, "blanked")
    both = b.free_rows("repairdemo_note", lambda r: bool(r["subject"] and r["body"]))
    for pk in both[:5]:
        b.change("repairdemo_note", pk, {"subject": "", "body": ""}, "blanked")
    singles = [
        ("repairdemo_person", "birth_date", None),
        ("repairdemo_partner", "remark", ""),
        ("repairdemo_order", "placed_at", None),
    ]
    for table, column, empty in singles:
        for pk in b.free_rows(table, lambda r, column=column: r[column] not in (None, ""))[:1]:
            b.change(table, pk, {column: empty}, "blanked")


def inject_truncated(b: CorpusBuilder) -> None:
    """A column shrinks to a width (every longer text is cut), and single texts get cut mid-word."""
    width = b.rng.choice([12, 16, 20])
    for pk in b.free_rows("repairdemo_note", lambda r: len(str(r["body"])) > width):
        body = str(b.records["repairdemo_note"][pk]["body"])
        b.change("repairdemo_note", pk, {"body": body[:width]}, "truncated")
    for table, column in [("repairdemo_partner", "street"), ("repairdemo_product", "name")]:
        for pk in b.free_rows(
            table, lambda r, column=column: _inner_cuts(str(r[column] or "")) != []
        )[:1]:
            text = str(b.records[table][pk][column])
            cut = b.rng.choice(_inner_cuts(text))
            b.change(table, pk, {column: text[:cut]}, "truncated")


def _inner_cuts(text: str) -> list[int]:
    """Positions where a cut falls inside a word, as a byte or character limit does."""
    return [i for i in range(1, len(text)) if text[i - 1].isalnum() and text[i].isalnum()]


def inject_mojibake(b: CorpusBuilder) -> None:
    """An import reads UTF-8 as cp1252: every non-ASCII text of the rows it touches is garbled."""
    for table, count in [("repairdemo_partner", 5), ("repairdemo_person", 2)]:
        columns = TEXT_COLUMNS[table]
        rows = b.free_rows(table, lambda r, cs=columns: any(not str(r[c]).isascii() for c in cs))
        for pk in rows[:count]:
            record = b.records[table][pk]
            b.change(table, pk, {c: _as_cp1252(str(record[c])) for c in columns}, "mojibake")


def _as_cp1252(text: str) -> str:
    return "".join(
        bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in text.encode()
    )


def inject_replaced(b: CorpusBuilder) -> None:
    """An export to ASCII writes '?' per letter; a strict reader writes U+FFFD per byte."""
    columns = TEXT_COLUMNS["repairdemo_partner"]
    rows = b.free_rows(
        "repairdemo_partner", lambda r: any(not str(r[c]).isascii() for c in columns)
    )
    garble: list[Callable[[str], str]] = [
        lambda text: text.encode("ascii", errors="replace").decode(),
        lambda text: text.encode().decode("ascii", errors="replace"),
    ]
    for index, pk in enumerate(rows[:4]):
        record = b.records["repairdemo_partner"][pk]
        how = garble[index % 2]
        b.change("repairdemo_partner", pk, {c: how(str(record[c])) for c in columns}, "replaced")


def inject_bulk(b: CorpusBuilder) -> None:
    """A script sets one value on many rows: a city, an order remark."""
    city = b.rng.choice(["Eupen", "Tallinn", "Aachen"])
    for pk in b.free_rows("repairdemo_partner", lambda r: r["city"] != city)[:7]:
        b.change("repairdemo_partner", pk, {"city": city}, "bulk")
    for pk in b.free_rows("repairdemo_order", lambda r: r["remark"] != "Migrated")[:9]:
        b.change("repairdemo_order", pk, {"remark": "Migrated"}, "bulk")


def make_legitimate_edits(b: CorpusBuilder) -> None:
    """Make a working day's edits: one plausible new value in one or two fields of a row."""
    rng = b.rng
    streets = ["Kirchstraße 12a", "Rue Haute 3", "Narva mnt 7", "Vaartstraat 41"]
    for pk, street in zip(b.free_rows("repairdemo_partner"), rng.sample(streets, 3), strict=False):
        b.change("repairdemo_partner", pk, {"street": street, "city": "Liège"}, EDIT)
    for pk in b.free_rows("repairdemo_person", lambda r: len(str(r["last_name"])) > 4)[:3]:
        b.change(
            "repairdemo_person",
            pk,
            {"last_name": _respell(str(b.records["repairdemo_person"][pk]["last_name"]), rng)},
            EDIT,
        )
    for pk in b.free_rows("repairdemo_product")[:4]:
        price = Decimal(rng.randrange(50, 9999)) / 100
        b.change("repairdemo_product", pk, {"price": price}, EDIT)
    for number, pk in enumerate(b.free_rows("repairdemo_partner", lambda r: bool(r["email"]))[:3]):
        b.change(
            "repairdemo_partner", pk, {"email": f"new.address{number}.{pk}@mail.example.net"}, EDIT
        )
    for pk in b.free_rows("repairdemo_partner", lambda r: str(r["name"]).endswith(" GmbH"))[:1]:
        name = str(b.records["repairdemo_partner"][pk]["name"])
        b.change("repairdemo_partner", pk, {"name": name.removesuffix(" GmbH")}, EDIT)
    for pk in b.free_rows("repairdemo_person")[:1]:
        last_name = str(b.records["repairdemo_person"][pk]["last_name"])
        b.change("repairdemo_person", pk, {"last_name": last_name + "-Martin"}, EDIT)
    for pk in b.free_rows("repairdemo_partner")[:2]:
        b.change(
            "repairdemo_partner",
            pk,
            {"is_active": not b.records["repairdemo_partner"][pk]["is_active"]},
            EDIT,
        )
    for pk in b.free_rows("repairdemo_order", lambda r: r["delivery_time"] is None)[:2]:
        b.change(
            "repairdemo_order", pk, {"delivery_time": datetime.time(rng.randrange(8, 18), 30)}, EDIT
        )


def _respell(name: str, rng: random.Random) -> str:
    """Correct a spelling: swap two inner letters or change one, never at the end."""
    letters = list(name)
    i = rng.randrange(1, len(name) - 2)
    if letters[i] != letters[i + 1] and rng.random() < 0.5:
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    else:
        letters[i] = "e" if letters[i] != "e" else "a"
    return "".join(letters)


def add_legitimate_rows(b: CorpusBuilder) -> None:
    """Add an order with two items for a partner, and a note about a product."""
    orders, items = b.records["repairdemo_order"], b.records["repairdemo_orderitem"]
    partners = [
        pk for pk in b.records["repairdemo_partner"] if pk not in b.deleted["repairdemo_partner"]
    ]
    products = [
        pk for pk in b.records["repairdemo_product"] if pk not in b.deleted["repairdemo_product"]
    ]
    order_id = max(int(pk) for pk in orders) + 1
    b.added["repairdemo_order"].append({
        "id": order_id, "partner_id": b.rng.choice(partners),
        "order_date": datetime.date(2025, 11, 5), "delivery_time": None,
        "placed_at": datetime.datetime(2025, 11, 5, 9, 0, 0), "total": Decimal("12.50"),
        "remark": "",
    })  # fmt: skip
    for offset in (1, 2):
        b.added["repairdemo_orderitem"].append({
            "id": max(int(pk) for pk in items) + offset, "order_id": order_id,
            "product_id": b.rng.choice(products), "qty": offset, "unit_price": Decimal("4.25"),
        })  # fmt: skip
    b.added["repairdemo_note"].append({
        "id": max(int(pk) for pk in b.records["repairdemo_note"]) + 1,
        "owner_type_id": ContentTypeRef("repairdemo", "product"),
        "owner_id": b.rng.choice(products), "date": datetime.date(2025, 11, 5), "time": None,
        "subject": "Price", "body": "Ask again in spring",
    })  # fmt: skip


# -- scoring ----------------------------------------------------------------------------------


@dataclass
class Score:
    """Cells (table, column, pk) of one kind: found right, reported wrongly, missed."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else 1.0

    @property
    def recall(self) -> float:
        injected = self.true_positives + self.false_negatives
        return self.true_positives / injected if injected else 1.0


def score(
    reported: Iterable[tuple[str, Cell]], truth: dict[Cell, str]
) -> tuple[dict[str, Score], list[Cell]]:
    """Compare reported ``(kind, cell)`` pairs with the truth, per kind.

    Returns the scores and the legitimate edits that were reported as damage.
    """
    scores = {kind: Score() for kind in KINDS}
    reported_kind = dict((cell, kind) for kind, cell in reported)
    for cell, kind in reported_kind.items():
        if truth.get(cell) == kind:
            scores[kind].true_positives += 1
        else:
            scores[kind].false_positives += 1
    for cell, kind in truth.items():
        if kind != EDIT and reported_kind.get(cell) != kind:
            scores[kind].false_negatives += 1
    edits_reported = sorted((c for c in reported_kind if truth.get(c) == EDIT), key=str)
    return scores, edits_reported


@dataclass
class Measurement:
    """Scores summed over corpora, and the legitimate edits seen and reported."""

    scores: dict[str, Score] = field(default_factory=lambda: {kind: Score() for kind in KINDS})
    edits: int = 0
    edits_reported: list[Cell] = field(default_factory=list)
    corpora: int = 0


def measure(seeds: Iterable[int], workdir: Path, source: Path = DEMO_DUMP) -> Measurement:
    """Make one damaged corpus per seed, run diff and findings on it, and score them."""
    result = Measurement()
    old = read_snapshot(source)
    for seed in seeds:
        target = workdir / f"damaged-{seed}"
        truth = make_corpus(target, seed, source)
        new = read_snapshot(target)
        changeset = diff_snapshots(old, new)
        findings = find_findings(changeset, old, new)
        # A finding names rows and fields; the values it reports are those that changed
        # (or, for a dangling link, the link columns of the rows that dangle).
        changed = {
            (table, field.column, row.pk)
            for table, diff in changeset.tables.items()
            for row in diff.changed
            for field in row.fields
        }
        reported = (
            (finding.kind.value, cell)
            for finding in findings
            for cell in finding.cells()
            if finding.kind is FindingKind.DANGLING or cell in changed
        )
        scores, edits_reported = score(reported, truth)
        for kind, one in scores.items():
            total = result.scores[kind]
            total.true_positives += one.true_positives
            total.false_positives += one.false_positives
            total.false_negatives += one.false_negatives
        result.edits += sum(1 for kind in truth.values() if kind == EDIT)
        result.edits_reported.extend(edits_reported)
        result.corpora += 1
        shutil.rmtree(target)
    return result
