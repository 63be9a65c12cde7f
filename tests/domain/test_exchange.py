"""Export (CSV, JSON) and import (restore ours, or the original OpenWebUI-Monitor's backup), with hostile input."""

from __future__ import annotations

import copy
import csv
import io
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from backends import table_names
from conftest import FakeClock

from plugin.domain import accounts, billing, budgets, codes, exchange, price_admin, pricing, reports, restore
from plugin.domain.ranges import Range
from plugin.domain.tokens import Usage
from plugin.errors import InvalidImport
from plugin.store import TABLES, Store
from plugin.ui.admin_views import said

ADMIN = "admin-1"
SQL = "x'; DROP TABLE users;--"
NAMES = {
    "u-comma": 'Doe, "Jane"\nsecond line',
    "u-formula": '=HYPERLINK("http://evil.example","click")',
    "u-at": "@SUM(1+1)",
    "u-plus": "+1 555",
    "u-sql": SQL,
    "u-zh": "张三",
}
MODELS = [{"id": "llama3:8b", "name": "Llama"}, {"id": "openrouter/anthropic/claude-3.5"}, {"id": "-cmd"}]


def populate(store: Store, clock: FakeClock) -> None:
    """A database that uses every column: balances, charges, holds, blocks, prices, estimated usage."""
    for user_id, name in NAMES.items():
        accounts.find_user([{"id": user_id, "name": name, "email": f"{user_id}@example.com"}], store, user_id)
        accounts.add_balance(store, user_id, 5_000_000, ADMIN, "welcome")
        clock.advance(1.25)
    price_admin.set_price(store, "llama3:8b", models=MODELS, actor=ADMIN, input="1.5", output="2", cached_input="0.5")
    price_admin.set_price(store, "openrouter/anthropic/claude-3.5", models=MODELS, actor=ADMIN, per_msg="0.02")
    price = pricing.Price(input=1_234_567, output=7_654_321, source="admin", cached_input=500_000)
    for i, (user_id, model_id) in enumerate(
        [("u-comma", "llama3:8b"), ("u-formula", "-cmd"), ("u-zh", "openrouter/anthropic/claude-3.5")]
    ):
        member = billing.Member(user_id, NAMES[user_id], f"{user_id}@example.com")
        billing.admit(store, member, chat_id=f"c{i}", message_id=f"m{i}", model_id=model_id, hold=1_000, init_balance=0)
        clock.advance(0.731)
        billing.settle(
            store,
            billing.Terms(member),
            billing.Round(
                chat_id=f"c{i}",
                message_id=f"m{i}",
                model_id=model_id,
                usage=Usage(1000 + i, 333, cached_tokens=100, reasoning_tokens=7, estimated=i == 1),
                price=price,
            ),
        )
    billing.admit(
        store,
        billing.Member("u-at", NAMES["u-at"], "u-at@example.com"),
        chat_id="c9",
        message_id="m9",
        model_id="llama3:8b",
        hold=2_000,
        init_balance=0,
    )  # an open hold, still in flight
    accounts.block(store, "u-sql", True, ADMIN)
    accounts.set_balance(store, "u-plus", 0, ADMIN, "reset")
    with store.immediate():  # budgets, and one allowance applied (a ledger row and its period)
        store.set_budget_init("g-1", 'Team, "A"', 2_000_000, ADMIN)
        store.set_budget_allowance("group", "g-1", 'Team, "A"', "week", "add", 1_500_000, ADMIN)
        store.set_budget_allowance("user", "u-zh", "u-zh@example.com", "day", "reset", 3_000_000, ADMIN)
        budgets.refill(store, "u-zh", budgets.load(store).plan("u-zh").allowance)
    # Redemption codes: one redeemed (a ledger row), one revoked, one open with an expiry and a note.
    spent, revoked, _open = codes.mint(
        store, 2_000_000, 3, actor=ADMIN, note='Spring, "A"', expires_at=1_900_000_000.0
    ).codes
    zh = store.get_user("u-zh")
    person = {key: zh[key] for key in ("id", "name", "email", "role")}
    codes.redeem(store, person, spent, init_balance=0, now=clock())
    codes.revoke(store, revoked, actor=ADMIN)
    assert store.reconcile() == []


def tables(text: str) -> dict[str, Any]:
    return json.loads(text)["tables"]


def rollups_follow_usage(store: Store) -> bool:
    """The report rollups (kept by triggers) add up to the usage table, after deletes and inserts."""
    want = store.one("SELECT COUNT(*) AS calls, COALESCE(SUM(cost), 0) AS cost FROM usage")
    rollups = sorted(name for name in table_names(store) if name.startswith("usage_"))
    assert rollups == [
        *("usage_model_days", "usage_model_slots", "usage_slots", "usage_user_balance_days", "usage_user_days"),
        *("usage_user_model_days", "usage_user_slots"),
    ]
    for table in rollups:
        if table == "usage_user_balance_days":  # bounds, not sums: checked with the rest below
            continue
        got = store.one(f"SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(cost), 0) AS cost FROM {table}")
        if got != want:
            return False
    return reports.rollup_mismatches(store) == []


def backups(directory: Path) -> list[Path]:
    return sorted(directory.glob("*-backup-*.json"))


# -- CSV ----------------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_csv_quotes_awkward_names_and_defuses_formulas(store: Store, clock: FakeClock) -> None:
    populate(store, clock)
    rows = read_csv(exchange.export_csv(store))
    assert rows[0] == list(exchange.CSV_COLUMNS)
    body = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(body) == {"u-comma", "u-formula", "u-zh"}
    assert body["u-comma"]["User"] == 'Doe, "Jane"\nsecond line'  # comma, quotes and newline survive
    assert body["u-formula"]["User"] == "'" + NAMES["u-formula"]  # a spreadsheet will not run it
    assert body["u-formula"]["Model"] == "'-cmd"
    assert body["u-formula"]["Estimated"] == "yes" and body["u-comma"]["Estimated"] == "no"
    assert body["u-zh"]["User"] == "张三"
    record = store.get_usage("c0", "m0")
    assert body["u-comma"]["Cost"] == exchange.decimal_text(record["cost"])
    assert body["u-comma"]["Cost"] == f"{record['cost'] / 1_000_000:.6f}"
    assert (body["u-comma"]["Cost"], body["u-comma"]["Balance after"]) == ("0.003710", "4.996290")
    assert body["u-comma"]["Input tokens"] == "1000" and body["u-comma"]["Cached tokens"] == "100"
    assert body["u-comma"]["Time (UTC)"] == datetime.fromtimestamp(record["created_at"], UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert body["u-comma"]["Elapsed (s)"] == "0.731"


def test_csv_money_is_exact_and_negative_balances_are_numbers(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u", "=1+1", "-@x", "user")
        store.save_usage(
            {
                "chat_id": "c",
                "message_id": "m",
                "user_id": "u",
                "model_id": "m",
                "input_tokens": 1,
                "output_tokens": 1,
                "price_source": "@admin",
                "cost": 123_456_789_012_345,
                "balance_after": -1,
            }
        )
    row = read_csv(exchange.export_csv(store))[1]
    assert row[2:4] == ["'=1+1", "'-@x"]
    assert row[10] == "'@admin"
    assert row[11:13] == ["123456789.012345", "-0.000001"]  # no float rounding, no formula guard on numbers


def test_csv_filters_by_range_and_user(store: Store, clock: FakeClock) -> None:
    populate(store, clock)
    first = store.get_usage("c0", "m0")["created_at"]
    last = store.get_usage("c2", "m2")["created_at"]
    only_first = Range("custom", start=first, end=first + 0.001)
    assert [r[1] for r in read_csv(exchange.export_csv(store, only_first))[1:]] == ["u-comma"]
    assert len(read_csv(exchange.export_csv(store, Range("custom", start=None, end=last)))) == 3  # end excluded
    assert [r[1] for r in read_csv(exchange.export_csv(store, user_id="u-zh"))[1:]] == ["u-zh"]
    assert read_csv(exchange.export_csv(store, user_id=SQL))[1:] == []
    assert not exchange.export_csv(store, bom=False).startswith("\ufeff")
    records = [(r["message_id"], r["model_id"]) for r in store.usage_rows()]
    assert len({m for _, m in records}) > 1
    for model in {m for _, m in records}:  # one model's records (the console's export of a selection)
        exported = [r[15] for r in read_csv(exchange.export_csv(store, model_id=model))[1:]]
        assert exported == [message for message, m in records if m == model]
    assert read_csv(exchange.export_csv(store, user_id="u-zh", model_id=SQL))[1:] == []


# -- our JSON: round trip -----------------------------------------------------------------------------------


def test_json_round_trip_restores_every_column(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    populate(store, clock)
    exported = exchange.export_json(store)
    document = json.loads(exported)
    assert (document["format"], document["version"], document["schema"]) == (
        exchange.FORMAT,
        1,
        store.schema_version(),
    )
    assert document["timestamp"].endswith("Z")
    assert {t: len(rows) for t, rows in document["tables"].items()} == {
        "users": 6,
        "prices": 2,
        # top-ups; hold, release, charge per reply; the open hold; block; set; one allowance; one redemption
        "ledger": 6 + 3 * 3 + 1 + 1 + 1 + 1 + 1,
        "requests": 4,
        "usage": 3,
        "budgets": 2,
        "allowance_periods": 1,
        "codes": 3,
    }
    fresh = Store(tmp_path / "fresh" / "monitor.db", clock=FakeClock(1_900_000_000.0))
    try:
        result = restore.import_json(fresh, exported, ADMIN)
        assert result.source == "embedded" and result.counts["usage"] == 3
        again = exchange.export_json(fresh)
        assert tables(again) == tables(exported)  # every column: ids, blocked, created_at, per-message prices
        users = {u["id"]: u for u in tables(again)["users"]}
        assert users["u-sql"]["blocked"] == 1 and users["u-sql"]["name"] == SQL
        assert users["u-comma"]["created_at"] == 1_800_000_000.0
        prices = {p["model_id"]: p for p in tables(again)["prices"]}
        assert prices["openrouter/anthropic/claude-3.5"]["per_msg_price"] == 20_000
        assert prices["llama3:8b"]["cached_input_price"] == 500_000
        assert fresh.reconcile() == []
        assert rollups_follow_usage(fresh)  # the report rollups follow the restored usage
        # Billing goes on where it stopped: the open hold settles against the restored request.
        settled = billing.settle(
            fresh,
            billing.Terms(billing.Member("u-at", NAMES["u-at"], "u-at@example.com")),
            billing.Round(
                chat_id="c9",
                message_id="m9",
                model_id="llama3:8b",
                usage=Usage(10, 10),
                price=pricing.Price(input=0, output=0, source="admin"),
            ),
        )
        assert settled.balance == 5_000_000
        assert fresh.reconcile() == []
    finally:
        fresh.close()


def test_import_replaces_everything_and_backs_up_first(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    populate(store, clock)
    before = exchange.export_json(store)
    other = Store(tmp_path / "other.db", clock=FakeClock())
    try:
        accounts.find_user([{"id": "u-new", "name": "New", "email": "new@x.org"}], other, "u-new")
        accounts.add_balance(other, "u-new", 1_000_000, ADMIN)
        replacement = exchange.export_json(other)
    finally:
        other.close()
    result = restore.import_json(store, replacement, ADMIN)
    assert [u["id"] for u in store.all_users()] == ["u-new"]
    assert store.all_prices() == [] and store.usage_rows() == []
    assert result.backup is not None
    backup = Path(result.backup)
    assert backup.parent == store.backup_stem().parent and backup in backups(tmp_path)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds emails
    assert tables(backup.read_text(encoding="utf-8")) == tables(before)
    assert "backup" in said(result, "en") or str(backup) in said(result, "en")
    # A second import in the same second gets its own backup file.
    second = restore.import_json(store, backup.read_text(encoding="utf-8"), ADMIN)
    assert second.backup != result.backup and len(backups(tmp_path)) == 2
    assert tables(exchange.export_json(store)) == tables(before)
    assert store.reconcile() == []
    assert rollups_follow_usage(store)


def test_in_memory_database_imports_without_backup(clock: FakeClock) -> None:
    memory = Store(":memory:", clock=clock)
    try:
        result = restore.import_json(memory, json.dumps(ORIGINAL), ADMIN)
        assert result.backup is None and result.counts["users"] == 3
        assert "saved" not in said(result, "en")
    finally:
        memory.close()


# -- the original's format ----------------------------------------------------------------------------------

ORIGINAL: dict[str, Any] = {
    "version": "1.0",
    "timestamp": "2025-01-31T10:00:00.000Z",
    "data": {
        "users": [
            {
                "id": "u-1",
                "email": "ann@example.com",
                "name": "Ann",
                "role": "admin",
                "balance": "12.3400",
                "created_at": "2024-12-01T08:00:00.000Z",
                "deleted": False,
            },
            {
                "id": "u-2",
                "email": "bob@example.com",
                "name": 'Bob, "the builder"',
                "role": "user",
                "balance": "-0.500000",
                "created_at": "2024-12-02T08:00:00.000+08:00",
                "deleted": True,
            },
            {"id": "u-3", "email": "c@x.org", "name": SQL, "balance": 7.25, "created_at": None, "deleted": None},
        ],
        "model_prices": [
            {
                "id": "gpt-4o",
                "name": "GPT-4o",
                "base_model_id": None,
                "input_price": "2.500000",
                "output_price": "10.000000",
                "per_msg_price": "-1.000000",
                "updated_at": "2025-01-01T00:00:00.000Z",
            },
            {
                "id": "llama3:8b",
                "name": "Llama",
                "input_price": 60,
                "output_price": 60,
                "per_msg_price": "0.050000",
                "updated_at": None,
            },
        ],
        "user_usage_records": [
            {
                "id": 7,
                "user_id": "u-1",
                "nickname": "Ann",
                "use_time": "2025-01-10T12:00:00.000Z",
                "model_name": "gpt-4o",
                "input_tokens": 100,
                "output_tokens": 50,
                "cost": "0.0008",
                "balance_after": "12.3400",
            },
            {
                "id": 3,
                "user_id": "u-2",
                "nickname": "Bob",
                "use_time": "2025-01-09T12:00:00.000Z",
                "model_name": "llama3:8b",
                "input_tokens": 10,
                "output_tokens": 0,
                "cost": "0.0000",
                "balance_after": "-0.5000",
            },
        ],
    },
}


def without_ids(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for record in document["data"]["user_usage_records"]:
        del record["id"]
    # Two identical records: both must be kept, under different keys.
    document["data"]["user_usage_records"].append(copy.deepcopy(document["data"]["user_usage_records"][0]))
    return document


def test_original_backup_is_imported(store: Store, clock: FakeClock) -> None:
    result = restore.import_json(store, json.dumps(ORIGINAL).encode("utf-8"), ADMIN)
    assert (result.source, result.counts["users"], result.counts["usage"], result.counts["prices"]) == (
        "original",
        3,
        2,
        2,
    )
    users = {u["id"]: u for u in store.all_users()}
    assert (users["u-1"]["balance"], users["u-1"]["blocked"], users["u-1"]["role"]) == (12_340_000, 0, "admin")
    assert (users["u-2"]["balance"], users["u-2"]["blocked"]) == (-500_000, 1)  # deleted = blocked
    assert users["u-2"]["created_at"] == datetime(2024, 12, 2, tzinfo=UTC).timestamp()  # 08:00+08:00
    assert (users["u-3"]["name"], users["u-3"]["role"], users["u-3"]["created_at"]) == (SQL, "user", clock.now)
    ledger = store.ledger_for("u-1")
    assert [(r["kind"], r["amount"], r["balance_after"], r["actor"]) for r in ledger] == [
        ("set", 12_340_000, 12_340_000, ADMIN)
    ]
    assert "2025-01-31T10:00:00.000Z" in ledger[0]["reason"]
    prices = {p["model_id"]: p for p in store.all_prices()}
    assert (prices["gpt-4o"]["input_price"], prices["gpt-4o"]["output_price"]) == (2_500_000, 10_000_000)
    assert prices["gpt-4o"]["per_msg_price"] is None  # -1: bill by tokens
    assert (prices["llama3:8b"]["per_msg_price"], prices["llama3:8b"]["input_price"]) == (50_000, 60_000_000)
    assert prices["llama3:8b"]["updated_by"] == ADMIN
    usage = store.usage_rows()
    assert [u["message_id"] for u in usage] == [  # ordered by time, keyed by the original ids
        "openwebui-monitor-import:3",
        "openwebui-monitor-import:7",
    ]
    assert (usage[1]["cost"], usage[1]["balance_after"], usage[1]["input_tokens"]) == (800, 12_340_000, 100)
    assert usage[1]["created_at"] == datetime(2025, 1, 10, 12, tzinfo=UTC).timestamp()
    assert store.reconcile() == []


def test_reimporting_the_original_does_not_duplicate(store: Store, tmp_path: Path) -> None:
    document = without_ids(ORIGINAL)
    restore.import_json(store, json.dumps(document), ADMIN)
    first = sorted(u["message_id"] for u in store.usage_rows())
    assert len(first) == 3 and len(set(first)) == 3
    restore.import_json(store, json.dumps(document), ADMIN)
    assert sorted(u["message_id"] for u in store.usage_rows()) == first
    assert store.reconcile() == []


def test_original_then_our_round_trip(store: Store, tmp_path: Path) -> None:
    restore.import_json(store, json.dumps(ORIGINAL), ADMIN)
    exported = exchange.export_json(store)
    fresh = Store(tmp_path / "f.db")
    try:
        restore.import_json(fresh, exported, "someone-else")
        assert tables(exchange.export_json(fresh)) == tables(exported)
    finally:
        fresh.close()


# -- invalid imports leave everything as it was -------------------------------------------------------------


def _set(path: str, value: Any):
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _append(path: str, value: Any):
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for part in path.split("."):
            target = target[part]
        target.append(value)

    return mutate


def _drop(path: str):
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return mutate


ORIGINAL_MUTATIONS = {
    "negative tokens": _set("data.user_usage_records.0.input_tokens", -1),
    "fractional tokens": _set("data.user_usage_records.0.output_tokens", 1.5),
    "text tokens": _set("data.user_usage_records.0.output_tokens", "many"),
    "bool tokens": _set("data.user_usage_records.0.output_tokens", True),
    "huge balance": _set("data.users.0.balance", "1e309"),
    "balance 1e309 as number": _set("data.users.0.balance", 10**400),
    "balance above cap": _set("data.users.0.balance", "1000000001"),
    "balance NaN text": _set("data.users.0.balance", "NaN"),
    "balance bool": _set("data.users.0.balance", False),
    "balance object": _set("data.users.0.balance", {"$gt": 0}),
    "negative cost": _set("data.user_usage_records.0.cost", "-0.01"),
    "negative input price": _set("data.model_prices.0.input_price", "-1"),
    "duplicate user": _append("data.users", {"id": "u-1", "balance": 0}),
    "duplicate price": _append("data.model_prices", {"id": "gpt-4o", "input_price": 1, "output_price": 1}),
    "duplicate record id": _set("data.user_usage_records.1.id", 7),
    "record of unknown user": _set("data.user_usage_records.0.user_id", SQL),
    "empty user id": _set("data.users.0.id", ""),
    "user id object": _set("data.users.0.id", {"a": 1}),
    "name not text": _set("data.users.0.name", ["Ann"]),
    "bad time": _set("data.user_usage_records.0.use_time", "yesterday"),
    "missing use_time": _drop("data.user_usage_records.0.use_time"),
    "deleted maybe": _set("data.users.0.deleted", "maybe"),
    "users not a list": _set("data.users", {"u-1": {}}),
    "user not an object": _set("data.users.0", "u-1"),
    "missing model name": _set("data.user_usage_records.0.model_name", None),
}


@pytest.mark.parametrize("mutation", ORIGINAL_MUTATIONS.values(), ids=ORIGINAL_MUTATIONS.keys())
def test_invalid_original_changes_nothing(store: Store, clock: FakeClock, tmp_path: Path, mutation) -> None:
    populate(store, clock)
    before = exchange.export_json(store)
    document = copy.deepcopy(ORIGINAL)
    mutation(document)
    with pytest.raises(InvalidImport) as caught:
        restore.import_json(store, json.dumps(document), ADMIN)
    assert caught.value.params["reason"]
    assert tables(exchange.export_json(store)) == tables(before)
    assert backups(tmp_path) == []


OURS_MUTATIONS = {
    "unknown column": _set("tables.users.0." + SQL, 1),
    "unknown table": _set("tables.sqlite_master", []),
    "newer version": _set("version", 2),
    "no version": _drop("version"),
    "tables not an object": _set("tables", []),
    "rows not a list": _set("tables.users", {}),
    "row not an object": _set("tables.users.0", None),
    "text balance": _set("tables.users.0.balance", "5"),
    "float balance": _set("tables.users.0.balance", 5.5),
    "bool blocked": _set("tables.users.0.blocked", True),
    "blocked 2": _set("tables.users.0.blocked", 2),
    "huge integer": _set("tables.users.0.balance", 2**70),
    "null name": _set("tables.users.0.name", None),
    "missing created_at": _drop("tables.users.0.created_at"),
    "text created_at": _set("tables.users.0.created_at", "2025-01-01"),
    "negative tokens": _set("tables.usage.0.input_tokens", -5),
    "negative cost": _set("tables.usage.0.cost", -1),
    "negative price": _set("tables.prices.0.input_price", -1),
    "bad ledger kind": _set("tables.ledger.0.kind", "gift"),
    "ledger of unknown user": _set("tables.ledger.0.user_id", "nobody"),
    "usage of unknown user": _set("tables.usage.0.user_id", SQL),
    "duplicate user": _append("tables.users", None),  # filled in below with a copy of the first
    "duplicate usage key": _append("tables.usage", None),
    "balance not explained by the ledger": _set("tables.users.0.balance", 1),
    "bad request status": _set("tables.requests.0.status", "done"),
}


@pytest.mark.parametrize("name", OURS_MUTATIONS.keys())
def test_invalid_export_changes_nothing(store: Store, clock: FakeClock, tmp_path: Path, name: str) -> None:
    populate(store, clock)
    before = exchange.export_json(store)
    document = json.loads(before)
    if name == "duplicate user":
        document["tables"]["users"].append(copy.deepcopy(document["tables"]["users"][0]))
    elif name == "duplicate usage key":
        twin = copy.deepcopy(document["tables"]["usage"][0])
        twin["id"] = 99
        document["tables"]["usage"].append(twin)
    else:
        OURS_MUTATIONS[name](document)
    store.set_blocked("u-zh", False)  # a change the failed import must not undo either
    before = exchange.export_json(store)
    with pytest.raises(InvalidImport) as caught:
        restore.import_json(store, json.dumps(document), ADMIN)
    assert caught.value.params["reason"]
    assert tables(exchange.export_json(store)) == tables(before)
    assert backups(tmp_path) == []
    assert store.reconcile() == []


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",  # not UTF-8
        b'{"version": "1.0", "data": {"users": [{"id": "u", "balance": NaN}]}}',
        b'{"version": "1.0", "data": {"users": [{"id": "u", "balance": Infinity}]}}',
        b'{"version": "1.0", "data": {"users": [{"id": "u", "balance": 1e309}]}}',
        b"[]",
        b"null",
        b'{"users": []}',
        b'{"format": "something-else", "tables": {}}',
        b'{"version": "1.0", "data": []}',
        b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to exhaust the parser
        b'{"version": "1.0", "data": {"users": [{"id": "u", "balance": 1' + b"0" * 5000 + b"}]}}",
    ],
)
def test_malformed_files_change_nothing(store: Store, clock: FakeClock, tmp_path: Path, text: bytes) -> None:
    populate(store, clock)
    before = exchange.export_json(store)
    with pytest.raises(InvalidImport):
        restore.import_json(store, text, ADMIN)
    assert tables(exchange.export_json(store)) == tables(before)
    assert backups(tmp_path) == []


def test_size_cap(store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    populate(store, clock)
    text = json.dumps(ORIGINAL)
    monkeypatch.setattr(restore, "MAX_IMPORT_BYTES", len(text.encode()) - 1)
    with pytest.raises(InvalidImport) as caught:
        restore.import_json(store, text, ADMIN)
    assert "larger" in caught.value.message("en")
    assert len(store.all_users()) == len(NAMES)
    big = b" " * (50 * 1024 * 1024 + 1)
    monkeypatch.undo()
    with pytest.raises(InvalidImport):
        restore.import_json(store, big, ADMIN)


def test_a_failing_backup_refuses_the_import(store: Store, clock: FakeClock, monkeypatch) -> None:
    populate(store, clock)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(restore.os, "open", broken)
    with pytest.raises(InvalidImport) as caught:
        restore.import_json(store, json.dumps(ORIGINAL), ADMIN)
    assert "backup" in caught.value.params["reason"]
    assert len(store.all_users()) == len(NAMES)


def test_every_table_is_exported(store: Store) -> None:
    assert set(tables(exchange.export_json(store))) == set(TABLES)
