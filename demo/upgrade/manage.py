#!/usr/bin/env python
"""Run Django/Lino management commands on the demo site at version 2.0.

Puts this directory (not ``demo/``) on ``sys.path``: here ``repairdemo`` is
the upgraded app, and ``notes`` the app that Note moved to.
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairdemo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
