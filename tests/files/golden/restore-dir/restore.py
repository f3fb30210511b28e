#!/usr/bin/env python
# -*- coding: UTF-8 -*-

# A restore directory written by repairkit 0.1.0: it puts back rows that
# are missing from 'current'. Review the data files before running it
# (see docs/restore-script.md in repairkit); delete a row's line to keep it out.
#
#   python manage.py run restore.py [--apply]                     (a Lino site)
#   python restore.py --settings mysite.settings [--apply]        (any Django project)
#
# Without --apply it is a dry run: it inserts and checks everything inside a
# transaction, reports, and rolls back. The data files are read as data by
# repairkit, never executed; the functions below document the columns, and
# their marker lines (Decimal(x), uuid.UUID(x), ...) say how it reads them.
#
# Backups the rows come from: 'backup'
# 69 rows in 6 tables.

from decimal import Decimal


def resolve_model(label):
    # Running this file must not need Lino: a model global is only its label,
    # which the runtime reads from this file without executing it.
    return label


repairdemo_Company = resolve_model("repairdemo.Company")
repairdemo_Note = resolve_model("repairdemo.Note")
repairdemo_Order = resolve_model("repairdemo.Order")
repairdemo_OrderItem = resolve_model("repairdemo.OrderItem")
repairdemo_Partner = resolve_model("repairdemo.Partner")
repairdemo_Person = resolve_model("repairdemo.Person")


def create_repairdemo_partner(id, name, email, street, city, country_id, is_active, created, remark):
    kw = dict()
    kw.update(id=id)
    kw.update(name=name)
    kw.update(email=email)
    kw.update(street=street)
    kw.update(city=city)
    kw.update(country_id=country_id)
    kw.update(is_active=is_active)
    kw.update(created=created)
    kw.update(remark=remark)
    return repairdemo_Partner(**kw)


def create_repairdemo_company(partner_ptr_id, vat_id):
    kw = dict()
    kw.update(partner_ptr_id=partner_ptr_id)
    kw.update(vat_id=vat_id)
    return repairdemo_Company(**kw)


def create_repairdemo_order(id, partner_id, order_date, delivery_time, placed_at, total, remark):
    if total is not None: total = Decimal(total)
    kw = dict()
    kw.update(id=id)
    kw.update(partner_id=partner_id)
    kw.update(order_date=order_date)
    kw.update(delivery_time=delivery_time)
    kw.update(placed_at=placed_at)
    kw.update(total=total)
    kw.update(remark=remark)
    return repairdemo_Order(**kw)


def create_repairdemo_person(partner_ptr_id, first_name, last_name, birth_date, gender):
    kw = dict()
    kw.update(partner_ptr_id=partner_ptr_id)
    kw.update(first_name=first_name)
    kw.update(last_name=last_name)
    kw.update(birth_date=birth_date)
    kw.update(gender=gender)
    return repairdemo_Person(**kw)


def create_repairdemo_note(id, owner_type_id, owner_id, date, time, subject, body):
    owner_type_id = new_content_type_id(owner_type_id)
    kw = dict()
    kw.update(id=id)
    kw.update(owner_type_id=owner_type_id)
    kw.update(owner_id=owner_id)
    kw.update(date=date)
    kw.update(time=time)
    kw.update(subject=subject)
    kw.update(body=body)
    return repairdemo_Note(**kw)


def create_repairdemo_orderitem(id, order_id, product_id, qty, unit_price):
    if unit_price is not None: unit_price = Decimal(unit_price)
    kw = dict()
    kw.update(id=id)
    kw.update(order_id=order_id)
    kw.update(product_id=product_id)
    kw.update(qty=qty)
    kw.update(unit_price=unit_price)
    return repairdemo_OrderItem(**kw)


def main(args):
    """List the data files in load order, parents first, for the runtime."""
    execfile("repairdemo_partner.py", *args)
    execfile("repairdemo_company.py", *args)
    execfile("repairdemo_order.py", *args)
    execfile("repairdemo_person.py", *args)
    execfile("repairdemo_note.py", *args)
    execfile("repairdemo_orderitem.py", *args)


if __name__ == "__main__":
    # Reached by `python restore.py ...` and by Lino's `manage.py run restore.py ...`.
    try:
        from repairkit.runtime import main as run_restore
    except ImportError as error:
        raise SystemExit(
            f"restore.py needs repairkit, which this Python cannot import ({error}).\n"
            "Install it where the site runs (pip install repairkit), or write the plan\n"
            "with `repairkit merge ... --emit django` instead: that script needs only Django."
        ) from None

    run_restore(__file__)
