from django.apps import AppConfig


class FieldsiteConfig(AppConfig):
    name = "fieldsite"
    default_auto_field = "django.db.models.BigAutoField"
