"""Buttons under replies: usage of this message (everyone); a dashboard (admins see everyone, users themselves),
test all models, balance / block, prices and export (admins). Open WebUI arguments in, events out; what each
button does is in `buttons`.

Outcomes are events, not edits: a `status` line (persisted with saved chats), an `embeds` HTML page (the
dashboard, the model test) and `files` (exports), so they stay under the message after a reload.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from .. import openwebui
from ..app.session import open_session
from ..domain import ranges
from ..ui import buttons
from ..ui.parse import message_text
from ..words import Language, OptionalLanguage, detect, i18n
from ..words.reports import REPORTS
from .valves import DatabaseUrl, store_target

i18n.load(REPORTS)  # the report model's and the buttons' messages: this front-end speaks them

log = logging.getLogger(__name__)


def _icon(path: str) -> str:
    """A small stroke icon as a data URL (no network), in Open WebUI's outline style."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='currentColor' "
        f"stroke-width='1.8' stroke-linecap='round' stroke-linejoin='round'>{path}</svg>"
    )
    return "data:image/svg+xml;utf8," + svg.replace("<", "%3C").replace(">", "%3E").replace("#", "%23")


class Action:
    actions: ClassVar[list[dict[str, str]]] = [
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
        {"id": "test_models", "name": "Test all models", "icon_url": _icon("<path d='M9 3h6M10 3v6L4 20h16L14 9V3'/>")},
        {"id": "topup", "name": "Balance or block a user", "icon_url": _icon("<path d='M12 5v14M5 12h14'/>")},
        {
            "id": "prices",
            "name": "Model prices",
            "icon_url": _icon("<path d='M20 12l-8 8-9-9V3h8z'/><circle cx='7.5' cy='7.5' r='1'/>"),
        },
        {"id": "export", "name": "Export usage", "icon_url": _icon("<path d='M12 3v12M7 10l5 5 5-5M4 21h16'/>")},
    ]

    class Valves(BaseModel):
        priority: int = Field(default=0, ge=-1000, le=1000, description="Order among action buttons.")
        language: Language = Field(default="en", description="Language of the messages.")
        currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
        timezone: str = Field(
            default="",
            max_length=64,
            description="IANA time zone for days on the dashboard (e.g. Asia/Shanghai); empty = the server's.",
        )
        db_path: str = Field(
            default="",
            max_length=4096,
            description="SQLite file of the monitor; empty means DATA_DIR/openwebui_monitor/monitor.db.",
        )
        database_url: DatabaseUrl = ""

        @field_validator("timezone")
        @classmethod
        def _known_zone(cls, value: str) -> str:
            ranges.zone(value)  # raises for an unknown zone, so the admin sees it when saving
            return value.strip()

    class UserValves(BaseModel):
        language: OptionalLanguage = Field(
            default="",
            description="Your language for the buttons' messages; empty: the language you write in, else the admin's.",
        )

    def __init__(self) -> None:
        self.valves = self.Valves()

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
        # The reader's own setting, else the language of their last message in this chat, else the admin's.
        written = detect.written_in(message_text(body))
        lang = i18n.language(getattr(user.get("valves"), "language", None), written, self.valves.language)

        async def emit(event: dict[str, Any]) -> None:
            if __event_emitter__ is not None:
                await __event_emitter__(event)

        async def progress(text: str) -> None:
            await emit({"type": "status", "data": {"description": text, "done": False}})

        try:
            outcome = await self._press(str(__id__ or "usage"), body, user, lang, __event_call__, progress, __request__)
        except Exception:
            log.exception("openwebui_monitor: action %s failed", __id__)
            outcome = buttons.Outcome(i18n.t(lang, "error_generic"))
        await emit({"type": "status", "data": {"description": outcome.text, "done": True}})
        if outcome.html:
            # replace: the newest page takes the place of an earlier press's, instead of piling up under the reply
            await emit({"type": "embeds", "data": {"embeds": [outcome.html], "replace": True}})
        if outcome.files:
            files = [
                {"type": "file", "id": f["id"], "name": f["filename"], "url": f["url"], "size": f["size"]}
                for f in outcome.files
            ]
            await emit({"type": "files", "data": {"files": files}})
        return {"text": outcome.text, "files": [f["url"] for f in outcome.files], "embed": bool(outcome.html)}

    async def _press(
        self, button: str, body: dict, user: dict, lang: str, event_call: Any, progress: Any, request: Any
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
        )

        async def complete(model_id: str, prompt: str) -> str:
            return await openwebui.complete(request, session.actor, model_id, prompt)

        press = buttons.Press(
            session=session,
            chat_id=str(body.get("chat_id") or ""),
            message_id=str(body.get("id") or ""),
            ask=event_call if callable(event_call) else None,
            progress=progress,
            complete=complete,
            skip_model=lambda model: openwebui.is_monitor_pipe(request, model),
        )
        return await buttons.press(button, press)
