"""The demo site with time zone support on, for the restore runtime's datetime tests.

``TIME_ZONE`` is not UTC so that a naive datetime taken for local time and
one taken for UTC end up as different stored values.
"""

from repairdemo.settings import *  # noqa: F403 -- the one site, with USE_TZ on

USE_TZ = True
TIME_ZONE = "Europe/Brussels"
