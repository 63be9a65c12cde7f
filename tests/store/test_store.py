from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from pathlib import Path

import pytest
import sqlite_utils
from backends import INTEGRITY_ERRORS, plain_rows, sqlite_only

from plugin.store import Store, open_store
from plugin.store import sqlite_schema as migrations


def schema_of(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' AND tbl_name != '_sqlite_migrations'"
    ).fetchall()
    return {(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows}


def test_migrating_an_empty_database_yields_exactly_schema_sql(tmp_path: Path) -> None:
    migrated = Store(tmp_path / "migrated.db")
    migrated.close()
    fresh = sqlite3.connect(tmp_path / "fresh.db")
    fresh.executescript(migrations.schema_sql())
    with sqlite3.connect(tmp_path / "migrated.db") as conn:
        assert schema_of(conn) == schema_of(fresh)
    assert {name for _, name, _ in schema_of(fresh)} >= {"users", "ledger", "requests", "usage", "prices"}


def test_schema_version_is_recorded_and_reopening_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    Store(path).close()
    db = sqlite_utils.Database(path)
    assert migrations.version(db) == "m009_record_seeks"
    assert migrations.MIGRATIONS.pending(db) == []
    Store(path).close()  # a second open must not try to create the tables again
    applied = [m.name for m in migrations.MIGRATIONS.applied(sqlite_utils.Database(path))]
    assert applied == [
        *("m001_initial", "m002_report_rollups", "m003_price_catalogue", "m004_budgets", "m005_pending_requests"),
        *("m006_codes", "m007_user_rollups", "m008_model_slots", "m009_record_seeks"),
    ]


def test_m001_is_frozen_as_released() -> None:
    """The first step must stay the 0.1.0 schema: every table of it, none of the later additions."""
    names = {sql.split()[2] for sql in migrations.statements(migrations.M001_SCHEMA)}
    assert names == {
        *("users", "users_email", "ledger", "ledger_user", "ledger_reference", "requests", "requests_open"),
        *("usage", "usage_created", "usage_user_created", "usage_model_created", "prices"),
    }
    # The text as released (the 0.1.0 schema.sql, after a leading newline): editing it fails here.
    digest = hashlib.sha256(migrations.M001_SCHEMA.encode()).hexdigest()
    assert digest == "ee7c3046aa527e6275bed16f5cb3f4a84d22e0327f5cb55a8c2a08a8152249bf"


@sqlite_only
def test_connection_settings(store: Store) -> None:
    assert store.one("PRAGMA journal_mode")["journal_mode"] == "wal"
    assert store.one("PRAGMA foreign_keys")["foreign_keys"] == 1
    assert store.one("PRAGMA busy_timeout")["timeout"] >= 5000


def test_ledger_changes_balance_and_reaches_disk(store: Store, db_path: Path) -> None:
    with store.immediate():
        assert store.ensure_user("u1", "Ann", "ann@example.com", "user") is True
        assert store.append_ledger("u1", "topup", 5_000_000, actor="admin-1", reason="welcome") == 5_000_000
        assert store.append_ledger("u1", "charge", -1_250, actor="filter", reference="c/m") == 4_998_750
    assert plain_rows(store, "SELECT balance FROM users WHERE id = 'u1'") == [(4_998_750,)]
    rows = plain_rows(store, "SELECT kind, amount, balance_after, actor FROM ledger ORDER BY id")
    assert rows == [("topup", 5_000_000, 5_000_000, "admin-1"), ("charge", -1_250, 4_998_750, "filter")]
    assert store.reconcile() == []


def test_failed_transaction_leaves_nothing(store: Store, db_path: Path) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
    with pytest.raises(RuntimeError), store.immediate():
        store.append_ledger("u1", "topup", 100, actor="a")
        raise RuntimeError("crash between two writes")
    assert plain_rows(store, "SELECT balance FROM users") == [(0,)]
    assert plain_rows(store, "SELECT COUNT(*) FROM ledger") == [(0,)]


def test_ledger_for_unknown_user_fails(store: Store) -> None:
    with pytest.raises(LookupError), store.immediate():
        store.append_ledger("ghost", "topup", 1, actor="a")


def test_reconcile_finds_a_balance_the_ledger_does_not_explain(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
        store.append_ledger("u1", "topup", 100, actor="a")
        store.conn.execute("UPDATE users SET balance = 99 WHERE id = 'u1'")
    assert store.reconcile() == [{"id": "u1", "balance": 99, "ledger_sum": 100}]


def test_ensure_user_refreshes_profile(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "a@x", "user")
        assert store.ensure_user("u1", "Ann B", "b@x", "admin") is False
    user = store.get_user("u1")
    assert (user["name"], user["email"], user["role"]) == ("Ann B", "b@x", "admin")


def test_negative_cost_is_refused_by_the_schema(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
    with pytest.raises(INTEGRITY_ERRORS), store.immediate():
        store.save_usage(
            {
                "chat_id": "c",
                "message_id": "m",
                "user_id": "u1",
                "model_id": "x",
                "input_tokens": 1,
                "output_tokens": -5,
                "price_source": "default",
                "cost": 0,
                "balance_after": 0,
            }
        )


def test_open_store_is_shared_per_path(tmp_path: Path) -> None:
    a = open_store(tmp_path / "x.db")
    assert open_store(str(tmp_path / "x.db")) is a
    assert open_store(tmp_path / "y.db") is not a


# -- group commit (Store.call) ------------------------------------------------------------------------------


def _topup(store: Store, user_id: str, amount: int) -> int:
    with store.immediate():
        store.ensure_user(user_id, user_id, "", "user")
        return store.append_ledger(user_id, "topup", amount, actor="test")


def _failing(store: Store, user_id: str) -> None:
    with store.immediate():
        store.append_ledger(user_id, "topup", 999, actor="test")
        raise ValueError("this step fails after writing")


@sqlite_only
def test_steps_arriving_together_share_one_commit_and_a_failing_one_undoes_only_itself(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from plugin.store import sqlite_commit

    monkeypatch.setattr(sqlite_commit, "BATCH_BUDGET", 10.0)  # however slow the machine, all six fit in one batch
    commits = []
    store.engine._eager.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)

    async def together() -> list:
        steps = [store.call(_topup, store, f"u{i}", 10) for i in range(5)]
        steps.insert(2, store.call(_failing, store, "u0"))
        return await asyncio.gather(*steps, return_exceptions=True)

    results = asyncio.run(together())
    assert [type(r).__name__ for r in results] == ["int", "int", "ValueError", "int", "int", "int"]
    assert commits == ["COMMIT"]  # six steps, one transaction
    assert {u["id"]: u["balance"] for u in store.all_users()} == {f"u{i}": 10 for i in range(5)}
    assert store.reconcile() == []


@sqlite_only
def test_a_step_waits_on_the_loop_for_another_writer_and_fails_after_the_busy_timeout(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from plugin.store import sqlite as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def released_soon() -> int:
        asyncio.get_running_loop().call_later(0.05, other.execute, "COMMIT")
        return await store.call(_topup, store, "waiter", 7)

    assert asyncio.run(released_soon()) == 7  # waited for the lock without blocking the loop, then ran
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            asyncio.run(store.call(_topup, store, "waiter", 1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.get_user("waiter")["balance"] == 7


@sqlite_only
def test_a_store_outlives_event_loops_that_closed_mid_wait_or_mid_checkpoint(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `asyncio.run` is a new loop; a retry or a checkpoint left behind by a closed one must not stall the
    next (a flag only a dead loop would have cleared made every later step wait for the busy timeout)."""
    import asyncio

    from plugin.store import sqlite_commit

    monkeypatch.setattr(sqlite_commit, "CHECKPOINT_EVERY", 1)  # a checkpoint after every step, as loops close
    for i in range(30):
        assert asyncio.run(asyncio.wait_for(store.call(_topup, store, "loops", 1), 10)) == i + 1
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(TimeoutError):  # the caller gives up while the step waits: a retry stays in that loop
        asyncio.run(asyncio.wait_for(store.call(_topup, store, "loops", 100), 0.05))
    other.execute("ROLLBACK")
    other.close()
    assert asyncio.run(asyncio.wait_for(store.call(_topup, store, "loops", 1), 10)) == 31


# -- the COMMIT on the committer thread, the batch's budget on the loop ---------------------------------------


def _slow_commits(store: Store, seconds: float) -> None:
    """Every COMMIT of the loop's connection waits `seconds` first, as one whose writes the file system holds."""
    store.engine._eager.set_trace_callback(lambda sql: time.sleep(seconds) if sql == "COMMIT" else None)


@sqlite_only
def test_a_batch_commits_off_the_event_loop_and_its_result_comes_after_the_commit(store: Store, db_path: Path) -> None:
    _slow_commits(store, 0.2)
    other = sqlite3.connect(db_path)

    async def meanwhile() -> tuple[int, int, list]:
        step = store.submit(_topup, store, "off", 5)
        ticks, seen = 0, []
        while not step.done():
            await asyncio.sleep(0.005)
            ticks += 1
            seen.append(other.execute("SELECT balance FROM users WHERE id = 'off'").fetchone())
        return await step, ticks, seen

    balance, ticks, seen = asyncio.run(meanwhile())
    assert balance == 5
    assert ticks >= 10  # the loop kept turning through the 200 ms COMMIT (on the loop it would have stood still)
    assert seen[:-1] == [None] * (len(seen) - 1)  # nothing visible before the step's result came
    assert other.execute("SELECT balance FROM users WHERE id = 'off'").fetchone() == (5,)
    other.close()


@sqlite_only
def test_a_loop_reading_during_a_commit_in_flight_stands_on_the_last_reading(store: Store) -> None:
    """While a batch's COMMIT runs on the committer thread the loop's connection is that thread's: the budgets'
    check on the loop gets the last reading of data_version, and reads nothing itself."""

    async def scenario() -> None:
        assert await store.call(_topup, store, "kept", 5) == 5
        before = store.loop_version()
        assert before is not None
        _slow_commits(store, 0.2)
        step = store.submit(_topup, store, "kept", 1)
        await asyncio.sleep(0.02)
        assert store.engine._in_flight()
        assert store.loop_version() == before  # the last reading stands meanwhile
        assert store.peek_budget_version() is None  # the caller reads the budgets on the store's thread instead
        assert await step == 6

    asyncio.run(scenario())


@sqlite_only
def test_a_batch_ends_at_its_budget_and_the_steps_left_commit_in_the_next(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plugin.store import sqlite_commit

    monkeypatch.setattr(sqlite_commit, "BATCH_BUDGET", 0.0)  # every step is past it: one step per batch
    commits = []
    store.engine._eager.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)

    async def together() -> list:
        return await asyncio.gather(*(store.call(_topup, store, f"b{i}", i + 1) for i in range(3)))

    assert asyncio.run(together()) == [1, 2, 3]
    assert commits == ["COMMIT"] * 3
    assert store.reconcile() == []


@sqlite_only
def test_a_loop_that_closes_while_its_commit_runs_leaves_the_store_usable(store: Store) -> None:
    _slow_commits(store, 0.1)

    async def leave_early() -> None:
        store.submit(_topup, store, "closed", 1)
        await asyncio.sleep(0.01)  # the batch ran; its COMMIT is on the committer thread as this loop closes
        assert store.engine._in_flight()

    asyncio.run(leave_early())
    # The next loop's step waits for that COMMIT to land, then runs (it would wait forever for a wake-up sent to
    # the closed loop).
    assert asyncio.run(asyncio.wait_for(store.call(_topup, store, "closed", 1), 5)) == 2
    assert store.get_user("closed")["balance"] == 2


def _orphan_at_commit(store: Store) -> None:
    """A write whose foreign key is checked only at COMMIT, which then fails: a COMMIT that fails for real."""
    with store.immediate():
        store.conn.execute("PRAGMA defer_foreign_keys=ON")
        store.conn.execute(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at)"
            " VALUES ('nobody', 'topup', 1, 1, 'test', 0)"
        )


@sqlite_only
def test_a_commit_that_fails_on_the_committer_thread_fails_its_batch_and_releases_the_lock(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plugin.store import sqlite_commit

    monkeypatch.setattr(sqlite_commit, "BATCH_BUDGET", 10.0)

    async def batch() -> list:
        steps = [store.call(_topup, store, "victim", 5), store.call(_orphan_at_commit, store)]
        return await asyncio.gather(*steps, return_exceptions=True)

    results = asyncio.run(batch())
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert store.get_user("victim") is None  # the whole batch was rolled back
    assert not store.proven()
    assert asyncio.run(asyncio.wait_for(store.call(_topup, store, "victim", 5), 5)) == 5  # lock free, store usable
    assert store.reconcile() == []


@sqlite_only
def test_a_batch_after_the_committer_shut_down_commits_on_the_loop(store: Store) -> None:
    """At interpreter exit the committer takes no more work: the batch must still commit, not hold the lock."""
    store.engine._committer.shutdown(wait=True)
    assert asyncio.run(asyncio.wait_for(store.call(_topup, store, "late", 3), 5)) == 3
    other = sqlite3.connect(store.path, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # the write lock is free
    other.execute("ROLLBACK")
    other.close()


@sqlite_only
def test_a_batch_that_cannot_begin_fails_its_steps_and_the_queue_goes_on(store: Store) -> None:
    """An error at BEGIN other than a busy lock (here a closed connection; a corrupt file alike) fails the batch's
    steps at once: it must not stop the queue with every caller waiting forever."""
    eager = store.engine._eager
    eager.close()

    async def two() -> list:
        steps = [store.call(_topup, store, "b", 1), store.call(_topup, store, "b", 2)]
        return await asyncio.wait_for(asyncio.gather(*steps, return_exceptions=True), 5)

    results = asyncio.run(two())
    assert all(isinstance(r, sqlite3.ProgrammingError) for r in results), results


@sqlite_only
def test_a_landing_with_the_store_thread_gone_still_flushes_the_next_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At interpreter exit both threads take no more work: a landing that would start a checkpoint must still let
    the steps queued behind it run."""
    from plugin.store import sqlite_commit

    monkeypatch.setattr(sqlite_commit, "CHECKPOINT_EVERY", 1)
    monkeypatch.setattr(sqlite_commit, "BATCH_BUDGET", 0.0)  # one step per batch: the second waits for the first
    store.engine._committer.shutdown(wait=True)
    store.engine._executor.shutdown(wait=True)

    async def two() -> list:
        steps = [store.call(_topup, store, "exit", 1), store.call(_topup, store, "exit", 1)]
        return await asyncio.wait_for(asyncio.gather(*steps), 5)

    assert asyncio.run(two()) == [1, 2]
    assert not store.engine._checkpointing
