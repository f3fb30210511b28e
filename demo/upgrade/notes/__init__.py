"""Notes about partners, orders and products (in ``repairdemo`` until version 1.0)."""

from lino.api import ad


class Plugin(ad.Plugin):
    verbose_name = "Notes"
