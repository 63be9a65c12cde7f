"""The pipe's and the action's world in tests, in one place: a `Session` over a store with fakes for Open WebUI's
services, asking it a command, and the seeded store the command and button tests both start from."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from plugin.app.session import Session
from plugin.domain import pricing
from plugin.store import Store
from plugin.ui import commands
from plugin.ui.parse import parse

NOW = 1_795_900_000.0  # 2026-11-28


def session(
    store: Store,
    user: Mapping[str, str],
    *,
    directory: Iterable[Mapping[str, Any]],
    models: Sequence[Mapping[str, Any]] = (),
    default: pricing.Price | None = None,
    init_balance: int = 0,
    lang: str = "en",
    now: float = NOW,
    **extra: Any,
) -> Session:
    """A session for `user`: Open WebUI's directory is `directory`, its model list `models`, and the filter's
    settings `default` (60 / 60 per 1M tokens, none per message, unless given) and `init_balance`."""
    people = [dict(person) for person in directory]
    listed = [dict(model) for model in models]

    async def list_users() -> list[dict[str, Any]]:
        return people

    async def billing() -> tuple[pricing.Price, int]:
        return default or pricing.defaults(60, 60, -1), init_balance

    return Session(
        store=store,
        user=user,
        lang=lang,
        symbol="$",
        tz=None,
        now=now,
        directory=list_users,
        models=lambda: listed,
        billing=billing,
        **extra,
    )


def ask(context: Session, text: str) -> str:
    """The pipe's answer to `text` in `context` (what `commands.reply` gives for that message)."""
    return asyncio.run(commands.answer(context, parse(text), text))


def seeded_store(
    path: Path, alice: Mapping[str, str], bob: Mapping[str, str], *, second_model: str, details: bool = False
) -> Store:
    """Alice ($5) and Bob ($7) topped up by the admin, and three charged messages in chat `c` (m0: Alice on
    gpt-4o, m1: Alice on `second_model`, m2: Bob on gpt-4o). `details` adds cached and reasoning tokens to m0
    and a two-second reply time to each, for the views that show them."""
    store = Store(path, clock=lambda: NOW - 3600)
    seed(store, alice, bob, second_model=second_model, details=details)
    return store


def seed(
    store: Store, alice: Mapping[str, str], bob: Mapping[str, str], *, second_model: str, details: bool = False
) -> None:
    """`seeded_store`'s rows in a store of either backend (open it with the clock at `NOW - 3600`)."""
    with store.immediate():
        for user, balance in ((alice, 5_000_000), (bob, 7_000_000)):
            store.ensure_user(user["id"], user["name"], user["email"], user["role"])
            store.append_ledger(user["id"], "topup", balance, actor="a1")
        for n, (user, model, tin, tout, cost) in enumerate(
            [
                (alice, "gpt-4o", 1000, 500, 111_111),
                (alice, second_model, 10, 20, 2_222),
                (bob, "gpt-4o", 7, 9, 777_777),
            ]
        ):
            balance = store.append_ledger(user["id"], "charge", -cost, actor="filter", reference=f"c{n}")
            record: dict[str, Any] = {
                "chat_id": "c",
                "message_id": f"m{n}",
                "user_id": user["id"],
                "model_id": model,
                "input_tokens": tin,
                "output_tokens": tout,
                "price_source": "default",
                "cost": cost,
                "balance_after": balance,
            }
            if details:
                record.update(cached_tokens=40 if n == 0 else 0, reasoning_tokens=3 if n == 0 else 0, elapsed_ms=2000)
            store.save_usage(record)


class Dialog:
    """A fake `__event_call__`: answers each call in turn and remembers what was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[dict] = []

    async def __call__(self, event: dict) -> Any:
        self.asked.append(event)
        return self.answers.pop(0)
