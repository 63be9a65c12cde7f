"""A chat completion read back (`domain/completions.py`): every shape a provider or a pipe may answer the assistant
with, as JSON or as server-sent events, into the words, the tool calls and the usage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plugin.domain import completions
from plugin.domain.completions import MAX_TOOL_CALLS, CompletionError, Conversation, Reply, ToolCall
from plugin.domain.tokens import Usage


def body(message: dict[str, Any], usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A non-streamed chat completion holding `message` (and `usage` when given)."""
    reply: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}],
    }
    if usage is not None:
        reply["usage"] = usage
    return reply


def tool_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def event(chunk: dict[str, Any] | str) -> str:
    return "data: " + (chunk if isinstance(chunk, str) else json.dumps(chunk))


def delta(**fields: Any) -> dict[str, Any]:
    """A stream chunk whose first choice's delta holds `fields`."""
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": fields}]}


def call_delta(index: int, arguments: str, call_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id is not None:
        item["id"], item["type"] = call_id, "function"
    if name is not None:
        item["function"]["name"] = name
    return delta(tool_calls=[item])


def stream(*chunks: dict[str, Any] | str, done: bool = True) -> str:
    """The text of an event stream: one `data:` line per chunk, blank lines between, `[DONE]` at the end."""
    lines = [event(chunk) for chunk in chunks] + (["data: [DONE]"] if done else [])
    return "\n\n".join(lines) + "\n\n"


# -- JSON ---------------------------------------------------------------------------------------------------------


def test_a_plain_json_answer_gives_its_words_and_usage() -> None:
    reply = completions.read(body({"content": "You spent $1.23."}, {"prompt_tokens": 120, "completion_tokens": 9}))
    assert reply == Reply(content="You spent $1.23.", tool_calls=(), usage=Usage(120, 9))
    assert completions.read_json(body({"content": "You spent $1.23."})) == Reply(content="You spent $1.23.")


def test_json_tool_calls_are_read_in_order_with_their_ids_and_arguments() -> None:
    reply = completions.read(
        body(
            {
                "content": None,
                "tool_calls": [
                    tool_call("call_a", "usage_report", '{"range": "7d"}'),
                    tool_call("call_b", "balance", "{}"),
                ],
            }
        )
    )
    assert reply.content == ""
    assert reply.tool_calls == (
        ToolCall("call_a", "usage_report", '{"range": "7d"}'),
        ToolCall("call_b", "balance", "{}"),
    )


def test_json_arguments_given_as_an_object_become_json_text() -> None:
    reply = completions.read_json(body({"tool_calls": [tool_call("c1", "records", {"sort": "cost", "page": 2})]}))
    (call,) = reply.tool_calls
    assert json.loads(call.arguments) == {"sort": "cost", "page": 2}


def test_json_arguments_neither_text_nor_object_stay_their_json_and_a_missing_id_is_made_up() -> None:
    """A list is kept as its JSON text, so the tool answers "not a JSON object" rather than running with none."""
    item = {"type": "function", "function": {"name": "balance", "arguments": ["not", "an", "object"]}}
    reply = completions.read_json(body({"tool_calls": [item]}))
    assert reply.tool_calls == (ToolCall("call_0", "balance", '["not", "an", "object"]'),)


def test_content_as_a_list_of_text_parts_is_joined_and_other_parts_are_skipped() -> None:
    parts = [
        {"type": "text", "text": "You spent "},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "$2."},
        "stray",
    ]
    assert completions.read(body({"content": parts})).content == "You spent $2."


def test_an_error_body_raises_whether_decoded_or_as_text() -> None:
    error = {"error": {"message": "model not found", "type": "invalid_request_error"}}
    with pytest.raises(CompletionError, match="model not found"):
        completions.read(error)
    with pytest.raises(CompletionError, match="model not found"):
        completions.read("  " + json.dumps(error))
    with pytest.raises(CompletionError, match="overloaded"):
        completions.read({"error": "overloaded"})


def test_an_error_message_is_cut_to_300_characters() -> None:
    with pytest.raises(CompletionError) as raised:
        completions.read({"error": {"message": "x" * 5_000}})
    assert len(str(raised.value)) == 300


def test_a_body_without_choices_raises() -> None:
    with pytest.raises(CompletionError):
        completions.read({"id": "chatcmpl-1", "object": "chat.completion"})
    with pytest.raises(CompletionError):
        completions.read("")
    with pytest.raises(CompletionError):
        completions.read("   \n  ")


def test_a_json_body_carried_as_text_is_read_as_json() -> None:
    text = json.dumps(body({"content": "Hi"}, {"prompt_tokens": 3, "completion_tokens": 1}))
    assert completions.read(text) == Reply(content="Hi", usage=Usage(3, 1))


def test_plain_text_from_a_pipe_becomes_the_content() -> None:
    assert completions.read("You spent nothing this week.") == Reply(content="You spent nothing this week.")
    assert completions.read("{not json at all") == Reply(content="{not json at all")


def test_json_tool_calls_beyond_the_cap_are_dropped() -> None:
    calls = [tool_call(f"c{n}", "balance", "{}") for n in range(MAX_TOOL_CALLS + 5)]
    reply = completions.read(body({"tool_calls": calls}))
    assert [call.id for call in reply.tool_calls] == [f"c{n}" for n in range(MAX_TOOL_CALLS)]


# -- streams ------------------------------------------------------------------------------------------------------


def test_a_stream_joins_content_deltas_and_reads_the_usage_chunk() -> None:
    text = stream(
        delta(role="assistant", content=""),
        delta(content="You spent "),
        delta(content="$1.23"),
        delta(content=None),
        delta(content=" this week."),
        {"object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 6}},
    )
    expected = Reply(content="You spent $1.23 this week.", usage=Usage(50, 6))
    assert completions.read(text) == expected
    assert completions.read_stream(text.splitlines()) == expected


def test_a_streamed_tool_call_is_joined_from_its_pieces_and_calls_are_kept_apart_by_index() -> None:
    text = stream(
        call_delta(0, '{"ran', call_id="call_a", name="usage_report"),
        call_delta(1, "", call_id="call_b", name="balance"),
        call_delta(0, 'ge": "7'),
        call_delta(1, "{}"),
        call_delta(0, 'd"}'),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    )
    reply = completions.read(text)
    assert reply.content == ""
    assert reply.tool_calls == (
        ToolCall("call_a", "usage_report", '{"range": "7d"}'),
        ToolCall("call_b", "balance", "{}"),
    )
    assert json.loads(reply.tool_calls[0].arguments) == {"range": "7d"}


def test_streamed_calls_are_ordered_by_index_not_by_arrival() -> None:
    text = stream(
        call_delta(1, "{}", call_id="second", name="prices"), call_delta(0, "{}", call_id="first", name="balance")
    )
    assert [call.id for call in completions.read(text).tool_calls] == ["first", "second"]


def test_a_streamed_call_without_a_name_is_dropped() -> None:
    text = stream(call_delta(0, '{"range": "all"}', call_id="call_x"), delta(content="ok"))
    assert completions.read(text) == Reply(content="ok")


def test_streamed_tool_calls_beyond_the_cap_are_dropped() -> None:
    chunks = [call_delta(n, "{}", call_id=f"c{n}", name="balance") for n in range(MAX_TOOL_CALLS + 3)]
    reply = completions.read(stream(*chunks))
    assert [call.id for call in reply.tool_calls] == [f"c{n}" for n in range(MAX_TOOL_CALLS)]


def test_an_error_chunk_in_a_stream_raises() -> None:
    text = stream(delta(content="You spent"), {"error": {"message": "upstream timed out", "code": 504}})
    with pytest.raises(CompletionError, match="upstream timed out"):
        completions.read(text)


def test_keep_alives_comments_and_lines_that_are_not_json_are_ignored() -> None:
    text = "\n".join(
        [
            ": keep-alive",
            "event: message",
            "id: 7",
            "retry: 3000",
            event(delta(content="Hello")),
            "data: not json",
            "data: [1, 2, 3]",
            "data:",
            "",
            ": OPENROUTER PROCESSING",
            event(delta(content=" there")),
            "data: [DONE]",
        ]
    )
    assert completions.read(text) == Reply(content="Hello there")


def test_done_ends_the_stream() -> None:
    text = stream(delta(content="kept"), done=True) + event(delta(content=" after done")) + "\n\n"
    assert completions.read(text).content == "kept"


def test_a_stream_without_a_chunk_raises() -> None:
    with pytest.raises(CompletionError):
        completions.read("data: [DONE]\n\n")
    with pytest.raises(CompletionError):
        completions.read(": keep-alive\n\ndata: not json\n\n")
    with pytest.raises(CompletionError):
        completions.read_stream([])


def test_a_stream_ending_without_done_is_read_to_its_end() -> None:
    assert completions.read(stream(delta(content="no done"), done=False)) == Reply(content="no done")


# -- usage --------------------------------------------------------------------------------------------------------


def test_usage_details_cached_and_reasoning_tokens_are_read() -> None:
    usage = {
        "prompt_tokens": 1_000,
        "completion_tokens": 200,
        "total_tokens": 1_200,
        "prompt_tokens_details": {"cached_tokens": 400},
        "completion_tokens_details": {"reasoning_tokens": 150},
    }
    expected = Usage(1_000, 200, cached_tokens=400, reasoning_tokens=150)
    assert completions.read(body({"content": "ok"}, usage)).usage == expected
    streamed = stream(delta(content="ok"), {"choices": [], "usage": usage})
    assert completions.read(streamed).usage == expected


def test_a_round_s_prompt_and_completion_tokens_are_preferred_over_totals() -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 7, "input_tokens": 99, "output_tokens": 99}
    assert completions.read(body({"content": "ok"}, usage)).usage == Usage(12, 7)


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": -5, "completion_tokens": 3},
        {"prompt_tokens": "12", "completion_tokens": 3},
        {"prompt_tokens": 12, "completion_tokens": 2.5},
        {"prompt_tokens": 12, "completion_tokens": True},
        {"prompt_tokens": 10**12, "completion_tokens": 1},
        {"prompt_tokens": 12, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": "many"}},
    ],
)
def test_an_invalid_usage_gives_no_usage_rather_than_an_error(usage: dict[str, Any]) -> None:
    assert completions.read(body({"content": "ok"}, usage)) == Reply(content="ok")
    assert completions.read(stream(delta(content="ok"), {"choices": [], "usage": usage})) == Reply(content="ok")


def test_no_usage_reported_gives_none() -> None:
    assert completions.read(body({"content": "ok"}, {})).usage is None
    assert completions.read(stream(delta(content="ok"))).usage is None


def test_an_invalid_usage_chunk_late_in_a_stream_keeps_the_valid_one() -> None:
    text = stream(
        {"choices": [], "usage": {"prompt_tokens": 8, "completion_tokens": 2}},
        {"choices": [], "usage": {"prompt_tokens": -1, "completion_tokens": 2}},
    )
    assert completions.read(text).usage == Usage(8, 2)


# -- the next round -----------------------------------------------------------------------------------------------


def test_reply_message_is_openai_s_assistant_message() -> None:
    calls = (ToolCall("call_a", "usage_report", '{"range": "7d"}'), ToolCall("call_b", "balance", "{}"))
    assert Reply(tool_calls=calls).message() == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "usage_report", "arguments": '{"range": "7d"}'}},
            {"id": "call_b", "type": "function", "function": {"name": "balance", "arguments": "{}"}},
        ],
    }
    assert Reply(content="Done.").message() == {"role": "assistant", "content": "Done."}
    both = Reply(content="Let me look.", tool_calls=calls).message()
    assert json.loads(json.dumps(both))["content"] == "Let me look." and len(both["tool_calls"]) == 2


def test_a_round_appends_the_assistant_message_and_one_tool_message_per_call() -> None:
    first = [{"role": "system", "content": "rules"}, {"role": "user", "content": "how much this week?"}]
    conversation = Conversation(list(first))
    calls = (ToolCall("call_a", "usage_report", '{"range": "7d"}'), ToolCall("call_b", "balance", "{}"))
    reply = Reply(tool_calls=calls, usage=Usage(10, 2))
    conversation.add_round(reply, [(calls[0], '{"total_cost": 1.5}'), (calls[1], '{"balance": 3.0}')])
    assert conversation.messages == [
        *first,
        reply.message(),
        {"role": "tool", "tool_call_id": "call_a", "content": '{"total_cost": 1.5}'},
        {"role": "tool", "tool_call_id": "call_b", "content": '{"balance": 3.0}'},
    ]


def test_a_reply_read_from_a_stream_round_trips_into_the_next_request() -> None:
    text = stream(call_delta(0, '{"range": "all"}', call_id="call_1", name="usage_report"))
    reply = completions.read(text)
    conversation = Conversation([{"role": "user", "content": "all time?"}])
    conversation.add_round(reply, [(reply.tool_calls[0], "{}")])
    sent = json.loads(json.dumps(conversation.messages))
    assert sent[1]["tool_calls"][0]["id"] == sent[2]["tool_call_id"] == "call_1"


def test_plain_text_that_mentions_data_colon_is_still_the_content() -> None:
    assert completions.read("Your usage data: $1.23 this week.") == Reply(content="Your usage data: $1.23 this week.")
