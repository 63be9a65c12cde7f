"""The console's three views, each gathered through the session and drawn by `console.py`, from explicit
choices (a tab, a sort, a page, a range): `cmd_console` reads them from a typed command, the dashboard button
asks for the first screen. No command table is read here, so the buttons may use it (tests/test_layers.py).

Reads only: the page's buttons send commands, each checked and run by its own handler.
"""

from __future__ import annotations

from typing import Any

from ..app.session import Session
from ..domain import accounts, catalogue, reports
from ..domain.ranges import Range
from ..domain.reports import Page
from ..store import Store
from . import console

ROWS = 25  # rows a console table shows per page: a screen, not the whole table (10,000 users page by command)


async def show(session: Session, tab: str, html: str, again_command: str) -> str:
    """Put the page under the reply; the answer's line names the view and the command that draws it again."""
    if session.show_page is None:
        return session.t("console_needs_chat")
    await session.show_page(html)
    if "`" in again_command:  # a backtick typed in a search or a name would end the line's code span
        again_command = console.command(tab)
    return session.t("console_answer", view=session.t(f"console_tab_{tab}"), command=again_command)


async def first_screen(session: Session) -> str:
    """What `/console` alone shows: an admin's users by name, a user's own usage over 30 days."""
    if session.is_admin:
        html, again_command = await users(session, search="", sort="name", descending=False, page_no=1)
        return await show(session, "users", html, again_command)
    rng = session.range("30d")
    selection = console.Selection("30d", rng)
    html, again_command = await usage(session, selection, user_id=session.user["id"], page_no=1)
    return await show(session, "usage", html, again_command)


def _view(session: Session, tab: str) -> console.View:
    return console.View(
        tab=tab,
        lang=session.lang,
        symbol=session.symbol,
        tz=session.tz,
        admin=session.is_admin,
        live=session.live,
    )


async def users(session: Session, *, search: str, sort: str, descending: bool, page_no: int) -> tuple[str, str]:
    """One page of people (`reports.users`, a sort of reports.USER_SORTS) and the command that draws it."""
    directory = await session.directory()
    shown: Page = await session.run(
        reports.users, directory, search, page=page_no, page_size=ROWS, sort=sort, descending=descending
    )
    emails = await session.run(accounts.naming_emails, directory, [r["id"] for r in shown.rows])
    names = {user_id: email for user_id, email in emails.items() if console.plain_word(email)}
    words = ("desc" if descending else "asc", search and console.arg(search))
    again_command = console.command("users", *words, sort=sort, page=shown.page)
    view = _view(session, "users")
    page = console.users(view, shown, sort=sort, descending=descending, search=search, names=names)
    return page, again_command


async def models(session: Session, *, search: str, page_no: int) -> tuple[str, str]:
    """One page of the price list (every model Open WebUI lists) and the command that draws it."""
    rows = await session.price_list()
    if search:
        needle = search.casefold()
        rows = [r for r in rows if needle in str(r["model_id"]).casefold() or needle in str(r["name"]).casefold()]
    pages = max(1, -(-len(rows) // ROWS))
    page_no = max(1, min(pages, page_no))
    shown = Page(rows[(page_no - 1) * ROWS : page_no * ROWS], len(rows), page_no, ROWS)
    # A model priced by nothing but the default: the catalogue entry that looks most like it, to take explicitly.
    ours = {str(m.get("id")) for m in session.models() if session.skip_model(m)}
    near = {}
    for r in shown.rows:
        if str(r["price"].source) == "default" and (entries := catalogue.bundled().near(str(r["model_id"]))):
            near[str(r["model_id"])] = entries[0].id
    again_command = console.command("models", search and console.arg(search), page=page_no)
    view = _view(session, "models")
    return console.models(view, shown, search=search, near=near, ours=ours), again_command


async def usage(
    session: Session, selection: console.Selection, *, user_id: str | None, page_no: int
) -> tuple[str, str]:
    """The usage view of `selection` (`user_id`: whose, None for everyone; the selection's model already
    resolved) and the command that draws it."""
    rng: Range = selection.rng
    model_id, sort, descending = selection.model, selection.sort, selection.descending
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
            "days": reports.by_day(store, rng, session.tz, user_id, now=session.now, model_id=model_id or None),
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
        "usage", "desc" if descending else "asc", **selection.options(sort=sort, page=data["records"].page)
    )
    view = _view(session, "usage")
    html = console.usage(
        view,
        selection,
        card=data["card"],
        slices=data["slices"],
        ranking=data["ranking"],
        days=data["days"],
        records=data["records"],
        model_choices=choices,
    )
    return html, again_command
