"""Per-model slots (SQLite's m008, PostgreSQL's pg005): everyone's sums per model and per user over a partial day
in a few milliseconds at any size.

m002's rollups group models and users per UTC day, so a range whose ends cut a day (today in any zone but UTC's,
the last 7 days from now) grouped the records of each cut day: two groupings of up to a day's records each, 36 ms
apiece at ten million records. With a rollup per (15-minute UTC slot, model) a cut day is read as whole slots,
and only the under-15-minute ends come from the records; per user, the same comes from m007's `usage_user_slots`.

Four sums (those `rollups.GROUPED` reads), like `usage_model_days`. Kept by triggers in the usage row's own
transaction; on PostgreSQL by a trigger function of its own (pg001's `usage_rollup_add` is left as released).
"""

from __future__ import annotations

# SQLite's m008: the table, filled from the records already there, then its triggers, in one transaction.
SQLITE_TABLE = """
CREATE TABLE usage_model_slots (
    slot INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (slot, model_id)
) WITHOUT ROWID;
"""

SQLITE_BACKFILL = """
INSERT INTO usage_model_slots
SELECT CAST(created_at AS INTEGER) / 900, model_id, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost)
FROM usage GROUP BY 1, 2;
"""

# As m002's: a new record adds itself, a deleted one subtracts itself, an update does both.
SQLITE_TRIGGERS = """
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
"""

# The whole step, in order: the table, its backfill, its triggers.
SQLITE_STEP = SQLITE_TABLE + SQLITE_BACKFILL + SQLITE_TRIGGERS

# PostgreSQL's pg005. As pg004, the lock keeps every writer of usage out from the backfill's snapshot to the step's
# commit (another replica's charge waits, then fires the new triggers): no record missed or counted twice. The
# triggers carry SQLite's names (tests compare the two schemas' triggers).
PG_STEP = """\
-- Everyone's sums per (15-minute slot, model): a range's cut days read as whole slots.
LOCK TABLE usage IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE usage_model_slots (
    slot BIGINT NOT NULL,
    model_id TEXT NOT NULL,
    calls BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cost BIGINT NOT NULL,
    PRIMARY KEY (slot, model_id)
);
CREATE FUNCTION usage_model_slot_add(r usage, delta BIGINT) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO usage_model_slots VALUES (
        trunc(r.created_at)::bigint / 900, r.model_id, delta, delta * r.input_tokens, delta * r.output_tokens,
        delta * r.cost
    ) ON CONFLICT (slot, model_id) DO UPDATE SET calls = usage_model_slots.calls + excluded.calls,
        input_tokens = usage_model_slots.input_tokens + excluded.input_tokens,
        output_tokens = usage_model_slots.output_tokens + excluded.output_tokens,
        cost = usage_model_slots.cost + excluded.cost;
END
$$;
CREATE FUNCTION usage_model_slot_rollup() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM usage_model_slot_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM usage_model_slot_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_model_slot_insert AFTER INSERT ON usage FOR EACH ROW EXECUTE FUNCTION usage_model_slot_rollup();
CREATE TRIGGER usage_model_slot_delete AFTER DELETE ON usage FOR EACH ROW EXECUTE FUNCTION usage_model_slot_rollup();
CREATE TRIGGER usage_model_slot_update AFTER UPDATE OF
    created_at, user_id, model_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost
ON usage FOR EACH ROW EXECUTE FUNCTION usage_model_slot_rollup();
INSERT INTO usage_model_slots
SELECT trunc(created_at)::bigint / 900, model_id, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost)
FROM usage GROUP BY 1, 2;
"""
