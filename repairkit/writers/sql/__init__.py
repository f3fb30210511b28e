"""SQL restore scripts: one module per engine, a shared base, and ``render_sql``."""

from .script import DIALECTS, SqlScript, emit_sql, make_dialect, render_sql

__all__ = ["DIALECTS", "SqlScript", "emit_sql", "make_dialect", "render_sql"]
