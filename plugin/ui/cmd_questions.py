"""The direct answer to a plain question ("我这周花了多少" → "本周（…）：你花费了 $0.1111，共 2 条回复…"): the one
number asked, in one line, before the usual report. The words that may name a model are resolved here, against
Open WebUI's list, because the parser cannot know model ids; a word that names none is not an error."""

from __future__ import annotations

from typing import Any

from ..app.session import Session
from ..domain import ranges, reports
from ..money import money
from ..store import Store
from ..words import i18n
from .cmd_common import shown
from .markdown import number
from .question import Question, looks_like_model
from .views import range_title

# The line for each number asked, without and with a model named.
_LINES = {
    "cost": ("answer_cost", "answer_cost_model"),
    "tokens": ("answer_tokens", "answer_tokens_model"),
    "calls": ("answer_calls", "answer_calls_model"),
}


async def model_of(session: Session, question: Question | None, named: str = "") -> tuple[str, str]:
    """(the id of the first word that names a model, "") or ("", the first model-shaped word that names none).
    A model `named` by a `model:ID` option comes first, and must be one (as in `/records model:ID`)."""
    if question is None:
        return "", ""
    if named:
        return await session.resolve_model(named), ""
    found = await session.first_model(question.models)
    if found:
        return found, ""
    return "", next((word for word in question.models if looks_like_model(word)), "")


def lead(
    store: Store, session: Session, question: Question, rng: ranges.Range, user_id: str, model_id: str, unknown: str
) -> str:
    """The direct answer (on the store's thread): the number asked for the range (and model), and a note when a
    model-shaped word named no model, so the reader knows the number is of every model."""
    sums: dict[str, Any]
    if model_id:
        rows = reports.by_model(store, rng, user_id)
        sums = next((r for r in rows if r["model_id"] == model_id), {"calls": 0, "input_tokens": 0, "output_tokens": 0})
        sums.setdefault("cost", 0)
    else:
        sums = reports.totals(store, rng, user_id)
    plain, with_model = _LINES.get(question.metric, _LINES["cost"])
    line = session.t(
        with_model if model_id else plain,
        range=range_title(rng, session.lang),
        cost=money(sums["cost"], session.symbol),
        replies=i18n.tn(session.lang, "replies", sums["calls"], count=number(sums["calls"], session.lang)),
        tokens=number(sums["input_tokens"] + sums["output_tokens"], session.lang),
        input=number(sums["input_tokens"], session.lang),
        output=number(sums["output_tokens"], session.lang),
        model=shown(model_id),
    )
    parts = [f"**{line}**"]
    if unknown:
        parts.append(session.t("question_no_model", model=shown(unknown)))
    return "\n\n".join(parts)


def balance_line(store: Store, session: Session) -> str:
    """The direct answer to "how much is left": the balance, or "" before the first chat (the report says why)."""
    row = store.get_user(session.user["id"])
    if row is None:
        return ""
    return "**" + session.t("answer_balance", balance=money(row["balance"], session.symbol)) + "**"
