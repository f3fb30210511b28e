"""Customers and their orders, at the schema of migration 0002."""
