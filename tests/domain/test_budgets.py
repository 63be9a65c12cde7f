"""Budgets: periods, which budget applies, the lazy refill exactly once, group initial balances, and the filter's
tracking-only, admin-exemption and fail-open valves."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
from backends import INTEGRITY_ERRORS, open_target, sqlite_only, target_of
from chats import USER, chat, lock_elsewhere, run
from conftest import FakeClock

from plugin import openwebui
from plugin import store as stores
from plugin.domain import billing, budgets
from plugin.functions.filter import Filter
from plugin.store import Store, open_store
from plugin.store import sqlite as store
from plugin.words import i18n

ROOT = Path(__file__).resolve().parents[2]


def at(text: str) -> float:
    """An ISO time in UTC as epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


# -- periods --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "period", "key", "following"),
    [
        ("2026-11-29 23:59:59", "day", "day:2026-11-29", "2026-11-30 00:00:00"),
        ("2026-11-30 00:00:00", "day", "day:2026-11-30", "2026-12-01 00:00:00"),  # midnight opens the new day
        ("2024-02-28 12:00:00", "day", "day:2024-02-28", "2024-02-29 00:00:00"),  # leap day exists
        ("2024-02-29 12:00:00", "day", "day:2024-02-29", "2024-03-01 00:00:00"),
        ("2026-12-31 23:00:00", "day", "day:2026-12-31", "2027-01-01 00:00:00"),
        ("2026-11-29 10:00:00", "week", "week:2026-W48", "2026-11-30 00:00:00"),  # Sunday ends the ISO week
        ("2026-11-30 00:00:00", "week", "week:2026-W49", "2026-12-07 00:00:00"),  # Monday starts one
        ("2027-01-01 08:00:00", "week", "week:2026-W53", "2027-01-04 00:00:00"),  # ISO year 2026 has 53 weeks
        ("2024-12-31 08:00:00", "week", "week:2025-W01", "2025-01-06 00:00:00"),  # ... and 2025's starts in 2024
        ("2024-01-31 23:59:59", "month", "month:2024-01", "2024-02-01 00:00:00"),
        ("2024-02-29 23:59:59", "month", "month:2024-02", "2024-03-01 00:00:00"),  # leap February
        ("2025-02-28 23:59:59", "month", "month:2025-02", "2025-03-01 00:00:00"),
        ("2026-12-15 00:00:00", "month", "month:2026-12", "2027-01-01 00:00:00"),  # year end
        ("2026-03-01 00:00:00", "month", "month:2026-03", "2026-04-01 00:00:00"),
    ],
)
def test_periods_are_utc_days_iso_weeks_and_calendar_months(now: str, period: str, key: str, following: str) -> None:
    assert budgets.period_key(period, at(now)) == key
    assert iso(budgets.next_start(period, at(now))) == following
    assert budgets.period_key(period, budgets.next_start(period, at(now))) != key
    assert budgets.period_key(period, budgets.next_start(period, at(now)) - 0.001) == key
    assert budgets.when(at(following)) == following[:16] + " UTC"


def test_an_unknown_period_is_an_error() -> None:
    with pytest.raises(ValueError):
        budgets.period_start("fortnight", 0)


# -- which budget applies -------------------------------------------------------------------------------------


def row(scope: str, target: str, *, init=None, period=None, mode=None, amount=None, label="") -> dict:
    return {
        "scope": scope,
        "target": target,
        "label": label or target,
        "init_balance": init,
        "period": period,
        "mode": mode,
        "amount": amount,
    }


def test_the_largest_group_initial_balance_wins_and_the_users_own_allowance_beats_groups() -> None:
    config = budgets.Config(
        1,
        groups={
            "g1": row("group", "g1", init=2_000_000, period="month", mode="add", amount=9_000_000),
            "g2": row("group", "g2", init=5_000_000),
            "g3": row("group", "g3", period="day", mode="reset", amount=9_000_000),
            "g4": row("group", "g4", period="day", mode="add", amount=9_000_000),
        },
        users={"u-own": row("user", "u-own", period="week", mode="add", amount=1)},
    )
    plan = config.plan("u-x", ["g1", "g2", "g4", "g3", "not-a-budget-group"])
    assert plan.init_balance == 5_000_000
    # Equal amounts: the shorter period wins (day over month), then reset over add; the order given never matters.
    assert plan.allowance == budgets.Allowance("day", "reset", 9_000_000, "group", "g3")
    assert config.plan("u-x", ["g3", "g4", "g1", "g2"]) == plan
    assert config.plan("u-x", ["g1"]).allowance == budgets.Allowance("month", "add", 9_000_000, "group", "g1")
    own = config.plan("u-own", ["g1", "g3"])
    assert own.allowance == budgets.Allowance("week", "add", 1, "user", "u-own") and own.init_balance == 2_000_000
    assert config.plan("u-x", []) == budgets.NO_PLAN
    bigger = budgets.Config(1, groups={"a": row("group", "a", period="day", mode="add", amount=1)})
    bigger.groups["b"] = row("group", "b", period="month", mode="reset", amount=2)  # type: ignore[index]
    assert bigger.plan("u", ["a", "b"]).allowance.amount == 2  # type: ignore[union-attr]


def test_budgets_are_cached_until_their_version_moves_even_from_another_connection(store: Store, make_store) -> None:
    first = budgets.load(store)
    assert first.version == 0 and not first.groups
    assert budgets.load(store) is first  # no change, no re-read
    other = make_store()  # another worker process
    try:
        with other.immediate():
            other.set_budget_init("g1", "Staff", 3_000_000, "admin")
    finally:
        other.close()
    fresh = budgets.load(store)
    assert fresh is not first and fresh.version == 1 and fresh.groups["g1"]["init_balance"] == 3_000_000
    with store.immediate():
        store.set_budget_allowance("group", "g1", "Staff", "day", "add", 1, "admin")
        assert store.clear_budget("group", "g1", "init")
        assert not store.clear_budget("group", "g1", "init")  # nothing left to clear there
    assert budgets.load(store).groups["g1"]["init_balance"] is None
    assert asyncio.run(budgets.current(store)).version == 4  # insert, update, update (the clear)
    with store.immediate():
        assert store.clear_budget("group", "g1", "allowance")  # nothing left: the row goes
    assert budgets.load(store).groups == {}


def test_the_schema_refuses_half_an_allowance_and_a_users_initial_balance(store: Store) -> None:
    with pytest.raises(INTEGRITY_ERRORS), store.immediate():
        store.conn.execute("INSERT INTO budgets (scope, target, period, updated_at) VALUES ('group', 'g', 'day', 0)")
    with pytest.raises(INTEGRITY_ERRORS), store.immediate():
        store.conn.execute("INSERT INTO budgets (scope, target, init_balance, updated_at) VALUES ('user', 'u', 1, 0)")


# -- the refill -----------------------------------------------------------------------------------------------

MEMBER = billing.Member("u-1", "Ann", "ann@example.com")
DAILY_RESET = budgets.Plan(allowance=budgets.Allowance("day", "reset", 1_000_000, "group", "Staff"))
WEEKLY_ADD = budgets.Plan(allowance=budgets.Allowance("week", "add", 250_000, "user"))


def admit(store: Store, plan: budgets.Plan, message_id: str, **kwargs) -> billing.Admission | billing.Refusal:
    args = {"chat_id": "c", "message_id": message_id, "model_id": "gpt", "hold": 0, "init_balance": 0, **kwargs}
    return billing.admit(store, MEMBER, plan=plan, **args)


def spend(store: Store, amount: int, message_id: str, plan: budgets.Plan = DAILY_RESET) -> billing.Settlement:
    from plugin.domain.pricing import Price
    from plugin.domain.tokens import Usage

    return billing.settle(
        store,
        billing.Terms(MEMBER, plan=plan),
        billing.Round(
            chat_id="c",
            message_id=message_id,
            model_id="gpt",
            usage=Usage(1, 1),
            price=Price(input=0, output=0, source="test", per_message=amount),
        ),
    )


def test_a_reset_allowance_refills_once_per_day_and_the_ledger_explains_every_step(
    store: Store, clock: FakeClock
) -> None:
    clock.now = at("2026-11-29 09:00:00")
    assert isinstance(admit(store, DAILY_RESET, "m1"), billing.Admission)
    settled = spend(store, 700_000, "m1")
    assert settled.balance == 300_000 and iso(settled.next_refill) == "2026-11-30 00:00:00"  # type: ignore[arg-type]
    assert isinstance(admit(store, DAILY_RESET, "m2"), billing.Admission)  # the same day: no second refill
    spend(store, 700_000, "m2")
    refused = admit(store, DAILY_RESET, "m3")
    assert isinstance(refused, billing.Refusal) and refused.balance == -400_000
    assert iso(refused.next_refill) == "2026-11-30 00:00:00"  # type: ignore[arg-type]
    assert store.get_request("c", "m3") is None
    # Every admission takes the write path (there is no read-only gate any more): the first one of the next day
    # finds the refill due, applies it, and is admitted on it.
    clock.now = at("2026-11-30 00:00:00")
    assert admit(store, DAILY_RESET, "m4") == billing.Admission(balance=1_000_000, hold=0)
    rows = [(r["kind"], r["amount"], r["balance_after"], r["reference"]) for r in store.ledger_for("u-1")]
    assert rows == [
        ("reset", 1_000_000, 1_000_000, "allowance:day:2026-11-29"),
        ("charge", -700_000, 300_000, "c/m1"),
        ("charge", -700_000, -400_000, "c/m2"),
        ("reset", 1_400_000, 1_000_000, "allowance:day:2026-11-30"),
    ]
    assert store.ledger_for("u-1")[0]["reason"] == "day allowance (group Staff): reset to 1 for day:2026-11-29"
    assert store.allowance_period("u-1") == "day:2026-11-30"
    assert store.reconcile() == []


def test_an_add_allowance_tops_up_each_week_and_a_reply_ending_in_a_new_period_is_charged_to_it(
    store: Store, clock: FakeClock
) -> None:
    clock.now = at("2026-11-29 23:59:00")  # Sunday
    admit(store, WEEKLY_ADD, "m1")
    clock.now = at("2026-11-30 00:01:00")  # Monday: the outlet comes in the new week
    settled = spend(store, 100_000, "m1", WEEKLY_ADD)
    assert settled.balance == 400_000
    admit(store, WEEKLY_ADD, "m2")  # the refill was applied by the outlet: not again
    kinds = [(r["kind"], r["amount"], r["reason"]) for r in store.ledger_for("u-1")]
    assert kinds == [
        ("topup", 250_000, "week allowance (user): add 0.25 for week:2026-W48"),
        ("topup", 250_000, "week allowance (user): add 0.25 for week:2026-W49"),
        ("charge", -100_000, "gpt"),
    ]


def test_an_allowance_switching_between_period_lengths_pays_each_period_once(store: Store, clock: FakeClock) -> None:
    """A user whose allowance moves week -> day -> week -> day within one day (they changed groups, an admin
    changed amounts) gets this week's and this day's refill once each, not one per switch."""
    daily_add = budgets.Plan(allowance=budgets.Allowance("day", "add", 100_000, "group", "Staff"))
    clock.now = at("2026-11-29 09:00:00")
    for n, plan in enumerate((WEEKLY_ADD, daily_add, WEEKLY_ADD, daily_add, WEEKLY_ADD)):
        assert isinstance(admit(store, plan, f"m{n}"), billing.Admission)
    rows = [(r["kind"], r["amount"], r["reference"]) for r in store.ledger_for("u-1")]
    assert rows == [
        ("topup", 250_000, "allowance:week:2026-W48"),
        ("topup", 100_000, "allowance:day:2026-11-29"),
    ]
    assert store.get_user("u-1")["balance"] == 350_000 and store.reconcile() == []
    clock.now = at("2026-11-30 09:00:00")  # the next day, a new ISO week: both are due again, once
    for n, plan in enumerate((daily_add, WEEKLY_ADD, daily_add)):
        admit(store, plan, f"n{n}")
    assert [r["reference"] for r in store.ledger_for("u-1")][2:] == [
        "allowance:day:2026-11-30",
        "allowance:week:2026-W49",
    ]


def test_many_concurrent_admits_refill_exactly_once(store: Store, clock: FakeClock) -> None:
    clock.now = at("2026-11-29 09:00:00")

    async def many() -> list:
        return await asyncio.gather(
            *(store.call(admit, store, DAILY_RESET, f"m{i}") for i in range(40)),
            *(store.run(admit, store, DAILY_RESET, f"t{i}") for i in range(10)),
        )

    results = asyncio.run(many())
    assert all(isinstance(r, billing.Admission) for r in results)
    refills = [r for r in store.ledger_for("u-1") if r["kind"] == "reset"]
    assert [(r["amount"], r["balance_after"]) for r in refills] == [(1_000_000, 1_000_000)]


WORKER = """
import sys
from plugin.domain import billing, budgets
from plugin.store import PgStore
from plugin.store import Store, is_url
path, worker = sys.argv[1], sys.argv[2]
s = (PgStore if is_url(path) else Store)(path, clock=lambda: 1_795_993_200.0)  # 2026-11-29 09:00 UTC
plan = budgets.Plan(allowance=budgets.Allowance("day", "add", 1_000_000, "group", "Staff"))
member = billing.Member("u-1", "Ann", "ann@example.com")
for i in range(30):
    billing.admit(s, member, chat_id=worker, message_id=str(i), model_id="gpt", hold=0, init_balance=0, plan=plan)
s.close()
"""


def test_processes_refilling_the_same_user_at_once_refill_exactly_once(db_target: str) -> None:
    open_target(db_target).close()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, db_target, f"w{n}"], cwd=ROOT) for n in range(4)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    check = open_target(db_target)
    try:
        topups = [r for r in check.ledger_for("u-1") if r["kind"] == "topup"]
        assert [(r["amount"], r["reference"]) for r in topups] == [(1_000_000, "allowance:day:2026-11-29")]
        assert check.get_user("u-1")["balance"] == 1_000_000
        assert len(check.query("SELECT * FROM requests")) == 120
    finally:
        check.close()


# -- through the filter ---------------------------------------------------------------------------------------


class Groups(dict):
    """Open WebUI's group memberships as the adapter reports them (user id -> group ids), and who was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    async def member_group_ids(self, user_id: str) -> list[str]:
        self.asked.append(user_id)
        return list(self.get(user_id, []))


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> Groups:
    memberships = Groups()
    monkeypatch.setattr(openwebui, "member_group_ids", memberships.member_group_ids)
    return memberships


@pytest.fixture
def flt(db_target: str, backend: str) -> Filter:
    f = Filter()
    where = {"db_path": db_target} if backend == "sqlite" else {"database_url": db_target}
    f.valves = f.Valves(**where, init_balance=1.0, default_per_msg_price=0.4)
    return f


def db(flt: Filter) -> Store:
    return open_store(target_of(flt))


def inlet_error(flt: Filter, message_id: str, user: dict = USER) -> str:
    metadata = {"chat_id": "c1", "message_id": message_id, "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    with pytest.raises(Exception) as info:
        run(flt.inlet(body, __user__=user, __metadata__=metadata, __model__={"id": "gpt"}))
    return str(info.value)


def test_a_groups_initial_balance_replaces_init_balance_and_the_largest_wins(flt: Filter, groups) -> None:
    s = db(flt)
    with s.immediate():
        s.set_budget_init("g-small", "Small", 2_000_000, "admin")
        s.set_budget_init("g-big", "Big", 7_000_000, "admin")
    groups[USER["id"]] = ["g-small", "g-big"]
    chat(flt, message_id="m1")
    carl = {"id": "u-2", "name": "Carl", "email": "carl@example.com", "role": "user"}
    chat(flt, message_id="m2", user=carl)  # in no group: the valve's init_balance
    first = s.ledger_for(USER["id"])[0]
    assert (first["kind"], first["amount"], first["reason"]) == ("topup", 7_000_000, "initial balance (group)")
    assert s.ledger_for("u-2")[0]["amount"] == 1_000_000
    assert s.get_user(USER["id"])["balance"] == 6_600_000
    chat(flt, message_id="m3")
    assert groups.asked.count(USER["id"]) == 1  # remembered, not asked at every chat


def test_no_group_is_asked_for_while_no_group_has_a_budget(flt: Filter, groups) -> None:
    chat(flt, message_id="m1")
    with db(flt).immediate():
        db(flt).set_budget_allowance("user", USER["id"], USER["email"], "day", "add", 1, "admin")
    chat(flt, message_id="m2")
    assert groups.asked == []


def test_the_notice_and_the_refusal_say_when_the_allowance_refills(flt: Filter, groups) -> None:
    s = db(flt)
    clock = FakeClock(at("2026-11-29 09:00:00"))
    s.clock = clock
    with s.immediate():
        s.set_budget_allowance("group", "g-staff", "Staff", "day", "reset", 500_000, "admin")
    groups[USER["id"]] = ["g-staff"]
    flt.valves.init_balance = 0
    _, emitter = chat(flt, message_id="m1")
    assert "| Balance: $0.1000 | Next refill: 2026-11-30 00:00 UTC |" in emitter.descriptions[0], emitter.events
    # The next reply's hold (its per-message price, 0.4) is more than the 0.1 left: refused, saying when it refills.
    text = inlet_error(flt, "m2")
    needed = i18n.t("en", "insufficient_balance", needed="$0.4000", balance="$0.1000")
    assert text == needed + " Your allowance refills at 2026-11-30 00:00 UTC."
    zh = inlet_error(flt, "m2", dict(USER, valves=type("V", (), {"language": "zh"})()))
    assert zh.endswith(i18n.t("zh", "refusal_next_refill", when="2026-11-30 00:00 UTC"))
    clock.now = at("2026-11-30 00:00:01")
    _, emitter = chat(flt, message_id="m4")
    assert "Next refill: 2026-12-01 00:00 UTC" in emitter.descriptions[0]
    kinds = [(r["kind"], r["amount"], r["balance_after"]) for r in s.ledger_for(USER["id"])]
    assert kinds == [
        ("reset", 500_000, 500_000),
        ("hold", -400_000, 100_000),
        ("release", 400_000, 500_000),
        ("charge", -400_000, 100_000),
        ("reset", 400_000, 500_000),
        ("hold", -400_000, 100_000),
        ("release", 400_000, 500_000),
        ("charge", -400_000, 100_000),
    ]


def test_tracking_only_never_refuses_for_the_balance_but_records_every_charge(flt: Filter) -> None:
    flt.valves.tracking_only = True
    flt.valves.cost_on_inlet = "5"  # no hold is taken: nothing to protect
    for n in range(4):
        chat(flt, message_id=f"m{n}")
    s = db(flt)
    assert s.get_user(USER["id"])["balance"] == 1_000_000 - 4 * 400_000
    assert [r["kind"] for r in s.ledger_for(USER["id"])] == ["topup"] + ["charge"] * 4
    # Each was still a pending request, settled by its outlet.
    assert [(r["status"], r["hold"]) for r in s.query("SELECT * FROM requests ORDER BY message_id")] == [
        ("settled", 0)
    ] * 4
    with s.immediate():
        s.set_blocked(USER["id"], True)
    assert inlet_error(flt, "m9") == i18n.t("en", "user_blocked")  # a block is still a block
    flt.valves.tracking_only = False
    with s.immediate():
        s.set_blocked(USER["id"], False)
    assert inlet_error(flt, "m10") == i18n.t("en", "empty_balance", balance="-$0.6000")


def test_exempt_admins_are_never_refused_nor_charged_but_their_usage_is_recorded(flt: Filter) -> None:
    admin = {"id": "a-1", "name": "Ada", "email": "ada@example.com", "role": "admin"}
    flt.valves.init_balance = 0
    flt.valves.cost_on_inlet = "1"
    empty = i18n.t("en", "empty_balance", balance="$0.0000")
    assert inlet_error(flt, "m0", admin) == empty  # without the valve admins pay like anyone
    flt.valves.exempt_admins = True
    with db(flt).immediate():
        db(flt).set_blocked(admin["id"], True)
    _, emitter = chat(flt, message_id="m1", user=admin)
    s = db(flt)
    assert s.get_user(admin["id"])["balance"] == 0
    assert s.ledger_for(admin["id"]) == []
    record = s.get_usage("c1", "m1")
    assert (record["cost"], record["balance_after"]) == (400_000, 0)
    assert "Cost: $0.4000" in emitter.descriptions[0]
    assert inlet_error(flt, "m2") == empty  # a user with no balance is still refused


@sqlite_only  # another process's SQLite write lock; PostgreSQL's fail-open cases are in test_pgstore.py
def test_fail_open_lets_the_chat_through_unbilled_and_says_so(
    flt: Filter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 300)
    flt.valves.db_path = str(tmp_path / "data" / "m.db")
    chat(flt, message_id="before")
    path = Path(flt.valves.db_path)
    other = lock_elsewhere(path)  # another process holds the write lock
    try:
        assert inlet_error(flt, "closed") == i18n.t("en", "db_unavailable")  # the default: closed
        flt.valves.on_db_unavailable = "open"
        sent, emitter = chat(flt, message_id="open")
        assert sent["stream_options"] == {"include_usage": True}
        assert emitter.descriptions == [i18n.t("en", "not_recorded")]
    finally:
        other.execute("ROLLBACK")
        other.close()
    s = open_store(path)
    assert {r["message_id"] for r in s.query("SELECT message_id FROM usage")} == {"before"}
    assert s.reconcile() == []
    for name, cached in list(stores._stores.items()):
        if cached.path == str(path):
            del stores._stores[name]


def test_valves_are_checked_when_saved() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="on_db_unavailable"):
        Filter.Valves(on_db_unavailable="maybe")
    assert Filter.Valves(tracking_only=True, exempt_admins=True, on_db_unavailable="open").tracking_only


def test_the_clock_file_moves_the_stores_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offset = tmp_path / "offset"
    monkeypatch.setenv(stores.CLOCK_FILE_ENV, str(offset))
    clock = stores.env_clock()
    assert abs(clock() - time.time()) < 5  # no file: real time
    offset.write_text("86400")
    assert 86_390 < clock() - time.time() < 86_410
    offset.write_text("not a number")
    assert abs(clock() - time.time()) < 5
    monkeypatch.delenv(stores.CLOCK_FILE_ENV)
    assert stores.env_clock() is time.time


# -- the /budget command ----------------------------------------------------------------------------------


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from test_security import World, seed

    s = Store(tmp_path / "db" / "monitor.db", clock=lambda: at("2026-11-29 09:00:00"))
    seed(s)
    yield World(monkeypatch, s)
    s.close()


def test_an_admin_sets_lists_and_clears_budgets(world) -> None:
    from test_security import ADMIN, ALICE, BOB

    s = world.store
    answer = world.say(ADMIN, "/budget group Staff init 5")
    assert answer == "Initial balance for group Staff: $5.0000 (members who have not chatted yet get it)."
    assert s.get_budget("group", "g-staff")["init_balance"] == 5_000_000
    answer = world.say(ADMIN, "/budget group Bob Secret's team weekly add 2.5")  # a name with spaces, unquoted
    assert answer.startswith("Allowance for group Bob Secret's team: $2.5000 added every week (Monday, UTC);")
    assert answer.endswith("next refill 2026-11-30 00:00 UTC.")
    world.say(ADMIN, '/budget user "alice@example.com" monthly reset 3')
    assert s.get_budget("user", ALICE["id"])["amount"] == 3_000_000
    world.say(ADMIN, "/预算 用户组 g-staff 每天 重置 1.25")  # Chinese words, the group by id
    staff = s.get_budget("group", "g-staff")
    assert (staff["mode"], staff["amount"], staff["init_balance"]) == ("reset", 1_250_000, 5_000_000)
    listing = world.say(ADMIN, "/budget")
    assert "| group Staff | $5.0000 | reset to $1.2500 every day (UTC) | 2026-11-30 00:00 UTC |" in listing
    assert "| user alice@example.com | – | reset to $3.0000 every month (UTC) | 2026-12-01 00:00 UTC |" in listing
    assert world.say(ADMIN, "/budget clear group Staff init") == "Cleared the budget of group Staff."
    assert s.get_budget("group", "g-staff")["init_balance"] is None and s.get_budget("group", "g-staff")["period"]
    assert world.say(ADMIN, "/budget clear user alice@example.com") == "Cleared the budget of user alice@example.com."
    assert world.say(ADMIN, "/budget clear user alice@example.com").endswith("has no such budget; nothing changed.")
    assert s.get_budget("user", ALICE["id"]) is None
    assert [row["kind"] for row in s.ledger_for(BOB["id"])] == ["topup", "charge"]  # budgets move no money


def test_the_readers_balance_says_when_their_allowance_refills(world) -> None:
    from test_security import ALICE, BOB, CAROL

    alice = world.say(ALICE, "/balance")
    assert "**Allowance:** reset to $1.0000 every day (UTC); next refill 2026-11-30 00:00 UTC." in alice
    assert "Allowance" not in world.say(BOB, "/balance")  # Bob's group has no budget
    zh = world.say(dict(ALICE, valves=type("V", (), {"language": "zh"})()), "/余额")
    daily = i18n.t("zh", "allowance_reset", period=i18n.t("zh", "period_day"), amount="$1.0000")
    assert zh.endswith(i18n.t("zh", "allowance_line", allowance=daily, when="2026-11-30 00:00 UTC")), zh
    carol = world.say(CAROL, "/balance")
    assert "Allowance" not in carol and i18n.t("en", "error_generic") not in carol, carol


HOSTILE = [
    "/budget group",
    "/budget group Staff",
    "/budget group Staff daily",
    "/budget group Staff daily reset",
    "/budget group Staff daily reset -1",
    "/budget group Staff hourly reset 1",
    "/budget group Staff init NaN",
    "/budget group Staff init 1e9",
    "/budget group Staff init 99999999999",
    "/budget group Nobody init 1",
    "/budget user alice@example.com init 1",
    "/budget user nobody@example.com daily add 1",
    "/budget clear",
    "/budget clear planet Staff",
    "/budget clear user alice@example.com init",
    "/budget foo",
    "/budget group '; DROP TABLE users; -- daily reset 1",
    "/budget group **bold** | <b>x</b> init 1",
    '/budget group "unclosed init 1',
    "/budget group Twins init 1",
    "/budget " + "x" * 5000,
]


def template(text: str) -> str:
    """A message template as a pattern: its words exactly, anything where a placeholder goes."""
    parts = string.Formatter().parse(text)
    return "".join(re.escape(literal) + (".*" if field is not None else "") for literal, field, _, _ in parts)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_budget_commands_get_a_translated_answer_and_change_nothing(world, text: str) -> None:
    from test_security import ADMIN, snapshot

    world.groups.append({"id": "g-t1", "name": "Twins"})
    world.groups.append({"id": "g-t2", "name": "twins"})
    before = snapshot(world.store)
    answer = world.say(ADMIN, text)
    keys = ("invalid_budget", "invalid_amount", "unknown_group", "ambiguous_group", "unknown_user")
    assert any(re.fullmatch(template(i18n.MESSAGES["en"][key]), answer, re.S) for key in keys), answer
    assert "<b>" not in answer and i18n.t("en", "error_generic") not in answer
    assert snapshot(world.store) == before


def test_a_user_an_admin_names_before_their_first_chat_gets_their_groups_initial_balance(world) -> None:
    from test_security import ADMIN

    dave = {"id": "u-dave", "name": "Dave", "email": "dave@example.com", "role": "user"}
    erin = {"id": "u-erin", "name": "Erin", "email": "erin@example.com", "role": "user"}
    world.directory = [*world.directory, dave, erin]
    world.memberships[dave["id"]] = ["g-staff"]
    world.say(ADMIN, "/budget group Staff init 5")
    world.say(ADMIN, "/balance add dave@example.com 1")
    world.say(ADMIN, "/balance add Erin 1")  # in no group: the filter's init_balance (1 in World)
    rows = [(r["kind"], r["amount"], r["balance_after"]) for r in world.store.ledger_for(dave["id"])]
    assert rows == [("topup", 5_000_000, 5_000_000), ("topup", 1_000_000, 6_000_000)]
    assert world.store.get_user(erin["id"])["balance"] == 2_000_000


def test_a_reset_counts_a_pre_charge_still_held_so_its_release_adds_nothing(store: Store, clock: FakeClock) -> None:
    clock.now = at("2026-11-29 23:59:00")
    admit(store, DAILY_RESET, "m1", hold=300_000)  # held before midnight: 1.0 - 0.3
    clock.now = at("2026-11-30 00:00:10")
    admit(store, DAILY_RESET, "m2", hold=200_000)  # the new day's reset sees 0.3 still held
    settled = spend(store, 100_000, "m1")  # releases 0.3, charges 0.1
    assert settled.balance == 1_000_000 - 200_000 - 100_000
    rows = [(r["kind"], r["amount"], r["balance_after"]) for r in store.ledger_for("u-1")]
    assert rows == [
        ("reset", 1_000_000, 1_000_000),
        ("hold", -300_000, 700_000),
        ("reset", 0, 700_000),  # the day's allowance is already there, counting the hold
        ("hold", -200_000, 500_000),
        ("release", 300_000, 800_000),
        ("charge", -100_000, 700_000),
    ]


BUDGET_KEYS = {
    "next_refill",
    "refusal_next_refill",
    "not_recorded",
    "allowance_reset",
    "allowance_add",
    "period_day",
    "period_week",
    "period_month",
    "allowance_line",
    "budget_group",
    "budget_user",
    "budget_init_set",
    "budget_allowance_set",
    "budget_cleared",
    "budget_not_set",
    "budget_list_title",
    "budget_list_header",
    "budget_none",
    "budget_rules",
    "invalid_budget",
    "unknown_group",
    "ambiguous_group",
}


def test_every_budget_string_exists_in_every_language_with_the_same_placeholders() -> None:
    import re
    import string

    from plugin import errors
    from plugin.domain import budget_admin
    from plugin.ui import budget_views, cmd_budgets

    # The budget words are read in the domain module, and spoken by the budget command and its views.
    source = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (budget_admin, cmd_budgets, budget_views))
    used = {key for key in re.findall(r'"(\w+)"', source) if key in i18n.MESSAGES["en"]}
    used |= {f"period_{period}" for period in budgets.PERIODS}
    used |= {errors.InvalidBudget.key, errors.UnknownGroup.key, errors.AmbiguousGroup.key}
    assert used <= BUDGET_KEYS
    for lang in i18n.LANGUAGES:
        for key in sorted(BUDGET_KEYS | used):
            assert key in i18n.MESSAGES[lang], (lang, key)
            names = {n for _, n, _, _ in string.Formatter().parse(i18n.MESSAGES[lang][key]) if n is not None}
            want = {n for _, n, _, _ in string.Formatter().parse(i18n.MESSAGES["en"][key]) if n is not None}
            assert names == want, (lang, key)
        assert "/budget" in i18n.MESSAGES[lang]["help_admin"]
