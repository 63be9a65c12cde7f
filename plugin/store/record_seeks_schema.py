"""Where a walk of one user's records starts (SQLite's m009, PostgreSQL's pg006): balance bounds per user and day,
and indexes per user and model by cost and by tokens.

A records page of many records sorted by cost, tokens or balance walks that sort's index and skips what is outside
the range or of another model (`store/reports.py`). Two walks passed most of a user's records before the page's:
- by balance: a user's balance falls with each reply and jumps at a top-up, so their records sorted by balance are
  nearly sorted by time, and a walk from the highest balance down to a recent week passed every older record of
  theirs first (80 ms for a heavy user at ten million records). The lowest and highest balance_after of each (user,
  UTC day) bound the balances of any range's records; the walk starts at the bound. Bounds, not sums: an insert or
  an update widens its day's, a deletion leaves them (a bound a little wide stays a bound: the walk passes a few more
  entries, the page is the same). Kept by triggers in the usage row's own transaction, as the rollups are;
- by cost or tokens, of one model: a model's price sets its records' costs (and some models get the long prompts),
  so the user's cost index passed all their records of pricier models first, and the model's passed every other
  user's; (user, model, cost) and (user, model, tokens) start at the user's records of that model.
"""

from __future__ import annotations

# SQLite's m009: the table and the indexes, the table filled from the records already there, then its triggers, in
# one transaction.
SQLITE_TABLE = """
CREATE TABLE usage_user_balance_days (
    user_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
CREATE INDEX usage_user_model_cost ON usage (user_id, model_id, cost, created_at);
CREATE INDEX usage_user_model_tokens ON usage (user_id, model_id, (input_tokens + output_tokens), created_at);
"""

SQLITE_BACKFILL = """
INSERT INTO usage_user_balance_days
SELECT user_id, CAST(created_at AS INTEGER) / 86400, MIN(balance_after), MAX(balance_after) FROM usage GROUP BY 1, 2;
"""

SQLITE_TRIGGERS = """
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
"""

# The whole step, in order: the table, its backfill, its triggers.
SQLITE_STEP = SQLITE_TABLE + SQLITE_BACKFILL + SQLITE_TRIGGERS

# PostgreSQL's pg006. The lock, as pg004's and pg005's: a charge another replica is committing is waited for and
# seen by the backfill. The triggers carry SQLite's names (tests compare the two schemas' triggers).
PG_STEP = """\
-- Where a walk of one user's records starts: lowest and highest balance_after per (user, UTC day), and per (user,
-- model) by cost and by tokens.
LOCK TABLE usage IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE usage_user_balance_days (
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    low BIGINT NOT NULL,
    high BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX usage_user_model_cost ON usage (user_id, model_id, cost, created_at);
CREATE INDEX usage_user_model_tokens ON usage (user_id, model_id, (input_tokens + output_tokens), created_at);
CREATE FUNCTION usage_balance_bound() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO usage_user_balance_days VALUES (
        NEW.user_id, trunc(NEW.created_at)::bigint / 86400, NEW.balance_after, NEW.balance_after
    ) ON CONFLICT (user_id, day) DO UPDATE SET low = LEAST(usage_user_balance_days.low, excluded.low),
        high = GREATEST(usage_user_balance_days.high, excluded.high);
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_balance_bound_insert AFTER INSERT ON usage FOR EACH ROW EXECUTE FUNCTION usage_balance_bound();
CREATE TRIGGER usage_balance_bound_update AFTER UPDATE OF created_at, user_id, balance_after
ON usage FOR EACH ROW EXECUTE FUNCTION usage_balance_bound();
INSERT INTO usage_user_balance_days
SELECT user_id, trunc(created_at)::bigint / 86400, MIN(balance_after), MAX(balance_after) FROM usage GROUP BY 1, 2;
"""
