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
    ],
)
def test_a_range_inside_a_sentence(text: str, phrase: str, key: str, days: int) -> None:
    span = ranges.find(text)
    assert span is not None and text[span[0] : span[1]] == phrase
    rng = ranges.parse(phrase, now=NOW, tz=None)
    assert (rng.key, rng.days) == (key, days)


@pytest.mark.parametrize(
    "text", ["hello", "gpt-4o", "llama3:8b", "what is the capital of France", "yesterdays", "on monday", ""]
)
def test_no_range_where_none_is_named(text: str) -> None:
    assert ranges.find(text) is None  # "day" is not inside "yesterdays" or "monday", "4o" is no count of days
