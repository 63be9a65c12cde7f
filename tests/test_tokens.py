from __future__ import annotations

import pytest

from plugin import tokens
from plugin.tokens import InvalidUsage, Usage


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


def test_anthropic_cache_reads_are_cached_tokens() -> None:
    usage = {"input_tokens": 50, "output_tokens": 5, "cache_read_input_tokens": 30}
    assert tokens.reported_usage(assistant(usage)).cached_tokens == 30


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
