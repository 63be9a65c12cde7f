"""The only module with SQL: users, the ledger, requests, usage records and prices in one SQLite file.

Every method that changes money expects to run inside `Store.immediate()`, so a billing step is one
`BEGIN IMMEDIATE` transaction on one connection. Hot-path statements are plain SQL on the connection
(sqlite3 caches prepared statements), never schema introspection.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from . import migrations

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def _dict_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class Store:
    """One SQLite database, opened once per process and path (see `open_store`)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are ours (BEGIN IMMEDIATE), never the sqlite3 module's.
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # WAL must be switched on outside a transaction; it lets readers run beside the one writer.
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode survives a crash of the process; only a power loss can drop the last commits.
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.db = sqlite_utils.Database(self.conn)
        self.clock = clock
        self._lock = threading.RLock()
        # Created up front: a lazily created executor could be created twice by two racing coroutines.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openwebui-monitor-db")
        # Under the write lock, so two workers opening a new file do not both create the tables.
        with self.immediate():
            migrations.apply(self.db)

    # -- transactions and threads -------------------------------------------------------------

    @contextmanager
    def immediate(self) -> Iterator[Store]:
        """One write transaction that takes SQLite's write lock up front, so checks and writes agree."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work on this store's own thread, so a lock wait never stalls the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.conn.close()

    def _cursor(self, sql: str, params: tuple | dict) -> sqlite3.Cursor:
        # Dict rows on our own cursors only: sqlite-utils expects tuples from the connection.
        cursor = self.conn.cursor()
        cursor.row_factory = _dict_factory
        return cursor.execute(sql, params)

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        return self._cursor(sql, params).fetchall()

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        return self._cursor(sql, params).fetchone()

    # -- users --------------------------------------------------------------------------------

    def ensure_user(self, user_id: str, name: str, email: str, role: str) -> bool:
        """Create the user or refresh its profile; returns True when the row is new."""
        now = self.clock()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, email, role, now, now),
        )
        if cur.rowcount:
            return True
        self.conn.execute(
            "UPDATE users SET name = ?, email = ?, role = ?, updated_at = ?"
            " WHERE id = ? AND (name IS NOT ? OR email IS NOT ? OR role IS NOT ?)",
            (name, email, role, now, user_id, name, email, role),
        )
        return False

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM users WHERE id = ?", (user_id,))

    def set_blocked(self, user_id: str, blocked: bool) -> None:
        self.conn.execute(
            "UPDATE users SET blocked = ?, updated_at = ? WHERE id = ?",
            (int(blocked), self.clock(), user_id),
        )

    def all_users(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM users ORDER BY id")

    # -- ledger -------------------------------------------------------------------------------

    def append_ledger(
        self,
        user_id: str,
        kind: str,
        amount: int,
        *,
        actor: str,
        reason: str = "",
        reference: str = "",
    ) -> int:
        """Change a balance by `amount` and record why; returns the balance left behind."""
        row = self.one(
            "UPDATE users SET balance = balance + ?, updated_at = ? WHERE id = ? RETURNING balance",
            (amount, self.clock(), user_id),
        )
        if row is None:
            raise LookupError(f"no such user: {user_id}")
        balance = row["balance"]
        self.conn.execute(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, reason, reference, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, kind, amount, balance, actor, reason, reference, self.clock()),
        )
        return balance

    def ledger_for(self, user_id: str) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM ledger WHERE user_id = ? ORDER BY id", (user_id,))

    def reconcile(self) -> list[dict[str, Any]]:
        """Users whose cached balance differs from their ledger sum (an empty list means all agree)."""
        return self.query(
            "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger_sum"
            " FROM users u LEFT JOIN ledger l ON l.user_id = u.id"
            " GROUP BY u.id HAVING u.balance != COALESCE(SUM(l.amount), 0)"
        )

    # -- requests (inlet to outlet) -----------------------------------------------------------

    def get_request(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM requests WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    def open_request(self, chat_id: str, message_id: str, user_id: str, model_id: str, hold: int) -> None:
        """Start (or restart, for a Continue) a request; a hold still open from a parallel inlet adds up."""
        self.conn.execute(
            "INSERT INTO requests (chat_id, message_id, user_id, model_id, hold, status, started_at)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?)"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET"
            " hold = CASE WHEN status = 'open' THEN hold + excluded.hold ELSE excluded.hold END,"
            " status = 'open', started_at = excluded.started_at, finished_at = NULL,"
            " model_id = excluded.model_id",
            (chat_id, message_id, user_id, model_id, hold, self.clock()),
        )

    def close_request(self, chat_id: str, message_id: str, status: str) -> None:
        self.conn.execute(
            "UPDATE requests SET status = ?, hold = 0, finished_at = ? WHERE chat_id = ? AND message_id = ?",
            (status, self.clock(), chat_id, message_id),
        )

    def stale_requests(self, started_before: float) -> list[dict[str, Any]]:
        return self.query(
            "SELECT * FROM requests WHERE status = 'open' AND started_at < ? ORDER BY started_at",
            (started_before,),
        )

    # -- usage records ------------------------------------------------------------------------

    def get_usage(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM usage WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    def save_usage(self, record: dict[str, Any]) -> None:
        """Insert or replace the record for (chat_id, message_id), keeping its id and first creation time."""
        now = self.clock()
        row = {**record, "created_at": now, "updated_at": now}
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k not in ("chat_id", "message_id", "created_at"))
        self.conn.execute(
            f"INSERT INTO usage ({columns}) VALUES ({marks}) ON CONFLICT (chat_id, message_id) DO UPDATE SET {updates}",
            row,
        )

    # -- prices -------------------------------------------------------------------------------

    def get_price(self, model_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM prices WHERE model_id = ?", (model_id,))

    def set_price(
        self,
        model_id: str,
        *,
        input_price: int | None = None,
        output_price: int | None = None,
        cached_input_price: int | None = None,
        per_msg_price: int | None = None,
        name: str = "",
        base_model_id: str | None = None,
        actor: str = "",
    ) -> None:
        self.conn.execute(
            "INSERT INTO prices (model_id, name, base_model_id, input_price, output_price, cached_input_price,"
            " per_msg_price, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (model_id) DO UPDATE SET name = excluded.name, base_model_id = excluded.base_model_id,"
            " input_price = excluded.input_price, output_price = excluded.output_price,"
            " cached_input_price = excluded.cached_input_price, per_msg_price = excluded.per_msg_price,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (
                model_id,
                name,
                base_model_id,
                input_price,
                output_price,
                cached_input_price,
                per_msg_price,
                self.clock(),
                actor,
            ),
        )

    def delete_price(self, model_id: str) -> bool:
        """Remove an admin-set price, so resolution falls through to the next source; True if one existed."""
        return self.conn.execute("DELETE FROM prices WHERE model_id = ?", (model_id,)).rowcount > 0

    def all_prices(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM prices ORDER BY model_id")

    # -- export and restore -------------------------------------------------------------------

    def usage_rows(
        self, *, start: float | None = None, end: float | None = None, user_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Usage records in [start, end) with the user's current name and email, oldest first (for CSV)."""
        return self.query(
            "SELECT u.*, COALESCE(p.name, '') AS user_name, COALESCE(p.email, '') AS user_email"
            " FROM usage u LEFT JOIN users p ON p.id = u.user_id"
            " WHERE (:start IS NULL OR u.created_at >= :start) AND (:end IS NULL OR u.created_at < :end)"
            " AND (:user_id IS NULL OR u.user_id = :user_id)"
            " ORDER BY u.created_at, u.id",
            {"start": start, "end": end, "user_id": user_id},
        )

    def columns(self, table: str) -> list[dict[str, Any]]:
        """A table's columns as SQLite declares them (name, type, notnull, dflt_value, pk)."""
        if table not in TABLES:
            raise ValueError(f"not a monitor table: {table}")
        return self.query(f"PRAGMA table_info({table})")

    def dump(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, in primary-key order, exactly as stored."""
        keys = [c["name"] for c in sorted(self.columns(table), key=lambda c: c["pk"]) if c["pk"]]
        order = ", ".join(keys) if keys else "rowid"
        return self.query(f"SELECT * FROM {table} ORDER BY {order}")

    def replace_all(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Empty every table and insert `tables` instead. Run it inside `immediate()`: a constraint that fails
        raises `RestoreError` naming the row, and the caller's transaction rolls everything back."""
        for table in reversed(TABLES):  # children before parents, for the foreign keys
            self.conn.execute(f"DELETE FROM {table}")
        for table in TABLES:
            known = {c["name"] for c in self.columns(table)}
            for index, row in enumerate(tables.get(table, ())):
                unknown = set(row) - known
                if unknown:
                    raise RestoreError(f"{table}[{index}]: unknown column {sorted(unknown)[0]}")
                names = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                try:
                    self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values()))
                except (sqlite3.IntegrityError, OverflowError) as exc:
                    raise RestoreError(f"{table}[{index}]: {exc}") from exc


# Every table of the monitor, parents before children (the order a restore inserts them in).
TABLES = ("users", "prices", "ledger", "requests", "usage")


class RestoreError(Exception):
    """A row a restore could not insert: which one, and the constraint it broke."""


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: str | Path) -> Store:
    """The process-wide Store for `path`: Filter, Pipe and Action share one connection per file."""
    raw = str(path)
    store = _stores.get(raw)  # the hot path: one dict lookup, no filesystem call
    if store is not None:
        return store
    key = str(Path(raw).resolve()) if raw != ":memory:" else raw
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = Store(raw)
        _stores[raw] = store
        return store


async def open_store_async(path: str | Path) -> Store:
    """`open_store` for coroutines: the first open creates tables and may wait on another process's
    write lock for up to the busy timeout, so it runs on a thread instead of the event loop."""
    store = _stores.get(str(path))
    if store is not None:
        return store
    return await asyncio.to_thread(open_store, path)
