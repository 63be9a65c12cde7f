"""Buttons under replies. For now: the usage recorded for the message, as the billing filter saw it."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from .. import i18n, notice, openwebui
from ..store import open_store_async

log = logging.getLogger(__name__)


class Action:
    actions: ClassVar[list[dict[str, str]]] = [{"id": "usage", "name": "Usage of this message"}]

    class Valves(BaseModel):
        priority: int = Field(default=0, ge=-1000, le=1000, description="Order among action buttons.")
        language: Literal["en", "zh", "es"] = Field(default="en", description="Language of the messages.")
        currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
        db_path: str = Field(
            default="",
            max_length=4096,
            description="SQLite file of the monitor; empty means DATA_DIR/openwebui_monitor/monitor.db.",
        )

    def __init__(self) -> None:
        self.valves = self.Valves()

    async def action(
        self,
        body: dict,
        __user__: dict | None = None,
        __event_emitter__: Any = None,
        __id__: str | None = None,
    ) -> None:
        user = __user__ if isinstance(__user__, dict) else {}
        lang = i18n.language(self.valves.language)
        chat_id = str((body or {}).get("chat_id") or "")
        message_id = str((body or {}).get("id") or "")
        store = await open_store_async(self.valves.db_path.strip() or openwebui.default_db_path())
        record = await store.run(store.get_usage, chat_id, message_id)
        if record is None or (record["user_id"] != user.get("id") and user.get("role") != "admin"):
            text = i18n.t(lang, "no_usage_for_message")
        else:
            tokens = i18n.t(
                lang,
                "tokens",
                input=record["input_tokens"],
                output=record["output_tokens"],
            )
            if record["estimated"]:
                tokens += i18n.t(lang, "estimated")
            cost = i18n.t(
                lang,
                "cost",
                amount=notice.money(record["cost"], self.valves.currency_symbol),
            )
            text = i18n.t(
                lang,
                "message_usage",
                tokens=tokens,
                cost=cost,
                source=record["price_source"],
            )
        if __event_emitter__ is not None:
            await __event_emitter__({"type": "status", "data": {"description": text, "done": True}})
