"""Admin-set prices, and the history that lets an admin undo their last change."""

from __future__ import annotations

from typing import Any

from .engine import Records


class PriceRecords(Records):
    """The prices and price_history tables."""

    def get_price(self, model_id: str) -> dict[str, Any] | None:
        return self.engine.one("SELECT * FROM prices WHERE model_id = ?", (model_id,))

    def set_price(
        self,
        model_id: str,
        *,
        input_price: int | None = None,
        output_price: int | None = None,
        cached_input_price: int | None = None,
        per_msg_price: int | None = None,
        reasoning_price: int | None = None,
        request_price: int | None = None,
        name: str = "",
        base_model_id: str | None = None,
        actor: str = "",
        updated_at: float | None = None,
    ) -> None:
        self.engine.execute(
            "INSERT INTO prices (model_id, name, base_model_id, input_price, output_price, cached_input_price,"
            " per_msg_price, reasoning_price, request_price, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (model_id) DO UPDATE SET name = excluded.name, base_model_id = excluded.base_model_id,"
            " input_price = excluded.input_price, output_price = excluded.output_price,"
            " cached_input_price = excluded.cached_input_price, per_msg_price = excluded.per_msg_price,"
            " reasoning_price = excluded.reasoning_price, request_price = excluded.request_price,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (
                model_id,
                name,
                base_model_id,
                input_price,
                output_price,
                cached_input_price,
                per_msg_price,
                reasoning_price,
                request_price,
                self.clock() if updated_at is None else updated_at,
                actor,
            ),
        )

    def delete_price(self, model_id: str) -> bool:
        """Remove an admin-set price, so resolution falls through to the next source; True if one existed."""
        return self.engine.execute("DELETE FROM prices WHERE model_id = ?", (model_id,)).rowcount > 0

    def all_prices(self) -> list[dict[str, Any]]:
        return self.engine.query("SELECT * FROM prices ORDER BY model_id")

    def next_price_batch(self) -> int:
        row = self.engine.one("SELECT COALESCE(MAX(batch), 0) + 1 AS batch FROM price_history")
        return int(row["batch"]) if row else 1

    def remember_price(self, batch: int, action: str, model_id: str, actor: str) -> None:
        """Keep a model's prices row as it is now (or that it has none), before `action` changes it."""
        before = self.get_price(model_id) or {}
        self.engine.execute(
            "INSERT INTO price_history (batch, action, model_id, existed, name, base_model_id, input_price,"
            " output_price, cached_input_price, per_msg_price, reasoning_price, request_price, updated_at,"
            " updated_by, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch,
                action,
                model_id,
                int(bool(before)),
                *(before.get(c) for c in KEPT_PRICE_COLUMNS),
                actor,
                self.clock(),
            ),
        )

    def last_price_batch(self) -> list[dict[str, Any]]:
        """The rows of the latest admin price change not yet undone (empty when there is none)."""
        return self.engine.query(
            "SELECT * FROM price_history WHERE batch = (SELECT MAX(batch) FROM price_history"
            " WHERE undone_at IS NULL) AND undone_at IS NULL ORDER BY id DESC"
        )

    def mark_undone(self, batch: int) -> None:
        self.engine.execute("UPDATE price_history SET undone_at = ? WHERE batch = ?", (self.clock(), batch))

    def price_history(self, limit: int) -> list[dict[str, Any]]:
        """The latest admin price changes, one row per model and batch, newest first."""
        return self.engine.query("SELECT * FROM price_history ORDER BY id DESC LIMIT ?", (limit,))


# A prices row's rates, and the columns price_history keeps of it (in the order `remember_price` writes them).
PRICE_RATES = (
    "input_price",
    "output_price",
    "cached_input_price",
    "per_msg_price",
    "reasoning_price",
    "request_price",
)
KEPT_PRICE_COLUMNS = ("name", "base_model_id", *PRICE_RATES, "updated_at", "updated_by")
