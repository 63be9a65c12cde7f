"""People and their money, for admins: find a user, change a balance, block, and check balances against the ledger.

Every operation is synchronous (the caller runs it on the store's thread with `await store.run(...)`), is one
`BEGIN IMMEDIATE` transaction, and returns a small result holding data, never text: `ui.admin_views` words it.
Money moves only through `store.append_ledger`, with the admin as actor, so every balance stays explained by the
ledger. (`reconcile` moves no money: its repair resets a cached balance that has drifted to the ledger's own sum.)
The caller checks that the person asking is an Open WebUI admin before calling anything here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import AmbiguousUser, InvalidAmount, NegativeBalance, UnknownUser
from ..money import MAX_MICRO, from_micro, money
from ..store import Store
from ..text import quoted as _shown

log = logging.getLogger(__name__)

MAX_CANDIDATES = 10

# Where an admin's balance change came from, as the ledger's reason when the admin gave none: written by the monitor,
# not typed by a person, so a statement shows no words for them (`statements.detail`).
VIA_PIPE = "report model"
VIA_BUTTON = "action button"
SOURCE_REASONS = frozenset({VIA_PIPE, VIA_BUTTON, "balance set by admin", "topup by admin", "adjust by admin"})


# -- users ------------------------------------------------------------------------------------------------


def find_user(
    directory: Iterable[Mapping[str, Any]], store: Store, query: str, *, init_balance: int = 0
) -> dict[str, Any]:
    """The one user `query` names (`pick_user`), their row created if missing with `init_balance` as a first
    top-up, exactly as the billing filter would at their first chat (`adopt_user`)."""
    return adopt_user(store, pick_user(directory, store, query), init_balance)


def pick_user(directory: Iterable[Mapping[str, Any]], store: Store, query: str) -> dict[str, str]:
    """The one user `query` names, from Open WebUI's directory (plus users only our table still knows); writes
    nothing.

    Tried in order, the first rule with any hit wins: exact email (any case), exact id, exact name (any case),
    then a substring of name or email. One hit is the answer; several raise `AmbiguousUser` listing them.
    `Name <email>` (as the candidate list shows people) is read as the email.
    """
    wanted = _query_text(query)
    if not wanted:
        raise UnknownUser(query=_shown(query))
    people = _people(directory, store)
    folded = wanted.casefold()
    rules = (
        lambda p: p["email"].casefold() == folded,
        lambda p: p["id"] == wanted,
        lambda p: p["name"].casefold() == folded,
        lambda p: folded in p["name"].casefold() or folded in p["email"].casefold(),
    )
    for rule in rules:
        hits = [person for person in people if rule(person)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise AmbiguousUser(query=_shown(query), candidates=_candidates(hits))
    raise UnknownUser(query=_shown(query))


def naming_emails(store: Store, directory: Iterable[Mapping[str, Any]], ids: Iterable[str]) -> dict[str, str]:
    """For each of `ids`, the e-mail that `pick_user` would read back as exactly that person (the console's
    buttons name people by it, readable in Open WebUI's confirmation); people whose e-mail would not (changed by
    the query's clean-up, shared with another account, or missing) are left out: their commands carry the id."""
    people = _people(directory, store)
    owners: dict[str, list[str]] = {}
    for person in people:
        owners.setdefault(person["email"].casefold(), []).append(person["id"])
    by_id = {person["id"]: person for person in people}
    found = {}
    for user_id in ids:
        email = by_id.get(user_id, {}).get("email", "")
        if email and _query_text(email) == email and owners.get(email.casefold()) == [user_id]:
            found[user_id] = email
    return found


def _query_text(query: str) -> str:
    text = unicodedata.normalize("NFC", str(query or "")).strip()
    bracketed = re.search(r"<([^<>\s]+@[^<>\s]+)>\s*$", text)
    return bracketed.group(1) if bracketed else text


def _people(directory: Iterable[Mapping[str, Any]], store: Store) -> list[dict[str, str]]:
    """Directory entries, plus users who have left Open WebUI but still have a balance and usage here."""
    people: dict[str, dict[str, str]] = {}
    for row in store.all_users():
        people[row["id"]] = _person(row)
    for entry in directory:
        person = _person(entry)
        if person["id"]:
            people[person["id"]] = person
    return list(people.values())


def _person(entry: Mapping[str, Any]) -> dict[str, str]:
    return {
        "id": str(entry.get("id") or ""),
        "name": str(entry.get("name") or ""),
        "email": str(entry.get("email") or ""),
        "role": str(entry.get("role") or "user"),
    }


def _candidates(people: list[dict[str, str]]) -> str:
    """The people a query could mean, one `- name <email>` line each, for `AmbiguousUser`'s message."""
    people = sorted(people, key=lambda p: (p["name"].casefold(), p["email"].casefold(), p["id"]))
    lines = [f"- {_shown(p['name']) or _shown(p['id'])} <{_shown(p['email'])}>" for p in people[:MAX_CANDIDATES]]
    if len(people) > MAX_CANDIDATES:
        lines.append(f"- … (+{len(people) - MAX_CANDIDATES})")
    return "\n".join(lines)


def adopt_user(store: Store, person: dict[str, str], init_balance: int) -> dict[str, Any]:
    """`person` with their balance and block; their row created if missing, with `init_balance` as a first
    top-up."""
    with store.immediate():
        created = store.ensure_user(person["id"], person["name"], person["email"], person["role"])
        if created and init_balance:
            store.append_ledger(person["id"], "topup", init_balance, actor="system", reason="initial balance")
        row = store.get_user(person["id"])
    assert row is not None
    return {**person, "balance": row["balance"], "blocked": bool(row["blocked"]), "created": created}


def _user(store: Store, user_id: str) -> dict[str, Any]:
    row = store.get_user(user_id)
    if row is None:
        raise UnknownUser(query=_shown(user_id))
    return row


def _label(row: Mapping[str, Any]) -> str:
    """`name (email)`, quoted, for `NegativeBalance`'s message (results carry the parts; views word them)."""
    name, email = _shown(row.get("name")), _shown(row.get("email"))
    if name and email:
        return f"{name} ({email})"
    return name or email or _shown(row.get("id", ""))


# -- balances ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceChange:
    """A balance before and after one admin operation; `key` names what happened (and the i18n string for it)."""

    key: str
    user_id: str
    name: str
    email: str
    old: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.old


def set_balance(store: Store, user_id: str, amount: int, actor: str, reason: str = "") -> BalanceChange:
    """Set a balance to `amount` micro-units (>= 0): one ledger row of kind `set` for the difference."""
    if not 0 <= amount <= MAX_MICRO:
        raise InvalidAmount(text=str(from_micro(amount)))
    with store.immediate():
        user = _user(store, user_id)
        old = user["balance"]
        new = store.append_ledger(user_id, "set", amount - old, actor=actor, reason=reason or "balance set by admin")
    return BalanceChange("balance_set", user_id, user["name"] or "", user["email"] or "", old, new)


def add_balance(
    store: Store, user_id: str, amount: int, actor: str, reason: str = "", *, symbol: str = "$"
) -> BalanceChange:
    """Add (`topup`) or deduct (`adjust`) micro-units. A deduction that would leave the balance below zero is
    refused with `NegativeBalance`, never clamped: the admin sees the balance and decides (or uses set)."""
    if amount == 0 or abs(amount) > MAX_MICRO:
        raise InvalidAmount(text=str(from_micro(amount)))
    with store.immediate():
        user = _user(store, user_id)
        old = user["balance"]
        if amount < 0 and old + amount < 0:
            raise NegativeBalance(
                user=_label(user), balance=money(old, symbol, exact=True), amount=money(-amount, symbol, exact=True)
            )
        if old + amount > MAX_MICRO:
            raise InvalidAmount(text=str(from_micro(amount)))
        kind = "topup" if amount > 0 else "adjust"
        new = store.append_ledger(user_id, kind, amount, actor=actor, reason=reason or f"{kind} by admin")
    key = "balance_added" if amount > 0 else "balance_deducted"
    return BalanceChange(key, user_id, user["name"] or "", user["email"] or "", old, new)


@dataclass(frozen=True)
class BlockChange:
    """A block or unblock, and whether it changed anything; `key` names what happened."""

    key: str
    user_id: str
    name: str
    email: str
    blocked: bool
    changed: bool


def block(store: Store, user_id: str, blocked: bool, actor: str) -> BlockChange:
    """Block or unblock chatting. The ledger holds only money, so the audit trail is a zero-amount `adjust`
    row with reason `blocked` / `unblocked` and the admin as actor; a no-op writes nothing."""
    with store.immediate():
        user = _user(store, user_id)
        changed = bool(user["blocked"]) != blocked
        if changed:
            store.set_blocked(user_id, blocked)
            store.append_ledger(user_id, "adjust", 0, actor=actor, reason="blocked" if blocked else "unblocked")
    if blocked:
        key = "user_blocked_done" if changed else "user_already_blocked"
    else:
        key = "user_unblocked_done" if changed else "user_already_unblocked"
    return BlockChange(key, user_id, user["name"] or "", user["email"] or "", blocked, changed)


# -- reconciliation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceDifference:
    """One user whose cached `users.balance` is not the sum of their ledger rows."""

    user_id: str
    name: str
    email: str
    balance: int  # the cached balance as found, before any repair
    ledger_sum: int  # the truth

    @property
    def difference(self) -> int:
        """Cached minus ledger: positive when the cache shows more money than the ledger explains."""
        return self.balance - self.ledger_sum


@dataclass(frozen=True)
class Reconciliation:
    """Every user's cached balance checked against their ledger sum, and whether the differences were repaired."""

    users: int
    differences: tuple[BalanceDifference, ...] = ()
    repaired: bool = False
    open_holds: int = 0  # pre-charges of open requests: ledger rows already, so part of every sum above
    held: int = 0

    @property
    def key(self) -> str:
        if not self.differences:
            return "reconcile_ok"
        return "reconcile_repaired" if self.repaired else "reconcile_found"


def reconcile(store: Store, *, repair: bool, actor: str) -> Reconciliation:
    """Check every `users.balance` against the sum of the user's ledger rows, in one transaction.

    The ledger is the record and the balance only its cache, so with `repair` each differing balance is set to
    its ledger sum and the ledger itself is left exactly as it was (a row there would change the sum it is
    checked against). Each repair is logged with `actor`; the differences returned are those found before it.
    """
    with store.immediate():
        people = {row["id"]: row for row in store.all_users()}
        differences = tuple(
            BalanceDifference(
                user_id=row["id"],
                name=str(people.get(row["id"], {}).get("name") or ""),
                email=str(people.get(row["id"], {}).get("email") or ""),
                balance=row["balance"],
                ledger_sum=row["ledger_sum"],
            )
            for row in store.reconcile()
        )
        if repair:
            for diff in differences:
                store.repair_balance(diff.user_id)
                log.warning(
                    "openwebui_monitor: balance of user %s repaired by %s: cached %d -> ledger sum %d micro-units",
                    diff.user_id,
                    actor or "?",
                    diff.balance,
                    diff.ledger_sum,
                )
        holds = store.open_holds()
    return Reconciliation(
        users=len(people),
        differences=differences,
        repaired=repair and bool(differences),
        open_holds=holds["count"],
        held=holds["total"],
    )
