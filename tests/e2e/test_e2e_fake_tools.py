"""The fake upstream's tool-calling model ``fake-tools`` over HTTP, without Open WebUI (a second or so).

Each reply is read as an OpenAI client reads it: a streamed tool call is put together from its deltas by index.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from .fake_upstream import (
    MODEL_IDS,
    MODEL_TOOLS,
    NO_TOOL_RESULT,
    PROMPT_TOKENS,
    TOOLS_READ,
    FakeUpstream,
    tool_calls,
)


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(tools_model=True) as fake:
        yield fake


def post(upstream: FakeUpstream, messages: list[dict], *, stream: bool, usage: bool = True) -> dict[str, Any]:
    """One chat request, answered as ``{"content", "tool_calls", "finish_reason", "usage"}`` whatever the shape."""
    body: dict[str, Any] = {"model": MODEL_TOOLS, "messages": messages, "stream": stream}
    if stream and usage:
        body["stream_options"] = {"include_usage": True}
    request = urllib.request.Request(
        f"{upstream.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read().decode()
    if not stream:
        choice = json.loads(raw)["choices"][0]
        message = choice["message"]
        return {
            "content": message.get("content"),
            "tool_calls": message.get("tool_calls") or [],
            "finish_reason": choice["finish_reason"],
            "usage": json.loads(raw).get("usage"),
        }
    lines = [line[len("data: ") :] for line in raw.split("\n") if line.startswith("data: ")]
    assert lines[-1] == "[DONE]", raw
    content: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish, reported = None, None
    for chunk in map(json.loads, lines[:-1]):
        reported = chunk.get("usage") or reported
        for choice in chunk["choices"]:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            for piece in delta.get("tool_calls") or []:
                call = calls.setdefault(piece["index"], {"function": {"name": "", "arguments": ""}, "pieces": 0})
                call.update({k: piece[k] for k in ("id", "type") if k in piece})
                call["function"]["name"] += piece.get("function", {}).get("name", "")
                call["function"]["arguments"] += piece.get("function", {}).get("arguments", "")
                call["pieces"] += 1
            finish = choice.get("finish_reason") or finish
    return {
        "content": "".join(content) or None,
        "tool_calls": [calls[i] for i in sorted(calls)],
        "finish_reason": finish,
        "usage": reported,
    }


def followed(messages: list[dict], answer: dict[str, Any], result: str) -> list[dict]:
    """The conversation after a tool call: the assistant's call and the tool's result appended."""
    call = {k: answer["tool_calls"][0][k] for k in ("id", "type", "function")}
    return [
        *messages,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": result},
    ]


def test_it_is_listed_only_when_asked_for() -> None:
    for tools_model, expected in ((False, set(MODEL_IDS)), (True, {*MODEL_IDS, MODEL_TOOLS})):
        with FakeUpstream(tools_model=tools_model) as fake:
            with urllib.request.urlopen(f"{fake.base_url}/models", timeout=10) as response:
                assert {m["id"] for m in json.load(response)["data"]} == expected


def test_the_markers_are_read_in_order_with_quoted_values() -> None:
    text = 'hi [call usage_report range=all user="Ana María"] and [call users] [call top range=7d]'
    assert tool_calls(text) == [
        ("usage_report", {"range": "all", "user": "Ana María"}),
        ("users", {}),
        ("top", {"range": "7d"}),
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_one_call_per_round_then_the_last_tool_result_read(upstream: FakeUpstream, stream: bool) -> None:
    script = 'q [call usage_report range=all user="Ana María"] [call balance] [usage 7 3]'
    question = [{"role": "user", "content": script}]
    first = post(upstream, question, stream=stream)
    assert first["finish_reason"] == "tool_calls" and first["content"] is None, first
    [call] = first["tool_calls"]
    assert call["id"].startswith("call_0_") and call["type"] == "function"
    assert call["function"]["name"] == "usage_report"
    assert json.loads(call["function"]["arguments"]) == {"range": "all", "user": "Ana María"}
    assert call.get("pieces", 3) >= 3  # streamed: the name's delta, then the arguments in two or more
    assert first["usage"]["prompt_tokens"] == 7 and first["usage"]["completion_tokens"] == 3

    second_request = followed(question, first, '{"total_cost": 1.5}')
    second = post(upstream, second_request, stream=stream)
    [call] = second["tool_calls"]
    assert call["id"].startswith("call_1_") and call["function"]["name"] == "balance"
    assert json.loads(call["function"]["arguments"]) == {}

    third = post(upstream, followed(second_request, second, "x" * 400), stream=stream)
    assert (third["finish_reason"], third["tool_calls"]) == ("stop", [])
    assert third["content"] == TOOLS_READ + "x" * 300
    assert third["usage"]["prompt_tokens"] == 7  # every round reports the usage
    recorded = upstream.records[-1]
    assert recorded.model == MODEL_TOOLS and recorded.body["messages"][-1]["content"] == "x" * 400


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_no_call_marker_answers_text_and_a_new_question_starts_over(upstream: FakeUpstream, stream: bool) -> None:
    plain = post(upstream, [{"role": "user", "content": "how much?"}], stream=stream)
    assert (plain["content"], plain["finish_reason"]) == (TOOLS_READ + NO_TOOL_RESULT, "stop")
    assert plain["usage"]["prompt_tokens"] == PROMPT_TOKENS

    earlier = [{"role": "user", "content": "[call balance]"}]
    earlier = followed(earlier, post(upstream, earlier, stream=stream), "old")
    again = post(upstream, [*earlier, {"role": "user", "content": "[call prices]"}], stream=stream)
    assert again["tool_calls"][0]["id"].startswith("call_0_")  # rounds count after the last user message only
    assert again["tool_calls"][0]["function"]["name"] == "prices"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_loop_never_stops_and_fail_is_a_500(upstream: FakeUpstream, stream: bool) -> None:
    messages = [{"role": "user", "content": "[loop] [call usage_report range=all]"}]
    for k in range(6):
        answer = post(upstream, messages, stream=stream)
        [call] = answer["tool_calls"]
        assert call["id"].startswith(f"call_{k}_") and call["function"]["name"] == "balance"
        assert json.loads(call["function"]["arguments"]) == {} and answer["finish_reason"] == "tool_calls"
        messages = followed(messages, answer, "{}")

    with pytest.raises(urllib.error.HTTPError) as failure:
        post(upstream, [{"role": "user", "content": "[fail] [call balance]"}], stream=stream)
    assert failure.value.code == 500
    assert "message" in json.loads(failure.value.read())["error"]


def test_delay_applies_to_every_round_and_usage_only_when_asked_for_in_a_stream(upstream: FakeUpstream) -> None:
    messages = [{"role": "user", "content": "[delay 0.3] [call balance]"}]
    started = time.monotonic()
    answer = post(upstream, messages, stream=True, usage=False)
    assert answer["usage"] is None and answer["tool_calls"]
    post(upstream, followed(messages, answer, "{}"), stream=True, usage=False)
    assert time.monotonic() - started >= 0.6
