"""One model per kind of key Django has.

- ``Tag``: a text primary key; ``Item``: a UUID primary key with an
  auto-created many-to-many table to ``Tag`` (``keysite_item_tags``);
- ``Club`` and ``Membership``: an explicit ``through=`` model with a unique pair;
- ``Stock``: a ``CompositePrimaryKey`` (Django 5.2);
- ``Shelf``: a non-``id`` integer primary key.
"""

import uuid

from django.conf import settings
from django.db import models


class Tag(models.Model):
    code = models.CharField(primary_key=True, max_length=20)
    label = models.CharField(max_length=50)


class Item(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    title = models.CharField(max_length=50)
    tags = models.ManyToManyField(Tag, blank=True)


class Club(models.Model):
    name = models.CharField(max_length=50, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership")


class Membership(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=20)

    class Meta:
        unique_together = [("club", "user")]


class Shelf(models.Model):
    number = models.IntegerField(primary_key=True)
    room = models.CharField(max_length=20)


class Stock(models.Model):
    pk = models.CompositePrimaryKey("shop", "number")
    shop = models.CharField(max_length=20)
    number = models.IntegerField()
    shelf = models.ForeignKey(Shelf, null=True, on_delete=models.SET_NULL)
    quantity = models.IntegerField()
