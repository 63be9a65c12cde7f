"""Import: a JSON export put back. An import is a **restore**: in one transaction it replaces users, ledger,
requests, usage and prices with the file's, after writing a JSON backup of what was there next to the database
file. It reads our own export (every column, restored exactly) or a backup of the original OpenWebUI-Monitor
(`version: "1.0"`, `data: {users, model_prices, user_usage_records}`); for the latter each balance becomes one
ledger row of kind `set` by the importing admin, so balances stay explained by the ledger. Anything wrong in the
file raises `InvalidImport` and changes nothing. (The export side, and the format's name, are `exchange`.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import InvalidImport
from ..money import MAX_UNITS, to_micro
from ..store import TABLES, RestoreError, Store
from .exchange import FORMAT, FORMAT_VERSION, dumps, snapshot

MAX_IMPORT_BYTES = 50 * 1024 * 1024
INT64 = 2**63 - 1
ORIGINAL_CHAT_ID = ""  # imported records belong to no chat; their message ids start with this prefix
ORIGINAL_PREFIX = "openwebui-monitor-import:"

# -- JSON import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What a restore put in place (`ui.admin_views.import_result` words it)."""

    source: str  # "embedded" or "original"
    counts: dict[str, int] = field(default_factory=dict)  # rows per table now in the database
    backup: str | None = None  # the JSON backup of what was replaced (None for an in-memory database)


def import_json(store: Store, text: str | bytes, actor: str) -> ImportResult:
    """Replace the database with a JSON export (ours or the original's), after backing the current one up."""
    document = _load(text)
    if isinstance(document, dict) and document.get("format") == FORMAT:
        source, tables = "embedded", _ours(store, document)
    elif isinstance(document, dict) and "version" in document and isinstance(document.get("data"), dict):
        source, tables = "original", _original(document, actor, store.clock())
    else:
        raise InvalidImport(reason="this is not an OpenWebUI Monitor export")
    backup: Path | None = None
    try:
        with store.immediate():
            backup = _write_backup(store)
            try:
                store.replace_all(tables)
            except RestoreError as exc:
                raise InvalidImport(reason=str(exc)) from exc
            if mismatched := store.reconcile():
                raise InvalidImport(reason=f"the balance of user {mismatched[0]['id']} does not match its ledger")
    except BaseException:
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
        raise
    counts = {table: len(tables.get(table, ())) for table in TABLES}
    return ImportResult(source, counts, str(backup) if backup else None)


def _load(text: str | bytes) -> Any:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_IMPORT_BYTES:
        raise InvalidImport(reason=f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidImport(reason="the file is not UTF-8 text") from None
    text = text.removeprefix("\ufeff")

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so are huge integers
        raise InvalidImport(reason=f"the file is not valid JSON ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _write_backup(store: Store) -> Path | None:
    """Write the current database next to its file, readable only by the owner (it holds emails)."""
    database = store.backup_stem()
    if database is None:
        return None
    data = dumps(snapshot(store)).encode("utf-8")
    stamp = datetime.fromtimestamp(store.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"-{attempt}"
        path = database.with_name(f"{database.stem}-backup-{stamp}{suffix}.json")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise InvalidImport(reason=f"could not write the backup ({_short(exc)})") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.unlink()
            raise InvalidImport(reason=f"could not write the backup ({_short(exc)})") from exc
        return path
    raise InvalidImport(reason="could not choose a backup file name")


# -- our format -------------------------------------------------------------------------------------------


def _ours(store: Store, document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Check every row against the live schema's declared types; the database's own constraints (checks,
    foreign keys, unique keys) are enforced when the rows are inserted."""
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidImport(reason="the export has no valid version")
    if version > FORMAT_VERSION:
        raise InvalidImport(reason=f"the export is format {version}, newer than this version reads")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise InvalidImport(reason="the export has no tables")
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise InvalidImport(reason=f"unknown table {sorted(unknown)[0]}")
    result: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        rows = tables.get(table, [])
        if not isinstance(rows, list):
            raise InvalidImport(reason=f"{table} is not a list")
        columns = {c["name"]: c for c in store.columns(table)}
        result[table] = [_checked_row(table, i, row, columns) for i, row in enumerate(rows)]
    return result


def _checked_row(table: str, index: int, row: Any, columns: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = f"{table}[{index}]"
    if not isinstance(row, dict):
        raise InvalidImport(reason=f"{where} is not an object")
    for name in row:
        if name not in columns:
            raise InvalidImport(reason=f"{where}: unknown column {_shown(name)}")
    out: dict[str, Any] = {}
    for name, column in columns.items():
        if name not in row:
            if column["notnull"] and column["dflt_value"] is None and not column["pk"]:
                raise InvalidImport(reason=f"{where}: {name} is missing")
            continue
        out[name] = _typed(f"{where}.{name}", row[name], column)
    return out


def _typed(where: str, value: Any, column: Mapping[str, Any]) -> Any:
    kind = str(column["type"]).upper()
    if value is None:
        if column["notnull"]:
            raise InvalidImport(reason=f"{where} must not be null")
        return None
    if kind == "INTEGER":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidImport(reason=f"{where} must be a whole number")
        if abs(value) > INT64:
            raise InvalidImport(reason=f"{where} is too large")
        return value
    if kind == "REAL":
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise InvalidImport(reason=f"{where} must be a number")
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidImport(reason=f"{where} must be a finite number")
        return number
    if not isinstance(value, str):
        raise InvalidImport(reason=f"{where} must be text")
    return value


# -- the original OpenWebUI-Monitor's format --------------------------------------------------------------


def _original(document: dict[str, Any], actor: str, now: float) -> dict[str, list[dict[str, Any]]]:
    """Map the original's three tables onto ours. Balances and prices are decimals (numbers or strings, as
    node-postgres prints NUMERIC), `deleted` means blocked, a negative per-message price means none, and usage
    records, which have no chat or message id, get `openwebui-monitor-import:<their id>` (or a content hash)
    as message id, so the same file always yields the same keys. Nicknames are not kept: reports show the
    user's current name."""
    data = document["data"]
    stamp = _shown(document.get("timestamp") or "")
    users_in, prices_in, records_in = (
        _list(data, "users"),
        _list(data, "model_prices"),
        _list(data, "user_usage_records"),
    )
    users: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    for i, item in enumerate(users_in):
        where = f"users[{i}]"
        row = _object(where, item)
        user_id = _key(f"{where}.id", row.get("id"))
        balance = _money(f"{where}.balance", row.get("balance", 0), negative=True)
        users.append(
            {
                "id": user_id,
                "name": _opt_text(f"{where}.name", row.get("name")),
                "email": _opt_text(f"{where}.email", row.get("email")),
                "role": _opt_text(f"{where}.role", row.get("role")) or "user",
                "balance": balance,
                "blocked": int(_flag(f"{where}.deleted", row.get("deleted"))),
                "created_at": _time(f"{where}.created_at", row.get("created_at"), now),
                "updated_at": now,
            }
        )
        ledger.append(
            {
                "user_id": user_id,
                "kind": "set",
                "amount": balance,
                "balance_after": balance,
                "actor": actor,
                "reason": f"imported from an OpenWebUI-Monitor backup {stamp}".rstrip(),
                "reference": "",
                "created_at": now,
            }
        )
    _unique("users", [u["id"] for u in users])
    prices = [_original_price(f"model_prices[{i}]", item, actor, now) for i, item in enumerate(prices_in)]
    _unique("model_prices", [p["model_id"] for p in prices])
    known = {u["id"] for u in users}
    usage = _original_usage(records_in, known)
    return {"users": users, "prices": prices, "ledger": ledger, "requests": [], "usage": usage}


def _original_price(where: str, item: Any, actor: str, now: float) -> dict[str, Any]:
    row = _object(where, item)
    per_msg = row.get("per_msg_price")
    per_msg_micro = None if per_msg is None else _money(f"{where}.per_msg_price", per_msg, negative=True)
    base = row.get("base_model_id")
    return {
        "model_id": _key(f"{where}.id", row.get("id")),
        "name": _opt_text(f"{where}.name", row.get("name")),
        "base_model_id": _opt_text(f"{where}.base_model_id", base) or None,
        "input_price": _opt_money(f"{where}.input_price", row.get("input_price")),
        "output_price": _opt_money(f"{where}.output_price", row.get("output_price")),
        "cached_input_price": None,
        "per_msg_price": per_msg_micro if per_msg_micro is not None and per_msg_micro >= 0 else None,
        "updated_at": _time(f"{where}.updated_at", row.get("updated_at"), now),
        "updated_by": actor,
    }


def _original_usage(records: list[Any], known_users: set[str]) -> list[dict[str, Any]]:
    usage: list[tuple[float, int, dict[str, Any]]] = []
    seen_ids: set[str] = set()
    seen_hashes: dict[str, int] = {}
    for i, item in enumerate(records):
        where = f"user_usage_records[{i}]"
        row = _object(where, item)
        user_id = _key(f"{where}.user_id", row.get("user_id"))
        if user_id not in known_users:
            raise InvalidImport(reason=f"{where}: user {_shown(user_id)} is not among the users")
        record_id = row.get("id")
        if record_id is not None:
            key = str(_count(f"{where}.id", record_id))
            if key in seen_ids:
                raise InvalidImport(reason=f"{where}: duplicate id {key}")
            seen_ids.add(key)
        else:
            digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]
            seen_hashes[digest] = seen_hashes.get(digest, 0) + 1
            key = f"{digest}-{seen_hashes[digest]}"
        created = _time(f"{where}.use_time", row.get("use_time"), None)
        usage.append(
            (
                created,
                i,
                {
                    "chat_id": ORIGINAL_CHAT_ID,
                    "message_id": ORIGINAL_PREFIX + key,
                    "user_id": user_id,
                    "model_id": _key(f"{where}.model_name", row.get("model_name")),
                    "input_tokens": _count(f"{where}.input_tokens", row.get("input_tokens")),
                    "output_tokens": _count(f"{where}.output_tokens", row.get("output_tokens")),
                    "cached_tokens": 0,
                    "reasoning_tokens": 0,
                    "estimated": 0,
                    "price_source": "import",
                    "input_price": 0,
                    "output_price": 0,
                    "cached_input_price": None,
                    "per_msg_price": None,
                    "cost": _money(f"{where}.cost", row.get("cost")),
                    "balance_after": _money(f"{where}.balance_after", row.get("balance_after", 0), negative=True),
                    "elapsed_ms": None,
                    "created_at": created,
                    "updated_at": created,
                },
            )
        )
    # New ids follow time, so "latest records" reads the same as in the original.
    return [record for _, _, record in sorted(usage, key=lambda item: (item[0], item[1]))]


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise InvalidImport(reason=f"data.{name} is not a list")
    return value


def _object(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidImport(reason=f"{where} is not an object")
    return value


def _key(where: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidImport(reason=f"{where} must be a non-empty text")
    return value


def _opt_text(where: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidImport(reason=f"{where} must be text")
    return value


def _flag(where: str, value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if value in (0, 1) or value in ("true", "false", "t", "f"):
        return value in (1, "true", "t")
    raise InvalidImport(reason=f"{where} must be true or false")


_DECIMAL = re.compile(r"\s*-?[0-9]+(?:\.[0-9]+)?\s*")
_INTEGER = re.compile(r"\s*[0-9]+\s*")


def _money(where: str, value: Any, *, negative: bool = False) -> int:
    """A decimal amount (number or numeric string) -> micro-units, rounded half up at the sixth place."""
    if isinstance(value, bool):
        raise InvalidImport(reason=f"{where} must be a number")
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise InvalidImport(reason=f"{where} must be a number")
        value = Decimal(value.strip())
    if not isinstance(value, int | Decimal):
        raise InvalidImport(reason=f"{where} must be a number")
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - ints and Decimals always convert
        raise InvalidImport(reason=f"{where} must be a number") from None
    if not number.is_finite() or abs(number) > MAX_UNITS:
        raise InvalidImport(reason=f"{where} is out of range")
    if number < 0 and not negative:
        raise InvalidImport(reason=f"{where} must not be negative")
    return to_micro(number)


def _opt_money(where: str, value: Any) -> int | None:
    return None if value is None else _money(where, value)


def _count(where: str, value: Any) -> int:
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidImport(reason=f"{where} must be a whole number")
    if not 0 <= value <= INT64:
        raise InvalidImport(reason=f"{where} must be a whole number from 0")
    return value


def _time(where: str, value: Any, default: float | None) -> float:
    """An ISO 8601 time (naive means UTC) or epoch seconds -> epoch seconds."""
    if value is None and default is not None:
        return default
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidImport(reason=f"{where} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = float(value)
        if 0 <= number < 1e11:  # before the year 5138: seconds, not a typo
            return number
    raise InvalidImport(reason=f"{where} must be a time")


def _unique(table: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise InvalidImport(reason=f"{table}: duplicate id {_shown(key)}")
        seen.add(key)


def _shown(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:79] + "…"
