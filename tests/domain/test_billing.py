"""The money rules in two phases: a pending charge with a hold at every admission, posted by the outlet at this
round's cost, or settled by `abandon` for an estimate when no outlet comes. Every test runs on both backends."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

import pytest
from backends import is_postgres, plain_rows

from plugin.domain import billing, pricing
from plugin.domain.billing import ENFORCE, EXEMPT, TRACK_ONLY, Admission, Member, Policy, Refusal
from plugin.domain.pricing import Price
from plugin.domain.tokens import Usage
from plugin.errors import EmptyBalance, InsufficientBalance, MessageNotYours, ReplyInProgress, UserBlocked
from plugin.store import Store
from plugin.ui import notice
from plugin.words.i18n import LANGUAGES

ANN = Member("u-ann", "Ann", "ann@example.com", "user")
PRICE = Price(input=60_000_000, output=60_000_000, source="default")  # 60 per 1M: 60 micro-units per token


def topup(store: Store, member: Member, amount: int) -> None:
    with store.immediate():
        store.ensure_user(member.id, member.name, member.email, member.role)
        store.append_ledger(member.id, "topup", amount, actor="admin")


def adjust(store: Store, amount: int) -> None:
    """An admin's deduction (or charges past the balance in tracking-only mode)."""
    with store.immediate():
        store.append_ledger(ANN.id, "adjust", amount, actor="admin")


def admit(
    store: Store,
    message_id: str = "m1",
    hold: int = 0,
    chat_id: str = "c1",
    init: int = 0,
    *,
    price: Price | None = PRICE,
    input_tokens: int = 0,
    policy: Policy = ENFORCE,
):
    return billing.admit(
        store,
        ANN,
        chat_id=chat_id,
        message_id=message_id,
        model_id="gpt",
        hold=hold,
        init_balance=init,
        policy=policy,
        price=price,
        input_tokens=input_tokens,
    )


def settle(
    store: Store,
    usage: Usage | None,
    message_id: str = "m1",
    chat_id: str = "c1",
    price: Price = PRICE,
    output_tokens: int = 0,
    policy: Policy = ENFORCE,
):
    return billing.settle(
        store,
        billing.Terms(ANN, policy=policy),
        billing.Round(
            chat_id=chat_id,
            message_id=message_id,
            model_id="gpt",
            usage=usage,
            price=price,
            output_tokens=output_tokens,
        ),
    )


def kinds(store: Store) -> list[tuple[str, int, int]]:
    return [(row["kind"], row["amount"], row["balance_after"]) for row in store.ledger_for(ANN.id)]


def balance(store: Store) -> int:
    return store.get_user(ANN.id)["balance"]


# -- admission ------------------------------------------------------------------------------------------------


def test_new_user_gets_the_initial_balance_through_the_ledger(store: Store) -> None:
    result = admit(store, init=2_000_000)
    assert result == Admission(balance=2_000_000, hold=0)
    assert kinds(store) == [("topup", 2_000_000, 2_000_000)]
    admit(store, message_id="m2", init=2_000_000)  # only once
    assert len(kinds(store)) == 1


def test_every_admitted_request_is_pending_with_what_settling_it_without_an_outlet_needs(store: Store) -> None:
    topup(store, ANN, 100_000)
    assert admit(store, hold=0, input_tokens=42) == Admission(balance=100_000, hold=0)  # no hold: still pending
    row = store.get_request("c1", "m1")
    assert (row["status"], row["hold"], row["input_tokens"], row["output_tokens"], row["charge"]) == (
        "open",
        0,
        42,
        0,
        1,
    )
    assert billing.price_of(row["price"]) == PRICE
    assert admit(store, message_id="m2", hold=30_000) == Admission(balance=70_000, hold=30_000)
    assert store.get_request("c1", "m2")["hold"] == 30_000
    assert store.open_holds() == {"count": 1, "total": 30_000}


def test_the_hold_is_the_prompt_and_the_output_allowance_with_every_fee() -> None:
    assert billing.reserve(PRICE, 100, 1000) == 1100 * 60
    fees = Price(input=1_000_000, output=2_000_000, source="x", per_request=500)
    assert billing.reserve(fees, 1_000, 500) == 1_000 + 1_000 + 500
    assert billing.reserve(Price(input=0, output=0, source="x", per_message=7_000), 10, 10) == 7_000
    # At least one output token: a price charges nothing without output, so a 0 allowance would hold nothing.
    assert billing.reserve(PRICE, 0, 0) == 60


@pytest.mark.parametrize("policy", [TRACK_ONLY, EXEMPT], ids=["tracking_only", "exempt"])
def test_a_policy_that_refuses_no_one_holds_nothing_but_still_records_the_request_as_pending(
    store: Store, policy: Policy
) -> None:
    result = admit(store, hold=50_000, input_tokens=7, policy=policy)  # a balance of 0 could cover no hold
    assert result == Admission(balance=0, hold=0)
    row = store.get_request("c1", "m1")
    assert (row["status"], row["hold"], row["input_tokens"], row["charge"]) == ("open", 0, 7, int(policy.charge))
    assert kinds(store) == []


def test_zero_balance_is_refused_as_used_up_and_the_user_still_exists(store: Store) -> None:
    result = admit(store)
    assert isinstance(result, Refusal) and isinstance(result.error, EmptyBalance)
    assert (result.balance, result.needed) == (0, 0)
    assert balance(store) == 0
    assert store.get_request("c1", "m1") is None


def test_a_hold_the_balance_cannot_cover_is_refused_naming_the_hold_and_a_spent_balance_as_used_up(
    store: Store,
) -> None:
    topup(store, ANN, 3_000)
    short = admit(store, hold=5_000)
    assert isinstance(short, Refusal) and isinstance(short.error, InsufficientBalance)
    assert (short.balance, short.needed) == (3_000, 5_000)
    assert store.get_request("c1", "m1") is None and balance(store) == 3_000
    adjust(store, -4_000)
    spent = admit(store, hold=5_000)
    assert isinstance(spent, Refusal) and isinstance(spent.error, EmptyBalance)
    assert spent.balance == -1_000


def test_blocked_user_is_refused_whatever_the_balance(store: Store) -> None:
    topup(store, ANN, 10_000_000)
    with store.immediate():
        store.set_blocked(ANN.id, True)
    result = admit(store)
    assert isinstance(result, Refusal) and isinstance(result.error, UserBlocked)
    assert balance(store) == 10_000_000
    assert store.get_request("c1", "m1") is None


def test_hold_larger_than_balance_is_refused_but_equal_is_served(store: Store) -> None:
    topup(store, ANN, 5_000)
    assert isinstance(admit(store, hold=5_001), Refusal)
    assert admit(store, hold=5_000) == Admission(balance=0, hold=5_000)
    assert isinstance(admit(store, message_id="m2", hold=5_000), Refusal)


def run_at_once(count: int, work: Callable[[int], object], ready: Callable[[int], object] = int) -> list[object]:
    """`work(0..count-1)` on as many threads, released together once each has run `ready(i)`."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        try:
            ready(index)
            start.wait()
            results[index] = work(index)
        except BaseException as exc:  # reported by the assertions on the results
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_admissions_across_workers_never_overdraw(make_store: Callable[..., Store]) -> None:
    """Sixteen workers (each with its own connection, as processes or replicas have) admit a request of one user
    at the same moment; the balance covers exactly ten holds. On PostgreSQL this is the per-user advisory lock's
    work (a shared lock lets several read the same balance and all be served), on SQLite BEGIN IMMEDIATE's.
    A few rounds, since a race lost once may be won the next time."""
    hold, covered, workers = 960, 10, 16
    first = make_store()
    stores = [make_store() for _ in range(workers)]
    for round_ in range(3):
        topup(first, ANN, covered * hold)
        results = run_at_once(
            workers,
            lambda i, round_=round_: admit(stores[i], message_id=f"r{round_}-w{i}", hold=hold),
            ready=lambda i: stores[i].conn,  # each worker's connection opened before the race, not during it
        )
        assert not [r for r in results if isinstance(r, BaseException)], results
        served = [r for r in results if isinstance(r, Admission)]
        refused = [r for r in results if isinstance(r, Refusal)]
        assert (len(served), len(refused)) == (covered, workers - covered), f"round {round_}"
        assert all(isinstance(r.error, EmptyBalance) for r in refused)  # each came after the last hold took the rest
        assert plain_rows(first, "SELECT balance FROM users") == [(0,)]
        assert plain_rows(first, "SELECT SUM(amount) FROM ledger WHERE kind = 'hold'") == [
            (-(round_ + 1) * covered * hold,)
        ]
    assert plain_rows(first, "SELECT COALESCE(SUM(amount), 0) FROM ledger") == [(0,)]
    assert plain_rows(first, "SELECT COUNT(*), SUM(hold) FROM requests WHERE status = 'open'") == [
        (3 * covered, 3 * covered * hold)
    ]
    assert first.reconcile() == []


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


# -- what a refusal says --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_names_the_hold_needed_and_the_balance_and_a_used_up_balance_says_so(store: Store, lang: str) -> None:
    """As the filter shows it: the amounts formatted as money, in the user's language."""
    topup(store, ANN, 20_000)
    short = admit(store, hold=50_000)
    assert isinstance(short, Refusal) and isinstance(short.error, InsufficientBalance)
    short.error.params.update(balance=notice.money(short.balance, "$"), needed=notice.money(short.needed, "$"))
    text = short.error.message(lang)
    needed, has = {
        "en": ("needs up to $0.0500", "balance is $0.0200"),
        "zh": ("最多 $0.0500", "余额为 $0.0200"),
        "es": ("hasta $0.0500", "saldo es $0.0200"),
    }[lang]
    assert needed in text and has in text, text

    adjust(store, -20_000)
    empty = admit(store, message_id="m2")
    assert isinstance(empty, Refusal) and isinstance(empty.error, EmptyBalance)
    empty.error.params.update(balance=notice.money(empty.balance, "$"), needed=notice.money(empty.needed, "$"))
    text = empty.error.message(lang)
    used_up = {"en": "used up", "zh": "用完", "es": "agotado"}[lang]
    # Plainly used up, with the balance once; never "needs $0.0000 to start".
    assert used_up in text and text.count("$0.0000") == 1, text
    assert needed.split("$")[0] not in text


# -- the outlet posts this round --------------------------------------------------------------------------------


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
    assert store.get_request("c1", "m1")["status"] == "settled"
    assert store.reconcile() == []


def test_hold_is_settled_to_the_exact_cost(store: Store) -> None:
    topup(store, ANN, 10_000)
    assert admit(store, hold=5_000) == Admission(balance=5_000, hold=5_000)
    result = settle(store, Usage(11, 5))
    assert result.balance == 10_000 - 960
    assert kinds(store)[1:] == [("hold", -5_000, 5_000), ("release", 5_000, 10_000), ("charge", -960, 9_040)]
    request = store.get_request("c1", "m1")
    assert (request["status"], request["hold"]) == ("settled", 0)


def test_zero_output_costs_nothing_and_releases_the_hold(store: Store) -> None:
    topup(store, ANN, 10_000)
    admit(store, hold=5_000)
    result = settle(store, Usage(500, 0))
    assert (result.cost, result.charged, result.balance) == (0, 0, 10_000)
    assert [kind for kind, _, _ in kinds(store)] == ["topup", "hold", "release"]
    assert store.get_request("c1", "m1")["status"] == "settled"


def test_without_usage_the_round_is_estimated_from_the_prompt_counted_at_the_inlet(store: Store) -> None:
    """An upstream that reports no usage: the prompt the inlet counted plus the reply's text (or what the stream
    saved, if more), marked estimated."""
    topup(store, ANN, 100_000)
    admit(store, input_tokens=100)
    billing.progress(store, ANN.id, "c1", "m1", 20)
    result = settle(store, None, output_tokens=30)
    assert result.usage == Usage(100, 30, estimated=True) and result.charged == 130 * 60
    admit(store, message_id="m2", input_tokens=100)
    billing.progress(store, ANN.id, "c1", "m2", 20)
    assert settle(store, None, message_id="m2", output_tokens=10).usage == Usage(100, 20, estimated=True)
    assert store.get_usage("c1", "m1")["estimated"] == 1


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


@pytest.mark.parametrize("hold", [0, 5_000], ids=["no_hold", "hold"])
def test_a_continue_is_charged_its_own_round_and_added_to_the_record(store: Store, hold: int) -> None:
    """A Continue is a new admission of the same message: its outlet charges the round the upstream answered it
    (never the message's total again), and the record keeps the sum. Without a hold the admission's pending row is
    all that tells the Continue's outlet from a replay."""
    topup(store, ANN, 100_000)
    assert admit(store, hold=hold) == Admission(balance=100_000 - hold, hold=hold)
    first = settle(store, Usage(11, 5))
    assert first.charged == 16 * 60
    assert admit(store, hold=hold) == Admission(balance=100_000 - 960 - hold, hold=hold)  # the Continue's inlet
    second = settle(store, Usage(30, 7))
    assert second.charged == 37 * 60
    assert (second.cost, second.usage) == ((16 + 37) * 60, Usage(41, 12))
    record = store.get_usage("c1", "m1")
    assert (record["input_tokens"], record["output_tokens"], record["cost"]) == (41, 12, 53 * 60)
    assert balance(store) == 100_000 - 53 * 60
    held = [amount for kind, amount, _ in kinds(store) if kind in ("hold", "release")]
    assert held == ([-hold, hold] * 2 if hold else [])  # each round's hold released exactly
    assert store.open_holds() == {"count": 0, "total": 0}
    assert store.get_request("c1", "m1")["status"] == "settled"
    assert store.reconcile() == []


def test_a_continue_with_the_same_counts_is_still_billed(store: Store) -> None:
    """A round equal to the one before is still a round the upstream served."""
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(11, 5))
    admit(store)
    result = settle(store, Usage(11, 5))
    assert result.charged == 960 and result.usage == Usage(22, 10)


def test_an_outlet_without_a_new_inlet_is_a_replay(store: Store) -> None:
    topup(store, ANN, 100_000)
    admit(store)
    settle(store, Usage(100, 100))
    for usage in (Usage(1, 1), Usage(10**6, 10**6)):
        result = settle(store, usage)
        assert result.charged == 0 and result.usage == Usage(100, 100)
    assert balance(store) == 100_000 - 12_000


def test_an_outlet_for_a_message_never_admitted_charges_and_records_nothing(store: Store) -> None:
    """Only the upstream's answer to a request this filter admitted is billed: an outlet with no pending request
    (no inlet ran, the inlet refused it, or its id was made up) earns nothing and costs nothing."""
    topup(store, ANN, 10_000)
    result = settle(store, Usage(11, 5), message_id="never-seen")
    assert (result.charged, result.cost, result.elapsed) == (0, 0, None)
    assert store.get_usage("c1", "never-seen") is None and store.get_request("c1", "never-seen") is None
    assert isinstance(admit(store, message_id="refused", hold=20_000), Refusal)
    assert settle(store, Usage(11, 5), message_id="refused").charged == 0
    assert kinds(store) == [("topup", 10_000, 10_000)]


BOB = Member("u-bob", "Bob", "bob@example.com", "user")


def test_a_second_round_of_a_pending_message_is_refused_so_no_reply_goes_unpaid(store: Store) -> None:
    """A client may send the same (chat_id, message_id) twice at once (the web UI's ids are the client's): one
    pending row cannot pay for two replies, so the second is refused while the first is pending, and admitted once
    it has settled (a Continue)."""
    topup(store, ANN, 100_000)
    assert isinstance(admit(store, hold=5_000), Admission)
    second = admit(store, hold=5_000)
    assert isinstance(second, Refusal) and isinstance(second.error, ReplyInProgress)
    assert "still being written" in second.error.message("en")
    assert settle(store, Usage(11, 5)).charged == 960
    assert isinstance(admit(store, hold=5_000), Admission)  # the next round, once the first is paid
    assert settle(store, Usage(11, 5)).charged == 960
    assert balance(store) == 100_000 - 2 * 960
    assert store.reconcile() == []


def test_a_message_key_reused_by_another_user_moves_no_money_between_them(store: Store) -> None:
    topup(store, ANN, 100_000)
    topup(store, BOB, 100_000)
    admit(store, hold=5_000)
    settle(store, Usage(11, 5))
    bob = {"chat_id": "c1", "message_id": "m1", "model_id": "gpt"}
    refused = billing.admit(store, BOB, **bob, hold=7_000, init_balance=0, price=PRICE)
    assert isinstance(refused, Refusal) and isinstance(refused.error, MessageNotYours)
    assert billing.settle(store, billing.Terms(BOB), billing.Round(**bob, usage=Usage(11, 5), price=PRICE)).charged == 0
    assert store.get_user(ANN.id)["balance"] == 100_000 - 960
    assert store.get_user(BOB.id)["balance"] == 100_000
    assert store.get_usage("c1", "m1")["user_id"] == ANN.id


# -- no outlet: abandon -----------------------------------------------------------------------------------------


def pending(store: Store, *, input_tokens: int = 100, allowance: int = 1000, message_id: str = "m1") -> int:
    """A request admitted as the filter admits it (its estimated hold, its price, its prompt); returns the hold."""
    hold = billing.reserve(PRICE, input_tokens, allowance)
    assert isinstance(admit(store, message_id=message_id, hold=hold, input_tokens=input_tokens), Admission)
    return hold


def test_a_reply_abandoned_with_output_is_charged_the_prompt_and_the_output_so_far(store: Store, clock) -> None:
    topup(store, ANN, 1_000_000)
    hold = pending(store)
    billing.progress(store, ANN.id, "c1", "m1", 40)  # the stream saved 40 tokens so far
    clock.advance(5)
    result = billing.abandon(store, ANN.id, "c1", "m1", output_tokens=25, why="stopped")  # the larger one counts
    assert result is not None and result.charged == result.cost == (100 + 40) * 60
    assert result.usage == Usage(100, 40, estimated=True)
    record = store.get_usage("c1", "m1")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"], record["cost"]) == (100, 40, 1, 8400)
    assert record["price_source"] == "default" and record["elapsed_ms"] == 5000
    request = store.get_request("c1", "m1")
    assert (request["status"], request["hold"]) == ("expired", 0)
    rows = [(r["kind"], r["amount"], r["actor"]) for r in store.ledger_for(ANN.id)][1:]
    assert rows == [("hold", -hold, "filter"), ("release", hold, "system"), ("charge", -8400, "system")]
    assert balance(store) == 1_000_000 - 8400
    assert store.open_holds() == {"count": 0, "total": 0} and store.reconcile() == []


def test_an_abandoned_reply_is_charged_at_the_inlets_price_and_the_upstreams_usage_when_it_sent_one(
    store: Store,
) -> None:
    topup(store, ANN, 1_000_000)
    dearer = Price(input=120_000_000, output=240_000_000, source="admin")
    hold = billing.reserve(dearer, 10, 100)
    assert isinstance(admit(store, hold=hold, input_tokens=10, price=dearer), Admission)
    result = billing.abandon(store, ANN.id, "c1", "m1", usage=Usage(12, 30))
    assert result is not None and result.charged == 12 * 120 + 30 * 240
    assert store.get_usage("c1", "m1")["price_source"] == "admin"


def test_a_reply_abandoned_before_any_output_is_voided(store: Store) -> None:
    topup(store, ANN, 1_000_000)
    hold = pending(store)
    assert billing.abandon(store, ANN.id, "c1", "m1") is None
    request = store.get_request("c1", "m1")
    assert (request["status"], request["hold"]) == ("released", 0)
    assert store.get_usage("c1", "m1") is None
    assert kinds(store)[1:] == [("hold", -hold, 1_000_000 - hold), ("release", hold, 1_000_000)]


def test_abandon_after_the_outlet_does_nothing(store: Store) -> None:
    topup(store, ANN, 1_000_000)
    pending(store)
    billing.progress(store, ANN.id, "c1", "m1", 40)
    settled = settle(store, Usage(100, 50))
    before = kinds(store)
    assert billing.abandon(store, ANN.id, "c1", "m1", output_tokens=500) is None
    assert kinds(store) == before and store.get_request("c1", "m1")["status"] == "settled"
    assert store.get_usage("c1", "m1")["cost"] == settled.cost == 150 * 60


def test_an_outlet_after_abandon_charges_nothing_more(store: Store) -> None:
    """The outlet came late (after the grace, or after the sweep settled the request): never charged twice."""
    topup(store, ANN, 1_000_000)
    pending(store)
    abandoned = billing.abandon(store, ANN.id, "c1", "m1", output_tokens=40)
    assert abandoned is not None
    before = kinds(store)
    late = settle(store, Usage(100, 400))
    assert late.charged == 0 and late.cost == abandoned.cost
    assert kinds(store) == before and balance(store) == 1_000_000 - abandoned.cost
    assert store.get_request("c1", "m1")["status"] == "expired"


def test_only_the_requests_own_user_can_abandon_it(store: Store) -> None:
    topup(store, ANN, 1_000_000)
    pending(store)
    assert billing.abandon(store, "u-someone-else", "c1", "m1", output_tokens=40) is None
    assert store.get_request("c1", "m1")["status"] == "open"


def test_an_exempt_admins_abandoned_reply_is_recorded_with_its_cost_and_not_charged(store: Store) -> None:
    assert admit(store, hold=10_000, input_tokens=100, policy=EXEMPT) == Admission(balance=0, hold=0)
    result = billing.abandon(store, ANN.id, "c1", "m1", output_tokens=40)
    assert result is not None and (result.cost, result.charged) == (8400, 0)
    assert store.get_usage("c1", "m1")["cost"] == 8400
    assert kinds(store) == []


def test_a_forgotten_request_goes_stale_after_the_timeout_counted_from_its_last_progress(store: Store, clock) -> None:
    """The sweep's list: requests whose outlet is not coming (their process died). A stream that still saves its
    progress is not forgotten; once stale, the request is settled by `abandon` like any other."""
    topup(store, ANN, 1_000_000)
    pending(store, message_id="m1")
    pending(store, message_id="m2")
    clock.advance(60)
    assert billing.stale(store, older_than=120) == []
    billing.progress(store, ANN.id, "c1", "m2", 30)  # m2 is still streaming
    clock.advance(61)
    assert [r["message_id"] for r in billing.stale(store, older_than=120)] == ["m1"]
    clock.advance(60)
    stale = billing.stale(store, older_than=120)
    assert [(r["message_id"], r["output_tokens"]) for r in stale] == [("m1", 0), ("m2", 30)]
    for row in stale:
        billing.abandon(store, row["user_id"], row["chat_id"], row["message_id"], why="timed out")
    statuses = {r["message_id"]: r["status"] for r in store.query("SELECT * FROM requests")}
    assert statuses == {"m1": "released", "m2": "expired"}
    assert balance(store) == 1_000_000 - (100 + 30) * 60
    assert billing.stale(store, older_than=120) == [] and store.reconcile() == []


def test_two_users_admitting_the_same_ids_at_once_move_no_hold_between_them(make_store) -> None:
    """A temporary chat's ids are the client's: two users may name the same ones at the same moment. On PostgreSQL
    their per-user locks do not exclude each other and neither sees the other's uncommitted row, so the row itself
    decides: the second admission opens nothing and is refused (never adds its hold to the first user's row)."""
    ann_store, bob_store = make_store(), make_store()
    topup(ann_store, ANN, 1_000_000)
    topup(ann_store, BOB, 1_000_000)
    real_open = ann_store.open_request

    def slow_open(*args, **kwargs):  # Ann's transaction stays open a moment after its INSERT
        opened = real_open(*args, **kwargs)
        time.sleep(0.5)
        return opened

    ann_store.open_request = slow_open  # type: ignore[method-assign]
    results: dict[str, object] = {}

    def admit_as(store: Store, member: Member, delay: float) -> None:
        time.sleep(delay)
        results[member.id] = billing.admit(
            store, member, chat_id="local:x", message_id="m1", model_id="gpt", hold=100_000, init_balance=0, price=PRICE
        )

    threads = [
        threading.Thread(target=admit_as, args=(ann_store, ANN, 0)),
        threading.Thread(target=admit_as, args=(bob_store, BOB, 0.15)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(results[ANN.id], Admission)
    assert isinstance(results[BOB.id], Refusal)
    request = ann_store.get_request("local:x", "m1")
    assert (request["user_id"], request["hold"]) == (ANN.id, 100_000)
    assert (
        billing.settle(
            ann_store,
            billing.Terms(BOB),
            billing.Round(chat_id="local:x", message_id="m1", model_id="gpt", usage=Usage(10, 10), price=PRICE),
        ).charged
        == 0
    )
    assert ann_store.get_user(BOB.id)["balance"] == 1_000_000
    assert ann_store.reconcile() == []


def test_the_sweep_settles_only_the_round_it_listed(store: Store, clock) -> None:
    """A sweeper lists a stale round, and before it settles it the round is paid and a Continue opens the next one:
    `abandon` with the listed start time leaves the new round to its own outlet."""
    topup(store, ANN, 1_000_000)
    pending(store)
    clock.advance(60)
    (listed,) = billing.stale(store, older_than=30)
    assert settle(store, Usage(100, 40)).charged > 0
    clock.advance(1)
    pending(store, input_tokens=700)  # the Continue: the next round of the same message
    assert billing.abandon(store, ANN.id, "c1", "m1", output_tokens=50, started_at=listed["started_at"]) is None
    assert store.get_request("c1", "m1")["status"] == "open"
    assert settle(store, Usage(700, 300)).charged == 1000 * 60


def test_a_continue_abandoned_after_a_crash_is_charged_its_own_output_not_the_whole_saved_message(
    store: Store,
) -> None:
    """After a crash only what Open WebUI saved of the message is left, earlier rounds included: `abandon` takes off
    the output the message's record already holds, so a Continue is charged its own new output once."""
    topup(store, ANN, 10_000_000)
    admit(store, hold=5_000)
    settle(store, Usage(100, 4_000))  # round 1, its output already paid
    pending(store, input_tokens=4_100)  # the Continue (its prompt carries round 1's text)
    result = billing.abandon(store, ANN.id, "c1", "m1", message_tokens=4_075, why="timed out")
    assert result is not None and result.charged == (4_100 + 75) * 60
    record = store.get_usage("c1", "m1")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (4_200, 4_075, 1)
