"""One model per standard field type of Django's model field reference, then keys and relations.

Each ``*Value`` model holds one field of its type, called ``value``
(nullable where the type allows it, so that SQL NULL is among the values).
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

# --- auto fields: the key is the value ---------------------------------------------------------


class AutoValue(models.Model):
    id = models.AutoField(primary_key=True)
    label = models.CharField(max_length=20)


class BigAutoValue(models.Model):
    id = models.BigAutoField(primary_key=True)
    label = models.CharField(max_length=20)


class SmallAutoValue(models.Model):
    id = models.SmallAutoField(primary_key=True)
    label = models.CharField(max_length=20)


# --- one field type each -----------------------------------------------------------------------


class BigIntegerValue(models.Model):
    value = models.BigIntegerField(null=True)


class BinaryValue(models.Model):
    value = models.BinaryField(null=True)


class BooleanValue(models.Model):
    value = models.BooleanField(null=True)


class CharValue(models.Model):
    value = models.CharField(max_length=200, null=True)


class DateValue(models.Model):
    value = models.DateField(null=True)


class DateTimeValue(models.Model):
    value = models.DateTimeField(null=True)


class DecimalValue(models.Model):
    value = models.DecimalField(max_digits=30, decimal_places=10, null=True)


class DurationValue(models.Model):
    value = models.DurationField(null=True)


class EmailValue(models.Model):
    value = models.EmailField(null=True)


class FileValue(models.Model):
    value = models.FileField(max_length=200)


class FilePathValue(models.Model):
    value = models.FilePathField(path="/srv/files", max_length=200)


class FloatValue(models.Model):
    value = models.FloatField(null=True)


class GenericIPAddressValue(models.Model):
    value = models.GenericIPAddressField(null=True)


class ImageValue(models.Model):
    # ImageField needs Pillow to validate; its column is a FileField's.
    value = models.FileField(max_length=200, upload_to="images/")


class IntegerValue(models.Model):
    value = models.IntegerField(null=True)


class JSONValue(models.Model):
    value = models.JSONField(null=True)


class PositiveBigIntegerValue(models.Model):
    value = models.PositiveBigIntegerField(null=True)


class PositiveIntegerValue(models.Model):
    value = models.PositiveIntegerField(null=True)


class PositiveSmallIntegerValue(models.Model):
    value = models.PositiveSmallIntegerField(null=True)


class SlugValue(models.Model):
    value = models.SlugField(null=True)


class SmallIntegerValue(models.Model):
    value = models.SmallIntegerField(null=True)


class TextValue(models.Model):
    value = models.TextField(null=True)


class TimeValue(models.Model):
    value = models.TimeField(null=True)


class URLValue(models.Model):
    value = models.URLField(null=True)


class UUIDValue(models.Model):
    value = models.UUIDField(null=True)


# --- keys and relations ------------------------------------------------------------------------


class UuidOwner(models.Model):
    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=50)


class UuidPet(models.Model):
    owner = models.ForeignKey(UuidOwner, models.CASCADE)
    name = models.CharField(max_length=50)


class Passport(models.Model):
    holder = models.OneToOneField(UuidOwner, models.CASCADE)
    number = models.CharField(max_length=20)


class TextOwner(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=50)


class TextPet(models.Model):
    owner = models.ForeignKey(TextOwner, models.CASCADE)
    name = models.CharField(max_length=50)


class Node(models.Model):
    parent = models.ForeignKey("self", models.CASCADE, null=True, related_name="children")
    name = models.CharField(max_length=50)


class Place(models.Model):
    name = models.CharField(max_length=50)


class Shop(Place):
    shelves = models.IntegerField()


class Tag(models.Model):
    name = models.CharField(max_length=50)


class Article(models.Model):
    title = models.CharField(max_length=100)
    tags = models.ManyToManyField(Tag)


class Club(models.Model):
    name = models.CharField(max_length=50)


class Person(models.Model):
    name = models.CharField(max_length=50)
    clubs = models.ManyToManyField(Club, through="Membership")


class Membership(models.Model):
    person = models.ForeignKey(Person, models.CASCADE)
    club = models.ForeignKey(Club, models.CASCADE)
    since = models.DateField()


class Note(models.Model):
    content_type = models.ForeignKey(ContentType, models.CASCADE)
    object_id = models.PositiveIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=100)


class TicketType(models.Model):
    name = models.CharField(max_length=50)


class Ticket(models.Model):
    # A foreign key called *_type that is not a content type.
    ticket_type = models.ForeignKey(TicketType, models.CASCADE)
    summary = models.CharField(max_length=100)
