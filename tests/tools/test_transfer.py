"""`python -m plugin migrate-to-postgres`: a SQLite monitor database copied into PostgreSQL, exactly, in one
transaction, verified, and the SQLite file never changed."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlite_utils
from conftest import FakeClock

from plugin.__main__ import main
from plugin.domain import billing, codes, rollups
from plugin.domain.billing import Member
from plugin.domain.pricing import Price
from plugin.domain.tokens import Usage
from plugin.store import TABLES, PgStore, Store
from plugin.store import sqlite_schema as migrations
from plugin.store.postgres import _Connection
from plugin.tools import transfer

ROOT = Path(__file__).resolve().parents[2]
START = 1_800_000_000.123456  # every created_at has a fraction
ANN = Member("u-ann", "Ann Ångström", "ann@example.com", "user")
BOB = Member("u-bob", "Bob", "bob@example.com", "admin")
CAROL = Member("U-carol", "Carol", "carol@example.com", "user")  # upper case: sorts apart on some collations
PRICE = Price(input=60_000_000, output=120_000_000, source="default", cached_input=30_000_000)
ROLLUPS = ("usage_slots", "usage_model_days", "usage_user_days")
PASSWORD = "s3cret-Pa55word"


def populate(path: Path) -> None:
    """A monitor database as the functions leave it: top-ups, settled and open chats over two days, a Continue,
    a pending request with its price and the output its stream saved, a reply settled without an outlet, prices
    with a history row to undo, budgets, an allowance applied, a blocked user."""
    clock = FakeClock(START)
    store = Store(path, clock=clock)
    try:
        with store.immediate():
            for member in (ANN, BOB, CAROL):
                store.ensure_user(member.id, member.name, member.email, member.role)
            store.append_ledger(ANN.id, "topup", 5_000_000, actor="admin", reason="welcome")
            store.append_ledger(BOB.id, "topup", 2_500_000, actor="admin")
            store.append_ledger(CAROL.id, "topup", 1_000_000, actor="admin")
            store.set_blocked(CAROL.id, True)
            batch = store.next_price_batch()
            store.remember_price(batch, "set", "gpt", actor="admin")
            store.set_price("gpt", input_price=60_000_000, output_price=120_000_000, name="GPT", actor="admin")
            store.set_price("claude", per_msg_price=20_000, actor="admin")
            store.set_budget_init("g-staff", "Staff", 3_000_000, actor="admin")
            store.set_budget_allowance("user", ANN.id, "Ann", "month", "add", 1_000_000, actor="admin")
            store.mark_allowance(ANN.id, "month:2027-01")
        for n, (member, model) in enumerate([(ANN, "gpt"), (BOB, "claude"), (ANN, "claude"), (BOB, "gpt")]):
            clock.advance(0.25 + n)
            billing.admit(
                store,
                member,
                chat_id=f"c{n}",
                message_id="m1",
                model_id=model,
                hold=100_000,
                init_balance=0,
                price=PRICE,
                input_tokens=1_200,
            )
            clock.advance(2.5)
            billing.settle(
                store,
                billing.Terms(member),
                billing.Round(
                    chat_id=f"c{n}", message_id="m1", model_id=model, usage=Usage(1_234, 567, 100, 10), price=PRICE
                ),
            )
        clock.advance(86_400 * 1.5)  # the next UTC day: other rollup rows
        billing.admit(store, ANN, chat_id="c0", message_id="m1", model_id="gpt", hold=0, init_balance=0, price=PRICE)
        billing.settle(
            store,
            billing.Terms(ANN),
            billing.Round(chat_id="c0", message_id="m1", model_id="gpt", usage=Usage(766, 233), price=PRICE),
        )  # a Continue: its round is added to the record, updated in place
        billing.admit(
            store,
            BOB,
            chat_id="c9",
            message_id="m9",
            model_id="gpt",
            hold=250_000,
            init_balance=0,
            price=PRICE,
            input_tokens=300,
        )
        clock.advance(0.75)
        billing.progress(store, BOB.id, "c9", "m9", 42)  # still open: its stream's output so far, and when
        billing.admit(store, ANN, chat_id="", message_id="api-1", model_id="gpt", hold=0, init_balance=0, price=PRICE)
        billing.settle(
            store,
            billing.Terms(ANN),
            billing.Round(chat_id="", message_id="api-1", model_id="gpt", usage=Usage(10, 0), price=PRICE),
        )
        billing.admit(
            store,
            ANN,
            chat_id="c5",
            message_id="m5",
            model_id="gpt",
            hold=0,
            init_balance=0,
            price=PRICE,
            input_tokens=9,
        )
        billing.abandon(store, ANN.id, "c5", "m5", output_tokens=7, why="stopped")  # an estimate, status 'expired'
        # Redemption codes: one redeemed (a ledger row), one revoked, one open with an expiry and a note.
        spent, revoked, _open = codes.mint(
            store, 2_000_000, 3, actor="admin", note='Spring, "A"', expires_at=START + 86_400 * 30
        ).codes
        codes.redeem(store, {"id": BOB.id, "name": BOB.name, "email": BOB.email, "role": BOB.role}, spent,
                     init_balance=0, now=clock())  # fmt: skip
        codes.revoke(store, revoked, actor="admin")
    finally:
        store.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("template") / "monitor.db"
    populate(path)
    return path.read_bytes()


@pytest.fixture
def source(tmp_path: Path, template: bytes) -> Path:
    path = tmp_path / "data" / "openwebui_monitor" / "monitor.db"
    path.parent.mkdir(parents=True)
    path.write_bytes(template)
    return path


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plugin", "migrate-to-postgres", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dumps(store: Store) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Every table's rows by primary key (the two backends order text keys differently)."""
    result = {}
    for table in TABLES:
        keys = [c["name"] for c in sorted(store.columns(table), key=lambda c: c["pk"]) if c["pk"]]
        result[table] = {tuple(row[k] for k in keys): row for row in store.dump(table)}
    result["price_history"] = {(row["id"],): row for row in store.query("SELECT * FROM price_history")}
    return result


def rollup_rows(store: Store) -> dict[str, list[tuple]]:
    return {table: sorted(tuple(row.values()) for row in store.query(f"SELECT * FROM {table}")) for table in ROLLUPS}


def read(path: Path) -> tuple[dict, dict]:
    """The source's rows and rollups, read through Store (on a copy: Store may write to what it opens)."""
    copy = path.with_name("read-copy.db")
    copy.write_bytes(path.read_bytes())
    store = Store(copy)
    try:
        return dumps(store), rollup_rows(store)
    finally:
        store.close()


def with_other_data(url: str) -> dict:
    """A target already in use: another user with a balance and a record."""
    pg = PgStore(url, clock=FakeClock(1_700_000_000.0))
    try:
        with pg.immediate():
            pg.ensure_user("u-zed", "Zed", "zed@example.com", "user")
            pg.append_ledger("u-zed", "topup", 9_000_000, actor="admin")
            pg.set_price("gpt", input_price=1, output_price=2, actor="admin")
        billing.admit(pg, Member("u-zed"), chat_id="z", message_id="z", model_id="gpt", hold=0, init_balance=0)
        billing.settle(
            pg,
            billing.Terms(Member("u-zed")),
            billing.Round(chat_id="z", message_id="z", model_id="gpt", usage=Usage(5, 5), price=PRICE),
        )
        return dumps(pg)
    finally:
        pg.close()


def target_dumps(url: str) -> dict:
    pg = PgStore(url)
    try:
        return dumps(pg)
    finally:
        pg.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the copy -----------------------------------------------------------------------------------------------


def test_every_row_is_copied_exactly_and_verified(source: Path, pg_url: str) -> None:
    want, want_rollups = read(source)
    assert {table: len(rows) for table, rows in want.items()} == {
        "users": 3, "prices": 2, "budgets": 2, "ledger": 19, "requests": 7, "usage": 6, "allowance_periods": 1,
        "codes": 3, "price_history": 1,
    }  # fmt: skip
    assert any(row["created_at"] % 1 for row in want["usage"].values())
    requests = list(want["requests"].values())
    assert {row["status"] for row in requests} == {"settled", "open", "expired"}
    assert any(row["price"] and row["input_tokens"] and row["output_tokens"] and row["seen_at"] % 1 for row in requests)
    before = digest(source)

    result = cli("--db", str(source), "--url", pg_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert digest(source) == before
    lines = result.stdout.splitlines()
    assert lines[0] == f"source: {source}"
    assert lines[1] == f"target: {pg_url}"
    assert lines[2] == (
        "copied: users 3, prices 2, budgets 2, ledger 19, requests 7, usage 6, allowance_periods 1, codes 3,"
        " price_history 1"
    )
    balances = sum(row["balance"] for row in want["users"].values())
    assert lines[3] == f"users: 3, total balance {balances // 1_000_000}.{balances % 1_000_000:06d}"
    assert lines[4].startswith("verified: ") and result.stderr == ""

    pg = PgStore(pg_url)
    try:
        got = dumps(pg)
        assert got == want  # every column of every row, ints as ints and floats to the last bit
        for table in want:
            for key, row in want[table].items():
                assert [type(v) for v in got[table][key].values()] == [type(v) for v in row.values()], (table, key)
        assert rollup_rows(pg) == want_rollups  # rebuilt by PostgreSQL's triggers, equal to SQLite's
        assert rollups.mismatches(pg) == [] and pg.reconcile() == []
    finally:
        pg.close()


def test_identity_sequences_continue_after_the_copied_ids(source: Path, pg_url: str) -> None:
    want, _ = read(source)
    assert main(["migrate-to-postgres", "--db", str(source), "--url", pg_url]) == 0
    pg = PgStore(pg_url, clock=FakeClock(START + 10 * 86_400))
    try:
        with pg.immediate():
            pg.append_ledger(ANN.id, "adjust", 1, actor="admin")
            pg.remember_price(99, "set", "claude", actor="admin")
        billing.admit(pg, BOB, chat_id="new", message_id="new", model_id="gpt", hold=0, init_balance=0)
        billing.settle(
            pg,
            billing.Terms(BOB),
            billing.Round(chat_id="new", message_id="new", model_id="gpt", usage=Usage(1, 1), price=PRICE),
        )
        for table in ("ledger", "usage", "price_history"):
            new = [row["id"] for row in pg.query(f"SELECT id FROM {table} ORDER BY id")][len(want[table]) :]
            first = max(key[0] for key in want[table]) + 1
            assert new == list(range(first, first + len(new))) and new, table  # SQLite's max(rowid) + 1
    finally:
        pg.close()


def test_the_default_path_comes_from_data_dir(source: Path, pg_url: str) -> None:
    result = cli("--url", pg_url, env={"DATA_DIR": str(source.parent.parent)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"source: {source}"


# -- a target in use ------------------------------------------------------------------------------------------


def test_a_target_with_data_is_refused_without_replace_and_replaced_with_it(source: Path, pg_url: str) -> None:
    theirs = with_other_data(pg_url)
    want, want_rollups = read(source)

    refused = cli("--db", str(source), "--url", pg_url)
    assert refused.returncode == 2 and refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds monitor data" in lines[0] and "--replace" in lines[0]
    assert target_dumps(pg_url) == theirs

    replaced = cli("--db", str(source), "--url", pg_url, "--replace")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert "(the monitor data it held was replaced)" in replaced.stdout
    assert target_dumps(pg_url) == want  # u-zed and its price are gone, everything else is the source's
    pg = PgStore(pg_url)
    try:
        # Zed's day left rollup rows of zeros behind (a deletion subtracts); the rest is the source's.
        rows = {table: [r for r in rows if any(r[1:] if table == "usage_slots" else r[2:])] for table, rows in
                rollup_rows(pg).items()}  # fmt: skip
        assert rows == want_rollups and rollups.mismatches(pg) == []
    finally:
        pg.close()


def test_a_target_with_only_prices_is_not_in_use(source: Path, pg_url: str) -> None:
    pg = PgStore(pg_url)
    try:
        with pg.immediate():
            pg.set_price("gpt", input_price=1, output_price=2, actor="admin")
    finally:
        pg.close()
    result = cli("--db", str(source), "--url", pg_url)
    assert result.returncode == 0, result.stderr
    assert "replaced" not in result.stdout


def test_a_failure_mid_copy_leaves_the_target_as_it_was(
    source: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = with_other_data(pg_url)
    before = digest(source)
    real = _Connection.execute
    inserted: list[str] = []

    def failing(self: _Connection, sql: str, params: Any = ()) -> Any:
        if sql.startswith("INSERT INTO usage"):
            inserted.append(sql)
            if len(inserted) == 3:
                raise psycopg.errors.DiskFull("could not extend file: No space left on device")
        return real(self, sql, params)

    monkeypatch.setattr(_Connection, "execute", failing)
    code = main(["migrate-to-postgres", "--db", str(source), "--url", pg_url, "--replace"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip() == (
        "migrate-to-postgres failed: the copy failed and was rolled back, the target is as it was:"
        " could not extend file: No space left on device"
    )
    monkeypatch.undo()
    assert len(inserted) == 3  # users, ledger and two usage rows had gone in before it failed
    assert target_dumps(pg_url) == theirs
    assert digest(source) == before


# -- refusals -----------------------------------------------------------------------------------------------


def test_an_unreachable_server_exits_2_without_the_password(source: Path) -> None:
    url = f"postgresql://monitor:{PASSWORD}@127.0.0.1:{closed_port()}/monitor"
    before = digest(source)
    result = cli("--db", str(source), "--url", url)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("migrate-to-postgres failed: cannot use postgresql://monitor:***@127.0.0.1:")
    assert PASSWORD not in result.stderr
    assert digest(source) == before


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://127.0.0.1:1/monitor?password={PASSWORD}",
        f"postgresql://monitor:{PASSWORD}@127.0.0.1:port/monitor",  # a port urlsplit cannot read
        f"mysql://monitor:{PASSWORD}@127.0.0.1/monitor",
    ],
)
def test_other_urls_exit_2_without_the_password(source: Path, url: str) -> None:
    result = cli("--db", str(source), "--url", url)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr
    if url.startswith("mysql"):
        assert "is not a PostgreSQL URL" in result.stderr


def test_a_missing_file_exits_2_and_creates_nothing(tmp_path: Path, pg_url: str) -> None:
    missing = tmp_path / "nowhere" / "monitor.db"
    result = cli("--db", str(missing), "--url", pg_url)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"migrate-to-postgres failed: no database at {missing} (nothing was created; pass --db PATH)"
    )
    assert not missing.exists() and not missing.parent.exists()
    default = cli("--url", pg_url, env={"DATA_DIR": str(tmp_path / "empty")})
    assert default.returncode == 2 and not (tmp_path / "empty").exists()


@pytest.mark.parametrize("kind", ["not sqlite", "other sqlite"])
def test_not_a_monitor_database_exits_2(tmp_path: Path, pg_url: str, kind: str) -> None:
    path = tmp_path / "thing.db"
    if kind == "not sqlite":
        path.write_text("hello, not a database\n" * 100)
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.close()
    before = digest(path)
    result = cli("--db", str(path), "--url", pg_url)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("migrate-to-postgres failed: ")
    assert digest(path) == before


def test_an_older_schema_is_refused_and_not_migrated(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.MIGRATIONS.apply(db, stop_before="m005_pending_requests")  # the release before two-phase charges
    db.conn.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 1, 1)")
    db.conn.commit()
    db.close()
    before = digest(path)
    result = cli("--db", str(path), "--url", pg_url)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"migrate-to-postgres failed: {path} has an older schema (m004_budgets; this version needs"
        " m009_record_seeks): open it once with this version (start Open WebUI with the current functions), or"
        " migrate a copy, then run this again"
    )
    assert digest(path) == before
    pg = PgStore(pg_url)  # the target was not touched either
    try:
        assert pg.query("SELECT id FROM users") == []
    finally:
        pg.close()


def test_a_source_whose_balances_differ_from_its_ledger_is_refused(source: Path, pg_url: str) -> None:
    conn = sqlite3.connect(source)
    conn.execute("UPDATE users SET balance = balance + 1 WHERE id = ?", (BOB.id,))
    conn.commit()
    conn.close()
    result = cli("--db", str(source), "--url", pg_url)
    assert result.returncode == 2 and result.stdout == ""
    assert f"1 balance(s) in {source} differ from the ledger (user {BOB.id}" in result.stderr
    assert f"python -m plugin reconcile --db {source} --repair" in result.stderr
    pg = PgStore(pg_url)
    try:
        assert pg.query("SELECT id FROM users") == []
    finally:
        pg.close()


# -- the verification ---------------------------------------------------------------------------------------


def test_a_balance_read_back_differently_is_reported_with_exit_1(
    source: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = PgStore.balances

    def lying(self: PgStore) -> dict[str, int]:
        return {user_id: balance + 7 if user_id == BOB.id else balance for user_id, balance in real(self).items()}

    monkeypatch.setattr(PgStore, "balances", lying)
    code = main(["migrate-to-postgres", "--db", str(source), "--url", pg_url])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    bob = read(source)[0]["users"][(BOB.id,)]["balance"]
    assert "NOT verified: 1 difference(s) between the source and the committed copy:" in out
    assert f"  user {BOB.id}: balance {bob} in the source, {bob + 7} in the target" in out
    assert "verified: " not in out.replace("NOT verified: ", "")


def test_a_row_read_back_differently_is_reported(source: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = PgStore.dump

    def lying(self: PgStore, table: str) -> list[dict[str, Any]]:
        rows = real(self, table)
        if table == "usage":
            rows[0] = {**rows[0], "created_at": rows[0]["created_at"] + 1e-6}
            del rows[-1]
        return rows

    monkeypatch.setattr(PgStore, "dump", lying)
    outcome = transfer.migrate(source, pg_url)
    first = read(source)[0]["usage"][(1,)]["created_at"]
    assert outcome.problems == (
        f"usage id=1: created_at {first!r} in the source, {first + 1e-6!r} in the target",
        "usage id=6: missing from the target",
    )


def test_the_cli_does_not_import_open_webui(source: Path, pg_url: str) -> None:
    probe = (
        "import sys; from plugin.__main__ import main;"
        " code = main(['migrate-to-postgres', '--db', sys.argv[1], '--url', sys.argv[2]]);"
        " assert not [m for m in sys.modules if m.split('.')[0] == 'open_webui']; sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(source), pg_url], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
