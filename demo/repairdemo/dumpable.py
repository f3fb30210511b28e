"""The models that ``dump2py`` writes, for the scripts that must mirror a dump."""

from lino.core.utils import full_model_name, sorted_models_list

# dump2py leaves these out of every dump (see its ``skip_models``).
SKIPPED_BY_DUMP2PY = frozenset(
    {"contenttypes.ContentType", "sessions.Session", "checkdata.Message"}
)


def dumped_models():
    """Return the models whose rows ``dump2py`` writes, in its listing order."""
    return [m for m in sorted_models_list() if full_model_name(m) not in SKIPPED_BY_DUMP2PY]


def read_pks():
    """Return ``{db_table: set of primary keys}`` for every dumped model."""
    return {
        model._meta.db_table: set(model.objects.values_list("pk", flat=True))
        for model in dumped_models()
    }
