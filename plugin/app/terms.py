"""The Filter's valves turned into what billing works with: prices, the hold, the policy, the failure policy.

Open WebUI hands every request a fresh Valves object, and the admin may change them at any time; each hook reads
them afresh. What is worked out from them (micro-units, sets, the parsed `cost_on_inlet`) is cached by value, so a
hook pays for it once per set of values. The one place that decides what a database failure does to a chat
(`on_db_unavailable`: refuse it, or let it through unbilled) is here too, for the inlet and the outlet alike.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .. import openwebui
from ..domain import billing, budgets, catalogue, pricing
from ..errors import MisconfiguredValve, StoreUnavailable, UserBlocked
from ..money import money
from ..store import Store
from ..words import i18n

log = logging.getLogger(__name__)

# What "the database cannot be written" looks like, whichever backend: the failures `on_db_unavailable` governs.
UNAVAILABLE = (sqlite3.Error, OSError, StoreUnavailable)


class Settings(Protocol):
    """The Filter's valves as the application layer reads them (the Valves class belongs to the functions layer)."""

    @property
    def language(self) -> str: ...
    @property
    def currency_symbol(self) -> str: ...
    @property
    def default_input_price(self) -> float: ...
    @property
    def default_output_price(self) -> float: ...
    @property
    def default_per_msg_price(self) -> float: ...
    @property
    def min_charge(self) -> float: ...
    @property
    def init_balance(self) -> float: ...
    @property
    def cost_on_inlet(self) -> str: ...
    @property
    def hold_timeout_minutes(self) -> int: ...
    @property
    def reserve_output_tokens(self) -> int: ...
    @property
    def exempt_models(self) -> str: ...
    @property
    def tracking_only(self) -> bool: ...
    @property
    def exempt_admins(self) -> bool: ...
    @property
    def on_db_unavailable(self) -> str: ...


@dataclass(frozen=True)
class Derived:
    """What the hooks need from the valves in micro-units and sets, worked out once per set of values."""

    exempt: frozenset[str]
    fallback: pricing.Price
    minimum: int
    init_balance: int


def derived(valves: Settings) -> Derived:
    return _derive(
        valves.exempt_models,
        valves.default_input_price,
        valves.default_output_price,
        valves.default_per_msg_price,
        valves.min_charge,
        valves.init_balance,
    )


@functools.lru_cache(maxsize=64)
def _derive(
    exempt_models: str,
    default_input: float,
    default_output: float,
    default_per_msg: float,
    min_charge: float,
    init_balance: float,
) -> Derived:
    return Derived(
        exempt=frozenset(item.strip() for item in exempt_models.split(",") if item.strip()),
        fallback=pricing.defaults(default_input, default_output, default_per_msg),
        minimum=pricing.to_micro(min_charge),
        init_balance=pricing.to_micro(init_balance),
    )


def language(valves: Settings, user: dict) -> str:
    """The user's own language if they chose one, else the admin's."""
    return i18n.language(getattr(user.get("valves"), "language", None), valves.language)


def exempt(values: Derived, model_id: str, model: dict | None, request: Any) -> bool:
    """A model the admin exempts, or the monitor's own report model: never billed."""
    return model_id in values.exempt or openwebui.is_monitor_pipe(request, model or {"id": model_id})


def fixed_hold(valves: Settings, model_id: str) -> int:
    """The admin's `cost_on_inlet` for this model, in micro-units (0: hold the reply's estimate instead).

    Raises MisconfiguredValve only when the valve's text does not parse (a value stored before its check existed,
    or set around it): every other error is left to the caller, so that no bug is reported as the admin's."""
    try:
        costs = _holds(valves.cost_on_inlet)
    except ValueError:
        log.exception("openwebui_monitor: invalid valve")
        raise MisconfiguredValve(valve="cost_on_inlet") from None
    return pricing.inlet_cost(costs, model_id)


# cost_on_inlet parsed, by its text; a text that does not parse raises ValueError each time (never cached).
_holds = functools.lru_cache(maxsize=64)(pricing.parse_cost_on_inlet)


def policy(valves: Settings, member: billing.Member) -> billing.Policy:
    return policy_of(valves.exempt_admins, valves.tracking_only, member.role)


def policy_of(exempt_admins: bool, tracking_only: bool, role: str) -> billing.Policy:
    """What billing enforces for someone of `role` under the Filter's `exempt_admins` and `tracking_only` (the
    assistant reads them from the Filter's saved valves)."""
    if exempt_admins and role == "admin":
        return billing.EXEMPT
    return billing.TRACK_ONLY if tracking_only else billing.ENFORCE


def price_of(values: Derived, model_id: str, model: dict | None, request: Any) -> Callable[[Store], pricing.Price]:
    """The model's price as a step reads it (an admin's price is a row of ours): the same at inlet and outlet."""
    lookup = openwebui.model_lookup(request)

    def price(store: Store) -> pricing.Price:
        found = pricing.resolve(
            model_id,
            model,
            admin_price=store.get_price,
            lookup_model=lookup,
            fallback=values.fallback,
            catalogue=catalogue.price_for,
        )
        return replace(found, minimum=values.minimum) if values.minimum else found

    return price


def fails_open(valves: Settings, exc: BaseException) -> bool:
    """The admin's `on_db_unavailable`, decided here only: when the database cannot be written, 'open' lets the
    chat through unbilled (the inlet) or its reply unbilled (the outlet), 'closed' refuses or reports it. Any other
    failure is never let through."""
    return valves.on_db_unavailable == "open" and isinstance(exc, UNAVAILABLE)


def refusal_text(refusal: billing.Refusal, lang: str, symbol: str) -> str:
    """Why a chat is refused, in the user's language, with the amounts, how to get more (a code to redeem, where
    an admin minted some), and when their allowance next refills."""
    refusal.error.params.update(balance=money(refusal.balance, symbol), needed=money(refusal.needed, symbol))
    text = refusal.error.message(lang)
    if refusal.redeemable:
        text += " " + i18n.t(lang, "refusal_redeem")
    if refusal.next_refill is not None and not isinstance(refusal.error, UserBlocked):
        text += " " + i18n.t(lang, "refusal_next_refill", when=budgets.when(refusal.next_refill))
    return text
