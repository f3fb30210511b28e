"""The accident on the Patrols site, through the site's own ORM (run with ``manage.py run``).

Deletes two courses, which takes along the calendar entries they own (a
generic foreign key, ``cal_event.owner``) and those entries' guests; the
notes about those entries protect them, so they go first. Deletes a
translated publisher page and the mentions it holds (generic foreign keys
too: nothing cascades to them, so they go first). Then blanks the first
name of every user after the tenth with one bulk update.
"""

from django.apps import apps

Course = apps.get_model("courses", "Course")
Page = apps.get_model("publisher", "Page")
Note = apps.get_model("notes", "Note")
Event = apps.get_model("cal", "Event")
Mention = apps.get_model("memo", "Mention")
User = apps.get_model("users", "User")
ContentType = apps.get_model("contenttypes", "ContentType")

deleted = {}
course_type = ContentType.objects.get_for_model(Course)
course_events = Event.objects.filter(owner_type=course_type, owner_id__in=[1, 2])
doomed = (
    Note.objects.filter(event__in=course_events),
    Course.objects.filter(pk__in=[1, 2]),
    Mention.objects.filter(owner_type=ContentType.objects.get_for_model(Page), owner_id=33),
    Page.objects.filter(pk__in=[33]),
)
for rows in doomed:
    _, counts = rows.delete()
    for label, count in counts.items():
        deleted[label] = deleted.get(label, 0) + count
blanked = User.objects.filter(pk__gt=10).exclude(first_name="").update(first_name="")
print("DELETED", sorted(deleted.items()), "BLANKED", blanked)
