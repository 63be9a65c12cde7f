"""What a hook's arguments say about a request (`app/requests.py`): here, when the trailing assistant message is
the reply being continued (its tokens are not this round's output) and when it is the client's own prefill."""

from __future__ import annotations

from plugin.app import requests

PREFILL = [{"role": "user", "content": "Write a haiku"}, {"role": "assistant", "content": "Autumn moon rising"}]


def words(text: str) -> int:
    return len(text.split())


def test_a_trailing_assistant_message_is_a_continue_only_when_open_webui_names_one() -> None:
    """A prefill (an API client, a temporary chat, a regenerate that sends the old reply) is a prompt: counting it
    as the reply so far would take its tokens off this round's output."""
    assert requests.continued_tokens(PREFILL, {}, words) is None
    assert requests.continued_tokens(PREFILL, {"assistant_message_id": ""}, words) is None
    assert requests.continued_tokens(PREFILL, None, words) is None
    assert requests.continued_tokens(PREFILL, {"assistant_message_id": "a1"}, words) == 3


def test_a_named_continue_without_its_reply_in_the_messages_continues_nothing() -> None:
    assert requests.continued_tokens(PREFILL[:1], {"assistant_message_id": "a1"}, words) == 0
    assert requests.continued_tokens("not a list", {"assistant_message_id": "a1"}, words) == 0
