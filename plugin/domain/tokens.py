"""Token accounting: what the provider reported for an assistant message, or an estimate when it reported nothing."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

log = logging.getLogger(__name__)

# Above this a count is not a chat but a corrupted or forged body (the largest contexts are ~10M tokens).
MAX_TOKENS = 100_000_000

# The estimate, when no tokenizer is available offline: one token per CJK character, one per 4 other
# characters (OpenAI's rule of thumb for English), 4 per message for the chat format, 3 to prime the reply,
# and a flat 85 per image (OpenAI's low-detail image price).
CHARS_PER_TOKEN = 4
PER_MESSAGE = 4
REPLY_PRIMING = 3
PER_IMAGE = 85


class InvalidUsage(ValueError):
    """A usage block with negative, non-integer or absurd counts: never billed, never credited."""


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0  # part of input_tokens, read from a cache
    reasoning_tokens: int = 0  # part of output_tokens
    estimated: bool = False
    cache_write_tokens: int = 0  # part of input_tokens, written to a cache (Anthropic bills them apart)

    def __add__(self, more: Usage) -> Usage:
        """Two rounds (a Continue, a tool call's follow-up) together: every count adds up; estimated if either is."""
        return Usage(
            input_tokens=self.input_tokens + more.input_tokens,
            output_tokens=self.output_tokens + more.output_tokens,
            cached_tokens=self.cached_tokens + more.cached_tokens,
            reasoning_tokens=self.reasoning_tokens + more.reasoning_tokens,
            estimated=self.estimated or more.estimated,
            cache_write_tokens=self.cache_write_tokens + more.cache_write_tokens,
        )


def _count(value: Any, field: str) -> int:
    if type(value) is int and 0 <= value <= MAX_TOKENS:  # the usual case, decided at once
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidUsage(f"{field} is not a number: {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise InvalidUsage(f"{field} is not a whole number: {value!r}")
    number = int(value)
    if number < 0 or number > MAX_TOKENS:
        raise InvalidUsage(f"{field} is out of range: {number}")
    return number


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """`isinstance(value, Mapping)`, answered at once for the plain dicts Open WebUI passes (the ABC check is slow)."""
    return type(value) is dict or isinstance(value, Mapping)


def _detail(usage: Mapping[str, Any], groups: Sequence[str], key: str) -> Any:
    for group in groups:
        details = usage.get(group)
        if _is_map(details) and details.get(key) is not None:
            return details[key]
    return None


def _usage_of(message: Mapping[str, Any]) -> Mapping[str, Any] | None:
    usage = message.get("usage")
    if not _is_map(usage) or not usage:
        info = message.get("info")
        usage = info.get("usage") if _is_map(info) else None
    return usage if _is_map(usage) else None


def _one_round(message: Mapping[str, Any]) -> bool:
    """Whether the message's totals and its last round are the same numbers (a reply of one upstream call)."""
    usage = _usage_of(message)
    if usage is None:
        return False
    get = usage.get
    return get("prompt_tokens", get("input_tokens")) == get("input_tokens", get("prompt_tokens")) and get(
        "completion_tokens", get("output_tokens")
    ) == get("output_tokens", get("completion_tokens"))


def reported_usage(message: Mapping[str, Any], *, last_round: bool = False) -> Usage | None:
    """The provider's usage on an assistant message, or None when it reported none.

    `message["usage"]` and `message["info"]["usage"]` are the same numbers in 0.12.4; we read one, never both.
    `input_tokens`/`output_tokens` are the message's totals (summed over tool-call rounds and Continues);
    `prompt_tokens`/`completion_tokens` hold only the last upstream round, preferred when `last_round`.
    """
    usage = _usage_of(message)
    if usage is None:
        return None
    first, second = ("prompt_tokens", "input_tokens") if last_round else ("input_tokens", "prompt_tokens")
    raw_in = usage.get(first, usage.get(second))
    first, second = ("completion_tokens", "output_tokens") if last_round else ("output_tokens", "completion_tokens")
    raw_out = usage.get(first, usage.get(second))
    if raw_in is None and raw_out is None:
        return None
    input_tokens = _count(raw_in or 0, "input_tokens")
    output_tokens = _count(raw_out or 0, "output_tokens")
    cached = _detail(usage, ("prompt_tokens_details", "input_tokens_details"), "cached_tokens")
    reasoning = _detail(
        usage,
        ("completion_tokens_details", "output_tokens_details"),
        "reasoning_tokens",
    )
    cache_read, cache_write = usage.get("cache_read_input_tokens"), usage.get("cache_creation_input_tokens")
    if "prompt_tokens" not in usage and (cache_read is not None or cache_write is not None):
        # Anthropic's meaning (its native API, a pipe that passes it on): `input_tokens` counts only the uncached
        # input; cache reads and cache writes are counted on top of it, each billed at its own rate.
        read = _count(cache_read or 0, "cache_read_input_tokens")
        write = _count(cache_write or 0, "cache_creation_input_tokens")
        return Usage(
            input_tokens=input_tokens + read + write,
            output_tokens=output_tokens,
            cached_tokens=read,
            reasoning_tokens=_count(reasoning or 0, "reasoning_tokens"),
            cache_write_tokens=write,
        )
    if cached is None:
        cached = cache_read  # OpenAI's meaning with Anthropic's name (e.g. a proxy): inside prompt_tokens
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=min(_count(cached or 0, "cached_tokens"), input_tokens),
        reasoning_tokens=_count(reasoning or 0, "reasoning_tokens"),
    )


def message_text(message: Mapping[str, Any]) -> tuple[str, int]:
    """The text of a message and its number of images; list content and `output` items are both read."""
    texts: list[str] = []
    images = 0
    if not isinstance(message, Mapping):
        return "", 0
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping):
                if part.get("type") in ("image_url", "input_image", "image"):
                    images += 1
                elif isinstance(part.get("text"), str):
                    texts.append(part["text"])
    if not "".join(texts).strip() and isinstance(message.get("output"), list):
        for item in message["output"]:
            if isinstance(item, Mapping) and isinstance(item.get("content"), list):
                texts.extend(
                    part["text"]
                    for part in item["content"]
                    if isinstance(part, Mapping) and isinstance(part.get("text"), str)
                )
    return "".join(texts), images


# Kana, CJK ideographs (and extension A), hangul, compatibility ideographs, full-width forms: about one token
# each. One regex pass: a per-character Python loop cost 11 ms on a 20k-token prompt.
CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def heuristic_count(text: str) -> int:
    cjk = len(CJK.findall(text))
    other = len(text) - cjk
    return cjk + (other + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encoding/cl100k_base.tiktoken"
_encoder: Callable[[str], int] | None = None
_encoder_ready = False
_encoder_lock = threading.Lock()


def _cached_tiktoken_dir(extra_dirs: Sequence[str]) -> str | None:
    """Where a cl100k_base file already lies on disk; we never let tiktoken download one."""
    key = hashlib.sha1(TIKTOKEN_URL.encode()).hexdigest()
    candidates = [
        os.environ.get("TIKTOKEN_CACHE_DIR"),
        os.environ.get("DATA_GYM_CACHE_DIR"),
        *extra_dirs,
    ]
    candidates.append(os.path.join(tempfile.gettempdir(), "data-gym-cache"))
    for directory in candidates:
        if directory and os.path.isfile(os.path.join(directory, key)):
            return directory
    return None


def counter(extra_dirs: Sequence[str] = ()) -> Callable[[str], int]:
    """tiktoken's cl100k_base when its file is cached offline, else the documented heuristic. Chosen once."""
    global _encoder, _encoder_ready
    with _encoder_lock:
        if not _encoder_ready:
            _encoder_ready = True
            directory = _cached_tiktoken_dir(extra_dirs)
            if directory:
                try:
                    import tiktoken

                    os.environ.setdefault("TIKTOKEN_CACHE_DIR", directory)
                    if os.environ["TIKTOKEN_CACHE_DIR"] == directory:
                        encoding = tiktoken.get_encoding("cl100k_base")
                        _encoder = lambda text: len(encoding.encode(text, disallowed_special=()))  # noqa: E731
                except Exception:  # broad on purpose: any tokenizer failure falls back to the heuristic
                    log.warning(
                        "tiktoken unavailable; estimating tokens by heuristic",
                        exc_info=True,
                    )
        return _encoder or heuristic_count


def estimate_usage(messages: Sequence[Mapping[str, Any]], count: Callable[[str], int] = heuristic_count) -> Usage:
    """Input = every message before the last assistant reply, output = that reply; flagged as estimated."""
    *history, last = messages if messages else [{}]
    output_text, _ = message_text(last)
    return Usage(input_tokens=prompt_tokens(history, count), output_tokens=count(output_text), estimated=True)


def prompt_tokens(messages: Any, count: Callable[[str], int] = heuristic_count) -> int:
    """The estimated tokens of a request's prompt: every message the inlet is about to send upstream."""
    total = REPLY_PRIMING
    for message in messages if isinstance(messages, list) else ():
        if isinstance(message, Mapping):
            text, images = message_text(message)
            total += PER_MESSAGE + count(text) + images * PER_IMAGE
    return min(total, MAX_TOKENS)


class Tally:
    """What one request's stream has produced, as the upstream sent it chunk by chunk (the Filter's `stream` hook):
    the text of its deltas (tool-call arguments included) and the usage each upstream response reported. Cheap per
    chunk: pieces are appended and counted roughly; the exact count is taken once, when the request is settled."""

    __slots__ = ("chunks", "pieces", "reported_at", "rough", "usage")

    def __init__(self) -> None:
        self.chunks = 0
        self.pieces: list[str] = []
        self.rough = 0  # heuristic tokens of the pieces so far (for the progress saved now and then)
        self.usage: dict[str, dict[str, Any]] = {}  # upstream response id -> its usage (merged over its chunks)
        self.reported_at = 0  # pieces that came before the last usage: the text the reported usage covers

    def _piece(self, piece: Any) -> None:
        if type(piece) is str and piece:
            self.pieces.append(piece)
            self.rough += heuristic_count(piece)

    def _usage(self, response: Any, usage: Mapping[str, Any]) -> None:
        """One upstream response's usage: a response may report it in parts (Anthropic's input at the start, output
        at the end) or repeat a growing total in every chunk, so each count keeps its largest value; responses
        without an id (a pipe's dicts) count as one."""
        key = str(response or "")
        merged = self.usage.setdefault(key, {})
        for name, value in usage.items():
            before = merged.get(name)
            if type(value) is int and type(before) is int:
                merged[name] = max(before, value)
            else:
                merged[name] = value
        self.reported_at = len(self.pieces)

    def add(self, event: Any) -> None:
        if type(event) is not dict:
            return
        self.chunks += 1
        choices = event.get("choices")
        if type(choices) is list:
            for choice in choices:
                delta = choice.get("delta") if type(choice) is dict else None
                if type(delta) is dict:
                    for key in ("content", "reasoning_content", "reasoning"):
                        self._piece(delta.get(key))
                    calls = delta.get("tool_calls")
                    for call in calls if type(calls) is list else ():
                        function = call.get("function") if type(call) is dict else None
                        if type(function) is dict:
                            self._piece(function.get("name"))
                            self._piece(function.get("arguments"))
        kind = event.get("type")
        if type(kind) is str and kind.startswith("response."):  # OpenAI's Responses API, as Open WebUI passes it on
            if kind.endswith(".delta"):
                self._piece(event.get("delta"))
            response = event.get("response")
            if kind == "response.completed" and type(response) is dict and _is_map(response.get("usage")):
                self._usage(response.get("id"), response["usage"])
            return
        usage = event.get("usage")
        if _is_map(usage) and usage:
            self._usage(event.get("id"), usage)

    def reported(self, count: Callable[[str], int] = heuristic_count) -> Usage | None:
        """The upstream's own usage of this round (summed over its responses), or None when it reported none or
        reported something that cannot be a count. Text streamed after the last usage (a tool call's follow-up
        stopped before it reported its own) is added as estimated output."""
        if not self.usage:
            return None
        total: Usage | None = None
        try:
            for raw in self.usage.values():
                one = reported_usage({"usage": raw})
                if one is None:
                    continue
                total = one if total is None else total + one
        except InvalidUsage as e:
            log.info("ignored the stream's usage: %s", e)
            return None
        if total is not None and (after := self.pieces[self.reported_at :]):
            total += Usage(0, count("".join(after)), estimated=True)
        return total

    def output_tokens(self, count: Callable[[str], int] = heuristic_count) -> int:
        return count("".join(self.pieces)) if self.pieces else 0


def usage_for(
    messages: Sequence[Mapping[str, Any]], count: Callable[[str], int] = heuristic_count
) -> tuple[Usage, Usage, str | None]:
    """The last message's usage as totals and as its last round, and why it is an estimate (None if reported)."""
    last = messages[-1] if messages else {}
    try:
        total = reported_usage(last) if _is_map(last) else None
        if total is not None and _one_round(last):
            return total, total, None  # read once: the round is the whole message
        last_round = reported_usage(last, last_round=True) if _is_map(last) else None
    except InvalidUsage as e:
        estimate = estimate_usage(messages, count)
        return estimate, estimate, f"rejected usage: {e}"
    if total is None or last_round is None:
        estimate = estimate_usage(messages, count)
        return estimate, estimate, "no usage reported"
    return total, last_round, None
