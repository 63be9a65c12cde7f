"""What each button under a reply does: usage of this message, the dashboard, testing every model, balance
changes and blocks, prices, export. Pure logic over a `Press` (who pressed what, the `Session` it runs in, and
Open WebUI's dialog call as a plain callable), so it is tested with a fake dialog and no server.

Admin writes and exports are `Session` operations, the same ones the pipe's commands call; reports are `reports`
queries; this module only asks (dialogs), confirms, and words the outcome (`views`, `admin_views`).

Every outcome but a cancellation is a page (`dashboard.note` for words, the dashboard or the test table) shown as
a card under the reply; a button never writes the status line, which belongs to the reply's cost notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..app import model_tests
from ..app.session import Session
from ..domain import accounts, price_admin, reports
from ..errors import InvalidAmount, MonitorError
from ..money import money, parse_amount
from ..store import Store
from ..text import quoted
from ..words import i18n
from ..words.vocabulary import SET_PREFIXES as _SET
from ..words.vocabulary import SUBCOMMANDS, SYNONYMS
from . import admin_views, code_views, console_pages, dashboard, views
from .admin_views import person_label, said, shown_models

ADMIN_BUTTONS = frozenset({"test_models", "topup", "prices", "export"})  # the dashboard: own data for users
TITLES = {  # the card's heading per button: the words of the button itself
    "usage": "usage_title",
    "dashboard": "dash_title",
    "test_models": "test_title",
    "topup": "topup_title",
    "prices": "prices_button_title",
    "export": "export_title",
}
MODEL_CAP = 200  # characters of a model id on a usage card


class DialogUnavailable(MonitorError):
    """The dialog could not be shown (no live browser session): params `error`."""

    key = "dialog_unavailable"


@dataclass
class Outcome:
    """What a button leaves behind: its answer in words (`text`, or `lines` when it has several parts), the page
    shown under the reply (`html`; `press` makes one from the words when a handler has none), downloadable files.
    The words are the pipe's (`admin_views.said`, errors' messages): Markdown with everything typed escaped,
    which `dashboard.note` shows as it reads, so a usage line quotes its model id the same way.
    A cancelled press leaves nothing under the reply: the front-end only says so in passing."""

    text: str
    html: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class Press:
    """One press of a button under the message (chat_id, message_id)."""

    session: Session
    chat_id: str
    message_id: str
    ask: Callable[[dict[str, Any]], Awaitable[Any]] | None = None  # Open WebUI's __event_call__
    progress: Callable[[str], Awaitable[None]] | None = None  # a page shown while working (HTML)
    complete: Callable[[str, str], Awaitable[str]] | None = None  # (model id, prompt) -> reply text
    skip_model: Callable[[Mapping[str, Any]], bool] = lambda _model: False

    def t(self, key: str, **params: Any) -> str:
        return self.session.t(key, **params)

    def tn(self, key: str, n: int, /, **params: Any) -> str:
        """`key` said of `n` things ("1 of 1 model answered"; see i18n.tn)."""
        return i18n.tn(self.session.lang, key, n, **params)


async def press(button: str, p: Press) -> Outcome:
    """Run one button. Admin buttons refuse everyone else politely, before anything is read or asked."""
    handler = _BUTTONS.get(button)
    if handler is None:
        return Outcome(p.t("error_generic"))
    if button in ADMIN_BUTTONS and not p.session.is_admin:
        outcome = Outcome(p.t("button_admin_only"))
    else:
        try:
            outcome = await handler(p)
        except MonitorError as exc:
            outcome = Outcome(exc.message(p.session.lang))
    if not outcome.html and not outcome.cancelled:
        outcome.html = dashboard.note(p.t(TITLES[button]), outcome.lines or [outcome.text], p.session.lang)
    return outcome


def _cancelled(p: Press) -> Outcome:
    return Outcome(p.t("button_cancelled"), cancelled=True)


# -- dialogs ------------------------------------------------------------------------------------------------


async def _input(p: Press, title: str, message: str, placeholder: str = "", value: str = "") -> str | None:
    """The admin's typed answer (stripped), None on cancel; raises DialogUnavailable without a browser."""
    if p.ask is None:
        raise DialogUnavailable(error="no session")
    data = {"title": title, "message": message, "placeholder": placeholder, "value": value}
    answer = await p.ask({"type": "input", "data": data})
    if isinstance(answer, Mapping) and "error" in answer:
        raise DialogUnavailable(error=str(answer["error"])[:200])
    if answer is None or answer is False:
        return None
    return str(answer).strip()


async def _confirm(p: Press, title: str, message: str) -> bool:
    if p.ask is None:
        raise DialogUnavailable(error="no session")
    answer = await p.ask({"type": "confirmation", "data": {"title": title, "message": message}})
    if isinstance(answer, Mapping) and "error" in answer:
        raise DialogUnavailable(error=str(answer["error"])[:200])
    return answer is True


# -- usage of this message ----------------------------------------------------------------------------------


async def _usage(p: Press) -> Outcome:
    """This message's record. Others' messages are as invisible as unbilled ones (an admin sees all)."""
    record = await p.session.message_usage(p.chat_id, p.message_id)
    if record is None:
        return Outcome(p.t("message_not_billed"))
    lines = usage_lines(record, p.session.lang, p.session.symbol, p.session.tz)
    return Outcome(" | ".join(lines), lines=lines)


def usage_lines(record: Mapping[str, Any], lang: str, symbol: str, tz: Any = None) -> list[str]:
    """The parts of a message's record, one per line of its card."""
    t = i18n.t
    tokens = t(
        lang,
        "usage_tokens_detail",
        input=record["input_tokens"],
        output=record["output_tokens"],
        cached=record["cached_tokens"],
        reasoning=record["reasoning_tokens"],
    )
    if record["estimated"]:
        tokens += t(lang, "estimated")
    items = [
        quoted(record["model_id"], MODEL_CAP),
        tokens,
        t(lang, "cost", amount=money(record["cost"], symbol, exact=True)),
        t(lang, "usage_price_source", source=views.price_source(str(record["price_source"]), lang)),
        t(lang, "usage_balance_after", amount=money(record["balance_after"], symbol)),
    ]
    elapsed_ms = record.get("elapsed_ms")
    if elapsed_ms:
        seconds = elapsed_ms / 1000
        items.append(t(lang, "time", seconds=f"{seconds:.2f}"))
        items.append(t(lang, "speed", rate=f"{record['output_tokens'] / seconds:.1f}"))
    items.append(datetime.fromtimestamp(record["created_at"], tz).strftime("%Y-%m-%d %H:%M:%S"))
    return items


# -- dashboard ----------------------------------------------------------------------------------------------


async def _dashboard(p: Press) -> Outcome:
    """Admins see everyone; anyone else their own numbers. Without a browser session the range is 30 days."""
    text = "30d"
    try:
        answer = await _input(p, p.t("dash_title"), p.t("dash_range_prompt"), "30d", "30d")
    except DialogUnavailable:  # read-only, so no question is no harm: the default range
        answer = text
    if answer is None:
        return _cancelled(p)
    text = answer or text
    if text.casefold() in _CONSOLE:  # "console": the clickable console instead (read-only outside the monitor)
        return await _console(p)
    rng = p.session.range(text)
    session = p.session
    user_id = None if session.is_admin else session.user.get("id", "")

    def build(store: Store) -> str:
        if user_id is None:
            card = reports.report_card(store, rng)
            ranking: list[dict[str, Any]] | None = reports.ranking(store, rng, "cost", limit=dashboard.RANK_ROWS)
        else:
            card, ranking = reports.totals(store, rng, user_id), None
            card = {**card, "total_cost": card["cost"]}
        return dashboard.dashboard(
            card=card,
            slices=reports.distribution(store, rng, "cost", user_id=user_id),
            ranking=ranking,
            days=reports.by_day(store, rng, session.tz, user_id, now=session.now),
            rng=rng,
            lang=session.lang,
            symbol=session.symbol,
            who="" if user_id is None else session.user.get("name") or session.user.get("email", ""),
        )

    page = await session.store.run(build, session.store)
    return Outcome(p.t("dash_done", range=views.range_title(rng, session.lang)), html=page)


_CONSOLE = frozenset(word.casefold() for word in SYNONYMS["console"])


async def _console(p: Press) -> Outcome:
    """The console (`cmd_console`) as a card under the reply: paged, sorted and changed by commands when this chat's
    model is the Usage Monitor (`Session.live`), read as it is under any other model's reply."""
    pages: list[str] = []

    async def keep(page: str) -> None:
        pages.append(page)

    said = await console_pages.first_screen(replace(p.session, show_page=keep))
    return Outcome(said, html=pages[-1] if pages else "")


# -- balances and blocks ------------------------------------------------------------------------------------

_BLOCK = frozenset(SYNONYMS["block"])
_UNBLOCK = frozenset(SYNONYMS["unblock"])


async def _topup(p: Press) -> Outcome:
    """Who (email or name), then what: `5` adds, `-2` deducts, `=10` sets, `block` / `unblock`; then a
    confirmation. Every change is a ledger row with the admin as actor."""
    session = p.session
    query = await _input(p, p.t("topup_title"), p.t("topup_user_prompt"), "name@example.com")
    if not query:
        return _cancelled(p)
    if query.lower() in _MINT:
        return await _mint(p)
    person = await session.find_person(query)
    label = person_label(person)
    state = p.t("status_blocked") if person["blocked"] else p.t("status_active")
    what = await _input(
        p,
        p.t("topup_title"),
        p.t("topup_amount_prompt", user=label, balance=money(person["balance"], session.symbol), state=state),
        "5",
    )
    if not what:
        return _cancelled(p)
    word = what.lower()
    op, amount = "add", 0
    if word in _BLOCK or word in _UNBLOCK:
        op = "block" if word in _BLOCK else "unblock"
        question = p.t(f"confirm_{op}", user=label)
    else:
        prefix = next((s for s in _SET if word.startswith(s)), "")
        if prefix:
            op, amount = "set", parse_amount(what[len(prefix) :].strip())
            question = p.t("confirm_set", user=label, amount=money(amount, session.symbol, exact=True))
        else:
            amount = parse_amount(what, allow_negative=True)
            if amount == 0:
                raise InvalidAmount(text=what[:80])
            key = "confirm_add" if amount > 0 else "confirm_deduct"
            question = p.t(key, user=label, amount=money(abs(amount), session.symbol, exact=True))
    if not await _confirm(p, p.t("topup_title"), question):
        return _cancelled(p)
    reason = accounts.VIA_BUTTON
    if op in ("block", "unblock"):
        change: Any = await session.block(person["id"], op == "block")
    elif op == "set":
        change = await session.set_balance(person["id"], amount, reason)
    else:
        change = await session.add_balance(person["id"], amount, reason)
    return Outcome(said(change, session.lang, session.symbol))


_MINT = frozenset(SYNONYMS["codes"]) | frozenset(SUBCOMMANDS["codes"]["mint"])


async def _mint(p: Press) -> Outcome:
    """Redemption codes instead of one person's balance: amount and options as `/codes mint` takes them, then a
    confirmation; the codes are shown once, in the card and in a CSV file under the reply."""
    session = p.session
    typed = await _input(p, p.t("topup_title"), p.t("codes_button_prompt"), "5 count:10")
    wanted = code_views.form(session, typed or "")
    if wanted is None:
        return _cancelled(p)
    amount = money(wanted.amount, session.symbol, exact=True)
    question = p.tn("confirm_mint", wanted.count, count=wanted.count, amount=amount)
    if not await _confirm(p, p.t("topup_title"), question):
        return _cancelled(p)
    minted = await session.mint_codes(wanted.amount, wanted.count, wanted.note, wanted.expires_at)
    name, saved = await code_views.save_csv(session, minted)
    lines = [code_views.minted_head(session, minted), *(f"`{code}`" for code in minted.codes)]
    lines.append(code_views.shown_once(session, name, saved, link=False))
    return Outcome("\n".join(lines), files=[saved] if saved else [], lines=lines)


# -- prices -------------------------------------------------------------------------------------------------

_INHERIT = frozenset(SUBCOMMANDS["price"]["inherit"])
_SYNC = frozenset(SUBCOMMANDS["price"]["sync"])
_CATALOGUE = frozenset(SUBCOMMANDS["price"]["catalogue"])
_UNDO = frozenset(SUBCOMMANDS["price"]["undo"])


async def _prices(p: Press) -> Outcome:
    """A model and its new prices (`input output [per message]`, per 1M tokens; `-` keeps one, `off` unsets),
    or `inherit` to copy base-model prices to workspace models, `sync` to pin the prices connections report,
    `catalogue` to pin the bundled catalogue's, `undo` to revert the last price change; what would change is
    confirmed first."""
    session = p.session
    target = await _input(p, p.t("prices_button_title"), p.t("prices_model_prompt"), "gpt-4o")
    if not target:
        return _cancelled(p)
    if target.lower() in _SYNC:
        preview = await session.sync_connection_prices(dry_run=True)
        if not preview.changed:
            return Outcome(said(preview, session.lang, session.symbol))
        if not await _confirm(p, p.t("prices_button_title"), p.t("confirm_sync", models=shown_models(preview.changed))):
            return _cancelled(p)
        return Outcome(said(await session.sync_connection_prices(), session.lang, session.symbol))
    if target.lower() in _CATALOGUE:
        return await _catalogue(p)
    if target.lower() in _UNDO:
        return await _undo(p)
    if target.lower() in _INHERIT:
        copies = await session.inherit_prices(dry_run=True)
        if not copies.copied:
            return Outcome(said(copies, session.lang, session.symbol))
        listed = admin_views.shown_pairs(copies.copied)
        if not await _confirm(p, p.t("prices_button_title"), p.t("confirm_inherit", models=listed)):
            return _cancelled(p)
        return Outcome(said(await session.inherit_prices(), session.lang, session.symbol))
    model_id = await session.resolve_model(target)
    before = await session.price_of(model_id)
    current = said(price_admin.PriceChange("price_set", model_id, before), session.lang, session.symbol)
    typed = await _input(p, p.t("prices_button_title"), p.t("prices_values_prompt", current=current), "1.5 6")
    if not typed:
        return _cancelled(p)
    words = typed.replace(",", " ").split()
    if not 1 <= len(words) <= 3:
        raise InvalidAmount(text=typed[:80])
    values = dict(zip(("input", "output", "per_msg"), words, strict=False))
    prices = {key: value for key, value in values.items() if value != "-"}
    for key, value in prices.items():  # validate before asking, so a typo is reported, not confirmed
        price_admin.parse_price(value, per_message=key == "per_msg")
    shown = ", ".join(f"{key} {value}" for key, value in prices.items())
    if not await _confirm(
        p, p.t("prices_button_title"), p.t("confirm_price", model=shown_models([model_id]), prices=shown)
    ):
        return _cancelled(p)
    return Outcome(said(await session.set_price(model_id, **prices), session.lang, session.symbol))


async def _catalogue(p: Press) -> Outcome:
    """The catalogue sync's preview (new, changed, near misses) in the confirmation; near misses alone have
    nothing to apply: the preview is the answer, and `/price accept` takes one."""
    session = p.session
    preview = await session.sync_catalogue_prices(dry_run=True)
    summary = said(preview, session.lang, session.symbol)
    if not preview.models:
        return Outcome(summary)
    if not await _confirm(p, p.t("prices_button_title"), p.t("confirm_catalogue", summary=summary)):
        return _cancelled(p)
    return Outcome(said(await session.sync_catalogue_prices(), session.lang, session.symbol))


async def _undo(p: Press) -> Outcome:
    """What the last price change was, confirmed, then reverted (a whole sync at once)."""
    session = p.session
    last = await session.last_price_change()
    if not last.models:
        return Outcome(said(last, session.lang, session.symbol))
    question = p.t("confirm_undo", action=last.action, models=shown_models(last.models))
    if not await _confirm(p, p.t("prices_button_title"), question):
        return _cancelled(p)
    return Outcome(said(await session.undo_price_change(batch=last.batch), session.lang, session.symbol))


# -- export -------------------------------------------------------------------------------------------------


async def _export(p: Press) -> Outcome:
    """Both exports at once (CSV of every usage record, the database as JSON), as files in Open WebUI's store."""
    session = p.session
    if session.save_file is None:
        return Outcome(p.t("error_generic"))
    stamp = session.export_stamp()
    csv_text = await session.export_csv(session.range("all"))
    json_text = await session.export_json()
    saved_csv = await session.save_file(
        session.actor, f"openwebui-monitor-usage-{stamp}.csv", csv_text.encode("utf-8"), "text/csv"
    )
    saved_json = await session.save_file(
        session.actor, f"openwebui-monitor-{stamp}.json", json_text.encode("utf-8"), "application/json"
    )
    # The files' names, not their download paths: the files themselves are attached under the reply to click.
    lines = [p.t("export_csv_done", link=saved_csv["filename"]), p.t("export_json_done", link=saved_json["filename"])]
    return Outcome(" | ".join(lines), files=[saved_csv, saved_json], lines=lines)


# -- test all models ----------------------------------------------------------------------------------------


async def _test_models(p: Press) -> Outcome:
    """Every model users can reach (`model_tests`); progress and then the results as a page under the reply."""
    if p.complete is None:
        return Outcome(p.t("error_generic"))
    ids = model_tests.testable(p.session.models(), p.skip_model)
    if not ids:
        return Outcome(p.t("test_none"))

    async def show_progress(done: int, total: int) -> None:
        if p.progress is not None:
            progress = p.t("test_progress", done=done, total=total)
            await p.progress(dashboard.note(p.t("test_title"), [progress], p.session.lang))

    results = await model_tests.run(ids, p.complete, show_progress)
    ok = sum(1 for r in results if r.ok)
    rows = [
        (
            r.model_id,
            (p.t("test_ok"), "ok") if r.ok else (p.t("test_failed"), "bad"),
            f"{r.seconds:.2f}s",
            p.t("test_timeout", seconds=model_tests.TIMEOUT) if r.timed_out else r.error,
        )
        for r in results
    ]
    header = [p.t("col_model"), p.t("col_status"), p.t("col_latency"), p.t("col_error")]
    summary = p.tn("test_done", len(ids), ok=ok, total=len(ids))
    page = dashboard.results_table(p.t("test_title"), summary, header, rows, p.session.lang)
    return Outcome(summary, html=page)


_BUTTONS: dict[str, Callable[[Press], Awaitable[Outcome]]] = {
    "usage": _usage,
    "dashboard": _dashboard,
    "test_models": _test_models,
    "topup": _topup,
    "prices": _prices,
    "export": _export,
}
