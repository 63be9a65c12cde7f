"""Schema versions: small ordered steps, recorded by sqlite-utils in `_sqlite_migrations`.

A released step is never edited; a change of schema is a new step plus the same change in `schema.sql`,
and `tests/test_store.py` proves that migrating the oldest database yields exactly `schema.sql`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

MIGRATIONS = sqlite_utils.Migrations("openwebui_monitor")


def schema_sql() -> str:
    """The schema text: embedded in a generated function file, or read beside the package in a checkout."""
    try:
        from ._bundled import FILES  # type: ignore[import-not-found]

        return FILES["schema.sql"]
    except ImportError:
        return (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")


def statements(script: str) -> list[str]:
    """Split a SQL script into statements, because executescript() would commit the migration's transaction."""
    result: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:80]}")
    return result


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """The first schema (0.1.0). Before schema.sql first changes, paste its 0.1.0 text here instead."""
    for sql in statements(schema_sql()):
        db.conn.execute(sql)


def apply(db: sqlite_utils.Database) -> None:
    MIGRATIONS.apply(db)


def version(db: sqlite_utils.Database) -> str | None:
    """The name of the last applied step, or None for an empty database."""
    applied = MIGRATIONS.applied(db)
    return applied[-1].name if applied else None
