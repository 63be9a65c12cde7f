"""The "Usage Monitor" model: people chat with it for their usage; admins also for everyone's, and to manage
balances, blocks and prices; with an `assistant_model`, questions the commands do not understand go to it.
Open WebUI arguments in, a streamed Markdown answer out: this opens the `Session`
and hands the message to `commands.reply`, which does the work."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from pydantic import Field

from .. import openwebui
from ..app.assistant import Assistant
from ..app.session import open_session
from ..errors import MonitorError
from ..openwebui import releases
from ..ui import commands
from ..ui.parse import message_text, previous_reply
from ..words import i18n
from ..words.reports import REPORTS
from .report_valves import ReaderValves, ReportValves, reader_language
from .valves import store_target

i18n.load(REPORTS)  # the report model's and the buttons' messages: this front-end speaks them

log = logging.getLogger(__name__)

CHUNK = 400  # characters per streamed piece: the answer appears at once, yet arrives as a stream


class Pipe:
    # The billing filter reads this to never charge for talking to the monitor itself.
    openwebui_monitor_role = "report"

    class Valves(ReportValves):
        page_size: int = Field(default=20, ge=1, le=100, description="Records per page.")
        assistant_model: str = Field(
            default="",
            max_length=256,
            description="Model id that answers questions the commands do not understand, through read-only report"
            " tools (empty: off, the help answers them).",
        )
        assistant_timeout: int = Field(
            default=60, ge=5, le=600, description="Seconds the assistant may take for one question, all rounds."
        )
        assistant_free: bool = Field(
            default=False,
            description="Record the assistant's tokens as the asker's usage without charging them.",
        )
        assistant_stream: bool = Field(
            default=False,
            description="Ask the assistant model for a streamed reply (for providers or pipes that only stream).",
        )

    UserValves = ReaderValves

    def __init__(self) -> None:
        self.valves = self.Valves()
        releases.tell_release("pipe")
        self.name = "Usage Monitor"

    async def pipe(
        self,
        body: dict,
        __user__: dict | None = None,
        __task__: str | None = None,
        __files__: list | None = None,
        __request__: Any = None,
        __metadata__: dict | None = None,
        __event_emitter__: Any = None,
    ) -> AsyncIterator[str] | str:
        user = __user__ if isinstance(__user__, dict) else {}
        lang = reader_language(user, body, self.valves.language)
        if __task__:
            # Open WebUI asks the chat's model for titles, tags and follow-ups: answer cheaply, never a report.
            return _task_answer(str(__task__), lang)
        assistant = self._assistant(user, __request__, __metadata__, __event_emitter__)
        return self._stream(body, user, lang, __files__, __request__, assistant, _pages(__event_emitter__))

    def _assistant(self, user: dict, request: Any, metadata: Any, emitter: Any) -> Assistant | None:
        """The admin's assistant for this message (None when off); its usage is recorded under the message."""
        model = self.valves.assistant_model.strip()
        if not model or not user.get("id"):
            return None
        ids = metadata if isinstance(metadata, dict) else {}
        user_id = str(user["id"])
        return Assistant(
            model=model,
            complete=lambda form, received: openwebui.chat_completion(request, user_id, form, received),
            timeout=float(self.valves.assistant_timeout),
            free=self.valves.assistant_free,
            stream=self.valves.assistant_stream,
            visible=lambda: openwebui.visible_models(request, user_id),
            billing_valves=openwebui.billing_valves,
            chat_id=str(ids.get("chat_id") or ""),
            message_id=str(ids.get("message_id") or ""),
            itself=openwebui.is_monitor_pipe(request, openwebui.model_lookup(request)(model)),
            status=_status(emitter),
        )

    async def _stream(
        self, body: Any, user: dict, lang: str, files: Any, request: Any, assistant: Assistant | None, pages: Any
    ) -> AsyncIterator[str]:
        text = await self._answer(body, user, lang, files, request, assistant, pages)
        for start in range(0, len(text), CHUNK):
            yield text[start : start + CHUNK]

    async def _answer(
        self, body: Any, user: dict, lang: str, files: Any, request: Any, assistant: Assistant | None, pages: Any
    ) -> str:
        if not user.get("id"):
            return i18n.t(lang, "error_generic")
        try:
            session = await open_session(
                store_target(self.valves),
                user,
                lang,
                request,
                symbol=self.valves.currency_symbol,
                timezone=self.valves.timezone,
                page_size=self.valves.page_size,
                attachments=lambda: _attachments(files, user),
                message=message_text(body),
                show_page=pages,
                previous=previous_reply(body),
                complete=lambda model_id, prompt: openwebui.complete(request, str(user["id"]), model_id, prompt),
                skip_model=lambda model: openwebui.is_monitor_pipe(request, model),
            )
            return await commands.reply(session, assistant)
        except MonitorError as exc:
            return exc.message(lang)
        except Exception:
            log.exception("openwebui_monitor: report failed")
            return i18n.t(lang, "error_generic")


def _status(emitter: Any) -> Any:
    """The assistant's progress as Open WebUI status events (None without an event emitter)."""
    if not callable(emitter):
        return None

    async def status(text: str, done: bool) -> None:
        await emitter({"type": "status", "data": {"description": text, "done": done, "hidden": done}})

    return status


def _pages(emitter: Any) -> Any:
    """How the console reaches the chat: an embed under this reply (saved with the chat). None without an event
    emitter (a call through the API without a chat): the console then says to use the commands."""
    if not callable(emitter):
        return None

    async def show(html: str) -> None:
        await emitter({"type": "embeds", "data": {"embeds": [html]}})

    return show


def _task_answer(task: str, lang: str) -> str:
    if task == "title_generation":
        return json.dumps({"title": i18n.t(lang, "chat_title")}, ensure_ascii=False)
    if task == "tags_generation":
        return json.dumps({"tags": []})
    if task == "follow_up_generation":
        return json.dumps({"follow_ups": []})
    return ""


async def _attachments(files: Any, user: dict) -> list[bytes]:
    """Bytes of the files attached to this message (for /import)."""
    result: list[bytes] = []
    for item in files if isinstance(files, list) else []:
        file_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item, dict) and isinstance(item.get("file"), dict):
            file_id = item["file"].get("id") or file_id
        if file_id:
            result.append(await openwebui.read_file(str(file_id), user))
    return result
