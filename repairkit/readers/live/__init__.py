"""Live databases: a database URL, or a Django site's own connection."""
