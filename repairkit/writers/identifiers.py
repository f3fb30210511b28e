"""Names from a dump that generated code and file names may contain, and how.

A dump comes from anyone: its table names, column names and model labels
are hostile input like its values. The restore directory's ``restore.py``
is a Python module that the user runs, and its data files are named after
tables, so a name is written there only when it is a plain identifier
(which is also all that dump2py itself can write). Anything else is
refused by name; the SQL and Django forms, which quote names as literals,
can restore such tables.
"""

from __future__ import annotations

import keyword
import re

from repairkit.errors import EmitError

# ASCII only: Python normalises other identifiers (NFKC), so two different
# names in a dump could become one name in the generated code.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_identifier(name: str, what: str) -> str:
    """Return ``name`` if generated Python code may use it as a name; else refuse.

    ``what`` says what the name is, for the message (``"column of table t"``).

    :raises EmitError: for a name that is not a plain ASCII identifier, or is a keyword.
    """
    if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
        raise EmitError(
            f"{what} {name!r} is not a plain identifier: a restore directory cannot name it"
            " (dump2py could not have written it either); use --emit sql or --emit django,"
            " which quote every name"
        )
    return name


def check_model_label(label: str, what: str) -> str:
    """Return ``label`` if it is ``app_label.ModelName`` made of identifiers; else refuse.

    :raises EmitError: for any other label.
    """
    app_label, dot, model = label.partition(".")
    if not dot:
        raise EmitError(f"{what} {label!r} is not a model label of the form 'app_label.Model'")
    check_identifier(app_label, f"app label of {what} {label!r}:")
    check_identifier(model, f"model name of {what} {label!r}:")
    return label


def comment_text(text: str) -> str:
    """Return ``text`` safe to write after ``#`` in generated code: one line, printable.

    A line break of any kind (including a bare CR, which Python's tokenizer
    takes for the end of the comment) or another control character is
    written as its escape, so the comment cannot end early and no
    character reaches a terminal that shows the file raw.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
