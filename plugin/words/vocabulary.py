"""The words people type, every language at once (the typed words of `words/<code>/reports.py`, joined English
first).

A reader's language never limits what they may type: `/usage 7d`, `用量 7天` and `uso 7d` are one command whatever
the valves say. Each table keeps the English keys' order, which decides a tie when one word names two things. Only
the pipe and the action read these; the Filter's file does not carry them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import LANGUAGES
from .en import reports as en
from .es import reports as es
from .zh import reports as zh

_BY_LANGUAGE = {"en": en, "zh": zh, "es": es}
_ALL = tuple(_BY_LANGUAGE[lang] for lang in LANGUAGES)  # a language without its file fails here, at import


def _joined(lists: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(word for words in lists for word in words)


def _joined_tables(tables: Iterable[Mapping[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """One table: each key's words in every language, keys in the order they first appear (English first)."""
    joined: dict[str, tuple[str, ...]] = {}
    for table in tables:
        for key, words in table.items():
            joined[key] = joined.get(key, ()) + words
    return joined


# Commands (ui/commands.py): their names, sub-commands, `name:value` options, report qualifiers, filler words.
SYNONYMS = _joined_tables(m.SYNONYMS for m in _ALL)
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    name: _joined_tables(m.SUBCOMMANDS.get(name, {}) for m in _ALL)
    for name in _joined_tables({key: () for key in m.SUBCOMMANDS} for m in _ALL)
}
OPTION_NAMES = _joined_tables(m.OPTION_NAMES for m in _ALL)
QUALIFIERS = _joined_tables(m.QUALIFIERS for m in _ALL)
FILLER = frozenset(_joined(m.FILLER for m in _ALL))
APPLY_WORDS = frozenset(_joined(m.APPLY_WORDS for m in _ALL))
# The admin's forms (ui/buttons.py) and price changes (domain/admin.py).
SET_PREFIXES = _joined(m.SET_PREFIXES for m in _ALL)
CLEAR_WORDS = frozenset(_joined(m.CLEAR_WORDS for m in _ALL))
# Budgets (domain/budget_admin.py).
BUDGET_SCOPES = _joined_tables(m.BUDGET_SCOPES for m in _ALL)
PERIOD_WORDS = _joined_tables(m.PERIOD_WORDS for m in _ALL)
MODE_WORDS = _joined_tables(m.MODE_WORDS for m in _ALL)
INIT_WORDS = _joined(m.INIT_WORDS for m in _ALL)
PART_WORDS: dict[str, tuple[str, ...]] = {"init": INIT_WORDS, "allowance": _joined(m.ALLOWANCE_WORDS for m in _ALL)}
# Named time ranges (domain/ranges.py).
RANGE_NAMES = _joined_tables(m.RANGE_NAMES for m in _ALL)
RANGE_COUNT_WORDS = _joined_tables(m.RANGE_COUNT_WORDS for m in _ALL)
RANGE_NUMBERS = _joined_tables(m.RANGE_NUMBERS for m in _ALL)
# Plain questions (ui/question.py): the words asking for each number, and the words that say nothing.
METRIC_WORDS = _joined_tables(m.METRIC_WORDS for m in _ALL)
QUESTION_FILLER = frozenset(_joined(m.QUESTION_FILLER for m in _ALL))
# Each language's everyday words that another's typed words also spell: no sign of that other language.
SHARED_WORDS: dict[str, frozenset[str]] = {lang: frozenset(m.SHARED_WORDS) for lang, m in _BY_LANGUAGE.items()}
# Each language's command words apart, to suggest the closest commands in the reader's own words.
SYNONYMS_BY_LANGUAGE: dict[str, dict[str, tuple[str, ...]]] = {
    lang: dict(m.SYNONYMS) for lang, m in _BY_LANGUAGE.items()
}


def _words_of(value: object) -> set[str]:
    """Every single word of a typed-word table (tuples, dicts of them, nested), lower case."""
    if isinstance(value, str):
        return set(value.lower().split())
    if isinstance(value, Mapping):
        return set().union(*(_words_of(v) for v in value.values())) if value else set()
    if isinstance(value, tuple):
        return set().union(*(_words_of(v) for v in value)) if value else set()
    return set()


def _typed_words(module: object) -> frozenset[str]:
    tables = [value for name, value in vars(module).items() if name.isupper() and name != "MESSAGES"]
    return frozenset(_words_of(tuple(tables)))


# Every word a language's tables hold (for telling the language of a message, words/detect.py), and all of them
# (a word in none of them, in a question, may name a model).
WORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {lang: _typed_words(m) for lang, m in _BY_LANGUAGE.items()}
KNOWN_WORDS = frozenset().union(*WORDS_BY_LANGUAGE.values())
