"""Redemption codes: `/codes [search]`, `/codes mint AMOUNT [count:N] [expires:YYYY-MM-DD] [note:TEXT]` and
`/codes revoke CODE|NOTE` for admins; `/redeem CODE` for everyone. The codes are `domain/codes.py`'s; this module
answers them; what minting reads and shows is `code_views`' (the top-up button's too)."""

from __future__ import annotations

from ..app.session import Session
from ..domain import codes
from ..money import money
from ..text import DASH
from ..words import i18n
from . import code_views, markdown
from .cmd_common import number, shown
from .parse import Command


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
    wanted = code_views.terms(session, command.args[0], command.options, command.args[1:])
    minted = await session.mint_codes(wanted.amount, wanted.count, wanted.note, wanted.expires_at)
    name, saved = await code_views.save_csv(session, minted)
    return "\n".join(
        [
            code_views.minted_head(session, minted),
            "",
            "```",
            *minted.codes,
            "```",
            "",
            code_views.shown_once(session, name, saved, link=True),
        ]
    )


# -- revoking and listing ---------------------------------------------------------------------------------


async def revoke(session: Session, command: Command) -> str:
    target = " ".join([command.options.get("note", ""), command.rest]).strip()  # note:spring promo, unquoted
    if not target.strip():
        return session.t("codes_revoke_usage")
    result = await session.revoke_codes(target, note="note" in command.options)
    if not result.found:
        return session.t("codes_revoke_none", target=shown(target))
    if not result.revoked:
        return session.t("codes_revoke_nothing_open")
    return i18n.tn(
        session.lang,
        "codes_revoked",
        result.found,
        count=code_views.number_of(result.revoked, session),
        found=code_views.number_of(result.found, session),
    )


async def listing(session: Session, command: Command) -> str:
    search = command.rest.strip()
    found = await session.code_listing(search, number(command.options.get("page"), 1))
    lang = session.lang
    title = (
        session.t("codes_title_search", search=shown(search), total=code_views.number_of(found.total, session))
        if search
        else session.t("codes_title", total=code_views.number_of(found.total, session))
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
                    code_views.last_day(row["expires_at"], session) or DASH,
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
                total=code_views.number_of(found.total, session),
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
