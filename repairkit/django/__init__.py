"""repairkit as a Django app: ``python manage.py repairkit diff|merge|...`` on the site itself.

Add ``"repairkit.django"`` to ``INSTALLED_APPS`` (a Lino site yields it from
``get_installed_plugins()``); the command then knows the site's settings and
models, and the site's database is the current state by default.
"""
