"""The language a message shows (words/detect.py): Chinese characters, Spanish words or letters, or none (the
caller's next choice, the admin's valve)."""

from __future__ import annotations

import pytest

from plugin.words.detect import written_in


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我这周花了多少", "zh"),
        ("用量 本周", "zh"),
        ("昨天 gpt-4o 花了多少", "zh"),  # a model name in Latin letters does not hide the Chinese
        ("How much did gpt-4o cost 今天", "zh"),
        ("¿cuánto gasté esta semana?", "es"),
        ("cuanto gaste esta semana", "es"),  # no accents, no ¿: the words say it
        ("uso 7d", "es"),
        ("¿cuánto gasté ayer en gpt-4o?", "es"),
        ("saldo", "es"),
        ("how much did I spend this week", None),  # English: the admin's language
        ("what did I spend yesterday on gpt-4o", None),
        ("/usage 7d", None),  # a command carries no language
        ("/balance add alice@example.com 10", None),
        ("usage hoy", None),  # one word each: undecided
        ("he asked about the base panel", None),  # English words the Spanish tables also spell are no sign
        ("a la carte", None),  # nor are words of two letters
        ("es la base", None),
        ("un panel con la base", None),
        ("todo list for the panel", None),
        ("DOS", None),
        ("mi uso de hoy", "es"),  # Spanish words of three letters or more still are
        ("ver mi saldo", "es"),
        ("dime el gasto de la semana", "es"),
        ("los ultimos dos dias", "es"),
        ("gpt-4o", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_the_language_a_message_shows(text: str | None, lang: str | None) -> None:
    assert written_in(text) == lang
