"""Writers: one module per output format (RestorePlan -> files)."""

from .restore_dir import write_restore_dir

__all__ = ["write_restore_dir"]
