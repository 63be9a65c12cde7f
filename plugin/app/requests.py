"""What a hook's Open WebUI arguments say about a request: its key, who sends it, its output limit, this round's usage.

Open WebUI hands the filter loose dicts (the body, the user, the request's metadata) whose shape differs between a
saved chat, a temporary chat and an API call. Reading them is kept here, apart from the orchestration (metering) and
from the money rules (domain.billing), so that what is believed of a client's text is decided in one place: only
what the upstream answered this request is charged, never usage a chat's owner could have written.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from .. import openwebui
from ..domain import billing, code_format, tokens

log = logging.getLogger(__name__)

KEY = "openwebui_monitor"  # where the inlet leaves the request key for the outlet, in the request's own metadata

Key = tuple[str, str]  # (chat_id, message_id)


def code_in_prompt(body: dict) -> bool:
    """Whether the user's new message holds a redemption code (or nearly one): it is redeemed in the Usage Monitor,
    and sent to any other model it would reach that model's provider, in full."""
    messages = body.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages and isinstance(messages[-1], dict) else {}
    if last.get("role") != "user":
        return False
    text, _ = tokens.message_text(last)
    return bool(code_format.code_in(text[:20_000]))


def model_id(body: dict, model: dict | None) -> str:
    return str(body.get("model") or (model or {}).get("id") or "")


def start_key(metadata: Any) -> Key:
    """Saved and temporary chats are keyed by (chat_id, message_id); API calls get a fresh key of ours,
    since their message id is made up after the inlet (or chosen by the caller, who could reuse it)."""
    chat_id = message_id = ""
    if isinstance(metadata, dict):
        chat_id = str(metadata.get("chat_id") or "")
        message_id = str(metadata.get("message_id") or "")
    if not chat_id or not message_id:
        chat_id, message_id = "", f"api-{uuid.uuid4().hex}"
    if isinstance(metadata, dict):
        metadata[KEY] = {"chat_id": chat_id, "message_id": message_id}
    return chat_id, message_id


def end_key(metadata: Any, body: dict) -> Key:
    """The key the inlet left in the metadata; for an outlet whose inlet we did not see, the body's own ids."""
    if isinstance(metadata, dict) and isinstance(metadata.get(KEY), dict):
        key = metadata[KEY]
        return str(key.get("chat_id", "")), str(key.get("message_id", ""))
    chat_id = str(body.get("chat_id") or "")
    message_id = str(body.get("id") or "")
    if not chat_id or not message_id:
        return "", f"api-{uuid.uuid4().hex}"
    return chat_id, message_id


def mark_unbilled(metadata: Any) -> None:
    """The inlet let this request through unbilled (fail open): its outlet says so under the reply."""
    if isinstance(metadata, dict):
        metadata[KEY]["unbilled"] = True


def unbilled(metadata: Any) -> bool:
    """Whether the inlet let this request through unbilled (the database could not be written, fail open)."""
    key = metadata.get(KEY) if isinstance(metadata, dict) else None
    return isinstance(key, dict) and key.get("unbilled") is True


def member(user: dict) -> billing.Member:
    try:
        return _member_of(user["id"], user.get("name"), user.get("email"), user.get("role"))
    except TypeError:  # a value that cannot be a cache key (not from Open WebUI): made afresh
        return _member_of.__wrapped__(user["id"], user.get("name"), user.get("email"), user.get("role"))


@functools.lru_cache(maxsize=4096)
def _member_of(user_id: Any, name: Any, email: Any, role: Any) -> billing.Member:
    """Open WebUI passes a fresh user dict to every hook; the same person's Member is made once."""
    return billing.Member(id=str(user_id), name=str(name or ""), email=str(email or ""), role=str(role or "user"))


def max_tokens(body: dict) -> int:
    """The output limit the request names (`max_tokens`, `max_completion_tokens`; Ollama: `options.num_predict`):
    the largest of them, since which one the upstream enforces depends on the connection (Open WebUI renames them
    for some, and Ollama reads only its own)."""
    limits = [
        value
        for source in (body, body.get("params"), body.get("options"))
        if isinstance(source, dict)
        for name in ("max_completion_tokens", "max_tokens", "num_predict")
        if type(value := source.get(name)) is int and 0 < value <= tokens.MAX_TOKENS
    ]
    return max(limits, default=0)


def continued_tokens(messages: Any, metadata: Any, count: Callable[[str], int]) -> int | None:
    """For a Continue (Open WebUI names the message it continues), the tokens of the reply so far, which it sends as
    the last message and which are not this round's output; None for any other request (a trailing assistant
    message there is a prompt, a prefill, not ours)."""
    if not (isinstance(metadata, dict) and metadata.get("assistant_message_id")):
        return None
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        if messages[-1].get("role") == "assistant":
            return count(tokens.message_text(messages[-1])[0])
    return 0


def saved_chat(chat_id: str) -> bool:
    """A chat Open WebUI keeps (its messages, and their usage, are in its database, where their owner can edit
    them), as opposed to an API call ('') or a temporary chat ('local:...'), whose reply is this request's own."""
    return bool(chat_id) and not chat_id.startswith(("local:", "temporary:"))


def this_round(
    followed: bool,
    tally: tokens.Tally | None,
    continued: int | None,
    messages: list,
    chat_id: str,
    count: Callable[[str], int],
) -> tuple[tokens.Usage | None, int, str | None]:
    """This round's usage as the upstream answered it, the output its text counts, and why it is an estimate.

    `followed`: the inlet of this process admitted the request (its stream's `tally`, and `continued`, the tokens of
    the reply a Continue extends). Only what the upstream answered this request is believed: a streamed round's
    usage chunks (our own tally); a non-streamed round's usage only when no one could have written it beforehand: an
    API call's reply (no saved chat) or a new saved message. The usage a saved message carries into a Continue or a
    replayed id is the chat's stored usage, which its owner can edit (and Open WebUI keeps it when the upstream
    reports none): never read.
    """
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    text, _ = tokens.message_text(last)
    output = max(count(text) - (continued or 0), 0)
    if tally is not None and tally.chunks:
        usage = tally.reported(count)
        # The stream's own text; a stream whose chunks carried none we can read (a shape we do not know) falls back
        # on the reply's text.
        streamed = tally.output_tokens(count) or output
        return usage, streamed, None if usage else "no usage in the stream"
    if saved_chat(chat_id) and (not followed or continued is not None):
        return None, output, "a saved message's own usage is not believed"
    try:
        usage = tokens.reported_usage(last, last_round=True)
    except tokens.InvalidUsage as e:
        return None, output, f"rejected usage: {e}"
    return usage, output, None if usage else "no usage reported"


async def saved_output(chat_id: str, message_id: str, count: Callable[[str], int]) -> int:
    """The tokens of the reply text Open WebUI saved for a message (a stopped reply's partial text), 0 if none."""
    try:
        message = await openwebui.saved_reply(chat_id, message_id)
    except Exception:  # broad on purpose: Open WebUI's own database; the stream's tally still stands
        log.warning("openwebui_monitor: could not read the saved reply %s/%s", chat_id, message_id, exc_info=True)
        return 0
    return count(tokens.message_text(message)[0]) if message else 0
