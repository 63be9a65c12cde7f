"""Pick a language and say a message in it: `t(lang, key, **params)`.

The messages live in `words/<code>/` (one folder per language) and are gathered into tables by key: `common`
(what every Function may say, loaded here) and `reports` (the report model's and the buttons', loaded by the
front-ends that speak them, with `load(REPORTS)`). The split keeps the Filter's generated file small. A key
in none of the loaded tables raises `MissingMessage`, naming the key and the tables that were searched.
"""

from __future__ import annotations

from typing import Any

from . import LANGUAGES, Table
from .common import COMMON

# Every loaded table's messages, merged: language -> key -> text. Read-only outside `load`.
MESSAGES: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
LOADED: list[str] = []  # the names of the loaded tables, in load order


class MissingMessage(KeyError):
    """A message key that no loaded table has: a typo, or a front-end that did not load the table it speaks."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        tables = ", ".join(LOADED)
        hint = (
            "" if "words.reports" in LOADED else "; the report model's messages need i18n.load(words.reports.REPORTS)"
        )
        return f"no message {self.key!r} in the loaded tables ({tables}){hint}"


def load(table: Table) -> None:
    """Add a table's messages (once; loading it again does nothing). A key already loaded from another table is a
    mistake that would make one of the two texts unreachable, so it fails at once."""
    if table.name in LOADED:
        return
    for lang in LANGUAGES:
        clash = MESSAGES[lang].keys() & table.messages.get(lang, {}).keys()
        if clash:
            raise ValueError(f"{table.name}: keys already loaded from another table: {sorted(clash)}")
    for lang in LANGUAGES:
        MESSAGES[lang].update(table.messages.get(lang, {}))
    LOADED.append(table.name)


def language(*choices: str | None) -> str:
    """The first supported language among `choices` (a user's own setting first), else English."""
    for choice in choices:
        if choice in MESSAGES:  # already a code of ours: the usual case, at once
            return choice
        code = (choice or "").strip().lower().replace("_", "-").split("-")[0]
        if code in MESSAGES:
            return code
    return "en"


# Languages in which the count 1 takes a singular noun ("1 reply", "1 respuesta") and every other count, 0 too,
# the plural. Chinese nouns do not change with the count ("1 次回复", "2 次回复"): its `_one` texts are its others.
SINGULAR_AT_ONE = frozenset({"en", "es"})


def tn(lang: str, key: str, n: int, /, **params: Any) -> str:
    """The message `key` said of `n` things: `<key>_one` when `lang` puts a singular noun after the count 1, else
    `key` (the plural form). The count is shown only through `params` (formatted by the caller, often `count`)."""
    singular = n == 1 and language(lang) in SINGULAR_AT_ONE
    return t(lang, f"{key}_one" if singular else key, **params)


def t(lang: str, key: str, **params: Any) -> str:
    """The message `key` in `lang` (English when the language, or its text for this key, is missing)."""
    template = MESSAGES.get(lang, MESSAGES["en"]).get(key) or MESSAGES["en"].get(key)
    if template is None:
        raise MissingMessage(key)
    return template.format(**params)


load(COMMON)
