"""The notes of the repairkit demo site, moved here from ``repairdemo`` in version 2.0."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from lino.api import dd
from lino.modlib.gfks.fields import GenericForeignKey, GenericForeignKeyIdField


class Note(dd.Model):
    """A generic foreign key: ``owner_type`` points to ContentType."""

    # Lino deletes the notes of an owner that gets deleted only when asked to.
    allow_cascaded_delete = ["owner"]

    class Meta:
        app_label = "notes"
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
