"""The same store on PostgreSQL, for Open WebUI deployments with several replicas sharing one database.

The record modules (users, ledger, requests, usage, prices, budgets, reports) run here as they are: their SQL
is written once, for SQLite, and translated statement by statement (`postgres_sql.py`, which also prepares the
billing steps' statements on the server). What differs is this engine: the connections, the transactions and their
locks, and the event loop's fast paths, which PostgreSQL does not need (every step runs on a thread of this engine,
each with its own connection).

Locks. SQLite's `BEGIN IMMEDIATE` serialises every writer of a file; here the same rule is one transaction-level
advisory lock (`LOCK_KEY`), taken exclusively by every transaction, so any step is as safe as on SQLite. The
billing hot path (`admit`, `settle`: one user's balance, requests and usage) asks for `immediate(user=...)`
instead: the shared side of that lock plus an exclusive lock of its own user. Two chats of one user, on any
replica, run one after the other, as their checks (balance, hold, "already billed") need; chats of different
users run side by side (the rollup rows they both add to are single atomic upserts, locked row by row in one
order); and anything that reads or writes across users (an admin change, expiring holds, a restore) still
waits for all of them and holds them off while it runs. A user lock rather than `SELECT ... FOR UPDATE` on the
user's row because the row may not exist yet: the first chat creates it.

Everything lives in the schema `openwebui_monitor` (`plugin/store/postgres_schema.py`), which each connection puts
first in its search path, so nothing collides with Open WebUI's own tables in a shared database.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from ..errors import StoreUnavailable
from . import postgres_schema as pg_schema
from .engine import BUSY_TIMEOUT_MS, DESCRIBED, CursorReads, RestoreError
from .postgres_sql import PlansLost, Prepared, translate

T = TypeVar("T")

log = logging.getLogger(__name__)

LOCK_KEY = 0x6F77_6D5F_6C6F_636B  # "owm_lock": the advisory lock every transaction of ours takes (see above)
STEP_ATTEMPTS = 3  # tries of a billing step that PostgreSQL rolled back to break a deadlock
THREADS = 4  # connections per process and database: billing steps of different users run this many at once


def redacted(url: str) -> str:
    """The URL without its password (in the user part or as a `password=` parameter), for logs and messages.
    Plain text work, no parsing: a URL with a port that is not a number, or an IPv6 host, still loses it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    user, at, host = netloc.rpartition("@")
    if at and ":" in user:
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    tail = re.sub(r"(?i)(password=)[^&]*", r"\1***", tail)
    return f"{scheme}://{netloc}{slash}{tail}"


def user_key(user_id: str) -> int:
    """A user's advisory lock key: 64 bits of a hash (two users sharing one only wait for each other)."""
    return int.from_bytes(hashlib.blake2b(user_id.encode(), digest_size=8).digest(), "big", signed=True)


class _Connection:
    """One thread's psycopg connection, answering `execute` as a sqlite3 connection does for the records.

    Round trips. Inside a transaction a statement whose result nobody reads (`defer`: BEGIN and its locks, a ledger
    row, a usage record, a closed request) waits for the next statement that is read, or for the COMMIT, and goes
    with it in one query string: a billing step costs a round trip per read that decides something, plus its COMMIT.
    A deferred statement that fails fails the one it went with, and the step (its transaction is rolled back).
    A billing step's statements go as EXECUTEs of statements PREPAREd on this connection (`postgres_sql.py`).

    A connection the server dropped (a restart, a failover, an idle timeout) is opened again before a statement
    outside a transaction or the first sent of one (with its BEGIN), and that statement is run once more if it was
    the one to find the connection dead: nothing ran on it, so nothing can be doubled. Later in a transaction the
    statement fails (`StoreUnavailable`), and so does the whole step: its writes went with the connection.
    """

    def __init__(self, engine: PgEngine) -> None:
        self.engine = engine
        self.raw = engine._connect()
        self.trace: Callable[[str], object] | None = None
        self.deferred: list[tuple[str, Any]] = []  # (translated statement, parameters), not yet sent
        self.fresh = False  # the open transaction's BEGIN is still among `deferred`: nothing of it was sent
        self.round_trips = 0  # for benchmarks and tests
        self.hot = False  # the open transaction is a billing step's: its statements run prepared
        self.prepared = Prepared()  # see postgres_sql.py

    def set_trace_callback(self, trace: Callable[[str], object] | None) -> None:
        """As sqlite3's: `trace` sees every statement this connection runs (for tests and debugging)."""
        self.trace = trace

    @property
    def lost(self) -> bool:
        return bool(self.raw.closed or self.raw.broken)

    def execute(self, sql: str, params: tuple | list | dict = ()) -> Any:
        return self.run(sql, params)

    def defer(self, sql: str, params: tuple | list | dict = ()) -> None:
        """A statement whose result is never read: inside a transaction it goes with the next one that is (see
        the class docstring); outside one it runs at once."""
        if not getattr(self.engine._local, "depth", 0) and not self.fresh:
            self.run(sql, params)
            return
        if self.trace is not None:
            self.trace(sql)
        self.deferred.append((translate(sql), params))

    def discard(self) -> None:
        """Forget the deferred statements (their transaction, or savepoint, is being rolled back)."""
        self.deferred.clear()
        self.fresh = False

    def run(self, sql: str, params: tuple | list | dict, row_factory: Any = None, *, last: bool = False) -> Any:
        """One statement, the deferred ones before it; `last` for a COMMIT (a batch that may have committed is
        never sent again)."""
        return self.run_all([(sql, params)], row_factory, last=last)[-1]

    def run_all(self, statements: list[tuple[str, Any]], row_factory: Any = None, *, last: bool = False) -> list:
        """Statements whose results are read, sent with the deferred ones in one round trip; their cursors."""
        if self.trace is not None:
            for sql, _ in statements:
                self.trace(sql)
        batch = [*self.deferred, *((translate(sql), params) for sql, params in statements)]
        idle = (not getattr(self.engine._local, "depth", 0) or self.fresh) and not last
        self.deferred, self.fresh = [], False
        for attempt in (1, 2):
            try:
                if self.lost:
                    if not idle:
                        raise StoreUnavailable()
                    self.raw = self.engine._connect()
                    self.prepared.forget()
                if idle and (self.prepared.waiting or self.prepared.lost):
                    self.round_trips += self.prepared.prepare(self.raw)
                return self._send(batch, len(statements), row_factory)
            except _unavailable_errors() as exc:
                if attempt == 1 and idle and self.lost:
                    continue
                _raise_unavailable(exc)
            except Exception as exc:  # marked: only looked at, then raised as it is
                self.prepared.check(exc)
                raise
        raise AssertionError("unreachable")

    def _send(self, batch: list[tuple[str, Any]], read: int, row_factory: Any) -> list:
        """One round trip: the statements bound here (client-side, as for one) and sent as one query string, which
        the server runs in order, stopping at the first that fails; a cursor on each result of the last `read`."""
        raw = self.raw
        if self.hot:
            batch = [self.prepared.swap(sql, params) for sql, params in batch]
        self.round_trips += 1
        cursor = raw.cursor() if row_factory is None else raw.cursor(row_factory=row_factory)
        if len(batch) == 1 and read == 1:
            return [cursor.execute(*batch[0])]
        cursor.execute("; ".join(cursor.mogrify(sql, params) for sql, params in batch))
        for _ in range(len(batch) - read):
            cursor.nextset()
        return [cursor] * read


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """psycopg's errors that mean "the database cannot take writes now", as an unwritable SQLite file does: a lost
    or unreachable server, a lock waited for past the busy timeout, a read-only server (a standby after a
    failover)."""
    import psycopg

    return (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.ReadOnlySqlTransaction)


def _unavailable(exc: BaseException) -> StoreUnavailable:
    log.error("openwebui_monitor: PostgreSQL unavailable: %s", exc)
    return StoreUnavailable()


def _retried() -> tuple[type[BaseException], ...]:
    """What PostgreSQL rolls a transaction back for, so that running it again is right (40001 and 40P01: psycopg
    files the deadlock under OperationalError, not TransactionRollback)."""
    import psycopg

    return (psycopg.errors.TransactionRollback, psycopg.errors.DeadlockDetected, PlansLost)


def _raise_unavailable(exc: BaseException) -> NoReturn:
    """A lost server, a lock waited for past the busy timeout: the chat is refused as for an unwritable SQLite
    file. A deadlock or serialisation failure stays itself: the step is tried again (`PgEngine.submit`)."""

    if isinstance(exc, _retried()):
        raise exc
    raise _unavailable(exc) from exc


class PgEngine(CursorReads):
    """The monitor's tables in a PostgreSQL database (see the module's docstring)."""

    def __init__(self, url: str, *, backup_dir: Path | None = None) -> None:
        self.url = url
        self.path = redacted(url)
        self.backup_dir = backup_dir
        self.waits = 0  # as SQLite's (for benchmarks): a step here waits for a lock on its own thread, uncounted
        self._local = threading.local()
        self._connections: list[_Connection] = []
        self._connections_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="openwebui-monitor-pg")
        raw = self._connect()
        try:
            pg_schema.apply(raw)
        except Exception as exc:  # a lost server, or e.g. no right to create the schema: the log says which
            import psycopg

            if not isinstance(exc, psycopg.Error):
                raise
            raise _unavailable(exc) from exc
        finally:
            raw.close()

    def _connect(self) -> Any:
        import psycopg
        from psycopg.adapt import Loader

        class _Numeric(Loader):
            """SUM() of BIGINT is NUMERIC: whole numbers come back as int (micro-units), others as float."""

            def load(self, data: Any) -> int | float:
                text = bytes(data).decode()
                return int(text) if text.lstrip("-").isdigit() else float(text)

        try:
            raw = psycopg.connect(
                self.url,
                autocommit=True,
                cursor_factory=psycopg.ClientCursor,
                connect_timeout=max(1, BUSY_TIMEOUT_MS // 1000),
                application_name="openwebui_monitor",
                # A server or network gone silent fails a step within seconds instead of the kernel's ~15 minutes.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
                tcp_user_timeout=15_000,
            )
        except psycopg.Error as exc:
            raise _unavailable(exc) from exc
        raw.adapters.register_loader("numeric", _Numeric)
        # Waiting for a lock longer than SQLite's busy timeout fails the same way: the chat is told, nothing lost.
        raw.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        raw.execute(f"SET search_path TO {pg_schema.SCHEMA_NAME}")
        # A replica that vanished mid-step (power loss, a partition: the server never sees the socket close) would
        # hold its locks until the server's TCP keepalive gives up, ~2 hours: every other replica's chats of that
        # user, and every admin change, would wait. Our steps send their statements back to back.
        raw.execute("SET idle_in_transaction_session_timeout = '30s'")
        return raw

    # -- connections ------------------------------------------------------------------------------

    @property
    def conn(self) -> _Connection:
        """This thread's connection, opened at its first use (and again after one was lost)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _Connection(self)
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @property
    def db(self) -> Any:
        raise AttributeError("a PostgreSQL store has no sqlite-utils database")

    def execute(self, sql: str, params: tuple | list | dict = ()) -> Any:
        return self.conn.execute(sql, params)

    def execute_unread(self, sql: str, params: tuple | list | dict = ()) -> None:
        self.conn.defer(sql, params)

    def ones(self, statements: list[tuple[str, tuple | list | dict]]) -> list[dict[str, Any] | None]:
        """The first row of each statement, all sent in one round trip (with any deferred before them)."""
        from psycopg.rows import dict_row

        cursors = self.conn.run_all(statements, dict_row)
        found = []
        try:
            for cursor in cursors:  # one cursor on consecutive results when several went in one round trip
                found.append(cursor.fetchone())
                cursor.nextset()
        finally:
            cursors[0].close()
        return found

    @property
    def target(self) -> str:
        return self.url  # `path` is the URL without its password, for messages and logs

    def backup_stem(self) -> Path | None:
        return self.backup_dir / "monitor-postgres" if self.backup_dir is not None else None

    def proven(self) -> bool:
        return False

    def present(self) -> bool:
        return True

    def schema_version(self) -> str | None:
        return pg_schema.version(self.conn.raw)

    # -- transactions and threads -------------------------------------------------------------

    @contextmanager
    def immediate(self, user: str | None = None) -> Iterator[None]:
        """One transaction holding the store's lock (see the module docstring): exclusive, or, with `user`, the
        shared side plus that user's own. Inside a transaction of this thread it is a savepoint instead."""
        conn = self.conn
        depth = getattr(self._local, "depth", 0)
        if depth:
            conn.execute("SAVEPOINT step")
            self._local.depth = depth + 1
            try:
                yield
            except BaseException:
                conn.discard()  # sent after the SAVEPOINT: rolled back with it
                conn.execute("ROLLBACK TO SAVEPOINT step")
                conn.execute("RELEASE SAVEPOINT step")
                raise
            else:
                conn.execute("RELEASE SAVEPOINT step")
            finally:
                self._local.depth = depth
            return
        # BEGIN and the locks go with the step's first read (a connection found dead then is opened again: nothing
        # of the transaction had reached the server).
        conn.fresh = True
        conn.hot = user is not None  # a billing step's statements run prepared (postgres_sql.py)
        conn.defer("BEGIN")
        if user is None:
            conn.defer("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
        else:
            conn.defer("SELECT pg_advisory_xact_lock_shared(?), pg_advisory_xact_lock(?)", (LOCK_KEY, user_key(user)))
        self._local.depth = 1
        try:
            yield
        except BaseException:
            self._rollback(conn)  # a lock waited for past the busy timeout fails the first read: the same
            raise
        else:
            try:
                if conn.fresh:  # nothing read: the writes go first, where a dead connection may still be replaced
                    conn.run_all([])
                conn.run("COMMIT", (), last=True)
            except BaseException:
                self._rollback(conn)
                raise
        finally:
            self._local.depth = 0
            conn.hot = False

    @staticmethod
    def _rollback(conn: _Connection) -> None:
        """End a failed transaction; a connection the server dropped was rolled back by the server already, and a
        transaction none of which was sent has nothing to roll back."""
        sent = not conn.fresh
        conn.discard()
        if sent and not conn.lost:
            with suppress(StoreUnavailable):
                conn.execute("ROLLBACK")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Run one billing step on a thread of this store; the future resolves once its transaction committed.
        A cancelled future's step is dropped if it has not started, as SQLite's `submit` drops it."""
        loop = asyncio.get_running_loop()
        return asyncio.wrap_future(self._executor.submit(self._step, fn, args, kwargs), loop=loop)

    def _step(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        """A billing step is one transaction: if PostgreSQL broke a deadlock by rolling it back (two chats whose
        records move between the same rollup rows in opposite orders), nothing of it remains; run it again."""
        for attempt in range(1, STEP_ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except _retried():
                if attempt == STEP_ATTEMPTS:
                    raise
                log.warning("openwebui_monitor: a billing step was rolled back by PostgreSQL; trying it again")
        raise AssertionError("unreachable")

    def drain(self) -> int:
        return 0  # steps run on threads the interpreter waits for at exit; none wait in a queue of ours

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with suppress(Exception):
                conn.raw.close()

    def _cursor(self, sql: str, params: tuple | list | dict) -> Any:
        from psycopg.rows import dict_row

        return self.conn.run(sql, params, dict_row)

    # -- the event loop's fast paths: none here (every step goes to a thread) -------------------

    def loop_version(self) -> int | None:
        return None

    def peek_budget_version(self) -> int | None:
        return None

    def columns(self, table: str) -> list[dict[str, Any]]:
        """A table's columns as SQLite's `PRAGMA table_info` gives them (its names for the types: INTEGER, REAL,
        TEXT)."""
        if table not in DESCRIBED:
            raise ValueError(f"not a monitor table: {table}")
        return self.query(_COLUMNS, {"schema": pg_schema.SCHEMA_NAME, "table": table})

    @staticmethod
    def key_order(column: dict[str, Any]) -> str:
        """In SQLite's order: text keys by their bytes, not by the database's collation."""
        return str(column["name"]) + (' COLLATE "C"' if column["type"] == "TEXT" else "")

    @staticmethod
    def restore_failure(exc: BaseException, where: str) -> RestoreError | None:
        """As SQLite's, but a constraint PostgreSQL checks says itself which row broke it (its first line)."""
        import psycopg

        if isinstance(exc, OverflowError):
            return RestoreError(f"{where}: {exc}")
        if isinstance(exc, psycopg.IntegrityError | psycopg.DataError):
            return RestoreError(str(exc).splitlines()[0])
        return None

    def restored(self) -> None:
        """Move the identity sequences past the ids just inserted."""
        pg_schema.resequence(self.conn)


# Columns in order, typed as SQLite names them, with the primary key position as PRAGMA table_info gives it.
_COLUMNS = """
SELECT c.column_name AS name,
    CASE WHEN c.data_type IN ('bigint', 'integer', 'smallint') THEN 'INTEGER'
         WHEN c.data_type IN ('double precision', 'real') THEN 'REAL' ELSE 'TEXT' END AS type,
    CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END AS notnull,
    CASE WHEN c.is_identity = 'YES' THEN NULL ELSE c.column_default END AS dflt_value,
    COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t
        JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name
            AND k.table_schema = t.table_schema AND k.table_name = t.table_name
        WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema AND t.table_name = c.table_name
            AND k.column_name = c.column_name), 0) AS pk
FROM information_schema.columns c
WHERE c.table_schema = :schema AND c.table_name = :table
ORDER BY c.ordinal_position
"""
