"""The models at migration 0002 (see the migrations for 0001)."""

from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    town = models.CharField(max_length=100, blank=True)  # 0002: renamed from city


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    priority = models.IntegerField(default=3)  # 0002: new; the data migration computes it
    # 0002: the column "remark" was removed.
