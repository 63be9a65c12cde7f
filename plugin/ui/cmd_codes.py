"""Redemption codes: `/codes [search]`, `/codes mint AMOUNT [count:N] [expires:YYYY-MM-DD] [note:TEXT]` and
`/codes revoke CODE|NOTE` for admins; `/redeem CODE` for everyone. The codes are `domain/codes.py`'s; this module
reads the typed options and words the answers (the top-up button mints through `minted` too)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from ..app.session import Session
from ..domain import codes, ranges
from ..errors import InvalidCodeCount, InvalidExpiry
from ..money import from_micro, money, parse_amount
from ..text import DASH
from ..words import i18n
from . import markdown
from .cmd_common import number, shown
from .parse import Command

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
MAX_TYPED_COUNT = 7  # digits of a count worth reading


async def codes_command(session: Session, command: Command) -> str:
    if command.sub == "mint":
        return await mint(session, command)
    if command.sub == "revoke":
        return await revoke(session, command)
    return await listing(session, command)


# -- minting ----------------------------------------------------------------------------------------------


async def mint(session: Session, command: Command) -> str:
    if not command.args:
        return session.t("codes_mint_usage")
    minted = await session.mint_codes(*mint_terms(session, command))
    name, saved = await save_csv(session, minted)
    link = f"[{name}]({saved['url']})" if saved else name
    return "\n".join(
        [minted_head(session, minted), "", "```", *minted.codes, "```", "", session.t("codes_shown_once", link=link)]
    )


def mint_terms(session: Session, command: Command) -> tuple[int, int, str, float | None]:
    """(amount, count, note, expires_at) as `/codes mint AMOUNT [count:N] [expires:DAY] [note:TEXT]` typed them; the
    words after the amount belong to the note (`note:spring promo` unquoted, or no `note:` at all)."""
    amount = parse_amount(command.args[0])
    count = _count(command.options.get("count", "1"))
    expires_at = expiry(session, command.options.get("expires", ""))
    note = " ".join([command.options.get("note", ""), *command.args[1:]]).strip()
    return amount, count, note, expires_at


def _count(text: str) -> int:
    typed = text.strip()
    if not typed.isdigit() or len(typed) > MAX_TYPED_COUNT or not 1 <= int(typed) <= codes.MAX_COUNT:
        raise InvalidCodeCount(count=shown(text), most=codes.MAX_COUNT)
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
        raise InvalidExpiry(text=shown(text))
    end = ranges.between(day, day, session.tz).end
    if end is None or end <= session.now:
        raise InvalidExpiry(text=shown(text))
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
                _last_day(minted.expires_at, session),
                _cell(minted.note),
                minted.batch,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: a leading = + - @ is quoted away."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _last_day(expires_at: float | None, session: Session) -> str:
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
        details.append(session.t("codes_valid_through", date=_last_day(minted.expires_at, session)))
    if minted.note:
        details.append(session.t("codes_with_note", note=shown(minted.note)))
    return head + (" · " + " · ".join(details) if details else "")


async def save_csv(session: Session, minted: codes.Minted) -> tuple[str, dict[str, Any] | None]:
    """The new codes as a CSV file in Open WebUI's file store (the admin's own): its name, and the saved file."""
    name = f"openwebui-monitor-codes-{session.export_stamp()}-{minted.batch}.csv"
    if session.save_file is None:
        return name, None
    return name, await session.save_file(session.actor, name, csv_of(minted, session).encode("utf-8"), "text/csv")


def number_of(count: int, session: Session) -> str:
    return markdown.number(count, session.lang)


# -- revoking and listing ---------------------------------------------------------------------------------


async def revoke(session: Session, command: Command) -> str:
    target = " ".join([command.options.get("note", ""), command.rest]).strip()  # note:spring promo, unquoted
    if not target.strip():
        return session.t("codes_revoke_usage")
    result = await session.revoke_codes(target)
    if not result.found:
        return session.t("codes_revoke_none", target=shown(target))
    if not result.revoked:
        return session.t("codes_revoke_nothing_open")
    return i18n.tn(
        session.lang,
        "codes_revoked",
        result.revoked,
        count=number_of(result.revoked, session),
        found=number_of(result.found, session),
    )


async def listing(session: Session, command: Command) -> str:
    search = command.rest.strip()
    found = await session.code_listing(search, number(command.options.get("page"), 1))
    lang = session.lang
    title = (
        session.t("codes_title_search", search=shown(search), total=number_of(found.total, session))
        if search
        else session.t("codes_title", total=number_of(found.total, session))
    )
    lines = [f"**{title}**", ""]
    if not found.rows:
        lines.append(session.t("codes_none"))
    else:
        header = [
            session.t(key)
            for key in (
                "col_code",
                "col_amount",
                "col_note",
                "col_expires",
                "col_status",
                "col_redeemed_by",
                "col_redeemed_at",
            )
        ]
        rows = []
        for row in found.rows:
            who = " ".join(
                part
                for part in (row["redeemer_name"] or "", f"<{row['redeemer_email']}>" if row["redeemer_email"] else "")
                if part
            )
            rows.append(
                (
                    codes.masked(row["tail"]),
                    money(row["amount"], session.symbol, exact=True),
                    markdown.cell(row["note"]),
                    _last_day(row["expires_at"], session) or DASH,
                    session.t("code_status_" + codes.status(row, session.now)),
                    markdown.cell(who or (row["redeemed_by"] or "")),
                    markdown.when(row["redeemed_at"], session.tz),
                )
            )
        lines += markdown.table(header, "lrllll" + "l", rows)
        lines += [
            "",
            i18n.tn(
                lang,
                "codes_page",
                found.total,
                page=found.page,
                pages=found.pages,
                total=number_of(found.total, session),
            ),
        ]
    if found.guessers:
        lines += ["", f"**{session.t('codes_guessers_title', minutes=codes.GUESS_WINDOW_S // 60)}**", ""]
        for person in found.guessers:
            label = markdown.cell(
                " ".join(part for part in (person["name"], f"<{person['email']}>" if person["email"] else "") if part)
                or person["user_id"]
            )
            key = "codes_guesser_locked" if person["locked"] else "codes_guesser"
            lines.append(
                "- "
                + session.t(
                    key, user=label, count=person["failures"], when=markdown.when(person["last_at"], session.tz)
                )
            )
    return "\n".join(lines)


# -- redeeming --------------------------------------------------------------------------------------------


async def redeem(session: Session, command: Command) -> str:
    typed = "".join(command.args)
    if not typed:
        return session.t("redeem_usage")
    result = await session.redeem(typed)
    return session.t(
        "code_redeemed",
        code=codes.masked(result.tail),
        amount=money(result.amount, session.symbol, exact=True),
        balance=money(result.balance, session.symbol),
    )
