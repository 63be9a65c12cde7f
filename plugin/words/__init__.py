"""The languages the monitor speaks, listed once, and the shape of a translation table.

Each language is a folder, `words/<code>/`: `common.py` (what every Function says, the Filter too) and `reports.py`
(what the report model and the buttons say, and the words people type to them). Adding one: copy `words/en/`,
translate every text (same keys, same {placeholders}), add the code to `Language` below, and import the folder in
`words/common.py`, `words/reports.py` and `words/vocabulary.py` (`_BY_LANGUAGE`). `LANGUAGES` and
the valves' choices follow from `Language`; tests/words/test_words.py tells what is missing. Kept tiny: every generated
Function embeds this file.
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
