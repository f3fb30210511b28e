"""The code of every ``--emit django`` script, copied into it after the script's data.

repairkit never imports the modules of this package: ``repairkit.writers.
django_script`` reads their text, in the order of ``PARTS``, and writes it
into the script after ``TABLES`` and ``UPDATES``, leaving out each module's
docstring, its ``from __future__`` import and its imports of the other parts
(the script is one module, where those names are defined already). So they
import only Django and the standard library, never repairkit: the script
runs on sites where repairkit is not installed. They are real modules so
that ruff, mypy and the tests look at them like at any other code.

The script gives the guarantees of ``repairkit.runtime``
(docs/restore-script.md), reimplemented here because that package needs
repairkit: one transaction; raw INSERTs of each model's own columns (no
``save()``, no signals); rows whose primary key exists are skipped and
counted; foreign keys checked before the end; PostgreSQL sequences raised,
never lowered; content types by natural key; a dry run unless ``--apply``.
Field repairs (``UPDATES``) follow the inserts in the same transaction.
"""

# In dependency order: each part uses only names of the parts before it.
PARTS = ("records", "target", "repairs", "apply", "command")
