"""The settings the three functions share: where the monitor keeps its data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from .. import openwebui

DATABASE_URL_DESCRIPTION = (
    "PostgreSQL URL (postgresql://user:password@host:5432/db) for deployments with several Open WebUI replicas;"
    " the monitor keeps its tables in the schema openwebui_monitor. Empty = the SQLite file (db_path)."
    " Set the same value in the filter, the pipe and the action."
)


def database_url_field() -> Any:
    return Field(default="", max_length=4096, description=DATABASE_URL_DESCRIPTION)


def checked_database_url(value: str) -> str:
    """Empty, or a PostgreSQL URL: anything else is refused when the admin saves, not at the next chat."""
    value = value.strip()
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError("database_url must be empty or start with postgresql://")
    return value


def store_target(valves: Any) -> tuple[str, Path]:
    """The database the valves name (the PostgreSQL URL, else the SQLite file), and where a restore writes its
    backup when the database is not a file."""
    folder = openwebui.default_db_path().parent
    url = str(getattr(valves, "database_url", "") or "").strip()
    return url or valves.db_path.strip() or str(openwebui.default_db_path()), folder
