"""The engine protocol: what the record modules (`users.py`, `ledger.py`, ...) need from a database, and nothing
else. `sqlite.py` and `postgres.py` each answer it; the records are written once, over it, in SQLite's SQL (the
PostgreSQL engine translates each statement, see `postgres_sql.translate`).

Where a statement truly differs by backend the engine offers a hook here (`columns`, `key_order`,
`restore_failure`, `restored`), never a subclass override of a record method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# How long a write waits for another process's lock before the chat is refused (both backends).
BUSY_TIMEOUT_MS = 10_000

# A database named by one of these is PostgreSQL (`postgres.py`); anything else is a SQLite file.
URL_SCHEMES = ("postgresql://", "postgres://")

# Every table of the monitor, parents before children (the order a restore inserts them in).
TABLES = ("users", "prices", "budgets", "ledger", "requests", "usage", "allowance_periods", "codes")
# Tables whose columns an engine describes (`Engine.columns`): the monitor's, and the price undo history that a
# database move copies too.
DESCRIBED = (*TABLES, "price_history")


def is_url(target: str | Path) -> bool:
    return str(target).startswith(URL_SCHEMES)


class RestoreError(Exception):
    """A row a restore could not insert: which one, and the constraint it broke."""


class Cursor(Protocol):
    """What the records read from `Engine.execute`'s result (sqlite3's and psycopg's cursors both answer it)."""

    @property
    def rowcount(self) -> int: ...


class Reader(Protocol):
    """Reads only: enough for the records that read (a read-only source file answers this much)."""

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[dict[str, Any]]:
        """Every row of a statement, as dicts."""
        ...

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        """The first row of a statement (the statement is finished at once), or None."""
        ...

    def ones(self, statements: list[tuple[str, tuple | list | dict]]) -> list[dict[str, Any] | None]:
        """`one` of each statement, in order (PostgreSQL sends them in one round trip)."""
        ...

    def columns(self, table: str) -> list[dict[str, Any]]:
        """A table's columns as SQLite's `PRAGMA table_info` gives them (name, type, notnull, dflt_value, pk);
        ValueError unless `table` is one of DESCRIBED."""
        ...

    def key_order(self, column: dict[str, Any]) -> str:
        """The ORDER BY term for one key column such that both backends sort rows alike (SQLite's byte order)."""
        ...


class CursorReads:
    """`query` and `one` over an engine's own `_cursor` (each backend makes its dict-row cursor its own way)."""

    def _cursor(self, sql: str, params: tuple | list | dict) -> Any:
        raise NotImplementedError

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[dict[str, Any]]:
        return self._cursor(sql, params).fetchall()

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        # Closed at once: a statement left unfinished (an UPDATE ... RETURNING read once) stays "in progress"
        # while anything still holds its cursor (a traceback's frame), and then COMMIT fails.
        cursor = self._cursor(sql, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    def ones(self, statements: list[tuple[str, tuple | list | dict]]) -> list[dict[str, Any] | None]:
        return [self.one(sql, params) for sql, params in statements]


class Engine(Reader, Protocol):
    """One database: its connections, its transactions, and the event loop's ways into it."""

    path: str  # for messages and logs (a URL without its password)

    @property
    def target(self) -> str:
        """What `open_store` takes to open this database again."""
        ...

    @property
    def conn(self) -> Any:
        """The running thread's connection (sqlite3's, or one answering as it does)."""
        ...

    @property
    def db(self) -> Any:
        """SQLite's sqlite-utils database (AttributeError on PostgreSQL)."""
        ...

    def execute(self, sql: str, params: tuple | list | dict = ()) -> Cursor:
        """One statement on the running thread's connection."""
        ...

    def execute_unread(self, sql: str, params: tuple | list | dict = ()) -> None:
        """A statement whose result the caller never reads (not even its row count). Inside a transaction the
        engine may send it later, with the next statement or the COMMIT (PostgreSQL: one round trip for several);
        its failure then fails that statement, and the step. SQLite runs it at once."""
        ...

    def immediate(self, user: str | None = None) -> AbstractContextManager[None]:
        """One write transaction holding the write lock (with `user`: only what one user's billing step needs);
        a savepoint inside another. See each engine for what the lock is."""
        ...

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking database work on the engine's own thread(s)."""
        ...

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`submit`, and wait for the result (after its commit)."""
        ...

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue one short billing step (it opens `immediate()` itself); its future resolves after its commit."""
        ...

    def drain(self) -> int:
        """Run every step still queued, here and now; how many were written."""
        ...

    def close(self) -> None: ...

    def schema_version(self) -> str | None:
        """The name of the last migration step applied to this database."""
        ...

    def backup_stem(self) -> Path | None:
        """Where a restore writes its backup of the database it replaces, or None."""
        ...

    def proven(self) -> bool:
        """Whether a recent commit of ours proved the database writable (see `sqlite.PROOF_TTL`)."""
        ...

    def present(self) -> bool:
        """False once the database this engine opened is gone (a SQLite file deleted or replaced)."""
        ...

    def loop_version(self) -> int | None:
        """A reading on the event loop that moves when another connection commits; None when there is none."""
        ...

    def peek_budget_version(self) -> int | None:
        """The budgets' version counter read on the event loop without waiting, or None."""
        ...

    def restore_failure(self, exc: BaseException, where: str) -> RestoreError | None:
        """The RestoreError a restored row's failure `exc` means (a constraint it breaks, a number too large),
        `where` naming the row; None when `exc` is something else."""
        ...

    def restored(self) -> None:
        """After rows were inserted with their ids (a restore, a copy): whatever the backend needs then."""
        ...


class ReadRecords:
    """Base of the record groups that only read: written over `self.engine`, which may be a read-only file."""

    engine: Reader


class Records(ReadRecords):
    """Base of the record groups: each is written over `self.engine` and stamps rows with `self.clock()`."""

    engine: Engine
    clock: Callable[[], float]
