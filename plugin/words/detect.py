"""The language a message is written in, so that a reader is answered in their own words: Chinese when it holds
Chinese characters, Spanish when its words are more Spanish than English, otherwise nothing (the caller falls back
to the admin's valve).

English is never "detected": `/usage 7d` and `gpt-4o` are as much a command or a name as English, so a message
without a clear sign of another language keeps the admin's choice. The Spanish signs are Spanish letters (¿ ¡ ñ á é
í ó ú ü) and the words of the Spanish typed-word tables that English's do not share ("semana", "gasté", "saldo"),
save the words of two letters or fewer ("he", "la", "es", "mi": English too, or too short to tell) and the English
words the Spanish tables spell ("base", "panel": English's `SHARED_WORDS`). English's own words ("spend", "week")
count against them, so "usage hoy" stays undecided. Pure: text in, a code or None out.
"""

from __future__ import annotations

import re

from . import Language
from .vocabulary import SHARED_WORDS, WORDS_BY_LANGUAGE

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Chinese characters (also ui/question.py's)
_SPANISH_LETTERS = re.compile(r"[¿¡ñáéíóúü]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")  # letters only: "gpt-4o" gives "gpt" and "o", never a number
_SPANISH = frozenset(
    word for word in WORDS_BY_LANGUAGE["es"] - WORDS_BY_LANGUAGE["en"] - SHARED_WORDS["en"] if len(word) > 2
)
_ENGLISH = WORDS_BY_LANGUAGE["en"] - WORDS_BY_LANGUAGE["es"]


def written_in(text: str | None) -> Language | None:
    """The language `text` shows: "zh" with Chinese characters, "es" when it reads Spanish, else None."""
    text = (text or "")[:4_000]
    if HAN.search(text):
        return "zh"
    words = [word.lower() for word in _WORD.findall(text) if len(word) > 1]  # "7d", "4o": units, not words
    spanish = sum(word in _SPANISH for word in words) + (1 if _SPANISH_LETTERS.search(text) else 0)
    english = sum(word in _ENGLISH for word in words)
    return "es" if spanish > english else None
