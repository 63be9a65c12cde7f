"""Usage records: one row per billed reply (chat_id, message_id), kept up to date as its rounds settle.

The report rollups (usage_slots, usage_model_days, usage_user_days; per user usage_user_slots and
usage_user_model_days; usage_model_slots) and the balance bounds (usage_user_balance_days) follow these rows by
triggers of the schema; their reads are `reports.py`'s.
"""

from __future__ import annotations

from typing import Any

from .engine import Records


class UsageRecords(Records):
    """The usage table: one record at a time, and the export's rows."""

    def get_usage(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        return self.engine.one(
            "SELECT * FROM usage WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    def save_usage(self, record: dict[str, Any]) -> None:
        """Insert or replace the record for (chat_id, message_id), keeping its id and first creation time."""
        now = self.clock()
        row = {**record, "created_at": now, "updated_at": now}
        sql = _UPSERT_USAGE.get(tuple(row))
        if sql is None:
            columns = ", ".join(row)
            marks = ", ".join(f":{k}" for k in row)
            updates = ", ".join(f"{k} = excluded.{k}" for k in row if k not in ("chat_id", "message_id", "created_at"))
            sql = _UPSERT_USAGE[tuple(row)] = (
                f"INSERT INTO usage ({columns}) VALUES ({marks})"
                f" ON CONFLICT (chat_id, message_id) DO UPDATE SET {updates}"
            )
        self.engine.execute_unread(sql, row)

    def usage_rows(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        user_id: str | None = None,
        model_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Usage records in [start, end), of one user and/or model if given, with the user's current name and
        email, oldest first (for CSV)."""
        return self.engine.query(
            "SELECT u.*, COALESCE(p.name, '') AS user_name, COALESCE(p.email, '') AS user_email"
            " FROM usage u LEFT JOIN users p ON p.id = u.user_id"
            " WHERE (:start IS NULL OR u.created_at >= :start) AND (:end IS NULL OR u.created_at < :end)"
            " AND (:user_id IS NULL OR u.user_id = :user_id) AND (:model_id IS NULL OR u.model_id = :model_id)"
            " ORDER BY u.created_at, u.id",
            {"start": start, "end": end, "user_id": user_id, "model_id": model_id},
        )


# The usage upsert per set of columns (callers pass the same few shapes): built once, not per reply.
_UPSERT_USAGE: dict[tuple[str, ...], str] = {}
