from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from plugin import migrations
from plugin.store import Store, open_store


def schema_of(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' AND tbl_name != '_sqlite_migrations'"
    ).fetchall()
    return {(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows}


def test_migrating_an_empty_database_yields_exactly_schema_sql(tmp_path: Path) -> None:
    migrated = Store(tmp_path / "migrated.db")
    migrated.close()
    fresh = sqlite3.connect(tmp_path / "fresh.db")
    fresh.executescript(migrations.schema_sql())
    with sqlite3.connect(tmp_path / "migrated.db") as conn:
        assert schema_of(conn) == schema_of(fresh)
    assert {name for _, name, _ in schema_of(fresh)} >= {"users", "ledger", "requests", "usage", "prices"}


def test_schema_version_is_recorded_and_reopening_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    Store(path).close()
    db = sqlite_utils.Database(path)
    assert migrations.version(db) == "m002_report_rollups"
    assert migrations.MIGRATIONS.pending(db) == []
    Store(path).close()  # a second open must not try to create the tables again
    applied = [m.name for m in migrations.MIGRATIONS.applied(sqlite_utils.Database(path))]
    assert applied == ["m001_initial", "m002_report_rollups"]


def test_m001_is_frozen_as_released() -> None:
    """The first step must stay the 0.1.0 schema: every table of it, none of the later additions."""
    names = {sql.split()[2] for sql in migrations.statements(migrations.M001_SCHEMA)}
    assert names == {
        *("users", "users_email", "ledger", "ledger_user", "ledger_reference", "requests", "requests_open"),
        *("usage", "usage_created", "usage_user_created", "usage_model_created", "prices"),
    }
    # The text as released (the 0.1.0 schema.sql, after a leading newline): editing it fails here.
    digest = hashlib.sha256(migrations.M001_SCHEMA.encode()).hexdigest()
    assert digest == "ee7c3046aa527e6275bed16f5cb3f4a84d22e0327f5cb55a8c2a08a8152249bf"


def test_connection_settings(store: Store) -> None:
    assert store.one("PRAGMA journal_mode")["journal_mode"] == "wal"
    assert store.one("PRAGMA foreign_keys")["foreign_keys"] == 1
    assert store.one("PRAGMA busy_timeout")["timeout"] >= 5000


def test_ledger_changes_balance_and_reaches_disk(store: Store, db_path: Path) -> None:
    with store.immediate():
        assert store.ensure_user("u1", "Ann", "ann@example.com", "user") is True
        assert store.append_ledger("u1", "topup", 5_000_000, actor="admin-1", reason="welcome") == 5_000_000
        assert store.append_ledger("u1", "charge", -1_250, actor="filter", reference="c/m") == 4_998_750
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("SELECT balance FROM users WHERE id = 'u1'").fetchone() == (4_998_750,)
        rows = plain.execute("SELECT kind, amount, balance_after, actor FROM ledger ORDER BY id").fetchall()
    assert rows == [("topup", 5_000_000, 5_000_000, "admin-1"), ("charge", -1_250, 4_998_750, "filter")]
    assert store.reconcile() == []


def test_failed_transaction_leaves_nothing(store: Store, db_path: Path) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
    with pytest.raises(RuntimeError), store.immediate():
        store.append_ledger("u1", "topup", 100, actor="a")
        raise RuntimeError("crash between two writes")
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("SELECT balance FROM users").fetchone() == (0,)
        assert plain.execute("SELECT COUNT(*) FROM ledger").fetchone() == (0,)


def test_ledger_for_unknown_user_fails(store: Store) -> None:
    with pytest.raises(LookupError), store.immediate():
        store.append_ledger("ghost", "topup", 1, actor="a")


def test_reconcile_finds_a_balance_the_ledger_does_not_explain(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
        store.append_ledger("u1", "topup", 100, actor="a")
        store.conn.execute("UPDATE users SET balance = 99 WHERE id = 'u1'")
    assert store.reconcile() == [{"id": "u1", "balance": 99, "ledger_sum": 100}]


def test_ensure_user_refreshes_profile(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "a@x", "user")
        assert store.ensure_user("u1", "Ann B", "b@x", "admin") is False
    user = store.get_user("u1")
    assert (user["name"], user["email"], user["role"]) == ("Ann B", "b@x", "admin")


def test_negative_cost_is_refused_by_the_schema(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u1", "Ann", "", "user")
    with pytest.raises(sqlite3.IntegrityError), store.immediate():
        store.save_usage(
            {
                "chat_id": "c",
                "message_id": "m",
                "user_id": "u1",
                "model_id": "x",
                "input_tokens": 1,
                "output_tokens": -5,
                "price_source": "default",
                "cost": 0,
                "balance_after": 0,
            }
        )


def test_open_store_is_shared_per_path(tmp_path: Path) -> None:
    a = open_store(tmp_path / "x.db")
    assert open_store(str(tmp_path / "x.db")) is a
    assert open_store(tmp_path / "y.db") is not a
