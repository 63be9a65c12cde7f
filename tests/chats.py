"""Driving the billing Filter as Open WebUI does, for the tests of every layer that need a chat turn: a user, an
event emitter that remembers what it was sent, one turn through inlet and outlet, and another process holding the
SQLite write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from plugin.functions.filter import Filter
from plugin.store import sqlite as store

USER = {"id": "u-1", "name": "Ann", "email": "ann@example.com", "role": "user"}


class Emitter:
    def __init__(self) -> None:
        self.events: list[dict] = []

    async def __call__(self, event: dict) -> None:
        self.events.append(event)

    @property
    def descriptions(self) -> list[str]:
        return [e["data"]["description"] for e in self.events if e["type"] == "status"]


def run(coro):
    return asyncio.run(coro)


async def finished(flt: Filter, body: dict, **kwargs):
    """`Filter.outlet` as Open WebUI awaits it, then its charge's commit and notice, which follow it."""
    returned = await flt.outlet(body, **kwargs)
    await flt.settled()
    return returned


def chat(
    flt: Filter, *, usage=None, stream=True, model="gpt", chat_id="c1", message_id="a1", user=USER, lang_valves=None
):
    """One chat turn through inlet and outlet, as Open WebUI calls them; returns (inlet body, emitter)."""
    metadata = {"chat_id": chat_id, "message_id": message_id, "model": {"id": model}, "user_message": {}}
    body = {"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": stream, "metadata": metadata}
    who = dict(user, valves=lang_valves) if lang_valves else user
    sent = run(flt.inlet(body, __user__=who, __metadata__=metadata, __model__={"id": model}))
    reply = {"role": "assistant", "content": "Hi there, friend.", "id": message_id}
    if usage is not None:
        reply["usage"] = usage
    out = {"model": model, "chat_id": chat_id, "id": message_id, "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __user__=who, __metadata__=metadata, __model__={"id": model}, __event_emitter__=emitter))
    return sent, emitter


def lock_elsewhere(path: Path) -> sqlite3.Connection:
    """Another worker process stuck in a write transaction on `path`, once our last commit's proof that the lock
    was free has lapsed (`store.PROOF_TTL`): from then on every inlet finds the lock taken."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    time.sleep(store.PROOF_TTL)
    return other
