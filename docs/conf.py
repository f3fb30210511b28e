"""Sphinx configuration of repairkit's documentation site (``docs/``).

The pages are the Markdown files beside this one (MyST); the command
reference is generated from the click commands, the API from docstrings.
Built with warnings as errors by ``tests/test_docs_site.py``:

    sphinx-build -W -b html docs docs/_build/html
"""

project = "repairkit"
author = "the repairkit developers"
extensions = ["myst_parser", "sphinx_click", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "alabaster"
autodoc_typehints = "description"
# Options such as --table must stay two hyphens, not become an en dash.
smartquotes = False


def _escape_globs(app: object, ctx: object, lines: list[str]) -> None:
    # Help texts show shell globs (backups/*/), which reStructuredText would read as emphasis.
    lines[:] = [line.replace("*", r"\*") for line in lines]


def setup(app: object) -> None:
    app.connect("sphinx-click-process-description", _escape_globs)  # type: ignore[attr-defined]
