"""The store: the only layer with SQL. Other layers import from here (`from ..store import Store, open_store_async`),
never from the modules below.

How it is built:

* `engine.py` — the `Engine` protocol the records need (query / one / execute / immediate / run / submit / ...).
* `sqlite.py` (+ `sqlite_commit.py`, its group commit) and `postgres.py` — the two engines, side by side; neither
  imports the other.
* The records, each written once over the engine in SQLite's SQL (PostgreSQL's engine translates it):
  `users.py`, `ledger.py`, `requests.py`, `usage.py`, `prices.py`, `budgets.py`, `codes.py`, `export.py` (whole tables:
  backups, restores, the move to PostgreSQL), and `reports.py` (the reports' and rollups' reads, kept out of
  `Store` so that the Filter's file does not carry them: `reports.reads(store)`).
* `Store` (below) composes an engine with the record groups; `open_store` keeps one per database and process.

Every method that changes money expects to run inside `Store.immediate()`, so a billing step is one transaction.

A new table: a step in `sqlite_schema.py` and the same table in the top-level `schema.sql` (the fresh-database
oracle the migrations are tested against); a step in `postgres_schema.py` (`schema_postgres.sql` is generated from
it by `python -m plugin bundle`, and tests prove the two backends' tables, columns, keys and indexes equal); one
record module here for its statements, mixed into `Store`; `engine.TABLES` if a backup carries its rows.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StoreUnavailable
from .budgets import BudgetRecords
from .codes import CodeRecords
from .engine import BUSY_TIMEOUT_MS, TABLES, URL_SCHEMES, Engine, RestoreError, is_url
from .export import COPIED, HISTORY_COLUMNS, Restores, Snapshots
from .ledger import LedgerChecks, LedgerRecords
from .postgres import PgEngine, redacted
from .prices import KEPT_PRICE_COLUMNS, PRICE_RATES, PriceRecords
from .requests import RequestRecords
from .sqlite import SqliteEngine, SqliteReader
from .usage import UsageRecords
from .users import UserRecords

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CLOCK_FILE_ENV",
    "COPIED",
    "HISTORY_COLUMNS",
    "KEPT_PRICE_COLUMNS",
    "PRICE_RATES",
    "TABLES",
    "URL_SCHEMES",
    "LedgerChecks",
    "PgStore",
    "RestoreError",
    "Snapshots",
    "SqliteReader",
    "Store",
    "env_clock",
    "is_url",
    "open_store",
    "open_store_async",
    "redacted",
]

T = TypeVar("T")

log = logging.getLogger(__name__)


class Store(
    UserRecords,
    LedgerRecords,
    RequestRecords,
    UsageRecords,
    PriceRecords,
    BudgetRecords,
    CodeRecords,
    Restores,
):
    """One database: an engine (`engine`), the record groups over it, and the clock they stamp rows with.

    `Store(path)` opens a SQLite file (":memory:" too); `PgStore(url)` a PostgreSQL database. Everything but the
    records is the engine's, passed on as it is.
    """

    engine: Engine

    def __init__(
        self, path: str | Path, *, clock: Callable[[], float] = time.time, engine: Engine | None = None
    ) -> None:
        self.engine = engine if engine is not None else SqliteEngine(path)
        self.clock = clock

    # -- the engine's, for the other layers ---------------------------------------------------------------

    @property
    def path(self) -> str:
        """The database for messages and logs (a SQLite path; a PostgreSQL URL without its password)."""
        return self.engine.path

    @property
    def target(self) -> str:
        """What `open_store` takes to open this database again (the path; a PostgreSQL store's full URL)."""
        return self.engine.target

    @property
    def conn(self) -> Any:
        """The running thread's connection (tests and tools; the records go through the engine)."""
        return self.engine.conn

    @property
    def db(self) -> Any:
        """SQLite's sqlite-utils database (AttributeError on PostgreSQL)."""
        return self.engine.db

    @property
    def waits(self) -> int:
        """Times a batch found the write lock taken and was tried again later (for benchmarks)."""
        return int(getattr(self.engine, "waits", 0))

    def immediate(self, user: str | None = None) -> AbstractContextManager[None]:
        """One write transaction holding the write lock: SQLite's whole file; PostgreSQL's, with `user`, only what
        one user's billing step needs (see `postgres.py`). A savepoint inside another transaction."""
        return self.engine.immediate(user)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking database work on the engine's thread(s), so a lock wait never stalls the event loop."""
        return await self.engine.run(fn, *args, **kwargs)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`submit` and wait for the step's result, which comes only after its transaction has committed."""
        return await self.engine.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue one short billing step (`fn` opens `immediate()` itself) and return its future at once; see
        `sqlite_commit.GroupCommit.submit` and `PgEngine.submit`."""
        return self.engine.submit(fn, *args, **kwargs)

    def drain(self) -> int:
        return self.engine.drain()

    def close(self) -> None:
        self.engine.close()

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[dict[str, Any]]:
        return self.engine.query(sql, params)

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        return self.engine.one(sql, params)

    def schema_version(self) -> str | None:
        """The name of the last migration step applied to this database."""
        return self.engine.schema_version()

    def backup_stem(self) -> Path | None:
        """Where a restore writes its backup of the database it replaces (beside the file), or None."""
        return self.engine.backup_stem()

    def proven(self) -> bool:
        return self.engine.proven()

    def present(self) -> bool:
        return self.engine.present()

    def loop_version(self) -> int | None:
        return self.engine.loop_version()

    def peek_budget_version(self) -> int | None:
        return self.engine.peek_budget_version()


class PgStore(Store):
    """A Store over `PgEngine`: the same records, nothing overridden. A class of its own so that code (and tests)
    can tell the backends apart with `isinstance`."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time, backup_dir: Path | None = None) -> None:
        super().__init__(url, clock=clock, engine=PgEngine(url, backup_dir=backup_dir))

    @property
    def url(self) -> str:
        return self.engine.target


CLOCK_FILE_ENV = "OPENWEBUI_MONITOR_CLOCK_FILE"


def env_clock() -> Callable[[], float]:
    """The clock of stores `open_store` opens: real time, unless OPENWEBUI_MONITOR_CLOCK_FILE names a file.

    A test aid, never for production: the clock then runs as many seconds ahead of real time as that file holds
    (re-read whenever it changes; a missing or unreadable file means 0), so an end-to-end test can move time in
    a running Open WebUI (to the next allowance period) without sleeping.
    """
    path = os.environ.get(CLOCK_FILE_ENV, "").strip()
    if not path:
        return time.time
    seen: list[Any] = [None, 0.0]  # (mtime_ns, size) last read, and its offset

    def clock() -> float:
        try:
            info = os.stat(path)
            stamp = (info.st_mtime_ns, info.st_size)
            if stamp != seen[0]:
                seen[0], seen[1] = stamp, float(Path(path).read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            seen[0], seen[1] = None, 0.0
        return time.time() + seen[1]

    log.warning("openwebui_monitor: the clock is moved by %s (%s), a test aid", path, CLOCK_FILE_ENV)
    return clock


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: str | Path, *, backup_dir: Path | None = None) -> Store:
    """The process-wide Store for `path`: Filter, Pipe and Action share one connection per file. A
    `postgresql://` URL opens the PostgreSQL store instead (`postgres.py`), whose restores write their backup into
    `backup_dir`.

    Checks on every call (one `stat`) that the file is still the one opened: a file replaced by an admin (a
    restored backup) is opened afresh; a deleted one raises `StoreUnavailable` until it is back, rather than
    starting an empty database that would hand every user their initial balance again.
    """
    raw = str(path)
    store = _stores.get(raw)  # the hot path: one dict lookup and one stat, no path resolution
    if store is not None and store.present():
        return store
    if is_url(raw):
        with _stores_lock:
            store = _stores.get(raw)
            if store is None:
                store = _stores[raw] = PgStore(raw, clock=env_clock(), backup_dir=backup_dir)
            return store
    key = str(Path(raw).resolve()) if raw != ":memory:" else raw
    with _stores_lock:
        store = _stores.get(key)
        if store is not None and not store.present():
            if not Path(raw).exists():
                log.error("openwebui_monitor: the database %s was deleted while in use; restore it or restart", raw)
                raise StoreUnavailable()
            log.warning("openwebui_monitor: the database %s was replaced; opening the new file", raw)
            for name in [name for name, cached in _stores.items() if cached is store]:
                del _stores[name]
            store = None
        if store is None:
            store = _stores[key] = Store(raw, clock=env_clock())
        _stores[raw] = store
        return store


async def open_store_async(path: str | Path, *, trust_proof: bool = False, backup_dir: Path | None = None) -> Store:
    """`open_store` for coroutines: the first open creates tables and may wait on another process's
    write lock for up to the busy timeout, so it runs on a thread instead of the event loop.

    With `trust_proof` (the Filter's hooks) a store whose last commit is less than `sqlite.PROOF_TTL` old is taken
    without looking at its file: each batch of `call`s looks before it writes anything, and fails if the file is
    gone.
    """
    store = _stores.get(str(path))
    if store is not None and ((trust_proof and store.proven()) or store.present()):
        return store
    return await asyncio.to_thread(open_store, path, backup_dir=backup_dir)
