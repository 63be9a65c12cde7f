"""The PostgreSQL schema (schema_postgres.sql, plugin/store/postgres_schema.py) against SQLite's
(plugin/store/sqlite_schema.py): the same tables, columns, keys, indexes and constraints, and triggers that keep the
same rollups. `pg_url` (a fresh
empty database per test) comes from tests/conftest.py."""

from __future__ import annotations

import collections
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlite_utils

from plugin.store import postgres_schema as pg_schema
from plugin.store import sqlite_schema as migrations

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[2]
NS = pg_schema.SCHEMA_NAME
# SQLite's declared type -> PostgreSQL's information_schema data_type.
TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text"}
# Every released step, in order.
ALL_STEPS = [
    *("pg001_initial", "pg002_pending_requests", "pg003_codes", "pg004_user_rollups", "pg005_model_slots"),
    "pg006_record_seeks",
]


def connect(url: str):
    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def pg(pg_url: str):
    """A connection to a migrated PostgreSQL database, search_path set."""
    with connect(pg_url) as conn:
        pg_schema.apply(conn)
        yield conn


@pytest.fixture
def lite() -> sqlite_utils.Database:
    """A fresh SQLite database built by plugin/store/sqlite_schema.py, foreign keys on as the store has them."""
    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    db.execute("PRAGMA foreign_keys=ON")
    return db


def pg_sql(sql: str) -> str:
    return sql.replace("?", "%s")


def normalised(sql: str) -> str:
    return " ".join(sql.split())


# SQLite's m007 triggers, whose upserts PostgreSQL's pg004 adds to usage_rollup_add, which pg001's usage triggers
# call (test_rollup_triggers_keep_the_same_rollups_as_sqlite proves the same rows).
FOLDED_TRIGGERS = {("usage", f"usage_user_rollup_{event}") for event in ("insert", "delete", "update")}


def sqlite_structure(db: sqlite_utils.Database) -> dict:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
    ]
    columns, pks, uniques, foreign_keys, indexes = {}, {}, set(), set(), {}
    for table in tables:
        info = db.execute(f"PRAGMA table_info({table})").fetchall()
        # A PostgreSQL primary key is NOT NULL; SQLite lets a non-INTEGER one hold NULL (a legacy quirk, never used).
        columns[table] = [
            (name, TYPES[kind], bool(notnull or pk), dflt) for _cid, name, kind, notnull, dflt, pk in info
        ]
        pks[table] = [name for *_, name, _kind, _nn, _dflt, pk in sorted(info, key=lambda c: c[5]) if pk]
        for _seq, _table, ref, src, dst, *_ in db.execute(f"PRAGMA foreign_key_list({table})").fetchall():
            foreign_keys.add((table, src, ref, dst))
        for _seq, index, unique, origin, _partial in db.execute(f"PRAGMA index_list({table})").fetchall():
            cols = [name for _no, _cid, name in db.execute(f"PRAGMA index_info({index})").fetchall()]
            if origin == "u":
                uniques.add((table, tuple(cols)))
            elif origin == "c":
                indexes[index] = (table, bool(unique), cols)
    triggers = set(db.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'").fetchall())
    triggers -= FOLDED_TRIGGERS
    return {
        "columns": columns,
        "pks": pks,
        "uniques": uniques,
        "foreign_keys": foreign_keys,
        "indexes": indexes,
        "triggers": triggers,
    }


def _pg_default(default: str | None) -> str | None:
    return None if default is None else re.sub(r"::[a-z ]+$", "", default)


def pg_structure(conn) -> dict:
    columns: dict[str, list] = {}
    for table, name, kind, nullable, default in conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name <> '_migrations' ORDER BY table_name, ordinal_position",
        (NS,),
    ).fetchall():
        columns.setdefault(table, []).append((name, kind, nullable == "NO", _pg_default(default)))
    # Every constraint and index of the schema with its columns in key order (None for an expression).
    keyed = """
        SELECT t.relname::text, {kind}, array(
            SELECT a.attname::text FROM unnest({keys}::smallint[]) WITH ORDINALITY AS k (attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord
        ) {extra}
        FROM {source} JOIN pg_class t ON t.oid = {rel} JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = %s AND t.relname <> '_migrations' {where}
    """
    constraints = conn.execute(
        keyed.format(
            kind="c.contype::text",
            keys="c.conkey",
            extra=", (SELECT relname::text FROM pg_class WHERE oid = c.confrelid),"
            " (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute"
            " WHERE attrelid = c.confrelid AND attnum = ANY (c.confkey))",
            source="pg_constraint c",
            rel="c.conrelid",
            where="AND c.contype IN ('p', 'u', 'f')",
        ),
        (NS,),
    ).fetchall()
    indexes = conn.execute(
        keyed.format(
            kind="i.indisunique",
            keys="i.indkey",
            extra=", (SELECT relname::text FROM pg_class WHERE oid = i.indexrelid)",
            source="pg_index i",
            rel="i.indrelid",
            where="AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
            " AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u'))",
        ),
        (NS,),
    ).fetchall()
    triggers = set(
        conn.execute(
            "SELECT t.relname::text, g.tgname::text FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s AND NOT g.tgisinternal",
            (NS,),
        ).fetchall()
    )
    return {
        "columns": columns,
        "pks": {table: cols for table, kind, cols, *_ in constraints if kind == "p"},
        "uniques": {(table, tuple(cols)) for table, kind, cols, *_ in constraints if kind == "u"},
        "foreign_keys": {
            (table, cols[0], ref, ref_cols[0]) for table, kind, cols, ref, ref_cols in constraints if kind == "f"
        },
        "indexes": {index: (table, unique, cols) for table, unique, cols, index in indexes},
        "triggers": triggers,
    }


def test_migrated_postgres_has_the_tables_columns_keys_and_indexes_of_migrated_sqlite(pg, lite):
    expected, actual = sqlite_structure(lite), pg_structure(pg)
    assert list(actual["columns"]) == list(expected["columns"])  # the same tables
    for table, columns in expected["columns"].items():
        assert actual["columns"][table] == columns, table  # names in order, types, NOT NULL, defaults
    for part in ("pks", "uniques", "foreign_keys", "indexes", "triggers"):
        assert actual[part] == expected[part], part
    assert "usage_tokens" in actual["indexes"] and actual["indexes"]["usage_tokens"][2][0] is None
    (expression,) = pg.execute("SELECT pg_get_indexdef(%s::regclass, 1, true)", ("usage_tokens",)).fetchone()
    assert normalised(expression).strip("()") == "input_tokens + output_tokens"
    identity = pg.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = %s AND is_identity = 'YES'"
        " ORDER BY table_name",
        (NS,),
    ).fetchall()
    assert sorted(pg_schema.IDENTITY_TABLES) == [table for (table,) in identity]


def test_schema_postgres_sql_is_the_schema_the_code_runs():
    in_file = [normalised(sql) for sql in pg_schema.statements((ROOT / "schema_postgres.sql").read_text("utf-8"))]
    in_code = [normalised(sql) for _, script in pg_schema.STEPS for sql in pg_schema.statements(script)]
    assert len(in_code) > 30
    assert in_file == in_code
    assert in_code[0] == f"CREATE SCHEMA IF NOT EXISTS {NS}"


def test_statements_splits_at_semicolons_outside_quotes_bodies_and_comments():
    script = """
        -- a comment; with a semicolon
        CREATE TABLE t (a TEXT DEFAULT 'x;y''z', "b;" INTEGER); /* block; comment */
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- inside the body; kept
            UPDATE t SET a = 'q;';
            RETURN NULL;
        END
        $$;
        SELECT $tag$ a;b $$ $tag$, $1;
    """
    parts = [normalised(sql) for sql in pg_schema.statements(script)]
    assert parts == [
        """CREATE TABLE t (a TEXT DEFAULT 'x;y''z', "b;" INTEGER)""",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN -- inside the body; kept"
        " UPDATE t SET a = 'q;'; RETURN NULL; END $$",
        "SELECT $tag$ a;b $$ $tag$, $1",
    ]
    with pytest.raises(ValueError, match="incomplete"):
        pg_schema.statements("SELECT 1; SELECT 2")
    with pytest.raises(ValueError, match="unterminated"):
        pg_schema.statements("SELECT $$ 1;")


def test_apply_twice_applies_nothing_the_second_time(pg_url):
    # Client-side binding first (as plugin/store/postgres.py connects), server-side the second time.
    with psycopg.connect(pg_url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        assert pg_schema.version(conn) is None
        assert pg_schema.apply(conn) == ALL_STEPS
        assert pg_schema.version(conn) == "pg006_record_seeks"
        assert conn.execute("SHOW search_path").fetchone() == (NS,)
        assert conn.execute("SELECT id, version FROM budget_version").fetchall() == [(1, 0)]
    with connect(pg_url) as conn:
        assert pg_schema.apply(conn) == []
        assert conn.execute("SHOW search_path").fetchone() == (NS,)  # set again for this session
        assert conn.execute(f"SELECT name FROM {NS}._migrations ORDER BY name").fetchall() == [
            (name,) for name in ALL_STEPS
        ]
        assert pg_schema.version(conn) == "pg006_record_seeks"


def test_a_database_at_pg001_gets_only_the_later_steps_and_keeps_its_open_requests(pg_url, monkeypatch):
    """A database of the release before two-phase charges: its open request (a pre-charge held) gets the new
    columns' defaults: no price, so settling it without an outlet releases its hold (billing.abandon)."""
    monkeypatch.setattr(pg_schema, "STEPS", pg_schema.STEPS[:1])
    with connect(pg_url) as conn:
        assert pg_schema.apply(conn) == ["pg001_initial"]
        conn.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('u', 0, 0)")
        conn.execute(
            "INSERT INTO requests (chat_id, message_id, user_id, model_id, hold, status, started_at)"
            " VALUES ('c', 'm', 'u', 'gpt', 500, 'open', 1)"
        )
    monkeypatch.undo()
    with connect(pg_url) as conn:
        assert pg_schema.apply(conn) == ALL_STEPS[1:]
        row = conn.execute(
            "SELECT status, hold, input_tokens, output_tokens, price, charge, seen_at FROM requests"
        ).fetchall()
        assert row == [("open", 500, 0, 0, None, 1, None)]


def test_apply_needs_autocommit_and_is_all_or_nothing(pg_url, monkeypatch):
    with psycopg.connect(pg_url) as conn, pytest.raises(ValueError, match="autocommit"):
        pg_schema.apply(conn)
    monkeypatch.setattr(pg_schema, "STEPS", (*pg_schema.STEPS, ("pg999_broken", "SELECT 1 / 0;")))
    with connect(pg_url) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            pg_schema.apply(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert pg_schema.version(conn) is None  # pg001 rolled back with the broken step
        assert conn.execute("SELECT to_regnamespace(%s)", (NS,)).fetchone() == (None,)


def test_two_processes_applying_at_once_both_succeed(pg_url):
    barrier, results, errors = threading.Barrier(2), [], []

    def run() -> None:
        try:
            with connect(pg_url) as conn:
                barrier.wait(timeout=30)
                results.append(pg_schema.apply(conn))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [[], ALL_STEPS]
    with connect(pg_url) as conn:
        assert conn.execute(f"SELECT name FROM {NS}._migrations ORDER BY name").fetchall() == [
            (name,) for name in ALL_STEPS
        ]


USAGE_INSERT = (
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, cached_tokens,"
    " reasoning_tokens, estimated, price_source, cost, balance_after, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'admin', ?, 0, ?, ?)"
)
# Times just under a slot's or a day's edge: SQLite truncates them, a PostgreSQL cast would round them over it.
ROLLUP_SCRIPT = [
    ("INSERT INTO users (id, created_at, updated_at) VALUES (?, 0, 0)", ("u1",)),
    ("INSERT INTO users (id, created_at, updated_at) VALUES (?, 0, 0)", ("u2",)),
    (USAGE_INSERT, ("c1", "m1", "u1", "gpt", 100, 50, 10, 5, 0, 1000, 1800000899.9, 1800000899.9)),
    (USAGE_INSERT, ("c1", "m2", "u1", "gpt", 200, 20, 0, 0, 1, 500, 1800000900.0, 1800000900.0)),
    (USAGE_INSERT, ("c2", "m1", "u2", "claude", 7, 3, 0, 0, 0, 30, 1800057599.7, 1800057599.7)),
    (USAGE_INSERT, ("c3", "m1", "u2", "gpt", 1, 1, 0, 0, 0, 2, 1800000000.5, 1800000000.5)),
    (
        "UPDATE usage SET created_at = ?, cost = ?, input_tokens = ? WHERE chat_id = ? AND message_id = ?",
        (1800001799.5, 2000, 300, "c1", "m1"),
    ),
    ("UPDATE usage SET model_id = ?, user_id = ? WHERE chat_id = ? AND message_id = ?", ("claude", "u2", "c1", "m2")),
    ("UPDATE usage SET balance_after = 5, updated_at = 1", ()),  # no rollup column: no trigger
    ("DELETE FROM usage WHERE chat_id = ?", ("c3",)),
]
ROLLUPS = {
    "usage_slots": "SELECT * FROM usage_slots ORDER BY slot",
    "usage_model_days": "SELECT * FROM usage_model_days ORDER BY day, model_id",
    "usage_user_days": "SELECT * FROM usage_user_days ORDER BY day, user_id",
    "usage_user_slots": "SELECT * FROM usage_user_slots ORDER BY user_id, slot",
    "usage_user_model_days": "SELECT * FROM usage_user_model_days ORDER BY user_id, day, model_id",
    "usage_model_slots": "SELECT * FROM usage_model_slots ORDER BY slot, model_id",
    "usage_user_balance_days": "SELECT * FROM usage_user_balance_days ORDER BY user_id, day",
}


def test_rollup_triggers_keep_the_same_rollups_as_sqlite(pg, lite):
    for sql, params in ROLLUP_SCRIPT:
        lite.execute(sql, params)
        pg.execute(pg_sql(sql), params)
    times = [params[-1] for sql, params in ROLLUP_SCRIPT if sql == USAGE_INSERT]
    assert any(int(t) // 900 != round(t) // 900 for t in times)  # the script tells truncation from rounding
    assert any(int(t) // 86400 != round(t) // 86400 for t in times)
    for table, sql in ROLLUPS.items():
        expected = [tuple(row) for row in lite.execute(sql).fetchall()]
        assert len(expected) >= 2
        assert pg.execute(sql).fetchall() == expected, table


def test_rollup_triggers_work_whatever_the_session_search_path(pg, pg_url):
    pg.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 0, 0)")
    with connect(pg_url) as other:  # search_path left at the default ("$user", public)
        other.execute(pg_sql(USAGE_INSERT.replace("INTO usage", f"INTO {NS}.usage")), ROLLUP_SCRIPT[2][1])
        other.execute(f"INSERT INTO {NS}.budgets (scope, target, updated_at) VALUES ('user', 'u1', 0)")
    assert pg.execute("SELECT slot, calls, cost FROM usage_slots").fetchall() == [(2000000, 1, 1000)]
    assert pg.execute("SELECT version FROM budget_version").fetchone() == (1,)


def test_budget_version_bumps_on_every_budgets_change_as_in_sqlite(pg, lite):
    script = [
        "INSERT INTO budgets (scope, target, updated_at) VALUES ('group', 'g1', 1)",
        "INSERT INTO budgets (scope, target, period, mode, amount, updated_at)"
        " VALUES ('user', 'u1', 'day', 'add', 5, 1)",
        "UPDATE budgets SET label = 'x' WHERE target = 'g1'",
        "UPDATE budgets SET label = 'y' WHERE target = 'nobody'",  # no row: no bump
        "UPDATE budgets SET updated_at = 2",  # two rows: two bumps, as SQLite's row triggers
        "DELETE FROM budgets WHERE target = 'g1'",
        "DELETE FROM budgets",
    ]
    versions = {"sqlite": [], "postgres": []}
    for sql in script:
        lite.execute(sql)
        pg.execute(sql)
        versions["sqlite"].append(lite.execute("SELECT version FROM budget_version").fetchone()[0])
        versions["postgres"].append(pg.execute("SELECT version FROM budget_version").fetchone()[0])
    assert versions["postgres"] == versions["sqlite"] == [1, 2, 3, 3, 5, 6, 7]


CONSTRAINT_BASE = [
    "INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 1, 1)",
    "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at) VALUES ('u1', 'topup', 5, 5, 'a', 1)",
    "INSERT INTO requests (chat_id, message_id, user_id, model_id, status, started_at)"
    " VALUES ('c', 'm', 'u1', 'gpt', 'open', 1)",
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, price_source, cost,"
    " balance_after, created_at, updated_at) VALUES ('c', 'm', 'u1', 'gpt', 1, 1, 'admin', 1, 0, 1, 1)",
    "INSERT INTO prices (model_id, input_price, updated_at) VALUES ('gpt', 0, 1)",
    "INSERT INTO price_history (batch, action, model_id, existed, actor, created_at)"
    " VALUES (1, 'set', 'gpt', 0, 'a', 1)",
    "INSERT INTO budgets (scope, target, init_balance, updated_at) VALUES ('group', 'g', 0, 1)",
    "INSERT INTO allowance_periods (user_id, period, applied_at) VALUES ('u1', 'day:2026-11-29', 1)",
]
# Each breaks exactly one constraint of a statement like one above.
CONSTRAINT_BREAKERS = [
    "INSERT INTO users (id, blocked, created_at, updated_at) VALUES ('u2', 2, 1, 1)",
    "INSERT INTO users (id, created_at) VALUES ('u2', 1)",
    "INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 1, 1)",
    "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at) VALUES ('u1', 'gift', 5, 5, 'a', 1)",
    "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at) VALUES ('u9', 'topup', 5, 5, 'a', 1)",
    "INSERT INTO requests (chat_id, message_id, user_id, model_id, hold, status, started_at)"
    " VALUES ('c', 'm2', 'u1', 'gpt', -1, 'open', 1)",
    "INSERT INTO requests (chat_id, message_id, user_id, model_id, status, started_at)"
    " VALUES ('c', 'm2', 'u1', 'gpt', 'lost', 1)",
    "INSERT INTO requests (chat_id, message_id, user_id, model_id, status, started_at)"
    " VALUES ('c', 'm', 'u1', 'gpt', 'open', 1)",
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, price_source, cost,"
    " balance_after, created_at, updated_at) VALUES ('c', 'm', 'u1', 'gpt', 1, 1, 'admin', 1, 0, 1, 1)",
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, estimated,"
    " price_source, cost, balance_after, created_at, updated_at)"
    " VALUES ('c', 'm2', 'u1', 'gpt', 1, 1, 2, 'admin', 1, 0, 1, 1)",
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, price_source, cost,"
    " balance_after, created_at, updated_at) VALUES ('c', 'm2', 'u1', 'gpt', 1, -1, 'admin', 1, 0, 1, 1)",
    "INSERT INTO prices (model_id, reasoning_price, updated_at) VALUES ('gpt2', -1, 1)",
    "INSERT INTO price_history (batch, action, model_id, existed, actor, created_at)"
    " VALUES (1, 'set', 'gpt', 3, 'a', 1)",
    "INSERT INTO budgets (scope, target, init_balance, updated_at) VALUES ('user', 'u1', 0, 1)",
    "INSERT INTO budgets (scope, target, period, updated_at) VALUES ('user', 'u1', 'day', 1)",
    "INSERT INTO budgets (scope, target, period, mode, amount, updated_at) VALUES ('user', 'u1', 'year', 'add', 1, 1)",
    "INSERT INTO allowance_periods (user_id, period, applied_at) VALUES ('u9', 'day:2026-11-29', 1)",
    "INSERT INTO budget_version (id, version) VALUES (2, 0)",
]


def test_constraints_refuse_and_accept_the_same_rows_as_sqlite(pg, lite):
    for sql in CONSTRAINT_BASE:
        lite.execute(sql)
        pg.execute(sql)
    refused = {"sqlite": [], "postgres": []}
    for sql in CONSTRAINT_BREAKERS:
        try:
            lite.execute(sql)
        except sqlite3.IntegrityError:
            refused["sqlite"].append(sql)
        try:
            pg.execute(sql)
        except psycopg.IntegrityError:
            refused["postgres"].append(sql)
    assert refused["sqlite"] == CONSTRAINT_BREAKERS
    assert refused["postgres"] == CONSTRAINT_BREAKERS


def test_resequence_moves_the_identities_past_explicit_ids(pg):
    pg.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 1, 1)")
    ledger = (
        "INSERT INTO ledger ({}user_id, kind, amount, balance_after, actor, created_at)"
        " VALUES ({}'u1', 'set', 0, 0, 'a', 1)"
    )
    pg.execute(ledger.format("id, ", "41, "))
    pg_schema.resequence(pg)
    assert pg.execute(ledger.format("", "") + " RETURNING id").fetchone() == (42,)
    pg_schema.resequence(pg)  # an empty table starts at 1
    assert pg.execute("SELECT nextval(pg_get_serial_sequence('usage', 'id'))").fetchone() == (1,)


def test_every_sqlite_step_is_covered_by_one_postgres_step():
    sqlite_steps = [step.name for step in migrations.MIGRATIONS._migrations]
    assert "m005_pending_requests" in sqlite_steps
    covered = collections.Counter(name for names in pg_schema.COVERS.values() for name in names)
    assert covered == collections.Counter(sqlite_steps)  # each exactly once, and no name SQLite lacks
    assert list(pg_schema.COVERS) == [name for name, _ in pg_schema.STEPS]


def test_pg_schema_imports_without_psycopg_or_sqlite():
    """The schema module stands alone (loaded from a bare package of the store's folder: importing it through the
    real package would run the store's `__init__`, which opens SQLite files; its sibling user_rollups_schema comes
    along), and the whole store imports without psycopg (a SQLite deployment)."""
    alone = (
        "import importlib, sys, types\n"
        "for name in ('psycopg', 'sqlite3', '_sqlite3', 'sqlite_utils'): sys.modules[name] = None\n"
        "package = types.ModuleType('alone')\n"
        "package.__path__ = ['plugin/store']\n"
        "sys.modules['alone'] = package\n"
        "schema = importlib.import_module('alone.postgres_schema')\n"
        "assert 'usage_user_slots' in dict(schema.STEPS)['pg004_user_rollups']\n"
        "assert set(sys.modules) & {'alone.sqlite', 'alone.engine', 'alone.postgres'} == set()\n"
    )
    subprocess.run([sys.executable, "-c", alone], cwd=ROOT, check=True)
    store = "import sys\nsys.modules['psycopg'] = None\nimport plugin.store\nimport plugin.store.postgres_schema\n"
    subprocess.run([sys.executable, "-c", store], cwd=ROOT, check=True)
