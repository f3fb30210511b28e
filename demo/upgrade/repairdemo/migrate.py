"""The migrator of the demo site: how Lino adapts the rows of a 1.0 dump to 2.0.

Lino calls ``migrate_from_1_0`` when it loads a dump whose SOURCE_VERSION
is 1.0 ("Data migrations à la Lino"); it replaces the dump's ``create_…``
functions by ones that build 2.0 objects.
"""

from decimal import Decimal

from lino.core.utils import resolve_model
from lino.utils.dpy import Migrator as BaseMigrator
from lino.utils.dpy import override

BIG_ORDER = Decimal(2000)  # orders above this total get priority 1 in 2.0


class Migrator(BaseMigrator):
    def migrate_from_1_0(self, globals_dict):
        """Rename city to town, move Note, cents for unit_price, priority and origin."""
        Category = resolve_model("repairdemo.Category")
        Country = resolve_model("repairdemo.Country")
        Partner = resolve_model("repairdemo.Partner")
        Product = resolve_model("repairdemo.Product")
        Order = resolve_model("repairdemo.Order")
        OrderItem = resolve_model("repairdemo.OrderItem")
        Note = resolve_model("notes.Note")
        bv2kw = globals_dict["bv2kw"]
        new_content_type_id = globals_dict["new_content_type_id"]

        @override(globals_dict)
        def create_repairdemo_category(id, name, parent_id):
            return Category(id=id, name=name[:10], parent_id=parent_id)

        @override(globals_dict)
        def create_repairdemo_country(name, isocode, short_code):
            return Country(isocode=isocode, **bv2kw("name", name))

        @override(globals_dict)
        def create_repairdemo_note(id, owner_type_id, owner_id, date, time, subject, body):
            return Note(
                id=id,
                owner_type_id=new_content_type_id(owner_type_id),
                owner_id=owner_id,
                date=date,
                time=time,
                subject=subject,
                body=body,
            )

        @override(globals_dict)
        def create_repairdemo_partner(
            id, name, email, street, city, country_id, is_active, created, remark
        ):
            return Partner(
                id=id,
                name=name,
                email=email,
                street=street,
                town=city,
                country_id=country_id,
                is_active=is_active,
                created=created,
                remark=remark,
            )

        @override(globals_dict)
        def create_repairdemo_product(id, name, category_id, price, available):
            return Product(
                id=id,
                name=name,
                category_id=category_id,
                price=Decimal(price),
                available=available,
                origin_id="BE",
            )

        @override(globals_dict)
        def create_repairdemo_order(
            id, partner_id, order_date, delivery_time, placed_at, total, remark
        ):
            total = Decimal(total)
            return Order(
                id=id,
                partner_id=partner_id,
                order_date=order_date,
                delivery_time=delivery_time,
                placed_at=placed_at,
                total=total,
                remark=remark,
                priority=1 if total > BIG_ORDER else 3,
            )

        @override(globals_dict)
        def create_repairdemo_orderitem(id, order_id, product_id, qty, unit_price):
            cents = int(Decimal(unit_price) * 100)
            return OrderItem(
                id=id, order_id=order_id, product_id=product_id, qty=qty, unit_price=cents
            )

        return "2.0"
