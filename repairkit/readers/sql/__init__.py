"""SQL dumps: ``sqlite3 .dump``, ``pg_dump`` and ``mysqldump`` output."""
