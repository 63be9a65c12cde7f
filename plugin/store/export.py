"""Whole databases: every row of a table, a restore that replaces them all, and the facts that prove a copy.

Used by the admins' backup and restore (`domain/exchange.py`) and by the move to PostgreSQL
(`tools/transfer.py`), whose source is a read-only file: the reads are `Snapshots`, over any `Reader`.
"""

from __future__ import annotations

from typing import Any

from .engine import TABLES, ReadRecords, Records, RestoreError
from .prices import KEPT_PRICE_COLUMNS

# price_history's columns, in the schema's order. The table is not one of TABLES (a restore deliberately starts it
# over), but a move to another database copies it, ids kept.
HISTORY_COLUMNS = (
    "id",
    "batch",
    "action",
    "model_id",
    "existed",
    *KEPT_PRICE_COLUMNS,
    "actor",
    "created_at",
    "undone_at",
)
COPIED = (*TABLES, "price_history")  # every table of monitor data, parents first

_COUNT = {table: f"SELECT COUNT(*) AS n FROM {table}" for table in COPIED}
_ANY = {table: f"SELECT 1 AS found FROM {table} LIMIT 1" for table in TABLES}
_LEDGER_SUMS = "SELECT user_id, COUNT(*) AS entries, SUM(amount) AS total FROM ledger GROUP BY user_id"
_TOTALS = (
    "SELECT (SELECT COALESCE(SUM(amount), 0) FROM ledger) AS ledger_total,"
    " (SELECT COALESCE(SUM(cost), 0) FROM usage) AS usage_cost, (SELECT COUNT(*) FROM usage) AS usage_count"
)
_INSERT_HISTORY = (
    f"INSERT INTO price_history ({', '.join(HISTORY_COLUMNS)}) VALUES ({', '.join('?' for _ in HISTORY_COLUMNS)})"
)


class Snapshots(ReadRecords):
    """Reads of whole tables, the same on both backends and on a read-only file."""

    def columns(self, table: str) -> list[dict[str, Any]]:
        """A table's columns as SQLite declares them (name, type, notnull, dflt_value, pk), on either backend."""
        return self.engine.columns(table)

    def primary_key(self, table: str) -> list[dict[str, Any]]:
        """The columns of a table's primary key, in the key's order (as `columns` gives them)."""
        return sorted((c for c in self.columns(table) if c["pk"]), key=lambda c: c["pk"])

    def dump(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, in primary-key order (text keys by their bytes), exactly as stored."""
        keys = [self.engine.key_order(c) for c in self.primary_key(table)]
        order = ", ".join(keys) if keys else "rowid"
        return self.engine.query(f"SELECT * FROM {table} ORDER BY {order}")

    def history_rows(self) -> list[dict[str, Any]]:
        """Every price_history row, by id."""
        return self.engine.query("SELECT * FROM price_history ORDER BY id")

    def row_count(self, table: str) -> int:
        """How many rows one table of COPIED holds (KeyError for any other)."""
        row = self.engine.one(_COUNT[table])
        return int(row["n"]) if row else 0

    def has_rows(self, table: str) -> bool:
        """Whether one table of TABLES holds a row (KeyError for any other)."""
        return self.engine.one(_ANY[table]) is not None

    def balances(self) -> dict[str, int]:
        """users.balance per user id."""
        return {row["id"]: row["balance"] for row in self.engine.query("SELECT id, balance FROM users")}

    def ledger_sums(self) -> dict[str, tuple[int, int]]:
        """Per user id: (ledger rows, the sum of their amounts)."""
        return {row["user_id"]: (row["entries"], row["total"]) for row in self.engine.query(_LEDGER_SUMS)}

    def grand_totals(self) -> dict[str, int]:
        """ledger_total, usage_cost and usage_count."""
        return dict(self.engine.one(_TOTALS) or {})


class Restores(Snapshots, Records):
    """Replacing every row (inside `immediate()`)."""

    def replace_all(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Empty every table and insert `tables` instead. Run it inside `immediate()`: a constraint that fails
        raises `RestoreError` naming the row, and the caller's transaction rolls everything back."""
        for table in reversed(TABLES):  # children before parents, for the foreign keys
            self.engine.execute(f"DELETE FROM {table}")
        self.engine.execute("DELETE FROM price_history")  # undoing a change made before the restore would undo it
        for table in TABLES:
            known = {c["name"] for c in self.columns(table)}
            for index, row in enumerate(tables.get(table, ())):
                where = f"{table}[{index}]"
                unknown = set(row) - known
                if unknown:
                    raise RestoreError(f"{where}: unknown column {sorted(unknown)[0]}")
                names = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                try:
                    self.engine.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values()))
                except Exception as exc:
                    failure = self.engine.restore_failure(exc, where)
                    if failure is None:
                        raise
                    raise failure from exc
        self.engine.restored()

    def insert_history(self, rows: list[dict[str, Any]]) -> None:
        """price_history rows with their ids (a database move; inside `immediate()`, after `replace_all`)."""
        for row in rows:
            self.engine.execute(_INSERT_HISTORY, tuple(row[name] for name in HISTORY_COLUMNS))
        self.engine.restored()
