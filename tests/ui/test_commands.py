"""The report model's parser: every way people type a command, and hostile text that must stay harmless."""

from __future__ import annotations

import time

import pytest

from plugin.domain import ranges
from plugin.errors import InvalidRange
from plugin.ui.commands import admin_only
from plugin.ui.parse import Command, message_text, parse, pasted_block, qualifiers


@pytest.mark.parametrize(
    ("text", "name", "range_text"),
    [
        ("/usage 7d", "usage", "7d"),
        ("usage last 7 days", "usage", "last 7 days"),
        ("用量 7天", "usage", "7天"),
        ("用量7天", "usage", "7天"),
        ("查看我的用量 本月", "usage", "本月"),
        ("uso 7d", "usage", "7d"),
        ("muéstrame mi uso de hoy", "usage", "hoy"),
        ("how much did I spend last week", "usage", "last week"),
        ("Show me my usage for the last 30 days", "usage", "last 30 days"),
        ("/models month", "models", "month"),
        ("/模型 全部", "models", "全部"),
        ("/modelos semana", "models", "semana"),
        ("/days 2026-11-01..2026-11-28", "days", "2026-11-01..2026-11-28"),
        ("/balance", "balance", ""),
        ("我的余额", "balance", ""),
        ("¿cuál es mi saldo?", "balance", ""),
        ("/top 30d by calls", "top", "30d"),
        ("/help", "help", ""),
        ("", "help", ""),
        ("   ", "help", ""),
    ],
)
def test_forms_of_the_same_command(text: str, name: str, range_text: str) -> None:
    command = parse(text)
    assert command.name == name
    assert qualifiers(command.args)[1] == range_text


def test_every_range_the_forms_yield_is_readable() -> None:
    now = time.time()
    for text in ("7d", "last 7 days", "7天", "hoy", "last week", "last 30 days", "本月", "全部", "semana"):
        assert ranges.parse(text, now=now, tz=None).key in {"days", "today", "last_week", "month", "all", "week"}


def test_records_options_and_qualifiers() -> None:
    command = parse("/records user:alice model:llama3:8b sort:cost page:2 7d asc")
    assert command.name == "records"
    assert command.options == {"user": "alice", "model": "llama3:8b", "sort": "cost", "page": "2"}
    assert qualifiers(command.args) == ({"asc"}, "7d")


def test_admin_subcommands_keep_their_arguments() -> None:
    assert parse("/balance add alice@example.com 10") == Command(
        "balance", "add", ("alice@example.com", "10"), {}, "/balance add alice@example.com 10"
    )
    assert parse("/balance set 'Ana María' 5.5").args == ("Ana María", "5.5")
    assert parse("余额 充值 bob 10").sub == "add"
    assert parse("/price set llama3:8b 0.2 0.4").args == ("llama3:8b", "0.2", "0.4")
    assert parse('/price set "gpt 4" input=2 output=3').options == {"input": "2", "output": "3"}
    assert parse("/price clear gpt-4o").sub == "clear"
    assert parse("/price copy a b").args == ("a", "b")
    assert parse("/price").name == "prices"
    assert parse("/export json").sub == "json"
    assert parse("/export").sub == "csv"
    assert parse("/block Bob").name == "block" and parse("/unblock Bob").name == "unblock"


def test_admin_only_marks() -> None:
    assert not admin_only(parse("/balance"))
    assert admin_only(parse("/balance add bob 1"))
    assert admin_only(parse("/users")) and admin_only(parse("/top")) and admin_only(parse("/import"))
    assert not admin_only(parse("/usage")) and not admin_only(parse("/records"))


@pytest.mark.parametrize(
    "text",
    [
        "x'; DROP TABLE users;--",
        "/userss",
        "/imp",
        "\x00\x01\x02",
        "🙂" * 10_000,
        "/records sort:created_at;DROP",
        '/balance add "unterminated 10',
        "/" * 500,
        "9" * 5000,
    ],
)
def test_hostile_input_never_raises(text: str) -> None:
    command = parse(text)
    assert isinstance(command, Command)
    assert len(command.raw) <= 4_000


def test_unknown_words_become_help_with_what_was_typed() -> None:
    command = parse("/userss")
    assert command.name == "help" and command.args == ("userss",)


def test_prefix_of_a_longer_word_is_not_a_command() -> None:
    # "user" starts with "use" (usage) but is its own word.
    assert parse("/user bob").name == "users"
    assert parse("/usefulness").name == "help"


@pytest.mark.parametrize("text", ["2026-13-01", "foo", "0d", "99999999d", "2026-02-30..2026-03-01", "-5d"])
def test_bad_ranges_raise_our_error(text: str) -> None:
    with pytest.raises(InvalidRange):
        ranges.parse(text, now=time.time(), tz=None)


def test_message_text_of_any_body_shape() -> None:
    assert message_text({"messages": [{"role": "user", "content": "/usage"}]}) == "/usage"
    parts = [{"type": "image_url", "image_url": {"url": "data:"}}, {"type": "text", "text": "/top"}]
    assert message_text({"messages": [{"role": "user", "content": parts}]}) == "/top"
    assert message_text({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}) == "a"
    for body in (None, {}, {"messages": None}, {"messages": "x"}, {"messages": [None, 3]}, [], "text"):
        assert message_text(body) == ""


def test_pasted_json_block() -> None:
    assert pasted_block('/import\n```json\n{"a": 1}\n```') == '{"a": 1}'
    assert pasted_block("/import") is None
