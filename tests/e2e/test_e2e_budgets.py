"""Budgets inside a real Open WebUI 0.12.4: a user in a group with a daily allowance is refused after spending it
and served again once the day rolls over, with every step in the ledger.

The server runs with OPENWEBUI_MONITOR_CLOCK_FILE (the monitor's test clock): writing a number of seconds to that
file moves the monitor's clock inside the running server, so the next day comes without sleeping. The group is
made through Open WebUI's own REST API, the allowance through the Usage Monitor model, as an admin would.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from plugin.store import CLOCK_FILE_ENV, Store

from .fake_upstream import MODEL_GPT
from .monitor import ask, install_monitor, notice
from .owui import OpenWebUI

PER_TOKEN = 60  # micro-units per token at the default 60 per 1M
COST = 2000 * PER_TOKEN  # one "[usage 1000 1000]" reply


def move_clock(clock_file: Path, to: dt.datetime) -> None:
    """Make the monitor's clock in the server read `to` (give or take the seconds the test takes)."""
    clock_file.write_text(str(to.timestamp() - time.time()), encoding="utf-8")


def test_a_daily_group_allowance_refuses_then_refills_when_the_day_rolls(
    owui_factory: Callable[..., OpenWebUI], tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock-offset"
    today = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    tomorrow, after = today + dt.timedelta(days=1), today + dt.timedelta(days=2)
    move_clock(clock_file, today)  # noon: the test never straddles a real midnight
    owui = owui_factory({CLOCK_FILE_ENV: str(clock_file)})
    install_monitor(owui)
    user = owui.add_user("Dana Night", "dana@example.com", "dana-pass-1")

    group = owui.request("POST", "/api/v1/groups/create", json={"name": "Night Shift", "description": "e2e"}).json()
    owui.request("POST", f"/api/v1/groups/id/{group['id']}/users/add", json={"user_ids": [user["id"]]})

    answer = ask(owui, owui.admin_token, '/budget group "Night Shift" daily reset 0.2')
    assert answer == (
        f"Allowance for group Night Shift: reset to $0.2000 every day (UTC); next refill {tomorrow:%Y-%m-%d} 00:00 UTC."
    ), answer
    listing = ask(owui, owui.admin_token, "/budget")
    assert "| group Night Shift | – | reset to $0.2000 every day (UTC) |" in listing, listing

    # Day 1: the first request applies the allowance; two replies spend it (the second goes below zero).
    first = owui.chat_saved(user["token"], MODEL_GPT, "hello [usage 1000 1000]")
    assert "Balance: $0.0800" in notice(first["message"]), notice(first["message"])
    assert f"Next refill: {tomorrow:%Y-%m-%d} 00:00 UTC" in notice(first["message"])
    second = owui.chat_saved(user["token"], MODEL_GPT, "again [usage 1000 1000]")
    assert "Balance: -$0.0400" in notice(second["message"]), notice(second["message"])
    status, refusal = owui.chat_api(user["token"], MODEL_GPT, "one more", expect_status=None)
    assert status == 400 and "Insufficient balance" in str(refusal), refusal
    assert f"Your allowance refills at {tomorrow:%Y-%m-%d} 00:00 UTC." in str(refusal)
    mine = ask(owui, user["token"], "/balance")
    assert f"next refill {tomorrow:%Y-%m-%d} 00:00 UTC" in mine, mine

    # Day 2: the same request is served, the balance reset to the allowance first.
    move_clock(clock_file, tomorrow)
    third = owui.chat_saved(user["token"], MODEL_GPT, "next day [usage 1000 1000]")
    assert "Balance: $0.0800" in notice(third["message"]), notice(third["message"])
    assert f"Next refill: {after:%Y-%m-%d} 00:00 UTC" in notice(third["message"])

    store = Store(owui.data_dir / "openwebui_monitor" / "monitor.db")
    try:
        ledger = store.ledger_for(user["id"])
        # Each reply's hold (its estimate) is taken at its inlet and given back in full when it is charged.
        pending = [(r["kind"], r["amount"]) for r in ledger if r["kind"] in ("hold", "release")]
        assert len(pending) == 6 and all(
            kind == "hold" and amount < 0 and pending[i + 1] == ("release", -amount)
            for i, (kind, amount) in enumerate(pending)
            if i % 2 == 0
        ), pending
        rows = [(r["kind"], r["amount"], r["actor"]) for r in ledger if r["kind"] not in ("hold", "release")]
        assert rows == [
            ("reset", 200_000, "system"),
            ("charge", -COST, "filter"),
            ("charge", -COST, "filter"),
            ("reset", 200_000 - (200_000 - 2 * COST), "system"),
            ("charge", -COST, "filter"),
        ]
        assert store.get_user(user["id"])["balance"] == 200_000 - COST
        refills = [r for r in store.ledger_for(user["id"]) if r["kind"] == "reset"]
        assert [r["reference"] for r in refills] == [
            f"allowance:day:{today:%Y-%m-%d}",
            f"allowance:day:{tomorrow:%Y-%m-%d}",
        ]
        assert refills[0]["reason"] == f"day allowance (group Night Shift): reset to 0.2 for day:{today:%Y-%m-%d}"
        assert store.allowance_period(user["id"]) == f"day:{tomorrow:%Y-%m-%d}"
        assert len(store.query("SELECT * FROM usage WHERE user_id = ?", (user["id"],))) == 3
        assert store.reconcile() == []
    finally:
        store.close()


@pytest.fixture(autouse=True)
def _no_leftover_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test clock is for the server only: this process's own stores keep real time."""
    monkeypatch.delenv(CLOCK_FILE_ENV, raising=False)
