"""The only module with SQL: users, the ledger, requests, usage records and prices in one SQLite file.

Every method that changes money expects to run inside `Store.immediate()`, so a billing step is one
`BEGIN IMMEDIATE` transaction on one connection. Hot-path statements are plain SQL on the connection
(sqlite3 caches prepared statements), never schema introspection.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from ..errors import StoreUnavailable
from . import sqlite_schema as migrations

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_EVERY = 64  # eager steps between passive WAL checkpoints (SQLite's own default is ~1000 pages)
BATCH = 8  # billing steps per group commit at most
# The event loop's time one batch's statements may take: the batch ends at the first step past it (the steps left
# wait for the next batch), so the loop's longest stall is about this plus one step, whatever the load.
BATCH_BUDGET = 0.001
LAND_POLL = 0.001  # how often a loop that took over from a closed one looks whether a batch's COMMIT has finished
# How long a commit or a probe of ours proves the write lock free and the file writable, so an inlet may skip
# proving it again (a write transaction begun and rolled back, 2-3x a bare commit's cost). A lock another process
# takes, or a folder turned read-only, is noticed by the next inlet after this long, or at once by a failing write.
PROOF_TTL = 0.1
# How long one reading of `PRAGMA data_version` stands for the loop's reads (the budgets' and a user's, in one
# inlet): no longer than the statement it saves could itself be out of date by.
VERSION_MEMO = 0.002

log = logging.getLogger(__name__)

# A database named by one of these is PostgreSQL (`plugin/store/postgres.py`); anything else is a SQLite file.
URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: str | Path) -> bool:
    return str(target).startswith(URL_SCHEMES)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """The lock is taken (worth waiting for on the thread), as opposed to a file that cannot be written."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


_Step = tuple[Callable[..., Any], tuple, dict, "asyncio.Future[Any]"]


@dataclass(eq=False)
class _Commit:
    """A batch whose statements ran on the event loop and whose COMMIT runs on the committer thread: the COMMIT's
    `write()`s are the one part of a batch the file system can hold for milliseconds, and they need no GIL."""

    batch: list[_Step]
    outcomes: list[tuple[bool, Any]]
    staged: dict[str, dict[str, Any] | None]  # the users' rows the batch changed, for `_seen` once committed
    poller: asyncio.AbstractEventLoop  # the loop that lands it (`_poll`)
    error: BaseException | None = None
    finished: float | None = None  # monotonic time the COMMIT ended, set by the committer thread once done


def _dict_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class Store:
    """One SQLite database, opened once per process and path (see `open_store`)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # The patient connection: waits up to the busy timeout for another process's write lock. Used by any
        # thread by default, and by this store's own thread.
        self._patient = self._connect(BUSY_TIMEOUT_MS)
        self.db = sqlite_utils.Database(self._patient)
        self.clock = clock
        self._lock = threading.RLock()
        self._local = threading.local()
        self._depth = 0  # 1 inside a transaction of ours, more inside its savepoints (guarded by _lock)
        # The users' rows as the inlet's probe reads them, kept while no other connection has committed (SQLite's
        # data_version on the loop's connection) and updated by our own commits (`_stage`, applied at COMMIT).
        self._seen: dict[str, dict[str, Any]] = {}
        self._version: tuple[float, int | None] = (0.0, None)  # (read at, data_version) of the last reading
        self._staged: dict[str, dict[str, Any] | None] = {}  # this transaction's changes; None: forget the row
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
        self._queue: list[_Step] = []  # `call`s waiting for the next batch
        self._flush_scheduled = False
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        self._eager_steps = 0
        self._checkpointing = False
        self._checkpointer: sqlite3.Connection | None = None  # opened by the first checkpoint, on our thread
        self._identity = self._file_identity()
        self._waiting_since: float | None = None  # when the queue first found the write lock taken
        self._proven_until = 0.0  # monotonic time until which the last commit proves the lock free (PROOF_TTL)
        # The batch whose COMMIT runs on the committer thread right now; the eager connection is that thread's
        # until the loop has landed it (`_land`).
        self._inflight: _Commit | None = None
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openwebui-monitor-commit")
        self.waits = 0  # times a batch found the write lock taken and was tried again later (for benchmarks)
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
        """What `open_store` takes to open this database again (the path; a PostgreSQL store's full URL)."""
        return self.path

    def schema_version(self) -> str | None:
        """The name of the last migration step applied to this database."""
        return migrations.version(self.db)

    def backup_stem(self) -> Path | None:
        """Where a restore writes its backup of the database it replaces (beside the file), or None."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return None
        return Path(self.path)

    def proven(self) -> bool:
        """Whether a commit or probe of ours less than PROOF_TTL ago found the file writable and its lock free."""
        return time.monotonic() < self._proven_until

    def present(self) -> bool:
        """False once the file this store opened was deleted or replaced: SQLite would go on writing to the
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
                if not _is_busy(exc) or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.002)
        conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode survives a crash of the process; only a power loss can drop the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection of the running code: the eager one inside `call`'s fast path, else the patient one."""
        return getattr(self._local, "conn", None) or self._patient

    # -- transactions and threads -------------------------------------------------------------

    @contextmanager
    def immediate(self, user: str | None = None) -> Iterator[Store]:
        """One write transaction that takes SQLite's write lock up front, so checks and writes agree. `user` names
        the one user a billing step touches: SQLite locks the whole file anyway (PostgreSQL locks less, see
        `plugin/store/postgres.py`).

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
                yield self
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
                self._apply_staged(self._staged)
            finally:
                self._depth = 0
                self._staged.clear()

    def _savepoint(self, conn: sqlite3.Connection) -> Iterator[Store]:
        conn.execute("SAVEPOINT step")
        self._depth += 1
        try:
            yield self
        except BaseException:
            conn.execute("ROLLBACK TO step")
            conn.execute("RELEASE step")
            for user_id in self._staged:  # which of them this step undid is not tracked: forget them all
                self._staged[user_id] = None
            raise
        else:
            conn.execute("RELEASE step")
        finally:
            self._depth -= 1

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work on this store's own thread, so a lock wait never stalls the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`submit` and wait for the step's result, which comes only after its transaction has committed."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue one short billing step (`fn` opens `immediate()` itself) for a group commit, and return at once
        the future of its result. Steps that arrive together share one transaction, each in its own savepoint;
        the future is resolved only after that transaction committed. A caller that must not lose the step to its
        own cancellation waits on `asyncio.shield(future)`: a cancelled future's step is dropped before its batch
        runs.

        The batch's statements run on the event loop (a hop to a thread and back costs ~70 µs, more than a step,
        and Python work on a thread takes the GIL from the loop for up to 5 ms at a time); its COMMIT, whose
        `write()`s the file system may hold for milliseconds and which needs no GIL, runs on the committer thread,
        and the next batch begins once it has landed. Nothing waits on the loop: the in-process lock is tried
        without blocking and the eager connection has no busy timeout. While the lock is taken (another process
        writing) the queue stays put and is tried again a little later, backing off to 20 ms; after the busy
        timeout every waiting step fails with SQLite's own "database is locked", as a patient connection would. A
        batch holds at most `BATCH` steps and ends at the first step past `BATCH_BUDGET`, which bounds how long
        the loop is busy with it.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((fn, args, kwargs, future))
        # A flush scheduled on a loop that has since closed (a test's `asyncio.run`) never runs: schedule anew.
        if not self._flush_scheduled or self._flush_loop is not loop:
            self._flush_scheduled, self._flush_loop = True, loop
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        if (commit := self._inflight) is not None and self._in_flight():
            self._take_over(loop, commit)  # its landing flushes again
            return
        self._queue = [step for step in self._queue if not step[3].done()]  # cancelled callers drop out
        batch = self._queue[:BATCH]
        if not batch:
            self._flush_scheduled = False
            return
        if self._eager is self._patient:  # ":memory:" has one connection: the thread, as `run` does
            del self._queue[: len(batch)]
            task = loop.run_in_executor(self._executor, self._apply, batch)
            task.add_done_callback(lambda done: self._deliver(batch, done.exception() or done.result()))
            self._next_flush(loop)
            return
        outcome = self._eagerly(batch, loop)
        if outcome is None:
            self._wait(loop)
            return
        self._waiting_since = None
        if isinstance(outcome, _Commit):  # its COMMIT runs on the committer thread; its landing flushes again
            del self._queue[: len(outcome.batch)]
            return
        del self._queue[: len(batch)]  # nothing was written
        self._proven_until = 0.0
        self._deliver(batch, outcome)
        self._next_flush(loop)

    def _next_flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._flush_scheduled = bool(self._queue)
        if self._queue:
            loop.call_soon(self._flush)

    def _wait(self, loop: asyncio.AbstractEventLoop) -> None:
        """The lock is taken: try again later, or give up on every waiting step after the busy timeout."""
        now = time.monotonic()
        self._proven_until = 0.0
        if self._waiting_since is None:
            self._waiting_since = now
        waited = now - self._waiting_since
        if waited * 1000 < BUSY_TIMEOUT_MS:
            self.waits += 1
            loop.call_later(min(0.02, max(0.0005, waited)), self._flush)  # doubling: wait as long again
            return
        self._waiting_since = None
        waiting, self._queue = self._queue, []
        self._flush_scheduled = False
        self._deliver(waiting, sqlite3.OperationalError("database is locked"))

    def _eagerly(self, batch: list[_Step], loop: asyncio.AbstractEventLoop) -> _Commit | BaseException | None:
        """The batch's statements on the loop's eager connection, its COMMIT handed to the committer thread; None
        when the write lock is not free at once. A checkpoint's fsync may make the file system hold the COMMIT's
        writes for milliseconds: the committer thread waits it out, not the loop."""
        if not self._lock.acquire(blocking=False):
            return None
        if not self.present():  # never write into a deleted or replaced file: it would be lost at the restart
            self._lock.release()
            log.error("openwebui_monitor: the database %s was deleted or replaced while in use", self.path)
            return StoreUnavailable()
        conn = self._local.conn = self._eager
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except Exception as exc:  # busy: try again later; anything else (a corrupt file) fails the batch
                return None if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc) else exc
            self._depth = 1
            try:
                outcomes = self._steps(batch, time.perf_counter() + BATCH_BUDGET)
                batch = batch[: len(outcomes)]
            except BaseException:
                conn.execute("ROLLBACK")
                self._staged.clear()
                raise
            finally:
                self._depth = 0
            # The transaction stays open on the eager connection, which nothing on the loop touches until the
            # commit has landed (`_in_flight`); the store's lock is free again for other threads' transactions,
            # whose BEGIN waits in SQLite for this COMMIT.
            commit = self._inflight = _Commit(batch, outcomes, self._staged, poller=loop)
            self._staged = {}
            try:
                self._committer.submit(self._commit, commit)
            except RuntimeError:  # the interpreter is shutting its threads down: commit here, never leave it open
                self._commit(commit)
            return commit
        finally:
            self._local.conn = None
            self._lock.release()

    @staticmethod
    def _steps(batch: list[_Step], deadline: float = float("inf")) -> list[tuple[bool, Any]]:
        """Run the steps in order, stopping at the first that ends past `deadline`: (ok, result or exception)
        for each step run."""
        outcomes: list[tuple[bool, Any]] = []
        for fn, args, kwargs, _ in batch:
            try:
                outcomes.append((True, fn(*args, **kwargs)))
            except Exception as exc:  # this step's savepoint is undone; the others stand
                outcomes.append((False, exc))
            if time.perf_counter() > deadline:
                break
        return outcomes

    def _commit(self, commit: _Commit) -> None:
        """On the committer thread: COMMIT (the GIL is released while SQLite writes), then wake the loop."""
        try:
            self._eager.execute("COMMIT")
        except BaseException as exc:
            # A COMMIT that fails may leave the transaction open, holding the write lock for every process.
            with suppress(sqlite3.Error):
                self._eager.execute("ROLLBACK")
            commit.error = exc
        # Last, after `error`: it tells the loop the COMMIT is done, and the proof of a free lock dates from it.
        commit.finished = time.monotonic()
        with suppress(RuntimeError):  # a closed loop: `_in_flight` lands it wherever the store is used next
            commit.poller.call_soon_threadsafe(self._poll, commit)

    def _poll(self, commit: _Commit) -> None:
        """On the loop: land the commit once done, and flush again."""
        loop = asyncio.get_running_loop()
        if loop is not commit.poller:  # a flush on a newer loop polls it now (a test's `asyncio.run` ended)
            return
        if self._inflight is commit and self._in_flight():  # only a loop that took over polls before it is done
            loop.call_later(LAND_POLL, self._poll, commit)
            return
        self._flush()  # at once: the loop's next turn would only delay the steps that waited for this commit

    def _take_over(self, loop: asyncio.AbstractEventLoop, commit: _Commit) -> None:
        """A flush on another loop than the commit's (a test's `asyncio.run` ended mid-commit): the committer may
        have woken the old loop already, so this one polls for it."""
        if commit.poller is not loop:
            commit.poller = loop
            loop.call_later(LAND_POLL, self._poll, commit)

    def _in_flight(self) -> bool:
        """Whether a COMMIT is still running on the committer thread (the eager connection is then its own). One
        that has finished is landed here, whoever looks first: the poll, a flush, a probe on the loop."""
        commit = self._inflight
        if commit is None:
            return False
        if commit.finished is None:
            return True
        self._land(commit)
        return False

    def _land(self, commit: _Commit) -> None:
        """A batch's COMMIT has finished: its steps' results (or the COMMIT's error) go to their callers."""
        self._inflight = None
        if commit.error is None:
            self._proven_until = (commit.finished or 0.0) + PROOF_TTL  # set before `_in_flight` lets it land
            # Another thread's transaction may have committed after ours and before this landing: a fresh reading
            # of data_version then forgets the kept rows, rather than let this batch's older changes overwrite it.
            self._eager_version(fresh=True)
            self._apply_staged(commit.staged)
            self._deliver(commit.batch, commit.outcomes)
        else:
            self._proven_until = 0.0
            self._deliver(commit.batch, commit.error)
        self._eager_steps += len(commit.batch)
        if self._eager_steps >= CHECKPOINT_EVERY and not self._checkpointing:
            self._eager_steps = 0
            self._checkpointing = True  # cleared by the thread itself, not by a callback on a loop that may close
            try:
                self._executor.submit(self._checkpoint)
            except RuntimeError:  # the store's thread takes no more work (closed, interpreter exit): no checkpoint
                self._checkpointing = False

    def _apply(self, batch: list[_Step]) -> list[tuple[bool, Any]]:
        """Every step of the batch in one transaction, here; (ok, result or exception) per step, after COMMIT."""
        with self.immediate():
            return self._steps(batch)

    @staticmethod
    def _deliver(batch: list[_Step], outcome: list[tuple[bool, Any]] | BaseException) -> None:
        for index, (*_, future) in enumerate(batch):
            if future.done() or future.get_loop().is_closed():  # a test's `asyncio.run` ended: nobody waits
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
                continue
            ok, value = outcome[index]
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def drain(self) -> int:
        """Run every step still queued, here and now, on the patient connection (which waits out another process's
        lock up to the busy timeout): an outlet returns before its charge commits, so a process that stops while
        charges wait for the lock must still write them. Their results go nowhere; returns how many were written."""
        with self._lock:
            waiting, self._queue = self._queue, []
        steps = [step for step in waiting if not step[3].cancelled()]
        if not steps:
            return 0
        if not self.present():
            log.error("openwebui_monitor: %d queued charges lost: the database %s is gone", len(steps), self.path)
            return 0
        try:
            outcomes = self._apply(steps)
        except Exception:
            log.exception("openwebui_monitor: %d queued charges could not be written", len(steps))
            return 0
        failed = sum(1 for ok, _ in outcomes if not ok)
        if failed:
            log.error("openwebui_monitor: %d of %d queued charges failed when drained", failed, len(steps))
        return len(steps) - failed

    def _checkpoint(self) -> None:
        """Move the eager connection's WAL frames into the database without blocking anyone (PASSIVE).

        On a connection of its own, used by nothing else: the patient one is shared with other threads (a sync
        caller's `immediate()`), and a checkpoint run inside their transaction left a statement in progress that
        made their COMMIT fail; taking the store's lock instead would make the loop's lock-free reads fall back
        to slower paths for the whole fsync. It syncs the log before copying it, as NORMAL does.
        """
        try:
            if self._checkpointer is None:
                self._checkpointer = self._connect(BUSY_TIMEOUT_MS)
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            log.warning("openwebui_monitor: WAL checkpoint failed", exc_info=True)
        finally:
            self._checkpointing = False

    def close(self) -> None:
        self._committer.shutdown(wait=True)
        self._executor.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.close()
        if self._eager is not self._patient:
            self._eager.close()
        self._patient.close()

    def _cursor(self, sql: str, params: tuple | dict) -> sqlite3.Cursor:
        # Dict rows on our own cursors only: sqlite-utils expects tuples from the connection.
        cursor = self.conn.cursor()
        cursor.row_factory = _dict_factory
        return cursor.execute(sql, params)

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        return self._cursor(sql, params).fetchall()

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        # Closed at once: a statement left unfinished (an UPDATE ... RETURNING read once) stays "in progress"
        # while anything still holds its cursor (a traceback's frame), and then COMMIT fails.
        cursor = self._cursor(sql, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    # -- users --------------------------------------------------------------------------------

    def ensure_user(self, user_id: str, name: str, email: str, role: str) -> bool:
        """Create the user or refresh its profile; returns True when the row is new."""
        now = self.clock()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, email, role, now, now),
        )
        if cur.rowcount:
            self._stage(user_id, None)
            return True
        cur = self.conn.execute(
            "UPDATE users SET name = ?, email = ?, role = ?, updated_at = ?"
            " WHERE id = ? AND (name IS NOT ? OR email IS NOT ? OR role IS NOT ?)",
            (name, email, role, now, user_id, name, email, role),
        )
        if cur.rowcount:
            self._stage(user_id, None)
        return False

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM users WHERE id = ?", (user_id,))

    def probe_user(self, user_id: str) -> tuple[bool, dict[str, Any] | None]:
        """(lock was free, the user's row), read on the event loop inside a write transaction rolled back at once.

        It writes nothing, yet proves what a chat needs before it starts: the file is writable and its write lock
        free, so a reply can be recorded (chats fail closed). A commit or probe of ours less than PROOF_TTL ago
        proved it already: then the row is only read. (False, None) when the lock is taken here or by another
        process: the caller then queues a full `admit`, which waits for it on our thread.
        """
        if self._eager is self._patient or not self._lock.acquire(blocking=False):
            return False, None
        try:
            if self._in_flight():
                # The eager connection is the committer's for a moment: a row kept since the last reading of
                # data_version stands for it (older by at most that commit's duration), else `admit` reads it.
                row = self._seen.get(user_id) if self.proven() else None
                return row is not None, row
            cursor = self._eager.cursor()
            cursor.row_factory = _dict_factory
            if self.proven():
                self._eager_version()  # forgets the kept rows if another connection committed
                if (row := self._seen.get(user_id)) is not None:
                    return True, row
                rows = cursor.execute(_PROBE_USER, (user_id,)).fetchall()  # to the end: no read left open
                if rows:
                    self._remember(rows[0])
                return True, rows[0] if rows else None
            try:
                self._eager.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                self._proven_until = 0.0
                if _is_busy(exc):
                    return False, None
                raise
            try:
                row = cursor.execute(_PROBE_USER, (user_id,)).fetchone()
            finally:
                self._eager.execute("ROLLBACK")
            if not self.present():  # a deleted file still takes the lock: prove nothing, let `admit` say so
                return False, None
            self._proven_until = time.monotonic() + PROOF_TTL
            return True, row
        finally:
            self._lock.release()

    def _eager_version(self, *, fresh: bool = False) -> int | None:
        """SQLite's data_version on the loop's connection: it moves whenever another connection (our own thread,
        another process) commits, and never for the loop's own commits. Read at most once per VERSION_MEMO, unless
        `fresh`; a change forgets every row kept in `_seen`."""
        now = time.monotonic()
        at, version = self._version
        if fresh or now - at > VERSION_MEMO:
            previous, version = version, self._eager.execute("PRAGMA data_version").fetchone()[0]
            self._version = (now, version)
            if version != previous:
                self._seen.clear()
        return version

    def loop_version(self) -> int | None:
        """`_eager_version` for callers on the loop (None when the loop's connection is busy or absent): two equal
        readings mean nothing but the loop's own commits changed the database in between."""
        if self._eager is self._patient or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._in_flight():
                return self._version[1]  # the last reading, as a kept row stands for its user meanwhile
            return self._eager_version()
        finally:
            self._lock.release()

    def _remember(self, row: dict[str, Any]) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[row["id"]] = row

    def _stage(self, user_id: str, changes: dict[str, Any] | None) -> None:
        """Note a change to a user's row in this transaction (None: forget the row), applied at COMMIT."""
        if changes is None or self._staged.get(user_id, {}) is None:
            self._staged[user_id] = None
        else:
            self._staged.setdefault(user_id, {}).update(changes)  # type: ignore[union-attr]

    def _apply_staged(self, staged: dict[str, dict[str, Any] | None]) -> None:
        for user_id, changes in staged.items():
            row = self._seen.get(user_id)
            if changes is None:
                self._seen.pop(user_id, None)
            elif row is not None:
                self._seen[user_id] = {**row, **changes}

    def peek_budget_version(self) -> int | None:
        """The budgets' version counter read on the event loop without waiting (as `probe_user` reads), or None
        when the loop's connection is busy or absent (the caller then reads it on our thread)."""
        if self._eager is self._patient or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._in_flight():
                return None
            row = self._eager.execute("SELECT version FROM budget_version WHERE id = 1").fetchone()
            return row[0] if row else 0
        finally:
            self._lock.release()

    def set_blocked(self, user_id: str, blocked: bool) -> None:
        self._stage(user_id, None)
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
        self._stage(user_id, {"balance": balance})
        self.conn.execute(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, reason, reference, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, kind, amount, balance, actor, reason, reference, self.clock()),
        )
        return balance

    def has_ledger_reference(self, user_id: str, reference: str) -> bool:
        """Whether the user's ledger already has a row with this reference (an index lookup)."""
        row = self.one(
            "SELECT 1 AS found FROM ledger WHERE reference = ? AND user_id = ? LIMIT 1", (reference, user_id)
        )
        return row is not None

    def ledger_for(self, user_id: str) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM ledger WHERE user_id = ? ORDER BY id", (user_id,))

    def reconcile(self) -> list[dict[str, Any]]:
        """Users whose cached balance differs from their ledger sum (an empty list means all agree)."""
        return self.query(
            "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger_sum"
            " FROM users u LEFT JOIN ledger l ON l.user_id = u.id"
            " GROUP BY u.id HAVING u.balance != COALESCE(SUM(l.amount), 0)"
        )

    def repair_balance(self, user_id: str) -> int:
        """Set a cached balance to the user's ledger sum (inside `immediate()`); returns it. No ledger row."""
        self._stage(user_id, None)
        row = self.one(
            "UPDATE users SET balance = (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE user_id = :id),"
            " updated_at = :now WHERE id = :id RETURNING balance",
            {"id": user_id, "now": self.clock()},
        )
        if row is None:
            raise LookupError(f"no such user: {user_id}")
        return row["balance"]

    def open_holds(self) -> dict[str, int]:
        """Pre-charges still held by open requests: how many and their total (already in the ledger)."""
        row = self.one(
            "SELECT COUNT(*) AS count, COALESCE(SUM(hold), 0) AS total FROM requests WHERE status = 'open' AND hold > 0"
        )
        return {"count": row["count"], "total": row["total"]} if row else {"count": 0, "total": 0}

    # -- requests (inlet to outlet) -----------------------------------------------------------

    def get_request(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM requests WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    def open_request(
        self,
        chat_id: str,
        message_id: str,
        user_id: str,
        model_id: str,
        hold: int,
        *,
        input_tokens: int = 0,
        price: str | None = None,
        charge: bool = True,
    ) -> bool:
        """Start a pending request, or its next round (a Continue) once the last one is settled; False (nothing
        written) when a round of it is pending or it is another user's: two admissions that race (two replicas,
        two users naming the same ids) cannot both open it. A new round's output so far starts again at 0."""
        row = self.one(
            "INSERT INTO requests (chat_id, message_id, user_id, model_id, hold, status, started_at, input_tokens,"
            " output_tokens, price, charge, seen_at)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0, ?, ?, NULL)"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET"
            " hold = excluded.hold, status = 'open', started_at = excluded.started_at, finished_at = NULL,"
            " model_id = excluded.model_id, input_tokens = excluded.input_tokens, output_tokens = 0,"
            " price = excluded.price, charge = excluded.charge, seen_at = NULL"
            " WHERE requests.user_id = excluded.user_id AND requests.status <> 'open'"
            " RETURNING 1 AS opened",
            (chat_id, message_id, user_id, model_id, hold, self.clock(), input_tokens, price, int(charge)),
        )
        return row is not None

    def record_progress(self, chat_id: str, message_id: str, output_tokens: int) -> None:
        """The output a pending request's stream has produced so far, for settling it if its process dies."""
        self.conn.execute(
            "UPDATE requests SET output_tokens = ?, seen_at = ?"
            " WHERE chat_id = ? AND message_id = ? AND status = 'open' AND output_tokens < ?",
            (output_tokens, self.clock(), chat_id, message_id, output_tokens),
        )

    def close_request(self, chat_id: str, message_id: str, status: str) -> None:
        self.conn.execute(
            "UPDATE requests SET status = ?, hold = 0, finished_at = ? WHERE chat_id = ? AND message_id = ?",
            (status, self.clock(), chat_id, message_id),
        )

    def stale_requests(self, started_before: float) -> list[dict[str, Any]]:
        return self.query(
            "SELECT * FROM requests WHERE status = 'open' AND COALESCE(seen_at, started_at) < ? ORDER BY started_at",
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
        sql = _UPSERT_USAGE.get(tuple(row))
        if sql is None:
            columns = ", ".join(row)
            marks = ", ".join(f":{k}" for k in row)
            updates = ", ".join(f"{k} = excluded.{k}" for k in row if k not in ("chat_id", "message_id", "created_at"))
            sql = _UPSERT_USAGE[tuple(row)] = (
                f"INSERT INTO usage ({columns}) VALUES ({marks})"
                f" ON CONFLICT (chat_id, message_id) DO UPDATE SET {updates}"
            )
        self.conn.execute(sql, row)

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
        reasoning_price: int | None = None,
        request_price: int | None = None,
        name: str = "",
        base_model_id: str | None = None,
        actor: str = "",
        updated_at: float | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO prices (model_id, name, base_model_id, input_price, output_price, cached_input_price,"
            " per_msg_price, reasoning_price, request_price, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (model_id) DO UPDATE SET name = excluded.name, base_model_id = excluded.base_model_id,"
            " input_price = excluded.input_price, output_price = excluded.output_price,"
            " cached_input_price = excluded.cached_input_price, per_msg_price = excluded.per_msg_price,"
            " reasoning_price = excluded.reasoning_price, request_price = excluded.request_price,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (
                model_id,
                name,
                base_model_id,
                input_price,
                output_price,
                cached_input_price,
                per_msg_price,
                reasoning_price,
                request_price,
                self.clock() if updated_at is None else updated_at,
                actor,
            ),
        )

    def delete_price(self, model_id: str) -> bool:
        """Remove an admin-set price, so resolution falls through to the next source; True if one existed."""
        return self.conn.execute("DELETE FROM prices WHERE model_id = ?", (model_id,)).rowcount > 0

    def all_prices(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM prices ORDER BY model_id")

    # -- price history (undo) ---------------------------------------------------------------

    def next_price_batch(self) -> int:
        row = self.one("SELECT COALESCE(MAX(batch), 0) + 1 AS batch FROM price_history")
        return int(row["batch"]) if row else 1

    def remember_price(self, batch: int, action: str, model_id: str, actor: str) -> None:
        """Keep a model's prices row as it is now (or that it has none), before `action` changes it."""
        before = self.get_price(model_id) or {}
        self.conn.execute(
            "INSERT INTO price_history (batch, action, model_id, existed, name, base_model_id, input_price,"
            " output_price, cached_input_price, per_msg_price, reasoning_price, request_price, updated_at,"
            " updated_by, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch,
                action,
                model_id,
                int(bool(before)),
                *(before.get(c) for c in KEPT_PRICE_COLUMNS),
                actor,
                self.clock(),
            ),
        )

    def last_price_batch(self) -> list[dict[str, Any]]:
        """The rows of the latest admin price change not yet undone (empty when there is none)."""
        return self.query(
            "SELECT * FROM price_history WHERE batch = (SELECT MAX(batch) FROM price_history"
            " WHERE undone_at IS NULL) AND undone_at IS NULL ORDER BY id DESC"
        )

    def mark_undone(self, batch: int) -> None:
        self.conn.execute("UPDATE price_history SET undone_at = ? WHERE batch = ?", (self.clock(), batch))

    def price_history(self, limit: int) -> list[dict[str, Any]]:
        """The latest admin price changes, one row per model and batch, newest first."""
        return self.query("SELECT * FROM price_history ORDER BY id DESC LIMIT ?", (limit,))

    # -- budgets and allowances ---------------------------------------------------------------

    def budget_version(self) -> int:
        row = self.one("SELECT version FROM budget_version WHERE id = 1")
        return row["version"] if row else 0

    def all_budgets(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM budgets ORDER BY scope, label, target")

    def get_budget(self, scope: str, target: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM budgets WHERE scope = ? AND target = ?", (scope, target))

    def set_budget_init(self, target: str, label: str, amount: int, actor: str) -> None:
        """A group's initial balance (inside `immediate()`); its allowance, if any, is kept."""
        self.conn.execute(
            "INSERT INTO budgets (scope, target, label, init_balance, updated_at, updated_by)"
            " VALUES ('group', ?, ?, ?, ?, ?) ON CONFLICT (scope, target) DO UPDATE SET label = excluded.label,"
            " init_balance = excluded.init_balance, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (target, label, amount, self.clock(), actor),
        )

    def set_budget_allowance(
        self, scope: str, target: str, label: str, period: str, mode: str, amount: int, actor: str
    ) -> None:
        """A group's or user's allowance, replacing the one it had (inside `immediate()`)."""
        self.conn.execute(
            "INSERT INTO budgets (scope, target, label, period, mode, amount, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, target) DO UPDATE SET label = excluded.label,"
            " period = excluded.period, mode = excluded.mode, amount = excluded.amount,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (scope, target, label, period, mode, amount, self.clock(), actor),
        )

    def clear_budget(self, scope: str, target: str, part: str) -> bool:
        """Clear a budget's `init`, its `allowance` or `all` of it (inside `immediate()`); a budget left with
        nothing set is deleted. True when something was set."""
        row = self.get_budget(scope, target)
        if row is None:
            return False
        drop_init, drop_allowance = part in ("init", "all"), part in ("allowance", "all")
        has_init, has_allowance = row["init_balance"] is not None, row["period"] is not None
        if not (has_init and not drop_init) and not (has_allowance and not drop_allowance):
            self.conn.execute("DELETE FROM budgets WHERE scope = ? AND target = ?", (scope, target))
        elif drop_allowance:
            self.conn.execute(
                "UPDATE budgets SET period = NULL, mode = NULL, amount = NULL, updated_at = ?"
                " WHERE scope = ? AND target = ?",
                (self.clock(), scope, target),
            )
        else:
            self.conn.execute(
                "UPDATE budgets SET init_balance = NULL, updated_at = ? WHERE scope = ? AND target = ?",
                (self.clock(), scope, target),
            )
        return (drop_init and has_init) or (drop_allowance and has_allowance)

    def open_hold(self, user_id: str) -> int:
        """The pre-charges one user's open requests still hold (already taken from their balance)."""
        row = self.one(
            "SELECT COALESCE(SUM(hold), 0) AS held FROM requests WHERE status = 'open' AND user_id = ?", (user_id,)
        )
        return row["held"] if row else 0

    def allowance_period(self, user_id: str) -> str | None:
        row = self.one("SELECT period FROM allowance_periods WHERE user_id = ?", (user_id,))
        return row["period"] if row else None

    def mark_allowance(self, user_id: str, period: str) -> None:
        """Record the allowance period just applied to a user (inside the refill's own transaction)."""
        self._stage(user_id, {"allowance_period": period})
        self.conn.execute(
            "INSERT INTO allowance_periods (user_id, period, applied_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET period = excluded.period, applied_at = excluded.applied_at",
            (user_id, period, self.clock()),
        )

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

    def primary_key(self, table: str) -> list[dict[str, Any]]:
        """The columns of a table's primary key, in the key's order (as `columns` gives them)."""
        return sorted((c for c in self.columns(table) if c["pk"]), key=lambda c: c["pk"])

    def dump(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, in primary-key order, exactly as stored."""
        keys = [c["name"] for c in self.primary_key(table)]
        order = ", ".join(keys) if keys else "rowid"
        return self.query(f"SELECT * FROM {table} ORDER BY {order}")

    def replace_all(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Empty every table and insert `tables` instead. Run it inside `immediate()`: a constraint that fails
        raises `RestoreError` naming the row, and the caller's transaction rolls everything back."""
        self._seen.clear()  # nothing read before the restore stands, even if this transaction rolls back
        for table in reversed(TABLES):  # children before parents, for the foreign keys
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("DELETE FROM price_history")  # undoing a change made before the restore would undo it
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


# A prices row's rates, and the columns price_history keeps of it (in the order `remember_price` writes them).
PRICE_RATES = (
    "input_price",
    "output_price",
    "cached_input_price",
    "per_msg_price",
    "reasoning_price",
    "request_price",
)
KEPT_PRICE_COLUMNS = ("name", "base_model_id", *PRICE_RATES, "updated_at", "updated_by")

# The usage upsert per set of columns (callers pass the same few shapes): built once, not per reply.
_UPSERT_USAGE: dict[tuple[str, ...], str] = {}

# Every table of the monitor, parents before children (the order a restore inserts them in).
TABLES = ("users", "prices", "budgets", "ledger", "requests", "usage", "allowance_periods")

# The inlet's probe: the user and the allowance period last applied to them, in one indexed read.
_PROBE_USER = (
    "SELECT u.*, (SELECT period FROM allowance_periods WHERE user_id = u.id) AS allowance_period"
    " FROM users u WHERE u.id = ?"
)


class RestoreError(Exception):
    """A row a restore could not insert: which one, and the constraint it broke."""


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


def _drain_at_exit(ref: weakref.ref[Store]) -> None:
    store = ref()
    if store is not None and store._queue:
        written = store.drain()
        log.warning("openwebui_monitor: wrote %d charges still queued when the process stopped", written)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: str | Path, *, backup_dir: Path | None = None) -> Store:
    """The process-wide Store for `path`: Filter, Pipe and Action share one connection per file. A
    `postgresql://` URL opens the PostgreSQL store instead (`plugin/store/postgres.py`), whose restores write their
    backup into `backup_dir`.

    Checks on every call (one `stat`) that the file is still the one opened: a file replaced by an admin (a
    restored backup) is opened afresh; a deleted one raises `StoreUnavailable` until it is back, rather than
    starting an empty database that would hand every user their initial balance again.
    """
    raw = str(path)
    store = _stores.get(raw)  # the hot path: one dict lookup and one stat, no path resolution
    if store is not None and store.present():
        return store
    if is_url(raw):
        from .postgres import PgStore

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

    With `trust_proof` (the Filter's hooks) a store whose last commit is less than PROOF_TTL old is taken without
    looking at its file: each batch of `call`s looks before it writes anything, and fails if the file is gone.
    """
    store = _stores.get(str(path))
    if store is not None and ((trust_proof and store.proven()) or store.present()):
        return store
    return await asyncio.to_thread(open_store, path, backup_dir=backup_dir)
