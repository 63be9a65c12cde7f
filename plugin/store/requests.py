"""Pending requests: the row an inlet writes (its hold, its round) and an outlet or the sweep closes."""

from __future__ import annotations

from typing import Any

from .engine import Records


class RequestRecords(Records):
    """The requests table, and the holds its open rows keep."""

    def get_request(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        return self.engine.one(
            "SELECT * FROM requests WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    def get_member_round(
        self, user_id: str, chat_id: str, message_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
        """The user's row (`get_user`), a message's pending request (`get_request`) and its usage record so far
        (`get_usage`), read together: an outlet's first round trip on PostgreSQL, with its BEGIN and locks."""
        key = (chat_id, message_id)
        user, request, usage = self.engine.ones(
            [
                ("SELECT * FROM users WHERE id = ?", (user_id,)),
                ("SELECT * FROM requests WHERE chat_id = ? AND message_id = ?", key),
                ("SELECT * FROM usage WHERE chat_id = ? AND message_id = ?", key),
            ]
        )
        return user, request, usage

    def open_request(
        self,
        chat_id: str,
        message_id: str,
        user_id: str,
        model_id: str,
        hold: int,
        *,
        input_tokens: int = 0,
        price: str | None = None,
        charge: bool = True,
    ) -> bool:
        """Start a pending request, or its next round (a Continue) once the last one is settled; False (nothing
        written) when a round of it is pending or it is another user's: two admissions that race (two replicas,
        two users naming the same ids) cannot both open it. A new round's output so far starts again at 0."""
        row = self.engine.one(
            "INSERT INTO requests (chat_id, message_id, user_id, model_id, hold, status, started_at, input_tokens,"
            " output_tokens, price, charge, seen_at)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0, ?, ?, NULL)"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET"
            " hold = excluded.hold, status = 'open', started_at = excluded.started_at, finished_at = NULL,"
            " model_id = excluded.model_id, input_tokens = excluded.input_tokens, output_tokens = 0,"
            " price = excluded.price, charge = excluded.charge, seen_at = NULL"
            " WHERE requests.user_id = excluded.user_id AND requests.status <> 'open'"
            " RETURNING 1 AS opened",
            (chat_id, message_id, user_id, model_id, hold, self.clock(), input_tokens, price, int(charge)),
        )
        return row is not None

    def record_progress(self, chat_id: str, message_id: str, output_tokens: int) -> None:
        """The output a pending request's stream has produced so far, for settling it if its process dies."""
        self.engine.execute_unread(
            "UPDATE requests SET output_tokens = ?, seen_at = ?"
            " WHERE chat_id = ? AND message_id = ? AND status = 'open' AND output_tokens < ?",
            (output_tokens, self.clock(), chat_id, message_id, output_tokens),
        )

    def close_request(self, chat_id: str, message_id: str, status: str) -> None:
        self.engine.execute_unread(
            "UPDATE requests SET status = ?, hold = 0, finished_at = ? WHERE chat_id = ? AND message_id = ?",
            (status, self.clock(), chat_id, message_id),
        )

    def stale_requests(self, started_before: float) -> list[dict[str, Any]]:
        return self.engine.query(
            "SELECT * FROM requests WHERE status = 'open' AND COALESCE(seen_at, started_at) < ? ORDER BY started_at",
            (started_before,),
        )

    def open_hold(self, user_id: str) -> int:
        """The pre-charges one user's open requests still hold (already taken from their balance)."""
        row = self.engine.one(
            "SELECT COALESCE(SUM(hold), 0) AS held FROM requests WHERE status = 'open' AND user_id = ?", (user_id,)
        )
        return row["held"] if row else 0

    def open_holds(self) -> dict[str, int]:
        """Pre-charges still held by open requests: how many and their total (already in the ledger)."""
        row = self.engine.one(
            "SELECT COUNT(*) AS count, COALESCE(SUM(hold), 0) AS total FROM requests WHERE status = 'open' AND hold > 0"
        )
        return {"count": row["count"], "total": row["total"]} if row else {"count": 0, "total": 0}
