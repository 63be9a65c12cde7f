"""The ledger: every balance change, with the balance it left behind, and the checks that the two agree."""

from __future__ import annotations

from typing import Any

from .engine import ReadRecords, Records


class LedgerChecks(ReadRecords):
    """The balance checks (reads only: also run on a read-only file, see `tools/transfer.py`)."""

    def reconcile(self) -> list[dict[str, Any]]:
        """Users whose cached balance differs from their ledger sum (an empty list means all agree)."""
        return self.engine.query(
            "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger_sum"
            " FROM users u LEFT JOIN ledger l ON l.user_id = u.id"
            " GROUP BY u.id HAVING u.balance != COALESCE(SUM(l.amount), 0)"
        )


class LedgerRecords(LedgerChecks, Records):
    """Appending to the ledger and repairing a cached balance (inside `immediate()`)."""

    def append_ledger(
        self,
        user_id: str,
        kind: str,
        amount: int,
        *,
        actor: str,
        reason: str = "",
        reference: str = "",
    ) -> int:
        """Change a balance by `amount` and record why; returns the balance left behind."""
        row = self.engine.one(
            "UPDATE users SET balance = balance + ?, updated_at = ? WHERE id = ? RETURNING balance",
            (amount, self.clock(), user_id),
        )
        if row is None:
            raise LookupError(f"no such user: {user_id}")
        balance = row["balance"]
        self.engine.execute_unread(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, reason, reference, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, kind, amount, balance, actor, reason, reference, self.clock()),
        )
        return balance

    def has_ledger_reference(self, user_id: str, reference: str) -> bool:
        """Whether the user's ledger already has a row with this reference (an index lookup)."""
        row = self.engine.one(
            "SELECT 1 AS found FROM ledger WHERE reference = ? AND user_id = ? LIMIT 1", (reference, user_id)
        )
        return row is not None

    def ledger_for(self, user_id: str) -> list[dict[str, Any]]:
        return self.engine.query("SELECT * FROM ledger WHERE user_id = ? ORDER BY id", (user_id,))

    def repair_balance(self, user_id: str) -> int:
        """Set a cached balance to the user's ledger sum (inside `immediate()`); returns it. No ledger row."""
        row = self.engine.one(
            "UPDATE users SET balance = (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE user_id = :id),"
            " updated_at = :now WHERE id = :id RETURNING balance",
            {"id": user_id, "now": self.clock()},
        )
        if row is None:
            raise LookupError(f"no such user: {user_id}")
        return row["balance"]
