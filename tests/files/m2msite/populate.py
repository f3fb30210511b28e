"""Fill the m2msite database: users, groups, memberships, a user permission.

Run with ``python -m django shell -c "import m2msite.populate"`` or as a module
after ``django.setup()``; ``populate.drop_membership()`` removes one membership.
"""

import datetime

from django.contrib.auth.models import Group, Permission, User


def fill():
    editors = Group.objects.create(name="editors")
    readers = Group.objects.create(name="readers")
    joined = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc)
    alice = User.objects.create(username="alice", email="alice@example.org", date_joined=joined)
    bob = User.objects.create(username="bob", is_staff=True, date_joined=joined)
    alice.groups.add(editors, readers)
    bob.groups.add(readers)
    alice.user_permissions.add(Permission.objects.get(codename="add_group"))
    editors.permissions.add(Permission.objects.get(codename="change_user"))


def drop_membership():
    User.objects.get(username="bob").groups.clear()
