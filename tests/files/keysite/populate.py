"""Fill the keysite database, and the accident that the tests repair.

``fill()`` makes users, groups and memberships (auth's auto-created
many-to-many tables), tags and items, clubs with explicit memberships, and
stock rows with a composite key. ``accident()`` deletes a user (its group
links and club memberships go with it), removes links of the others, and
deletes rows of every key kind.
"""

import datetime
import uuid

from django.contrib.auth.models import Group, Permission, User

from keysite.models import Club, Item, Membership, Shelf, Stock, Tag

JOINED = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
# What set_unusable_password() stores, without its random part: auth rows as a real site has them
# (a blank password is not valid for the model, and the restore validates every row).
UNUSABLE = "!keysite"
ITEM_IDS = [uuid.UUID(int=n * 0x1111_1111_1111_1111) for n in range(1, 4)]


def fill():
    editors = Group.objects.create(name="editors")
    readers = Group.objects.create(name="readers")
    alice = User.objects.create(
        username="alice", password=UNUSABLE, email="alice@example.org", date_joined=JOINED
    )
    bob = User.objects.create(username="bob", password=UNUSABLE, is_staff=True, date_joined=JOINED)
    carol = User.objects.create(username="carol", password=UNUSABLE, date_joined=JOINED)
    alice.groups.add(editors, readers)
    bob.groups.add(readers, editors)
    carol.groups.add(readers)
    alice.user_permissions.add(Permission.objects.get(codename="add_group"))
    bob.user_permissions.add(Permission.objects.get(codename="add_group"))
    editors.permissions.add(Permission.objects.get(codename="change_user"))
    red, blue, green = (
        Tag.objects.create(code=code, label=code.title()) for code in ("red", "blue", "42")
    )
    for number, item_id in enumerate(ITEM_IDS):
        item = Item.objects.create(id=item_id, title=f"item {number}")
        item.tags.add(red, blue, green)
    chess = Club.objects.create(name="chess")
    golf = Club.objects.create(name="golf")
    for club, user, role in [(chess, alice, "chair"), (chess, bob, "member"), (golf, bob, "chair")]:
        Membership.objects.create(club=club, user=user, role=role)
    shelves = [Shelf.objects.create(number=number, room=f"room {number}") for number in (7, 8)]
    for shop in ("acme", "0"):
        for number in range(3):
            shelf = shelves[number % 2] if shop == "0" else shelves[0]
            Stock.objects.create(shop=shop, number=number, shelf=shelf, quantity=5)


def accident():
    User.objects.get(username="bob").delete()
    alice = User.objects.get(username="alice")
    alice.groups.remove(Group.objects.get(name="editors"))
    alice.user_permissions.clear()
    Item.objects.get(id=ITEM_IDS[0]).delete()
    Item.objects.get(id=ITEM_IDS[1]).tags.remove(Tag.objects.get(code="42"))
    Tag.objects.get(code="blue").delete()
    Stock.objects.filter(shop="acme", number__in=[0, 2]).delete()
    Stock.objects.filter(shop="0", number=1).delete()
    Shelf.objects.get(number=8).delete()
