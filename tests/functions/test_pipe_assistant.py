"""The report pipe's assistant valves as Open WebUI calls the pipe: off by default (the help answers), on with
`assistant_model` (the model asked through the adapter as the asker, the usage recorded under the chat's
message), answering in the question's language, and never pointed at the report pipe itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sessions import seeded_store

from plugin import openwebui
from plugin.app import session as session_module
from plugin.domain import pricing
from plugin.functions.pipe import Pipe
from plugin.store import Store

ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
HELPER = "helper-model"
QUESTION = "tell me a story about my habits"


class Model:
    """`openwebui.chat_completion` faked: who asked, with what, and a one-round answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(
        self, request: Any, user_id: str, form: dict[str, Any], received: list[str] | None = None
    ) -> dict[str, Any]:
        self.calls.append((user_id, form))
        return {
            "choices": [{"message": {"role": "assistant", "content": "A story."}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 5},
        }


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Model, Store]]:
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama3:8b")
    fake = Model()

    async def open_store_async(path: Any, **_: Any) -> Store:
        return store

    async def list_users() -> list[dict]:
        return [dict(ALICE), dict(BOB)]

    async def billing_settings() -> tuple[pricing.Price, int]:
        return pricing.defaults(60, 60, -1), 0

    async def billing_valves() -> dict[str, Any]:
        return {}

    monkeypatch.setattr(session_module, "open_store_async", open_store_async)
    monkeypatch.setattr(openwebui, "list_users", list_users)
    monkeypatch.setattr(openwebui, "model_list", lambda request: [{"id": "gpt-4o"}, {"id": HELPER}])
    monkeypatch.setattr(openwebui, "billing_settings", billing_settings)
    monkeypatch.setattr(openwebui, "billing_valves", billing_valves)
    monkeypatch.setattr(openwebui, "chat_completion", fake)
    yield fake, store
    store.close()


def ask(pipe: Pipe, text: str, message_id: str = "m-1") -> str:
    async def go() -> str:
        out = await pipe.pipe(
            {"messages": [{"role": "user", "content": text}]},
            __user__=dict(ALICE),
            __metadata__={"chat_id": "chat-9", "message_id": message_id},
        )
        return out if isinstance(out, str) else "".join([piece async for piece in out])

    return asyncio.run(go())


def test_without_an_assistant_model_the_help_answers(model: tuple[Model, Store]) -> None:
    fake, _ = model
    text = ask(Pipe(), QUESTION)
    assert "I didn't understand" in text and fake.calls == []


def test_with_an_assistant_model_the_asker_asks_it_and_pays_under_the_chats_message(
    model: tuple[Model, Store],
) -> None:
    fake, store = model
    pipe = Pipe()
    pipe.valves.assistant_model = HELPER
    before = store.get_user(ALICE["id"])
    text = ask(pipe, QUESTION)
    assert text.startswith("A story.")
    [(user_id, form)] = fake.calls
    assert user_id == ALICE["id"] and form["model"] == HELPER and form["stream"] is False
    record = store.get_usage("chat-9", "m-1")
    assert record is not None and record["model_id"] == HELPER and record["user_id"] == ALICE["id"]
    after = store.get_user(ALICE["id"])
    assert before is not None and after is not None
    assert after["balance"] == before["balance"] - pricing.defaults(60, 60, -1).cost(40, 5)


def test_the_assistant_valves_reach_the_question(model: tuple[Model, Store]) -> None:
    fake, store = model
    pipe = Pipe()
    pipe.valves.assistant_model = HELPER
    pipe.valves.assistant_stream = True
    pipe.valves.assistant_free = True
    before = store.get_user(ALICE["id"])
    ask(pipe, QUESTION)
    assert fake.calls[0][1]["stream"] is True
    assert store.get_user(ALICE["id"]) == before  # free: recorded, not charged


def test_a_chinese_question_is_answered_in_chinese(model: tuple[Model, Store]) -> None:
    fake, _ = model
    pipe = Pipe()
    pipe.valves.assistant_model = HELPER
    text = ask(pipe, "给我讲个故事吧")
    assert "简体中文" in fake.calls[0][1]["messages"][0]["content"]
    assert "由 helper-model 回答" in text


def test_the_report_pipe_is_never_its_own_assistant(
    model: tuple[Model, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = model
    monkeypatch.setattr(openwebui, "model_list", lambda request: [{"id": "openwebui_monitor_pipe"}])
    monkeypatch.setattr(openwebui, "is_monitor_pipe", lambda request, entry: True)
    pipe = Pipe()
    pipe.valves.assistant_model = "openwebui_monitor_pipe"
    text = ask(pipe, QUESTION)
    assert "is the Usage Monitor itself" in text and fake.calls == []


@pytest.mark.parametrize("fails", [False, True])
def test_the_status_line_shows_the_rounds_and_is_hidden_at_the_end(
    model: tuple[Model, Store], monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    if fails:

        async def broken(request: Any, user_id: str, form: dict[str, Any], received: Any = None) -> dict[str, Any]:
            raise RuntimeError("upstream down")

        monkeypatch.setattr(openwebui, "chat_completion", broken)
    events: list[dict[str, Any]] = []

    async def emit(event: dict[str, Any]) -> None:
        events.append(event)

    pipe = Pipe()
    pipe.valves.assistant_model = HELPER

    async def go() -> str:
        out = await pipe.pipe(
            {"messages": [{"role": "user", "content": QUESTION}]},
            __user__=dict(ALICE),
            __metadata__={"chat_id": "chat-9", "message_id": "m-2"},
            __event_emitter__=emit,
        )
        return out if isinstance(out, str) else "".join([piece async for piece in out])

    text = asyncio.run(go())
    assert ("could not answer" in text) is fails
    shown = [e["data"] for e in events if e["type"] == "status"]
    assert shown[0]["description"] == "Looking it up with helper-model… (1)" and not shown[0]["done"]
    assert shown[-1]["done"] and shown[-1]["hidden"]
