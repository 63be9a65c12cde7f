"""The languages the monitor speaks, listed once, and the shape of a translation table.

Adding a language: a folder `words/<code>/` with the same files as `words/en/` (every key, every {placeholder}),
the code in `Language` below, and one import line in each of `words/common.py`, `words/reports.py` and
`words/vocabulary.py`; the valves' choices and `LANGUAGES` follow from `Language`, and tests/test_words.py checks
that nothing is missing. Kept tiny: every generated Function embeds this file.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

Language = Literal["en", "zh", "es"]  # the one list; English first, the fallback
OptionalLanguage = Literal["", Language]  # a user's own choice; empty means the admin's
LANGUAGES: tuple[Language, ...] = get_args(Language)


class Table(NamedTuple):
    """Messages by language and key, with the name an error shows when a key is missing from every loaded table."""

    name: str
    messages: dict[str, dict[str, str]]
