#!/usr/bin/env python
"""Run Django/Lino management commands on the repairkit demo site.

Puts this directory on ``sys.path`` so that ``repairdemo.settings`` imports
from anywhere, e.g. ``python demo/manage.py prep --noinput``.
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairdemo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
