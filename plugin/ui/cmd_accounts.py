"""The commands about people and their money: `/balance` (your own; admins `set|add NAME AMOUNT`), `/block`,
`/unblock` and `/reconcile [repair]`. Every change is a `Session` operation; the answers are `admin_views`'."""

from __future__ import annotations

from ..app.session import Session
from ..domain import accounts
from ..errors import InvalidAmount
from ..money import parse_amount
from . import admin_views, cmd_budgets, cmd_questions, cmd_reports
from .cmd_common import help_text, shown, target_user
from .parse import Command


async def balance(session: Session, command: Command) -> str:
    if command.sub:
        if len(command.args) < 2:
            raise InvalidAmount(text=shown(command.rest))
        *who, amount_text = command.args
        # The amount first: a typo there should say so, not send the name through a user lookup.
        amount = parse_amount(amount_text, allow_negative=command.sub == "add")
        person = await session.find_person(" ".join(who))
        if command.sub == "set":
            change = await session.set_balance(person["id"], amount, accounts.VIA_PIPE)
        else:
            change = await session.add_balance(person["id"], amount, accounts.VIA_PIPE)
        return admin_views.said(change, session.lang, session.symbol)
    if command.args and session.is_admin:
        return await cmd_reports.users(session, command)
    _, named = await target_user(session, command)
    if named:  # an admin's `user:NAME` (a question's too): that person's summary, under their name
        return await cmd_reports.usage(
            session, Command("usage", args=("today",), options={"user": command.options["user"]})
        )
    answer = await cmd_reports.usage(session, Command("usage", args=("today",)))
    if command.question is not None:  # "我还剩多少钱": the balance first, in a line
        line = await session.store.run(cmd_questions.balance_line, session.store, session)
        answer = f"{line}\n\n{answer}" if line else answer
    allowance = await cmd_budgets.allowance_line(session, session.user["id"])
    return answer + ("\n\n" + allowance if allowance else "")


async def block(session: Session, command: Command) -> str:
    if not command.args:
        return await help_text(session, Command("help"))
    person = await session.find_person(" ".join(command.args))
    change = await session.block(person["id"], command.name == "block")
    return admin_views.said(change, session.lang, session.symbol)


async def reconcile(session: Session, command: Command) -> str:
    """`/reconcile` checks every balance against the ledger; `/reconcile repair` sets differing ones to it."""
    result = await session.reconcile(repair=command.sub == "repair")
    return admin_views.said(result, session.lang, session.symbol)
