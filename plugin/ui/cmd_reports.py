"""The report commands: `/usage`, `/models`, `/days`, `/records` (everyone's own; admins anyone's with
`user:NAME`), and the admins' `/users` and `/top`. Reads only: each runs `reports` queries on the store's thread
and renders them with `views`."""

from __future__ import annotations

from ..app.session import Session
from ..domain import ranges, reports
from ..store import Store
from . import cmd_questions, views
from .cmd_common import model_filter, number, range_of, shown, target_user, whose_records
from .parse import QUALIFIER_KEYS, Command, qualifiers


async def usage(session: Session, command: Command) -> str:
    """Balance and totals, then per model and per day. A plain question ("我这周花了多少") leads with the number it
    asked; one naming a model shows that model's replies instead of the days."""
    _, rng = range_of(session, command)
    user_id, who = await target_user(session, command)
    lang, symbol = session.lang, session.symbol
    question = command.question
    model_id, unknown = await cmd_questions.model_of(session, question, command.options.get("model", ""))

    def build(store: Store) -> str:
        if question is not None and model_id:
            page = reports.records(store, rng, user_id=user_id, model_id=model_id, page_size=session.page_size)
            return "\n\n".join(
                [
                    cmd_questions.lead(store, session, question, rng, user_id, model_id, unknown),
                    *([f"**{shown(who)}**"] if who else []),
                    views.by_model(reports.by_model(store, rng, user_id), rng, lang, symbol),
                    views.records(page, rng, lang, symbol, session.tz, sort="time", descending=True, model=model_id),
                ]
            )
        periods = [rng, ranges.Range("all", None, None)]
        if rng.key != "today":
            periods.insert(0, session.range("today"))
        if rng.key == "all":
            periods.pop()
        parts = [views.user_summary(reports.user_summary(store, user_id, periods), lang, symbol)]
        if who:
            parts.insert(0, f"**{shown(who)}**")
        parts.append(views.by_model(reports.by_model(store, rng, user_id), rng, lang, symbol))
        parts.append(views.by_day(reports.by_day(store, rng, session.tz, user_id, now=session.now), rng, lang, symbol))
        if question is not None:
            parts.insert(0, cmd_questions.lead(store, session, question, rng, user_id, model_id, unknown))
        return "\n\n".join(parts)

    return str(await session.store.run(build, session.store))


async def models(session: Session, command: Command) -> str:
    _, rng = range_of(session, command)
    user_id, _ = await target_user(session, command)
    rows = await session.run(reports.by_model, rng, user_id)
    return views.by_model(rows, rng, session.lang, session.symbol)


async def days(session: Session, command: Command) -> str:
    _, rng = range_of(session, command)
    user_id, _ = await target_user(session, command)
    rows = await session.run(reports.by_day, rng, session.tz, user_id, now=session.now)
    return views.by_day(rows, rng, session.lang, session.symbol)


async def records(session: Session, command: Command) -> str:
    found, rng = range_of(session, command, default="all")
    options = command.options
    sort = options.get("sort") or next((q for q in ("cost", "tokens", "balance", "time") if q in found), "time")
    sort = QUALIFIER_KEYS.get(sort.lower(), sort.lower())
    user_id, who = await whose_records(session, command)
    model_id = ""
    if options.get("model"):
        model_id = await model_filter(session, options["model"])
    page = await session.run(
        reports.records,
        rng,
        user_id=user_id,
        model_id=model_id or None,
        sort=sort,
        descending="asc" not in found,
        page=number(options.get("page"), 1),
        page_size=number(options.get("size"), session.page_size),
    )
    return views.records(
        page,
        rng,
        session.lang,
        session.symbol,
        session.tz,
        sort=sort,
        descending="asc" not in found,
        user=who,
        model=model_id,
    )


async def users(session: Session, command: Command) -> str:
    _, search = qualifiers(command.args)
    directory = await session.directory()
    page = await session.run(
        reports.users, directory, search, page=number(command.options.get("page"), 1), page_size=session.page_size
    )
    return views.users(page, session.lang, session.symbol, session.tz, search)


async def top(session: Session, command: Command) -> str:
    found, rng = range_of(session, command)
    by = "calls" if "calls" in found else "cost"
    lang, symbol = session.lang, session.symbol

    def build(store: Store) -> str:
        return "\n\n".join(
            [
                views.report_card(reports.report_card(store, rng), rng, lang, symbol),
                views.distribution(reports.distribution(store, rng, by), rng, lang, symbol, by),
                views.ranking(reports.ranking(store, rng, by), rng, lang, symbol, by),
                views.by_day(reports.by_day(store, rng, session.tz, now=session.now), rng, lang, symbol),
            ]
        )

    return str(await session.store.run(build, session.store))
