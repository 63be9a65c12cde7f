"""Schema versions: small ordered steps, recorded by sqlite-utils in `_sqlite_migrations`. A released step is never
edited; a change is a new step plus the same change in `schema.sql`, and `tests/store/test_store.py` proves that
migrating the oldest database yields exactly `schema.sql`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from . import model_slots_schema, record_seeks_schema, sqlite_alter
from .user_rollups_schema import SQLITE_BACKFILL, SQLITE_TABLES, SQLITE_TRIGGERS

MIGRATIONS = sqlite_utils.Migrations("openwebui_monitor")

# schema.sql as released in 0.1.0. Never edit: a change is a new step below and the same change in schema.sql.
M001_SCHEMA = """
-- OpenWebUI Monitor: the schema of a fresh database, and the one source of truth for tables and indexes.
-- Money is INTEGER micro-units (1e-6 of the currency); prices are micro-units per 1M tokens or per message.
-- Times are Unix epoch seconds (REAL where sub-second timing matters).

-- One row per Open WebUI user, keyed by its id. balance is a cache of SUM(ledger.amount) for the user,
-- changed only in the same transaction that appends the ledger row explaining it.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'user',
    balance INTEGER NOT NULL DEFAULT 0,
    blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX users_email ON users (email);

-- Append-only: every balance change, with the balance it left behind.
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('hold', 'charge', 'release', 'topup', 'set', 'adjust', 'reset')),
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE INDEX ledger_user ON ledger (user_id, id);
CREATE INDEX ledger_reference ON ledger (reference);

-- One row per chat request seen by the inlet: its start time and the pre-charge still held for it.
-- Keyed like usage: (chat_id, message_id) for saved chats, ('', 'api-<uuid>') for API calls.
CREATE TABLE requests (
    chat_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    model_id TEXT NOT NULL,
    hold INTEGER NOT NULL DEFAULT 0 CHECK (hold >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'settled', 'released', 'expired')),
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX requests_open ON requests (status, started_at);

-- One row per billed assistant message; a Continue updates it to the cumulative totals.
CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    chat_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    model_id TEXT NOT NULL,
    input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
    cached_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
    reasoning_tokens INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    estimated INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1)),
    price_source TEXT NOT NULL,
    input_price INTEGER NOT NULL DEFAULT 0,
    output_price INTEGER NOT NULL DEFAULT 0,
    cached_input_price INTEGER,
    per_msg_price INTEGER,
    cost INTEGER NOT NULL CHECK (cost >= 0),
    balance_after INTEGER NOT NULL,
    elapsed_ms INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX usage_created ON usage (created_at);
CREATE INDEX usage_user_created ON usage (user_id, created_at);
CREATE INDEX usage_model_created ON usage (model_id, created_at);

-- Prices an admin set. NULL means "not set here": resolution falls through to the next source.
CREATE TABLE prices (
    model_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    base_model_id TEXT,
    input_price INTEGER CHECK (input_price >= 0),
    output_price INTEGER CHECK (output_price >= 0),
    cached_input_price INTEGER CHECK (cached_input_price >= 0),
    per_msg_price INTEGER CHECK (per_msg_price >= 0),
    updated_at REAL NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
"""

# Step 2 (0.2.0): these statements close schema.sql, and M002_COVERING's indexes replace 0.1.0's in its usage
# section. The rollups are running sums that triggers keep in the transaction of every change to usage; buckets
# are UTC epoch slots computed in exact integer arithmetic (CAST(created_at AS INTEGER) / width), and reports add
# the raw usage of the partial buckets at a range's edges, so every range in every time zone stays exact.
M002_SCHEMA = """
-- Records sorted by cost, tokens or balance read an index instead of sorting a whole range.
CREATE INDEX usage_cost ON usage (cost, created_at);
CREATE INDEX usage_tokens ON usage ((input_tokens + output_tokens), created_at, input_tokens, output_tokens);
CREATE INDEX usage_balance ON usage (balance_after, created_at);

-- Report rollups (see plugin/domain/rollups.py), kept by the triggers below; never written by anything else.
-- 15-minute slots: totals and per-day series (every time zone in use has its midnights on a slot edge).
CREATE TABLE usage_slots (
    slot INTEGER PRIMARY KEY,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    estimated INTEGER NOT NULL,
    cost INTEGER NOT NULL
);

-- UTC days per model and per user: model shares, user rankings, the report card, all-time spend.
CREATE TABLE usage_model_days (
    day INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (day, model_id)
) WITHOUT ROWID;
CREATE TABLE usage_user_days (
    day INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (day, user_id)
) WITHOUT ROWID;
CREATE INDEX usage_user_days_user ON usage_user_days (user_id, day);

-- A new record adds itself to each rollup; a deleted one subtracts itself; an update does both.
CREATE TRIGGER usage_rollup_insert AFTER INSERT ON usage BEGIN
    INSERT INTO usage_slots VALUES (
        CAST(NEW.created_at AS INTEGER) / 900, 1, NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens,
        NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (slot) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_model_days VALUES (
        CAST(NEW.created_at AS INTEGER) / 86400, NEW.model_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (day, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_user_days VALUES (
        CAST(NEW.created_at AS INTEGER) / 86400, NEW.user_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (day, user_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_rollup_delete AFTER DELETE ON usage BEGIN
    INSERT INTO usage_slots VALUES (
        CAST(OLD.created_at AS INTEGER) / 900, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens,
        -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (slot) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_model_days VALUES (
        CAST(OLD.created_at AS INTEGER) / 86400, OLD.model_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (day, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_user_days VALUES (
        CAST(OLD.created_at AS INTEGER) / 86400, OLD.user_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (day, user_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_rollup_update AFTER UPDATE OF
    created_at, user_id, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost
ON usage BEGIN
    INSERT INTO usage_slots VALUES (
        CAST(OLD.created_at AS INTEGER) / 900, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens,
        -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (slot) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_slots VALUES (
        CAST(NEW.created_at AS INTEGER) / 900, 1, NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens,
        NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (slot) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_model_days VALUES (
        CAST(OLD.created_at AS INTEGER) / 86400, OLD.model_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (day, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_model_days VALUES (
        CAST(NEW.created_at AS INTEGER) / 86400, NEW.model_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (day, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_user_days VALUES (
        CAST(OLD.created_at AS INTEGER) / 86400, OLD.user_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (day, user_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_user_days VALUES (
        CAST(NEW.created_at AS INTEGER) / 86400, NEW.user_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (day, user_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;
"""

# Covering indexes: one person's reports (totals, per model, per day) and one user's or one model's records, in
# any order, read these indexes alone, never the table (their rows are spread over the whole file). Same names
# and leading columns as 0.1.0's, so no query loses its index.
M002_COVERING = """
DROP INDEX usage_user_created;
CREATE INDEX usage_user_created ON usage (
    user_id, created_at, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost,
    balance_after
);
DROP INDEX usage_model_created;
CREATE INDEX usage_model_created ON usage (
    model_id, created_at, input_tokens, output_tokens, cost, balance_after
);
"""

# Fills the rollups from the records already there; the same sums the triggers would have kept.
M002_BACKFILL = """
INSERT INTO usage_slots
SELECT CAST(created_at AS INTEGER) / 900, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(estimated), SUM(cost)
FROM usage GROUP BY 1;
INSERT INTO usage_model_days
SELECT CAST(created_at AS INTEGER) / 86400, model_id, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost)
FROM usage GROUP BY 1, 2;
INSERT INTO usage_user_days
SELECT CAST(created_at AS INTEGER) / 86400, user_id, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost)
FROM usage GROUP BY 1, 2;
"""

# Reasoning and per-request rates for admin prices and usage records, and the history that lets price changes be
# undone. (ADD COLUMN appends to each table's text right after its last column: schema.sql writes it the same.)
M003_CATALOGUE = """
ALTER TABLE prices ADD COLUMN reasoning_price INTEGER CHECK (reasoning_price >= 0);
ALTER TABLE prices ADD COLUMN request_price INTEGER CHECK (request_price >= 0);
ALTER TABLE usage ADD COLUMN reasoning_price INTEGER;
ALTER TABLE usage ADD COLUMN request_price INTEGER;
CREATE TABLE price_history (
    id INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL,
    action TEXT NOT NULL,
    model_id TEXT NOT NULL,
    existed INTEGER NOT NULL CHECK (existed IN (0, 1)),
    name TEXT,
    base_model_id TEXT,
    input_price INTEGER,
    output_price INTEGER,
    cached_input_price INTEGER,
    per_msg_price INTEGER,
    reasoning_price INTEGER,
    request_price INTEGER,
    updated_at REAL,
    updated_by TEXT,
    actor TEXT NOT NULL,
    created_at REAL NOT NULL,
    undone_at REAL
);
CREATE INDEX price_history_batch ON price_history (batch);
"""


# Budgets (issue 7): an admin's initial balance per Open WebUI group and periodic allowances per group or user.
M004_SCHEMA = """
-- Budgets an admin set, per Open WebUI group (target = the group's id) or per user (target = the user's id).
-- init_balance (groups only) replaces the filter's init_balance for members; the allowance refills a balance
-- at the first request of each UTC day, ISO week or calendar month: 'reset' to amount, or 'add' amount.
CREATE TABLE budgets (
    scope TEXT NOT NULL CHECK (scope IN ('group', 'user')),
    target TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    init_balance INTEGER CHECK (init_balance >= 0),
    period TEXT CHECK (period IN ('day', 'week', 'month')),
    mode TEXT CHECK (mode IN ('reset', 'add')),
    amount INTEGER CHECK (amount >= 0),
    updated_at REAL NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, target),
    CHECK (init_balance IS NULL OR scope = 'group'),
    CHECK ((period IS NULL) = (mode IS NULL) AND (period IS NULL) = (amount IS NULL))
);

-- The allowance period last applied to each user ('day:2026-11-29', 'week:2026-W48', 'month:2026-11'), written
-- in the transaction of the refill itself: a refill happens once per user and period, whatever runs at once.
CREATE TABLE allowance_periods (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    period TEXT NOT NULL,
    applied_at REAL NOT NULL
);

-- A counter every change of budgets bumps (triggers, so a restore bumps it too): a process compares it with the
-- version it cached instead of reading the budgets at every chat.
CREATE TABLE budget_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT OR IGNORE INTO budget_version (id, version) VALUES (1, 0);
CREATE TRIGGER budgets_changed_insert AFTER INSERT ON budgets BEGIN
    UPDATE budget_version SET version = version + 1;
END;
CREATE TRIGGER budgets_changed_update AFTER UPDATE ON budgets BEGIN
    UPDATE budget_version SET version = version + 1;
END;
CREATE TRIGGER budgets_changed_delete AFTER DELETE ON budgets BEGIN
    UPDATE budget_version SET version = version + 1;
END;
"""


# Two-phase charges (issue 16): a pending request keeps what it needs to be settled without an outlet (a stop button,
# a client hanging up, a crash): the prompt's estimated tokens, the output seen so far, the price the inlet resolved
# and whether its user is charged at all.
M005_PENDING = """
ALTER TABLE requests ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0);
ALTER TABLE requests ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0);
ALTER TABLE requests ADD COLUMN price TEXT;
ALTER TABLE requests ADD COLUMN charge INTEGER NOT NULL DEFAULT 1 CHECK (charge IN (0, 1));
ALTER TABLE requests ADD COLUMN seen_at REAL;
"""


# Redemption codes (issue 20): the ledger accepts `redeem` rows (`sqlite_alter.widen_ledger_kinds`, in place; where
# SQLite refuses that, `sqlite_alter.M006_LEDGER` rebuilds it), a reset allowance keeps the unspent credit of
# redeemed codes (allowance_periods.credit), the codes an admin minted, and the wrong codes users typed (the guessing
# limit, counted here so every worker agrees).
M006_CODES = """
ALTER TABLE allowance_periods ADD COLUMN credit INTEGER NOT NULL DEFAULT 0 CHECK (credit >= 0);

-- Redemption codes an admin minted. Only a digest of each code is kept (SHA-256 of its twelve letters, shown once
-- at minting) and its last group, to tell codes apart in lists. A code is redeemed once: redeemed_by is set in the
-- transaction that credits the ledger, by an UPDATE only an unredeemed, unrevoked, unexpired code matches.
CREATE TABLE codes (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    tail TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    note TEXT NOT NULL DEFAULT '',
    batch INTEGER NOT NULL,
    expires_at REAL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked_at REAL,
    revoked_by TEXT,
    redeemed_by TEXT REFERENCES users (id),
    redeemed_at REAL
);
CREATE INDEX codes_batch ON codes (batch);

-- Wrong codes typed (well-formed, but no such code), one row each: after 5 in 10 minutes a user is told to wait.
-- What was typed is not kept. Rows older than a day are removed as new ones come.
CREATE TABLE code_failures (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX code_failures_user ON code_failures (user_id, created_at);
"""


def schema_sql() -> str:
    """The schema text, read beside the package in a checkout: the fresh-database truth the migrations must
    reproduce (tests compare them). A database is only ever built by the migrations, so the generated Function
    files do not carry it."""
    return (Path(__file__).resolve().parents[2] / "schema.sql").read_text(encoding="utf-8")


def statements(script: str) -> list[str]:
    """Split a SQL script into statements, because executescript() would commit the migration's transaction."""
    result: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:80]}")
    return result


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """The first schema (0.1.0), frozen as released so old databases keep migrating exactly as before."""
    for sql in statements(M001_SCHEMA):
        db.conn.execute(sql)


@MIGRATIONS()
def m002_report_rollups(db: sqlite_utils.Database) -> None:
    """Rollups kept by triggers, indexes for sorted records and covering indexes for one user's or one model's
    reports, so reports stay fast at millions of records; the rollups are filled from the usage already there."""
    for sql in statements(M002_COVERING) + statements(M002_SCHEMA) + statements(M002_BACKFILL):
        db.conn.execute(sql)


@MIGRATIONS()
def m003_price_catalogue(db: sqlite_utils.Database) -> None:
    """Reasoning and per-request rates (the bundled catalogue gives them), and a history of admin price changes
    for undo."""
    for sql in statements(M003_CATALOGUE):
        db.conn.execute(sql)


@MIGRATIONS()
def m004_budgets(db: sqlite_utils.Database) -> None:
    """Budgets per group and user, the allowance period applied per user, and the budgets' version counter."""
    for sql in statements(M004_SCHEMA):
        db.conn.execute(sql)


@MIGRATIONS()
def m005_pending_requests(db: sqlite_utils.Database) -> None:
    """What a pending request needs to be settled without an outlet (see M005_PENDING)."""
    for sql in statements(M005_PENDING):
        db.conn.execute(sql)


@MIGRATIONS()
def m006_codes(db: sqlite_utils.Database) -> None:
    """Redemption codes: the ledger's `redeem` kind, the codes, the wrong guesses, the credit resets keep (see
    M006_CODES)."""
    if not sqlite_alter.widen_ledger_kinds(db.conn):
        for sql in statements(sqlite_alter.M006_LEDGER):
            db.conn.execute(sql)
    for sql in statements(M006_CODES):
        db.conn.execute(sql)


@MIGRATIONS()
def m007_user_rollups(db: sqlite_utils.Database) -> None:
    """Per-user rollups, filled before their triggers exist, and records' sort indexes (`user_rollups_schema`)."""
    for script in (SQLITE_TABLES, SQLITE_BACKFILL, SQLITE_TRIGGERS):
        for sql in statements(script):
            db.conn.execute(sql)


@MIGRATIONS()
def m008_model_slots(db: sqlite_utils.Database) -> None:
    """Everyone's sums per (slot, model), filled before their triggers exist (`model_slots_schema`)."""
    for sql in statements(model_slots_schema.SQLITE_STEP):
        db.conn.execute(sql)


@MIGRATIONS()
def m009_record_seeks(db: sqlite_utils.Database) -> None:
    """Balance bounds per (user, UTC day), filled before their triggers exist, and indexes per user and model by
    cost and tokens (`record_seeks_schema`)."""
    for sql in statements(record_seeks_schema.SQLITE_STEP):
        db.conn.execute(sql)


def apply(db: sqlite_utils.Database) -> None:
    MIGRATIONS.apply(db)


def version(db: sqlite_utils.Database) -> str | None:
    """The name of the last applied step, or None for an empty database."""
    applied = MIGRATIONS.applied(db)
    return applied[-1].name if applied else None
