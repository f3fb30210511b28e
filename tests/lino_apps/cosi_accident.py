"""The accident on the Così site, through the site's own ORM (run with ``manage.py run``).

Deletes persons with their roles (which protect them, so they go first) and
companies with their bank accounts and phone numbers (multi-table
inheritance: each takes its partner row along), and blanks the street of
every partner up to 40 with one bulk update.
"""

from django.apps import apps

Person = apps.get_model("contacts", "Person")
Company = apps.get_model("contacts", "Company")
Partner = apps.get_model("contacts", "Partner")
Role = apps.get_model("contacts", "Role")

deleted = {}
doomed = (
    Role.objects.filter(person__in=[14, 69]),
    Person.objects.filter(pk__in=[14, 69]),
    Company.objects.filter(pk__in=[84, 87, 90]),
)
for rows in doomed:
    _, counts = rows.delete()
    for label, count in counts.items():
        deleted[label] = deleted.get(label, 0) + count
blanked = Partner.objects.filter(pk__lte=40).exclude(street="").update(street="")
print("DELETED", sorted(deleted.items()), "BLANKED", blanked)
