"""Lino ``dump2py`` directories: ``restore.py`` and one Python file per table."""
