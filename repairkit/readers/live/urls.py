"""Database URLs: the schemes a live reader knows, how a URL is shown, the drivers it needs."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from repairkit.errors import DumpNotFoundError

URL_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}


def is_database_url(source: str) -> bool:
    """Tell whether ``source`` is a database URL that ``read_database_url`` knows."""
    scheme, _, rest = source.partition("://")
    return bool(rest) and scheme.lower() in URL_SCHEMES


def is_server_url(source: str) -> bool:
    """Tell whether ``source`` is the URL of a database server (PostgreSQL, MySQL, MariaDB)."""
    scheme = source.partition("://")[0].lower()
    return is_database_url(source) and URL_SCHEMES[scheme] != "sqlite"


def sqlite_path(url: str) -> Path | None:
    """Return the file of a ``sqlite:///`` URL, as SQLAlchemy spells it; None for another URL."""
    scheme, _, rest = url.partition("://")
    if URL_SCHEMES.get(scheme.lower()) != "sqlite":
        return None
    return Path(unquote(rest[1:]))


def without_password(url: str) -> str:
    """Return ``url`` with its password, if any, shown as ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def import_driver(module: str, url: str, extra: str) -> Any:
    """Import a database driver, which only reading that kind of database needs."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise DumpNotFoundError(
            without_password(url), f"reading it needs {module}: pip install 'repairkit[{extra}]'"
        ) from err
