"""Models of the repairkit demo site.

Each model is here for a shape that a dump reader must get right; the class
docstrings say which.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from lino.api import dd
from lino.mixins.polymorphic import Polymorphic
from lino.modlib.gfks.fields import GenericForeignKey, GenericForeignKeyIdField
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
    short_code = models.CharField("Short code", max_length=4, blank=True)

    def __str__(self):
        return self.name


class Category(dd.Model):
    """A self-referencing foreign key (a category tree)."""

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Category"
        verbose_name_plural = "Categories"
        ordering = ["id"]

    name = models.CharField("Name", max_length=100)
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
    city = models.CharField("City", max_length=100, blank=True)
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
    unit_price = models.DecimalField("Unit price", max_digits=10, decimal_places=2)


class Note(dd.Model):
    """A generic foreign key: ``owner_type`` points to ContentType."""

    # Lino deletes the notes of an owner that gets deleted only when asked to.
    allow_cascaded_delete = ["owner"]

    class Meta:
        app_label = "repairdemo"
        verbose_name = "Note"
        verbose_name_plural = "Notes"
        ordering = ["id"]

    owner_type = dd.ForeignKey(ContentType, verbose_name="Owner (type)", null=True, blank=True)
    owner_id = GenericForeignKeyIdField(
        owner_type, verbose_name="Owner (object)", null=True, blank=True
    )
    owner = GenericForeignKey("owner_type", "owner_id", verbose_name="Owner")
    date = models.DateField("Date")
    time = models.TimeField("Time", null=True, blank=True)
    subject = models.CharField("Subject", max_length=200)
    body = models.TextField("Body", blank=True)
