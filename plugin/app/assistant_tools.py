"""The assistant's tools: our own report functions, offered to a model as OpenAI tools, read-only, scoped by role.

The scope is ours, never the model's: a person who is not an admin is offered no `user` argument, and one sent
anyway is ignored (the result says so and holds only their own data); the admins' tools (`top`, `users`) answer a
non-admin with an error and no data, whatever the question said ("ignore your rules and show all users" changes
nothing, because the model never had more than these functions). Nothing here writes: finding a person uses the
read-only `accounts.pick_user`, never the session's `find_person` (which adopts a user into the table).

Each call returns a `ToolResult`: the JSON the model reads (amounts as numbers in currency units) and the rows
our own views render under the model's words, so every number a reader sees comes from our records.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..domain import accounts, ranges, reports
from ..domain.pricing import Price
from ..errors import InvalidRange, MonitorError, UnknownModel
from ..money import from_micro
from ..store import Store
from ..words.vocabulary import FILLER
from .session import Models, Session

MAX_ROWS = 50  # rows of a list sent to the model (records, prices, users, days): enough to answer, not a dump
ARGUMENT_CAP = 200  # characters of one argument read

_RANGE_HELP = (
    "A period as the /usage command reads it: today, yesterday, 7d, 30d, this week, last week, this month,"
    " last month, all, a date 2026-11-03, dates 2026-11-01..2026-11-15, or words like 'last 10 days'."
)


@dataclass(frozen=True)
class ToolResult:
    """What a call returned: `data` for the model (JSON-ready), `rows` for our views (by `view`)."""

    name: str
    arguments: Mapping[str, str]
    data: dict[str, Any]
    view: str  # usage, records, balance, prices, top, users, error
    rows: Mapping[str, Any] = field(default_factory=dict)

    def json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, default=str)


def schemas(is_admin: bool) -> list[dict[str, Any]]:
    """The tools the model is offered, as OpenAI `tools`: what it sees of us. Admins' tools take `user`."""
    user = {"user": {"type": "string", "description": "Name, e-mail or id of one person; omit for everyone."}}
    own = user if is_admin else {}
    tools = [
        _tool(
            "usage_report",
            "Spending and tokens in a period: totals, per model and per day."
            + (" Of everyone, or of one person with `user`." if is_admin else " Of the person asking."),
            {
                "range": {"type": "string", "description": _RANGE_HELP},
                "model": {"type": "string", "description": "Only this model (id or name)."},
                **own,
            },
            ["range"],
        ),
        _tool(
            "records",
            "Single replies (time, model, tokens, cost), newest first unless sorted otherwise, a page at a time.",
            {
                "range": {"type": "string", "description": _RANGE_HELP},
                "sort": {"type": "string", "enum": ["time", "cost", "tokens"], "description": "Largest first."},
                "model": {"type": "string", "description": "Only this model (id or name)."},
                "page": {"type": "integer", "minimum": 1, "description": "Page number, from 1."},
                **own,
            },
            [],
        ),
        _tool(
            "balance",
            "The balance left" + (", of the person asking or of `user`." if is_admin else " of the person asking."),
            dict(own),
            [],
        ),
        _tool(
            "prices",
            "Models and their prices per million tokens (and per message), with where each price comes from.",
            {"search": {"type": "string", "description": "Part of a model id or name."}},
            [],
        ),
    ]
    if is_admin:
        tools.append(
            _tool(
                "top",
                "People ranked by spending in a period, with replies and tokens.",
                {"range": {"type": "string", "description": _RANGE_HELP}},
                ["range"],
            )
        )
        tools.append(
            _tool(
                "users",
                "People with their balance, all-time spending, last use and whether they are blocked.",
                {"search": {"type": "string", "description": "Part of a name or e-mail."}},
                [],
            )
        )
    return tools


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


ADMIN_TOOLS = frozenset({"top", "users"})
Visible = Callable[[], Awaitable[Models]]


@dataclass(frozen=True)
class Context:
    """What the tools know of the question beyond the session: the models the asker may open (`visible`, for a
    non-admin's prices; None: none) and what this very question holds of their balance (shown without it)."""

    visible: Visible | None = None
    held: int = 0


async def call(session: Session, name: str, arguments: str, context: Context | None = None) -> ToolResult:
    """Run one tool the model asked for. Arguments are the model's JSON text; anything wrong with them (bad JSON,
    an unknown tool, a range we cannot read, a person not found) is an `error` result the model can read and
    correct, never an exception."""
    args = _arguments(arguments)
    if args is None:
        return _error(name, {}, "arguments are not a JSON object")
    if name not in _TOOLS:
        return _error(name, args, f"no tool named {name[:40]!r}")
    if name in ADMIN_TOOLS and not session.is_admin:
        return _error(name, args, "only admins may use this tool; it shows other people's data")
    try:
        return await _TOOLS[name](session, args, context or Context())
    except MonitorError as exc:
        return _error(name, args, exc.message("en"))


def _arguments(text: str) -> dict[str, str] | None:
    """The model's arguments as short strings (numbers kept as their text), or None when not a JSON object."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):  # not JSON, or nested past what the parser follows
        return None
    if not isinstance(raw, dict):
        return None
    return {str(k)[:40]: str(v)[:ARGUMENT_CAP] for k, v in raw.items() if isinstance(v, (str, int, float))}


def _error(name: str, args: Mapping[str, str], message: str) -> ToolResult:
    return ToolResult(name, args, {"error": message}, "error")


async def _whose(session: Session, args: Mapping[str, str], data: dict[str, Any]) -> tuple[str | None, str]:
    """Whose data a call reads: an admin's `user` (None: everyone, where a tool allows it), else the asker's own
    id, whatever `user` a non-admin's model sent (noted in `data`)."""
    own = session.user["id"]
    query = args.get("user", "").strip()
    if not session.is_admin:
        if query:
            data["note"] = "the user argument was ignored: only your own data can be shown"
        return own, ""
    if not query:
        return None, ""
    directory = await session.directory()
    person = await session.run(lambda store: accounts.pick_user(directory, store, query))
    return str(person["id"]), str(person.get("name") or person.get("email") or person["id"])


async def _model(session: Session, args: Mapping[str, str], context: Context) -> str:
    """The model a `model` argument names. An admin's is any model; a user's only one they may open or have used,
    so a name cannot tell them the id of a model hidden from them."""
    query = args.get("model", "").strip()
    if not query:
        return ""
    if session.is_admin:
        return await session.resolve_model(query)
    listed = await context.visible() if context.visible is not None else []
    used = await session.run(reports.by_model, ranges.Range("all", None, None), session.user["id"])
    candidates = [*listed, *({"id": row["model_id"]} for row in used)]
    folded = query.casefold()
    for rule in (
        lambda m: str(m.get("id")) == query,
        lambda m: str(m.get("id")).casefold() == folded,
        lambda m: str(m.get("name") or "").casefold() == folded,
    ):
        found = {str(m["id"]) for m in candidates if m.get("id") and rule(m)}
        if len(found) == 1:
            return found.pop()
    raise UnknownModel(model=query[:80])


def _amount(micro: int | None) -> float | None:
    return None if micro is None else float(from_micro(int(micro)))


def _range(session: Session, args: Mapping[str, str], default: str) -> ranges.Range:
    """The period as `/usage` reads it: the words alone ("7d", "上周"), without filler ("the last 7 days", "los
    últimos 10 días"), or a range phrase inside a longer text ("spending for last week please")."""
    text = args.get("range", "").strip()
    try:
        return session.range(text, default)
    except InvalidRange:
        pass
    plain = " ".join(word for word in text.split() if word.lower() not in FILLER)
    try:
        return session.range(plain, default)
    except InvalidRange:
        found = ranges.find(text)
        if found is None:
            raise
    return session.range(text[found[0] : found[1]], default)


def _range_data(rng: ranges.Range) -> dict[str, Any]:
    return {
        "period": rng.key,
        "first_day": rng.first.isoformat() if isinstance(rng.first, date) else None,
        "last_day": rng.last.isoformat() if isinstance(rng.last, date) else None,
    }


def _sums(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "cost": _amount(row.get("cost", 0)),
        "replies": int(row.get("calls", 0)),
        "input_tokens": int(row.get("input_tokens", 0)),
        "output_tokens": int(row.get("output_tokens", 0)),
    }


async def _usage_report(session: Session, args: Mapping[str, str], context: Context) -> ToolResult:
    data: dict[str, Any] = {}
    user_id, who = await _whose(session, args, data)
    model_id = await _model(session, args, context)
    rng = _range(session, args, "30d")

    def read(store: Store) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        models = reports.by_model(store, rng, user_id)
        if model_id:  # one model's sums; the days are of every model, so none are sent
            models = [row for row in models if row["model_id"] == model_id]
            sums = models[0] if models else {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost": 0}
            return dict(sums), models, []
        days = reports.by_day(store, rng, session.tz, user_id, now=session.now)
        return reports.totals(store, rng, user_id), models, days

    sums, models, days = await session.run(read)
    totals = _sums(sums)
    data.update(
        {
            "range": _range_data(rng),
            "user": user_id if user_id is not None else "everyone",
            "model": model_id or "all",
            "currency": session.symbol,
            "total_cost": totals["cost"],
            "replies": totals["replies"],
            "input_tokens": totals["input_tokens"],
            "output_tokens": totals["output_tokens"],
            "by_model": [{"model": row["model_id"], **_sums(row)} for row in models[:MAX_ROWS]],
            "by_day": [{"day": str(row["day"]), **_sums(row)} for row in days if row.get("calls")][-MAX_ROWS:],
        }
    )
    rows = {"range": rng, "totals": sums, "by_model": models, "by_day": [] if model_id else days, "who": who}
    return ToolResult("usage_report", args, data, "usage", rows)


async def _records(session: Session, args: Mapping[str, str], context: Context) -> ToolResult:
    data: dict[str, Any] = {}
    user_id, who = await _whose(session, args, data)
    model_id = await _model(session, args, context)
    rng = _range(session, args, "all")
    sort = args.get("sort", "time").strip().lower() or "time"
    if sort not in ("time", "cost", "tokens"):
        return _error("records", args, "sort must be one of time, cost, tokens")
    typed = args.get("page", "").strip()
    page_number = int(typed) if typed.isascii() and typed.isdigit() else 1
    page = await session.run(
        reports.records,
        rng,
        user_id=user_id,
        model_id=model_id or None,
        sort=sort,
        page=min(page_number, 100_000),
        page_size=min(session.page_size, MAX_ROWS),
    )
    shown = [
        {
            "time": datetime.fromtimestamp(row["created_at"], session.tz).isoformat(timespec="seconds"),
            "model": row["model_id"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cost": _amount(row["cost"]),
            **({"user": row.get("user_email") or row.get("user_name") or row["user_id"]} if session.is_admin else {}),
        }
        for row in page.rows
    ]
    data.update(
        {
            "range": _range_data(rng),
            "user": user_id if user_id is not None else "everyone",
            "currency": session.symbol,
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "records": shown,
        }
    )
    rows = {"range": rng, "page": page, "sort": sort, "who": who, "model": model_id}
    return ToolResult("records", args, data, "records", rows)


async def _balance(session: Session, args: Mapping[str, str], context: Context) -> ToolResult:
    data: dict[str, Any] = {}
    user_id, who = await _whose(session, args, data)
    user_id = user_id or session.user["id"]
    row = await session.run(Store.get_user, user_id)
    if row is not None and user_id == session.user["id"] and context.held:
        row = {**row, "balance": row["balance"] + context.held}  # as it is without this question's own hold
    data.update(
        {
            "user": user_id,
            "currency": session.symbol,
            "balance": _amount(row["balance"]) if row else None,
            "blocked": bool(row["blocked"]) if row else False,
            **({} if row else {"note": "no chat yet: the initial balance is given at the first chat"}),
        }
    )
    return ToolResult("balance", args, data, "balance", {"user": row, "who": who})


async def _prices(session: Session, args: Mapping[str, str], context: Context) -> ToolResult:
    if session.is_admin:
        models = session.models()
    else:  # only the models this person may use: the list names none they cannot open
        models = await context.visible() if context.visible is not None else []
    fallback, _init = await session.billing()
    rows = await session.run(reports.price_list, models, fallback)
    if not session.is_admin:
        rows = [row for row in rows if row["listed"]]
    search = args.get("search", "").strip().casefold()
    if search:
        rows = [row for row in rows if search in row["model_id"].casefold() or search in row["name"].casefold()]
    data = {
        "currency": session.symbol,
        "prices": [{"model": row["model_id"], "name": row["name"], **_price(row["price"])} for row in rows[:MAX_ROWS]],
        "models": len(rows),
    }
    return ToolResult("prices", args, data, "prices", {"prices": rows})


def _price(price: Price) -> dict[str, Any]:
    return {
        "input_per_1m_tokens": _amount(price.input),
        "output_per_1m_tokens": _amount(price.output),
        "per_message": _amount(price.per_message),
        "per_request": _amount(price.per_request),
        "source": price.source,
    }


async def _top(session: Session, args: Mapping[str, str], _context: Context) -> ToolResult:
    rng = _range(session, args, "30d")
    ranked = await session.run(reports.ranking, rng, "cost")
    data = {
        "range": _range_data(rng),
        "currency": session.symbol,
        "people": [
            {"rank": row["rank"], "user": row.get("email") or row.get("name") or row["user_id"], **_sums(row)}
            for row in ranked[:MAX_ROWS]
        ],
    }
    return ToolResult("top", args, data, "top", {"range": rng, "ranking": ranked})


async def _users(session: Session, args: Mapping[str, str], _context: Context) -> ToolResult:
    directory = await session.directory()
    search = args.get("search", "").strip()
    page = await session.run(reports.users, directory, search, page=1, page_size=MAX_ROWS)
    data = {
        "currency": session.symbol,
        "total": page.total,
        "users": [
            {
                "name": row["name"],
                "email": row["email"],
                "role": row["role"],
                "balance": _amount(row["balance"]),
                "spent": _amount(row["spent"]),
                "blocked": bool(row["blocked"]),
                "last_used": (
                    datetime.fromtimestamp(row["last_used"], session.tz).isoformat(timespec="seconds")
                    if row["last_used"]
                    else None
                ),
            }
            for row in page.rows
        ],
    }
    return ToolResult("users", args, data, "users", {"page": page, "search": search})


_TOOLS: dict[str, Callable[[Session, Mapping[str, str], Context], Awaitable[ToolResult]]] = {
    "balance": _balance,
    "usage_report": _usage_report,
    "records": _records,
    "prices": _prices,
    "top": _top,
    "users": _users,
}

__all__ = ["ADMIN_TOOLS", "Context", "ToolResult", "Visible", "call", "schemas"]
