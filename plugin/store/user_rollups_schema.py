"""Per-user rollups (SQLite's m007, PostgreSQL's pg004): one user's reports in a few milliseconds at any size.

m002's rollups sum everyone per slot and per model or user per UTC day; one user's totals, per-model and per-day
reports still read their records (the covering index `usage_user_created`), which grows with the user: half a
second for a heavy user at ten million records. Two more rollups, kept by triggers in the same transaction as the
usage row, make those reports read rows bounded by time instead (docs/research/per-user-rollups.md measured it):

- `usage_user_slots`: (user, 15-minute UTC slot). Totals' sub-day edges and per-day series in any time zone (every
  zone in use has its midnights on a quarter-hour).
- `usage_user_model_days`: (user, UTC day, model). Per-model sums, and totals' whole days.

Both carry every column `rollups.TOTALS` sums. Buckets are `CAST(created_at AS INTEGER) / width`, as m002's.
The key orders make each read one index range. Here, not in `sqlite_schema.py` / `postgres_schema.py`, because the
two backends' texts are written together; both modules import this one.
"""

from __future__ import annotations

# SQLite's m007: the tables and the records' indexes, then the backfill, then the triggers, in one transaction.
SQLITE_TABLES = """
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
"""

# Fills both from the records already there (the plan reads usage_user_created alone: it holds every column).
SQLITE_BACKFILL = """
INSERT INTO usage_user_slots
SELECT user_id, CAST(created_at AS INTEGER) / 900, COUNT(*), SUM(input_tokens), SUM(output_tokens),
    SUM(cached_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(cost)
FROM usage GROUP BY 1, 2;
INSERT INTO usage_user_model_days
SELECT user_id, CAST(created_at AS INTEGER) / 86400, model_id, COUNT(*), SUM(input_tokens), SUM(output_tokens),
    SUM(cached_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(cost)
FROM usage GROUP BY 1, 2, 3;
"""

# As m002's: a new record adds itself to each, a deleted one subtracts itself, an update does both.
SQLITE_TRIGGERS = """
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
"""

# PostgreSQL's pg004. The lock keeps every writer of usage (another replica, running the old function) out from
# the backfill's snapshot to the step's commit, so no record is missed or counted twice; writers wait for the
# backfill. usage_rollup_add keeps pg001's three upserts and adds two: still one function call per record changed.
# (A string constant, like every step: `python -m plugin bundle` reads the steps without importing anything.)
PG_STEP = """\
-- One user's reports: per (user, 15-minute slot) and per (user, UTC day, model), kept by usage_rollup_add.
LOCK TABLE usage IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE usage_user_slots (
    user_id TEXT NOT NULL,
    slot BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cached_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    estimated BIGINT NOT NULL,
    cost BIGINT NOT NULL,
    PRIMARY KEY (user_id, slot)
);
CREATE TABLE usage_user_model_days (
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    model_id TEXT NOT NULL,
    calls BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cached_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    estimated BIGINT NOT NULL,
    cost BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, model_id)
);
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
CREATE OR REPLACE FUNCTION usage_rollup_add(r usage, delta BIGINT) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO usage_slots VALUES (
        trunc(r.created_at)::bigint / 900, delta, delta * r.input_tokens, delta * r.output_tokens,
        delta * r.cached_tokens, delta * r.reasoning_tokens, delta * r.estimated, delta * r.cost
    ) ON CONFLICT (slot) DO UPDATE SET calls = usage_slots.calls + excluded.calls,
        input_tokens = usage_slots.input_tokens + excluded.input_tokens,
        output_tokens = usage_slots.output_tokens + excluded.output_tokens,
        cached_tokens = usage_slots.cached_tokens + excluded.cached_tokens,
        reasoning_tokens = usage_slots.reasoning_tokens + excluded.reasoning_tokens,
        estimated = usage_slots.estimated + excluded.estimated, cost = usage_slots.cost + excluded.cost;
    INSERT INTO usage_model_days VALUES (
        trunc(r.created_at)::bigint / 86400, r.model_id, delta, delta * r.input_tokens, delta * r.output_tokens,
        delta * r.cost
    ) ON CONFLICT (day, model_id) DO UPDATE SET calls = usage_model_days.calls + excluded.calls,
        input_tokens = usage_model_days.input_tokens + excluded.input_tokens,
        output_tokens = usage_model_days.output_tokens + excluded.output_tokens,
        cost = usage_model_days.cost + excluded.cost;
    INSERT INTO usage_user_days VALUES (
        trunc(r.created_at)::bigint / 86400, r.user_id, delta, delta * r.input_tokens, delta * r.output_tokens,
        delta * r.cost
    ) ON CONFLICT (day, user_id) DO UPDATE SET calls = usage_user_days.calls + excluded.calls,
        input_tokens = usage_user_days.input_tokens + excluded.input_tokens,
        output_tokens = usage_user_days.output_tokens + excluded.output_tokens,
        cost = usage_user_days.cost + excluded.cost;
    INSERT INTO usage_user_slots VALUES (
        r.user_id, trunc(r.created_at)::bigint / 900, delta,
        delta * r.input_tokens, delta * r.output_tokens, delta * r.cached_tokens, delta * r.reasoning_tokens,
        delta * r.estimated, delta * r.cost
    ) ON CONFLICT (user_id, slot) DO UPDATE SET
        calls = usage_user_slots.calls + excluded.calls,
        input_tokens = usage_user_slots.input_tokens + excluded.input_tokens,
        output_tokens = usage_user_slots.output_tokens + excluded.output_tokens,
        cached_tokens = usage_user_slots.cached_tokens + excluded.cached_tokens,
        reasoning_tokens = usage_user_slots.reasoning_tokens + excluded.reasoning_tokens,
        estimated = usage_user_slots.estimated + excluded.estimated, cost = usage_user_slots.cost + excluded.cost;
    INSERT INTO usage_user_model_days VALUES (
        r.user_id, trunc(r.created_at)::bigint / 86400, r.model_id, delta,
        delta * r.input_tokens, delta * r.output_tokens, delta * r.cached_tokens, delta * r.reasoning_tokens,
        delta * r.estimated, delta * r.cost
    ) ON CONFLICT (user_id, day, model_id) DO UPDATE SET
        calls = usage_user_model_days.calls + excluded.calls,
        input_tokens = usage_user_model_days.input_tokens + excluded.input_tokens,
        output_tokens = usage_user_model_days.output_tokens + excluded.output_tokens,
        cached_tokens = usage_user_model_days.cached_tokens + excluded.cached_tokens,
        reasoning_tokens = usage_user_model_days.reasoning_tokens + excluded.reasoning_tokens,
        estimated = usage_user_model_days.estimated + excluded.estimated,
        cost = usage_user_model_days.cost + excluded.cost;
END
$$;
INSERT INTO usage_user_slots
SELECT user_id, trunc(created_at)::bigint / 900, COUNT(*), SUM(input_tokens), SUM(output_tokens),
    SUM(cached_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(cost)
FROM usage GROUP BY 1, 2;
INSERT INTO usage_user_model_days
SELECT user_id, trunc(created_at)::bigint / 86400, model_id, COUNT(*), SUM(input_tokens), SUM(output_tokens),
    SUM(cached_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(cost)
FROM usage GROUP BY 1, 2, 3;
"""
