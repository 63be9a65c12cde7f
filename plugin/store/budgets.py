"""Budgets (a group's initial balance, a group's or user's allowance) and the allowance period last applied to
each user. Every change to budgets bumps `budget_version` (a trigger of the schema), which the inlet reads.
"""

from __future__ import annotations

from typing import Any

from .engine import Records


class BudgetRecords(Records):
    """The budgets, budget_version and allowance_periods tables."""

    def budget_version(self) -> int:
        row = self.engine.one("SELECT version FROM budget_version WHERE id = 1")
        return row["version"] if row else 0

    def all_budgets(self) -> list[dict[str, Any]]:
        return self.engine.query("SELECT * FROM budgets ORDER BY scope, label, target")

    def get_budget(self, scope: str, target: str) -> dict[str, Any] | None:
        return self.engine.one("SELECT * FROM budgets WHERE scope = ? AND target = ?", (scope, target))

    def set_budget_init(self, target: str, label: str, amount: int, actor: str) -> None:
        """A group's initial balance (inside `immediate()`); its allowance, if any, is kept."""
        self.engine.execute(
            "INSERT INTO budgets (scope, target, label, init_balance, updated_at, updated_by)"
            " VALUES ('group', ?, ?, ?, ?, ?) ON CONFLICT (scope, target) DO UPDATE SET label = excluded.label,"
            " init_balance = excluded.init_balance, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (target, label, amount, self.clock(), actor),
        )

    def set_budget_allowance(
        self, scope: str, target: str, label: str, period: str, mode: str, amount: int, actor: str
    ) -> None:
        """A group's or user's allowance, replacing the one it had (inside `immediate()`)."""
        self.engine.execute(
            "INSERT INTO budgets (scope, target, label, period, mode, amount, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, target) DO UPDATE SET label = excluded.label,"
            " period = excluded.period, mode = excluded.mode, amount = excluded.amount,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (scope, target, label, period, mode, amount, self.clock(), actor),
        )

    def clear_budget(self, scope: str, target: str, part: str) -> bool:
        """Clear a budget's `init`, its `allowance` or `all` of it (inside `immediate()`); a budget left with
        nothing set is deleted. True when something was set."""
        row = self.get_budget(scope, target)
        if row is None:
            return False
        drop_init, drop_allowance = part in ("init", "all"), part in ("allowance", "all")
        has_init, has_allowance = row["init_balance"] is not None, row["period"] is not None
        if not (has_init and not drop_init) and not (has_allowance and not drop_allowance):
            self.engine.execute("DELETE FROM budgets WHERE scope = ? AND target = ?", (scope, target))
        elif drop_allowance:
            self.engine.execute(
                "UPDATE budgets SET period = NULL, mode = NULL, amount = NULL, updated_at = ?"
                " WHERE scope = ? AND target = ?",
                (self.clock(), scope, target),
            )
        else:
            self.engine.execute(
                "UPDATE budgets SET init_balance = NULL, updated_at = ? WHERE scope = ? AND target = ?",
                (self.clock(), scope, target),
            )
        return (drop_init and has_init) or (drop_allowance and has_allowance)

    def allowance_period(self, user_id: str) -> str | None:
        row = self.engine.one("SELECT period FROM allowance_periods WHERE user_id = ?", (user_id,))
        return row["period"] if row else None

    def mark_allowance(self, user_id: str, period: str, credit: int | None = None) -> None:
        """Record the allowance period just applied to a user (inside the refill's own transaction), and with
        `credit` the redeemed credit a reset kept (else it stays as it was). Only a new row reads the ledger (every
        code the user ever redeemed): a known user's refill, inside an admission, reads nothing more."""
        updated = self.engine.execute(
            "UPDATE allowance_periods SET period = ?, applied_at = ?, credit = COALESCE(?, credit) WHERE user_id = ?",
            (period, self.clock(), credit, user_id),
        )
        if updated.rowcount:
            return
        self.engine.execute_unread(
            "INSERT INTO allowance_periods (user_id, period, applied_at, credit) VALUES (?, ?, ?, ?)",
            (user_id, period, self.clock(), self.redeemed_credit(user_id) if credit is None else credit),
        )

    def redeemed_credit(self, user_id: str) -> int:
        """The redeemed credit a reset keeps: as of the user's last reset plus the codes redeemed since (every code
        they ever redeemed, before their first allowance)."""
        row = self.engine.one("SELECT credit FROM allowance_periods WHERE user_id = ?", (user_id,))
        if row is not None:
            return int(row["credit"])
        row = self.engine.one(
            "SELECT COALESCE(SUM(amount), 0) AS credit FROM ledger WHERE user_id = ? AND kind = 'redeem'", (user_id,)
        )
        return int(row["credit"]) if row else 0

    def add_redeemed_credit(self, user_id: str, amount: int) -> None:
        """A code redeemed (inside its transaction): the next reset keeps it, if unspent."""
        self.engine.execute("UPDATE allowance_periods SET credit = credit + ? WHERE user_id = ?", (amount, user_id))
