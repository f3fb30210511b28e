"""The restore engine: what both forms of the restore script run on the server.

It puts rows back and repairs fields with Django's ORM, with the guarantees
of docs/restore-script.md: one transaction; raw INSERTs of each model's own
columns (no ``save()``, no signals); rows whose primary key exists are
skipped and counted; foreign keys checked before the end, naming the first
dangling row; PostgreSQL sequences raised, never lowered; content types by
natural key; datetimes taken as UTC; a dry run unless ``--apply``; a field
repaired only where it still holds the value the plan saw; any failure names
the row and changes nothing.

Two callers, one engine:

- a restore directory's ``restore.py`` runs ``repairkit.runtime``, which
  reads the directory as data into this engine's records (``SourceTable``,
  ``Update``, with each row's file and line) and calls ``command.run``;
- the standalone ``--emit django`` script *is* this engine:
  ``repairkit.writers.django_script`` copies the text of these modules, in
  the order of ``PARTS``, after the script's data, leaving out each module's
  docstring, its ``from __future__`` import and its imports of the other
  parts (the script is one module, where those names are defined already).

So these modules import only Django (inside functions: they are imported
before Django is set up) and the standard library, never repairkit: the
script runs on sites where repairkit is not installed. They are real
modules so that ruff, mypy and the tests look at them like at any other code.
"""

# In dependency order: each part uses only names of the parts before it.
PARTS = ("records", "target", "problems", "preview", "repairs", "validation", "apply", "command")
