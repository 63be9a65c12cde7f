"""The SQLite engine: one database file, its connections, its transactions and the event loop's reads.

Every billing step is one `BEGIN IMMEDIATE` transaction on one connection (`immediate`); steps that arrive
together on the event loop share one (`sqlite_commit.GroupCommit`). Hot-path statements are plain SQL on the
connection (sqlite3 caches prepared statements), never schema introspection. The records (`users.py`, ...) run
their statements here through `execute` / `query` / `one`.

Three connections: the patient one (waits up to the busy timeout for another process's write lock; any thread's,
and the engine's own thread's), the eager one (the event loop's: never waits, never checkpoints) and the
checkpointer (the engine's thread's, for passive WAL checkpoints).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from . import sqlite_schema as migrations
from .engine import BUSY_TIMEOUT_MS, DESCRIBED, CursorReads, RestoreError
from .sqlite_commit import WAL_LIMIT_BYTES, GroupCommit, is_busy

T = TypeVar("T")

__all__ = ["BUSY_TIMEOUT_MS", "PROOF_TTL", "VERSION_MEMO", "SqliteEngine", "SqliteReader"]

# How long a commit of ours proves the write lock free and the file writable, so an inlet may take the store
# without looking at its file again (`open_store_async(trust_proof=True)`). A lock another process takes, or a
# folder turned read-only, is noticed by the next write after this long, or at once by a failing write.
PROOF_TTL = 0.1
# How long one reading of `PRAGMA data_version` stands for the loop's reads (the budgets' check in one inlet): no
# longer than the statement it saves could itself be out of date by.
VERSION_MEMO = 0.002

log = logging.getLogger(__name__)


def _dict_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class _Reads(CursorReads):
    """`query`, `one`, `columns` and `key_order` over `self.conn`: the engine's and a read-only file's."""

    @property
    def conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _cursor(self, sql: str, params: tuple | list | dict) -> sqlite3.Cursor:
        # Dict rows on our own cursors only: sqlite-utils expects tuples from the connection.
        cursor = self.conn.cursor()
        cursor.row_factory = _dict_factory
        return cursor.execute(sql, params)

    def columns(self, table: str) -> list[dict[str, Any]]:
        """A table's columns as SQLite declares them (name, type, notnull, dflt_value, pk)."""
        if table not in DESCRIBED:
            raise ValueError(f"not a monitor table: {table}")
        return self.query(f"PRAGMA table_info({table})")

    @staticmethod
    def key_order(column: dict[str, Any]) -> str:
        return str(column["name"])


class SqliteReader(_Reads):
    """A SQLite connection opened elsewhere (read-only: `python -m plugin migrate-to-postgres`'s source), read as
    the engine reads, so a row reads the same from it as from a store."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    def table_names(self) -> set[str]:
        return {row["name"] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def applied_steps(self) -> list[str]:
        """The migration steps recorded in the file, in the order they were applied."""
        return [
            row["name"]
            for row in self.query(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                (migrations.MIGRATIONS.name,),
            )
        ]


class SqliteEngine(GroupCommit, _Reads):
    """One SQLite file (or ":memory:"), opened once per process and path (see `open_store`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # The patient connection: waits up to the busy timeout for another process's write lock. Used by any
        # thread by default, and by this engine's own thread.
        self._patient = self._connect(BUSY_TIMEOUT_MS)
        self.db = sqlite_utils.Database(self._patient)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._depth = 0  # 1 inside a transaction of ours, more inside its savepoints (guarded by _lock)
        self._version: tuple[float, int | None] = (0.0, None)  # (read at, data_version) of the last reading
        # Created up front: a lazily created executor could be created twice by two racing coroutines.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openwebui-monitor-db")
        # Under the write lock, so two workers opening a new file do not both create the tables.
        with self.immediate():
            migrations.apply(self.db)
        # The eager connection, for `call` on the event loop: never waits for a lock (busy timeout 0) and never
        # checkpoints on commit (that can take milliseconds); `_checkpoint` does it on our thread instead.
        self._eager = self._connect(0) if self.path != ":memory:" else self._patient
        if self._eager is not self._patient:
            self._eager.execute("PRAGMA wal_autocheckpoint=0")
            # In WAL mode NORMAL syncs nothing at commit except the WAL header when a writer starts the log over
            # after a checkpoint: an fsync on the loop (measured up to 49 ms). Skipping it loses nothing NORMAL
            # keeps: checkpoints run on a connection with NORMAL, which syncs the log (header included) before
            # copying it into the database, so a power loss can only drop the last commits, as with NORMAL.
            self._eager.execute("PRAGMA synchronous=OFF")
        self._identity = self._file_identity()
        self._proven_until = 0.0  # monotonic time until which the last commit proves the lock free (PROOF_TTL)
        self._init_group_commit()
        if self.path != ":memory:":
            atexit.register(_drain_at_exit, weakref.ref(self))

    def _file_identity(self) -> tuple[int, int] | None:
        if self.path == ":memory:":
            return None
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    @property
    def target(self) -> str:
        return self.path

    def schema_version(self) -> str | None:
        return migrations.version(self.db)

    def backup_stem(self) -> Path | None:
        """Beside the file (none for an in-memory database)."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return None
        return Path(self.path)

    def proven(self) -> bool:
        """Whether a commit of ours less than PROOF_TTL ago found the file writable and its lock free."""
        return time.monotonic() < self._proven_until

    def _prove(self, until: float) -> None:
        self._proven_until = until + PROOF_TTL

    def _disprove(self) -> None:
        self._proven_until = 0.0

    @staticmethod
    def _busy_timeout() -> int:
        return BUSY_TIMEOUT_MS

    def present(self) -> bool:
        """False once the file this engine opened was deleted or replaced: SQLite would go on writing to the
        unlinked file and lose it all at the next restart, so callers must stop (see `open_store`)."""
        return self._identity is None or self._file_identity() == self._identity

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        # Autocommit mode: transactions are ours (BEGIN IMMEDIATE), never the sqlite3 module's.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # WAL must be switched on outside a transaction; it lets readers run beside the one writer. On a new file
        # several workers race to switch it, and SQLite answers "locked" at once rather than wait (the busy handler
        # is skipped where waiting could deadlock): try again until the busy timeout.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.002)
        conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
        conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode survives a crash of the process; only a power loss can drop the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection of the running code: the eager one inside `call`'s fast path, else the patient one."""
        return getattr(self._local, "conn", None) or self._patient

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def execute_unread(self, sql: str, params: tuple | list | dict = ()) -> None:
        self.conn.execute(sql, params)

    # -- transactions and threads -------------------------------------------------------------

    @contextmanager
    def immediate(self, user: str | None = None) -> Iterator[None]:
        """One write transaction that takes SQLite's write lock up front, so checks and writes agree. `user` names
        the one user a billing step touches: SQLite locks the whole file anyway (PostgreSQL locks less, see
        `postgres.py`).

        Inside a batch of `call`s it is a savepoint of the batch's transaction instead: a step that fails undoes
        only its own writes.
        """
        with self._lock:
            conn = self.conn
            if self._depth:
                yield from self._savepoint(conn)
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    # A COMMIT that fails may leave the transaction open, holding the write lock for every process.
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
            finally:
                self._depth = 0

    def _savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("SAVEPOINT step")
        self._depth += 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO step")
            conn.execute("RELEASE step")
            raise
        else:
            conn.execute("RELEASE step")
        finally:
            self._depth -= 1

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work on this engine's own thread, so a lock wait never stalls the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        self._committer.shutdown(wait=True)
        self._executor.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.close()
        if self._eager is not self._patient:
            self._eager.close()
        self._patient.close()

    # -- the event loop's reads ---------------------------------------------------------------

    def _eager_version(self, *, fresh: bool = False) -> int | None:
        """SQLite's data_version on the loop's connection: it moves whenever another connection (our own thread,
        another process) commits, and never for the loop's own commits. Read at most once per VERSION_MEMO, unless
        `fresh`."""
        now = time.monotonic()
        at, version = self._version
        if fresh or now - at > VERSION_MEMO:
            version = self._eager.execute("PRAGMA data_version").fetchone()[0]
            self._version = (now, version)
        return version

    def loop_version(self) -> int | None:
        """`_eager_version` for callers on the loop (None when the loop's connection is busy or absent): two equal
        readings mean nothing but the loop's own commits changed the database in between."""
        if self._eager is self._patient or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._in_flight():
                return self._version[1]  # the last reading: the commit in flight is the loop's own
            return self._eager_version()
        finally:
            self._lock.release()

    def peek_budget_version(self) -> int | None:
        """The budgets' version counter read on the event loop without waiting, or None when the loop's connection
        is busy or absent (the caller then reads it on our thread)."""
        if self._eager is self._patient or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._in_flight():
                return None
            row = self._eager.execute("SELECT version FROM budget_version WHERE id = 1").fetchone()
            return row[0] if row else 0
        finally:
            self._lock.release()

    # -- restores -------------------------------------------------------------------------------

    @staticmethod
    def restore_failure(exc: BaseException, where: str) -> RestoreError | None:
        if isinstance(exc, sqlite3.IntegrityError | OverflowError):
            return RestoreError(f"{where}: {exc}")
        return None

    def restored(self) -> None:
        pass  # INTEGER PRIMARY KEY ids carry on from the largest one inserted


def _drain_at_exit(ref: weakref.ref[SqliteEngine]) -> None:
    engine = ref()
    if engine is not None and engine._queue:
        written = engine.drain()
        log.warning("openwebui_monitor: wrote %d charges still queued when the process stopped", written)
