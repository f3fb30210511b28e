from django.db import models


class Stock(models.Model):
    pk = models.CompositePrimaryKey("warehouse", "number")
    warehouse = models.CharField(max_length=20)
    number = models.IntegerField()
    quantity = models.IntegerField()
