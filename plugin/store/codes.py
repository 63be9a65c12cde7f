"""Redemption codes and the wrong codes users typed. Only digests of codes are stored (see `domain/codes.py`).

Claiming a code is one conditional UPDATE: of any number of redemptions racing for one code, exactly one matches
it, whatever the backend (both serialise `immediate()`, and the condition would stand even if they did not).
"""

from __future__ import annotations

from typing import Any

from .engine import Records

FAILURES_KEPT_S = 86_400  # wrong guesses older than this are removed as new ones come (the limit reads 10 minutes)


class CodeRecords(Records):
    """The codes and code_failures tables (writes inside `immediate()`)."""

    def next_code_batch(self) -> int:
        row = self.engine.one("SELECT COALESCE(MAX(batch), 0) + 1 AS batch FROM codes")
        return int(row["batch"]) if row else 1

    def add_code(
        self, digest: str, tail: str, amount: int, *, note: str, batch: int, expires_at: float | None, actor: str
    ) -> int:
        row = self.engine.one(
            "INSERT INTO codes (digest, tail, amount, note, batch, expires_at, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (digest, tail, amount, note, batch, expires_at, actor, self.clock()),
        )
        assert row is not None
        return int(row["id"])

    def has_codes(self) -> bool:
        """Whether an admin ever minted a code here (a refusal then says one can be redeemed)."""
        return self.engine.one("SELECT 1 AS found FROM codes LIMIT 1") is not None

    def code_by_digest(self, digest: str) -> dict[str, Any] | None:
        return self.engine.one("SELECT * FROM codes WHERE digest = ?", (digest,))

    def claim_code(self, code_id: int, user_id: str, now: float) -> bool:
        """Mark a code redeemed by `user_id`; False when it is no longer redeemable (used, revoked, expired)."""
        cur = self.engine.execute(
            "UPDATE codes SET redeemed_by = ?, redeemed_at = ? WHERE id = ? AND redeemed_by IS NULL"
            " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            (user_id, now, code_id, now),
        )
        return cur.rowcount == 1

    def revoke_codes(self, ids: list[int], actor: str) -> int:
        """Revoke the codes of `ids` not yet redeemed or revoked; returns how many were."""
        count = 0
        for code_id in ids:
            cur = self.engine.execute(
                "UPDATE codes SET revoked_at = ?, revoked_by = ? WHERE id = ? AND redeemed_by IS NULL"
                " AND revoked_at IS NULL",
                (self.clock(), actor, code_id),
            )
            count += cur.rowcount
        return count

    def codes_with_note(self, note: str) -> list[dict[str, Any]]:
        """The codes minted with this note (any case)."""
        return self.engine.query("SELECT * FROM codes WHERE lower(note) = lower(?) ORDER BY id", (note,))

    def code_list(self, search: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """A page of codes, newest first, with the redeemer's name and e-mail; `search` matches the note, the last
        group, or the redeemer's name or e-mail (any case). Returns (rows, total)."""
        where = ""
        params: tuple[str, ...] = ()
        if search:
            like = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where = (
                " WHERE lower(c.note) LIKE ? ESCAPE '\\' OR lower(c.tail) LIKE ? ESCAPE '\\'"
                " OR lower(COALESCE(u.name, '')) LIKE ? ESCAPE '\\' OR lower(COALESCE(u.email, '')) LIKE ? ESCAPE '\\'"
            )
            params = (like,) * 4
        source = " FROM codes c LEFT JOIN users u ON u.id = c.redeemed_by" + where
        total = self.engine.one("SELECT COUNT(*) AS n" + source, params)
        rows = self.engine.query(
            "SELECT c.*, u.name AS redeemer_name, u.email AS redeemer_email"
            + source
            + " ORDER BY c.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return rows, int(total["n"]) if total else 0

    # -- wrong guesses ----------------------------------------------------------------------------------------

    def code_failures(self, user_id: str, since: float) -> list[float]:
        """When the user typed a wrong code after `since`, oldest first."""
        rows = self.engine.query(
            "SELECT created_at FROM code_failures WHERE user_id = ? AND created_at > ? ORDER BY created_at",
            (user_id, since),
        )
        return [float(row["created_at"]) for row in rows]

    def add_code_failure(self, user_id: str, now: float) -> None:
        self.engine.execute("DELETE FROM code_failures WHERE created_at < ?", (now - FAILURES_KEPT_S,))
        self.engine.execute("INSERT INTO code_failures (user_id, created_at) VALUES (?, ?)", (user_id, now))

    def code_guessers(self, since: float) -> list[dict[str, Any]]:
        """Users with wrong codes since `since`: id, name, e-mail, how many, the last one's time; most first."""
        return self.engine.query(
            "SELECT f.user_id, COALESCE(u.name, '') AS name, COALESCE(u.email, '') AS email, COUNT(*) AS failures,"
            " MAX(f.created_at) AS last_at FROM code_failures f LEFT JOIN users u ON u.id = f.user_id"
            " WHERE f.created_at > ? GROUP BY f.user_id, u.name, u.email ORDER BY failures DESC, last_at DESC",
            (since,),
        )
