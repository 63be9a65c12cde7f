"""Monthly statements: one user's ledger over one calendar month, as data (`ui/cmd_statement.py` words it).

A statement is the ledger regrouped, never recomputed: the opening balance is the sum of every row before the month,
each row that is not a chat's is a line of its own (a top-up, a redemption, a refill, a block, ...), and the chat rows
(hold, charge and release) are summed per model, net, exactly as the ledger has them: a hold still open at the month's
end is spent in it, and its release counts in the month it came. So opening + every line == closing == the ledger's
sum before the month's end, to the micro-unit. The month is a calendar month in the reader's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from ..store import Store
from ..store.reports import reads
from . import accounts, ranges

CHAT_KINDS = frozenset({"hold", "charge", "release"})  # billing's rows, each naming its request
SYSTEM = "system"  # the actor of what no person did (initial balances, refills, the sweep)
FIRST_YEAR, LAST_YEAR = 1970, 9998  # months a statement may be asked for (epoch seconds, a following month)


@dataclass(frozen=True)
class Line:
    """One ledger row that is not a chat's: when, what (`category`), how much, who, and its words (`detail`)."""

    at: float
    category: str  # initial, topup, redemption, refill, reset, set, deduction, block, unblock
    amount: int
    actor: str  # a user id, or SYSTEM
    detail: str  # typed or recorded text (a reason, a masked code, an allowance's period): quote before showing


@dataclass(frozen=True)
class ModelSpend:
    """A model's chat rows in the month, net (negative: spent): how many requests they belong to, and the sum."""

    model_id: str  # "" when the request is not on record (an imported ledger)
    requests: int
    amount: int


@dataclass(frozen=True)
class Statement:
    user_id: str
    start: float  # [start, end) in epoch seconds
    end: float
    opening: int
    lines: tuple[Line, ...]
    spend: tuple[ModelSpend, ...]  # the largest spend first
    closing: int
    names: Mapping[str, str]  # actor id -> name or e-mail, for the actors we have a row for

    @property
    def chat_total(self) -> int:
        return sum(item.amount for item in self.spend)


def month_range(year: int, month: int, tz: tzinfo | None) -> ranges.Range:
    """The calendar month in `tz` (None: the server's zone), as a range [its first midnight, the next month's)."""
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise ValueError(f"no such month: {year}-{month}")
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return ranges.between(first, last, tz, "custom")


def category(row: Mapping[str, Any]) -> str:
    """What a ledger row is, as a statement names it ("chat" for billing's rows)."""
    kind, reason, reference = row["kind"], row["reason"] or "", row["reference"] or ""
    if kind in CHAT_KINDS:
        return "chat"
    if kind == "topup":
        if reference.startswith("allowance:"):
            return "refill"
        if row["actor"] == SYSTEM and reason.startswith("initial balance"):
            return "initial"
        return "topup"
    if kind == "adjust":
        if row["amount"] == 0 and reason in ("blocked", "unblocked"):
            return "block" if reason == "blocked" else "unblock"
        return "deduction"
    return {"reset": "reset", "redeem": "redemption", "set": "set"}.get(kind, "other")


def detail(row: Mapping[str, Any], kind: str) -> str:
    """The words a line carries: an admin's reason, a code as masked, an allowance's period; none where the
    category says it all."""
    reason, reference = row["reason"] or "", row["reference"] or ""
    if kind in ("initial", "block", "unblock"):
        return ""
    if kind in ("refill", "reset") and reference.startswith("allowance:"):
        return reference.rsplit(":", 1)[-1]  # "day:2026-11-29" -> "2026-11-29"
    if kind == "redemption":
        return reason.removeprefix("code ")
    return "" if reason in accounts.SOURCE_REASONS else reason


def request_keys(reference: str) -> list[tuple[str, str]]:
    """Every (chat_id, message_id) a chat row's reference may name: billing writes `chat_id/message_id`, or the
    message id alone for a request without a chat (an API call); an id may itself hold a '/'."""
    keys = [("", reference)]
    keys += [(reference[:i], reference[i + 1 :]) for i, char in enumerate(reference) if char == "/" and i > 0]
    return keys


def statement(store: Store, user_id: str, start: float, end: float) -> Statement:
    """The statement of `user_id` for [start, end)."""
    report = reads(store)
    rows = report.ledger_month(user_id, start, end)
    opening = int(rows[0]["amount"])  # the first row is always the sum before the month
    month = rows[1:]
    chat = [row for row in month if row["kind"] in CHAT_KINDS]
    models = _models(report, user_id, {row["reference"] for row in chat})
    spend: dict[str, tuple[set[str], int]] = {}
    for row in chat:
        model = models.get(row["reference"], "")
        refs, amount = spend.get(model, (set(), 0))
        refs.add(row["reference"])
        spend[model] = (refs, amount + int(row["amount"]))
    lines = tuple(
        Line(row["created_at"], kind, int(row["amount"]), row["actor"], detail(row, kind))
        for row in month
        if (kind := category(row)) != "chat"
    )
    grouped = tuple(
        sorted(
            (ModelSpend(model, len(refs), amount) for model, (refs, amount) in spend.items()),
            key=lambda item: (item.amount, item.model_id),
        )
    )
    closing = opening + sum(int(row["amount"]) for row in month)
    return Statement(user_id, start, end, opening, lines, grouped, closing, _names(report, lines))


def _models(report: Any, user_id: str, references: Iterable[str]) -> dict[str, str]:
    """reference -> model id of the user's requests these chat rows name (those found)."""
    wanted = {key: ref for ref in references for key in request_keys(ref)}
    found = report.request_models(user_id, sorted(wanted))
    return {wanted[(row["chat_id"], row["message_id"])]: row["model_id"] for row in found}


def _names(report: Any, lines: Iterable[Line]) -> dict[str, str]:
    ids = sorted({line.actor for line in lines if line.actor and line.actor != SYSTEM})
    return {row["id"]: row["name"] or row["email"] or row["id"] for row in report.user_names(ids)}
