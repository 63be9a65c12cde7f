"""Smoke test of the e2e harness: a tiny global PROBE filter, a non-admin user and ``fake-gpt``.

The probe's inlet asks for streamed usage; its outlet emits a ``status`` event
``"probe <output_tokens>"`` and appends one JSON line per hook call to ``<DATA_DIR>/e2e_probe.jsonl``.
Each test sends a unique nonce in the user message and finds its outlet record by it.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from .fake_upstream import COMPLETION_TOKENS, PROMPT_TOKENS, REPLY_TEXT, FakeUpstream, expected_usage
from .owui import OpenWebUI

PROBE_ID = "e2e_probe"
MODEL = "fake-gpt"

PROBE_SOURCE = '''"""
title: E2E Probe
description: test-only filter; records inlet/outlet calls to DATA_DIR/e2e_probe.jsonl
"""

import json
import os

from pydantic import BaseModel


def _last_user(messages):
    for message in reversed(messages or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


class Filter:
    class Valves(BaseModel):
        priority: int = 0

    def __init__(self):
        self.valves = self.Valves()

    def _record(self, entry):
        path = os.path.join(os.environ["DATA_DIR"], "e2e_probe.jsonl")
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\\n")

    async def inlet(self, body, __metadata__=None):
        if body.get("stream"):
            body["stream_options"] = {"include_usage": True}
        metadata = __metadata__ or {}
        self._record({
            "hook": "inlet",
            "last_user": _last_user(body.get("messages")),
            "stream": bool(body.get("stream")),
            "chat_id": metadata.get("chat_id"),
            "message_id": metadata.get("message_id"),
            "assistant_message_id": metadata.get("assistant_message_id"),
            "session_id": metadata.get("session_id"),
        })
        return body

    async def outlet(self, body, __event_emitter__=None, __metadata__=None):
        messages = body.get("messages") or []
        last = messages[-1] if messages else {}
        usage = last.get("usage") or {}
        if __event_emitter__:
            await __event_emitter__({
                "type": "status",
                "data": {"description": f"probe {usage.get('output_tokens')}", "done": True},
            })
        self._record({
            "hook": "outlet",
            "last_user": _last_user(messages),
            "chat_id": body.get("chat_id"),
            "id": body.get("id"),
            "session_id": body.get("session_id"),
            "assistant_message_id": (__metadata__ or {}).get("assistant_message_id"),
            "role": last.get("role"),
            "content": last.get("content"),
            "usage": usage,
            "finish_reason": last.get("finish_reason"),
        })
        return body
'''


def nonce() -> str:
    return f"n-{uuid.uuid4().hex[:12]}"


class Probe:
    def __init__(self, owui: OpenWebUI, user: dict) -> None:
        self.owui = owui
        self.user = user
        self.token = user["token"]
        self.path = owui.data_dir / "e2e_probe.jsonl"

    def records(self, text: str, hook: str = "outlet") -> list[dict]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        return [r for r in rows if r["hook"] == hook and text in (r.get("last_user") or "")]

    def wait_records(self, text: str, count: int = 1, hook: str = "outlet", timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.records(text, hook)
            if len(rows) >= count or time.monotonic() > deadline:
                assert len(rows) == count, f"expected {count} {hook} record(s) for {text!r}, got {rows}"
                return rows
            time.sleep(0.05)


@pytest.fixture(scope="module")
def probe(owui: OpenWebUI, make_user, tmp_path_factory: pytest.TempPathFactory):
    source = tmp_path_factory.mktemp("probe") / "e2e_probe.py"
    source.write_text(PROBE_SOURCE)
    record = owui.install_function(PROBE_ID, "E2E Probe", source)
    assert (record["type"], record["is_active"], record["is_global"]) == ("filter", True, True)
    owui.create_model_record(MODEL, "Fake GPT")
    try:
        yield Probe(owui, make_user("smoke"))
    finally:
        owui.delete_function(PROBE_ID)
        owui.delete_model_record(MODEL)
        assert owui.get_function(PROBE_ID) is None


def assert_usage(usage: dict, prompt: int = PROMPT_TOKENS, completion: int = COMPLETION_TOKENS) -> None:
    assert usage["prompt_tokens"] == prompt
    assert usage["completion_tokens"] == completion
    assert usage["input_tokens"] == prompt
    assert usage["output_tokens"] == completion
    assert usage["total_tokens"] == prompt + completion


def test_install_function_is_idempotent(owui: OpenWebUI, probe: Probe, tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(PROBE_SOURCE)
    record = owui.install_function(PROBE_ID, "E2E Probe", source, valves={"priority": 3})
    assert (record["is_active"], record["is_global"]) == (True, True)
    assert owui.get_valves(PROBE_ID) == {"priority": 3}
    owui.set_valves(PROBE_ID, {"priority": 0})
    assert owui.get_valves(PROBE_ID) == {"priority": 0}


def test_api_non_stream(probe: Probe, fake_upstream: FakeUpstream) -> None:
    text = f"hello api {nonce()}"
    status, body = probe.owui.chat_api(probe.token, MODEL, text)
    assert status == 200
    assert body["choices"][0]["message"]["content"] == REPLY_TEXT
    assert body["usage"] == expected_usage(text)
    (out,) = probe.wait_records(text)
    assert out["chat_id"] == ""
    assert out["id"].startswith("msg_")
    assert out["content"] == REPLY_TEXT
    assert_usage(out["usage"])
    (upstream,) = fake_upstream.records_containing(text)
    assert upstream.stream is False


def test_api_stream_with_usage_override(probe: Probe, fake_upstream: FakeUpstream) -> None:
    text = f"hello api stream {nonce()} [usage 1234 567] [cached 100] [reasoning 7]"
    status, result = probe.owui.chat_api(probe.token, MODEL, text, stream=True)
    assert status == 200
    assert result["text"] == REPLY_TEXT
    assert result["lines"][-1] == "data: [DONE]"
    assert result["usage"]["prompt_tokens"] == 1234
    (upstream,) = fake_upstream.records_containing(text)
    assert upstream.stream and upstream.include_usage
    (out,) = probe.wait_records(text)
    assert_usage(out["usage"], 1234, 567)
    # provider detail fields are kept inside the normalized usage
    assert out["usage"]["prompt_tokens_details"] == {"cached_tokens": 100}
    assert out["usage"]["completion_tokens_details"] == {"reasoning_tokens": 7}
    assert out["finish_reason"] == "stop"


def test_inlet_adds_include_usage_without_capability(probe: Probe, fake_upstream: FakeUpstream) -> None:
    """``fake-priced`` has no model record (admin-only, no ``capabilities.usage``), so only the
    probe's inlet can make Open WebUI ask the upstream for streamed usage."""
    text = f"admin priced {nonce()}"
    status, result = probe.owui.chat_api(probe.owui.admin_token, "fake-priced", text, stream=True)
    assert status == 200 and result["text"] == REPLY_TEXT
    (upstream,) = fake_upstream.records_containing(text)
    assert upstream.include_usage is True
    (out,) = probe.wait_records(text)
    assert_usage(out["usage"])


def test_non_admin_needs_a_model_record(probe: Probe) -> None:
    _, body = probe.owui.chat_api(probe.token, "fake-priced", "hi", expect_status=400)
    assert body == {"detail": "Model not found"}


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "non-stream"])
def test_saved_chat(probe: Probe, fake_upstream: FakeUpstream, stream: bool) -> None:
    text = f"hello saved {nonce()}"
    result = probe.owui.chat_saved(probe.token, MODEL, text, stream=stream)
    message = result["message"]
    assert message["done"] is True and not message.get("error")
    assert message["content"] == REPLY_TEXT
    assert_usage(message["usage"])
    assert {"description": f"probe {COMPLETION_TOKENS}", "done": True} in message["statusHistory"]
    if stream:
        assert result["response"] is None  # the synchronous saved-chat stream answers `null`
    else:
        assert result["response"]["choices"][0]["message"]["content"] == REPLY_TEXT
    (out,) = probe.wait_records(text)
    assert (out["chat_id"], out["id"]) == (result["chat_id"], result["assistant_id"])
    assert out["session_id"] is None
    assert_usage(out["usage"])
    (upstream,) = fake_upstream.records_containing(text)
    assert upstream.stream is stream
    assert upstream.include_usage is stream


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "non-stream"])
def test_saved_chat_fan_out(probe: Probe, stream: bool) -> None:
    """The UI's path: ``session_id`` set -> ``{status, task_ids, chat_id}`` at once, work in background."""
    text = f"hello fan-out {nonce()} [usage 40 9] [delay 0.3]"
    result = probe.owui.chat_saved(probe.token, MODEL, text, stream=stream, session_id=f"sid-{nonce()}")
    response = result["response"]
    assert response["status"] is True and len(response["task_ids"]) == 1
    assert response["chat_id"] == result["chat_id"]
    message = result["message"]
    assert message["content"] == REPLY_TEXT
    assert_usage(message["usage"], 40, 9)
    assert {"description": "probe 9", "done": True} in message["statusHistory"]
    (out,) = probe.wait_records(text)
    assert out["session_id"].startswith("sid-")
    assert_usage(out["usage"], 40, 9)


def test_follow_up_turn_usage_is_per_message(probe: Probe) -> None:
    first = probe.owui.chat_saved(probe.token, MODEL, f"turn one {nonce()}")
    text = f"turn two {nonce()} [usage 20 3]"
    second = probe.owui.chat_saved(probe.token, MODEL, text, chat_id=first["chat_id"])
    assert second["chat_id"] == first["chat_id"]
    assert second["message"]["parentId"] == second["user_message_id"]
    chat = probe.owui.get_chat(probe.token, first["chat_id"])["chat"]
    assert chat["history"]["messages"][second["user_message_id"]]["parentId"] == first["assistant_id"]
    assert_usage(second["message"]["usage"], 20, 3)
    (out,) = probe.wait_records(text)
    assert out["id"] == second["assistant_id"]
    assert_usage(out["usage"], 20, 3)


def test_continue_outlet_usage_is_cumulative(probe: Probe, fake_upstream: FakeUpstream) -> None:
    """Observed in 0.12.4: after a Continue, the outlet's ``input_tokens``/``output_tokens``/
    ``total_tokens`` are cumulative (read from the ``chat_message.usage`` column, which sums),
    while ``prompt_tokens``/``completion_tokens`` and the history message's ``usage`` hold only
    the last round. The round counts must differ (``[continue 12 7]``), see the next test."""
    text = f"continue me {nonce()} [usage 11 5] [continue 12 7]"
    first = probe.owui.chat_saved(probe.token, MODEL, text)
    cont = probe.owui.chat_continue(probe.token, MODEL, first["chat_id"], first["assistant_id"])

    (upstream_continue,) = [r for r in fake_upstream.records_containing(text) if r.continuation]
    assert upstream_continue.body["messages"][-1] == {"role": "assistant", "content": REPLY_TEXT}

    first_out, cont_out = probe.wait_records(text, count=2)
    assert cont_out["id"] == first["assistant_id"]
    assert cont_out["assistant_message_id"] == first["assistant_id"]
    assert_usage(first_out["usage"], 11, 5)
    assert cont_out["usage"]["input_tokens"] == 11 + 12
    assert cont_out["usage"]["output_tokens"] == 5 + 7
    assert cont_out["usage"]["total_tokens"] == 16 + 19
    assert (cont_out["usage"]["prompt_tokens"], cont_out["usage"]["completion_tokens"]) == (12, 7)
    assert cont_out["content"] == REPLY_TEXT * 2

    message = cont["message"]
    assert message["content"] == REPLY_TEXT * 2
    assert_usage(message["usage"], 12, 7)  # history message: last round only
    assert [s["description"] for s in message["statusHistory"]] == ["probe 5", "probe 12"]

    # Quirk: the probe's status event re-upserts the history message (usage 12/7), and
    # chat_message merges it again because it differs from the stored total -> the next
    # Continue's outlet sees that round counted twice: 23 + 12 (status re-merge) + 12.
    probe.owui.chat_continue(probe.token, MODEL, first["chat_id"], first["assistant_id"])
    *_, third_out = probe.wait_records(text, count=3)
    assert third_out["usage"]["input_tokens"] == 23 + 12 + 12
    assert third_out["usage"]["output_tokens"] == 12 + 7 + 7


def test_continue_with_identical_usage_is_not_summed(probe: Probe) -> None:
    """Observed in 0.12.4: ``ChatMessages.upsert_message`` keeps the stored usage when the new
    usage is *equal* to it, so a Continue round reporting the same counts is invisible."""
    text = f"continue same {nonce()}"
    first = probe.owui.chat_saved(probe.token, MODEL, text)
    cont = probe.owui.chat_continue(probe.token, MODEL, first["chat_id"], first["assistant_id"], stream=False)
    assert cont["message"]["content"] == REPLY_TEXT * 2
    _, cont_out = probe.wait_records(text, count=2)
    assert_usage(cont_out["usage"])  # 11/5, not 22/10


def test_continue_fan_out(probe: Probe) -> None:
    text = f"continue fan-out {nonce()} [continue 30 4] [delay 0.3]"
    sid = f"sid-{nonce()}"
    first = probe.owui.chat_saved(probe.token, MODEL, text, session_id=sid)
    cont = probe.owui.chat_continue(probe.token, MODEL, first["chat_id"], first["assistant_id"], session_id=sid)
    assert cont["response"]["status"] is True
    assert cont["message"]["content"] == REPLY_TEXT * 2
    _, cont_out = probe.wait_records(text, count=2)
    assert cont_out["usage"]["input_tokens"] == PROMPT_TOKENS + 30
    assert cont_out["usage"]["output_tokens"] == COMPLETION_TOKENS + 4


def test_legacy_chat_completed_reruns_outlet(probe: Probe) -> None:
    text = f"replay {nonce()}"
    first = probe.owui.chat_saved(probe.token, MODEL, text)
    messages = [
        {"id": first["user_message_id"], "role": "user", "content": text},
        {"id": first["assistant_id"], "role": "assistant", "content": REPLY_TEXT, "usage": {"output_tokens": 999}},
    ]
    body = {"model": MODEL, "id": first["assistant_id"], "chat_id": first["chat_id"], "session_id": "x"}
    status, _ = probe.owui.chat_completed(probe.token, {**body, "messages": messages})
    assert status == 200
    _, replay = probe.wait_records(text, count=2)
    assert replay["usage"] == {"output_tokens": 999}  # client-supplied usage reaches the outlet
