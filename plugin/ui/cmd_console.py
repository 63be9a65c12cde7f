"""`/console [users|models|usage] ...`: the console page (`console.py`) under the reply, and a line saying which
view it is and the command that draws it again. An admin's change made from the console (`/balance add ...`,
`/price ...`) is answered as usual, and `again` puts the console the previous reply showed back under that answer,
with the new state. Normal users get the usage view over their own data, without a change button.

Reads only: the page's buttons send commands, each checked and run by its own handler.
"""

from __future__ import annotations

import re
from typing import Any

from ..app.session import Session
from ..domain import catalogue, reports
from ..domain.reports import Page
from ..errors import InvalidSort
from ..store import Store
from . import console
from .admin_views import person_label
from .cmd_common import model_filter, number, range_of
from .parse import Command, parse, qualifiers

ROWS = 25  # rows a console table shows per page: a screen, not the whole table (10,000 users page by command)
USER_SORTS = {"name": "name", "balance": "balance", "spend": "spend", "cost": "spend", "last": "last", "time": "last"}
RECORD_SORTS = {"time": "time", "cost": "cost", "tokens": "tokens", "balance": "balance"}

# The console command a reply showed (`console_answer` quotes it in backticks, in every language).
_SHOWN = re.compile(r"`(/console(?: [^`\n]*)?)`")
# The changes after which the console comes back: only commands that change what it shows.
_CHANGES = frozenset({"block", "unblock"})
_PRICE_CHANGES = frozenset({"set", "clear", "copy", "undo", "accept", "inherit", "sync", "catalogue"})


def changes_console(command: Command) -> bool:
    """Whether `command` changes something the console shows (a balance, a block, a price)."""
    return (
        command.name in _CHANGES
        or (command.name == "balance" and bool(command.sub))
        or (command.name == "price" and command.sub in _PRICE_CHANGES)
    )


async def again(session: Session) -> str:
    """The console the previous reply showed, drawn again with today's data ("" when it showed none)."""
    found = _SHOWN.search(session.previous)
    if found is None:
        return ""
    return await console_command(session, parse(found.group(1)))


async def console_command(session: Session, command: Command) -> str:
    if session.show_page is None:
        return session.t("console_needs_chat")
    tab = command.sub if session.is_admin and command.sub in console.TABS else "users" if session.is_admin else "usage"
    draw = {"users": _users, "models": _models, "usage": _usage}[tab]
    html, again_command = await draw(session, command)
    await session.show_page(html)
    return session.t("console_answer", view=session.t(f"console_tab_{tab}"), command=again_command)


def _view(session: Session, tab: str, command: str) -> console.View:
    return console.View(
        tab=tab,
        command=command,
        lang=session.lang,
        symbol=session.symbol,
        tz=session.tz,
        admin=session.is_admin,
        live=session.live,
    )


def _direction(found: set[str], default_descending: bool) -> bool:
    return False if "asc" in found else True if "desc" in found else default_descending


async def _users(session: Session, command: Command) -> tuple[str, str]:
    found, search = qualifiers(command.args)
    typed = (command.options.get("sort") or "name").lower()
    if typed not in USER_SORTS:
        raise InvalidSort(text=typed[:40], choices=", ".join(sorted(set(USER_SORTS.values()))))
    sort = USER_SORTS[typed]
    descending = _direction(found, sort != "name")
    directory = await session.directory()
    page_no = number(command.options.get("page"), 1)
    shown: Page = await session.run(
        reports.users, directory, search, page=page_no, page_size=ROWS, sort=sort, descending=descending
    )
    words = ("desc" if descending else "asc", search and console.arg(search))
    again_command = console.command("users", *words, sort=sort, page=shown.page)
    view = _view(session, "users", again_command)
    return console.users(view, shown, sort=sort, descending=descending, search=search), again_command


async def _models(session: Session, command: Command) -> tuple[str, str]:
    _, search = qualifiers(command.args)
    rows = await session.price_list()
    if search:
        needle = search.casefold()
        rows = [r for r in rows if needle in str(r["model_id"]).casefold() or needle in str(r["name"]).casefold()]
    pages = max(1, -(-len(rows) // ROWS))
    page_no = max(1, min(pages, number(command.options.get("page"), 1)))
    shown = Page(rows[(page_no - 1) * ROWS : page_no * ROWS], len(rows), page_no, ROWS)
    # A model priced by nothing but the default: the catalogue entry that looks most like it, to take explicitly.
    ours = {str(m.get("id")) for m in session.models() if session.skip_model(m)}
    near = {}
    for r in shown.rows:
        if str(r["price"].source) == "default" and (entries := catalogue.bundled().near(str(r["model_id"]))):
            near[str(r["model_id"])] = entries[0].id
    again_command = console.command("models", search and console.arg(search), page=page_no)
    view = _view(session, "models", again_command)
    return console.models(view, rows, shown, search=search, near=near, ours=ours), again_command


async def _usage(session: Session, command: Command) -> tuple[str, str]:
    found, rng = range_of(session, command)
    _, rest = qualifiers(command.args)
    range_text = command.options.get("range") or rest or "30d"
    options = command.options
    typed = (options.get("sort") or "time").lower()
    if typed not in RECORD_SORTS:
        raise InvalidSort(text=typed[:40], choices=", ".join(RECORD_SORTS))
    sort = RECORD_SORTS[typed]
    descending = _direction(found, True)
    user_id: str | None = session.user["id"]
    user_query = user_label = ""
    if session.is_admin:
        user_id = None
        if options.get("user"):
            person = await session.find_person(options["user"])
            user_id, user_query, user_label = person["id"], options["user"], person_label(person)
    model_id = await model_filter(session, options["model"]) if options.get("model") else ""
    sel = console.Selection(range_text, rng, user_query, user_label, model_id, sort, descending)
    page_no = number(options.get("page"), 1)
    everyone = user_id is None

    def build(store: Store) -> dict[str, Any]:
        if everyone:
            card: dict[str, Any] = reports.report_card(store, rng)
        else:
            card = reports.totals(store, rng, user_id)
            card = {**card, "total_cost": card["cost"]}
        per_model = reports.by_model(store, rng, user_id)
        if model_id:  # the cards are the model's; the share chart still shows every model for comparison
            mine = next((r for r in per_model if r["model_id"] == model_id), None)
            card = {"total_cost": 0, "calls": 0, "input_tokens": 0, "output_tokens": 0}
            if mine is not None:
                card = {**mine, "total_cost": mine["cost"]}
        return {
            "card": card,
            "slices": reports.fold((r["model_id"], r["cost"]) for r in per_model),
            "ranking": reports.ranking(store, rng, "cost", limit=10) if everyone and not model_id else None,
            "days": reports.by_day(store, rng, session.tz, user_id, now=session.now),
            "records": reports.records(
                store,
                rng,
                user_id=user_id,
                model_id=model_id or None,
                sort=sort,
                descending=descending,
                page=page_no,
                page_size=ROWS,
            ),
            "models": [r["model_id"] for r in per_model],
        }

    data = await session.store.run(build, session.store)
    choices = data["models"] if model_id in data["models"] or not model_id else [*data["models"], model_id]
    again_command = console.command(
        "usage", "desc" if descending else "asc", **sel.options(sort=sort, page=data["records"].page)
    )
    view = _view(session, "usage", again_command)
    html = console.usage(
        view,
        sel,
        card=data["card"],
        slices=data["slices"],
        ranking=data["ranking"],
        days=data["days"],
        records=data["records"],
        model_choices=choices,
    )
    return html, again_command
