"""Fill the field site with edge and hostile values, the same on every engine.

Run after ``django.setup()``: ``python -m django shell -c "from fieldsite import populate;
populate.fill()" --settings fieldsite.settings``. The first row of each value table is a
plain one that the accident leaves alone; the others are edges the accident deletes.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from fieldsite import models as site

UTC = datetime.timezone.utc
HOSTILE_TEXTS = [
    "plain",
    "it's \"quoted\"",
    "back\\slash \\n \\x00 \\\\",
    "'; DROP TABLE x; --",
    "cr\r\nlf\nonly cr\r",
    "line\u2028separator\u2029paragraph\u0085next line",
    "emoji \U0001f389 and \u00e9\u00e8 \u4e2d\u6587",
    "",
    "  leading and trailing  ",
    "2024-05-06",
    "12.50",
    "42",
    "null",
]
VALUES = {
    site.BigIntegerValue: [0, -9223372036854775808, 9223372036854775807, None],
    site.BinaryValue: [b"plain", b"\x00\xff\x00", b"", b"'\\\r\n", bytes(range(256)), None],
    site.BooleanValue: [True, False, None],
    site.CharValue: [*HOSTILE_TEXTS, None],
    site.DateValue: [
        datetime.date(2024, 5, 6), datetime.date(1, 1, 1), datetime.date(9999, 12, 31),
        datetime.date(2024, 2, 29), None,
    ],
    site.DateTimeValue: [
        datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        datetime.datetime(2024, 3, 31, 1, 30, 0, 1, tzinfo=UTC),  # the night clocks change
        datetime.datetime(1001, 1, 1, 0, 0, tzinfo=UTC),
        datetime.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
        None,
    ],
    site.DecimalValue: [Decimal("12.5"), Decimal("-0.0000000001"), Decimal("0"), None],
    site.DurationValue: [
        datetime.timedelta(hours=1), datetime.timedelta(0), datetime.timedelta(microseconds=1),
        datetime.timedelta(days=-1, seconds=5), datetime.timedelta(days=-3, microseconds=-7),
        datetime.timedelta(days=36500, microseconds=999999), None,
    ],
    site.EmailValue: ["a@example.org", "o'brien+tag@example.org", "", None],
    site.FileValue: ["uploads/a.txt", "uploads/a b 'c'.txt", ""],
    site.FilePathValue: ["/srv/files/a.txt", "/srv/files/\u00e9t\u00e9.txt", ""],
    site.FloatValue: [1.5, 0.1, -1e300, 5e-324, 0.0, None],
    site.GenericIPAddressValue: ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", None],
    site.ImageValue: ["images/a.png", "images/\u00e9.png"],
    site.IntegerValue: [1, -2147483648, 2147483647, 0, None],
    site.JSONValue: [
        {"k": 1},
        {"nested": {"list": [1, 2.5, "three", None, True]}, "empty": {}, "a": []},
        [1, "two", {"three": 3}],
        "a JSON string",
        "",
        42,
        1.5,
        True,
        {"path": "C:\\dir\\file", "quote": "it's \"x\"", "line": "a\nb\u2028c"},
        {"emoji": "\U0001f389"},
        models.Value(None, models.JSONField()),  # JSON null, distinct from SQL NULL
        None,
    ],
    site.PositiveBigIntegerValue: [1, 0, 9223372036854775807, None],
    site.PositiveIntegerValue: [1, 0, 2147483647, None],
    site.PositiveSmallIntegerValue: [1, 0, 32767, None],
    site.SlugValue: ["plain", "a-b_c", "", None],
    site.SmallIntegerValue: [1, -32768, 32767, None],
    site.TextValue: [*HOSTILE_TEXTS, "long " * 5000, None],
    site.TimeValue: [
        datetime.time(12, 0), datetime.time(0, 0), datetime.time(23, 59, 59, 999999),
        datetime.time(12, 34, 56, 1), None,
    ],
    site.URLValue: ["https://example.org/", "https://example.org/a?b=c&d='e'#f", "", None],
    site.UUIDValue: [
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        uuid.UUID(int=0),
        uuid.UUID(int=2**128 - 1),
        None,
    ],
}  # fmt: skip
UUIDS = [uuid.UUID(int=n * 0x1111_0000_0000_0000_0000_0000_0000_0001) for n in (1, 2, 3)]


# SQLite keeps a decimal as a float: 15 significant digits are all it holds exactly.
LONG_DECIMALS = {
    "sqlite": [Decimal("12345.6789012345"), Decimal("-99999.9999999999")],
    "other": [Decimal("12345678901234567890.1234567890"), Decimal("-99999999999999999999.9999999999")],
}


def fill():
    for model, values in VALUES.items():
        for value in values:
            model.objects.create(value=value)
    engine = "sqlite" if connection.vendor == "sqlite" else "other"
    for value in LONG_DECIMALS[engine]:
        site.DecimalValue.objects.create(value=value)
    if connection.vendor != "postgresql":  # jsonb refuses \u0000
        site.JSONValue.objects.create(value={"nul": "\u0000"})
    for model in (site.AutoValue, site.BigAutoValue, site.SmallAutoValue):
        for label in ("kept", "lost", "lost too"):
            model.objects.create(label=label)
    fill_relations()
    fill_auth()


def fill_relations():
    owners = [site.UuidOwner.objects.create(id=key, name=f"owner {n}") for n, key in enumerate(UUIDS)]
    for owner in owners:
        site.UuidPet.objects.create(owner=owner, name=f"pet of {owner.name}")
        site.Passport.objects.create(holder=owner, number=f"P-{owner.name}")
    for code in ("kept", "42", "007", "a b'c"):
        owner = site.TextOwner.objects.create(code=code, name=f"owner {code}")
        site.TextPet.objects.create(owner=owner, name=f"pet of {code}")
    for tree in ("kept", "lost"):
        root = site.Node.objects.create(name=f"{tree} root")
        child = site.Node.objects.create(name=f"{tree} child", parent=root)
        site.Node.objects.create(name=f"{tree} grandchild", parent=child)
    site.Place.objects.create(name="plain place")
    site.Shop.objects.create(name="kept shop", shelves=3)
    site.Shop.objects.create(name="lost shop", shelves=7)
    tags = [site.Tag.objects.create(name=name) for name in ("red", "green", "blue")]
    for title in ("first", "second", "third"):
        article = site.Article.objects.create(title=f"{title} article")
        article.tags.add(*tags[: len(title) % 3 + 1])
    clubs = [site.Club.objects.create(name=name) for name in ("chess", "choir")]
    people = [site.Person.objects.create(name=name) for name in ("ann", "ben", "cleo")]
    for person in people:
        for club in clubs:
            site.Membership.objects.create(person=person, club=club, since=datetime.date(2020, 1, 2))
    for tag in tags:
        site.Note.objects.create(target=tag, text=f"note on {tag.name}")
    site.Note.objects.create(target=people[0], text="note on ann")
    kinds = [site.TicketType.objects.create(name=name) for name in ("bug", "wish")]
    for n in range(4):
        site.Ticket.objects.create(ticket_type=kinds[n % 2], summary=f"ticket {n}")
    if settings.SCOPE == "full":
        from fieldsite.keys.models import Stock

        for warehouse in ("north", "south"):
            for number in (0, 1, 2):
                Stock.objects.create(warehouse=warehouse, number=number, quantity=number * 10)


def fill_auth():
    editors = Group.objects.create(name="editors")
    readers = Group.objects.create(name="readers")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="fieldsite")[:5])
    readers.permissions.add(Permission.objects.get(codename="view_user"))
    joined = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    for name in ("alice", "bob", "carol"):
        user = User.objects.create(username=name, email=f"{name}@example.org", date_joined=joined)
        user.groups.add(editors, readers)
        user.user_permissions.add(Permission.objects.get(codename="add_group"))
    ContentType.objects.clear_cache()
