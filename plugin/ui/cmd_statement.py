"""`/statement [YYYY-MM]`: the reader's monthly statement (admins: `/statement USER YYYY-MM`, anyone's): the opening
balance, each top-up, redemption, refill, reset, set, deduction and block, the chat spend per model and the closing
balance, in the reader's language and time zone, with the same lines as a CSV file. The numbers are
`domain/statements.py`'s; every typed text (names, reasons, model ids) is quoted with `markdown.cell`."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import datetime, tzinfo

from ..app.session import Session
from ..domain import ranges, statements
from ..domain.exchange import csv_text, decimal_text
from ..errors import AdminOnly, InvalidRange
from ..money import money
from ..words.vocabulary import FILLER
from . import markdown
from .admin_views import person_label
from .cmd_common import shown
from .parse import Command

# 2026-11, 2026/11, 2026.11, 2026年11月
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?$")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such text gets a leading '.


def read_month(text: str, now: float, tz: tzinfo | None) -> tuple[int, int] | None:
    """(year, month) as typed (2026-11, or a month's name: "last month", "上个月", "el mes pasado"), this month when
    nothing is; None when the text is no month a statement covers."""
    if not text.strip():
        day = ranges.today(now, tz)
        return day.year, day.month
    named = _named(text, now, tz)
    if named is not None:
        return named
    match = _MONTH.match(text.strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (statements.FIRST_YEAR <= year <= statements.LAST_YEAR and 1 <= month <= 12):
        return None
    return year, month


def _named(text: str, now: float, tz: tzinfo | None) -> tuple[int, int] | None:
    """The month a range's name means ("month", "last month", in every language), else None."""
    try:
        rng = ranges.parse(text, now=now, tz=tz)
    except InvalidRange:
        return None
    if rng.key not in ("month", "last_month") or rng.first is None:
        return None
    return rng.first.year, rng.first.month


_FILLER = FILLER | {"for", "of", "from", "del", "de", "para", "en"}


def _names_someone(command: Command, who: str) -> bool:
    """Whether a user's words name another person (an e-mail, or `user:NAME`), so they must be told it is for
    admins: other words around the command are a sentence, not a name."""
    return "user" in command.options or "@" in who


def split_args(command: Command) -> tuple[str, str]:
    """(who, month text): the month is the last word when it holds a digit, or the longest last words that name a
    month ("bob last month"); the words before it (or `user:NAME`) name a person."""
    words = list(command.args)
    month = ""
    if words and any(ch.isdigit() for ch in words[-1]):
        month = words.pop()
    else:
        for start in range(len(words)):
            if _named(" ".join(words[start:]), 0.0, None) is not None:
                words, month = words[:start], " ".join(words[start:])
                break
    words = [word for word in words if word.lower().strip(",.?¿!¡") not in _FILLER]  # "for last month", "del mes"
    who = command.options.get("user") or " ".join(words)
    return who.strip(), month


async def statement(session: Session, command: Command) -> str:
    who, month_text = split_args(command)
    month = read_month(month_text, session.now, session.tz)
    if month is None:
        return session.t("statement_bad_month", text=shown(month_text))
    if who and not session.is_admin and not _names_someone(command, who):
        who = ""  # "what is a statement?", "对账单是什么": words, not a person; the reader's own statement
    if who and not session.is_admin:
        own = await statement(session, Command("statement", args=(month_text,) if month_text else ()))
        return AdminOnly().message(session.lang) + "\n\n" + own
    user_id, label = session.user["id"], ""
    if who:
        person = await session.find_person(who)
        user_id, label = person["id"], person_label(person)
    rng = statements.month_range(*month, session.tz)
    assert rng.start is not None and rng.end is not None
    result: statements.Statement = await session.run(statements.statement, user_id, rng.start, rng.end)
    result = await _named_actors(session, result)
    name = f"{month[0]:04d}-{month[1]:02d}"
    parts = [render(result, session, name, label)]
    data = to_csv(result, session)
    if session.save_file is not None:
        file_name = f"openwebui-monitor-statement-{name}-{session.export_stamp()}.csv"
        saved = await session.save_file(session.actor, file_name, data.encode("utf-8"), "text/csv")
        parts.append(session.t("statement_csv", link=f"[{file_name}]({saved['url']})"))
    return "\n\n".join(parts)


async def _named_actors(session: Session, result: statements.Statement) -> statements.Statement:
    """Actors our table does not know (an admin who never chatted) named from Open WebUI's directory."""
    missing = {line.actor for line in result.lines if line.actor != statements.SYSTEM} - set(result.names)
    if not missing:
        return result
    people = {str(p.get("id")): str(p.get("name") or p.get("email") or "") for p in await session.directory()}
    found = {actor: people[actor] for actor in missing if people.get(actor)}
    return replace(result, names={**result.names, **found})


def _category(session: Session, key: str) -> str:
    return session.t(f"statement_kind_{key}")


def _actor(result: statements.Statement, session: Session, actor: str) -> str:
    if actor == statements.SYSTEM:
        return session.t("statement_system")
    return result.names.get(actor, actor)


def _model(session: Session, model_id: str) -> str:
    return model_id or session.t("statement_unknown_model")


def render(result: statements.Statement, session: Session, month: str, label: str = "") -> str:
    """The statement as Markdown: title, opening balance, the entries, the spend per model, the closing balance."""
    symbol, tz = session.symbol, session.tz
    title = session.t("statement_title_user", month=month, user=shown(label)) if label else None
    parts = [title or session.t("statement_title", month=month)]
    if result.end > session.now:
        parts.append(session.t("statement_in_progress"))
    first = datetime.fromtimestamp(result.start, tz).strftime("%Y-%m-%d")
    parts.append(session.t("statement_opening", day=first, amount=money(result.opening, symbol, exact=True)))
    if result.lines:
        header = [session.t(k) for k in ("col_time", "statement_col_entry", "statement_col_detail")]
        header += [session.t("statement_col_by"), session.t("statement_col_amount")]
        rows = [
            [
                markdown.when(line.at, tz),
                _category(session, line.category),
                markdown.cell(line.detail),
                markdown.cell(_actor(result, session, line.actor)),
                money(line.amount, symbol, exact=True),
            ]
            for line in result.lines
        ]
        parts.append("\n".join(markdown.table(header, "llllr", rows)))
    else:
        parts.append(session.t("statement_no_entries"))
    if result.spend:
        header = [session.t("col_model"), session.t("statement_col_requests"), session.t("statement_col_amount")]
        rows = [
            [
                markdown.cell(_model(session, item.model_id)),
                markdown.number(item.requests, session.lang),
                money(item.amount, symbol, exact=True),
            ]
            for item in result.spend
        ]
        requests = sum(item.requests for item in result.spend)
        total = [
            session.t("row_total"),
            markdown.number(requests, session.lang),
            money(result.chat_total, symbol, exact=True),
        ]
        rows.append([f"**{cell}**" for cell in total])
        parts.append(session.t("statement_spend_title") + "\n\n" + "\n".join(markdown.table(header, "lrr", rows)))
    else:
        parts.append(session.t("statement_no_spend"))
    parts.append(session.t("statement_closing", amount=money(result.closing, symbol, exact=True)))
    zone = getattr(tz, "key", None) if tz is not None else None
    parts.append(session.t("statement_zone", zone=shown(zone) if zone else session.t("statement_server_zone")))
    return "\n\n".join(parts)


def to_csv(result: statements.Statement, session: Session) -> str:
    """The statement's lines as CSV (UTF-8 with a byte order mark, for Excel): the opening balance, each entry,
    each model's spend and the closing balance; amounts are exact decimals, times ISO 8601 in the reader's zone."""
    tz = session.tz
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    keys = ("col_time", "statement_col_entry", "statement_col_detail", "statement_col_by")
    writer.writerow(
        [session.t(k) for k in keys] + [session.t("statement_col_requests"), session.t("statement_col_amount")]
    )
    writer.writerow(
        [_iso(result.start, tz), session.t("statement_opening_row"), "", "", "", decimal_text(result.opening)]
    )
    for line in result.lines:
        writer.writerow(
            [
                _iso(line.at, tz),
                _category(session, line.category),
                csv_text(line.detail),
                csv_text(_actor(result, session, line.actor)),
                "",
                decimal_text(line.amount),
            ]
        )
    for item in result.spend:
        writer.writerow(
            [
                "",
                session.t("statement_chat_row"),
                csv_text(_model(session, item.model_id)),
                "",
                item.requests,
                decimal_text(item.amount),
            ]
        )
    writer.writerow(
        [_iso(result.end, tz), session.t("statement_closing_row"), "", "", "", decimal_text(result.closing)]
    )
    return "\ufeff" + out.getvalue()


def _iso(ts: float, tz: tzinfo | None) -> str:
    moment = datetime.fromtimestamp(ts, tz) if tz is not None else datetime.fromtimestamp(ts).astimezone()
    return moment.isoformat(timespec="seconds")
