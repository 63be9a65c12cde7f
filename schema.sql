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
    kind TEXT NOT NULL CHECK (kind IN ('hold', 'charge', 'release', 'topup', 'set', 'adjust', 'reset', 'redeem')),
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE INDEX ledger_user ON ledger (user_id, id);
CREATE INDEX ledger_reference ON ledger (reference);

-- One row per chat request the inlet admitted: a pending charge (two-phase, like a TigerBeetle pending transfer).
-- Keyed like usage: (chat_id, message_id) for saved chats, ('', 'api-<uuid>') for API calls.
-- status: 'open' (pending: its hold is taken from the balance), then 'settled' (posted by the outlet), 'expired'
-- (no outlet came: charged for an estimate of what was generated) or 'released' (no outlet and nothing generated).
-- What settling without an outlet needs came with m005 (after finished_at, where SQLite's ADD COLUMN puts them):
-- the prompt's estimated tokens, the output tokens seen so far (the stream, saved now and then), the price the
-- inlet resolved (JSON of pricing.Price), whether the user is charged (0: an exempt admin), when output was last seen.
CREATE TABLE requests (
    chat_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    model_id TEXT NOT NULL,
    hold INTEGER NOT NULL DEFAULT 0 CHECK (hold >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'settled', 'released', 'expired')),
    started_at REAL NOT NULL,
    finished_at REAL, input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0), price TEXT,
    charge INTEGER NOT NULL DEFAULT 1 CHECK (charge IN (0, 1)), seen_at REAL,
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
    updated_at REAL NOT NULL, reasoning_price INTEGER,
    request_price INTEGER,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX usage_created ON usage (created_at);
-- Covering: one user's or one model's reports and records read these indexes alone, never the table.
CREATE INDEX usage_user_created ON usage (
    user_id, created_at, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost,
    balance_after
);
CREATE INDEX usage_model_created ON usage (
    model_id, created_at, input_tokens, output_tokens, cost, balance_after
);

-- Prices an admin set. NULL means "not set here": resolution falls through to the next source.
-- (reasoning_price and request_price came with m003; they sit where SQLite's ADD COLUMN puts them.)
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
    , reasoning_price INTEGER CHECK (reasoning_price >= 0), request_price INTEGER CHECK (request_price >= 0));

-- Admin price changes, so they can be undone: each row is a prices row as it was before one change (existed = 0:
-- the model had none). A batch is one admin action; a sync changes many models in one batch.
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

-- Records sorted by cost, tokens or balance read an index instead of sorting a whole range.
CREATE INDEX usage_cost ON usage (cost, created_at);
CREATE INDEX usage_tokens ON usage ((input_tokens + output_tokens), created_at, input_tokens, output_tokens);
CREATE INDEX usage_balance ON usage (balance_after, created_at);

-- Report rollups (see plugin/rollups.py), kept by the triggers below; never written by anything else.
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
-- credit (m006): what redeemed codes added that was not spent at the last reset, plus the codes redeemed since: a
-- reset allowance keeps it (a code's credit is spent last), so a daily reset does not take what a user paid for.
CREATE TABLE allowance_periods (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    period TEXT NOT NULL,
    applied_at REAL NOT NULL
, credit INTEGER NOT NULL DEFAULT 0 CHECK (credit >= 0));

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

-- One user's reports (see plugin/store/user_rollups_schema.py): per (user, 15-minute slot) and per
-- (user, UTC day, model), kept by the triggers below.
CREATE TABLE usage_user_slots (
    user_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    estimated INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (user_id, slot)
) WITHOUT ROWID;
CREATE TABLE usage_user_model_days (
    user_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    estimated INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, model_id)
) WITHOUT ROWID;

-- One user's or one model's records sorted by cost, tokens or balance walk these instead of sorting (model_id at
-- the end: a user's records of one model are picked out in the index); a user's records of one model, read and
-- sorted in an index when they are few, or walked by time.
CREATE INDEX usage_user_cost ON usage (user_id, cost, created_at, model_id);
CREATE INDEX usage_user_tokens ON usage (user_id, (input_tokens + output_tokens), created_at, model_id);
CREATE INDEX usage_user_balance ON usage (user_id, balance_after, created_at, model_id);
CREATE INDEX usage_model_cost ON usage (model_id, cost, created_at);
CREATE INDEX usage_model_tokens ON usage (model_id, (input_tokens + output_tokens), created_at);
CREATE INDEX usage_model_balance ON usage (model_id, balance_after, created_at);
CREATE INDEX usage_user_model_created ON usage (
    user_id, model_id, created_at, cost, input_tokens, output_tokens, balance_after
);

-- A new record adds itself to each, a deleted one subtracts itself, an update does both.
CREATE TRIGGER usage_user_rollup_insert AFTER INSERT ON usage BEGIN
    INSERT INTO usage_user_slots VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 900, 1,
        NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (user_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_user_model_days VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 86400, NEW.model_id, 1,
        NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (user_id, day, model_id) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_user_rollup_delete AFTER DELETE ON usage BEGIN
    INSERT INTO usage_user_slots VALUES (
        OLD.user_id, CAST(OLD.created_at AS INTEGER) / 900, -1,
        -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens, -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (user_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_user_model_days VALUES (
        OLD.user_id, CAST(OLD.created_at AS INTEGER) / 86400, OLD.model_id, -1,
        -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens, -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (user_id, day, model_id) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_user_rollup_update AFTER UPDATE OF
    created_at, user_id, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost
ON usage BEGIN
    INSERT INTO usage_user_slots VALUES (
        OLD.user_id, CAST(OLD.created_at AS INTEGER) / 900, -1,
        -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens, -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (user_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_user_model_days VALUES (
        OLD.user_id, CAST(OLD.created_at AS INTEGER) / 86400, OLD.model_id, -1,
        -OLD.input_tokens, -OLD.output_tokens, -OLD.cached_tokens, -OLD.reasoning_tokens, -OLD.estimated, -OLD.cost
    ) ON CONFLICT (user_id, day, model_id) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_user_slots VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 900, 1,
        NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (user_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
    INSERT INTO usage_user_model_days VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 86400, NEW.model_id, 1,
        NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.reasoning_tokens, NEW.estimated, NEW.cost
    ) ON CONFLICT (user_id, day, model_id) DO UPDATE SET
        calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        estimated = estimated + excluded.estimated, cost = cost + excluded.cost;
END;

-- Everyone's sums per (15-minute slot, model), kept by the triggers below (see
-- plugin/store/model_slots_schema.py): a range's cut days read as whole slots.
CREATE TABLE usage_model_slots (
    slot INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (slot, model_id)
) WITHOUT ROWID;

-- A new record adds itself, a deleted one subtracts itself, an update does both.
CREATE TRIGGER usage_model_slot_insert AFTER INSERT ON usage BEGIN
    INSERT INTO usage_model_slots VALUES (
        CAST(NEW.created_at AS INTEGER) / 900, NEW.model_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (slot, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_model_slot_delete AFTER DELETE ON usage BEGIN
    INSERT INTO usage_model_slots VALUES (
        CAST(OLD.created_at AS INTEGER) / 900, OLD.model_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (slot, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;
CREATE TRIGGER usage_model_slot_update AFTER UPDATE OF
    created_at, user_id, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost
ON usage BEGIN
    INSERT INTO usage_model_slots VALUES (
        CAST(OLD.created_at AS INTEGER) / 900, OLD.model_id, -1, -OLD.input_tokens, -OLD.output_tokens, -OLD.cost
    ) ON CONFLICT (slot, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_model_slots VALUES (
        CAST(NEW.created_at AS INTEGER) / 900, NEW.model_id, 1, NEW.input_tokens, NEW.output_tokens, NEW.cost
    ) ON CONFLICT (slot, model_id) DO UPDATE SET calls = calls + excluded.calls,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost = cost + excluded.cost;
END;

-- Where a walk of one user's records starts (see plugin/store/record_seeks_schema.py): the lowest and highest
-- balance_after per (user, UTC day), widened by the triggers below, never narrowed; per (user, model) by cost and
-- by tokens.
CREATE TABLE usage_user_balance_days (
    user_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
CREATE INDEX usage_user_model_cost ON usage (user_id, model_id, cost, created_at);
CREATE INDEX usage_user_model_tokens ON usage (user_id, model_id, (input_tokens + output_tokens), created_at);

CREATE TRIGGER usage_balance_bound_insert AFTER INSERT ON usage BEGIN
    INSERT INTO usage_user_balance_days VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 86400, NEW.balance_after, NEW.balance_after
    ) ON CONFLICT (user_id, day) DO UPDATE SET low = MIN(low, excluded.low), high = MAX(high, excluded.high);
END;
CREATE TRIGGER usage_balance_bound_update AFTER UPDATE OF created_at, user_id, balance_after ON usage BEGIN
    INSERT INTO usage_user_balance_days VALUES (
        NEW.user_id, CAST(NEW.created_at AS INTEGER) / 86400, NEW.balance_after, NEW.balance_after
    ) ON CONFLICT (user_id, day) DO UPDATE SET low = MIN(low, excluded.low), high = MAX(high, excluded.high);
END;
