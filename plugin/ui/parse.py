"""What the "Usage Monitor" model was asked: `/usage 7d`, `usage last 7 days`, `用量 7天`, `uso 7d` all mean
the same command. Parsing is pure (text in, `Command` out) so every hostile string can be tested without a
server; nothing typed here ever reaches SQL: commands select fixed queries and pass values as parameters.
The command language lives here alone: `commands` answers a `Command`; buttons never read these tables.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain import code_format, ranges
from ..domain.tokens import CJK
from ..errors import InvalidRange
from ..words.vocabulary import FILLER, OPTION_NAMES, QUALIFIERS, SUBCOMMANDS, SYNONYMS
from .question import Question, read

MAX_INPUT = 4_000  # a command is a line, not a document; /import's JSON comes as a file or a code block


@dataclass(frozen=True)
class Command:
    """A recognised request: its name, an optional sub-command and the rest of the words as typed."""

    name: str
    sub: str = ""
    args: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    raw: str = ""
    question: Question | None = None  # set when the message was a plain question ("我这周花了多少")
    understood: bool = True  # False: no command word or question was found (the help, or the assistant, answers)

    @property
    def rest(self) -> str:
        return " ".join(self.args)


def message_text(body: Any) -> str:
    """The last user message as plain text, whatever shape the chat body has (string or list of parts)."""
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return ""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def previous_reply(body: Any) -> str:
    """The text of the assistant's reply before the last user message ("" when there is none): the console
    comes back after a change made from it. Written by the client, so it only chooses which page to draw."""
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return ""
    seen_user = False
    for message in reversed(messages):
        if not isinstance(message, Mapping):
            continue
        if message.get("role") == "user":
            seen_user = True
        elif message.get("role") == "assistant" and seen_user:
            return _text_of(message.get("content"))[-MAX_INPUT:]  # its end: where a console's line stands
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = [p.get("text") for p in content if isinstance(p, Mapping) and p.get("type") == "text"]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


_CODE_BLOCK = re.compile(r"```[a-zA-Z]*\n?(.*?)```", re.S)


def pasted_block(text: str) -> str | None:
    """The body of the first fenced code block, for `/import` with JSON pasted into the message."""
    match = _CODE_BLOCK.search(text)
    return match.group(1).strip() if match else None


def _split(text: str) -> list[str]:
    """Words, honouring quotes ("Ana María", 'gpt 4'); unbalanced quotes fall back to plain splitting."""
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def _match_prefix(text: str, table: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
    """The longest synonym that starts `text` as a whole word (or, for CJK, as a prefix): (key, remainder)."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for key, words in table.items():
        for word in words:
            if not lowered.startswith(word):
                continue
            after = lowered[len(word) : len(word) + 1]
            # Chinese needs no space after a command word ("用量7天"); other scripts do ("user" is not "use").
            if after and (after.isalnum() or after in "_-") and not _is_cjk(word[-1]):
                continue
            if best is None or len(word) > best[0]:
                best = (len(word), key)
    if best is None:
        return None
    return best[1], text[best[0] :].strip()


def _is_cjk(char: str) -> bool:
    return CJK.match(char) is not None


def _strip_filler(text: str) -> str:
    words = text.split()
    while words and words[0].lower().strip(",.?¿¡!") in FILLER:
        words.pop(0)
    return " ".join(words)


_OPTION = re.compile(r"^([a-z_\u4e00-\u9fff]+)[:=](.+)$", re.IGNORECASE)
_OPTION_KEYS = {alias: key for key, aliases in OPTION_NAMES.items() for alias in aliases}


def parse(text: str) -> Command:
    """Read one request. Anything unrecognised becomes `help` carrying what was typed, never an exception."""
    raw = (text or "")[:MAX_INPUT]
    line = raw.strip().splitlines()[0].strip() if raw.strip() else ""
    line = line.lstrip("/／").strip()
    if not line:
        return Command("help", raw=raw)
    found = _match_prefix(line, SYNONYMS)
    if found is None and (inside := _scan(line)) is not None and inside[0] in _NOT_QUESTIONS:
        # "my statement for last month", "上个月的对账单", "please redeem OWM-…": the command the sentence names, not
        # a question about usage (the question reader would find a range in it and answer with /usage).
        return _in_sentence(inside[0], line, raw)
    if found is None or not _settled(*found):
        # Not a command as typed ("/usage 7d", "用量 7天", "balance add bob 5"): perhaps a plain question. Its
        # `name:value` options ("/usage user:bob yesterday on gpt-4o") are the command's, not words of the question.
        said, typed = _options_in(line)
        asked = read(said)
        if asked is not None:
            question, phrase = asked
            if question.metric == "balance":
                return Command("balance", options=typed, raw=raw, question=question)
            return Command("usage", args=tuple(phrase.split()), options=typed, raw=raw, question=question)
    if found is None:
        found = _match_prefix(_strip_filler(line), SYNONYMS)
    scanned = found is None
    if found is None:
        found = _scan(line)
    if found is None and (code := code_format.code_in(raw)):
        # "my code is OWM-…", a code on the message's second line, a code alone: never for the assistant model.
        return Command("redeem", args=(code,), raw=raw)
    if found is None:
        return Command("help", args=tuple(_split(line)), raw=raw, understood=False)
    name, rest = found
    sub = ""
    table = SUBCOMMANDS.get(name)
    if table:
        matched = _match_prefix(rest, table)
        if matched:
            sub, rest = matched
    if name in ("codes", "redeem") and not sub:
        redeeming = _redeeming(name, line if scanned else rest, raw, scanned=scanned)
        if redeeming is not None:
            return redeeming
    if name == "price" and not sub:
        name = "prices"  # "/price" alone is the list
    if name == "export" and not sub:
        sub = "csv"
    words = _split(rest)
    args: list[str] = []
    options: dict[str, str] = {}
    for word in words:
        option = _OPTION.match(word)
        key = _OPTION_KEYS.get(option.group(1).lower()) if option else None
        if option and key:
            options[key] = option.group(2)
        else:
            args.append(word)
    return Command(name, sub, tuple(args), options, raw)


def _redeeming(name: str, text: str, raw: str, *, scanned: bool) -> Command | None:
    """A code word with a code: the code to redeem, whatever words and punctuation surround it ("/redeem CODE.",
    "兑换码：CODE", "redeem code CODE please"). Inside a sentence without a code, "codes" is no command and
    "redeem" asks how. None: the command as typed (the admin's list or search, `/redeem` and its words)."""
    code = code_format.code_in(text) or (_bare_code(text) if name == "redeem" else "")
    if code:
        return Command("redeem", args=(code,), raw=raw)
    if scanned and name == "codes":
        return Command("help", args=tuple(_split(text)), raw=raw, understood=False)
    if scanned:
        return Command("redeem", raw=raw)
    return None


def _in_sentence(name: str, line: str, raw: str) -> Command:
    """A command named inside a sentence: a statement for the month it names (or this month), never for a person
    (`user:NAME` aside); a redemption of the code it holds, or how to redeem."""
    if name == "statement":
        said, typed = _options_in(line)
        where = ranges.find(said)
        return Command("statement", args=(said[where[0] : where[1]],) if where else (), options=typed, raw=raw)
    code = code_format.code_in(raw) or _bare_code(line)
    return Command("redeem", args=(code,) if code else (), raw=raw)


def _bare_code(text: str) -> str:
    """Twelve letters of the code's alphabet after a redeem word ("/redeem k7qxm2pd9hwc"), grouped or not."""
    found = _BARE_CODE.search(text)
    return found.group() if found else ""


_BARE_CODE = re.compile(  # twelve letters of the alphabet, grouped or not, not part of a longer dashed token
    r"(?<![0-9A-Z])(?<![0-9A-Z]-)(?:[2-9A-HJ-NP-Z]{4}[-\s]?){2}[2-9A-HJ-NP-Z]{4}(?!-?[0-9A-Z])", re.IGNORECASE
)
_OPTION_IN_TEXT = re.compile(r"(?<!\S)([a-z_\u4e00-\u9fff]+)[:=](\"[^\"]+\"|'[^']+'|\S+)", re.IGNORECASE)


def _options_in(line: str) -> tuple[str, dict[str, str]]:
    """The known `name:value` options of a sentence (a value may be quoted: `user:"Ana María"`) and the sentence
    without them."""
    options: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        key = _OPTION_KEYS.get(match.group(1).lower())
        if key is None:
            return match.group(0)
        options[key] = match.group(2).strip("\"'")
        return " "

    return _OPTION_IN_TEXT.sub(take, line), options


def _scan(line: str) -> tuple[str, str] | None:
    """Plain language with the command word inside: "how much did I spend last week" → usage, "last week";
    Chinese has no spaces, so there every character may start the word ("我的余额" → balance)."""
    starts = [0] + [i + 1 for i, char in enumerate(line) if char.isspace()]
    starts += [i for i, char in enumerate(line) if _is_cjk(char)]
    for index in sorted(set(starts)):
        found = _match_prefix(line[index:], SYNONYMS)
        if found is not None and (found[0] not in _RANGED or _is_range(found[1])):
            return found  # a report word followed by words that are no range is prose: "tell me a joke"
    return None


_RANGED = frozenset({"usage", "models", "days", "records", "top"})  # the reports whose words are a range
_NOT_QUESTIONS = frozenset({"statement", "redeem"})  # named inside a sentence, these are what it asks for


def _is_range(rest: str) -> bool:
    """Whether the words after a report command are a range (or nothing), options aside: "7天", "for the last 30
    days", "all user:bob"."""
    words = [w for w in _split(rest) if not ((option := _OPTION.match(w)) and option.group(1).lower() in _OPTION_KEYS)]
    try:
        ranges.parse(qualifiers(words)[1], now=0.0, tz=None)
    except InvalidRange:
        return False
    return True


def _settled(name: str, rest: str) -> bool:
    """Whether a message that starts with a command word is that command as typed: any admin command or
    sub-command, `usage` with a range, `balance` alone. "spend yesterday on gpt-4o" is rather a question."""
    if name == "usage":
        return _is_range(rest)
    if name == "balance":
        return not rest or _match_prefix(rest, SUBCOMMANDS["balance"]) is not None or not read(rest)
    return True


_PUNCTUATION = ",.;!?¿¡。，！？；"
QUALIFIER_KEYS = {word: key for key, words in QUALIFIERS.items() for word in words}


def qualifiers(args: Sequence[str]) -> tuple[set[str], str]:
    """Split words into qualifiers (by calls, asc, ...) and the remaining text (a range or a search), with
    filler ("for the", "de") dropped."""
    found: set[str] = set()
    rest: list[str] = []
    for word in args:
        lowered = word.lower().strip(_PUNCTUATION)
        if not lowered:
            continue
        if lowered in QUALIFIER_KEYS:
            found.add(QUALIFIER_KEYS[lowered])
        elif lowered not in FILLER and lowered not in ("by", "按", "por", "sort", "order"):
            rest.append(word.strip(_PUNCTUATION))
    return found, " ".join(rest)
