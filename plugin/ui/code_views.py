"""Redemption codes in words, for the `/codes` commands and the top-up button alike: reading what an admin typed
to mint (an amount, then `count:N`, `expires:YYYY-MM-DD`, `note:TEXT` in any language's words), the new codes'
headline, and their CSV file. The parser is not used here: the button reads its one-line form with `form`."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..app.session import Session
from ..domain import codes, ranges
from ..domain.exchange import csv_text
from ..money import from_micro, money, parse_amount
from ..words import i18n
from ..words.vocabulary import OPTION_NAMES
from . import markdown

log = logging.getLogger(__name__)

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_OPTION = re.compile(r"^([^\s:=]+)[:=](.+)$")
_EMPTY_OPTION = re.compile(r"^[^\s:=]+[:=]$")
MAX_TYPED_COUNT = 7  # digits of a count worth reading
SHOWN_CAP = 80
_MINT_OPTIONS = {alias: key for key in ("count", "expires", "note") for alias in OPTION_NAMES[key]}


@dataclass(frozen=True)
class MintTerms:
    amount: int
    count: int
    note: str
    expires_at: float | None


def terms(session: Session, amount: str, options: Mapping[str, str], words: Sequence[str]) -> MintTerms:
    """What to mint: the amount, `count` (1 by default), `expires`, and the note: `note:` and the words after the
    amount together (`note:spring promo` unquoted, or no `note:` at all); an option left empty (`note:`) is none."""
    rest = [word for word in words if not _EMPTY_OPTION.match(word)]
    return MintTerms(
        amount=parse_amount(amount),
        count=_count(options.get("count", "1")),
        note=" ".join([options.get("note", ""), *rest]).strip(),
        expires_at=expiry(session, options.get("expires", "")),
    )


def form(session: Session, typed: str) -> MintTerms | None:
    """The button's form, one line: `5 count:10 expires:2027-01-31 note:spring` (`数量:10`, `cantidad:10`, ...);
    None without an amount."""
    words = typed.split()
    if not words:
        return None
    options: dict[str, str] = {}
    rest: list[str] = []
    for word in words[1:]:
        option = _OPTION.match(word)
        key = _MINT_OPTIONS.get(option.group(1).lower()) if option else None
        if option and key:
            options[key] = option.group(2)
        else:
            rest.append(word)
    return terms(session, words[0], options, rest)


def _shown(text: str) -> str:
    """What someone typed, quoted back harmlessly: short, one line, no Markdown."""
    return markdown.cell(text, SHOWN_CAP)


def _count(text: str) -> int:
    typed = text.strip()
    if not typed.isdigit() or len(typed) > MAX_TYPED_COUNT or not 1 <= int(typed) <= codes.MAX_COUNT:
        raise codes.InvalidCodeCount(count=_shown(text), most=codes.MAX_COUNT)
    return int(typed)


def expiry(session: Session, text: str) -> float | None:
    """`expires:YYYY-MM-DD`: the code is good through that day in the admin's time zone; None without one."""
    if not text.strip():
        return None
    match = _DATE.match(text)
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
    except ValueError:
        day = None
    if day is None:
        raise codes.InvalidExpiry(text=_shown(text))
    end = ranges.between(day, day, session.tz).end
    if end is None or end <= session.now:
        raise codes.InvalidExpiry(text=_shown(text))
    return end


def csv_of(minted: codes.Minted, session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "amount", "expires", "note", "batch"])
    for code in minted.codes:
        writer.writerow(
            [
                code,
                str(from_micro(minted.amount)),
                last_day(minted.expires_at, session),
                csv_text(minted.note),
                minted.batch,
            ]
        )
    return out.getvalue()


def last_day(expires_at: float | None, session: Session) -> str:
    """The last day a code is good, in the session's zone (the day before the midnight it expires at)."""
    if expires_at is None:
        return ""
    return markdown.when(expires_at - 1, session.tz)[:10]


def minted_head(session: Session, minted: codes.Minted) -> str:
    """**3 new codes worth $5.00 each** · valid through 2027-01-31 · note: spring"""
    count = len(minted.codes)
    head = i18n.tn(
        session.lang,
        "codes_minted",
        count,
        count=number_of(count, session),
        amount=money(minted.amount, session.symbol, exact=True),
    )
    details = []
    if minted.expires_at is not None:
        details.append(session.t("codes_valid_through", date=last_day(minted.expires_at, session)))
    if minted.note:
        details.append(session.t("codes_with_note", note=_shown(minted.note)))
    return head + (" · " + " · ".join(details) if details else "")


async def save_csv(session: Session, minted: codes.Minted) -> tuple[str, dict[str, Any] | None]:
    """The new codes as a CSV file in Open WebUI's file store (the admin's own): its name, and the saved file; None
    when there is no file store or it failed. The codes are minted already: they must be shown whatever happens
    here, so a failure is logged (without the codes) and the answer says to copy them instead."""
    name = f"openwebui-monitor-codes-{session.export_stamp()}-{minted.batch}.csv"
    if session.save_file is None:
        return name, None
    try:
        return name, await session.save_file(session.actor, name, csv_of(minted, session).encode("utf-8"), "text/csv")
    except Exception:  # broad on purpose: Open WebUI's file store (a disk, S3, ...); the codes are shown anyway
        log.warning("openwebui_monitor: the CSV of code batch %d could not be saved", minted.batch, exc_info=True)
        return name, None


def shown_once(session: Session, name: str, saved: dict[str, Any] | None, *, link: bool) -> str:
    """The line under new codes: where their file is, or, without one, that they must be copied now."""
    if saved is None:
        return session.t("codes_shown_once_no_file")
    where = f"[{name}]({saved['url']})" if link else str(saved.get("filename") or name)
    return session.t("codes_shown_once", link=where)


def number_of(count: int, session: Session) -> str:
    return markdown.number(count, session.lang)
