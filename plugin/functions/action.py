"""Buttons under replies for everyone: usage of this message and a usage dashboard (admins see everyone, users
themselves). Open WebUI arguments in, events out; what each button does is in `buttons`. The admin's buttons are
the same class with another list (`admin_action.py`): Open WebUI 0.12.4 shows a model's buttons to everyone who
may use the model, so buttons only admins may press live in a second Function attached to an admin-only model.

Outcomes are events, never the status line, which stays the reply's cost notice: the answer is a page in a card
under the reply (`embeds`, replacing an earlier press's card), exports add `files`; both are saved with the chat,
so they are still there after a reload. A cancelled press or a failure is only a passing notification.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import Field

from .. import openwebui
from ..app.session import open_session
from ..openwebui import releases
from ..ui import buttons
from ..words import i18n
from ..words.reports import REPORTS
from .report_valves import ReaderValves, ReportValves, reader_language
from .valves import store_target

i18n.load(REPORTS)  # the report model's and the buttons' messages: this front-end speaks them

log = logging.getLogger(__name__)


def _icon(path: str) -> str:
    """A small stroke icon as a data URL (no network), in Open WebUI's outline style."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='currentColor' "
        f"stroke-width='1.8' stroke-linecap='round' stroke-linejoin='round'>{path}</svg>"
    )
    return "data:image/svg+xml;utf8," + svg.replace("<", "%3C").replace(">", "%3E").replace("#", "%23")


EVERYONE_ACTIONS: list[dict[str, str]] = [
    {
        "id": "usage",
        "name": "Usage of this message",
        "icon_url": _icon("<circle cx='12' cy='12' r='9'/><path d='M12 8v4l3 2'/>"),
    },
    {
        "id": "dashboard",
        "name": "Usage dashboard",
        "icon_url": _icon("<path d='M4 20V10M10 20V4M16 20v-7M22 20H2'/>"),
    },
]
ADMIN_ACTIONS: list[dict[str, str]] = [
    {"id": "test_models", "name": "Test all models", "icon_url": _icon("<path d='M9 3h6M10 3v6L4 20h16L14 9V3'/>")},
    {"id": "topup", "name": "Balance or block a user", "icon_url": _icon("<path d='M12 5v14M5 12h14'/>")},
    {
        "id": "prices",
        "name": "Model prices",
        "icon_url": _icon("<path d='M20 12l-8 8-9-9V3h8z'/><circle cx='7.5' cy='7.5' r='1'/>"),
    },
    {"id": "export", "name": "Export usage", "icon_url": _icon("<path d='M12 3v12M7 10l5 5 5-5M4 21h16'/>")},
]


class Action:
    actions: ClassVar[list[dict[str, str]]] = EVERYONE_ACTIONS  # this Function answers these buttons only

    class Valves(ReportValves):
        priority: int = Field(default=0, ge=-1000, le=1000, description="Order among action buttons.")

    UserValves = ReaderValves

    def __init__(self) -> None:
        self.valves = self.Valves()
        releases.tell_release("action")

    async def action(
        self,
        body: dict,
        __user__: dict | None = None,
        __event_emitter__: Any = None,
        __event_call__: Any = None,
        __id__: str | None = None,
        __request__: Any = None,
    ) -> dict[str, Any]:
        user = __user__ if isinstance(__user__, dict) else {}
        body = body if isinstance(body, dict) else {}
        lang = reader_language(user, body, self.valves.language)

        async def emit(event: dict[str, Any]) -> None:
            if __event_emitter__ is not None:
                await __event_emitter__(event)

        async def show(page: str) -> None:
            # replace: the newest card takes the place of an earlier press's, instead of piling up under the reply
            # (Open WebUI's chat page replaces a message's embeds on every such event and saves its own copy of
            # the chat after the press, so anything else would differ between now and after a reload)
            await emit({"type": "embeds", "data": {"embeds": [page], "replace": True}})

        button = str(__id__ or "")
        try:
            if button in {item["id"] for item in self.actions}:
                outcome = await self._press(button, body, user, lang, __event_call__, show, __request__)
            else:  # another Function's button (an admin may call any action by id): not ours to run
                outcome = buttons.Outcome(i18n.t(lang, "error_generic"))
        except Exception:
            log.exception("openwebui_monitor: action %s failed", __id__)
            outcome = buttons.Outcome(i18n.t(lang, "error_generic"))
        if outcome.html:
            await show(outcome.html)
        else:  # cancelled, or nothing to show: a passing note, nothing left under the reply
            kind = "info" if outcome.cancelled else "error"
            await emit({"type": "notification", "data": {"type": kind, "content": outcome.text}})
        if outcome.files:
            files = [
                {"type": "file", "id": f["id"], "name": f["filename"], "url": f["url"], "size": f["size"]}
                for f in outcome.files
            ]
            await emit({"type": "files", "data": {"files": files}})
        return {"text": outcome.text, "files": [f["url"] for f in outcome.files], "embed": bool(outcome.html)}

    async def _press(
        self, button: str, body: dict, user: dict, lang: str, event_call: Any, show: Any, request: Any
    ) -> buttons.Outcome:
        if not user.get("id"):
            return buttons.Outcome(i18n.t(lang, "error_generic"))
        session = await open_session(
            store_target(self.valves),
            user,
            lang,
            request,
            symbol=self.valves.currency_symbol,
            timezone=self.valves.timezone,
            # The console's buttons send commands to this chat's model: they work only if it is the Usage Monitor.
            live=openwebui.is_monitor_pipe(request, openwebui.model_lookup(request)(str(body.get("model") or ""))),
        )

        async def complete(model_id: str, prompt: str) -> str:
            return await openwebui.complete(request, session.actor, model_id, prompt)

        press = buttons.Press(
            session=session,
            chat_id=str(body.get("chat_id") or ""),
            message_id=str(body.get("id") or ""),
            ask=event_call if callable(event_call) else None,
            progress=show,
            complete=complete,
            skip_model=lambda model: openwebui.is_monitor_pipe(request, model),
        )
        return await buttons.press(button, press)
