from decimal import Decimal

from django.db import migrations, models


def compute_priority(apps, schema_editor):
    """Big orders first: a total over 2000 gets priority 1."""
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(total__gt=Decimal(2000)).update(priority=1)


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RenameField("customer", "city", "town"),
        migrations.RemoveField("order", "remark"),
        migrations.AddField("order", "priority", models.IntegerField(default=3)),
        migrations.RunPython(compute_priority, migrations.RunPython.noop),
    ]
