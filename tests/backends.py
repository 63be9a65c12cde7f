"""What tests ask a database about itself, on either backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from plugin.store import PgStore, Store, is_url


def is_postgres(store: Store) -> bool:
    return isinstance(store, PgStore)


def table_names(store: Store) -> set[str]:
    if is_postgres(store):
        rows = store.query(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'openwebui_monitor'"
        )
    else:
        rows = store.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


# For a test of SQLite's own machinery (its file, its locks, the event loop's fast paths): the `backend`
# fixture's PostgreSQL run is left out. Everything billing means is tested on both.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@contextmanager
def _own_connection(target: str) -> Iterator[Any]:
    """A connection of its own on the database, as another process would open it (PostgreSQL: autocommit;
    SQLite: no foreign keys, as the sqlite3 shell)."""
    if is_url(target):
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("SET search_path TO openwebui_monitor")
            yield conn
        return
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def plain_rows(store: Store, sql: str) -> list[tuple]:
    """Rows read on a connection of their own, as another process would read them: what was committed."""
    with _own_connection(store.target) as conn:
        return conn.execute(sql).fetchall()


INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def plain_execute(target: str, *statements: str) -> None:
    """Statements committed one by one on a connection of their own (another worker, a crude manual fix)."""
    with _own_connection(target) as conn:
        for sql in statements:
            conn.execute(sql)


def target_of(flt: object) -> str:
    """The database a function's valves name."""
    valves = flt.valves  # type: ignore[attr-defined]
    return valves.database_url or valves.db_path


def open_target(target: str, **kwargs: object) -> Store:
    """A store of its own on a database (a restarted process), closed by the caller."""
    if is_url(target):
        return PgStore(target, **kwargs)  # type: ignore[arg-type]
    return Store(target, **kwargs)  # type: ignore[arg-type]
