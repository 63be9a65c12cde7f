"""The low-balance warning through the Filter, on both backends: under the reply that leaves the balance under the
admin's `low_balance_warning` and every one after, never above it, silenced by the user's valve, off at 0, never
for an exempt admin; the next refill when an allowance applies; in the user's language; under a stopped reply."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import suppress

import pytest
from backends import target_of
from chats import USER, Emitter, chat, run
from conftest import FakeClock

from plugin import openwebui
from plugin.app import follow
from plugin.functions.filter import Filter
from plugin.store import open_store

REDEEM = "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor"
ADMIN = {"id": "u-admin", "name": "Ada", "email": "ada@example.com", "role": "admin"}


@pytest.fixture
def flt(db_target: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> Filter:
    """A balance of 1.00, a flat 0.30 a reply, a warning under 0.50: replies leave 0.70, 0.40 (the crossing), 0.10."""

    async def no_groups(user_id: str) -> list[str]:
        return []

    monkeypatch.setattr(openwebui, "member_group_ids", no_groups)
    f = Filter()
    where = {"db_path": db_target} if backend == "sqlite" else {"database_url": db_target}
    f.valves = f.Valves(**where, init_balance=1.0, default_per_msg_price=0.3, low_balance_warning=0.5)
    return f


def notices(flt: Filter, count: int, user: dict = USER, mine: object = None) -> list[str]:
    """The notice under each of `count` replies in a row."""
    lines = []
    for n in range(count):
        _, emitter = chat(
            flt,
            usage={"input_tokens": 3, "output_tokens": 2},
            message_id=f"{user['id']}-m{n}",
            user=user,
            lang_valves=mine,
        )
        (line,) = emitter.descriptions
        lines.append(line)
    return lines


def test_the_warning_shows_under_the_crossing_reply_and_every_one_after(flt: Filter) -> None:
    above, crossing, below = notices(flt, 3)
    assert "Balance: $0.7000" in above and "⚠" not in above
    assert "Balance: $0.4000" in crossing and crossing.startswith(REDEEM + " | ")
    assert "Balance: $0.1000" in below and below.startswith(REDEEM + " | ")


def test_the_users_own_valve_silences_it(flt: Filter) -> None:
    lines = notices(flt, 3, mine=Filter.UserValves(low_balance_warning=False))
    assert "Balance: $0.1000" in lines[-1]
    assert not any("⚠" in line for line in lines)


def test_a_valve_of_zero_is_off(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"low_balance_warning": 0.0})
    lines = notices(flt, 3)
    assert "Balance: $0.1000" in lines[-1]
    assert not any("⚠" in line for line in lines)


def test_an_exempt_admin_is_never_warned(flt: Filter) -> None:
    """An admin charged nothing keeps a balance of 1.00: under a threshold of 5, a user is warned, the admin not."""
    flt.valves = flt.valves.model_copy(update={"exempt_admins": True, "low_balance_warning": 5.0})
    (admins,) = notices(flt, 1, user=ADMIN)
    assert "Balance: $1.0000" in admins and "⚠" not in admins
    (users,) = notices(flt, 1)
    assert users.startswith(REDEEM + " | ")


def test_with_an_allowance_the_warning_names_the_next_refill(flt: Filter) -> None:
    store = open_store(target_of(flt))
    store.clock = FakeClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC).timestamp())
    with store.immediate():
        store.set_budget_allowance("user", USER["id"], USER["email"], "day", "reset", 1_000_000, "admin")
    above, crossing = notices(flt, 2)
    assert "⚠" not in above
    assert "| Balance: $0.4000 | Next refill: 2026-12-01 00:00 UTC |" in crossing
    assert crossing.startswith("⚠ Low balance — next refill 2026-12-01 00:00 UTC | ")


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        ("zh", "⚠ 余额偏低 — 兑换充值码：在 Usage Monitor 中发送 /redeem 兑换码"),
        ("es", "⚠ Saldo bajo — canjee un código: /redeem CÓDIGO en Usage Monitor"),
    ],
)
def test_the_warning_in_the_users_language(flt: Filter, lang: str, warning: str) -> None:
    above, crossing = notices(flt, 2, mine=Filter.UserValves(language=lang))
    assert "⚠" not in above
    assert crossing.startswith(warning + " | ")


def test_a_stopped_reply_that_crosses_the_threshold_warns_under_its_stopped_notice(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No outlet comes (the stop button): the reply settled without one is shown with the same notice, marked."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.05)
    notices(flt, 1)  # 0.70 left
    metadata = {"chat_id": "c1", "message_id": "stopped", "model": {"id": "gpt"}, "user_message": {}}
    emitter = Emitter()

    async def stopped() -> None:
        admitted = asyncio.Event()

        async def request() -> None:  # Open WebUI's task for the chat: the inlet, then the upstream's stream
            body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": True}
            await flt.inlet(
                body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter
            )
            admitted.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(request())
        await admitted.wait()
        chunk = {
            "id": "x",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": "Foxes "}}],
        }
        flt.stream(chunk, __metadata__=metadata)
        task.cancel()  # the stop button
        with suppress(asyncio.CancelledError):
            await task
        while not emitter.descriptions:  # settled after the grace, in the background (the test's timeout bounds it)
            await asyncio.sleep(0.05)
            await flt.settled()

    run(stopped())
    (line,) = emitter.descriptions
    assert line.startswith("Stopped: " + REDEEM + " | ") and "Balance: $0.4000" in line
