"""The report model's answers, end to end inside the library: parse, check the role, run, render."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sessions
from sessions import NOW, seeded_store

from plugin.domain import pricing
from plugin.store import Store

ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
NEWBIE = {"id": "u3", "name": "Newbie", "email": "new@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB, NEWBIE]
MODELS = [{"id": "gpt-4o", "name": "GPT-4o"}, {"id": "llama3:8b", "name": "Llama"}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama3:8b")
    yield store
    store.close()


def ask(store: Store, user: dict, text: str, **extra: Any) -> str:
    models = extra.pop("models", MODELS)
    return sessions.ask(
        sessions.session(store, user, directory=DIRECTORY, models=models, init_balance=1_000_000, **extra), text
    )


def test_a_user_sees_only_their_own_numbers(store: Store) -> None:
    text = ask(store, ALICE, "/usage 7d")
    assert "1,000" in text or "1000" in text
    assert "0.1111" in text and "llama3:8b" in text
    assert "0.7778" not in text and "Bob" not in text
    assert "```vega-lite" in text


def test_an_admin_command_from_a_user_is_refused_with_their_own_usage(store: Store) -> None:
    for command in ("/users", "/balance add alice@example.com 100", "/top", "/export json", "/block Bob"):
        text = ask(store, ALICE, command)
        assert text.startswith("That command is for administrators.")
        assert "Bob" not in text and "0.7778" not in text
    assert store.get_user("u1")["balance"] == 5_000_000 - 113_333
    assert store.get_user("u2")["blocked"] == 0


def test_a_user_cannot_read_someone_elses_records(store: Store) -> None:
    text = ask(store, ALICE, "/records user:bob@example.com")
    assert "gpt-4o" in text and "0.7778" not in text


def test_admin_top_up_lands_in_the_ledger_with_the_admin_as_actor(store: Store) -> None:
    text = ask(store, ADMIN, "/balance add alice@example.com 2.5")
    assert "Alice" in text
    assert store.get_user("u1")["balance"] == 5_000_000 - 113_333 + 2_500_000
    last = store.ledger_for("u1")[-1]
    assert (last["kind"], last["amount"], last["actor"]) == ("topup", 2_500_000, "a1")
    assert store.reconcile() == []


def test_admin_set_balance_and_a_never_seen_user_gets_the_initial_balance_first(store: Store) -> None:
    ask(store, ADMIN, "/balance set new@example.com 3")
    rows = store.ledger_for("u3")
    assert [(r["kind"], r["amount"]) for r in rows] == [("topup", 1_000_000), ("set", 2_000_000)]
    assert store.get_user("u3")["balance"] == 3_000_000


@pytest.mark.parametrize("amount", ["-5", "abc", "1e309", "NaN", "99999999999999", "'; DROP TABLE users;--"])
def test_bad_amounts_change_nothing(store: Store, amount: str) -> None:
    before = store.ledger_for("u1")
    text = ask(store, ADMIN, f"/balance set alice@example.com {amount}")
    assert "valid amount" in text or "below zero" in text or "not" in text
    assert store.ledger_for("u1") == before


def test_ambiguous_and_unknown_users(store: Store) -> None:
    assert "matches several users" in ask(store, ADMIN, "/block example.com")
    assert "No user matches" in ask(store, ADMIN, "/block nobody-at-all")


def test_block_and_unblock(store: Store) -> None:
    ask(store, ADMIN, "/block Bob")
    assert store.get_user("u2")["blocked"] == 1
    ask(store, ADMIN, "/unblock bob@example.com")
    assert store.get_user("u2")["blocked"] == 0


def test_admin_overview_and_users_list(store: Store) -> None:
    top = ask(store, ADMIN, "/top all")
    assert "Bob" in top and "Alice" in top and "0.8911" in top  # 111111 + 2222 + 777777
    users = ask(store, ADMIN, "/users")
    assert "Newbie" in users  # never chatted, still listed


def test_prices_set_and_listed_with_source(store: Store) -> None:
    text = ask(store, ADMIN, "/price set llama3:8b 0.2 0.4")
    assert "llama3:8b" in text
    row = store.get_price("llama3:8b")
    assert (row["input_price"], row["output_price"]) == (200_000, 400_000)
    listing = ask(store, ADMIN, "/prices")
    assert "llama3:8b" in listing and "gpt-4o" in listing


def test_export_csv_matches_the_ledger(store: Store) -> None:
    text = ask(store, ADMIN, "/export csv")
    body = text.split("```\n", 1)[1].rsplit("\n```", 1)[0].lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 3
    cost_column = next(k for k in rows[0] if "cost" in k.lower())
    exported = sum(pricing.to_micro(r[cost_column]) for r in rows)
    charged = -sum(r["amount"] for u in ("u1", "u2") for r in store.ledger_for(u) if r["kind"] == "charge")
    assert exported == charged == 891_110


def test_import_pasted_json_round_trip(store: Store, tmp_path: Path) -> None:
    saved: dict[str, bytes] = {}

    async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
        saved[name] = data
        return {"id": "f1", "url": "/api/v1/files/f1/content"}

    text = ask(store, ADMIN, "/export json", save_file=save_file)
    assert "/api/v1/files/f1/content" in text
    (document,) = saved.values()
    fresh = Store(tmp_path / "fresh.db", clock=lambda: NOW)
    answer = ask(fresh, ADMIN, "/import\n```json\n" + document.decode() + "\n```")
    assert "3 usage records" in answer
    assert fresh.get_user("u2")["balance"] == store.get_user("u2")["balance"]
    assert fresh.reconcile() == []
    fresh.close()


def test_import_needs_exactly_one_document(store: Store) -> None:
    assert "attach one JSON file" in ask(store, ADMIN, "/import")
    before = store.get_user("u1")
    assert "Nothing was imported" in ask(store, ADMIN, "/import\n```json\n{not json\n```")
    assert store.get_user("u1") == before


def test_help_in_three_languages_and_unknown_input(store: Store) -> None:
    assert "/balance set" in ask(store, ADMIN, "/help")
    assert "/balance set" not in ask(store, ALICE, "/help")
    assert "没有理解" in ask(store, ALICE, "blah blah", lang="zh")
    assert "No entendí" in ask(store, ALICE, "bla bla", lang="es")
    assert "can't read the time range" in ask(store, ALICE, "/usage 2026-13-45")


def test_json_export_is_parseable(store: Store) -> None:
    text = ask(store, ADMIN, "/export json")
    assert json.loads(text.split("```\n", 1)[1].rsplit("\n```", 1)[0])["tables"]["usage"]


def test_balance_shows_each_period_once(store: Store) -> None:
    text = ask(store, ALICE, "/balance")
    assert text.count("| Today") == 1 and text.count("| All time") == 1
    assert ask(store, ALICE, "/usage all").count("| All time") == 1


def test_price_sync_previews_then_pins_connection_prices(store: Store) -> None:
    from plugin.domain import price_admin

    models = [
        {"id": "or/gpt", "name": "GPT", "pricing": {"prompt": "0.000002", "completion": "0.000008"}},
        {"id": "local", "name": "Local"},
    ]
    preview = price_admin.sync_connection_prices(store, models, actor="a1", dry_run=True)
    assert preview.changed == ["or/gpt"] and store.get_price("or/gpt") is None
    done = price_admin.sync_connection_prices(store, models, actor="a1")
    row = store.get_price("or/gpt")
    assert done.changed == ["or/gpt"]
    assert (row["input_price"], row["output_price"], row["updated_by"]) == (2_000_000, 8_000_000, "a1")
    assert store.get_price("local") is None
    assert price_admin.sync_connection_prices(store, models, actor="a1").changed == []  # already in step


def test_price_sync_command_needs_apply(store: Store) -> None:
    assert "nothing changed" in ask(store, ADMIN, "/price sync")  # no model here reports a price
    reported = [*MODELS, {"id": "or/gpt", "name": "GPT", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}]
    preview = ask(store, ADMIN, "/price sync", models=reported)
    assert "or/gpt" in preview and "/price sync apply" in preview and store.get_price("or/gpt") is None
    assert "or/gpt" in ask(store, ADMIN, "/price sync apply", models=reported)
    assert store.get_price("or/gpt")["input_price"] == 2_000_000
    assert "/price sync" in ask(store, ADMIN, "/help")
