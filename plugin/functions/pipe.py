"""The "Usage Monitor" model. For now it answers every message with the user's own balance and totals;
the command language for reports and administration builds on this front-end."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import BaseModel, Field

from .. import i18n, notice, openwebui
from ..store import Store, open_store_async

log = logging.getLogger(__name__)

DAY = 86_400.0


class Pipe:
    # The billing filter reads this to never charge for talking to the monitor itself.
    openwebui_monitor_role = "report"

    class Valves(BaseModel):
        language: Literal["en", "zh", "es"] = Field(default="en", description="Language of the answers.")
        currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
        db_path: str = Field(
            default="",
            max_length=4096,
            description="SQLite file of the monitor; empty means DATA_DIR/openwebui_monitor/monitor.db.",
        )

    class UserValves(BaseModel):
        language: Literal["", "en", "zh", "es"] = Field(
            default="",
            description="Your language for answers; empty uses the admin's choice.",
        )

    def __init__(self) -> None:
        self.valves = self.Valves()
        self.name = "Usage Monitor"

    async def pipe(self, body: dict, __user__: dict | None = None) -> AsyncIterator[str]:
        user = __user__ if isinstance(__user__, dict) else {}
        lang = i18n.language(getattr(user.get("valves"), "language", None), self.valves.language)
        store = await open_store_async(self.valves.db_path.strip() or openwebui.default_db_path())
        try:
            text = await store.run(self._summary, store, str(user.get("id", "")), lang)
        except Exception:
            log.exception("openwebui_monitor: report failed")
            text = i18n.t(lang, "error_generic")
        yield text

    def _summary(self, store: Store, user_id: str, lang: str) -> str:
        symbol = self.valves.currency_symbol
        row = store.get_user(user_id)
        balance = notice.money(row["balance"] if row else 0, symbol)
        local = time.localtime()
        midnight = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))
        lines = [
            i18n.t(lang, "summary_title", balance=balance),
            "",
            i18n.t(lang, "summary_header"),
            "|---|---:|---:|---:|---:|",
        ]
        for key, since in (
            ("period_today", midnight),
            ("period_30d", time.time() - 30 * DAY),
            ("period_all", 0.0),
        ):
            totals = store.usage_totals(user_id, since)
            lines.append(
                f"| {i18n.t(lang, key)} | {totals['replies']} | {totals['input_tokens']} | {totals['output_tokens']}"
                f" | {notice.money(totals['cost'], symbol)} |"
            )
        return "\n".join(lines)
