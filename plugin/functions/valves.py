"""The settings the three functions share: where the monitor keeps its data."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from .. import openwebui
from ..store import is_url


def _checked_database_url(value: str) -> str:
    """Empty, or a PostgreSQL URL: anything else is refused when the admin saves, not at the next chat."""
    value = value.strip()
    if value and not is_url(value):
        raise ValueError("database_url must be empty or start with postgresql://")
    return value


# The `database_url` valve of the filter, the pipe and the action (`database_url: DatabaseUrl = ""`).
DatabaseUrl = Annotated[
    str,
    Field(
        max_length=4096,
        description="PostgreSQL URL (postgresql://user:password@host:5432/db) for deployments with several Open WebUI"
        " replicas; the monitor keeps its tables in the schema openwebui_monitor. Empty = the SQLite file (db_path)."
        " Set the same value in the filter, the pipe and the action.",
    ),
    AfterValidator(_checked_database_url),
]


def store_target(valves: object) -> tuple[str, Path | None]:
    """The database the valves name (the PostgreSQL URL, else the SQLite file), and where a restore writes its
    backup when the database is not a file. Asked at every hook: one cached lookup."""
    return _located(valves.database_url, valves.db_path, openwebui.data_dir_text())  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=64)
def _located(url: str, path: str, data_dir: str) -> tuple[str, Path | None]:
    """`data_dir` is only the cache's key: the default file moves with Open WebUI's DATA_DIR."""
    default = openwebui.default_db_path()
    if url.strip():
        return url.strip(), default.parent
    return path.strip() or str(default), None


def env_float(name: str, default: float) -> float:
    """The original Monitor's environment variables seed the valve defaults when present."""
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)
