"""Export: usage records as CSV for spreadsheets, and the whole database as JSON for backups (the format `restore`
reads back; it lives here, next to the writer, and the restore imports it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..money import MICRO
from ..store import TABLES, Store
from .ranges import Range

FORMAT = "openwebui-monitor-embedded"
FORMAT_VERSION = 1

CSV_COLUMNS = (
    "Time (UTC)",
    "User ID",
    "User",
    "Email",
    "Model",
    "Input tokens",
    "Output tokens",
    "Cached tokens",
    "Reasoning tokens",
    "Estimated",
    "Price source",
    "Cost",
    "Balance after",
    "Elapsed (s)",
    "Chat ID",
    "Message ID",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


# -- CSV --------------------------------------------------------------------------------------------------


def export_csv(
    store: Store, rng: Range | None = None, user_id: str | None = None, *, model_id: str | None = None, bom: bool = True
) -> str:
    """Usage records in `rng` (all when None), for one user or everyone, of one model or all, oldest first.

    Times are ISO 8601 in UTC; money is the exact decimal of the stored micro-units (never a float). Text cells
    a spreadsheet would run as a formula get a leading `'`. A UTF-8 byte order mark leads by default, so Excel
    reads non-Latin names correctly.
    """
    rows = store.usage_rows(
        start=rng.start if rng else None,
        end=rng.end if rng else None,
        user_id=user_id,
        model_id=model_id,
    )
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                iso(row["created_at"]),
                csv_text(row["user_id"]),
                csv_text(row["user_name"]),
                csv_text(row["user_email"]),
                csv_text(row["model_id"]),
                row["input_tokens"],
                row["output_tokens"],
                row["cached_tokens"],
                row["reasoning_tokens"],
                "yes" if row["estimated"] else "no",
                csv_text(row["price_source"]),
                decimal_text(row["cost"]),
                decimal_text(row["balance_after"]),
                "" if row["elapsed_ms"] is None else f"{Decimal(row['elapsed_ms']) / 1000:.3f}",
                csv_text(row["chat_id"]),
                csv_text(row["message_id"]),
            )
        )
    return ("\ufeff" if bom else "") + out.getvalue()


def csv_text(value: Any) -> str:
    """Typed text for a CSV cell a spreadsheet will not run: a leading = + - @ or control character is quoted away
    (every CSV of ours: the export, statements, minted codes)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def decimal_text(micro: int) -> str:
    """Micro-units as an exact decimal string with six places: 1234567 -> "1.234567"."""
    return str((Decimal(micro) / MICRO).quantize(Decimal("0.000001")))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- JSON export ------------------------------------------------------------------------------------------


def export_json(store: Store) -> str:
    """Every table, every column, exactly as stored, read in one transaction so balances and ledger agree."""
    with store.immediate():
        return dumps(snapshot(store))


def snapshot(store: Store) -> dict[str, Any]:
    """The database as our export document; the caller holds a transaction."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema": store.schema_version(),
        "timestamp": iso(store.clock()),
        "tables": {table: store.dump(table) for table in TABLES},
    }


def dumps(document: Mapping[str, Any]) -> str:
    # Floats (epoch times) print as their shortest repr, which reads back to the same float.
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
