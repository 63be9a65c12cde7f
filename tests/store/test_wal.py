"""The WAL file stays small: under steady writes SQLite never starts its log over by itself (each writer begins
before the last checkpoint completes), so without a cap the file only grew (83 MB after 6,000 admissions beside a
0.7 MB database). Past `WAL_LIMIT_BYTES` the checkpointer has the log start over, waiting only briefly for other
connections, and every connection cuts the file back to that size when it does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from plugin.domain import billing
from plugin.store import Store, sqlite_commit

ADMISSIONS = 2_500
LIMIT = 256 * 1024  # a small cap, so that a few thousand admissions cross it many times


def admit_many(store: Store, count: int, start: int = 0) -> None:
    """Admissions on the event loop's path (the eager connection and its group commit), as the Filter makes them."""

    async def run() -> None:
        for n in range(start, start + count):
            member = billing.Member(f"u{n % 40}")
            await store.call(
                billing.admit, store, member, chat_id="c", message_id=f"m{n}", model_id="gpt", hold=0,
                init_balance=10**9,
            )  # fmt: skip

    asyncio.run(run())


def wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_steady_writes_keep_the_wal_under_its_cap_and_lose_nothing(tmp_path: Path, monkeypatch) -> None:
    """Bounded, not growing with the writes: the file may hold what came since the last checkpoint (one comes every
    CHECKPOINT_EVERY steps, about 1 MB of frames here) and a cut that found the lock taken is tried at the next one;
    without the cap this run leaves a file of about 30 MB."""
    monkeypatch.setattr(sqlite_commit, "WAL_LIMIT_BYTES", LIMIT)
    path = tmp_path / "monitor.db"
    store = Store(path)
    sizes = []
    try:
        for start in range(0, ADMISSIONS, 250):
            admit_many(store, 250, start)
            sizes.append(wal_bytes(path))
    finally:
        store.close()
    assert max(sizes) < 8 * 1024 * 1024, sizes
    assert min(sizes[len(sizes) // 2 :]) < 4 * 1024 * 1024, sizes  # cut again and again, not only once
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone() == (ADMISSIONS,)
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (40,)


def test_a_reader_holding_a_snapshot_delays_the_cut_but_never_the_writes(tmp_path: Path, monkeypatch) -> None:
    """Another process reading a long report keeps its snapshot: the cut gives up within RESTART_WAIT_MS and
    tries again later; writes go on meanwhile, and once the reader is done the file is cut back."""
    monkeypatch.setattr(sqlite_commit, "WAL_LIMIT_BYTES", LIMIT)
    path = tmp_path / "monitor.db"
    store = Store(path)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        admit_many(store, 200)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM requests").fetchone()  # a snapshot held open
        admit_many(store, 1_500, start=200)
        held = wal_bytes(path)
        assert held > LIMIT  # the log could not start over under the reader's snapshot
        reader.execute("COMMIT")
        written = 1_700
        while wal_bytes(path) >= held and written < 6_000:  # a cut that finds the lock taken waits for the next
            admit_many(store, 100, start=written)
            written += 100
        assert wal_bytes(path) < held, (held, written)
    finally:
        reader.close()
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone() == (written,)


def test_every_connection_cuts_the_log_back_when_it_starts_over(tmp_path: Path) -> None:
    store = Store(tmp_path / "monitor.db")
    try:
        engine = store.engine
        for conn in (engine._patient, engine._eager):
            assert conn.execute("PRAGMA journal_size_limit").fetchone() == (sqlite_commit.WAL_LIMIT_BYTES,)
    finally:
        store.close()
