"""A message the parser did not understand, answered by the admin's assistant model (`app/assistant.py`): the
model's words, then each tool result it used as our own tables (so every number shown comes from our records),
then a footer with the model, its tokens and what the question cost. When the assistant cannot answer (no such
model, an error, the time or the rounds ran out, no balance), the usual help follows the reason."""

from __future__ import annotations

from ..app import assistant as assistant_app
from ..app.assistant import Answer, Assistant, AssistantFailed
from ..app.assistant_tools import ToolResult
from ..app.session import Session
from ..money import money
from . import views
from .cmd_common import help_text, shown
from .markdown import number
from .parse import MAX_INPUT, Command


async def answer(session: Session, command: Command, assistant: Assistant) -> str:
    """The assistant's answer to the session's message, or the help led by why there is none."""
    question = (session.message or command.raw).strip()[:MAX_INPUT]  # a question, not a document to pay for
    try:
        said = await assistant_app.ask(session, question, assistant)
    except AssistantFailed as exc:
        reason = session.t("assistant_failed", reason=exc.params.get("reason", ""))
        return reason + "\n\n" + await help_text(session, command)
    return render(session, said, assistant)


def render(session: Session, said: Answer, assistant: Assistant) -> str:
    """Words, tables, footer."""
    parts = [said.words or session.t("assistant_no_words")]
    for result in said.results:
        table = table_of(session, result)
        if table:
            parts.append(table)
    tokens = said.usage.input_tokens + said.usage.output_tokens
    footer = session.t(
        "assistant_footer" if said.charged else "assistant_footer_free",
        model=shown(assistant.model),
        tokens=("≈" if said.usage.estimated else "") + number(tokens, session.lang),
        cost=money(said.cost, session.symbol, exact=True),
    )
    parts.append(f"*{footer}*")
    return "\n\n".join(parts)


def table_of(session: Session, result: ToolResult) -> str:
    """One tool result as the report it came from; an error result shows nothing (the model's words say it)."""
    rows, lang, symbol = result.rows, session.lang, session.symbol
    who = f"**{shown(rows['who'])}**\n\n" if rows.get("who") else ""
    if result.view == "usage":
        rng = rows["range"]
        if rows["by_day"] or not rows["by_model"]:
            body = [views.totals(rows["totals"], rng, lang, symbol)] if "cached_tokens" in rows["totals"] else []
            body.append(views.by_model(rows["by_model"], rng, lang, symbol, chart=False))
            if rows["by_day"]:
                body.append(views.by_day(rows["by_day"], rng, lang, symbol, chart=False))
        else:
            body = [views.by_model(rows["by_model"], rng, lang, symbol, chart=False)]
        return who + "\n\n".join(body)
    if result.view == "records":
        page, rng, sort = rows["page"], rows["range"], rows["sort"]
        return views.records(page, rng, lang, symbol, session.tz, sort=sort, user=rows["who"], model=rows["model"])
    if result.view == "balance":
        user = rows["user"]
        if user is None:
            return ""
        return who + session.t("answer_balance", balance=money(user["balance"], symbol))
    if result.view == "prices":
        return views.price_list(rows["prices"], lang, symbol)
    if result.view == "top":
        return views.ranking(rows["ranking"], rows["range"], lang, symbol, "cost")
    if result.view == "users":
        return views.users(rows["page"], lang, symbol, session.tz, rows["search"])
    return ""
