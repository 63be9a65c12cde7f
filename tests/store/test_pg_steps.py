"""PostgreSQL's later steps on a database with records (pg004 on): each fills its tables from the records already
there, and waits for a charge another replica is committing meanwhile, so that it is counted once, not lost. The
schema comparisons with SQLite are `test_pg_schema.py`'s; its script of records and helpers are shared."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from test_pg_schema import NS, ROLLUP_SCRIPT, USAGE_INSERT, connect, pg_sql

from plugin.store import postgres_schema as pg_schema

psycopg = pytest.importorskip("psycopg")


@contextmanager
def at_step_with_records(pg_url, monkeypatch, steps: int) -> Iterator[psycopg.Connection]:
    """A database at its first `steps` steps holding ROLLUP_SCRIPT's records (users u1 and u2): the connection, to
    add what a test needs before the later steps; the later steps are PostgreSQL's again when the block ends."""
    monkeypatch.setattr(pg_schema, "STEPS", pg_schema.STEPS[:steps])
    with connect(pg_url) as conn:
        pg_schema.apply(conn)
        for user in ("u1", "u2"):
            conn.execute("INSERT INTO users (id, created_at, updated_at) VALUES (%s, 0, 0)", (user,))
        for sql, params in ROLLUP_SCRIPT[2:5]:
            conn.execute(pg_sql(sql), params)
        yield conn
    monkeypatch.undo()


def migrated_while_a_charge_waits(pg_url, monkeypatch, request, steps: int) -> tuple[psycopg.Connection, list[str]]:
    """A database at its first `steps` steps with ROLLUP_SCRIPT's records; the later steps applied while another
    replica's charge (u2, 70, in slot 2000001) is uncommitted: asserts they wait for it, commits it, and returns a
    connection (search_path set, closed after the test) and the steps applied."""
    with at_step_with_records(pg_url, monkeypatch, steps):
        pass
    other = psycopg.connect(pg_url)  # not autocommit: its insert stays uncommitted until told
    request.addfinalizer(other.close)
    other.execute(f"SET search_path TO {NS}")
    other.execute(pg_sql(USAGE_INSERT), ("c9", "m9", "u2", "gpt", 5, 5, 0, 0, 0, 70, 1800000950.5, 1800000950.5))
    applied: list[list[str]] = []
    conn = connect(pg_url)
    request.addfinalizer(conn.close)
    migrating = threading.Thread(target=lambda: applied.append(pg_schema.apply(conn)))
    migrating.start()
    migrating.join(0.5)
    assert migrating.is_alive()  # waiting for the uncommitted charge
    other.commit()
    migrating.join(10)
    conn.execute(f"SET search_path TO {NS}")
    return conn, applied[0] if applied else []


def test_pg004_fills_the_per_user_rollups_and_counts_a_charge_committed_while_it_waits(pg_url, monkeypatch, request):
    """A database at pg003 with records: pg004's backfill sums them (truncated buckets, as SQLite's m007). A charge
    another replica is committing meanwhile (its trigger running pg003's function, which knows no per-user rollup)
    is waited for by pg004's lock, so the backfill sees it: counted once, not lost. (The step's CREATE INDEX takes a
    lock that holds writers out too; without either before the backfill, this charge is missing.)"""
    conn, applied = migrated_while_a_charge_waits(pg_url, monkeypatch, request, steps=3)
    assert applied == ["pg004_user_rollups", "pg005_model_slots", "pg006_record_seeks"]
    slots = conn.execute("SELECT user_id, slot, calls, cost FROM usage_user_slots ORDER BY 1, 2").fetchall()
    days = conn.execute("SELECT user_id, day, model_id, calls, cost FROM usage_user_model_days ORDER BY 1, 2, 3")
    assert slots == [
        ("u1", 2000000, 1, 1000),
        ("u1", 2000001, 1, 500),
        ("u2", 2000001, 1, 70),
        ("u2", 2000063, 1, 30),
    ]
    assert days.fetchall() == [
        ("u1", 20833, "gpt", 2, 1500),
        ("u2", 20833, "claude", 1, 30),  # 1800057599.7: the last second of day 20833, truncated
        ("u2", 20833, "gpt", 1, 70),
    ]


def test_pg005_fills_the_model_slots_and_counts_a_charge_committed_while_it_waits(pg_url, monkeypatch, request):
    """A database at pg004 with records: pg005's backfill sums them per (slot, model), truncated as SQLite's m008;
    a charge another replica is committing meanwhile (no model-slot trigger yet on its side) is waited for by the
    step's lock, so it is counted once, not lost. (Its CREATE TRIGGER takes a lock that holds writers out too;
    without either before the backfill, this charge is missing: checked with the backfill moved first.)"""
    conn, applied = migrated_while_a_charge_waits(pg_url, monkeypatch, request, steps=4)
    assert applied == ["pg005_model_slots", "pg006_record_seeks"]
    slots = conn.execute("SELECT slot, model_id, calls, input_tokens, output_tokens, cost FROM usage_model_slots")
    assert sorted(slots.fetchall()) == [
        (2000000, "gpt", 1, 100, 50, 1000),  # 1800000899.9: truncated into slot 2000000
        (2000001, "gpt", 2, 205, 25, 570),
        (2000063, "claude", 1, 7, 3, 30),
    ]
    conn.execute(pg_sql(USAGE_INSERT), ("c8", "m8", "u1", "gpt", 1, 1, 0, 0, 0, 3, 1800000901.0, 1800000901.0))
    assert conn.execute("SELECT calls, cost FROM usage_model_slots WHERE slot = 2000001").fetchone() == (3, 573)


def test_pg006_bounds_every_users_balances_per_day_and_widens_them(pg_url, monkeypatch):
    """pg006's backfill takes each (user, UTC day)'s lowest and highest balance, truncated days as SQLite's m009;
    a later record or a lowered balance widens them, a deletion leaves them."""
    with at_step_with_records(pg_url, monkeypatch, 5) as conn:
        conn.execute("UPDATE usage SET balance_after = 700 WHERE message_id = 'm2' AND chat_id = 'c1'")
    with connect(pg_url) as conn:
        assert pg_schema.apply(conn) == ["pg006_record_seeks"]
        bounds = "SELECT user_id, day, low, high FROM usage_user_balance_days ORDER BY 1, 2"
        assert conn.execute(bounds).fetchall() == [("u1", 20833, 0, 700), ("u2", 20833, 0, 0)]
        conn.execute("UPDATE usage SET balance_after = -5 WHERE chat_id = 'c2'")
        conn.execute("DELETE FROM usage WHERE chat_id = 'c1'")
        conn.execute(pg_sql(USAGE_INSERT), ("c8", "m8", "u1", "gpt", 1, 1, 0, 0, 0, 3, 1800086400.5, 1800086400.5))
        assert conn.execute(bounds).fetchall() == [("u1", 20833, 0, 700), ("u1", 20834, 0, 0), ("u2", 20833, -5, 0)]
