"""Schema edits SQLite has no ALTER TABLE for, done in place by its documented procedures, so that a migration takes
no time at any size (`sqlite_schema.py`'s steps call them, inside their own transaction)."""

from __future__ import annotations

import sqlite3

# Where SQLite refuses the in-place edit, m006 copies the ledger into a table with the wider CHECK instead, as
# SQLite's documentation describes: rows and ids kept, indexes made again; nothing else refers to it.
M006_LEDGER = """
ALTER TABLE ledger RENAME TO ledger_m005;
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
INSERT INTO ledger (id, user_id, kind, amount, balance_after, actor, reason, reference, created_at)
SELECT id, user_id, kind, amount, balance_after, actor, reason, reference, created_at FROM ledger_m005;
DROP TABLE ledger_m005;
CREATE INDEX ledger_user ON ledger (user_id, id);
CREATE INDEX ledger_reference ON ledger (reference);
"""

# The ledger's kinds before and after m006, as the CHECK in its CREATE TABLE text reads them.
_KINDS_BEFORE = "'adjust', 'reset'))"
_KINDS_AFTER = "'adjust', 'reset', 'redeem'))"


def widen_ledger_kinds(conn: sqlite3.Connection) -> bool:
    """Let the ledger's CHECK accept `redeem` in place, at any size: SQLite's documented procedure for loosening a
    constraint (every row already there satisfies the wider one) edits the table's text in sqlite_master and moves
    the schema version on, so that every connection reads the table again. A copy of the table would take seconds
    per million rows at the first start after the upgrade, every other worker's chats waiting. False where SQLite
    refuses (a build that forbids editing its schema) or the text is not the one released: the caller copies."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger'").fetchone()
    if row is None or row[0].count(_KINDS_BEFORE) != 1:
        return False
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ledger'",
            (row[0].replace(_KINDS_BEFORE, _KINDS_AFTER),),
        )
    except sqlite3.DatabaseError:
        return False  # nothing was written
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    return True
