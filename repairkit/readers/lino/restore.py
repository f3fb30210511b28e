"""Learn a Lino dump's schema from its ``restore.py``, without running it.

restore.py is small (one function per model), so it is parsed with ``ast``:
the syntax tree is only inspected, never compiled or executed. From it we
learn, per table, the columns in the order the data files use and their
kinds, the model, the multi-table-inheritance parent, and from ``main()``
the data files in load order.

Its bytes are checked as Python's tokenizer would take them
(``python_source``: a BOM is fine, a non-UTF-8 encoding is not), and its
size is bounded, since a syntax tree takes many times the memory of its
text: ``MAX_RESTORE_BYTES``, ``MAX_COLUMNS`` per table. Real restore.py
files are far below both (a few hundred KB for hundreds of models).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import CONTENT_TYPE_TABLE, Column, ColumnKind

from .python_source import check_python_source
from .text_kinds import MARKER_CALLS

CREATE_PREFIX = "create_"
MAX_RESTORE_BYTES = 8 * 1024 * 1024  # a syntax tree takes some 30-50 times its text
MAX_COLUMNS = 4096  # per table; MySQL's own limit, above PostgreSQL's 1600 and SQLite's 2000

# "# DJANGO_SETTINGS_MODULE was 'site.settings', TIME_ZONE was 'UTC'." Each part
# is one quoted text or one word, so that matching stays linear in the line.
_HEADER_VALUE = r"""u?('[^']*'|"[^"]*"|[^\s,'"]+?)"""
_HEADER = re.compile(
    rf"DJANGO_SETTINGS_MODULE was {_HEADER_VALUE}, TIME_ZONE was {_HEADER_VALUE}\.\s*$"
)
_HEADER_LINES = 10
_HEADER_LINE_LENGTH = 1000
# dump2py --tolerate writes this at column 0 inside main(); it may even make the
# file invalid Python, so it is looked for before parsing.
# "#    if gender: gender = settings.SITE.models.system.Genders.get_by_value(gender)"
_CHOICE_COMMENT = re.compile(r"#\s*if (\w+): \1 = .*\.get_by_value\(\1\)")
_KEY_COMMENT = re.compile(r"\s*# key: (\w+(?:, \w+)+)\s*$")
_TOLERATED = re.compile(r"^\s*raise\s+Exception\((.*)\)\s*$")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of a ``create_<table>`` function: an attname and its kind."""

    name: str
    kind: ColumnKind


@dataclass(frozen=True, slots=True)
class TableSchema:
    """What restore.py says about one table."""

    name: str
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    pk: str
    model: str | None
    parent_model: str | None
    line: int
    # The columns that identify a row where more than pk, from a "# key: a, b"
    # comment: repairkit's restore directories write one for a composite key.
    key: tuple[str, ...] = ()


@dataclass(slots=True)
class RestoreModule:
    """The parsed restore.py of one dump."""

    path: Path
    info: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    model_globals: dict[str, str] = field(
        default_factory=dict
    )  # contacts_Person -> contacts.Person
    tables: dict[str, TableSchema] = field(default_factory=dict)
    data_files: list[tuple[str, int]] = field(
        default_factory=list
    )  # (file name, line in restore.py)

    def table_of_model(self, label: str) -> str | None:
        """Return the db table whose create function builds model ``label``."""
        for table in self.tables.values():
            if table.model == label:
                return table.name
        return None


def read_restore_module(path: Path) -> RestoreModule:
    """Parse a dump's restore.py into a RestoreModule.

    :raises DumpFormatError: if it is not a dump2py restore.py, or if a table
        was not dumped (``dump2py --tolerate``).
    """
    text = _read_text(path)
    # Split where Python's tokenizer does, so that these numbers are the syntax
    # tree's (str.splitlines also splits at \f, \v, \x1c-\x1e, \x85, \u2028...).
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        tolerated = _TOLERATED.match(line)
        if tolerated:
            raise DumpFormatError(
                path, number, f"a table was not dumped (dump2py --tolerate): {tolerated.group(1)}"
            )
    tree = _parse(path, text)

    module = RestoreModule(path=path, info=_read_header(lines))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            _read_assignment(module, node)
        elif isinstance(node, ast.FunctionDef) and node.name == "bv2kw":
            module.languages = _read_languages(node)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith(CREATE_PREFIX):
            schema = _read_create_function(module, node, lines)
            module.tables[schema.name] = schema
        elif isinstance(node, ast.FunctionDef) and node.name == "main":
            module.data_files = _read_data_files(node)
    if not module.tables:
        raise DumpFormatError(path, 1, "no create_<table> functions: not a dump2py restore.py")
    return module


def _read_text(path: Path) -> str:
    """Return the text of restore.py, checked as Python would read it.

    :raises DumpFormatError: if it is too big, or not text that Python reads as we do.
    """
    with path.open("rb") as file:
        data = file.read(MAX_RESTORE_BYTES + 1)
    if len(data) > MAX_RESTORE_BYTES:
        raise DumpFormatError(
            path, 1, f"larger than {MAX_RESTORE_BYTES // 2**20} MiB: not a dump2py restore.py"
        )
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return check_python_source(path, data).decode("utf-8")


def _parse(path: Path, text: str) -> ast.Module:
    """Return the syntax tree of restore.py, without compiling or running it.

    :raises DumpFormatError: if it is not Python, or too deeply nested to parse.
    """
    try:
        # The parser's warnings (an invalid escape, ``1if x``) are about the
        # dump's code, which repairkit never runs: they would only confuse.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return ast.parse(text, filename=str(path))
    except SyntaxError as err:
        raise DumpFormatError(path, err.lineno or 1, f"not valid Python: {err.msg}") from err
    except (RecursionError, MemoryError) as err:
        raise DumpFormatError(
            path, 1, f"too deeply nested to parse ({type(err).__name__}): not a dump2py restore.py"
        ) from err


def _read_header(lines: list[str]) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in lines[:_HEADER_LINES]:
        match = _HEADER.search(line) if len(line) <= _HEADER_LINE_LENGTH else None
        if match:
            info["settings"] = match.group(1).strip("'\"")
            info["time_zone"] = match.group(2).strip("'\"")
    return info


def _read_assignment(module: RestoreModule, node: ast.Assign) -> None:
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return
    name = node.targets[0].id
    value = node.value
    if name == "SOURCE_VERSION" and isinstance(value, ast.Constant):
        module.info["source_version"] = str(value.value)
    elif (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "resolve_model"
        and len(value.args) == 1
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
    ):
        module.model_globals[name] = value.args[0].value


def _read_languages(node: ast.FunctionDef) -> tuple[str, ...]:
    """Return the site languages in the order of ``values[i]`` in ``babelkw(...)``."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and call.keywords:
            indexed = []
            for keyword in call.keywords:
                value = keyword.value
                if (
                    keyword.arg
                    and isinstance(value, ast.Subscript)
                    and isinstance(value.slice, ast.Constant)
                    and isinstance(value.slice.value, int)
                ):
                    indexed.append((value.slice.value, keyword.arg))
            if indexed:
                return tuple(language for _, language in sorted(indexed))
    return ()


def _read_create_function(
    module: RestoreModule, node: ast.FunctionDef, lines: list[str]
) -> TableSchema:
    table = node.name[len(CREATE_PREFIX) :]
    names = [arg.arg for arg in node.args.args]
    kinds = dict.fromkeys(names, ColumnKind.PLAIN)
    model: str | None = None
    parent_model: str | None = None
    parent_link: str | None = None
    for statement in ast.walk(node):
        text_kind = _text_kind_marked(statement)
        if text_kind is not None and _assigned_name(statement) in kinds:
            kinds[_assigned_name(statement)] = text_kind
        elif _is_decimal_conversion(statement):
            kinds[_assigned_name(statement)] = ColumnKind.DECIMAL
        elif _is_content_type_conversion(statement):
            kinds[_assigned_name(statement)] = ColumnKind.CONTENT_TYPE
        elif isinstance(statement, ast.Call) and _call_name(statement) == "bv2kw":
            argument = statement.args[1] if len(statement.args) == 2 else None
            if isinstance(argument, ast.Name) and argument.id in kinds:
                kinds[argument.id] = ColumnKind.BABEL
        elif isinstance(statement, ast.Return) and isinstance(statement.value, ast.Call):
            call = statement.value
            if _call_name(call) == "create_mti_child" and len(call.args) == 3:
                parent_global, link, child_global = call.args
                if isinstance(parent_global, ast.Name):
                    parent_model = module.model_globals.get(parent_global.id)
                if isinstance(link, ast.Name):
                    parent_link = link.id
                if isinstance(child_global, ast.Name):
                    model = module.model_globals.get(child_global.id)
            elif isinstance(call.func, ast.Name):
                model = module.model_globals.get(call.func.id)
    # Choicelist fields are marked only by a comment, which the syntax tree drops.
    key: tuple[str, ...] = ()
    for line in lines[node.lineno : node.end_lineno]:
        choice = _CHOICE_COMMENT.match(line)
        if choice and choice.group(1) in kinds:
            kinds[choice.group(1)] = ColumnKind.CHOICE
        marked = _KEY_COMMENT.match(line)
        if marked:
            key = tuple(name.strip() for name in marked.group(1).split(","))
            if len(key) < 2 or len(set(key)) < len(key) or not set(key) <= set(names):
                raise DumpFormatError(
                    module.path, node.lineno, f"{node.name}: key {key!r} is not of its columns"
                )
    if parent_link is not None and parent_link in kinds:
        kinds[parent_link] = ColumnKind.PARENT_LINK
    parameters = tuple(Parameter(name, kinds[name]) for name in names)
    if not parameters:
        raise DumpFormatError(module.path, node.lineno, f"{node.name} has no parameters")
    columns = _expand_columns(module, parameters, node)
    return TableSchema(
        name=table,
        parameters=parameters,
        columns=columns,
        pk=key[0] if key else _guess_primary_key(parameters, parent_link),
        model=model,
        parent_model=parent_model,
        line=node.lineno,
        key=key,
    )


def _expand_columns(
    module: RestoreModule, parameters: tuple[Parameter, ...], node: ast.FunctionDef
) -> tuple[Column, ...]:
    """Turn parameters into columns; a babel field is one column per language.

    :raises DumpFormatError: if that makes more than ``MAX_COLUMNS``.
    """
    languages = module.languages or ("",)
    babel = sum(parameter.kind is ColumnKind.BABEL for parameter in parameters)
    count = len(parameters) + babel * (len(languages) - 1)
    if count > MAX_COLUMNS:
        raise DumpFormatError(
            module.path, node.lineno, f"{node.name} makes {count} columns, over {MAX_COLUMNS}"
        )
    columns: list[Column] = []
    for parameter in parameters:
        if parameter.kind is ColumnKind.BABEL:
            for index, language in enumerate(languages):
                suffix = "" if index == 0 else "_" + language.replace("-", "_")
                columns.append(Column(parameter.name + suffix, ColumnKind.BABEL))
        elif parameter.kind is ColumnKind.CONTENT_TYPE:
            columns.append(Column(parameter.name, parameter.kind, CONTENT_TYPE_TABLE))
        else:
            columns.append(Column(parameter.name, parameter.kind))
    return tuple(columns)


def _guess_primary_key(parameters: tuple[Parameter, ...], parent_link: str | None) -> str:
    """Name the primary key, which restore.py does not mark.

    A multi-table-inheritance child is keyed by its parent link; otherwise
    Django's implicit ``id`` if there is one; otherwise the first field that
    is not multilingual (Django orders fields by definition, and an explicit
    primary key like ``isocode`` or a one-to-one ``user_id`` comes first
    unless a babel field such as ``name`` was declared before it).
    """
    names = [parameter.name for parameter in parameters]
    if parent_link in names:
        return parent_link
    if "id" in names:
        return "id"
    for parameter in parameters:
        if parameter.kind is not ColumnKind.BABEL:
            return parameter.name
    return names[0]


def _read_data_files(node: ast.FunctionDef) -> list[tuple[str, int]]:
    files = []
    for statement in node.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and _call_name(call) == "execfile"
            and call.args
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            files.append((call.args[0].value, statement.lineno))
    return files


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _assigned_name(statement: ast.AST) -> str:
    if isinstance(statement, ast.If):
        statement = statement.body[0]
    assert isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)
    return statement.targets[0].id


def _is_decimal_conversion(statement: ast.AST) -> bool:
    """Match ``if x is not None: x = Decimal(x)``."""
    if not (isinstance(statement, ast.If) and len(statement.body) == 1):
        return False
    inner = statement.body[0]
    return (
        isinstance(inner, ast.Assign)
        and isinstance(inner.targets[0], ast.Name)
        and isinstance(inner.value, ast.Call)
        and _call_name(inner.value) == "Decimal"
    )


def _text_kind_marked(statement: ast.AST) -> ColumnKind | None:
    """Return the kind that ``if x is not None: x = uuid.UUID(x)`` and the like mark, or None.

    The markers are in ``text_kinds``; each converts the parameter it assigns.
    """
    if not (isinstance(statement, ast.If) and len(statement.body) == 1):
        return None
    inner = statement.body[0]
    if not (
        isinstance(inner, ast.Assign)
        and len(inner.targets) == 1
        and isinstance(inner.targets[0], ast.Name)
        and isinstance(inner.value, ast.Call)
        and inner.value.args
        and isinstance(inner.value.args[0], ast.Name)
        and inner.value.args[0].id == inner.targets[0].id
    ):
        return None
    call = _dotted_name(inner.value.func)
    return MARKER_CALLS.get(call) if call is not None else None


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _is_content_type_conversion(statement: ast.AST) -> bool:
    """Match ``x = new_content_type_id(x)``."""
    return (
        isinstance(statement, ast.Assign)
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Call)
        and _call_name(statement.value) == "new_content_type_id"
    )
