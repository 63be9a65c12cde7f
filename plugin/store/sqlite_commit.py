"""SQLite's group commit: billing steps that arrive together on the event loop share one transaction.

A mixin of `SqliteEngine` (`sqlite.py`), kept apart because it is the one intricate part of the engine: the
batch's statements run on the event loop, its COMMIT on the committer thread, the next batch once it has landed.
What it needs from the engine is typed below; the busy timeout and the proof of a free lock are the engine's
(`_busy_timeout`, `_prove`), so the knobs tests turn stay where they are.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import StoreUnavailable

T = TypeVar("T")

CHECKPOINT_EVERY = 64  # eager steps between passive WAL checkpoints (SQLite's own default is ~1000 pages)
# The WAL file's cap. Under steady writes the log never starts over by itself (each writer begins before the last
# checkpoint is complete), so it grew without end (83 MB after 6,000 admissions beside a 0.7 MB database); past this
# size a checkpoint also makes the next writer start the log over (RESTART), and every connection then cuts the file
# back to this size (journal_size_limit). Cutting it to nothing (TRUNCATE) cost 17-20% of saturated throughput,
# the file growing again each time; RESTART about 1-5% (bench/RESULTS.md).
WAL_LIMIT_BYTES = 4 * 1024 * 1024
# How long the restarting checkpoint waits for other connections' readers and writers before giving up until the
# next one: it holds the write lock while it waits, so it must stay short (writers meanwhile retry, never fail).
RESTART_WAIT_MS = 20
BATCH = 8  # billing steps per group commit at most
# The event loop's time one batch's statements may take: the batch ends at the first step past it (the steps left
# wait for the next batch), so the loop's longest stall is about this plus one step, whatever the load.
BATCH_BUDGET = 0.001
LAND_POLL = 0.001  # how often a loop that took over from a closed one looks whether a batch's COMMIT has finished

log = logging.getLogger(__name__)


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """The lock is taken (worth waiting for on the thread), as opposed to a file that cannot be written."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


_Step = tuple[Callable[..., Any], tuple, dict, "asyncio.Future[Any]"]


@dataclass(eq=False)
class _Commit:
    """A batch whose statements ran on the event loop and whose COMMIT runs on the committer thread: the COMMIT's
    `write()`s are the one part of a batch the file system can hold for milliseconds, and they need no GIL."""

    batch: list[_Step]
    outcomes: list[tuple[bool, Any]]
    poller: asyncio.AbstractEventLoop  # the loop that lands it (`_poll`)
    error: BaseException | None = None
    finished: float | None = None  # monotonic time the COMMIT ended, set by the committer thread once done


class GroupCommit:
    """`call`, `submit` and `drain` of the SQLite engine (see `submit`)."""

    path: str
    _lock: threading.RLock
    _local: threading.local
    _depth: int
    _eager: sqlite3.Connection
    _patient: sqlite3.Connection
    _executor: ThreadPoolExecutor

    def _init_group_commit(self) -> None:
        self._queue: list[_Step] = []  # `call`s waiting for the next batch
        self._flush_scheduled = False
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        self._eager_steps = 0
        self._checkpointing = False
        self._checkpointer: sqlite3.Connection | None = None  # opened by the first checkpoint, on our thread
        self._waiting_since: float | None = None  # when the queue first found the write lock taken
        # The batch whose COMMIT runs on the committer thread right now; the eager connection is that thread's
        # until the loop has landed it (`_land`).
        self._inflight: _Commit | None = None
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openwebui-monitor-commit")
        self.waits = 0  # times a batch found the write lock taken and was tried again later (for benchmarks)

    # The engine's (sqlite.py), named here for the type checker only.
    immediate: Callable[..., AbstractContextManager[None]]
    present: Callable[[], bool]
    _connect: Callable[[int], sqlite3.Connection]
    _busy_timeout: Callable[[], int]  # the busy timeout in ms (sqlite.BUSY_TIMEOUT_MS, read when needed)
    _prove: Callable[[float], None]  # a commit that ended at this monotonic time proved the lock free
    _disprove: Callable[[], None]
    _eager_version: Callable[..., int | None]

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
        self._disprove()
        self._deliver(batch, outcome)
        self._next_flush(loop)

    def _next_flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._flush_scheduled = bool(self._queue)
        if self._queue:
            loop.call_soon(self._flush)

    def _wait(self, loop: asyncio.AbstractEventLoop) -> None:
        """The lock is taken: try again later, or give up on every waiting step after the busy timeout."""
        now = time.monotonic()
        self._disprove()
        if self._waiting_since is None:
            self._waiting_since = now
        waited = now - self._waiting_since
        if waited * 1000 < self._busy_timeout():
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
                return None if isinstance(exc, sqlite3.OperationalError) and is_busy(exc) else exc
            self._depth = 1
            try:
                outcomes = self._steps(batch, time.perf_counter() + BATCH_BUDGET)
                batch = batch[: len(outcomes)]
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            # The transaction stays open on the eager connection, which nothing on the loop touches until the
            # commit has landed (`_in_flight`); the store's lock is free again for other threads' transactions,
            # whose BEGIN waits in SQLite for this COMMIT.
            commit = self._inflight = _Commit(batch, outcomes, poller=loop)
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
            self._prove(commit.finished or 0.0)  # before `_in_flight` lets it land
            # Another thread's transaction may have committed after ours and before this landing: a fresh reading
            # of data_version lets the loop's next budget check (`loop_version`) see it at once.
            self._eager_version(fresh=True)
            self._deliver(commit.batch, commit.outcomes)
        else:
            self._disprove()
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

    def _wal_bytes(self) -> int:
        try:
            return os.path.getsize(f"{self.path}-wal")
        except OSError:
            return 0

    def _checkpoint(self) -> None:
        """Move the eager connection's WAL frames into the database without blocking anyone (PASSIVE); past
        `WAL_LIMIT_BYTES`, also have the log start over, its file cut back (RESTART), waiting at most `RESTART_WAIT_MS`.

        On a connection of its own, used by nothing else: the patient one is shared with other threads (a sync
        caller's `immediate()`), and a checkpoint run inside their transaction left a statement in progress that
        made their COMMIT fail; taking the store's lock instead would make the loop's lock-free reads fall back
        to slower paths for the whole fsync. It syncs the log before copying it, as NORMAL does.
        """
        try:
            if self._checkpointer is None:
                self._checkpointer = self._connect(RESTART_WAIT_MS)
            busy, _frames, _done = self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy and self._wal_bytes() > WAL_LIMIT_BYTES:
                self._checkpointer.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error:
            log.warning("openwebui_monitor: WAL checkpoint failed", exc_info=True)
        finally:
            self._checkpointing = False
