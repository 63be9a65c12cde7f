"""Monthly statements equal the ledger: opening + every line == closing == the ledger's sum at the month's end, to
the micro-unit, for random ledgers built with the real operations, random months and time zones (both backends)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.domain import accounts, billing, budgets, codes, statements
from plugin.domain.billing import ENFORCE, Member
from plugin.domain.pricing import Price
from plugin.domain.tokens import Usage
from plugin.errors import NegativeBalance
from plugin.store import Store

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PRICE = Price(input=60_000_000, output=60_000_000, source="default")  # 60 micro-units per token
START = 1_790_000_000.0  # 2026-09-21 UTC: the random ledgers span the months around it
DAY = 86_400
ADMIN = "admin-1"
ZONES = (None, "UTC", "Asia/Shanghai", "America/Los_Angeles", "Pacific/Kiritimati", "America/St_Johns")
MODELS = ("gpt-a", "gpt-b", "claude")
_ids = itertools.count(1)


class Book:
    """One user's ledger as the test built it: what each row is expected to be (by ledger id)."""

    def __init__(self, store: Store, clock) -> None:
        self.store, self.clock = store, clock
        self.member = Member(f"u-st-{next(_ids)}", "Ann", "ann@example.com", "user")
        self.expected: dict[int, str] = {}  # ledger id -> category, or "chat:<model>"
        self.seen = 0
        self.pending: dict[str, tuple[str, str]] = {}  # admitted chats not yet ended: message id -> (model, how)
        with store.immediate():
            store.ensure_user(self.member.id, self.member.name, self.member.email, self.member.role)

    @property
    def uid(self) -> str:
        return self.member.id

    def mark(self, what: str) -> None:
        """The rows appended since the last mark are `what`."""
        for row in self.store.ledger_for(self.uid):
            if row["id"] > self.seen:
                self.expected[row["id"]] = what
                self.seen = row["id"]

    def rows(self) -> list[dict]:
        return self.store.ledger_for(self.uid)


def apply(book: Book, at: float, op: str, amount: int, model: str, step: int) -> None:
    """One operation at `at`, through the real domain functions where there is one."""
    store, uid = book.store, book.uid
    book.clock.now = at
    if op == "initial":
        with store.immediate():
            store.append_ledger(uid, "topup", amount, actor="system", reason="initial balance")
        book.mark("initial")
    elif op == "topup":
        accounts.add_balance(store, uid, amount, ADMIN, "report model")
        book.mark("topup")
    elif op == "deduct":
        try:
            accounts.add_balance(store, uid, -amount, ADMIN)
        except NegativeBalance:
            return
        book.mark("deduction")
    elif op == "set":
        accounts.set_balance(store, uid, amount, ADMIN)
        book.mark("set")
    elif op in ("block", "unblock"):
        accounts.block(store, uid, op == "block", ADMIN)
        book.mark(op)
    elif op in ("refill", "reset"):
        mode = "add" if op == "refill" else "reset"
        allowance = budgets.Allowance("day", mode, amount, "user")
        budgets_refill(store, uid, allowance)
        book.mark(op)
    elif op == "redeem":
        minted = codes.mint(store, amount, 1, actor=ADMIN)
        codes.redeem(
            store, {"id": uid, "name": "Ann", "email": "", "role": "user"}, minted.codes[0], init_balance=0, now=at
        )
        book.mark("redemption")
    elif op.startswith("chat"):
        hold = amount % 200_000
        admitted = billing.admit(
            store,
            book.member,
            chat_id=f"c-{uid}",
            message_id=f"m{step}",
            model_id=model,
            hold=hold,
            init_balance=0,
            policy=ENFORCE,
            price=PRICE,
            input_tokens=10,
        )
        book.mark(f"chat:{model}")
        if isinstance(admitted, billing.Refusal):
            return
        book.pending[f"m{step}"] = (model, op)


def budgets_refill(store: Store, uid: str, allowance: budgets.Allowance) -> None:
    with store.immediate():
        budgets.refill(store, uid, allowance)


def settle_later(book: Book, at: float, message_id: str, model: str, how: str, tokens: int) -> None:
    """The end of an admitted chat: the outlet (release + charge), a stop with nothing generated (release), or none
    (the hold stays open)."""
    book.clock.now = at
    if how == "chat-settle":
        billing.settle(
            book.store,
            billing.Terms(book.member),
            billing.Round(
                chat_id=f"c-{book.uid}",
                message_id=message_id,
                model_id=model,
                usage=Usage(tokens, tokens),
                price=PRICE,
            ),
        )
    elif how == "chat-void":
        billing.abandon(book.store, book.uid, f"c-{book.uid}", message_id)
    book.mark(f"chat:{model}")


OPS = st.sampled_from(
    [
        "initial",
        "topup",
        "topup",
        "deduct",
        "set",
        "block",
        "unblock",
        "refill",
        "reset",
        "redeem",
        "chat-settle",
        "chat-settle",
        "chat-void",
        "chat-open",
    ]
)


def month_of(ts: float, tz) -> tuple[int, int]:
    moment = datetime.fromtimestamp(ts, tz) if tz is not None else datetime.fromtimestamp(ts)
    return moment.year, moment.month


def shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def build(book: Book, draw_ops: list[tuple[str, int, float, str, float, int]]) -> None:
    """Apply the operations in time order; each admitted chat's end comes `delay` later (perhaps another month)."""
    events: list[tuple[float, int, tuple]] = []
    for step, (op, amount, at, model, delay, tokens) in enumerate(draw_ops):
        events.append((at, 2 * step, ("op", op, amount, model, step)))
        if op.startswith("chat"):
            events.append((at + delay, 2 * step + 1, ("end", f"m{step}", op, tokens)))
    for at, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if event[0] == "op":
            apply(book, at, *event[1:])
        elif event[1] in book.pending:
            model, how = book.pending.pop(event[1])
            settle_later(book, at, event[1], model, how, event[3])


def expected_statement(book: Book, start: float, end: float):
    rows = book.rows()
    opening = sum(r["amount"] for r in rows if r["created_at"] < start)
    closing = sum(r["amount"] for r in rows if r["created_at"] < end)
    month = sorted((r for r in rows if start <= r["created_at"] < end), key=lambda r: (r["created_at"], r["id"]))
    lines = [(r["created_at"], book.expected[r["id"]], r["amount"]) for r in month]
    spend: dict[str, int] = defaultdict(int)
    refs: dict[str, set] = defaultdict(set)
    for r in month:
        what = book.expected[r["id"]]
        if what.startswith("chat:"):
            spend[what[5:]] += r["amount"]
            refs[what[5:]].add(r["reference"])
    others = [line for line in lines if not line[1].startswith("chat:")]
    return opening, closing, others, dict(spend), {k: len(v) for k, v in refs.items()}


@st.composite
def ledgers(draw):
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone) if zone else None
    # Month boundaries in that zone are likely times too, so a row may fall exactly on one.
    y, m = month_of(START, tz)
    edges = [statements.month_range(*shift(y, m, k), tz).start for k in range(-1, 4)]
    times = st.one_of(st.floats(START - 40 * DAY, START + 100 * DAY).map(lambda t: round(t, 3)), st.sampled_from(edges))
    op = st.tuples(
        OPS,
        st.integers(1, 5_000_000),
        times,
        st.sampled_from(MODELS),
        st.sampled_from([0.0, 1.0, 3600.0, 20 * DAY, 45 * DAY]),
        st.integers(1, 2_000),
    )
    return tz, draw(st.lists(op, min_size=3, max_size=30)), draw(st.integers(-3, 5))


@SETTINGS
@given(ledgers())
def test_a_statement_equals_the_ledger(store: Store, clock, case) -> None:
    tz, ops, month_offset = case
    book = Book(store, clock)
    build(book, ops)
    year, month = shift(*month_of(START, tz), month_offset)
    rng = statements.month_range(year, month, tz)
    got = statements.statement(store, book.uid, rng.start, rng.end)
    opening, closing, lines, spend, requests = expected_statement(book, rng.start, rng.end)
    assert got.opening == opening
    assert got.closing == closing
    assert got.opening + sum(line.amount for line in got.lines) + got.chat_total == got.closing
    assert got.closing == statements_sum_before(store, book.uid, rng.end)
    assert [(line.at, line.category, line.amount) for line in got.lines] == lines
    assert {item.model_id: item.amount for item in got.spend} == spend
    assert {item.model_id: item.requests for item in got.spend} == requests
    # Long after every row: the closing balance is the user's balance, and nothing happened in that month.
    later = statements.month_range(2027, 6, tz)
    after = statements.statement(store, book.uid, later.start, later.end)
    balance = store.get_user(book.uid)["balance"]
    assert after.opening == after.closing == balance
    assert after.lines == () and after.spend == ()


def statements_sum_before(store: Store, uid: str, moment: float) -> int:
    from plugin.store.reports import reads

    return reads(store).ledger_sum_before(uid, moment)


# -- each kind, one by one -----------------------------------------------------------------------------------


def test_each_kind_lands_in_its_category(store: Store, clock) -> None:
    book = Book(store, clock)
    rng = statements.month_range(2026, 9, ZoneInfo("UTC"))
    t = rng.start + DAY
    # A day apart: an allowance pays once per day, whichever its mode.
    for i, op in enumerate(["initial", "topup", "deduct", "set", "block", "unblock", "refill", "reset", "redeem"]):
        apply(book, t + i * DAY, op, 1_000_000 + i, "gpt-a", i)
    apply(book, t + 10 * DAY, "chat-settle", 50_000, "gpt-a", 20)
    settle_later(book, t + 10 * DAY + 60, "m20", "gpt-a", "chat-settle", 100)
    got = statements.statement(store, book.uid, rng.start, rng.end)
    assert [line.category for line in got.lines] == [
        "initial",
        "topup",
        "deduction",
        "set",
        "block",
        "unblock",
        "refill",
        "reset",
        "redemption",
    ]
    details = {line.category: line.detail for line in got.lines}
    assert details["initial"] == details["block"] == details["unblock"] == ""
    assert details["topup"] == ""  # where the change came from is the monitor's label, not words to show
    assert details["redemption"].startswith("OWM-") and "code" not in details["redemption"]
    # The allowance's period, from its reference: the day of the refill (UTC, as budgets count days).
    assert details["refill"] == budgets.period_key("day", t + 6 * DAY).removeprefix("day:")
    assert {line.actor for line in got.lines if line.category in ("topup", "set", "block")} == {ADMIN}
    assert [line.actor for line in got.lines if line.category == "redemption"] == [book.uid]
    assert [(s.model_id, s.requests, s.amount) for s in got.spend] == [("gpt-a", 1, -200 * 60)]
    assert got.closing == store.get_user(book.uid)["balance"]


def test_a_month_before_the_first_row_and_a_month_with_nothing(store: Store, clock) -> None:
    book = Book(store, clock)
    utc = ZoneInfo("UTC")
    apply(book, statements.month_range(2026, 9, utc).start + 5, "topup", 3_000_000, "", 0)
    apply(book, statements.month_range(2026, 11, utc).start + 5, "topup", 1_000_000, "", 1)
    before = statements.statement(store, book.uid, *_bounds(2026, 8))
    assert (before.opening, before.closing, before.lines, before.spend) == (0, 0, (), ())
    empty = statements.statement(store, book.uid, *_bounds(2026, 10))
    assert (empty.opening, empty.closing, empty.lines, empty.spend) == (3_000_000, 3_000_000, (), ())
    november = statements.statement(store, book.uid, *_bounds(2026, 11))
    assert (november.opening, november.closing) == (3_000_000, 4_000_000)


def _bounds(year: int, month: int) -> tuple[float, float]:
    rng = statements.month_range(year, month, ZoneInfo("UTC"))
    assert rng.start is not None and rng.end is not None
    return rng.start, rng.end


def test_a_row_at_midnight_belongs_to_the_month_it_opens(store: Store, clock) -> None:
    book = Book(store, clock)
    start, end = _bounds(2026, 10)
    apply(book, start, "topup", 2_000_000, "", 0)  # the first instant of October
    apply(book, end, "topup", 500_000, "", 1)  # the first instant of November
    october = statements.statement(store, book.uid, start, end)
    assert october.opening == 0
    assert [(line.at, line.amount) for line in october.lines] == [(start, 2_000_000)]
    assert october.closing == 2_000_000
    november = statements.statement(store, book.uid, *_bounds(2026, 11))
    assert november.opening == 2_000_000 and november.closing == 2_500_000


def test_a_hold_open_at_the_month_end_is_spent_in_it_and_released_in_the_next(store: Store, clock) -> None:
    book = Book(store, clock)
    start, end = _bounds(2026, 10)
    apply(book, start + DAY, "topup", 1_000_000, "", 0)
    apply(book, end - 60, "chat-settle", 70_000, "gpt-b", 1)
    october = statements.statement(store, book.uid, start, end)
    assert [(s.model_id, s.requests, s.amount) for s in october.spend] == [("gpt-b", 1, -70_000)]
    settle_later(book, end + 60, "m1", "gpt-b", "chat-settle", 100)  # released and charged 12 000 in November
    november = statements.statement(store, book.uid, *_bounds(2026, 11))
    assert [(s.model_id, s.requests, s.amount) for s in november.spend] == [("gpt-b", 1, 70_000 - 12_000)]
    assert november.closing == store.get_user(book.uid)["balance"] == 1_000_000 - 12_000


@pytest.mark.parametrize(
    ("chat_id", "message_id"), [("c1", "m1"), ("", "api-123"), ("chat/with/slash", "m/2"), ("c", "")]
)
def test_request_keys_include_the_pair_billing_wrote(chat_id: str, message_id: str) -> None:
    assert (chat_id, message_id) in statements.request_keys(billing._ref(chat_id, message_id))


def test_a_month_outside_the_years_is_refused() -> None:
    with pytest.raises(ValueError):
        statements.month_range(2026, 13, None)
    with pytest.raises(ValueError):
        statements.month_range(1969, 12, None)
