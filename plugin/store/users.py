"""Users: one row per Open WebUI user the monitor has billed, created at their first chat.

The balance column is changed only by `ledger.py`, in the transaction that appends the row explaining it.
"""

from __future__ import annotations

from typing import Any

from .engine import Records


class UserRecords(Records):
    """The users table."""

    def ensure_user(self, user_id: str, name: str, email: str, role: str) -> bool:
        """Create the user or refresh its profile; returns True when the row is new."""
        now = self.clock()
        cur = self.engine.execute(
            "INSERT OR IGNORE INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, email, role, now, now),
        )
        if cur.rowcount:
            return True
        self.engine.execute_unread(
            "UPDATE users SET name = ?, email = ?, role = ?, updated_at = ?"
            " WHERE id = ? AND (name IS NOT ? OR email IS NOT ? OR role IS NOT ?)",
            (name, email, role, now, user_id, name, email, role),
        )
        return False

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.engine.one("SELECT * FROM users WHERE id = ?", (user_id,))

    def set_blocked(self, user_id: str, blocked: bool) -> None:
        self.engine.execute(
            "UPDATE users SET blocked = ?, updated_at = ? WHERE id = ?",
            (int(blocked), self.clock(), user_id),
        )

    def all_users(self) -> list[dict[str, Any]]:
        return self.engine.query("SELECT * FROM users ORDER BY id")
