"""Where and when the line under a reply is sent; what it says is the presentation layer's (`ui.notice`).

A charge commits after its outlet has returned (outlets queue their charge for the next group commit), and a reply
settled without an outlet is settled seconds after its task ended: the notice is sent then, through the event
emitter Open WebUI gave the hook. The application layer may not import `ui`, so the words of a settled reply's line
come from a `Render` function the functions layer hands in (`ui.notice.under_reply`); the short fixed messages
(not recorded, billing failed) are `words.i18n`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain import billing
from ..words import i18n
from .terms import Settings, fails_open

log = logging.getLogger(__name__)

# The line under a settled reply: (settlement, language, the Filter's valves, the user's own valves or None) -> text.
Render = Callable[[billing.Settlement, str, Any, Any], str]


@dataclass(frozen=True)
class Say:
    """What a request's notice needs once its charge has committed: where to send it and how to write it."""

    emitter: Any
    lang: str
    valves: Settings  # the Filter's valves, and the user's own (UserValves or None), at the hook
    mine: Any
    chat_id: str
    message_id: str
    step: Any = None  # the charge (a function of the store), while it may still be queued once more
    target: str = ""  # what opens the database again (`Store.target`), to queue it once more


async def emit(emitter: Any, description: str) -> None:
    """Send a line under the reply (nothing for an API call, which has no emitter)."""
    if emitter is None:
        return
    try:
        await emitter({"type": "status", "data": {"description": description, "done": True}})
    except Exception:  # broad on purpose: a closed socket must not undo a charge already committed
        log.warning("openwebui_monitor: could not emit the notice", exc_info=True)


async def failed(exc: BaseException, say: Say) -> None:
    """An outlet's charge could not be made: log it and say so under the reply (fail open: 'not recorded')."""
    if fails_open(say.valves, exc):
        log.warning(
            "openwebui_monitor: database unavailable at outlet for %s/%s; reply not billed (on_db_unavailable=open)",
            say.chat_id,
            say.message_id,
            exc_info=exc,
        )
        await emit(say.emitter, i18n.t(say.lang, "not_recorded"))
    else:
        log.error("openwebui_monitor: outlet failed for %s/%s", say.chat_id, say.message_id, exc_info=exc)
        await emit(say.emitter, i18n.t(say.lang, "billing_failed"))
