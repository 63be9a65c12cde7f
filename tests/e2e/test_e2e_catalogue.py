"""The bundled price catalogue inside a real Open WebUI 0.12.4, installed by the installer as an admin would.

A workspace model named like a catalogue entry (`gpt-4o`, on the fake upstream) is billed at the catalogue's
rates with no admin action; the admin previews and applies a catalogue sync through the Usage Monitor, changes
the price and undoes the change; the next chats are charged exactly at the synced price, with `min_charge` as
the floor for a tiny reply. Every amount is checked to the micro-unit in the usage record and the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plugin.store import Store

from .fake_upstream import MODEL_GPT
from .monitor import FILTER, ask, installed_monitor
from .owui import OpenWebUI

WRAPPER = "gpt-4o"  # a workspace model on the fake upstream, named like the catalogue's gpt-4o
# The catalogue's gpt-4o, micro-units per 1M tokens: input 2.5, cached input 1.25, output 10.
INPUT, CACHED, OUTPUT = 2_500_000, 1_250_000, 10_000_000


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Store]:
    with installed_monitor(owui, extra_models=(WRAPPER,)) as store:
        owui.create_model_record(WRAPPER, "GPT-4o (fake)", base_model_id=MODEL_GPT)
        yield store


def cost(fresh: int, cached: int, output: int) -> int:
    """What the catalogue's gpt-4o rates make of these tokens, rounded half up once per message."""
    return (fresh * INPUT + cached * CACHED + output * OUTPUT + 500_000) // 1_000_000


def test_a_synced_catalogue_price_is_what_the_next_chat_costs(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    user = make_user("cat")
    ask(owui, owui.admin_token, f"/balance add {user['email']} 5")
    assert store.get_user(user["id"])["balance"] == 5_000_000

    # Before any sync: matched by id, priced from the catalogue, and the record says so.
    first = owui.chat_saved(user["token"], WRAPPER, "hello [usage 1000 500] [cached 400]")
    record = store.get_usage(first["chat_id"], first["assistant_id"])
    assert record is not None, first["message"]
    assert (record["input_tokens"], record["output_tokens"], record["cached_tokens"]) == (1000, 500, 400)
    assert (record["price_source"], record["input_price"], record["output_price"]) == ("catalogue", INPUT, OUTPUT)
    assert record["cost"] == cost(600, 400, 500) == 7_000
    assert store.ledger_for(user["id"])[-1]["amount"] == -7_000

    # The admin previews the sync (nothing written), applies it, changes the price and undoes the change.
    preview = ask(owui, owui.admin_token, "/price catalogue")
    assert WRAPPER in preview and "/price catalogue apply" in preview, preview
    assert store.get_price(WRAPPER) is None
    applied = ask(owui, owui.admin_token, "/price catalogue apply")
    assert "Pinned catalogue prices" in applied and WRAPPER in applied, applied
    pinned = store.get_price(WRAPPER)
    assert (pinned["input_price"], pinned["output_price"], pinned["cached_input_price"]) == (INPUT, OUTPUT, CACHED)
    assert "Prices of" in ask(owui, owui.admin_token, f"/price set {WRAPPER} 3 12")
    assert store.get_price(WRAPPER)["input_price"] == 3_000_000
    assert "Undid the last price change (set)" in ask(owui, owui.admin_token, "/price undo")
    assert store.get_price(WRAPPER)["input_price"] == INPUT
    history = ask(owui, owui.admin_token, "/price history")
    assert f"· set · {WRAPPER} (undone)" in history and f"· catalogue · {WRAPPER}\n" in history, history

    # The next chats use the synced (admin) price; a tiny one costs the minimum charge instead.
    owui.set_valves(FILTER, {**owui.get_valves(FILTER), "min_charge": 0.005})
    try:
        balance = store.get_user(user["id"])["balance"]
        second = owui.chat_saved(user["token"], WRAPPER, "again [usage 2000 300] [cached 1000]")
        record = store.get_usage(second["chat_id"], second["assistant_id"])
        assert (record["price_source"], record["cached_input_price"]) == ("admin", CACHED)
        assert record["cost"] == cost(1000, 1000, 300) == 6_750
        tiny = owui.chat_saved(user["token"], WRAPPER, "tiny [usage 1 1]")
        record = store.get_usage(tiny["chat_id"], tiny["assistant_id"])
        assert cost(1, 0, 1) == 13 and record["cost"] == 5_000
        charges = [row["amount"] for row in store.ledger_for(user["id"]) if row["kind"] == "charge"][-2:]
        assert charges == [-6_750, -5_000]
        assert store.get_user(user["id"])["balance"] == balance - 6_750 - 5_000
    finally:
        owui.set_valves(FILTER, {**owui.get_valves(FILTER), "min_charge": 0})
