"""An OpenAI-style chat completion read back: the words, the tool calls and the usage, from a JSON reply or from
a stream of server-sent events, whichever the model (or a pipe that streams although asked not to) gave.

Pure: text and dicts in, a `Reply` out, so every odd shape a provider sends can be tested without a server. The
assistant (`app/assistant.py`) asks, this reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .tokens import InvalidUsage, Usage, reported_usage

MAX_TOOL_CALLS = 8  # tool calls read from one reply: a model asking for more is asking for too much at once


class CompletionError(ValueError):
    """The model answered with an error, or with nothing a chat completion holds."""


@dataclass(frozen=True)
class ToolCall:
    """One function the model asks for: its call id (echoed in the tool message), name and arguments as sent."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """What one round of the model said: its words, the tools it calls, and its usage (None when unreported)."""

    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None

    def message(self) -> dict[str, Any]:
        """The assistant message to send back with the tool results (OpenAI's shape)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


def read(raw: Mapping[str, Any] | str) -> Reply:
    """A reply as the adapter got it: a decoded JSON body, or the text of an event stream."""
    if isinstance(raw, Mapping):
        return read_json(raw)
    text = raw.lstrip()
    if text.startswith("{"):  # a JSON body carried as text (an error response, a pipe returning a string)
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, Mapping):
            return read_json(decoded)
    lines = text.split("\n")  # not splitlines(): U+2028 inside a JSON string is no line break
    if any(line.lstrip().startswith("data:") for line in lines):  # events, not words that mention "data:"
        return read_stream(lines)
    if not text:
        raise CompletionError("empty reply")
    return Reply(content=raw)  # a pipe that answers plain text


def read_json(body: Mapping[str, Any]) -> Reply:
    """A non-streamed chat completion: `choices[0].message` and `usage`."""
    _raise_error(body)
    choices = body.get("choices")
    first = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], Mapping) else {}
    message = _map(first.get("message"))
    if not message and "choices" not in body:
        raise CompletionError("no choices in the reply")
    calls = []
    for index, item in enumerate(_list(message.get("tool_calls"))[:MAX_TOOL_CALLS]):
        function = _map(item.get("function"))
        calls.append(_call(item.get("id"), function.get("name"), function.get("arguments"), index))
    return Reply(content=_text(message.get("content")), tool_calls=tuple(calls), usage=_usage(body))


def read_stream(lines: Iterable[str]) -> Reply:
    """Server-sent events: content deltas joined, tool-call deltas joined by their index (the id and name come in
    the first, the arguments in pieces), the usage chunk if the stream sent one."""
    content: list[str] = []
    calls: list[dict[str, Any]] = []  # in the order they began; read back by index, then that order
    slots: dict[int, int] = {}  # a delta's index -> the call it continues
    usage: Usage | None = None
    seen = False
    for line in lines:
        line = line.strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            chunk = json.loads(data)
        except (ValueError, RecursionError):
            continue  # a keep-alive or a provider's comment: not ours to fail on
        if not isinstance(chunk, Mapping):
            continue
        _raise_error(chunk)
        seen = True
        usage = _usage(chunk) or usage
        for choice in _list(chunk.get("choices"))[:1]:
            delta = _map(choice.get("delta"))
            content.append(_text(delta.get("content")))
            for item in _list(delta.get("tool_calls")):
                index = item["index"] if isinstance(item.get("index"), int) else len(calls)
                named = str(item.get("id") or "")
                if index in slots and named and calls[slots[index]]["id"] and calls[slots[index]]["id"] != named:
                    del slots[index]  # a new call at a reused index (providers that send every whole call at 0)
                if index not in slots:
                    if len(calls) >= MAX_TOOL_CALLS:
                        continue
                    slots[index] = len(calls)
                    calls.append({"index": index, "id": "", "name": "", "arguments": []})
                call = calls[slots[index]]
                function = _map(item.get("function"))
                call["id"] = call["id"] or str(item.get("id") or "")
                call["name"] = call["name"] or str(function.get("name") or "")
                if isinstance(function.get("arguments"), str):
                    call["arguments"].append(function["arguments"])
    if not seen:
        raise CompletionError("no chunk in the stream")
    tool_calls = tuple(
        _call(call["id"], call["name"], "".join(call["arguments"]), n)
        for n, call in enumerate(sorted(calls, key=lambda c: int(c["index"])))
        if call["name"]
    )
    return Reply(content="".join(content), tool_calls=tool_calls, usage=usage)


def _call(call_id: Any, name: Any, arguments: Any, index: int) -> ToolCall:
    if not isinstance(arguments, str):  # an object instead of its JSON text; anything else reads as no object
        arguments = json.dumps(arguments) if isinstance(arguments, Mapping) else json.dumps(arguments, default=str)
    return ToolCall(id=str(call_id or f"call_{index}"), name=str(name or ""), arguments=arguments)


def _raise_error(body: Mapping[str, Any]) -> None:
    error = body.get("error")
    if error:
        detail = (error.get("message") or error.get("detail") or error) if isinstance(error, Mapping) else error
        raise CompletionError(str(detail)[:300])


def _usage(body: Mapping[str, Any]) -> Usage | None:
    try:
        return reported_usage(body, last_round=True)
    except InvalidUsage:
        return None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A message's content: a string, or a list of text parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(str(p.get("text") or "") for p in value if isinstance(p, Mapping) and p.get("type") == "text")
    return ""


@dataclass
class Conversation:
    """The messages of one question's exchange with the model, growing a round at a time."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def add_round(self, reply: Reply, results: Iterable[tuple[ToolCall, str]]) -> None:
        """The model's tool calls and what each returned (JSON text), for the next round."""
        self.messages.append(reply.message())
        for call, content in results:
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
