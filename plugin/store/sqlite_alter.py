"""Schema edits SQLite has no ALTER TABLE for, done in place by its documented procedures, so that a migration takes
no time at any size (`sqlite_schema.py`'s steps call them, inside their own transaction)."""

from __future__ import annotations

import sqlite3

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
