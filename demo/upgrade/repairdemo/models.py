"""Models of the repairkit demo site at version 2.0: what changed since 1.0 is marked "2.0:".

The migrator from 1.0 (``migrate.py``) adapts the rows of a 1.0 dump.
"""

from django.db import models
from lino.api import dd
from lino.mixins.polymorphic import Polymorphic
from lino.utils.mldbc.fields import BabelCharField


class Country(dd.Model):
    """A babel field (``name``, ``name_de``, ``name_fr``) and a CharField key.

    ``name`` is declared first so that the key ``isocode`` is not the first
    parameter of ``create_repairdemo_country()``.
    """

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Country"
        verbose_name_plural = "Countries"
        ordering = ["isocode"]

    name = BabelCharField("Name", max_length=100)
    isocode = models.CharField("ISO code", max_length=4, primary_key=True)
    # 2.0: short_code removed.

    def __str__(self):
        return self.name


class Category(dd.Model):
    """A self-referencing foreign key (a category tree)."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Category"
        verbose_name_plural = "Categories"
        ordering = ["id"]

    name = models.CharField("Name", max_length=10)  # 2.0: shorter (was 100)
    parent = dd.ForeignKey("self", verbose_name="Parent", null=True, blank=True)

    def __str__(self):
        return self.name


class Partner(Polymorphic):
    """The parent of two multi-table-inheritance children; a nullable FK."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Partner"
        verbose_name_plural = "Partners"
        ordering = ["id"]

    name = models.CharField("Name", max_length=200)
    email = models.EmailField("E-mail", blank=True)
    street = models.CharField("Street", max_length=200, blank=True)
    town = models.CharField("Town", max_length=100, blank=True)  # 2.0: renamed (was city)
    country = dd.ForeignKey(Country, verbose_name="Country", null=True, blank=True)
    is_active = models.BooleanField("Active", default=True)
    # Set explicitly by the fixtures: auto_now_add values would be lost by dump2py.
    created = models.DateTimeField("Created")
    remark = models.TextField("Remark", blank=True)

    def __str__(self):
        return self.name


class Person(Partner):
    """An MTI child of Partner; a choicelist field (``gender``)."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Person"
        verbose_name_plural = "Persons"
        ordering = ["partner_ptr_id"]

    first_name = models.CharField("First name", max_length=100)
    last_name = models.CharField("Last name", max_length=100)
    birth_date = models.DateField("Birth date", null=True, blank=True)
    gender = dd.Genders.field(blank=True)


class Company(Partner):
    """A second MTI child of Partner."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Company"
        verbose_name_plural = "Companies"
        ordering = ["partner_ptr_id"]

    vat_id = models.CharField("VAT id", max_length=30, blank=True)


class Product(dd.Model):
    """A DecimalField (``price``) and a BooleanField."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Product"
        verbose_name_plural = "Products"
        ordering = ["id"]

    name = models.CharField("Name", max_length=200)
    category = dd.ForeignKey(Category, verbose_name="Category")
    price = models.DecimalField("Price", max_digits=10, decimal_places=2)
    available = models.BooleanField("Available", default=True)
    # 2.0: a new foreign key that may not be NULL.
    origin = dd.ForeignKey(Country, verbose_name="Origin", related_name="+")

    def __str__(self):
        return self.name


class Order(dd.Model):
    """A DateField, a TimeField and a DateTimeField; cascades from Partner."""

    allow_cascaded_delete = ["partner"]

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Order"
        verbose_name_plural = "Orders"
        ordering = ["id"]

    partner = dd.ForeignKey(Partner, verbose_name="Partner")
    order_date = models.DateField("Order date")
    delivery_time = models.TimeField("Delivery time", null=True, blank=True)
    placed_at = models.DateTimeField("Placed at")
    total = models.DecimalField("Total", max_digits=12, decimal_places=2)
    # 2.0: new, with a default; the migrator gives big orders priority 1.
    priority = models.IntegerField("Priority", default=3)
    remark = models.TextField("Remark", blank=True)


class OrderItem(dd.Model):
    """The big table: dumped in several parts with ``--max-row-count 250``."""

    allow_cascaded_delete = ["order"]

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Order item"
        verbose_name_plural = "Order items"
        ordering = ["id"]

    order = dd.ForeignKey(Order, verbose_name="Order")
    product = dd.ForeignKey(Product, verbose_name="Product")
    qty = models.PositiveIntegerField("Quantity")
    unit_price = models.IntegerField("Unit price (cents)")  # 2.0: was a Decimal in euros


# 2.0: Note moved to the app ``notes`` (table notes_note).
