"""The accident: cascading deletes through every kind of key, links removed, a field blanked.

Run after ``django.setup()`` on the populated site: ``from fieldsite import accident;
accident.happen()``. ``BLANKED`` names the field it blanks (table, column). In the
``values`` scope (settings.SCOPE) no many-to-many link is removed and no user deleted:
what comes back then is rows with one-column keys, so values alone are put to the test.
"""

from django.conf import settings
from django.contrib.auth.models import Group, User

from fieldsite import models as site
from fieldsite.populate import UUIDS, VALUES

BLANKED = ("fieldsite_article", "title")


def happen():
    for model in VALUES:
        first = model.objects.order_by("pk").first()
        model.objects.exclude(pk=first.pk).delete()
    for model in (site.AutoValue, site.BigAutoValue, site.SmallAutoValue):
        model.objects.exclude(label="kept").delete()
    site.UuidOwner.objects.filter(id__in=UUIDS[1:]).delete()  # pets and passports go too
    site.TextOwner.objects.filter(code__in=["42", "007", "a b'c"]).delete()
    site.Node.objects.filter(name="lost root").delete()  # its child and grandchild go too
    site.Place.objects.filter(name="lost shop").delete()  # the parent: the child shop goes too
    site.Membership.objects.filter(person__name="ben").delete()  # the explicit through model
    site.Note.objects.filter(text__in=["note on red", "note on ann"]).delete()
    site.TicketType.objects.filter(name="wish").delete()
    if settings.SCOPE == "full":
        from fieldsite.keys.models import Stock

        site.Article.objects.get(title="third article").tags.clear()
        site.Article.objects.filter(title="first article").delete()
        site.Person.objects.filter(name="cleo").delete()
        Stock.objects.filter(warehouse="south").delete()
        User.objects.get(username="bob").groups.clear()
        User.objects.filter(username="carol").delete()
        Group.objects.get(name="readers").permissions.clear()
    site.Article.objects.update(title="")  # last: the lines above find articles by title
