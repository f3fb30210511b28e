"""Turn the demo database of the "backup" moment into the "current" one.

Run inside the site, on a database that ``prep`` has just filled::

    REPAIRDEMO_DB=... python demo/manage.py run demo/accident.py [ACCIDENT_JSON]

Three things happen, in this order:

a) legitimate activity: rows are added and a few values are edited;
b) an accidental deletion: four partners are deleted, and Lino cascades to
   their orders, order items and notes (including notes of those orders);
c) a buggy bulk update: one ``update()`` blanks ``email`` on ten partners.

The primary keys of every row that was added, deleted or changed are written
to ACCIDENT_JSON (default: ``fixtures/accident.json`` at the repository root)
so that tests can assert exactly what a diff must find. ``demo/README.md``
lists the same facts.
"""

import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from lino.api import rt
from repairdemo.dumpable import read_pks

# Partners deleted by accident: three persons and one company, all with orders and notes.
DELETED_PARTNERS = [7, 13, 19, 27]
# Partners whose email the buggy bulk update blanked.
BLANKED_EMAIL_PARTNERS = [2, 5, 10, 14, 20, 22, 33, 41, 44, 52]
BLANKED_COLUMN = "email"

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "fixtures" / "accident.json"


def json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    return value


class ChangeLog:
    """Collects the single-column edits, with their values before and after."""

    def __init__(self):
        self.changes = {}

    def set(self, obj, attname, new_value, cause):
        """Set one field of ``obj`` (without saving) and record the change."""
        record = {
            "pk": obj.pk,
            "column": attname,
            "before": json_value(getattr(obj, attname)),
            "after": json_value(new_value),
            "cause": cause,
        }
        self.changes.setdefault(obj._meta.db_table, []).append(record)
        setattr(obj, attname, new_value)


def add_rows():
    """Create the rows of a normal working day (explicit keys, fixed dates)."""
    m = rt.models.repairdemo
    new = []
    herbs = m.Category(id=10, name="Herbs", parent_id=5)
    basil = m.Product(id=31, name="Basilikum 🌿", category=herbs, price=Decimal("2.49"))
    elodie = m.Person(
        id=61,
        name="Élodie Renard",
        email="elodie.renard61@example.org",
        street="Rue de l'Église 7",
        city="Liège",
        country_id="BE",
        created=datetime.datetime(2025, 11, 3, 9, 15, 0),
        remark='Met at the fair; said "call me after 5"',
        first_name="Élodie",
        last_name="Renard",
        birth_date=datetime.date(1988, 2, 29),
        gender="F",
    )
    zwei = m.Company(
        id=62,
        name="Zwei & Co GmbH",
        email="info62@company.example.com",
        street="Hauptstraße 2",
        city="Aachen",
        country=None,
        created=datetime.datetime(2025, 11, 3, 11, 0, 5),
        vat_id="DE123456789",
    )
    new += [herbs, basil, elodie, zwei]
    orders = [
        (151, elodie, datetime.time(16, 45, 0), [(31, 3), (10, 1), (2, 6)]),
        (152, m.Partner.objects.get(pk=16), None, [(13, 1), (14, 2)]),
    ]
    item_id = m.OrderItem.objects.order_by("-id").values_list("id", flat=True)[0]
    for order_id, partner, delivery_time, lines in orders:
        order = m.Order(
            id=order_id,
            partner=partner,
            order_date=datetime.date(2025, 11, 4),
            delivery_time=delivery_time,
            placed_at=datetime.datetime(2025, 11, 3, 14, order_id - 140, 30),
            total=Decimal("0.00"),
            remark="",
        )
        new.append(order)
        for product_id, qty in lines:
            item_id += 1
            price = basil.price if product_id == 31 else m.Product.objects.get(pk=product_id).price
            order.total += qty * price
            new.append(
                m.OrderItem(
                    id=item_id, order=order, product_id=product_id, qty=qty, unit_price=price
                )
            )
    new.append(
        m.Note(
            id=91,
            owner=elodie,
            date=datetime.date(2025, 11, 3),
            time=datetime.time(9, 20, 0),
            subject="First contact",
            body="Wants a weekly delivery.\nAsk about the 🌿 herbs.",
        )
    )
    new.append(
        m.Note(
            id=92,
            owner=new[-2].order,  # order 152
            date=datetime.date(2025, 11, 4),
            time=None,
            subject="Delivery",
            body='Leave it at the neighbour\'s \\ "Nr. 4" ✓',
        )
    )
    for obj in new:
        obj.full_clean()
        obj.save()


def edit_rows(log):
    """Make the legitimate single-value corrections of that day."""
    m = rt.models.repairdemo

    partner = m.Partner.objects.get(pk=15)
    log.set(partner, "street", "Kirchstraße 12a", "edit")  # a corrected address
    partner.save()

    product = m.Product.objects.get(pk=10)
    log.set(product, "price", Decimal("12.90"), "edit")  # a price change
    product.save()

    country = m.Country.objects.get(pk="NL")
    log.set(country, "name_de", "Niederlande", "edit")  # a typo in one babel language
    country.save()

    # A person changed her name: the child row and the parent row change.
    person = m.Person.objects.get(pk=29)
    log.set(person, "last_name", "Peeters-Dubois", "edit")
    person.save()
    partner = m.Partner.objects.get(pk=29)
    log.set(partner, "name", "Françoise Peeters-Dubois", "edit")
    partner.save()

    order = m.Order.objects.get(pk=3)
    if order.delivery_time is not None:
        raise RuntimeError(f"fixture changed: order 3 has delivery_time {order.delivery_time!r}")
    log.set(order, "delivery_time", datetime.time(10, 30, 0), "edit")
    order.save()


def delete_partners():
    """Delete partners the way a user would (Lino cascades to orders and notes)."""
    m = rt.models.repairdemo
    ContentType = rt.models.contenttypes.ContentType
    for pk in DELETED_PARTNERS:
        partner = m.Partner.objects.get(pk=pk)
        leaf = partner.get_mti_child("person", "company") or partner
        # Lino's pre_delete handler cascades along generic keys only to rows
        # whose primary key is an Integer/AutoField; an MTI child's key is a
        # OneToOneField, so Lino 26 would leave the notes of a Person behind
        # with a dangling owner. Delete them the way Lino does for other owners.
        owner_type = ContentType.objects.get_for_model(leaf.__class__)
        for note in m.Note.objects.filter(owner_type=owner_type, owner_id=pk):
            note.delete()
        # Deleting the child instance removes the child row and the parent row;
        # Lino cascades to orders, their items and the notes of those orders.
        leaf.delete()


def blank_emails(log):
    """The bug: one bulk ``update()`` that should have touched nobody."""
    Partner = rt.models.repairdemo.Partner
    qs = Partner.objects.filter(pk__in=BLANKED_EMAIL_PARTNERS).order_by("pk")
    for partner in qs:
        if not partner.email:
            raise RuntimeError(f"fixture changed: partner {partner.pk} has no email")
        log.set(partner, BLANKED_COLUMN, "", "bulk_update_bug")
    updated = qs.update(**{BLANKED_COLUMN: ""})
    if updated != len(BLANKED_EMAIL_PARTNERS):
        raise RuntimeError(f"blanked {updated} partners, expected {len(BLANKED_EMAIL_PARTNERS)}")


def sorted_pks(pks_by_table):
    return {table: sorted(pks) for table, pks in sorted(pks_by_table.items()) if pks}


def main(output):
    log = ChangeLog()
    with transaction.atomic():
        before = read_pks()
        add_rows()
        edit_rows(log)
        after_activity = read_pks()
        delete_partners()
        after_deletion = read_pks()
        blank_emails(log)
    added = {t: after_activity[t] - before[t] for t in before}
    deleted = {t: after_activity[t] - after_deletion[t] for t in before}
    if any(before[t] - after_activity[t] for t in before):
        raise RuntimeError("the legitimate activity deleted rows")
    if any(after_deletion[t] - after_activity[t] for t in before):
        raise RuntimeError("the deletion added rows")
    changed = {
        table: sorted(records, key=lambda r: (r["pk"], r["column"]))
        for table, records in sorted(log.changes.items())
    }
    for table, records in changed.items():
        gone = {r["pk"] for r in records} & deleted[table]
        if gone:
            raise RuntimeError(f"changed rows of {table} were deleted later: {sorted(gone)}")
    result = {
        "description": "What demo/accident.py did between fixtures/backup and fixtures/current.",
        "deleted_partners": DELETED_PARTNERS,
        "blanked": {
            "table": "repairdemo_partner",
            "column": BLANKED_COLUMN,
            "pks": BLANKED_EMAIL_PARTNERS,
        },
        "added": sorted_pks(added),
        "deleted": sorted_pks(deleted),
        "changed": changed,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
