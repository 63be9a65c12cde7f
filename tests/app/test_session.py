"""The application layer: the Session's operations refuse a non-admin themselves (both front-ends check first,
so this is the net under a button or command added later), and the layers import only downwards: the domain
never reaches up to app or ui, the app never to ui or the functions, and the buttons never into the parser."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sessions import seeded_store, session

from plugin.errors import AdminOnly
from plugin.store import Store

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
MODELS = [{"id": "gpt-4o", "name": "GPT-4o"}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama3:8b")
    yield store
    store.close()


WRITES: dict[str, Callable[[Any], Any]] = {
    "find_person": lambda s: s.find_person("bob@example.com"),
    "set_balance": lambda s: s.set_balance("u2", 1_000_000, "x"),
    "add_balance": lambda s: s.add_balance("u2", 1_000_000, "x"),
    "block": lambda s: s.block("u2", True),
    "reconcile": lambda s: s.reconcile(repair=True),
    "set_price": lambda s: s.set_price("gpt-4o", input="1"),
    "clear_price": lambda s: s.clear_price("gpt-4o"),
    "copy_price": lambda s: s.copy_price("gpt-4o", "gpt-4o"),
    "accept_catalogue_price": lambda s: s.accept_catalogue_price("gpt-4o", "gpt-4o"),
    "inherit_prices": lambda s: s.inherit_prices(),
    "sync_connection_prices": lambda s: s.sync_connection_prices(),
    "sync_catalogue_prices": lambda s: s.sync_catalogue_prices(),
    "last_price_change": lambda s: s.last_price_change(),
    "undo_price_change": lambda s: s.undo_price_change(),
    "price_changes": lambda s: s.price_changes(),
    "set_budget_init": lambda s: s.set_budget_init("g1", "G", 1_000_000),
    "clear_budget": lambda s: s.clear_budget("user", "u2", "all"),
    "export_csv": lambda s: s.export_csv(s.range("all")),
    "export_json": lambda s: s.export_json(),
    "import_json": lambda s: s.import_json("{}"),
}


@pytest.mark.parametrize("operation", sorted(WRITES))
def test_a_non_admin_session_is_refused_every_admin_operation(store: Store, operation: str) -> None:
    before = (store.all_users(), store.query("SELECT * FROM ledger ORDER BY id"), store.all_prices())
    alice = session(store, ALICE, directory=[ADMIN, ALICE, BOB], models=MODELS)

    async def attempt() -> None:
        await WRITES[operation](alice)

    with pytest.raises(AdminOnly):
        asyncio.run(attempt())
    assert (store.all_users(), store.query("SELECT * FROM ledger ORDER BY id"), store.all_prices()) == before


def test_an_admin_session_changes_a_balance_with_the_admin_as_actor(store: Store) -> None:
    ada = session(store, ADMIN, directory=[ADMIN, ALICE, BOB], models=MODELS)

    async def top_up() -> int:
        person = await ada.find_person("bob@example.com")
        return (await ada.add_balance(person["id"], 2_000_000, "prize")).new

    assert asyncio.run(top_up()) == 7_000_000 - 777_777 + 2_000_000
    last = store.ledger_for("u2")[-1]
    assert (last["kind"], last["amount"], last["actor"], last["reason"]) == ("topup", 2_000_000, "a1", "prize")


def test_only_the_asker_or_an_admin_sees_a_messages_usage(store: Store) -> None:
    def seen(user: dict[str, str]) -> Any:
        return asyncio.run(session(store, user, directory=[]).message_usage("c", "m2"))  # Bob's message

    assert seen(BOB)["user_id"] == "u2" and seen(ADMIN)["user_id"] == "u2"
    assert seen(ALICE) is None
