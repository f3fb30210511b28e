from django.apps import AppConfig


class FieldKeysConfig(AppConfig):
    name = "fieldsite.keys"
    label = "fieldkeys"
    default_auto_field = "django.db.models.BigAutoField"
