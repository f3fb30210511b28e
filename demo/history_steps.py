"""A week of the demo site, one day at a time: the series that the history tests read.

Run inside the site, on a database that ``prep`` has filled ("mon")::

    REPAIRDEMO_DB=... python demo/manage.py run demo/history_steps.py tue|wed|thu

Then ``accident.py`` makes "today". What each day does:

- tue: note 20's body is edited; note 50 is deleted on purpose (and stays
  gone); note 60 is deleted; partner 70 is added;
- wed: note 20's body is edited again; partner 71 is added;
- thu: note 20 is deleted; note 60 is created again with the same key and
  another subject; partner 72 is added.

Every day adds one partner whose ``created`` is that day, so that the data
tells the days apart even where the files' times do not. None of these rows
is one that ``accident.py`` adds, edits or deletes.
"""

import datetime
import sys

from django.db import transaction
from lino.api import rt

EDITED_NOTE = 20  # edited twice, then deleted
OLD_DELETION = 50  # deleted on purpose on tue
RECREATED_NOTE = 60  # deleted on tue, back on thu with the same pk
BODIES = {"tue": "Called back: wants the blue one.", "wed": "Delivered on Wednesday, paid cash."}
NEW_PARTNERS = {"tue": 70, "wed": 71, "thu": 72}
DAYS = {"tue": 3, "wed": 4, "thu": 5}


def add_partner(day):
    m = rt.models.repairdemo
    pk = NEW_PARTNERS[day]
    partner = m.Partner(
        id=pk, name=f"Walk-in customer {pk}", email=f"walkin{pk}@example.org",
        created=datetime.datetime(2025, 11, DAYS[day], 10, 0, 0),
    )  # fmt: skip
    partner.full_clean()
    partner.save()


def tue():
    m = rt.models.repairdemo
    note = m.Note.objects.get(pk=EDITED_NOTE)
    note.body = BODIES["tue"]
    note.save()
    m.Note.objects.get(pk=OLD_DELETION).delete()
    m.Note.objects.get(pk=RECREATED_NOTE).delete()
    add_partner("tue")


def wed():
    m = rt.models.repairdemo
    note = m.Note.objects.get(pk=EDITED_NOTE)
    note.body = BODIES["wed"]
    note.save()
    add_partner("wed")


def thu():
    m = rt.models.repairdemo
    m.Note.objects.get(pk=EDITED_NOTE).delete()
    owner = m.Partner.objects.get(pk=70)
    note = m.Note(
        id=RECREATED_NOTE, owner=owner, date=datetime.date(2025, 11, 5),
        subject="Second visit", body="Came back for the catalogue.",
    )  # fmt: skip
    note.full_clean()
    note.save()
    add_partner("thu")


if __name__ == "__main__":
    with transaction.atomic():
        {"tue": tue, "wed": wed, "thu": thu}[sys.argv[1]]()
