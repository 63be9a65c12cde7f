"""The two Action Functions as Open WebUI calls them (plain dicts in, events out), over the faked Open WebUI of
`test_security.World`: a press adds a card under the reply and never writes the status line (the reply's cost
notice); a cancelled press leaves only a passing note; each Function runs only the buttons it shows; the admin
model over the pipe counts as the pipe (never billed, never tested)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import test_security as world_of

from plugin import openwebui
from plugin.functions import action, admin_action
from plugin.store import Store
from plugin.ui import buttons

store = world_of.store  # the seeded store fixture: Alice, Bob and their usage


@pytest.mark.parametrize("button", sorted(buttons._BUTTONS))
def test_a_press_adds_a_card_and_never_writes_the_status_line(
    monkeypatch: pytest.MonkeyPatch, store: Store, button: str
) -> None:
    world = world_of.World(monkeypatch, store)
    result, events, _dialog = world.press(world_of.ADMIN, button, *world_of.BUTTON_ANSWERS[button])
    assert [e for e in events if e["type"] == "status"] == []  # the status line stays the cost notice
    cards = [e for e in events if e["type"] == "embeds"]
    assert cards and all(e["data"]["replace"] is True for e in cards)  # one card under a reply, the newest
    assert result["embed"] is True and result["text"] not in ("", None)
    (page,) = cards[-1]["data"]["embeds"]
    assert page.startswith("<!DOCTYPE html>")


def test_usage_card_holds_every_part_of_the_record(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    world = world_of.World(monkeypatch, store)
    result, events, _dialog = world.press(world_of.ALICE, "usage")
    (page,) = world_of.embeds(events)
    for part in result["text"].split(" | "):
        assert f"<li>{part}</li>" in page.replace("&#x27;", "'"), part


def test_a_cancelled_press_is_only_a_passing_note(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    world = world_of.World(monkeypatch, store)
    before = world_of.snapshot(store)
    result, events, dialog = world.press(world_of.ADMIN, "topup", "alice@example.com", "5", False)
    assert [e["type"] for e in dialog.asked] == ["input", "input", "confirmation"]
    assert events == [{"type": "notification", "data": {"type": "info", "content": result["text"]}}]
    assert result["text"].startswith("Cancelled") and result["embed"] is False
    assert world_of.snapshot(store) == before


@pytest.mark.parametrize(
    ("function", "button"),
    [(action.Action, "topup"), (action.Action, "export"), (admin_action.Action, "usage"), (action.Action, "nope")],
)
def test_each_function_runs_only_the_buttons_it_shows(
    monkeypatch: pytest.MonkeyPatch, store: Store, function: type, button: str
) -> None:
    """An admin may call any active Action by id; a button another Function shows is not run here."""
    world = world_of.World(monkeypatch, store)
    before = world_of.snapshot(store)
    events: list[dict] = []
    dialog = world_of.Dialog("alice@example.com", "5", True)

    async def emit(event: dict) -> None:
        events.append(event)

    result = asyncio.run(
        function().action(
            {"chat_id": "c", "id": "m0"},
            __user__=dict(world_of.ADMIN),
            __event_emitter__=emit,
            __event_call__=dialog,
            __id__=button,
        )
    )
    assert dialog.asked == [] and world.saved == [] and world_of.snapshot(store) == before
    assert [e["type"] for e in events] == ["notification"] and events[0]["data"]["type"] == "error"
    assert result["embed"] is False


def test_the_two_functions_split_the_buttons() -> None:
    everyone = {a["id"] for a in action.Action.actions}
    admins = {a["id"] for a in admin_action.Action.actions}
    assert everyone == {"usage", "dashboard"} and admins == buttons.ADMIN_BUTTONS and not everyone & admins
    assert admin_action.Action.Valves is action.Action.Valves  # the same settings: the same database


def request_with(**functions: object) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(FUNCTIONS=functions)))


def test_a_model_over_the_report_pipe_is_the_report_pipe() -> None:
    report, other = SimpleNamespace(openwebui_monitor_role="report"), SimpleNamespace()
    request = request_with(openwebui_monitor_pipe=report, some_pipe=other)
    pipe = {"id": "openwebui_monitor_pipe", "pipe": {"type": "pipe"}}
    admin_model = {
        "id": "openwebui_monitor_admin",
        "pipe": {"type": "pipe"},
        "info": {"base_model_id": "openwebui_monitor_pipe"},
    }
    over_other = {"id": "mine", "pipe": {"type": "pipe"}, "info": {"base_model_id": "some_pipe"}}
    assert openwebui.is_monitor_pipe(request, pipe) and openwebui.is_monitor_pipe(request, admin_model)
    assert not openwebui.is_monitor_pipe(request, over_other)
    assert not openwebui.is_monitor_pipe(request, {"id": "gpt", "info": {"base_model_id": "openwebui_monitor_pipe"}})


def test_a_model_named_like_the_report_pipe_over_a_paid_pipe_is_billed() -> None:
    """A workspace model's id is free text, but Open WebUI sends its chats to its base: a user's
    "openwebui_monitor_pipe.free" over a paid manifold (e.g. "anthropic.claude-opus") reaches the paid model and
    must be billed like it."""
    report, paid = SimpleNamespace(openwebui_monitor_role="report"), SimpleNamespace()
    request = request_with(openwebui_monitor_pipe=report, anthropic=paid)
    disguised = {
        "id": "openwebui_monitor_pipe.free",
        "pipe": {"type": "pipe"},
        "info": {"base_model_id": "anthropic.claude-opus"},
    }
    assert not openwebui.is_monitor_pipe(request, disguised)
    assert openwebui.is_monitor_pipe(request, {"id": "openwebui_monitor_pipe.sub", "pipe": {"type": "pipe"}})
