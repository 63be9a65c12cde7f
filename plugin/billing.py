"""The money rules: admit a request (gate + hold), settle it (charge + release), expire forgotten holds.

Each step is one `BEGIN IMMEDIATE` transaction, so concurrent chats of one user see each other's holds and
a balance can never be spent twice. A message is billed once per (chat_id, message_id): a second outlet for
the same key (a Continue, whose usage is cumulative) charges only what its cost grew by, and never credits.

Budgets (`budgets.Plan`) choose a user's initial balance and refill their allowance in the same transaction as
the step that finds it due; a `Policy` says what is enforced (tracking-only mode, exempt admins).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import budgets
from .budgets import NO_PLAN, Plan
from .errors import InsufficientBalance, UserBlocked
from .pricing import Price
from .store import Store
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

    error: InsufficientBalance | UserBlocked
    balance: int
    needed: int
    next_refill: float | None = None  # when the user's allowance next refills (epoch seconds)


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


def _ensure_member(store: Store, member: Member, init_balance: int, plan: Plan = NO_PLAN) -> None:
    """The user's row (their profile refreshed), their initial balance once, then any refill that is due."""
    init = plan.init_balance if plan.init_balance is not None else init_balance
    profile = (member.id, member.name, member.email, member.role)
    if not store.profile_known(*profile) and store.ensure_user(*profile) and init:
        reason = "initial balance (group)" if plan.init_balance is not None else "initial balance"
        store.append_ledger(member.id, "topup", init, actor="system", reason=reason)
    budgets.refill(store, member.id, plan.allowance)


def _next_refill(store: Store, plan: Plan) -> float | None:
    return plan.allowance.next_refill(store.clock()) if plan.allowance else None


def gate(store: Store, member: Member, plan: Plan = NO_PLAN, policy: Policy = ENFORCE) -> Admission | Refusal | None:
    """Admit a request that places no hold by reading alone: a positive balance and no block suffice, and
    nothing needs writing. None when the user is new or their profile changed, or their allowance is due for
    this period (`admit` writes them then), or when SQLite's write lock is not free right now (`admit` waits).

    Without a hold a concurrent reply may still take the balance below zero, exactly as after `admit`'s check.
    """
    free, user = store.probe_user(member.id)
    if (
        not free
        or user is None
        or (user["name"], user["email"], user["role"]) != (member.name, member.email, member.role)
        or budgets.due(plan.allowance, user["allowance_period"], store.clock())
    ):
        return None
    balance = user["balance"]
    if user["blocked"] and policy.refuse_blocked:
        return Refusal(UserBlocked(), balance, 0, _next_refill(store, plan))
    if balance <= 0 and policy.refuse_empty:
        return Refusal(InsufficientBalance(), balance, 0, _next_refill(store, plan))
    return Admission(balance=balance, hold=0)


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
) -> Admission | Refusal:
    """Let a request start if the user may chat and can cover the hold; place the hold.

    With a hold, the balance must cover it (so it can end at exactly 0); without one it must be positive.
    A refill due for this period is applied first; `policy` may waive the refusals.
    """
    with store.immediate(user=member.id):
        _ensure_member(store, member, init_balance, plan)
        user = store.get_user(member.id)
        assert user is not None
        balance = user["balance"]
        if user["blocked"] and policy.refuse_blocked:
            return Refusal(UserBlocked(), balance, hold, _next_refill(store, plan))
        if policy.refuse_empty and (balance < hold or (hold == 0 and balance <= 0)):
            return Refusal(InsufficientBalance(), balance, hold, _next_refill(store, plan))
        store.open_request(chat_id, message_id, member.id, model_id, hold)
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


def settle(
    store: Store,
    member: Member,
    *,
    chat_id: str,
    message_id: str,
    model_id: str,
    usage: Usage,
    price: Price,
    round_usage: Usage | None = None,
    init_balance: int = 0,
    inlet_at: float | None = None,
    plan: Plan = NO_PLAN,
    policy: Policy = ENFORCE,
) -> Settlement:
    """Charge a finished message and release its hold, in one transaction.

    `usage` is the message's total as Open WebUI reports it; `round_usage` is the last upstream round alone.
    The first outlet of a message bills `usage`. A later outlet after a new inlet (a Continue) adds only the
    round: Open WebUI's stored total is not reliable after a Continue (it skips a round equal to the stored
    one, and re-adds the last round on later writes). A later outlet without a new inlet is a replay: nothing.

    A refill due for this period comes first, so a reply that ends in a new period is charged to it. Under a
    policy that does not charge (an exempt admin) the usage and its cost are recorded and the balance is not.
    """
    reference = _ref(chat_id, message_id)
    with store.immediate(user=member.id):
        _ensure_member(store, member, init_balance, plan)
        request = store.get_request(chat_id, message_id)
        previous = store.get_usage(chat_id, message_id)
        reopened = request is not None and request["status"] == "open"
        started_at = request["started_at"] if reopened else inlet_at if request is None else None  # type: ignore[index]
        reopened = started_at is not None
        kept_hold = previous is not None and previous["price_source"] == "hold" and not previous["output_tokens"]
        if previous is None or kept_hold:
            totals = usage
        elif reopened:
            totals = _add(previous, round_usage or usage)
        else:
            totals = _usage_of(previous)
        already = previous["cost"] if previous else 0
        full = price.cost(totals.input_tokens, totals.output_tokens, totals.cached_tokens, totals.reasoning_tokens)
        replay = previous is not None and not reopened and not kept_hold
        # A replay charges nothing, even if the price changed since: the record keeps what was charged.
        charged = 0 if replay else max(0, full - already)
        cost = already + charged

        balance: int | None = None  # from the ledger rows below; read only when there are none
        if reopened and request is not None and request["hold"]:
            balance = store.append_ledger(
                member.id, "release", request["hold"], actor=ACTOR, reason="pre-charge settled", reference=reference
            )
        if charged and policy.charge:
            balance = store.append_ledger(
                member.id, "charge", -charged, actor=ACTOR, reason=model_id, reference=reference
            )
        if balance is None:
            balance = store.get_user(member.id)["balance"]  # type: ignore[index]
        now = store.clock()
        elapsed = now - started_at if started_at is not None else None
        if previous is None or reopened or kept_hold:
            store.save_usage(
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "user_id": member.id,
                    "model_id": model_id,
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
                    "elapsed_ms": round(elapsed * 1000) if elapsed is not None else None,
                }
            )
        if reopened and request is not None:
            store.close_request(chat_id, message_id, "settled")
        next_refill = _next_refill(store, plan)
    return Settlement(
        usage=totals,
        price=price,
        cost=cost,
        charged=charged if policy.charge else 0,
        balance=balance,
        elapsed=elapsed,
        next_refill=next_refill,
    )


def _usage_of(row: dict) -> Usage:
    return Usage(
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_tokens=row["cached_tokens"],
        reasoning_tokens=row["reasoning_tokens"],
        estimated=bool(row["estimated"]),
    )


def _add(row: dict, more: Usage) -> Usage:
    before = _usage_of(row)
    if more.estimated:
        # An estimate covers the whole message, not the round: keep the larger of the two totals.
        return Usage(
            input_tokens=max(before.input_tokens, more.input_tokens),
            output_tokens=max(before.output_tokens, more.output_tokens),
            cached_tokens=before.cached_tokens,
            reasoning_tokens=before.reasoning_tokens,
            estimated=True,
        )
    return Usage(
        input_tokens=before.input_tokens + more.input_tokens,
        output_tokens=before.output_tokens + more.output_tokens,
        cached_tokens=before.cached_tokens + more.cached_tokens,
        reasoning_tokens=before.reasoning_tokens + more.reasoning_tokens,
        estimated=before.estimated,
    )


def expire_holds(store: Store, *, older_than: float, keep_as_charge: bool) -> int:
    """Settle requests whose outlet never came (a closed tab, a crashed stream): keep or release the hold.

    A hold kept as charge is recorded as the message's cost, so a late outlet charges only any excess.
    """
    expired = 0
    with store.immediate():
        for request in store.stale_requests(store.clock() - older_than):
            chat_id, message_id, user_id, hold = (
                request["chat_id"],
                request["message_id"],
                request["user_id"],
                request["hold"],
            )
            reference = _ref(chat_id, message_id)
            if hold:
                balance = store.append_ledger(
                    user_id,
                    "release",
                    hold,
                    actor="system",
                    reason="no outlet: hold expired",
                    reference=reference,
                )
                if keep_as_charge:
                    balance = store.append_ledger(
                        user_id,
                        "charge",
                        -hold,
                        actor="system",
                        reason="no outlet: hold kept",
                        reference=reference,
                    )
                    _record_kept_hold(store, request, balance)
            store.close_request(chat_id, message_id, "expired")
            expired += 1
    return expired


def _record_kept_hold(store: Store, request: dict, balance: int) -> None:
    previous = store.get_usage(request["chat_id"], request["message_id"])
    record = (
        dict(previous)
        if previous
        else {
            "chat_id": request["chat_id"],
            "message_id": request["message_id"],
            "user_id": request["user_id"],
            "model_id": request["model_id"],
            "input_tokens": 0,
            "output_tokens": 0,
            "estimated": 1,
            "price_source": "hold",
            "cost": 0,
        }
    )
    for key in ("id", "created_at", "updated_at"):
        record.pop(key, None)
    record["cost"] += request["hold"]
    record["balance_after"] = balance
    store.save_usage(record)


def _ref(chat_id: str, message_id: str) -> str:
    return f"{chat_id}/{message_id}" if chat_id else message_id
