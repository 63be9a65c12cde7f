"""Which language the pipe and the action answer in: the user's own `language` valve first, else the language of
what they wrote (words/detect.py), else the admin's valve; for commands, plain questions and errors alike."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sessions import seeded_store

from plugin import openwebui
from plugin.app import session as session_module
from plugin.domain import pricing
from plugin.functions.action import Action
from plugin.functions.pipe import Pipe
from plugin.store import Store
from plugin.words import i18n

ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """Open WebUI as both front-ends see it, over the seeded store (Alice's m0 and m1, Bob's m2)."""
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama3:8b")

    async def open_store_async(path: Any, **_: Any) -> Store:
        return store

    async def list_users() -> list[dict]:
        return [dict(ALICE), dict(BOB)]

    async def billing_settings() -> tuple[pricing.Price, int]:
        return pricing.defaults(60, 60, -1), 0

    monkeypatch.setattr(session_module, "open_store_async", open_store_async)
    monkeypatch.setattr(openwebui, "list_users", list_users)
    monkeypatch.setattr(openwebui, "model_list", lambda request: [{"id": "gpt-4o", "name": "GPT-4o"}])
    monkeypatch.setattr(openwebui, "billing_settings", billing_settings)
    yield store
    store.close()


def user(own: str | None) -> dict[str, Any]:
    """Alice as Open WebUI passes her, with her user valves (`own` None: she never saved any)."""
    return {**ALICE, "valves": SimpleNamespace(language=own) if own is not None else None}


def say(text: str, *, own: str | None = "", admin: str = "en") -> str:
    pipe = Pipe()
    pipe.valves.language = admin  # type: ignore[assignment]

    async def go() -> str:
        out = await pipe.pipe({"messages": [{"role": "user", "content": text}]}, __user__=user(own))
        return out if isinstance(out, str) else "".join([piece async for piece in out])

    return asyncio.run(go())


def said_in(answer: str, lang: str) -> bool:
    """Whether a usage answer is in `lang`: its summary title is that language's."""
    return i18n.t(lang, "summary_title", balance="$").split("$")[0].split("{")[0] in answer


@pytest.mark.usefixtures("store")
def test_the_pipe_answers_in_the_language_written_when_the_user_chose_none() -> None:
    assert said_in(say("我这周花了多少"), "zh")
    assert said_in(say("用量 本周"), "zh")  # a command in Chinese, too
    assert said_in(say("¿cuánto gasté esta semana?"), "es")
    assert said_in(say("how much did I spend this week", admin="zh"), "zh")  # English shows none: the admin's
    assert said_in(say("/usage 7d", admin="es"), "es")
    assert said_in(say("/usage 7d", own=None), "en")
    assert say("今天天气怎么样").startswith(i18n.t("zh", "help_unknown", text="今天天气怎么样"))  # the help, too


@pytest.mark.usefixtures("store")
def test_the_users_own_setting_comes_first() -> None:
    assert said_in(say("我这周花了多少", own="es"), "es")
    assert said_in(say("/usage 7d", own="zh", admin="es"), "zh")


@pytest.mark.usefixtures("store")
def test_an_error_is_said_in_the_language_written() -> None:
    assert say("用量 2026-13-01", admin="en") == i18n.t("zh", "invalid_range", text="2026-13-01")


def press(text: str, *, own: str | None = "", admin: str = "en", message_id: str = "m0") -> str:
    """The text of the "Usage of this message" button's answer under a chat whose last user message is `text`."""
    action = Action()
    action.valves.language = admin  # type: ignore[assignment]
    events: list[dict] = []

    async def emit(event: dict) -> None:
        events.append(event)

    body = {"chat_id": "c", "id": message_id, "messages": [{"role": "user", "content": text}, {"role": "assistant"}]}
    result = asyncio.run(action.action(body, __user__=user(own), __event_emitter__=emit, __id__="usage"))
    assert events, "the press showed nothing"
    return str(result["text"])


@pytest.mark.usefixtures("store")
def test_the_action_answers_in_the_language_of_the_chat() -> None:
    assert press("你好", message_id="nothing") == i18n.t("zh", "message_not_billed")
    assert press("hola, ¿qué tal?", message_id="nothing") == i18n.t("es", "message_not_billed")
    assert press("hello", message_id="nothing", admin="es") == i18n.t("es", "message_not_billed")
    assert press("你好", message_id="nothing", own="es") == i18n.t("es", "message_not_billed")
    assert "价格来源" in press("写一首诗")  # Alice's own billed message, in Chinese


def test_a_statement_is_in_the_readers_own_time_zone(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
        return {"id": "f1", "filename": name, "url": "/api/v1/files/f1/content"}

    monkeypatch.setattr(openwebui, "save_file", save_file)
    pipe = Pipe()
    pipe.valves.timezone = "UTC"

    async def go() -> str:
        asker = {**user(None), "timezone": "Asia/Tokyo"}
        out = await pipe.pipe({"messages": [{"role": "user", "content": "/statement"}]}, __user__=asker)
        return out if isinstance(out, str) else "".join([piece async for piece in out])

    answer = asyncio.run(go())
    assert "Times are in Asia/Tokyo." in answer, answer
