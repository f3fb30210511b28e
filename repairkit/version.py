"""The version of repairkit, which the files it renders name.

A module of its own, so that writers can name it without importing the
package's public API (which imports the writers).
"""

__version__ = "0.1.0"
