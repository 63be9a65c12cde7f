"""PostgreSQL beside SQLite, run on demand (not part of the test suite): `.venv/bin/python bench/bench_postgres.py`.

Starts throw-away PostgreSQL servers (`tests/pg_server.py`: loopback, own temp dir, stopped and deleted at the end)
and measures, in one run, side by side with SQLite:

1. ledger throughput: 64 users settling charges back to back through `store.call(billing.settle, ...)` (bench_billing's
   4c), on `Store` and on `PgStore`, beside each backend's floor (a bare transaction that inserts a ledger row and
   updates a balance) and, for PostgreSQL, the replica case: two processes, each with its own `PgStore`, charging
   the same 64 users at once, and the same with 1, 16 and 64 users (issue 23's proof), each against the floor;
2. report times: bench_reports' data (generated once into SQLite, then copied to PostgreSQL with COPY, the rollup
   triggers firing row by row), every report bench_reports times, p50 on each backend, and the answers compared.

PostgreSQL runs with durable settings (fsync, synchronous_commit, full_page_writes on; data on disk), plus a database
with synchronous_commit off (what SQLite's WAL + synchronous=NORMAL keeps: a power loss may drop the last commits,
never corrupts), plus, unless `--no-fast`, the tests' fast settings (all three off, tmpfs), labelled as such. Prints
figures and asserts nothing about speed; exits 1 only if an exactness check fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_billing as bb
import bench_reports as br
import psycopg
from tables import Table

from plugin import store
from plugin.domain import billing, pricing, ranges, reports, rollups, tokens
from plugin.store import TABLES, PgStore, Store, sqlite_commit
from plugin.store import postgres_schema as pg_schema
from plugin.store import sqlite_schema as migrations
from plugin.store.postgres import LOCK_KEY, THREADS, user_key
from tests.pg_server import PgServer

USERS = bb.THROUGHPUT_USERS  # 64, as 4c
PER_USER = bb.THROUGHPUT_PER_USER  # 60 charges each, as 4c
FLOOR_N = 1000  # bare transactions per floor figure
FLOOR_THREADS = THREADS  # PgStore's connections per process
SETTLE_N = 500  # charges one at a time, for the latency figure
WARMUP = 100
ROUND_TRIPS = 2000  # `SELECT 1`s for the round-trip figure
REPLICAS = 2
SWEEP = (1, 16, 64)  # users charged by REPLICAS processes at once (PostgreSQL), each printed against the floor
SWEEP_CHARGES = 960  # charges per process at least, whatever the users (1 user: 960 one after another)
ROLLUP_TABLES = (
    *("usage_slots", "usage_model_days", "usage_user_days", "usage_user_slots", "usage_user_model_days"),
    *("usage_model_slots", "usage_user_balance_days"),
)
# Rows per COPY transaction. The rollup rows a chunk adds to are updated once per usage row, and the versions one
# transaction leaves cannot be pruned before it ends: one COPY of 1M rows ran at half the rate of 100k.
COPY_CHUNK = 10_000
BULK_ABOVE = 1_000_000  # usage rows: a larger load goes without triggers and indexes (`copy_to_postgres`)
SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "max_wal_size",
    "wal_writer_delay",
    "commit_delay",
    "max_connections",
)


def loadavg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- PostgreSQL targets --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Target:
    """One PostgreSQL configuration the ledger section runs on: a server, and database options on top of it."""

    label: str
    server: PgServer
    options: dict[str, str]  # ALTER DATABASE ... SET, for every database made for this target

    def database(self) -> str:
        url = self.server.create_database()
        if self.options:
            name = url.rsplit("/", 1)[-1]
            with psycopg.connect(self.server.url("postgres"), autocommit=True) as admin:
                for key, value in self.options.items():
                    admin.execute(f'ALTER DATABASE "{name}" SET {key} = {value}')
        return url

    def settings(self) -> dict[str, str]:
        url = self.database()
        with psycopg.connect(url, autocommit=True) as conn:
            found = dict(
                conn.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(SETTINGS),)).fetchall()
            )
            found["shared_buffers"] = conn.execute("SHOW shared_buffers").fetchone()[0]
            found["max_wal_size"] = conn.execute("SHOW max_wal_size").fetchone()[0]
            found["wal_writer_delay"] = conn.execute("SHOW wal_writer_delay").fetchone()[0]
        self.server.drop_database(url)
        return found


def pg_connect(url: str) -> psycopg.Connection:
    """A connection set up as PgStore's are (autocommit, client-side binding, one round trip per statement)."""
    conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
    conn.execute(f"SET lock_timeout = {store.BUSY_TIMEOUT_MS}")
    return conn


# -- floors --------------------------------------------------------------------------------------------------


def pg_floor_tables(url: str, users: int) -> None:
    """bench_billing's floor tables (users, ledger), in PostgreSQL's types."""
    with pg_connect(url) as conn:
        conn.execute("CREATE TABLE users (id TEXT PRIMARY KEY, balance BIGINT NOT NULL)")
        conn.execute(
            "CREATE TABLE ledger (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " user_id TEXT NOT NULL REFERENCES users (id), amount BIGINT NOT NULL,"
            " created_at DOUBLE PRECISION NOT NULL)"
        )
        conn.cursor().executemany("INSERT INTO users VALUES (%s, 0)", [(f"u{k}",) for k in range(users)])


def pg_transaction(conn: psycopg.Connection, user: str, locked: bool) -> Callable[[], None]:
    """One bare transaction on `conn`: BEGIN; [PgStore's lock statement;] INSERT ledger; UPDATE users; COMMIT."""
    keys = (LOCK_KEY, user_key(user))

    def transaction() -> None:
        conn.execute("BEGIN")
        if locked:
            conn.execute("SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)", keys)
        conn.execute("INSERT INTO ledger (user_id, amount, created_at) VALUES (%s, %s, %s)", (user, -960, time.time()))
        conn.execute("UPDATE users SET balance = balance + %s WHERE id = %s", (-960, user))
        conn.execute("COMMIT")

    return transaction


def sqlite_transaction(conn: sqlite3.Connection, user: str) -> Callable[[], None]:
    """bench_billing's floor transaction, for one user of several."""

    def transaction() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO ledger (user_id, amount, created_at) VALUES (?, ?, ?)", (user, -960, time.time()))
        conn.execute("UPDATE users SET balance = balance + ? WHERE id = ?", (-960, user))
        conn.execute("COMMIT")

    return transaction


def sqlite_floor_tables(path: Path, users: int) -> None:
    conn = bb.bare_connection(path)
    conn.execute("CREATE TABLE users (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
    conn.execute(
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),"
        " amount INTEGER NOT NULL, created_at REAL NOT NULL)"
    )
    conn.executemany("INSERT INTO users VALUES (?, 0)", [(f"u{k}",) for k in range(users)])
    conn.close()


def threaded_rate(make: Callable[[int], tuple[Any, Callable[[], None]]], threads: int, n: int) -> float:
    """`threads` threads, each with its own connection and its own user, running n / threads transactions back to
    back, started together: transactions per second over the whole run."""
    per = n // threads
    made = [make(k) for k in range(threads)]
    for _, transaction in made:
        for _ in range(WARMUP // threads + 1):
            transaction()
    barrier = threading.Barrier(threads + 1)

    def work(transaction: Callable[[], None]) -> None:
        barrier.wait()
        for _ in range(per):
            transaction()

    workers = [threading.Thread(target=work, args=(transaction,)) for _, transaction in made]
    for worker in workers:
        worker.start()
    barrier.wait()
    t0 = time.perf_counter()
    for worker in workers:
        worker.join()
    rate = per * threads / (time.perf_counter() - t0)
    for conn, _ in made:
        conn.close()
    return rate


def timed(transaction: Callable[[], None], n: int) -> tuple[list[float], float]:
    """n transactions back to back after a warm-up: (samples, transactions per second)."""
    for _ in range(WARMUP):
        transaction()
    samples = []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        transaction()
        samples.append(time.perf_counter() - t)
    return samples, n / (time.perf_counter() - t0)


def round_trip_p50(execute: Callable[[], object]) -> float:
    for _ in range(WARMUP):
        execute()
    samples = []
    for _ in range(ROUND_TRIPS):
        t = time.perf_counter()
        execute()
        samples.append(time.perf_counter() - t)
    return bb.pct(samples, 50)


def pg_floors(target: Target) -> dict[str, str]:
    url = target.database()
    pg_floor_tables(url, FLOOR_THREADS)
    cells: dict[str, str] = {}
    with pg_connect(url) as conn:
        cells["rt"] = bb.us(round_trip_p50(lambda: conn.execute("SELECT 1").fetchall()))
        samples, rate = timed(pg_transaction(conn, "u0", locked=False), FLOOR_N)
        cells["bare p50"], cells["bare"] = bb.us(bb.pct(samples, 50)), f"{rate:,.0f}"
        samples, rate = timed(pg_transaction(conn, "u0", locked=True), FLOOR_N)
        cells["locked"] = f"{rate:,.0f}"
    for key, locked in (("bare 4", False), ("locked 4", True)):

        def make(k: int, locked: bool = locked) -> tuple[Any, Callable[[], None]]:
            conn = pg_connect(url)
            return conn, pg_transaction(conn, f"u{k}", locked)

        cells[key] = f"{threaded_rate(make, FLOOR_THREADS, FLOOR_N):,.0f}"
    target.server.drop_database(url)
    return cells


def sqlite_floors(tmp: Path) -> dict[str, str]:
    cells: dict[str, str] = {}
    conn = sqlite3.connect(tmp / "rt.db", isolation_level=None)
    cells["rt"] = bb.us(round_trip_p50(lambda: conn.execute("SELECT 1").fetchall()))
    conn.close()
    path = tmp / "floor.db"
    sqlite_floor_tables(path, FLOOR_THREADS)
    conn = bb.bare_connection(path)
    samples, rate = timed(sqlite_transaction(conn, "u0"), FLOOR_N)
    conn.close()
    cells["bare p50"], cells["bare"] = bb.us(bb.pct(samples, 50)), f"{rate:,.0f}"

    def make(k: int) -> tuple[Any, Callable[[], None]]:
        conn = bb.bare_connection(path)
        return conn, sqlite_transaction(conn, f"u{k}")

    cells["bare 4"] = f"{threaded_rate(make, FLOOR_THREADS, FLOOR_N):,.0f}"
    cells["locked"] = cells["locked 4"] = "—"
    return cells


# -- charges -------------------------------------------------------------------------------------------------

PRICE = pricing.defaults(bb.PRICE_PER_1M, bb.PRICE_PER_1M, -1)
INIT = pricing.to_micro(bb.INIT_BALANCE)


def usage_of(i: int) -> tokens.Usage:
    """Charge i's usage, as bench_billing's 4c reports it (its cost is `bb.turn_cost(i)`)."""
    return tokens.Usage(input_tokens=100 + i % 50, output_tokens=20 + i % 30)


def admit(db: Store, member: billing.Member, chat_id: str, message_id: str) -> None:
    """The inlet's pending request (no hold): only an admitted request's outlet is charged."""
    admitted = billing.admit(
        db, member, chat_id=chat_id, message_id=message_id, model_id="gpt", hold=0, init_balance=INIT, price=PRICE
    )
    assert isinstance(admitted, billing.Admission), admitted


def settle_latency(db: Store, n: int) -> tuple[float, float, float | None]:
    """`billing.settle` called directly, one charge at a time, for one existing user: (p50 s, statements per
    charge, round trips per charge on PostgreSQL). Each request is admitted first, untimed."""
    member = billing.Member(id="direct", name="Direct")
    for i in range(WARMUP + n):
        admit(db, member, "c", f"m{i}")

    def charge(i: int) -> None:
        billing.settle(
            db,
            billing.Terms(member, init_balance=INIT),
            billing.Round(chat_id="c", message_id=f"m{i}", model_id="gpt", usage=usage_of(i), price=PRICE),
        )

    for i in range(WARMUP):
        charge(i)
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    trips = getattr(db.conn, "round_trips", None)
    samples = []
    for i in range(WARMUP, WARMUP + n):
        t = time.perf_counter()
        charge(i)
        samples.append(time.perf_counter() - t)
    db.conn.set_trace_callback(None)
    per = (db.conn.round_trips - trips) / n if trips is not None else None  # older code: one per statement
    return bb.pct(samples, 50), len(seen) / n, per


async def charge_all(db: Store, users: int, per_user: int, tag: str) -> float:
    """bench_billing's 4c on any store: `users` coroutines, one user each, settling `per_user` charges back to
    back through `store.call`; message ids carry `tag`, so several processes may charge the same users. Returns
    the wall time. Each request must have been admitted first (`admit_all`), as its inlet would have."""

    async def user_loop(member: billing.Member) -> None:
        for i in range(per_user):
            await db.call(
                billing.settle,
                db,
                billing.Terms(member, init_balance=INIT),
                billing.Round(
                    chat_id=member.id, message_id=f"{tag}m{i}", model_id="gpt", usage=usage_of(i), price=PRICE
                ),
            )

    members = [billing.Member(id=f"t{u}", name=f"T {u}") for u in range(users)]
    t0 = time.perf_counter()
    await asyncio.gather(*(user_loop(m) for m in members))
    return time.perf_counter() - t0


async def admit_all(db: Store, users: int, per_user: int, tag: str) -> None:
    """The pending requests `charge_all` settles, one user's after another's (untimed)."""

    async def user_loop(member: billing.Member) -> None:
        for i in range(per_user):
            await db.call(admit, db, member, member.id, f"{tag}m{i}")

    await asyncio.gather(*(user_loop(billing.Member(id=f"t{u}", name=f"T {u}")) for u in range(users)))


def ledger_problems(db: Store, users: int, per_user: int, processes: int) -> list[str]:
    """Per user: balance == init - sum of costs (computed here) and == SUM(ledger.amount), and one charge row per
    charge made."""
    want = INIT - processes * sum(bb.turn_cost(i) for i in range(per_user))
    rows = db.all_users()
    problems = [f"{len(rows)} users, not {users}"] if len(rows) != users else []
    problems += [f"user {u['id']}: balance {u['balance']} != {want}" for u in rows if u["balance"] != want]
    problems += [f"user {row['id']}: balance != ledger sum" for row in db.reconcile()]
    counts = db.query("SELECT user_id, COUNT(*) AS n FROM ledger WHERE kind = 'charge' GROUP BY user_id")
    problems += [f"user {c['user_id']}: {c['n']} charges" for c in counts if c["n"] != processes * per_user]
    return [f"{type(db).__name__}: {p}" for p in problems]


def pg_single(url: str) -> tuple[float, list[str]]:
    db = PgStore(url)
    try:
        asyncio.run(admit_all(db, USERS, PER_USER, ""))
        wall = asyncio.run(charge_all(db, USERS, PER_USER, ""))
        return USERS * PER_USER / wall, ledger_problems(db, USERS, PER_USER, 1)
    finally:
        db.close()


def replica_child(kind: str, target: str, proc: int, users: int, per_user: int, barrier: Any, out: Any) -> None:
    """One replica: its own store on the shared database, charging the same users as the other."""
    db: Store = PgStore(target) if kind == "pg" else Store(target)
    try:
        asyncio.run(admit_all(db, users, per_user, f"r{proc}-"))
        barrier.wait()
        t0 = time.monotonic()
        asyncio.run(charge_all(db, users, per_user, f"r{proc}-"))
        out.put((proc, t0, time.monotonic(), None))
    except BaseException as exc:
        out.put((proc, 0.0, 0.0, repr(exc)))
        raise
    finally:
        db.close()


def replicas(kind: str, target: str, users: int = USERS, per_user: int = 0) -> tuple[float, list[float], list[str]]:
    """REPLICAS processes (spawned) charging the same `users` at once, `per_user` charges each (PER_USER): (total
    charges/s from the first start to the last end, each process's own charges/s, problems)."""
    per_user = per_user or PER_USER
    (PgStore(target) if kind == "pg" else Store(target)).close()  # schema in place before they start
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(REPLICAS), ctx.Queue()
    procs = [
        ctx.Process(target=replica_child, args=(kind, target, k, users, per_user, barrier, out))
        for k in range(REPLICAS)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    errors = [f"replica {r[0]}: {r[3]}" for r in results if r[3]]
    if errors:
        return 0.0, [], errors
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    each = [users * per_user / (r[2] - r[1]) for r in sorted(results)]
    db = PgStore(target) if kind == "pg" else Store(target)
    try:
        problems = ledger_problems(db, users, per_user, REPLICAS)
    finally:
        db.close()
    return REPLICAS * users * per_user / wall, each, problems


def ledger_section(tmp: Path, targets: list[Target]) -> list[str]:
    charges = USERS * PER_USER
    print(
        f"1. ledger: {USERS} users at once, {PER_USER} charges each ({charges:,}), each `store.call(billing.settle)`"
        f" (bench_billing 4c); floors: {FLOOR_N:,} bare transactions (BEGIN; INSERT ledger; UPDATE users; COMMIT)"
        f" back to back; {loadavg()}"
    )
    problems: list[str] = []
    columns: list[dict[str, str]] = []

    # SQLite.
    cells = sqlite_floors(tmp)
    db = Store(tmp / "settle.db")
    p50, statements, _ = settle_latency(db, SETTLE_N)
    db.close()
    cells["settle"], cells["statements"] = bb.us(p50), f"{statements:.1f}"
    for key, batch in (("4c", sqlite_commit.BATCH), ("4c-1", 1)):
        rate, wrong = asyncio.run(bb.bench_throughput(tmp / f"4c-{batch}.db", USERS, PER_USER, batch))
        cells[key] = f"{rate:,.0f}" + ("" if not wrong else " MISMATCH")
        problems += wrong
    rate, each, wrong = replicas("sqlite", str(tmp / "replicas.db"))
    cells["replicas"] = f"{rate:,.0f}" + ("" if not wrong else " MISMATCH")
    cells["replica each"] = " + ".join(f"{r:,.0f}" for r in each)
    problems += wrong
    columns.append(cells)
    print(f"  SQLite done; {loadavg()}")

    for target in targets:
        cells = pg_floors(target)
        url = target.database()
        db = PgStore(url)
        p50, statements, trips = settle_latency(db, SETTLE_N)
        db.close()
        target.server.drop_database(url)
        cells["settle"], cells["statements"] = bb.us(p50), f"{statements:.1f}"
        cells["trips"] = f"{trips if trips is not None else statements:.1f}"
        url = target.database()
        rate, wrong = pg_single(url)
        target.server.drop_database(url)
        cells["4c"] = f"{rate:,.0f}" + ("" if not wrong else " MISMATCH")
        cells["4c-1"] = "(same)"
        problems += wrong
        url = target.database()
        rate, each, wrong = replicas("pg", url)
        target.server.drop_database(url)
        cells["replicas"] = f"{rate:,.0f}" + ("" if not wrong else " MISMATCH")
        cells["replica each"] = " + ".join(f"{r:,.0f}" for r in each)
        problems += wrong
        floor = float(cells["bare 4"].replace(",", ""))
        for users in SWEEP:  # the issue's proof: 1, 16 and 64 users across two processes, against the floor
            url = target.database()
            rate, _, wrong = replicas("pg", url, users, max(PER_USER, SWEEP_CHARGES // users))
            target.server.drop_database(url)
            cells[f"sweep {users}"] = f"{rate:,.0f} ({rate / floor:.2f})" + ("" if not wrong else " MISMATCH")
            problems += wrong
        columns.append(cells)
        print(f"  {target.label} done; {loadavg()}")

    rows = (
        ("round trip: SELECT 1, p50 µs", "rt"),
        ("floor, 1 connection: p50 µs", "bare p50"),
        ("floor, 1 connection: txn/s", "bare"),
        ("floor + PgStore's advisory locks, 1 connection: txn/s", "locked"),
        (f"floor, {FLOOR_THREADS} threads x own connection, own user: txn/s", "bare 4"),
        (f"floor + advisory locks, {FLOOR_THREADS} threads: txn/s", "locked 4"),
        ("billing.settle, one charge at a time: p50 µs", "settle"),
        ("  statements per charge", "statements"),
        ("  round trips per charge (PostgreSQL)", "trips"),
        (f"{USERS} users via store.call: charges/s", "4c"),
        ("  one transaction per charge (SQLite: BATCH=1)", "4c-1"),
        (f"{REPLICAS} processes, same {USERS} users: charges/s", "replicas"),
        ("  each process's own charges/s", "replica each"),
        *(
            (
                f"{REPLICAS} processes, same {users} user{'s' if users > 1 else ''}: charges/s (x floor, 4 threads)",
                f"sweep {users}",
            )
            for users in SWEEP
        ),
    )
    table = Table()
    for label, key in rows:
        table.row(label, *(c.get(key, "—") for c in columns))
    table.print(("", "SQLite", *(t.label for t in targets)))
    print(
        "  exactness (every run: balance == SUM(ledger) == init - Σ costs per user, one charge row per charge):"
        f" {'MISMATCH' if problems else 'OK'}"
    )
    for problem in problems[:20]:
        print(f"    {problem}")
    return problems


# -- reports -------------------------------------------------------------------------------------------------


def bulk_backfill() -> list[str]:
    """The rollups filled from the records, as the migrations fill them for an existing database: m002's
    backfill in PostgreSQL's words (truncation, as pg001's function), then every later step's own."""
    m002 = migrations.statements(migrations.M002_BACKFILL)
    later = [
        sql
        for _, step in pg_schema.STEPS
        for sql in pg_schema.statements(step)
        if sql.startswith("INSERT INTO usage_") and "SELECT" in sql
    ]
    return [sql.replace("CAST(created_at AS INTEGER)", "trunc(created_at)::bigint") for sql in m002] + later


def copy_to_postgres(sqlite_path: Path, url: str, bulk: bool) -> dict[str, tuple[int, float]]:
    """Every monitor table's rows, SQLite -> PostgreSQL, by COPY in transactions of COPY_CHUNK rows, then the
    identity sequences moved on. The rollup triggers fire per usage row (the rollups are PostgreSQL's own), or with
    `bulk` (10M rows would take most of an hour so) usage is loaded without its triggers and secondary indexes, the
    indexes are built after and the rollups filled by the migrations' backfills. {table: (rows, seconds)}."""
    src = sqlite3.connect(sqlite_path)
    done: dict[str, tuple[int, float]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {pg_schema.SCHEMA_NAME}")
        indexes: list[str] = []
        if bulk:
            indexes = [
                sql
                for (sql,) in conn.execute(
                    "SELECT indexdef FROM pg_indexes i WHERE tablename = 'usage' AND schemaname = %s AND NOT EXISTS"
                    " (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    (pg_schema.SCHEMA_NAME,),
                ).fetchall()
            ]
            for sql in indexes:
                conn.execute(f"DROP INDEX {sql.split()[2]}")
            conn.execute("ALTER TABLE usage DISABLE TRIGGER USER")
        for table in TABLES:
            columns = ", ".join(row[1] for row in src.execute(f"PRAGMA table_info({table})"))
            n = src.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            if not n:
                continue
            t0 = time.perf_counter()
            rows = src.execute(f"SELECT {columns} FROM {table}")
            while chunk := rows.fetchmany(COPY_CHUNK):
                with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            done[table] = (n, time.perf_counter() - t0)
        if bulk:
            t0 = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '512MB'")
            with conn.transaction():
                for sql in indexes + bulk_backfill():
                    conn.execute(sql)
                conn.execute("ALTER TABLE usage ENABLE TRIGGER USER")
            done["indexes and backfill"] = (len(indexes), time.perf_counter() - t0)
        for sql in pg_schema.RESEQUENCE:
            conn.execute(sql)
    src.close()
    return done


def same_rows(sqlite_path: Path, url: str, table: str, order: str) -> tuple[int, bool]:
    """Whether a table holds the same rows on both backends, read in order a chunk at a time (a whole table of
    millions of records, read at once on both sides, took 23 GB at 5M): (rows found equal, equal)."""
    src = sqlite3.connect(sqlite_path)
    columns = ", ".join(row[1] for row in src.execute(f"PRAGMA table_info({table})"))
    lite = src.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")
    equal = 0
    with psycopg.connect(url) as conn, conn.cursor(name=f"same_{table}") as cur:
        cur.execute(f"SELECT {columns} FROM {pg_schema.SCHEMA_NAME}.{table} ORDER BY {order}")
        while True:
            a, b = lite.fetchmany(COPY_CHUNK), cur.fetchmany(COPY_CHUNK)
            if normal(a) != normal(b):
                src.close()
                return equal, False
            if not a:
                src.close()
                return equal, True
            equal += len(a)


def normal(value: Any) -> Any:
    """An answer in comparable form: named tuples and dataclasses as dicts, floats to 12 significant digits."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return normal(dataclasses.asdict(value))
    if hasattr(value, "_asdict"):
        return normal(value._asdict())
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normal(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def reports_section(tmp: Path, target: Target, rows: int, runs: int, tz_name: str) -> list[str]:
    tz = ranges.zone(tz_name)
    print(f"\n2. reports: {rows:,} usage records, 200 users, 30 models, 90 days (bench_reports' data); {loadavg()}")
    path = tmp / "reports.db"
    data = br.generate(path, rows, 200, 30, 90, seed=7)
    size = sum(p.stat().st_size for p in tmp.glob("reports.db*")) / 2**20
    print(
        f"  SQLite: loaded in {data['load_s']:.1f} s with the rollup triggers off, rollups filled by m002's backfill"
        f" in {data['backfill_s']:.1f} s; {size:,.0f} MiB; no ANALYZE (as bench_reports)"
    )
    url = target.database()
    PgStore(url).close()  # the schema, through the store
    t0 = time.perf_counter()
    bulk = rows > BULK_ABOVE
    copied = copy_to_postgres(path, url, bulk)
    load = time.perf_counter() - t0
    n_usage, s_usage = copied.get("usage", (0, 0.0))
    rollup_size = "SELECT SUM(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) AS t"
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {pg_schema.SCHEMA_NAME}")
        bloated = conn.execute(rollup_size, (list(ROLLUP_TABLES),)).fetchone()[0] / 2**20
        # The load updated each rollup row once per record it covers; VACUUM frees those versions but keeps the
        # pages, so the rollups would be read at ~100x their size. FULL rewrites them, as small as they would stay
        # on a server that wrote them one reply at a time with autovacuum running.
        conn.execute(f"VACUUM FULL {', '.join(ROLLUP_TABLES)}")
        conn.execute("VACUUM ANALYZE")
        compact = conn.execute(rollup_size, (list(ROLLUP_TABLES),)).fetchone()[0] / 2**20
        pg_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20
    vacuum = time.perf_counter() - t0
    print(
        f"  PostgreSQL ({target.label}): COPY of every table {load:.1f} s in transactions of {COPY_CHUNK:,} rows,"
        f" usage {s_usage:.1f} s ({n_usage / s_usage if s_usage else 0:,.0f} rows/s, "
        + (
            f"without its triggers and {copied['indexes and backfill'][0]} indexes: built and the rollups backfilled"
            f" after, {copied['indexes and backfill'][1]:.1f} s"
            if bulk
            else "7 rollup upserts per row in its triggers"
        )
        + f"); then VACUUM FULL of the rollups ({bloated:,.1f} -> {compact:,.1f} MiB) and VACUUM ANALYZE"
        f" {vacuum:.1f} s; database {pg_size:,.0f} MiB"
    )

    sq = Store(path, clock=lambda: br.NOW)
    pg = PgStore(url, clock=lambda: br.NOW)
    problems: list[str] = []
    for table in (*TABLES, *ROLLUP_TABLES):
        pairs = (
            "usage_model_days",
            "usage_user_days",
            "usage_user_slots",
            "usage_model_slots",
            "usage_user_balance_days",
        )
        order = "1, 2" if table in pairs else "1"
        order = "1, 2, 3" if table == "usage_user_model_days" else order
        rows, same = same_rows(path, url, table, order)
        if not same:
            problems.append(f"table {table}: contents differ after {rows:,} equal rows")
    problems += [f"PostgreSQL rollup: {m}" for m in rollups.mismatches(pg)[:10]]
    print(
        f"  every table equal in both (rollups: SQLite's backfill vs PostgreSQL's"
        f" {'backfill' if bulk else 'triggers'}), and"
        f" rollups.mismatches(PostgreSQL) empty: {'MISMATCH' if problems else 'OK'}"
    )

    lists = {db: br.report_cases(db, data, tz) for db in (sq, pg)}
    parsed = {key: ranges.parse(key, now=br.NOW, tz=tz) for key in br.RANGES}

    def cell(a: float, b: float) -> str:
        return f"{a:.2f} / {b:.2f}"

    width = max(len(name) for name, _ in lists[sq][0] + lists[sq][1]) + 2
    col = 18
    print(
        f"  p50 ms of {runs} runs, SQLite / PostgreSQL; PG/SQLite: the median ratio over the ranges; stmts: statements"
        " one call runs (30d), each a round trip to PostgreSQL"
    )
    print(f"  {'':<{width}}" + "".join(f"{key:>{col}}" for key in br.RANGES) + f"{'PG/SQLite':>11}{'stmts':>7}")
    counts = {key: reports.totals(sq, rng)["calls"] for key, rng in parsed.items()}
    print(f"  {'records in range':<{width}}" + "".join(f"{counts[k]:>{col},}" for k in br.RANGES))
    line = []
    ratios: list[float] = []
    sql = "SELECT COUNT(*) FROM usage WHERE created_at >= ? AND created_at < ?"
    for rng in parsed.values():
        bounds = (rng.start or 0, rng.end or 2**53)
        a, b = (br.p50_ms(lambda d=d, bounds=bounds: d.conn.execute(sql, bounds).fetchall(), 9) for d in (sq, pg))
        line.append(cell(a, b))
        ratios.append(b / a)
    head = f"  {'baseline: bare COUNT(*)':<{width}}"
    print(head + "".join(f"{c:>{col}}" for c in line) + f"{median(ratios):>10.1f}x")
    print("  " + "-" * (width + col * len(br.RANGES) + 11))
    all_ratios: list[float] = []
    worst = {sq: 0.0, pg: 0.0}
    for (name, fa), (_, fb) in zip(lists[sq][0], lists[pg][0], strict=True):
        line, ratios = [], []
        for key in br.RANGES:
            rng = parsed[key]
            if normal(fa(rng)) != normal(fb(rng)):
                problems.append(f"{name} [{key}]: SQLite and PostgreSQL answer differently")
            a = br.p50_ms(lambda fa=fa, rng=rng: fa(rng), runs)
            b = br.p50_ms(lambda fb=fb, rng=rng: fb(rng), runs)
            worst[sq], worst[pg] = max(worst[sq], a), max(worst[pg], b)
            line.append(cell(a, b))
            ratios.append(b / a)
        all_ratios += ratios
        trips = statements(pg, lambda fb=fb: fb(parsed["30d"]))
        print(f"  {name:<{width}}" + "".join(f"{c:>{col}}" for c in line) + f"{median(ratios):>10.1f}x{trips:>7}")
    for (name, fa), (_, fb) in zip(lists[sq][1], lists[pg][1], strict=True):
        if normal(fa()) != normal(fb()):
            problems.append(f"{name}: SQLite and PostgreSQL answer differently")
        a, b = br.p50_ms(fa, runs), br.p50_ms(fb, runs)
        worst[sq], worst[pg] = max(worst[sq], a), max(worst[pg], b)
        all_ratios.append(b / a)
        trips = statements(pg, fb)
        pad = " " * (col * (len(br.RANGES) - 1))
        print(f"  {name:<{width}}{cell(a, b):>{col}}{pad}{b / a:>10.1f}x{trips:>7}")
    print(
        f"  slowest report p50: SQLite {worst[sq]:.1f} ms, PostgreSQL {worst[pg]:.1f} ms (target < {br.TARGET_MS:g} ms"
        f" at 1M); PostgreSQL/SQLite over all {len(all_ratios)} cells: median {median(all_ratios):.1f}x,"
        f" range {min(all_ratios):.1f}-{max(all_ratios):.1f}x"
    )
    print(f"  answers equal on both backends: {'MISMATCH' if problems else 'OK'}; {loadavg()}")
    for problem in problems[:20]:
        print(f"    {problem}")
    sq.close()
    pg.close()
    target.server.drop_database(url)
    return problems


def statements(db: Store, fn: Callable[[], Any]) -> int:
    """How many statements `fn` runs on `db`'s connection of this thread."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        db.conn.set_trace_callback(None)
    return len(seen)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# -- the run -------------------------------------------------------------------------------------------------


def main() -> int:
    global PER_USER, FLOOR_N, SETTLE_N, SWEEP_CHARGES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=br.count, default=100_000, help="usage records for the reports (100k)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per report (p50 is printed)")
    parser.add_argument("--tz", default="Europe/Madrid", help="time zone of the reports' day boundaries")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the ledger section's counts")
    parser.add_argument("--no-fast", action="store_true", help="skip the tests' fast (crash-unsafe) settings")
    parser.add_argument("--no-ledger", action="store_true", help="skip section 1")
    parser.add_argument("--no-reports", action="store_true", help="skip section 2")
    parser.add_argument("--dir", default=None, help="where SQLite's temporary directory goes (default: the system's)")
    args = parser.parse_args()
    PER_USER = max(2, round(PER_USER * args.scale))
    FLOOR_N = max(FLOOR_THREADS * 10, round(FLOOR_N * args.scale))
    SETTLE_N = max(10, round(SETTLE_N * args.scale))
    SWEEP_CHARGES = max(10, round(SWEEP_CHARGES * args.scale))
    started = time.perf_counter()
    problems: list[str] = []
    servers: list[PgServer] = []
    try:
        durable = PgServer(durable=True).start()
        servers.append(durable)
        targets = [
            Target("PG durable", durable, {}),
            Target("PG sync_commit=off", durable, {"synchronous_commit": "off"}),
        ]
        if not args.no_fast:
            fast = PgServer().start()
            servers.append(fast)
            targets.append(Target("PG fast (tests)", fast, {}))
        with tempfile.TemporaryDirectory(prefix="owm-bench-pg-", dir=args.dir) as tmp_name:
            tmp = Path(tmp_name)
            fs = os.statvfs(tmp)
            print(
                f"OpenWebUI Monitor PostgreSQL bench — Python {sys.version.split()[0]},"
                f" SQLite {sqlite3.sqlite_version}, psycopg {psycopg.__version__} ({psycopg.pq.__impl__}),"
                f" {os.cpu_count()} CPUs; {loadavg()}"
            )
            print(
                f"  SQLite: files in {tmp} ({fs.f_bsize}-byte blocks); WAL, synchronous=NORMAL (plugin/store/sqlite.py)"
            )
            for target in targets:
                found = target.settings()
                where = target.server.dir
                print(
                    f"  {target.label}: PostgreSQL {found.pop('server_version')}, data in {where}, loopback TCP;"
                    f" database options {target.options or 'none'}; " + ", ".join(f"{k}={v}" for k, v in found.items())
                )
            print()
            if not args.no_ledger:
                problems += ledger_section(tmp, targets)
            if not args.no_reports:
                problems += reports_section(tmp, targets[0], args.rows, args.runs, args.tz)
    finally:
        for server in servers:
            server.stop()
    print(f"\nexactness: {'MISMATCH' if problems else 'OK'}; total {time.perf_counter() - started:.0f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
