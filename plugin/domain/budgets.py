"""Budgets: an initial balance per Open WebUI group, and allowances that refill a balance every period.

Rules (README "Budgets"):
- Initial balance: a user in groups with an initial balance gets the largest of them instead of the filter's
  `init_balance` (once, when their row is created, like `init_balance`).
- Allowance: the user's own allowance wins over their groups'; among groups, the largest amount, then the
  shortest period, then 'reset' before 'add', then the group id (so the choice never depends on order).
- A refill is lazy: the first billing step of a user in a new period (UTC day, ISO week, calendar month, by the
  store's clock) applies it, as a ledger row ('reset' for "reset to X": amount X - balance - pre-charges still
  held, 'topup' for "add X"), and records the period in the same transaction, so it happens exactly once per
  user and period.

No SQL here (the store owns it) and no Open WebUI: group ids come in from the caller.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..money import MICRO
from ..store import Store

PERIODS = ("day", "week", "month")
MODES = ("reset", "add")
_UTC = dt.UTC
DAY = 86_400  # seconds in a UTC day (Unix time has no leap seconds)


# -- periods ----------------------------------------------------------------------------------------------


def _utc(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, _UTC)


def period_start(period: str, now: float) -> dt.datetime:
    """The UTC start of the period `now` falls in: midnight, Monday midnight, or the 1st at midnight."""
    day = _utc(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period: {period}")


def next_start(period: str, now: float) -> float:
    """When the period after the one `now` falls in starts (epoch seconds): the next refill."""
    return _next_start(period, int(now // DAY))


def period_key(period: str, now: float) -> str:
    """The period `now` falls in, as recorded per user: 'day:2026-11-29', 'week:2026-W48', 'month:2026-11'."""
    return _period_key(period, int(now // DAY))


# Both depend only on the UTC day, and every chat asks: computed once per period and day.
@functools.lru_cache(maxsize=64)
def _next_start(period: str, day: int) -> float:
    start = period_start(period, day * DAY)
    if period == "day":
        following = start + dt.timedelta(days=1)
    elif period == "week":
        following = start + dt.timedelta(days=7)
    else:
        following = (start + dt.timedelta(days=32)).replace(day=1)
    return following.timestamp()


@functools.lru_cache(maxsize=64)
def _period_key(period: str, day: int) -> str:
    start = period_start(period, day * DAY)
    if period == "day":
        return f"day:{start:%Y-%m-%d}"
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"month:{start:%Y-%m}"


def _units(micro: int) -> str:
    """An amount in currency units, exactly (the ledger's reason carries no currency symbol)."""
    text = f"{Decimal(micro) / MICRO:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def when(epoch: float) -> str:
    """A refill time as shown to people: UTC, to the minute (the same in every language)."""
    return f"{_utc(epoch):%Y-%m-%d %H:%M} UTC"


# -- what applies to one user -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    period: str
    mode: str
    amount: int
    scope: str  # 'user' or 'group'
    label: str = ""  # the group's name (or the user's e-mail) when it was set

    def key(self, now: float) -> str:
        return period_key(self.period, now)

    def next_refill(self, now: float) -> float:
        return next_start(self.period, now)

    def reason(self, now: float) -> str:
        """The ledger's reason: which allowance, for which period (plain text, read by admins)."""
        source = f"group {self.label}" if self.scope == "group" else "user"
        what = "reset to" if self.mode == "reset" else "add"
        return f"{self.period} allowance ({source}): {what} {_units(self.amount)} for {self.key(now)}"


@dataclass(frozen=True)
class Plan:
    """The budget of one user right now: None means "not set" (the filter's `init_balance`; no refill)."""

    init_balance: int | None = None
    allowance: Allowance | None = None


NO_PLAN = Plan()
_PERIOD_ORDER = {period: index for index, period in enumerate(PERIODS)}


@dataclass(frozen=True)
class Config:
    """Every budget, as of `version` of the budgets' counter."""

    version: int
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # group id -> budgets row
    users: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # user id -> budgets row
    _plans: dict[tuple[str, tuple[str, ...]], Plan] = field(default_factory=dict, compare=False, repr=False)

    @property
    def needs_groups(self) -> bool:
        """Whether a user's groups matter at all (else the filter never asks Open WebUI for them)."""
        return bool(self.groups)

    def plan(self, user_id: str, group_ids: Iterable[str] = ()) -> Plan:
        """The budget of `user_id` in these groups (remembered: the same user asks at every chat)."""
        key = (user_id, tuple(group_ids))
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 10_000:
                self._plans.clear()
            plan = self._plans[key] = self._plan(user_id, key[1])
        return plan

    def _plan(self, user_id: str, group_ids: Iterable[str]) -> Plan:
        rows = [self.groups[g] for g in dict.fromkeys(group_ids) if g in self.groups]
        inits = [row["init_balance"] for row in rows if row["init_balance"] is not None]
        own = self.users.get(user_id)
        if own is not None and own["period"] is not None:
            chosen: Mapping[str, Any] | None = own
        else:
            allowances = [row for row in rows if row["period"] is not None]
            chosen = min(
                allowances,
                key=lambda r: (-r["amount"], _PERIOD_ORDER[r["period"]], r["mode"] != "reset", r["target"]),
                default=None,
            )
        allowance = (
            Allowance(chosen["period"], chosen["mode"], chosen["amount"], chosen["scope"], chosen["label"])
            if chosen is not None
            else None
        )
        return Plan(init_balance=max(inits) if inits else None, allowance=allowance)


# Per store: its Config, replaced whenever the store's budget version moves (another process, an admin, a restore).
_configs: weakref.WeakKeyDictionary[Store, Config] = weakref.WeakKeyDictionary()


def load(store: Store) -> Config:
    """The budgets as stored now: one read of the version counter, and the table only when it changed."""
    version = store.budget_version()
    cached = _configs.get(store)
    if cached is not None and cached.version == version:
        return cached
    groups: dict[str, Mapping[str, Any]] = {}
    users: dict[str, Mapping[str, Any]] = {}
    for row in store.all_budgets():
        (groups if row["scope"] == "group" else users)[row["target"]] = row
    config = _configs[store] = Config(version, groups, users)
    return config


# Per store: (the loop connection's data_version, the budget version) when its Config was last found current.
_confirmed: weakref.WeakKeyDictionary[Store, tuple[int, int]] = weakref.WeakKeyDictionary()


async def current(store: Store) -> Config:
    """`load` for the inlet: nothing is read while no other connection has committed since the Config was last
    found current (billing on the loop never writes budgets); else the version is read on the event loop without
    waiting (a few microseconds); the table is read on the store's thread, and only after a change."""
    cached = _configs.get(store)
    seen = store.loop_version()
    if cached is not None and seen is not None and _confirmed.get(store) == (seen, cached.version):
        return cached
    version = store.peek_budget_version()
    if version is not None and cached is not None and cached.version == version:
        if seen is not None:
            _confirmed[store] = (seen, version)
        return cached
    return await store.run(load, store)


# -- the refill ---------------------------------------------------------------------------------------------


def due(allowance: Allowance | None, applied: str | None, now: float) -> bool:
    return allowance is not None and allowance.key(now) != applied


def refill(store: Store, user_id: str, allowance: Allowance | None) -> int | None:
    """Apply the allowance if this is the user's first billing step of a new period; inside `immediate()`.

    Returns the new balance, or None when nothing was due. The period is marked in the same transaction, so
    concurrent steps (other coroutines, other processes) see it and do nothing. A period already paid once is
    never paid again, even when the allowance that applies switches between period lengths and back (a user who
    changes groups, an admin who changes amounts): the ledger row of each refill names its period.
    """
    now = store.clock()
    if allowance is None or not due(allowance, store.allowance_period(user_id), now):
        return None
    reference = f"allowance:{allowance.key(now)}"
    if store.has_ledger_reference(user_id, reference):
        store.mark_allowance(user_id, allowance.key(now))
        return None
    credit: int | None = None
    if allowance.mode == "reset":
        user = store.get_user(user_id)
        assert user is not None
        # Pre-charges still held are part of what the user has: their release must not add to the new allowance.
        has = user["balance"] + store.open_hold(user_id)
        # What redeemed codes added and was not spent is the user's own (paid for): kept, spent after the allowance.
        credit = max(0, min(store.redeemed_credit(user_id), has))
        kind, amount = "reset", allowance.amount + credit - has
    else:
        kind, amount = "topup", allowance.amount
    balance = store.append_ledger(
        user_id,
        kind,
        amount,
        actor="system",
        reason=allowance.reason(now),
        reference=reference,
    )
    store.mark_allowance(user_id, allowance.key(now), credit)
    return balance
