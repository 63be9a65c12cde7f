"""`/console [users|models|usage] ...`: reads the view, sort, page and filters typed (or sent by the console's
buttons) and shows that view (`console_pages`): the page under the reply, and a line naming the view and the command
that draws it again. An admin's change made from the console (`/balance add ...`, `/price set ...`) is answered as
usual, and `again` puts the console the previous reply showed back under that answer, with the new state. Normal
users get the usage view over their own data, without a change button.
"""

from __future__ import annotations

import re

from ..app.session import Session
from ..errors import InvalidSort, MonitorError
from . import console, console_pages
from .cmd_common import model_filter, number, range_of, whose_records
from .parse import Command, parse, qualifiers

USER_SORTS = {"name": "name", "balance": "balance", "spend": "spend", "cost": "spend", "last": "last", "time": "last"}
RECORD_SORTS = {"time": "time", "cost": "cost", "tokens": "tokens", "balance": "balance"}

# The console command a reply showed (`console_answer` quotes it in backticks, in every language, always with its
# view; the help's bare `/console` is not one).
_SHOWN = re.compile(r"`(/console (?:users|models|usage)(?: [^`\n]*)?)`")
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
    try:
        return await console_command(session, parse(found.group(1)))
    except MonitorError:  # the view no longer reads (a filter's model cleared): the change's own answer stands
        return ""


async def console_command(session: Session, command: Command) -> str:
    if session.show_page is None:
        return session.t("console_needs_chat")
    tab = command.sub if session.is_admin and command.sub in console.TABS else "users" if session.is_admin else "usage"
    found, rest = qualifiers(command.args)
    page_no = number(command.options.get("page"), 1)
    if tab == "users":
        typed = (command.options.get("sort") or "name").lower()
        if typed not in USER_SORTS:
            raise InvalidSort(text=typed[:40], choices=", ".join(sorted(set(USER_SORTS.values()))))
        sort = USER_SORTS[typed]
        descending = _direction(found, sort != "name")
        html, again_command = await console_pages.users(
            session, search=rest, sort=sort, descending=descending, page_no=page_no
        )
    elif tab == "models":
        html, again_command = await console_pages.models(session, search=rest, page_no=page_no)
    else:
        html, again_command = await _usage(session, command, found, rest, page_no)
    return await console_pages.show(session, tab, html, again_command)


def _direction(found: set[str], default_descending: bool) -> bool:
    return False if "asc" in found else True if "desc" in found else default_descending


async def _usage(session: Session, command: Command, found: set[str], rest: str, page_no: int) -> tuple[str, str]:
    _, rng = range_of(session, command)
    options = command.options
    typed = (options.get("sort") or "time").lower()
    if typed not in RECORD_SORTS:
        raise InvalidSort(text=typed[:40], choices=", ".join(RECORD_SORTS))
    user_id, user_label = await whose_records(session, command)
    user_query = options.get("user", "") if user_label else ""
    model_id = await model_filter(session, options["model"]) if options.get("model") else ""
    range_text = options.get("range") or rest or "30d"
    sort, descending = RECORD_SORTS[typed], _direction(found, True)
    selection = console.Selection(range_text, rng, user_query, user_label, model_id, sort, descending)
    return await console_pages.usage(session, selection, user_id=user_id, page_no=page_no)
