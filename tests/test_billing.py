from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from backends import is_postgres

from plugin import billing, pricing
from plugin.billing import Admission, Member, Refusal
from plugin.errors import InsufficientBalance, UserBlocked
from plugin.pricing import Price
from plugin.store import Store
from plugin.tokens import Usage

ANN = Member("u-ann", "Ann", "ann@example.com", "user")
PRICE = Price(input=60_000_000, output=60_000_000, source="default")  # 60 per 1M: 60 micro-units per token


def topup(store: Store, member: Member, amount: int) -> None:
    with store.immediate():
        store.ensure_user(member.id, member.name, member.email, member.role)
        store.append_ledger(member.id, "topup", amount, actor="admin")


def admit(store: Store, message_id: str = "m1", hold: int = 0, chat_id: str = "c1", init: int = 0):
    return billing.admit(
        store, ANN, chat_id=chat_id, message_id=message_id, model_id="gpt", hold=hold, init_balance=init
    )


def settle(
    store: Store, usage: Usage, message_id: str = "m1", chat_id: str = "c1", price: Price = PRICE, round_usage=None
):
    return billing.settle(
        store,
        ANN,
        chat_id=chat_id,
        message_id=message_id,
        model_id="gpt",
        usage=usage,
        price=price,
        round_usage=round_usage,
    )


def kinds(store: Store) -> list[tuple[str, int, int]]:
    return [(row["kind"], row["amount"], row["balance_after"]) for row in store.ledger_for(ANN.id)]


def test_new_user_gets_the_initial_balance_through_the_ledger(store: Store) -> None:
    result = admit(store, init=2_000_000)
    assert result == Admission(balance=2_000_000, hold=0)
    assert kinds(store) == [("topup", 2_000_000, 2_000_000)]
    admit(store, message_id="m2", init=2_000_000)  # only once
    assert len(kinds(store)) == 1


def test_zero_balance_is_refused_and_the_user_still_exists(store: Store) -> None:
    result = admit(store)
    assert isinstance(result, Refusal) and isinstance(result.error, InsufficientBalance)
    assert store.get_user(ANN.id)["balance"] == 0
    assert store.get_request("c1", "m1") is None


def test_blocked_user_is_refused_whatever_the_balance(store: Store) -> None:
    topup(store, ANN, 10_000_000)
    with store.immediate():
        store.set_blocked(ANN.id, True)
    result = admit(store)
    assert isinstance(result, Refusal) and isinstance(result.error, UserBlocked)
    assert store.get_user(ANN.id)["balance"] == 10_000_000


def test_charge_is_exact_and_explained(store: Store, clock) -> None:
    topup(store, ANN, 1_000_000)
    admit(store)
    clock.advance(2.5)
    result = settle(store, Usage(11, 5))
    assert result.cost == result.charged == 16 * 60
    assert result.balance == 1_000_000 - 960
    assert result.elapsed == pytest.approx(2.5)
    assert kinds(store) == [("topup", 1_000_000, 1_000_000), ("charge", -960, 999_040)]
    record = store.get_usage("c1", "m1")
    assert (record["cost"], record["balance_after"], record["price_source"], record["elapsed_ms"]) == (
        960,
        999_040,
        "default",
        2500,
    )
    assert store.reconcile() == []


def test_hold_is_settled_to_the_exact_cost(store: Store) -> None:
    topup(store, ANN, 10_000)
    assert admit(store, hold=5_000) == Admission(balance=5_000, hold=5_000)
    result = settle(store, Usage(11, 5))
    assert result.balance == 10_000 - 960
    assert kinds(store)[1:] == [("hold", -5_000, 5_000), ("release", 5_000, 10_000), ("charge", -960, 9_040)]
    assert store.get_request("c1", "m1")["status"] == "settled"


def test_hold_larger_than_balance_is_refused_but_equal_is_served(store: Store) -> None:
    topup(store, ANN, 5_000)
    assert isinstance(admit(store, hold=5_001), Refusal)
    assert admit(store, hold=5_000) == Admission(balance=0, hold=5_000)
    assert isinstance(admit(store, message_id="m2", hold=5_000), Refusal)


def test_zero_output_costs_nothing_and_releases_the_hold(store: Store) -> None:
    topup(store, ANN, 10_000)
    admit(store, hold=5_000)
    result = settle(store, Usage(500, 0))
    assert (result.cost, result.balance) == (0, 10_000)


def test_replay_of_the_same_outlet_changes_nothing(store: Store) -> None:
    topup(store, ANN, 10_000)
    admit(store)
    settle(store, Usage(11, 5))
    before = kinds(store)
    again = settle(store, Usage(11, 5))
    assert again.charged == 0 and kinds(store) == before


def test_a_replay_after_a_price_change_charges_nothing(store: Store) -> None:
    """A charge sent again (its commit's answer lost with a connection, or the outlet run twice) after an admin
    raised the price: the record keeps what was charged, and the ledger never holds more than the records."""
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(11, 5))
    again = settle(store, Usage(11, 5), price=Price(input=180_000_000, output=180_000_000, source="admin"))
    assert again.charged == 0 and again.cost == 960
    charges = -sum(amount for kind, amount, _ in kinds(store) if kind == "charge")
    assert charges == store.get_usage("c1", "m1")["cost"] == 960


def test_continue_charges_only_its_own_round(store: Store) -> None:
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(11, 5))
    admit(store)  # the Continue's inlet reopens the same message
    # Open WebUI's total (here inflated, as it is after a second Continue) is ignored; the round is billed.
    result = settle(store, Usage(99, 99), round_usage=Usage(12, 12))
    assert result.charged == (12 + 12) * 60
    assert result.cost == (23 + 17) * 60
    record = store.get_usage("c1", "m1")
    assert (record["input_tokens"], record["output_tokens"], record["cost"]) == (23, 17, 2400)
    assert store.get_user(ANN.id)["balance"] == 100_000 - 2400


def test_a_continue_with_the_same_counts_is_still_billed(store: Store) -> None:
    """Open WebUI leaves its total unchanged when a round equals it; the upstream still served that round."""
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(11, 5))
    admit(store)
    result = settle(store, Usage(11, 5), round_usage=Usage(11, 5))
    assert result.charged == 960 and result.usage == Usage(22, 10)


def test_an_outlet_without_a_new_inlet_is_a_replay(store: Store) -> None:
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(100, 100))
    for usage in (Usage(1, 1), Usage(10**6, 10**6)):
        result = settle(store, usage, round_usage=usage)
        assert result.charged == 0 and result.usage == Usage(100, 100)
    assert store.get_user(ANN.id)["balance"] == 100_000 - 12_000


def test_outlet_without_inlet_still_charges(store: Store) -> None:
    topup(store, ANN, 10_000)
    result = settle(store, Usage(11, 5), message_id="never-seen")
    assert result.charged == 960 and result.elapsed is None
    assert store.get_usage("c1", "never-seen")["cost"] == 960


@pytest.mark.parametrize("keep", [True, False])
def test_forgotten_hold_expires(store: Store, clock, keep: bool) -> None:
    topup(store, ANN, 10_000)
    admit(store, hold=4_000)
    clock.advance(60)
    assert billing.expire_holds(store, older_than=120, keep_as_charge=keep) == 0
    clock.advance(61)
    assert billing.expire_holds(store, older_than=120, keep_as_charge=keep) == 1
    expected = 6_000 if keep else 10_000
    assert store.get_user(ANN.id)["balance"] == expected
    assert store.get_request("c1", "m1")["status"] == "expired"
    # A late outlet after expiry charges only what the kept hold did not already cover.
    late = settle(store, Usage(100, 50))
    assert (late.cost, late.charged) == (9_000, 5_000 if keep else 9_000)
    assert store.get_user(ANN.id)["balance"] == 10_000 - 9_000
    assert store.reconcile() == []


def test_concurrent_admissions_across_connections_never_overdraw(db_path: Path) -> None:
    """Eight connections (as eight workers would have) race for holds that the balance covers ten times."""
    first = Store(db_path)
    topup(first, ANN, 10 * 960)
    stores = [Store(db_path) for _ in range(8)]
    results: list[object] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        store = stores[index % len(stores)]
        for n in range(4):
            result = admit(store, message_id=f"w{index}-{n}", hold=960)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = [r for r in results if isinstance(r, Admission)]
    assert len(results) == 32 and len(served) == 10
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("SELECT balance FROM users").fetchone() == (0,)
        assert plain.execute("SELECT SUM(amount) FROM ledger").fetchone() == (0,)
    for store in [first, *stores]:
        store.close()


def test_money_never_moves_as_float(store: Store) -> None:
    topup(store, ANN, pricing.to_micro("0.3"))
    admit(store, hold=pricing.to_micro("0.1"))
    if is_postgres(store):
        sql = "SELECT pg_typeof(amount)::text AS t FROM ledger UNION SELECT pg_typeof(balance)::text FROM users"
        assert {row["t"] for row in store.query(sql)} == {"bigint"}
        return
    with sqlite3.connect(store.path) as plain:
        types = {
            row[0] for row in plain.execute("SELECT typeof(amount) FROM ledger UNION SELECT typeof(balance) FROM users")
        }
    assert types == {"integer"}
