"""Plain questions to the "Usage Monitor" model: "我这周花了多少", "¿cuánto gasté esta semana?", "what did I spend
yesterday on gpt-4o". A question asks for one number (the spend, the tokens, the replies or the balance) over a
range, maybe of one model; `parse` turns it into the `/usage` (or `/balance`) command carrying the `Question`, and
the handler leads its answer with that number.

Pure, like the parser: the range phrase is found by `ranges.find`, the number asked by the languages' `METRIC_WORDS`,
and the words that fit nothing else are kept as words that may name a model (the parser cannot know model ids;
the handler resolves them against Open WebUI's list). Also here: the commands closest to what was typed, for the
answer to a message that is not understood.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..domain import ranges
from ..words.detect import HAN
from ..words.vocabulary import FILLER, KNOWN_WORDS, METRIC_WORDS, QUESTION_FILLER, SYNONYMS

METRICS = ("balance", "tokens", "calls", "cost")  # the order they are tried: "how much money is left" is the balance
_PUNCTUATION = ",.;:!?¿¡\"'()[]{}“”‘’«»…`*"  # and Markdown's marks: `gpt-4o`, **gpt-4o**
_SEPARATORS = re.compile(r"[\s\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_MODEL_LIKE = re.compile(r"[a-z].*[\d\-:./_]|[\d\-:./_].*[a-z]", re.IGNORECASE)


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of `words`, Latin-script ones whole ("use" is not in "user"), Chinese ones anywhere ("gpt-4o回复了几次")."""
    return re.compile(ranges.whole(words), re.IGNORECASE)


_METRIC_PATTERNS = [(key, _pattern(METRIC_WORDS[key])) for key in METRICS]
# The Chinese words a question may hold besides its range: what is left after removing them is not a question's.
_HAN_WORDS = sorted(
    {w for w in (*QUESTION_FILLER, *FILLER, *(w for ws in METRIC_WORDS.values() for w in ws)) if HAN.search(w)},
    key=len,
    reverse=True,
)


@dataclass(frozen=True)
class Question:
    """What a plain question asks: `metric` (cost, tokens, calls or balance), and the words that may name a model,
    in the order typed (none of them may, and that is no error)."""

    metric: str
    models: tuple[str, ...] = ()


def looks_like_model(word: str) -> bool:
    """Whether a word is shaped like a model id (`gpt-4o`, `llama3:8b`, `o1`): letters with digits or - : . / _."""
    return _MODEL_LIKE.search(word) is not None


def _tokens(text: str) -> list[str]:
    """The Latin-script words of `text`, punctuation trimmed (Chinese characters separate words)."""
    words = (w.strip(_PUNCTUATION) for w in _SEPARATORS.split(text))
    return [w for w in words if w]


def _han_left(text: str) -> str:
    """The Chinese characters of `text` that are not a question's words."""
    han = "".join(ch if HAN.match(ch) else " " for ch in text)
    for word in _HAN_WORDS:
        han = han.replace(word, " ")
    return "".join(han.split())


def read(line: str) -> tuple[Question, str] | None:
    """(the question, its range phrase as typed, "" for none) when `line` asks for a number; None otherwise.

    A question names what it asks ("spend", "花", "respuestas", "余额"), or is nothing but a range ("最近3天",
    "past 10 days") and perhaps a model; anything else ("今天天气怎么样", "tell me a joke") is not one.
    """
    span = ranges.find(line)
    phrase = line[span[0] : span[1]] if span else ""
    rest = f"{line[: span[0]]} {line[span[1] :]}" if span else line
    metric = next((key for key, pattern in _METRIC_PATTERNS if pattern.search(rest)), "")
    models = [w for w in _tokens(rest) if looks_like_model(w) or w.lower() not in KNOWN_WORDS]
    if not metric:
        if not span or _han_left(rest) or any(not looks_like_model(w) for w in models):
            return None
        metric = "cost"
    return Question(metric, tuple(models)), phrase


_COMPARED = 50  # the words of a message the commands' words are compared with


def closest(text: str, allowed: Callable[[str], bool]) -> list[str]:
    """The commands (keys, at most three, closest first) whose words look most like a word of `text`, among those
    `allowed`: "/usgae" → usage, "用亮" → usage."""
    words: dict[str, str] = {}
    for key, typed in SYNONYMS.items():
        for word in typed:
            if len(word) > 1 and allowed(key):
                words.setdefault(word, key)
    found: list[str] = []
    # A long message's first words are enough to suggest from, and each word compared costs (difflib is slow): the
    # first _COMPARED distinct Latin words and the first _COMPARED Chinese characters.
    latin = list(dict.fromkeys(w.lower() for w in _tokens(text)))[:_COMPARED]
    han = dict.fromkeys(piece for run in _han_runs(text, _COMPARED) for piece in _pairs(run))
    # A Latin word may be a typo of a command's; two Chinese characters share one at best, so only the best one.
    pieces = [(w, 3, 0.75) for w in latin] + [(w, 1, 0.5) for w in han]
    candidates = list(words)
    for piece, count, cutoff in pieces:
        for match in difflib.get_close_matches(piece, candidates, n=count, cutoff=cutoff):
            if words[match] not in found:
                found.append(words[match])
    return found[:3]


def _han_runs(text: str, most: int) -> list[str]:
    """The runs of Chinese characters in `text`, as far as its first `most` Chinese characters."""
    runs: list[str] = []
    for run in "".join(ch if HAN.match(ch) else " " for ch in text).split():
        if most <= 0:
            break
        runs.append(run[:most])
        most -= len(run)
    return runs


def _pairs(run: str) -> list[str]:
    """A run of Chinese characters and its two-character pieces (command words are mostly two characters)."""
    return [run] + [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 2 else [run]
