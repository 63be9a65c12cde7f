"""Redemption codes: admins mint them, users redeem them for credit, once each.

A code reads `OWM-XXXX-XXXX-XXXX` (`code_format.py`), 60 bits from `secrets`. It is shown once, when minted; the
store keeps a SHA-256 digest of its twelve letters and its last group (to tell codes apart in lists), never the
code.

Redeeming is one transaction: the user's row made if this is their first contact (with the initial balance their
first chat would give), the guessing limit checked, the code claimed by a conditional UPDATE, and a `redeem` ledger
row naming the code. Of many users and workers racing for one code exactly one claims it. A wrong code (well-formed,
but no such code) is recorded in the same transaction, so every worker counts the same guesses: after
`MAX_GUESSES` within `GUESS_WINDOW_S` the user is told when to try again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidAmount, MonitorError
from ..money import MAX_MICRO, from_micro
from ..store import Store
from ..text import quoted
from .code_format import ALPHABET, GROUP, GROUPS, LETTERS, PREFIX, letters_of, shown

MAX_COUNT = 500  # codes in one mint
MAX_NOTE = 100
MAX_GUESSES = 5
GUESS_WINDOW_S = 600


# -- what a user or an admin may be told (here, not in errors.py: the Filter never says these) ---------------


class NotACode(MonitorError):
    """Params: text (quoted): not shaped like a code at all (not counted as a guess)."""

    key = "code_not_a_code"


class UnknownCode(MonitorError):
    """Params: code (masked): well-formed, but no such code (counted as a guess)."""

    key = "code_unknown"


class CodeUsed(MonitorError):
    """Params: code (masked): someone else redeemed it."""

    key = "code_used"


class CodeYoursAlready(MonitorError):
    """Params: code (masked): the reader redeemed it before."""

    key = "code_yours_already"


class CodeRevoked(MonitorError):
    """Params: code (masked)."""

    key = "code_revoked"


class CodeExpired(MonitorError):
    """Params: code (masked)."""

    key = "code_expired"


class TooManyCodeGuesses(MonitorError):
    """Params: minutes until the next try is heard."""

    key = "code_too_many_guesses"


class InvalidCodeCount(MonitorError):
    """Params: count (as typed), most."""

    key = "code_invalid_count"


class InvalidExpiry(MonitorError):
    """Params: text (quoted): an expiry that is no date to come."""

    key = "code_bad_expiry"


class BalanceFull(MonitorError):
    """Params: code (masked): redeeming it would take the balance past the largest amount kept."""

    key = "code_balance_full"


# -- the codes themselves ---------------------------------------------------------------------------------


def generate() -> str:
    """A new code, `OWM-XXXX-XXXX-XXXX`, 60 bits from `secrets`."""
    letters = "".join(secrets.choice(ALPHABET) for _ in range(LETTERS))
    return shown(letters)


def digest(letters: str) -> str:
    return hashlib.sha256(letters.encode("ascii")).hexdigest()


def masked(tail: str) -> str:
    """A code as lists show it: only its last group, `OWM-••••-••••-K7QX`."""
    return "-".join([PREFIX, *("••••" for _ in range(GROUPS - 1)), tail])


# -- minting ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Minted:
    """New codes, in full: the only time they are shown."""

    codes: tuple[str, ...]
    amount: int
    batch: int
    note: str
    expires_at: float | None


def mint(
    store: Store, amount: int, count: int, *, actor: str, note: str = "", expires_at: float | None = None
) -> Minted:
    """`count` new codes worth `amount` micro-units each, one batch, in one transaction."""
    if not 0 < amount <= MAX_MICRO:
        raise InvalidAmount(text=str(from_micro(amount)))
    if not 1 <= count <= MAX_COUNT:
        raise InvalidCodeCount(count=count, most=MAX_COUNT)
    note = " ".join(str(note or "").split())[:MAX_NOTE]
    codes: list[str] = []
    with store.immediate():
        batch = store.next_code_batch()
        while len(codes) < count:
            code = generate()
            letters = code.replace("-", "")[len(PREFIX) :]
            if store.code_by_digest(digest(letters)) is not None:
                continue  # one chance in 2**60 per existing code; a repeat would make the older one unredeemable
            store.add_code(
                digest(letters), letters[-GROUP:], amount, note=note, batch=batch, expires_at=expires_at, actor=actor
            )
            codes.append(code)
    return Minted(tuple(codes), amount, batch, note, expires_at)


# -- redeeming --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    amount: int
    balance: int
    tail: str
    created: bool  # the user's first contact: their initial balance came with it


def redeem(store: Store, person: dict[str, str], text: str, *, init_balance: int, now: float) -> Redeemed:
    """Credit the code `text` names to `person` (id, name, email, role), exactly once per code.

    Raises `NotACode` (not shaped like a code: not counted as a guess), `TooManyCodeGuesses`, `UnknownCode` (counted),
    `CodeUsed`, `CodeRevoked`, `CodeExpired`, `BalanceFull` (the balance would pass the largest amount). The user's
    row and a wrong guess are committed whatever the outcome."""
    letters = letters_of(text)
    if letters is None:
        raise NotACode(text=quoted(str(text or "")[:40]))
    user_id = person["id"]
    refusal: Exception | None = None
    result: Redeemed | None = None
    with store.immediate():
        # Only a first contact writes the user's row (with its initial balance); a known profile is the Filter's to
        # refresh, so a redemption writes nothing of the user's but the credit.
        created = store.get_user(user_id) is None and store.ensure_user(
            user_id, person["name"], person["email"], person["role"]
        )
        if created and init_balance:
            store.append_ledger(user_id, "topup", init_balance, actor="system", reason="initial balance")
        guesses = store.code_failures(user_id, now - GUESS_WINDOW_S)
        row = None if len(guesses) >= MAX_GUESSES else store.code_by_digest(digest(letters))
        if len(guesses) >= MAX_GUESSES:
            wait = guesses[-MAX_GUESSES] + GUESS_WINDOW_S - now
            refusal = TooManyCodeGuesses(minutes=max(1, -int(-wait // 60)))
        elif row is None:
            store.add_code_failure(user_id, now)
            refusal = UnknownCode(code=masked(letters[-GROUP:]))
        else:
            user = store.get_user(user_id)
            assert user is not None
            refusal = _unredeemable(row, user_id, now)
            if refusal is None and user["balance"] + row["amount"] > MAX_MICRO:
                refusal = BalanceFull(code=masked(row["tail"]))
            if refusal is None and store.claim_code(row["id"], user_id, now):
                balance = store.append_ledger(
                    user_id,
                    "redeem",
                    row["amount"],
                    actor=user_id,
                    reason=f"code {masked(row['tail'])}",
                    reference=f"code:{row['id']}",
                )
                store.add_redeemed_credit(user_id, row["amount"])  # a reset allowance keeps it while unspent
                result = Redeemed(row["amount"], balance, row["tail"], created)
            elif refusal is None:  # not claimable although it looked so: only another transaction's doing
                refusal = CodeUsed(code=masked(row["tail"]))
    if refusal is not None:
        raise refusal
    assert result is not None
    return result


def _unredeemable(row: dict[str, Any], user_id: str, now: float) -> Exception | None:
    code = masked(row["tail"])
    if row["revoked_at"] is not None:
        return CodeRevoked(code=code)
    if row["redeemed_by"] is not None:
        return CodeYoursAlready(code=code) if row["redeemed_by"] == user_id else CodeUsed(code=code)
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return CodeExpired(code=code)
    return None


# -- revoking and listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revoked:
    found: int  # codes the target named
    revoked: int  # of those, the ones still open (not redeemed, not revoked before)
    tails: tuple[str, ...]


def revoke(store: Store, target: str, *, actor: str, note: bool = False) -> Revoked:
    """Revoke one code (typed in full), or every code minted with the note `target` (with `note`, only that: a
    note may spell twelve letters of a code, "staff batch 22"); redeemed ones stay."""
    letters = None if note else letters_of(target)
    with store.immediate():
        row = store.code_by_digest(digest(letters)) if letters is not None else None
        rows = [row] if row is not None else store.codes_with_note(" ".join(target.split()))
        revoked = store.revoke_codes([row["id"] for row in rows], actor)
    return Revoked(len(rows), revoked, tuple(row["tail"] for row in rows))


def status(row: dict[str, Any], now: float) -> str:
    """One of `redeemed`, `revoked`, `expired`, `open`: what a list shows for a code."""
    if row["redeemed_by"] is not None:
        return "redeemed"
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return "expired"
    return "open"


@dataclass(frozen=True)
class Listing:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    guessers: list[dict[str, Any]]  # users with wrong codes in the last window, and whether they must wait


def listing(store: Store, search: str, *, page: int, size: int, now: float) -> Listing:
    """A page of codes, newest first, and who has been typing wrong codes lately."""
    size, page = max(1, min(size, 100)), max(1, page)
    rows, total = store.code_list(search, size, (page - 1) * size)
    pages = max(1, -(-total // size))
    if page > pages:  # past the end: the last page
        page = pages
        rows, total = store.code_list(search, size, (page - 1) * size)
    guessers = [{**row, "locked": row["failures"] >= MAX_GUESSES} for row in store.code_guessers(now - GUESS_WINDOW_S)]
    return Listing(rows, total, page, pages, guessers)
