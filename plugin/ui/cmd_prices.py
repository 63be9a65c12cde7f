"""The price commands: `/prices [search]` (the list billing uses now) and the admins' `/price set|clear|copy|
inherit|sync|catalogue|accept|undo|history`, and `/test MODEL|all` (does a model answer). Every change is a
`Session` operation; the answers are `admin_views`'."""

from __future__ import annotations

from ..app import model_tests
from ..app.session import Session
from ..errors import InvalidAmount
from ..words import i18n
from ..words.vocabulary import APPLY_WORDS, SUBCOMMANDS
from . import admin_views, markdown, views
from .cmd_common import help_text, shown
from .parse import Command, qualifiers

_CATALOGUE_WORDS = frozenset(SUBCOMMANDS["price"]["catalogue"])


async def prices(session: Session, command: Command) -> str:
    rows = await session.price_list()
    _, search = qualifiers(command.args)
    if search:
        needle = search.lower()
        rows = [
            r for r in rows if needle in str(r.get("model_id", "")).lower() or needle in str(r.get("name", "")).lower()
        ]
    return views.price_list(rows, session.lang, session.symbol)


async def price(session: Session, command: Command) -> str:
    args, options = list(command.args), command.options
    lang, symbol = session.lang, session.symbol
    if command.sub == "sync" and args and args[0].lower() in _CATALOGUE_WORDS:  # "/price sync catalogue"
        command, args = Command("price", "catalogue", tuple(args[1:]), options, command.raw), args[1:]
    if command.sub == "catalogue":
        apply = bool(args) and args[0].lower() in APPLY_WORDS
        return admin_views.said(await session.sync_catalogue_prices(dry_run=not apply), lang, symbol)
    if command.sub == "undo":
        return admin_views.said(await session.undo_price_change(), lang, symbol)
    if command.sub == "history":
        return admin_views.price_history(await session.price_changes(), lang, session.tz)
    if options.get("model"):  # the model as an option (the console's buttons): any id stays one word, never a value
        args = [options["model"], *args]
    if command.sub == "accept":
        if len(args) != 2:
            return session.t("price_accept_usage")
        return admin_views.said(await session.accept_catalogue_price(args[0], args[1]), lang, symbol)
    if command.sub == "sync":
        apply = bool(args) and args[0].lower() in APPLY_WORDS
        result = await session.sync_connection_prices(dry_run=not apply)
        if not apply and result.changed:
            return session.t("prices_sync_preview", models=admin_views.shown_models(result.changed))
        return admin_views.said(result, lang, symbol)
    if command.sub == "inherit":
        return admin_views.said(await session.inherit_prices(), lang, symbol)
    if not args:
        return await help_text(session, Command("help"))
    if command.sub == "copy":
        if len(args) != 2:
            return await help_text(session, Command("help"))
        return admin_views.said(await session.copy_price(args[0], args[1]), lang, symbol)
    model_id = await session.resolve_model(args[0])
    if command.sub == "clear":
        return admin_views.said(await session.clear_price(model_id), lang, symbol)
    positional = args[1:]
    if len(positional) > 2:
        raise InvalidAmount(text=shown(" ".join(positional[2:])))
    values = {
        "input": options.get("input", positional[0] if positional else None),
        "output": options.get("output", positional[1] if len(positional) > 1 else None),
    }
    typed = {key: value for key, value in values.items() if value is not None}
    for option, key in (("cached", "cached_input"), ("msg", "per_msg"), ("reasoning", "reasoning")):
        if option in options:
            typed[key] = options[option]
    if "request" in options:
        typed["per_request"] = options["request"]
    if not typed:
        raise InvalidAmount(text=shown(command.rest))
    return admin_views.said(await session.set_price(model_id, **typed), lang, symbol)


async def test(session: Session, command: Command) -> str:
    """`/test MODEL` (or `/test model:ID`) asks that model a tiny prompt; `/test all` every model users can reach
    (not ours, not arena models), a few at a time. Never billed: the internal call runs no Filter."""
    if session.complete is None:
        return session.t("error_generic")
    typed = command.options.get("model") or " ".join(command.args)  # model: as the console sends it: any id
    if command.sub == "all":
        ids = model_tests.testable(session.models(), session.skip_model)
    elif typed:
        model_id = await session.resolve_model(typed)
        ours = any(session.skip_model(m) for m in session.models() if str(m.get("id")) == model_id)
        ids = [] if ours else [model_id]  # the Usage Monitor itself is not a model to test
    else:
        return await help_text(session, Command("help"))
    if not ids:
        return session.t("test_none")
    results = await model_tests.run(ids, session.complete)
    ok = sum(1 for r in results if r.ok)
    rows = [
        (
            markdown.cell(r.model_id),
            session.t("test_ok" if r.ok else "test_failed"),
            f"{r.seconds:.2f}s",
            session.t("test_timeout", seconds=model_tests.TIMEOUT) if r.timed_out else markdown.cell(r.error, 200),
        )
        for r in results
    ]
    header = [session.t(k) for k in ("col_model", "col_status", "col_latency", "col_error")]
    summary = i18n.tn(session.lang, "test_done", len(ids), ok=ok, total=len(ids))
    return "\n".join([f"**{session.t('test_title')}** · {summary}", "", *markdown.table(header, "llrl", rows)])
