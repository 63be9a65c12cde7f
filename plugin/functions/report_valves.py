"""The valves the report model and both Actions share (the admin's language, money symbol, time zone and
database; each person's language), and how the language a reader is answered in is decided. Not in `valves.py`,
which the Filter embeds: deciding a written language needs every language's typed words, which the Filter's file
does not carry."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from ..domain import ranges
from ..ui.parse import message_text
from ..words import Language, OptionalLanguage, detect, i18n
from .valves import DatabaseUrl


class ReportValves(BaseModel):
    """The admin's valves of the report model and of both Actions (each adds its own: page size, priority)."""

    language: Language = Field(default="en", description="Language of the answers and messages.")
    currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
    timezone: str = Field(
        default="",
        max_length=64,
        description="IANA time zone for days in reports and on the dashboard (e.g. Asia/Shanghai) of readers whose own"
        " zone Open WebUI does not know (it keeps the one each browser reports); empty = the server's.",
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


class ReaderValves(BaseModel):
    """Each person's own valve of the report model and of the buttons."""

    language: OptionalLanguage = Field(
        default="",
        description="Your language for the monitor's answers; empty: the language you write in, else the admin's.",
    )


def reader_language(user: dict, body: Any, admin: str) -> str:
    """The reader's own setting, else the language of their last message (the question; for a button, the chat's
    last user message: "我这周花了多少" is answered in Chinese), else the admin's."""
    own = getattr(user.get("valves"), "language", None)
    return i18n.language(own, detect.written_in(message_text(body)), admin)
