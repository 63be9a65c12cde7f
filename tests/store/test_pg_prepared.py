"""PostgreSQL's prepared statements (`plugin/store/postgres_sql.py`): a billing step's statements run as
EXECUTEs of statements PREPAREd on their connection from its next step on, exactly as before; a statement the server
cannot type stays as it is; statements the server lost (a column added by another replica's migration, a
DEALLOCATE, a new connection) cost a step run again, never a failed chat; reports are not prepared."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from plugin.domain import billing, pricing, tokens
from plugin.store import PgStore
from plugin.store import postgres_sql as prepared

PRICE = pricing.defaults(1, 1, -1)
ANN = billing.Member("ann", "Ann", "ann@example.com")
INIT = 1_000_000


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    s = PgStore(pg_url)
    yield s
    s.close()


@pytest.fixture
def one_thread(store: PgStore) -> PgStore:
    """The store with one thread for its steps: every step on one connection, whose statements a test can count."""
    store.engine._executor.shutdown()
    store.engine._executor = ThreadPoolExecutor(max_workers=1)
    return store


@pytest.fixture
def other(pg_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


def _charge(store: PgStore, message_id: str) -> billing.Settlement:
    """One chat's inlet and outlet, each a billing step on this thread's connection."""
    admitted = billing.admit(
        store, ANN, chat_id="c", message_id=message_id, model_id="gpt", hold=10, init_balance=INIT, price=PRICE
    )
    assert isinstance(admitted, billing.Admission)
    usage = tokens.Usage(input_tokens=1000, output_tokens=1000)
    return billing.settle(
        store,
        billing.Terms(ANN, init_balance=INIT),
        billing.Round(chat_id="c", message_id=message_id, model_id="gpt", usage=usage, price=PRICE),
    )


def _charge_in_a_step(store: PgStore, message_id: str) -> billing.Settlement:
    """As the Filter runs them: each step on a thread of the store, run again if PostgreSQL rolled it back."""

    async def go() -> billing.Settlement:
        await store.call(lambda: _charge(store, message_id))
        return await store.call(lambda: store.get_user("ann"))  # type: ignore[return-value]

    return asyncio.run(go())


def _executions(conn: psycopg.Connection) -> dict[str, int]:
    """The statements PREPAREd on `conn`'s session and how often each ran."""
    rows = conn.execute("SELECT name, generic_plans + custom_plans FROM pg_prepared_statements").fetchall()
    return dict(rows)


def _every_connections(store: PgStore) -> dict[str, int]:
    """`_executions` summed over the store's connections (a step may run on any of its threads)."""
    runs: dict[str, int] = {}
    for conn in store.engine._connections:
        for name, n in _executions(conn.raw).items():
            runs[name] = runs.get(name, 0) + n
    return runs


def _balance_and_charges(store: PgStore) -> tuple[int, int]:
    kinds = [row["kind"] for row in store.ledger_for("ann")]
    assert store.reconcile() == []
    return store.get_user("ann")["balance"], kinds.count("charge")


def test_a_billing_steps_statements_run_prepared_from_the_next_step_on(store: PgStore) -> None:
    first = _charge(store, "m1")  # PREPAREd when the connection is next idle, before a step begins
    for i in range(2, 6):
        _charge(store, f"m{i}")
    runs = _executions(store.conn.raw)
    # The locks, the user, the request, the usage, the ledger, ...: each run by the last four charges (at least).
    assert len([n for n in runs.values() if n >= 4]) >= 8, runs
    assert _balance_and_charges(store) == (INIT - 5 * first.cost, 5)
    # Statements outside a billing step (reports, pages, an admin's change) are not prepared.
    before = _executions(store.conn.raw)
    store.ledger_for("ann")
    store.get_user("ann")
    for _ in range(3):
        with store.immediate():
            store.get_user("ann")
            store.one("SELECT COUNT(*) AS n FROM ledger WHERE user_id = ?", ("ann",))
    assert _executions(store.conn.raw) == before


def test_a_statement_the_server_cannot_type_stays_as_it_is(store: PgStore) -> None:
    for _ in range(3):
        with store.immediate(user="ann"):
            assert store.one("SELECT ? IS NULL AS missing", (None,)) == {"missing": True}
    assert "SELECT %s IS NULL AS missing" in prepared._unpreparable


def test_a_percent_sign_quotes_and_a_name_used_twice_keep_their_meaning_prepared(store: PgStore) -> None:
    sql = "SELECT '50% off, it''s' || :x || CAST(:x AS TEXT) || ? AS said"
    named = "SELECT '50% off, it''s' || :x || :x AS said"
    for _ in range(3):
        with store.immediate(user="ann"):
            assert store.one(named, {"x": "!"}) == {"said": "50% off, it's!!"}
            assert store.one(sql.replace(" || ?", ""), {"x": "%s"}) == {"said": "50% off, it's%s%s"}
    assert any("50% off" in row[0] for row in store.conn.raw.execute("SELECT statement FROM pg_prepared_statements"))


def test_a_column_another_replica_added_costs_a_step_run_again_not_a_chat(
    one_thread: PgStore, other: psycopg.Connection
) -> None:
    store = one_thread
    for i in range(3):
        first = _charge_in_a_step(store, f"m{i}")
    # A newer replica's migration: `SELECT * FROM users` no longer has the result type it was PREPAREd with.
    other.execute("ALTER TABLE openwebui_monitor.users ADD COLUMN added_later TEXT")
    for i in range(3, 6):
        _charge_in_a_step(store, f"m{i}")
    assert _balance_and_charges(store) == (INIT - 6 * (INIT - first["balance"]) // 3, 6)
    assert len([n for n in _every_connections(store).values() if n >= 2]) >= 8  # prepared again, and used
    assert not [sql for sql in prepared._unpreparable if "users" in sql]  # each PREPAREd again, none refused


def test_statements_the_session_lost_are_prepared_again(one_thread: PgStore) -> None:
    store = one_thread
    for i in range(3):
        _charge_in_a_step(store, f"m{i}")
    for conn in store.engine._connections:  # as a pooler's DISCARD ALL would
        conn.raw.execute("DEALLOCATE ALL")
    for i in range(3, 6):
        _charge_in_a_step(store, f"m{i}")
    assert len([n for n in _every_connections(store).values() if n >= 2]) >= 8
    assert _balance_and_charges(store)[1] == 6


def test_a_new_connection_prepares_its_statements_again(store: PgStore, other: psycopg.Connection) -> None:
    first = _charge(store, "m1")
    _charge(store, "m2")
    pid = store.conn.raw.info.backend_pid
    other.execute("SELECT pg_terminate_backend(%s)", (pid,))  # a restart, a failover, an idle timeout
    for i in range(3, 6):
        _charge(store, f"m{i}")  # not run again on failure: nothing may fail
    assert store.conn.raw.info.backend_pid != pid
    assert len([n for n in _executions(store.conn.raw).values() if n >= 2]) >= 8
    assert _balance_and_charges(store) == (INIT - 5 * first.cost, 5)


def test_a_connection_prepares_a_bounded_number_of_statements(store: PgStore) -> None:
    for i in range(prepared.PREPARED_MAX + 10):
        with store.immediate(user="ann"):
            assert store.one(f"SELECT {i} AS n")["n"] == i
    with store.immediate(user="ann"):
        store.one("SELECT 1 AS n")
    assert len(_executions(store.conn.raw)) <= prepared.PREPARED_MAX
