"""The pipe's one entry point: a message in, the Markdown answer out. `parse` reads the command; a handler by
topic (`cmd_reports`, `cmd_accounts`, `cmd_budgets`, `cmd_prices`, `cmd_exchange`) answers it in a `Session`,
or, when the admin set an assistant model, a message not understood goes to it (`cmd_assistant`);
our own errors become their translated message, and a non-admin asking for an admin command is told so and
shown their own usage.
"""

from __future__ import annotations

from dataclasses import replace

from ..app.assistant import Assistant
from ..app.session import Session
from ..errors import AdminOnly, MonitorError
from . import (
    cmd_accounts,
    cmd_assistant,
    cmd_budgets,
    cmd_codes,
    cmd_console,
    cmd_exchange,
    cmd_prices,
    cmd_reports,
    cmd_statement,
)
from .cmd_common import ADMIN, PUBLIC, Handler, help_text
from .parse import Command, parse

__all__ = ["ADMIN", "HANDLERS", "PUBLIC", "admin_only", "answer", "for_the_assistant", "reply"]

# Each command's handler; who may use it (`PUBLIC`, `ADMIN`) is in `cmd_common`, which the help's suggestions read.

HANDLERS: dict[str, Handler] = {
    "help": help_text,
    "usage": cmd_reports.usage,
    "models": cmd_reports.models,
    "days": cmd_reports.days,
    "records": cmd_reports.records,
    "balance": cmd_accounts.balance,
    "users": cmd_reports.users,
    "top": cmd_reports.top,
    "prices": cmd_prices.prices,
    "price": cmd_prices.price,
    "block": cmd_accounts.block,
    "unblock": cmd_accounts.block,
    "export": cmd_exchange.export,
    "import": cmd_exchange.restore,
    "reconcile": cmd_accounts.reconcile,
    "budget": cmd_budgets.budget,
    "codes": cmd_codes.codes_command,
    "redeem": cmd_codes.redeem,
    "statement": cmd_statement.statement,
    "console": cmd_console.console_command,
    "test": cmd_prices.test,
}


def admin_only(command: Command) -> bool:
    """Whether only an admin may run `command`: `/balance` alone is one's own; with `set` or `add` it is not.
    `/console` and its usage view are everyone's (their own data); its users and prices views an admin's."""
    return (
        command.name in ADMIN
        or (command.name == "balance" and bool(command.sub))
        or (command.name == "console" and command.sub in ("users", "models"))
    )


def for_the_assistant(command: Command) -> bool:
    """A message that is neither a command nor a question we read, nor a command mistyped (`/blance`, `/help me`):
    those get the free help with the closest commands; only words the parser found nothing in go to the model."""
    return not command.understood and not command.raw.lstrip().startswith(("/", "／"))


async def reply(session: Session, assistant: Assistant | None = None) -> str:
    """The answer to the session's message (the pipe's whole job). With the admin's `assistant`, a message the
    parser did not understand goes to it instead of the help."""
    return await answer(session, parse(session.message), session.message, assistant)


async def answer(session: Session, command: Command, text: str = "", assistant: Assistant | None = None) -> str:
    """The Markdown answer to one command."""
    if command.name == "codes" and not command.sub and not session.is_admin:
        command = Command("redeem", raw=command.raw)  # "兑换码怎么用", "vouchers?": a user asking is told how to redeem
    if admin_only(command) and not session.is_admin:
        return AdminOnly().message(session.lang) + "\n\n" + await cmd_reports.usage(session, Command("usage"))
    session = replace(session, message=session.message or text or command.raw)
    try:
        if assistant is not None and assistant.model and for_the_assistant(command):
            return await cmd_assistant.answer(session, command, assistant)
        said = await HANDLERS[command.name](session, command)
        if cmd_console.changes_console(command) and (console := await cmd_console.again(session)):
            said += "\n\n" + console  # a change made from the console: the console again, with the new state
        return said
    except MonitorError as exc:
        return exc.message(session.lang)
