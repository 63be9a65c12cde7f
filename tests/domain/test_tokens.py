from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from plugin.domain import tokens
from plugin.domain.pricing import Price
from plugin.domain.tokens import InvalidUsage, Usage


def assistant(usage=None, info=None, content="Hello there", **extra):
    message = {"role": "assistant", "content": content, **extra}
    if usage is not None:
        message["usage"] = usage
    if info is not None:
        message["info"] = info
    return message


def test_reported_usage_gives_totals_or_the_last_round() -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 7, "input_tokens": 23, "output_tokens": 17}
    assert tokens.reported_usage(assistant(usage)) == Usage(23, 17)
    assert tokens.reported_usage(assistant(usage), last_round=True) == Usage(12, 7)
    assert tokens.reported_usage(assistant({"input_tokens": 3, "output_tokens": 1}), last_round=True) == Usage(3, 1)


def test_reported_usage_reads_openai_names_and_details() -> None:
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 40,
        "prompt_tokens_details": {"cached_tokens": 60},
        "completion_tokens_details": {"reasoning_tokens": 25},
    }
    assert tokens.reported_usage(assistant(usage)) == Usage(100, 40, cached_tokens=60, reasoning_tokens=25)


def test_info_usage_is_read_only_when_usage_is_absent_and_never_added() -> None:
    same = {"input_tokens": 11, "output_tokens": 5}
    assert tokens.reported_usage(assistant(same, info={"usage": same})) == Usage(11, 5)
    assert tokens.reported_usage(assistant(info={"usage": same})) == Usage(11, 5)


def _as_open_webui_hands_it(usage: dict) -> dict:
    """The usage as Open WebUI 0.12.4 gives it to the outlet: through its own `normalize_usage` (the same shape,
    unnormalised, is what the stream hook sees in the upstream's chunk). The function is taken from the installed
    source and run alone: importing its module would start Open WebUI's configuration."""
    spec = importlib.util.find_spec("open_webui")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("Open WebUI is not installed")
    source = (Path(next(iter(spec.submodule_search_locations))) / "utils" / "response.py").read_text("utf-8")
    (node,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == "normalize_usage"]
    namespace: dict = {}
    exec(compile(ast.Module(body=[node], type_ignores=[]), "response.py", "exec"), namespace)
    return namespace["normalize_usage"](usage)


@pytest.mark.parametrize("normalise", [False, True], ids=["stream-chunk", "outlet"])
def test_anthropic_cache_reads_and_writes_are_on_top_of_input_tokens(normalise: bool) -> None:
    """Anthropic counts cache reads and cache writes apart from `input_tokens`: both are input, billed at their own
    rates (reads at the cached rate, writes at 1.25x the input rate), on top of the uncached input."""
    raw = {"input_tokens": 50, "output_tokens": 5, "cache_read_input_tokens": 30, "cache_creation_input_tokens": 20}
    usage = tokens.reported_usage(assistant(_as_open_webui_hands_it(raw) if normalise else raw))
    assert usage == Usage(100, 5, cached_tokens=30, cache_write_tokens=20)
    price = Price(input=3_000_000, output=15_000_000, cached_input=300_000, source="admin")  # per 1M tokens
    # 50 x 3 + 30 x 0.3 + 20 x 3.75 + 5 x 15 = 150 + 9 + 75 + 75 = 309 micro-units
    assert price.cost(usage.input_tokens, usage.output_tokens, usage.cached_tokens, 0, usage.cache_write_tokens) == 309


@pytest.mark.parametrize("normalise", [False, True], ids=["stream-chunk", "outlet"])
def test_openai_cached_tokens_stay_inside_prompt_tokens(normalise: bool) -> None:
    """OpenAI counts cached tokens inside `prompt_tokens` (so does a proxy that adds Anthropic's field names to an
    OpenAI-shaped usage): they are billed at the cached rate instead of the input rate, never on top."""
    raw = {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 30}}
    usage = tokens.reported_usage(assistant(_as_open_webui_hands_it(raw) if normalise else raw))
    assert usage == Usage(100, 5, cached_tokens=30)
    proxy = {"prompt_tokens": 100, "completion_tokens": 5, "cache_read_input_tokens": 30}
    assert tokens.reported_usage(assistant(proxy)) == Usage(100, 5, cached_tokens=30)
    price = Price(input=3_000_000, output=15_000_000, cached_input=300_000, source="admin")
    # 70 x 3 + 30 x 0.3 + 5 x 15 = 210 + 9 + 75 = 294 micro-units
    assert price.cost(usage.input_tokens, usage.output_tokens, usage.cached_tokens) == 294


def test_no_usage_means_none() -> None:
    assert tokens.reported_usage(assistant()) is None
    assert tokens.reported_usage(assistant({})) is None
    assert tokens.reported_usage(assistant({"total_tokens": 9})) is None


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": -5, "output_tokens": 3},
        {"input_tokens": 5, "output_tokens": -3},
        {"input_tokens": "12", "output_tokens": 3},
        {"input_tokens": 1.5, "output_tokens": 3},
        {"input_tokens": True, "output_tokens": 3},
        {"input_tokens": 10**12, "output_tokens": 3},
    ],
)
def test_negative_or_absurd_counts_are_rejected(usage) -> None:
    with pytest.raises(InvalidUsage):
        tokens.reported_usage(assistant(usage))


def test_usage_for_falls_back_to_an_estimate_and_says_why() -> None:
    messages = [{"role": "user", "content": "hi"}, assistant({"input_tokens": -1, "output_tokens": 2})]
    usage, last_round, why = tokens.usage_for(messages)
    assert usage.estimated and usage == last_round and why and "rejected" in why
    usage, _, why = tokens.usage_for([{"role": "user", "content": "hi"}, assistant()])
    assert usage.estimated and why == "no usage reported"
    reported = {"input_tokens": 23, "output_tokens": 17, "prompt_tokens": 12, "completion_tokens": 12}
    usage, last_round, why = tokens.usage_for([assistant(reported)])
    assert (usage, last_round, why) == (Usage(23, 17), Usage(12, 12), None)


def test_heuristic_counts_cjk_per_character() -> None:
    assert tokens.heuristic_count("") == 0
    assert tokens.heuristic_count("abcd") == 1
    assert tokens.heuristic_count("abcde") == 2
    assert tokens.heuristic_count("你好世界") == 4
    assert tokens.heuristic_count("你好 abcd") == 2 + 2


def test_estimate_handles_images_lists_and_output_items() -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
        {
            "role": "assistant",
            "content": "",
            "output": [{"type": "message", "content": [{"type": "output_text", "text": "A cat, sleeping."}]}],
        },
    ]
    usage = tokens.estimate_usage(messages)
    count = tokens.heuristic_count
    expected_in = tokens.REPLY_PRIMING + 2 * tokens.PER_MESSAGE + count("be brief") + count("what is this?")
    assert usage == Usage(expected_in + tokens.PER_IMAGE, count("A cat, sleeping."), estimated=True)


@pytest.mark.parametrize("messages", [[], [None], [{"content": None}], [{"role": "user", "content": [1, None, {}]}]])
def test_estimate_never_crashes_on_malformed_messages(messages) -> None:
    usage, _, why = tokens.usage_for(messages)
    assert usage.estimated and why


def test_the_tally_reads_chat_completion_chunks_and_responses_api_events() -> None:
    """What the stream hook is handed: OpenAI chat-completion chunks (text in `choices[].delta`, usage once in a last
    chunk) and, from an upstream on OpenAI's Responses API, its events (text in `response.output_text.delta`, usage in
    `response.completed`). Both give the stream's text and the upstream's own usage."""
    chat = tokens.Tally()
    for piece in ("Hello ", "there"):
        chat.add({"id": "c1", "choices": [{"index": 0, "delta": {"content": piece}}]})
    chat.add({"id": "c1", "choices": [{"index": 0, "delta": {"reasoning_content": "hmm"}}]})
    chat.add({"id": "c1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}})
    assert chat.pieces == ["Hello ", "there", "hmm"] and chat.reported() == Usage(9, 4)
    responses = tokens.Tally()
    for piece in ("Hello ", "there"):
        responses.add({"type": "response.output_text.delta", "delta": piece})
    responses.add({"type": "response.output_text.done", "text": "Hello there"})  # the whole text again: not counted
    usage = {"input_tokens": 9, "output_tokens": 4, "input_tokens_details": {"cached_tokens": 2}}
    responses.add({"type": "response.completed", "response": {"id": "r1", "usage": usage}})
    assert responses.pieces == ["Hello ", "there"]
    assert responses.reported() == Usage(9, 4, cached_tokens=2)
    assert responses.output_tokens() == chat.output_tokens() - tokens.heuristic_count("hmm")


def test_the_tally_merges_a_responses_usage_reported_in_parts_and_estimates_text_after_the_last_usage() -> None:
    """A pipe that passes Anthropic's stream on reports a response's input at its start and its output at its end,
    without an id: both parts count (the largest of each, so a growing total repeated in every chunk counts once).
    A round stopped in a tool call's follow-up, after the first response reported its usage and before the second
    did, adds the follow-up's streamed text (its tool-call arguments included) as estimated output."""
    tally = tokens.Tally()
    tally.add({"usage": {"input_tokens": 1000, "output_tokens": 1, "cache_read_input_tokens": 0}})
    tally.add({"choices": [{"delta": {"content": "Hello there"}}]})
    tally.add({"usage": {"output_tokens": 200}})
    tally.add({"usage": {"output_tokens": 200}})
    assert tally.reported() == Usage(1000, 200)
    call = {"id": "c2", "choices": [{"delta": {"tool_calls": [{"function": {"name": "f", "arguments": '{"q":1}'}}]}}]}
    tally.add(call)
    tally.add({"id": "c2", "choices": [{"delta": {"content": "The answer is"}}]})
    follow_up = tokens.heuristic_count('f{"q":1}The answer is')
    assert tally.reported() == Usage(1000, 200 + follow_up, estimated=True)
