"""PostgreSQL's round trips: a statement whose result nobody reads goes with the next one that is read, or with
the COMMIT; a charge is four round trips (three without a hold); what fails in a deferred statement fails its step
whole; and a connection the server dropped is still replaced when nothing of the step had reached the server."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from plugin.domain import billing, pricing, tokens
from plugin.errors import StoreUnavailable
from plugin.store import PgStore

PRICE = pricing.defaults(1, 1, -1)
ANN = billing.Member("ann", "Ann", "ann@example.com")


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    s = PgStore(pg_url)
    yield s
    s.close()


@pytest.fixture
def other(pg_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


def _admit(store: PgStore, message_id: str, member: billing.Member = ANN) -> None:
    admitted = billing.admit(
        store, member, chat_id="c", message_id=message_id, model_id="gpt", hold=10, init_balance=1_000, price=PRICE
    )
    assert isinstance(admitted, billing.Admission)


def _settle(store: PgStore, message_id: str, member: billing.Member = ANN) -> billing.Settlement:
    usage = tokens.Usage(input_tokens=1000, output_tokens=1000)
    return billing.settle(
        store,
        billing.Terms(member, init_balance=1_000),
        billing.Round(chat_id="c", message_id=message_id, model_id="gpt", usage=usage, price=PRICE),
    )


def test_a_charge_is_four_round_trips_its_writes_going_with_the_commit(store: PgStore) -> None:
    bob = billing.Member("bob", "Bob", "bob@example.com")
    _admit(store, "m0", bob)
    _settle(store, "m0", bob)  # a connection's first charges also PREPARE their statements (test_pg_prepared.py)
    _admit(store, "m1")
    seen: list[str] = []
    before = store.conn.round_trips
    store.conn.set_trace_callback(seen.append)
    settled = _settle(store, "m1")
    store.conn.set_trace_callback(None)
    # BEGIN, the locks, the user, the request and the usage so far; the balance after the hold's release and after
    # the charge (UPDATE ... RETURNING each); their two ledger rows, the usage record, the closed request and the
    # COMMIT. (A request without a hold: three.)
    assert store.conn.round_trips - before == 4, seen
    assert len(seen) == 12 and seen[-1] == "COMMIT"
    assert settled.balance == 1_000 - settled.cost and store.reconcile() == []
    assert store.get_request("c", "m1")["status"] == "settled"
    assert [row["kind"] for row in store.ledger_for("ann")] == ["topup", "hold", "release", "charge"]


def test_a_deferred_write_that_fails_fails_its_step_and_nothing_of_the_step_remains(store: PgStore) -> None:
    _admit(store, "m1")
    # Sent with the next read: the read fails with it.
    with pytest.raises(psycopg.IntegrityError), store.immediate(user="ann"):
        store.append_ledger("ann", "topup", 5, actor="test")  # its UPDATE is read; its INSERT is deferred
        store.engine.execute_unread(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at)"
            " VALUES ('ann', 'bogus', 1, 1, 'test', 0)"
        )
        store.get_user("ann")
    # Sent with the COMMIT: the COMMIT fails with it.
    with pytest.raises(psycopg.IntegrityError), store.immediate(user="ann"):
        store.append_ledger("ann", "topup", 7, actor="test")
        store.engine.execute_unread("UPDATE requests SET hold = -1 WHERE message_id = 'm1'")
    assert store.get_user("ann")["balance"] == 1_000 - 10 and store.reconcile() == []
    assert [row["kind"] for row in store.ledger_for("ann")] == ["topup", "hold"]
    assert store.one("SELECT 1 AS ok")["ok"] == 1  # the connection is usable: its transaction was rolled back


def test_a_step_that_raises_leaves_none_of_its_deferred_writes_to_the_next(store: PgStore) -> None:
    _admit(store, "m1")
    with pytest.raises(RuntimeError), store.immediate(user="ann"):
        store.append_ledger("ann", "topup", 5, actor="test")  # its ledger row waits for the next read or the COMMIT
        raise RuntimeError("the step changed its mind")
    with pytest.raises(RuntimeError), store.immediate(user="ann"):  # nothing sent yet: not even its BEGIN
        store.engine.execute_unread("UPDATE users SET name = 'changed' WHERE id = 'ann'")
        raise RuntimeError("the step changed its mind")
    with pytest.raises(RuntimeError), store.immediate(user="ann"):  # its own error, not the write's
        store.get_user("ann")
        store.engine.execute_unread("UPDATE requests SET hold = -1 WHERE message_id = 'm1'")
        raise RuntimeError("the step changed its mind")
    assert store.get_user("ann")["name"] == "Ann"
    with store.immediate(user="ann"):
        store.append_ledger("ann", "topup", 7, actor="test")
    assert [row["amount"] for row in store.ledger_for("ann")] == [1_000, -10, 7] and store.reconcile() == []


def test_a_deferred_write_keeps_a_percent_sign_and_quotes_as_written(store: PgStore) -> None:
    _admit(store, "m1")
    with store.immediate(user="ann"):
        store.append_ledger("ann", "adjust", 1, actor="test", reason="50% off, it's 'free' %s %(x)s")
    assert store.ledger_for("ann")[-1]["reason"] == "50% off, it's 'free' %s %(x)s"


def test_a_dead_connection_is_replaced_when_nothing_of_the_step_had_reached_the_server(
    store: PgStore, other: psycopg.Connection
) -> None:
    _admit(store, "m1")
    _admit(store, "m2")
    for step in (
        lambda: _settle(store, "m1"),  # BEGIN and the locks went with its first read
        lambda: billing.progress(store, "ann", "c", "m2", 42),  # no read: its writes go first, then the COMMIT
    ):
        pid = store.conn.raw.info.backend_pid
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))  # a restart, a failover, an idle timeout
        step()
        assert store.conn.raw.info.backend_pid != pid
    assert store.get_request("c", "m2")["output_tokens"] == 42
    assert [row["kind"] for row in store.ledger_for("ann")].count("charge") == 1 and store.reconcile() == []


def test_a_connection_lost_after_the_step_reached_the_server_fails_the_step(
    store: PgStore, other: psycopg.Connection
) -> None:
    _admit(store, "m1")
    with pytest.raises(StoreUnavailable), store.immediate(user="ann"):
        store.get_user("ann")  # BEGIN and the locks are on the server now
        other.execute("SELECT pg_terminate_backend(%s)", (store.conn.raw.info.backend_pid,))
        store.append_ledger("ann", "topup", 5, actor="test")
    assert store.get_user("ann")["balance"] == 1_000 - 10 and store.reconcile() == []
