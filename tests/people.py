"""The people, models and hostile names the tests of admin operations share (accounts, prices, their views)."""

from __future__ import annotations

from backends import table_names

from plugin.store import Store

ADMIN = "admin-1"
SQL = "x'; DROP TABLE users;--"

DIRECTORY = [
    {"id": "u-ann", "name": "Ann Lee", "email": "ann@example.com", "role": "user"},
    {"id": "u-bob", "name": "Bob", "email": "bob@example.com", "role": "admin"},
    {"id": "u-bobby", "name": "Bobby Tables", "email": "bobby@school.org", "role": "user"},
    {"id": "u-zh", "name": "张三", "email": "zhang@example.cn", "role": "user"},
    {"id": "u-sql", "name": SQL, "email": "robert'); DROP TABLE ledger;--@x.org", "role": "user"},
]
MODELS = [
    {"id": "llama3:8b", "name": "Llama 3 8B"},
    {"id": "openrouter/anthropic/claude-3.5", "name": "Claude 3.5"},
    {"id": "gpt-4o", "name": "GPT-4o"},
    {"id": "my-helper", "name": "My Helper", "info": {"base_model_id": "gpt-4o"}},
    {"id": "my-writer", "name": "My Writer", "info": {"base_model_id": "gpt-4o"}},
    {"id": "my-coder", "name": "My Coder", "info": {"base_model_id": "llama3:8b"}},
    {"id": SQL, "name": "Hostile"},
]


def user(store: Store, user_id: str = "u-ann", balance: int = 0) -> str:
    with store.immediate():
        store.ensure_user(user_id, user_id.title(), f"{user_id}@example.com", "user")
        if balance:
            store.append_ledger(user_id, "topup", balance, actor="test")
    return user_id


def tables_intact(store: Store) -> None:
    names = table_names(store)
    assert {"users", "ledger", "usage", "prices", "requests"} <= names
