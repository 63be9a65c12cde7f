"""The money rules, in two phases (TigerBeetle's pending transfers): every admitted request is a pending charge with
a hold, which the outlet posts at its exact cost or, when no outlet comes, `abandon` settles for an estimate of what
was generated.

- `admit` (the inlet): the user may chat and their balance covers the hold (the reply's estimated cost, or the
  admin's `cost_on_inlet`); the request is recorded as pending, with what settling it without an outlet needs.
- `settle` (the outlet): this round's usage, as the upstream answered this request, at the model's price; the hold
  is released. A Continue is a new round of the same message: it is charged its own round, added to the record.
  An outlet of a request that is not pending (a replay, a message we never admitted) charges nothing.
- `abandon` (a stop button, a client hanging up, a crash): the prompt's estimate plus the output produced so far;
  voided (the hold released, nothing charged) only when no output was produced.

Each step is one `BEGIN IMMEDIATE` transaction (on PostgreSQL one per-user lock), so concurrent chats of one user
see each other's holds and a balance is never spent twice. Budgets (`budgets.Plan`) choose a user's initial balance
and refill their allowance in the same transaction as the step that finds it due; a `Policy` says what is enforced
(tracking-only mode, exempt admins).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, replace

from ..errors import EmptyBalance, InsufficientBalance, MessageNotYours, ReplyInProgress, UserBlocked
from ..store import Store
from . import budgets
from .budgets import NO_PLAN, Plan
from .pricing import Price
from .tokens import Usage

ACTOR = "filter"


@dataclass(frozen=True)
class Member:
    """Who is chatting, as Open WebUI knows them."""

    id: str
    name: str = ""
    email: str = ""
    role: str = "user"


@dataclass(frozen=True)
class Policy:
    """What billing enforces. Tracking-only mode refuses no one for their balance (balances may go negative;
    a block still refuses); an exempt admin is never refused and never charged (usage is recorded with its
    cost, the balance is left alone)."""

    refuse_empty: bool = True  # refuse a balance that cannot cover the request
    refuse_blocked: bool = True
    charge: bool = True  # take each reply's cost from the balance


ENFORCE = Policy()
TRACK_ONLY = Policy(refuse_empty=False)
EXEMPT = Policy(refuse_empty=False, refuse_blocked=False, charge=False)


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused; raised by the caller after the user's row has been committed."""

    error: InsufficientBalance | EmptyBalance | UserBlocked | ReplyInProgress | MessageNotYours
    balance: int
    needed: int
    next_refill: float | None = None  # when the user's allowance next refills (epoch seconds)
    redeemable: bool = False  # an admin has minted codes here: the refusal says one can be redeemed


@dataclass(frozen=True)
class Admission:
    balance: int
    hold: int


@dataclass(frozen=True)
class Settlement:
    usage: Usage
    price: Price
    cost: int  # the message's whole cost so far
    charged: int  # what this outlet charged (the increase, for a Continue)
    balance: int
    elapsed: float | None  # seconds from inlet to outlet, when the inlet was seen
    next_refill: float | None = None  # when the user's allowance next refills (epoch seconds)


@dataclass(frozen=True)
class Terms:
    """Whose balance a step works on, and on what terms: the member, the initial balance they get the first time they
    are seen, their budget, and what is enforced (`admit` takes the same four one by one)."""

    member: Member
    init_balance: int = 0
    plan: Plan = NO_PLAN
    policy: Policy = ENFORCE


@dataclass(frozen=True)
class Round:
    """One round of a message as its outlet saw it: which message, the upstream's usage of this request (None when
    it reported none), the output its reply's text counts (what an estimate then charges), and the model's price."""

    chat_id: str
    message_id: str
    model_id: str
    usage: Usage | None
    price: Price
    output_tokens: int = 0


def _ensure_member(store: Store, member: Member, init_balance: int, plan: Plan = NO_PLAN) -> dict:
    """The user's row (their profile refreshed), their initial balance once, then any refill that is due; returns
    the row as these left it. A known user with the same profile costs one read."""
    return _refresh_member(store, member, store.get_user(member.id), init_balance, plan)


def _refresh_member(store: Store, member: Member, user: dict | None, init_balance: int, plan: Plan) -> dict:
    """`_ensure_member` of the user's row as read in this transaction (None: no row yet)."""
    profile = (member.id, member.name, member.email, member.role)
    if user is None or (user["name"], user["email"], user["role"]) != profile[1:]:
        init = plan.init_balance if plan.init_balance is not None else init_balance
        if store.ensure_user(*profile) and init:
            reason = "initial balance (group)" if plan.init_balance is not None else "initial balance"
            store.append_ledger(member.id, "topup", init, actor="system", reason=reason)
        user = None
    if budgets.refill(store, member.id, plan.allowance) is not None:
        user = None
    return user if user is not None else store.get_user(member.id)  # type: ignore[return-value]


def _next_refill(store: Store, plan: Plan) -> float | None:
    return plan.allowance.next_refill(store.clock()) if plan.allowance else None


def reserve(price: Price, input_tokens: int, output_allowance: int) -> int:
    """The hold for a request: its estimated prompt plus an output allowance, with every fee of the price."""
    return price.cost(max(input_tokens, 0), max(output_allowance, 1))


def admit(
    store: Store,
    member: Member,
    *,
    chat_id: str,
    message_id: str,
    model_id: str,
    hold: int,
    init_balance: int,
    plan: Plan = NO_PLAN,
    policy: Policy = ENFORCE,
    price: Price | None = None,
    input_tokens: int = 0,
) -> Admission | Refusal:
    """Let a request start if the user may chat and can cover the hold; record it as pending with its hold.

    With a hold, the balance must cover it (so it can end at exactly 0); a request that holds nothing (a free
    model) needs a positive balance. A refill due for this period is applied first; `policy` may waive the
    refusals (then nothing is held, but the request is still pending, so a stopped reply is still charged).
    A message has one round pending at a time, and is one user's: a second admission while its round is pending,
    or another user's, is refused. `price` and `input_tokens` are kept on the pending row for `abandon`.
    """
    if not policy.refuse_empty:
        hold = 0  # nothing is refused, so nothing needs holding
    with store.immediate(user=member.id):
        user = _ensure_member(store, member, init_balance, plan)
        balance = user["balance"]
        if user["blocked"] and policy.refuse_blocked:
            return Refusal(UserBlocked(), balance, hold, _next_refill(store, plan))
        if policy.refuse_empty and (balance < hold or (hold == 0 and balance <= 0)):
            error = InsufficientBalance() if hold and balance > 0 else EmptyBalance()
            return Refusal(error, balance, hold, _next_refill(store, plan), store.has_codes())
        opened = store.open_request(
            chat_id,
            message_id,
            member.id,
            model_id,
            hold,
            input_tokens=input_tokens,
            price=price_text(price) if price is not None else None,
            charge=policy.charge,
        )
        if not opened:
            # The row decides, whatever races (two replicas, two users naming the same ids): a message is one user's
            # (ids a client chose never mix two users' records), and has one round pending at a time (two at once
            # would be one pending row for two replies).
            owner = store.get_request(chat_id, message_id)
            taken = MessageNotYours() if owner is not None and owner["user_id"] != member.id else ReplyInProgress()
            return Refusal(taken, balance, 0)
        if hold:
            balance = store.append_ledger(
                member.id,
                "hold",
                -hold,
                actor=ACTOR,
                reason=f"pre-charge for {model_id}",
                reference=_ref(chat_id, message_id),
            )
        return Admission(balance=balance, hold=hold)


def settle(store: Store, terms: Terms, round_: Round) -> Settlement:
    """Post a pending request: charge this round and release its hold, in one transaction.

    `round_.usage` is this round's usage as the upstream answered the request the inlet admitted (never what a client
    can write: chat history, message usage); None when it reported none: then the round is estimated as the prompt
    the inlet counted plus `round_.output_tokens` (what the reply's text counts), and marked so. A Continue's round is
    added to the message's record. An outlet for a request that is not pending charges nothing.

    A refill due for this period comes first, so a reply that ends in a new period is charged to it. Under a
    policy that does not charge (an exempt admin) the usage and its cost are recorded and the balance is not.
    """
    member, plan, price = terms.member, terms.plan, round_.price
    chat_id, message_id = round_.chat_id, round_.message_id
    with store.immediate(user=member.id):
        # The user, the request and its usage so far in one round trip (PostgreSQL): one fewer per charge.
        user, request, previous = store.get_member_round(member.id, chat_id, message_id)
        _refresh_member(store, member, user, terms.init_balance, plan)
        if request is not None and request["status"] == "released" and request["user_id"] == member.id:
            # Voided without an outlet (nothing seen of it when the sweep looked: a long reply streaming no text, a
            # worker that stopped saving progress), then its outlet came after all: nothing was charged for this
            # round, so it is charged now, its hold already given back.
            request = {**request, "hold": 0, "status": "open"}
        if request is None or request["status"] != "open" or request["user_id"] != member.id:
            # A replay (an outlet run again) or a message this filter never admitted for this user: it earns and
            # costs nothing.
            user = store.get_user(member.id)
            return Settlement(
                usage=_usage_of(previous) if previous else Usage(0, 0),
                price=price,
                cost=previous["cost"] if previous else 0,
                charged=0,
                balance=user["balance"] if user else 0,
                elapsed=None,
                next_refill=_next_refill(store, plan),
            )
        usage = round_.usage if round_.usage is not None else _estimate(request, round_.output_tokens)
        outcome = _post(
            store, request, previous, usage, price, charge=terms.policy.charge, reason=round_.model_id, actor=ACTOR
        )
        store.close_request(chat_id, message_id, "settled")
        return replace(outcome, next_refill=_next_refill(store, plan))


def abandon(
    store: Store,
    user_id: str,
    chat_id: str,
    message_id: str,
    *,
    usage: Usage | None = None,
    output_tokens: int = 0,
    message_tokens: int = 0,
    why: str = "no outlet",
    started_at: float | None = None,
) -> Settlement | None:
    """Settle a pending request whose outlet never came (a stop button, a closed tab, an API client hanging up, a
    crash): the upstream's usage of this round when it reported any, else the prompt the inlet counted plus the
    output produced so far (`output_tokens`, or what the stream saved on the row), marked estimated, at the price
    the inlet resolved. `message_tokens` counts the whole message as Open WebUI saved it (a Continue's earlier
    rounds included, which its record already holds). Voided (hold released, nothing charged) only when no output
    was produced. None when the request is not pending (its outlet came first), not the user's, or, with
    `started_at`, not the round the caller listed (a Continue's next round has begun)."""
    with store.immediate(user=user_id):
        request = store.get_request(chat_id, message_id)
        if request is None or request["status"] != "open" or request["user_id"] != user_id:
            return None
        if started_at is not None and request["started_at"] != started_at:
            return None
        previous = store.get_usage(chat_id, message_id)
        if usage is None:
            # What Open WebUI saved of the message holds its earlier rounds too, which its record already holds.
            saved = message_tokens - (previous["output_tokens"] if previous else 0)
            usage = _estimate(request, max(output_tokens, saved))
        price = price_of(request["price"])
        if usage.output_tokens <= 0 or price is None:
            # Nothing was generated (or a request from before m005, priced nowhere): the hold goes back.
            if request["hold"]:
                store.append_ledger(
                    request["user_id"],
                    "release",
                    request["hold"],
                    actor="system",
                    reason=f"{why}: nothing generated",
                    reference=_ref(chat_id, message_id),
                )
            store.close_request(chat_id, message_id, "released")
            return None
        outcome = _post(
            store,
            request,
            previous,
            usage,
            price,
            charge=bool(request["charge"]),
            reason=f"{request['model_id']} ({why})",
            actor="system",
        )
        store.close_request(chat_id, message_id, "expired")
        return outcome


def _estimate(request: dict, output_tokens: int) -> Usage:
    """A round the upstream reported no usage for: the prompt the inlet counted and the output counted since (or
    saved on the pending row by the stream, if more), marked estimated."""
    return Usage(request["input_tokens"], max(output_tokens, request["output_tokens"]), estimated=True)


def _post(
    store: Store,
    request: dict,
    previous: dict | None,
    round_usage: Usage,
    price: Price,
    *,
    charge: bool,
    reason: str,
    actor: str,
) -> Settlement:
    """Release a pending request's hold, charge its round, and add the round to the message's record."""
    chat_id, message_id, user_id = request["chat_id"], request["message_id"], request["user_id"]
    reference = _ref(chat_id, message_id)
    charged = price.cost(
        round_usage.input_tokens,
        round_usage.output_tokens,
        round_usage.cached_tokens,
        round_usage.reasoning_tokens,
        round_usage.cache_write_tokens,
    )
    totals = _usage_of(previous) + round_usage if previous else round_usage
    cost = (previous["cost"] if previous else 0) + charged
    balance: int | None = None  # from the ledger rows below; read only when there are none
    if request["hold"]:
        balance = store.append_ledger(
            user_id, "release", request["hold"], actor=actor, reason="pre-charge settled", reference=reference
        )
    if charged and charge:
        balance = store.append_ledger(user_id, "charge", -charged, actor=actor, reason=reason, reference=reference)
    if balance is None:
        balance = store.get_user(user_id)["balance"]  # type: ignore[index]
    elapsed = store.clock() - request["started_at"]
    store.save_usage(
        {
            "chat_id": chat_id,
            "message_id": message_id,
            "user_id": user_id,
            "model_id": request["model_id"],
            "input_tokens": totals.input_tokens,
            "output_tokens": totals.output_tokens,
            "cached_tokens": totals.cached_tokens,
            "reasoning_tokens": totals.reasoning_tokens,
            "estimated": int(totals.estimated),
            "price_source": price.source,
            "input_price": price.input,
            "output_price": price.output,
            "cached_input_price": price.cached_input,
            "per_msg_price": price.per_message,
            "reasoning_price": price.reasoning,
            "request_price": price.per_request,
            "cost": cost,
            "balance_after": balance,
            "elapsed_ms": round(elapsed * 1000),
        }
    )
    return Settlement(
        usage=totals,
        price=price,
        cost=cost,
        charged=charged if charge else 0,
        balance=balance,
        elapsed=elapsed,
    )


def _usage_of(row: dict) -> Usage:
    return Usage(
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_tokens=row["cached_tokens"],
        reasoning_tokens=row["reasoning_tokens"],
        estimated=bool(row["estimated"]),
    )


def progress(store: Store, user_id: str, chat_id: str, message_id: str, output_tokens: int) -> None:
    """Save the output a pending request's stream has produced so far (kept if its process dies)."""
    with store.immediate(user=user_id):
        store.record_progress(chat_id, message_id, output_tokens)


def stale(store: Store, *, older_than: float) -> list[dict]:
    """Pending requests started more than `older_than` seconds ago: their outlet is not coming (or their process
    died); each is then settled by `abandon`."""
    return store.stale_requests(store.clock() - older_than)


@functools.lru_cache(maxsize=256)
def price_text(price: Price) -> str:
    """A price as kept on a pending request (JSON of its fields); made once per price (a model's price is the same
    object from one chat to the next only by value, so the cache is by value: prices are frozen)."""
    return json.dumps(asdict(price), separators=(",", ":"))


def price_of(text: str | None) -> Price | None:
    """The price a pending request was admitted at; None for a row without one (or one not readable)."""
    if not text:
        return None
    try:
        fields = json.loads(text)
        return Price(**{name: fields[name] for name in fields if name in _PRICE_FIELDS})
    except (ValueError, TypeError, KeyError):
        return None


_PRICE_FIELDS = frozenset(Price.__dataclass_fields__)


def _ref(chat_id: str, message_id: str) -> str:
    return f"{chat_id}/{message_id}" if chat_id else message_id
