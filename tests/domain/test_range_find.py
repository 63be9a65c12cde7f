"""A range named inside a sentence (`ranges.find`): the phrase found is the longest, stands as whole words in Latin
scripts, and is one `ranges.parse` reads."""

from __future__ import annotations

import pytest

from plugin.domain import ranges

NOW = 1_795_900_000.0  # 2026-11-28


@pytest.mark.parametrize(
    ("text", "phrase", "key", "days"),
    [
        ("how much did I spend last week", "last week", "last_week", 0),
        ("我上周花了多少", "上周", "last_week", 0),
        ("我这周花了多少", "这周", "week", 0),
        ("这个月用了多少钱", "这个月", "month", 0),
        ("上个月用了多少", "上个月", "last_month", 0),
        ("¿cuánto gasté la semana pasada?", "la semana pasada", "last_week", 0),
        ("¿cuánto gasté el mes pasado?", "el mes pasado", "last_month", 0),
        ("past 10 days spend", "past 10 days", "days", 10),
        ("过去10天的花费", "过去10天", "days", 10),
        ("最近3天", "最近3天", "days", 3),
        ("en los últimos 10 días", "últimos 10 días", "days", 10),
        ("tokens in the past 2 weeks", "past 2 weeks", "days", 14),
        ("spend yesterday on gpt-4o", "yesterday", "yesterday", 0),
        ("from 2026-11-01 to 2026-11-05 please", "2026-11-01 to 2026-11-05", "custom", 0),
        ("del 2026-11-01 al 2026-11-05", "2026-11-01 al 2026-11-05", "custom", 0),
        ("what did I spend that day, 2026-11-20", "2026-11-20", "custom", 0),  # the longest phrase wins
        ("gpt-4o上个月花了多少", "上个月", "last_month", 0),  # Chinese needs no boundary after a Latin word...
        ("用gpt-4o昨天花了多少", "昨天", "yesterday", 0),
        ("最近7天gpt-4o花了多少", "最近7天", "days", 7),  # ... nor before one
        ("total spend today", "today", "today", 0),  # a range of its own beats all time, as long as its words
        ("what's my total for the week", "week", "week", 0),
        ("¿cuánto he gastado en total hoy?", "hoy", "today", 0),
        ("我一共花了多少钱", "一共", "all", 0),  # all time alone is all time
        ("last two weeks", "last two weeks", "days", 14),  # counts in words
        ("las últimas dos semanas", "últimas dos semanas", "days", 14),
        ("最近三天", "最近三天", "days", 3),
        ("过去两周", "过去两周", "days", 14),
        ("这个星期", "这个星期", "week", 0),
        ("what did I spend the day before yesterday", "day before yesterday", "day_before", 0),
        ("¿cuánto gasté anteayer?", "anteayer", "day_before", 0),  # not "ayer"
    ],
)
def test_a_range_inside_a_sentence(text: str, phrase: str, key: str, days: int) -> None:
    span = ranges.find(text)
    assert span is not None and text[span[0] : span[1]] == phrase
    rng = ranges.parse(phrase, now=NOW, tz=None)
    assert (rng.key, rng.days) == (key, days)


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "gpt-4o",
        "llama3:8b",
        "what is the capital of France",
        "yesterdays",
        "on monday",
        "",
        "llama3天",
        "I tend to",
    ],
)
def test_no_range_where_none_is_named(text: str) -> None:
    # "day" is not inside "yesterdays" or "monday"; "4o", "llama3天" and "tend" ("ten d") hold no count of days.
    assert ranges.find(text) is None
