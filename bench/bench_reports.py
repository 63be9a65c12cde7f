"""Report benchmark, run on demand (not part of the test suite): `.venv/bin/python bench/bench_reports.py`.

Fills a fresh SQLite file with synthetic usage (default 1,000,000 records: 200 users, 30 models, 90 days), then
times every report of plugin/domain/reports.py, admin and per-user, over several ranges (p50 of --runs runs), against a
baseline measured in the same run: a bare `SELECT COUNT(*)` over the same range, answered from the usage_created
index alone. It also times the write a billing step adds for migration m002's rollups, and prints the query plans
the reports use. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugin.domain import pricing, ranges, reports
from plugin.store import Store, model_slots_schema, record_seeks_schema, user_rollups_schema
from plugin.store import sqlite_schema as migrations

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp()
TARGET_MS = 50.0  # every report, at any size (issue 23: under 50 ms p50 at 10M records)
WRITES = 3000  # single-record transactions for the write-overhead figure
RANGES = ("today", "7d", "30d", "month", "all")


def count(text: str) -> int:
    """`100k`, `1M`, `5M` or a plain number."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a row count: {text}")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def p50_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm the page cache and sqlite3's statement cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


# -- data ----------------------------------------------------------------------------------------------------


def generate(path: Path, rows: int, users: int, models: int, days: int, seed: int) -> dict[str, Any]:
    """Create the schema through Store (so it is exactly a migrated database), then bulk-load usage with the
    rollup triggers off and fill the rollups the way m002, m007, m008 and m009 do for an existing database, then put the
    triggers back. Users and models are skewed (a few heavy users, a few popular models), times spread over `days`."""
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    triggers = [
        sql
        for script in (
            migrations.M002_SCHEMA,
            user_rollups_schema.SQLITE_TRIGGERS,
            model_slots_schema.SQLITE_TRIGGERS,
            record_seeks_schema.SQLITE_TRIGGERS,
        )
        for sql in migrations.statements(script)
        if sql.startswith("CREATE TRIGGER")
    ]
    rng = random.Random(seed)
    start = NOW - days * 86_400
    user_ids = [f"user-{n:04d}" for n in range(users)]
    model_ids = [f"model-{n:02d}" for n in range(models)]
    prices = [
        (rng.choice((150_000, 500_000, 2_500_000, 15_000_000)), rng.choice((600_000, 10_000_000))) for _ in model_ids
    ]
    user_weights = [1 / (n + 1) ** 0.8 for n in range(users)]
    model_weights = [1 / (n + 1) ** 1.2 for n in range(models)]
    picked_users = rng.choices(range(users), user_weights, k=rows)
    picked_models = rng.choices(range(models), model_weights, k=rows)

    def records():
        balances = [rng.randrange(10**8, 10**10) for _ in user_ids]  # each user's own, topped up when it runs low
        for i in range(rows):
            m, who = picked_models[i], picked_users[i]
            created = start + (i + rng.random()) * days * 86_400 / rows
            tokens_in, tokens_out = rng.randint(20, 6000), rng.randint(0, 1500)
            cost = pricing.Price(prices[m][0], prices[m][1], "default").cost(tokens_in, tokens_out)
            balances[who] -= cost
            if balances[who] < 0:
                balances[who] += rng.randrange(10**8, 10**10)
            yield (
                f"chat-{i // 8}",
                f"msg-{i}",
                user_ids[who],
                model_ids[m],
                tokens_in,
                tokens_out,
                tokens_in // 4 if i % 3 == 0 else 0,
                tokens_out // 5 if i % 7 == 0 else 0,
                1 if i % 50 == 0 else 0,
                "default",
                prices[m][0],
                prices[m][1],
                cost,
                balances[who],
                rng.randint(300, 30_000),
                created,
                created,
            )

    # m007's record indexes are built after the load too, as the migration builds them on an existing database
    # (kept during a bulk load of records in time order, they made it 4x slower at 1M: random inserts per user).
    indexes = [
        sql
        for script in (user_rollups_schema.SQLITE_TABLES, record_seeks_schema.SQLITE_TABLE)
        for sql in migrations.statements(script)
        if sql.startswith("CREATE INDEX")
    ]
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for sql in triggers:
        conn.execute(f"DROP TRIGGER {sql.split()[2]}")
    for sql in indexes:
        conn.execute(f"DROP INDEX {sql.split()[2]}")
    conn.executemany(
        "INSERT INTO users (id, name, email, role, balance, blocked, created_at, updated_at)"
        " VALUES (?, ?, ?, 'user', 5000000, 0, ?, ?)",
        [(uid, f"User {n}", f"user{n}@example.com", start, start) for n, uid in enumerate(user_ids)],
    )
    conn.executemany(
        "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, cached_tokens,"
        " reasoning_tokens, estimated, price_source, input_price, output_price, cost, balance_after, elapsed_ms,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        records(),
    )
    loaded = time.perf_counter() - t0
    backfills = (
        migrations.M002_BACKFILL,
        user_rollups_schema.SQLITE_BACKFILL,
        model_slots_schema.SQLITE_BACKFILL,
        record_seeks_schema.SQLITE_BACKFILL,
    )
    for script in backfills:
        for sql in migrations.statements(script):
            conn.execute(sql)
    for sql in triggers + indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    # No ANALYZE: nothing in the plugin runs it, so the planner works here as on a server, without statistics.
    conn.close()
    return {
        "users": user_ids,
        "models": model_ids,
        "load_s": loaded,
        "backfill_s": time.perf_counter() - t0 - loaded,
    }


# -- measurements --------------------------------------------------------------------------------------------


def write_overhead(tmp: Path, n: int) -> tuple[float, ...]:
    """p50 µs of one billing-like usage insert in its own BEGIN IMMEDIATE, on a database with 0.1.0's schema, then
    with each later step's triggers and indexes added in turn (m002; m007; m008; m009); they take turns, so all see
    the same machine."""
    later = [  # each step's scripts whose triggers and indexes a database before it lacks
        (user_rollups_schema.SQLITE_TABLES, user_rollups_schema.SQLITE_TRIGGERS),
        (model_slots_schema.SQLITE_TRIGGERS,),
        (record_seeks_schema.SQLITE_TABLE, record_seeks_schema.SQLITE_TRIGGERS),
    ]
    names = ("plain", "m002", "m007", "m008", "m009")
    stores = [Store(tmp / f"write-{name}.db", clock=lambda: NOW) for name in names]
    plain = stores[0]
    for k, store in enumerate(stores):  # m002 and plain lack all three later steps, m007 the last two, ...
        lacking = [script for scripts in later[max(0, k - 1) :] for script in scripts]
        with store.immediate():
            for script in lacking:
                for sql in migrations.statements(script):
                    kind, name = sql.split()[1], sql.split()[2]
                    if kind in ("TRIGGER", "INDEX"):
                        store.conn.execute(f"DROP {kind} {name}")
    with plain.immediate():
        for sql in migrations.statements(migrations.M002_SCHEMA):
            kind, name = sql.split()[1], sql.split()[2]
            if kind in ("TRIGGER", "INDEX") and name != "usage_user_days_user":
                plain.conn.execute(f"DROP {kind} {name}")
        for name, sql in (
            ("usage_user_created", "(user_id, created_at)"),
            ("usage_model_created", "(model_id, created_at)"),
        ):
            plain.conn.execute(f"DROP INDEX {name}")
            plain.conn.execute(f"CREATE INDEX {name} ON usage {sql}")  # as 0.1.0 had them
    samples: dict[Store, list[float]] = {store: [] for store in stores}
    for store in samples:
        with store.immediate():
            store.ensure_user("u", "U", "u@example.com", "user")
    for i in range(n + 200):
        record = {
            "chat_id": "c",
            "message_id": f"m{i}",
            "user_id": "u",
            "model_id": f"model-{i % 5}",
            "input_tokens": 100 + i % 50,
            "output_tokens": 20 + i % 30,
            "price_source": "default",
            "cost": 7200 + i,
            "balance_after": 1000 - i,
        }
        for store, times in samples.items():
            t0 = time.perf_counter()
            with store.immediate():
                store.save_usage(record)
            if i >= 200:
                times.append(time.perf_counter() - t0)
    for store in samples:
        store.close()
    return tuple(statistics.median(times) * 1e6 for times in samples.values())  # type: ignore[return-value]


def report_cases(
    db: Store, data: dict[str, Any], tz: Any
) -> tuple[list[tuple[str, Callable[[ranges.Range], Any]]], list[tuple[str, Callable[[], Any]]]]:
    """Every report this bench times, on `db` (SQLite here, both backends in bench_postgres): (per range, once)."""
    heavy, light = data["users"][0], data["users"][len(data["users"]) // 2]
    rare = data["models"][-1]  # the least used model

    def heavy_records(rng: ranges.Range, sort: str, descending: bool) -> Any:
        return reports.records(db, rng, user_id=heavy, sort=sort, descending=descending)

    def user_model_records(rng: ranges.Range, model_id: str, sort: str) -> Any:
        return reports.records(db, rng, user_id=heavy, model_id=model_id, sort=sort)

    directory = [
        {"id": uid, "name": f"User {n}", "email": f"user{n}@example.com", "role": "user"}
        for n, uid in enumerate(data["users"])
    ] + [{"id": f"new-{n}", "name": f"Newcomer {n}", "email": f"new{n}@example.com"} for n in range(50)]
    model_list = [{"id": m, "name": m.title()} for m in data["models"]]
    fallback = pricing.defaults(60, 60, -1)

    reports_to_time: list[tuple[str, Callable[[ranges.Range], Any]]] = [
        ("admin totals", lambda r: reports.totals(db, r)),
        ("admin report_card", lambda r: reports.report_card(db, r)),
        ("admin by_model", lambda r: reports.by_model(db, r)),
        ("admin distribution", lambda r: reports.distribution(db, r)),
        ("admin ranking", lambda r: reports.ranking(db, r, user_id=light)),
        ("admin by_day", lambda r: reports.by_day(db, r, tz)),
        ("admin records time p1", lambda r: reports.records(db, r)),
        ("admin records cost p1", lambda r: reports.records(db, r, sort="cost")),
        ("admin records tokens p1", lambda r: reports.records(db, r, sort="tokens")),
        ("admin records balance asc p1", lambda r: reports.records(db, r, sort="balance", descending=False)),
        ("admin records balance desc p1", lambda r: reports.records(db, r, sort="balance")),
        ("admin records cost p50", lambda r: reports.records(db, r, sort="cost", page=50)),
        ("admin records model+cost", lambda r: reports.records(db, r, model_id="model-00", sort="cost")),
        ("user totals (heavy user)", lambda r: reports.totals(db, r, heavy)),
        ("user by_model (heavy)", lambda r: reports.by_model(db, r, heavy)),
        ("user by_day (heavy)", lambda r: reports.by_day(db, r, tz, heavy)),
        ("user records time (heavy)", lambda r: reports.records(db, r, user_id=heavy)),
        ("user records cost (heavy)", lambda r: reports.records(db, r, user_id=heavy, sort="cost")),
        ("user records tokens (heavy)", lambda r: reports.records(db, r, user_id=heavy, sort="tokens")),
        ("user records balance desc (heavy)", lambda r: reports.records(db, r, user_id=heavy, sort="balance")),
        ("user records balance asc (heavy)", lambda r: heavy_records(r, "balance", False)),
        ("user records cost p50 (heavy)", lambda r: reports.records(db, r, user_id=heavy, sort="cost", page=50)),
        ("user records model+cost (heavy)", lambda r: user_model_records(r, "model-00", "cost")),
        ("user records rare model+time", lambda r: user_model_records(r, rare, "time")),
        ("user records rare model+cost", lambda r: user_model_records(r, rare, "cost")),
        ("admin records model+tokens", lambda r: reports.records(db, r, model_id="model-00", sort="tokens")),
        ("admin records rare model+cost", lambda r: reports.records(db, r, model_id=rare, sort="cost")),
        ("user totals (median user)", lambda r: reports.totals(db, r, light)),
        ("user by_model (median)", lambda r: reports.by_model(db, r, light)),
        ("user by_day (median)", lambda r: reports.by_day(db, r, tz, light)),
    ]
    three = [ranges.parse(key, now=NOW, tz=tz) for key in ("today", "30d", "all")]
    once = [
        ("user_summary (3 periods, heavy)", lambda: reports.user_summary(db, heavy, three)),
        ("users page 1 (250 people)", lambda: reports.users(db, directory)),
        ("users search 'user 1'", lambda: reports.users(db, directory, search="user 1")),
        ("price_list (30 models)", lambda: reports.price_list(db, model_list, fallback)),
    ]
    return reports_to_time, once


def plans(store: Store, fn: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """The statements `fn` runs (parameters inlined by SQLite) and the plan of each."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        store.conn.set_trace_callback(None)
    out = []
    for sql in dict.fromkeys(seen):
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        detail = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        out.append((sql, detail))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        type=lambda text: [count(part) for part in text.split(",")],
        default=[1_000_000],
        help="usage records: 100k, 1M (default), 5M, or several, comma-separated (1M,5M,10M: each, then the growth)",
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per report (p50 is printed)")
    parser.add_argument("--tz", default="Europe/Madrid", help="time zone of the day boundaries (default Madrid)")
    parser.add_argument("--dir", default=None, help="where to make the temporary directory")
    parser.add_argument("--plans", action="store_true", help="print every statement's plan, not just a summary")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[int, dict[str, float]] = {}
    failed = False
    for rows in args.rows:
        results[rows], bad = run_size(args, rows)
        failed = failed or bad
    if len(results) > 1:
        growth(results)
    print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


def growth(results: dict[int, dict[str, float]]) -> None:
    """Each report's p50 over all time at every size, and how much it grew from the smallest to the largest
    against how much the records grew: flat is ~1x, linear is the records' factor."""
    sizes = sorted(results)
    first, last = sizes[0], sizes[-1]
    names = list(results[first])
    width = max(len(name) for name in names)
    print(f"\ngrowth, p50 ms over all time ({last / first:g}x the records from {first:,} to {last:,}):")
    print(f"  {'report':<{width}}" + "".join(f"{size:>14,}" for size in sizes) + f"{'growth':>10}")
    for name in names:
        cells = [results[size].get(name, float("nan")) for size in sizes]
        ratio = cells[-1] / cells[0] if cells[0] else float("nan")
        print(f"  {name:<{width}}" + "".join(f"{ms:>14.2f}" for ms in cells) + f"{ratio:>9.1f}x")
    print("  (the slowest report in any range at each size is on its table's last line above)")


def run_size(args: argparse.Namespace, rows: int) -> tuple[dict[str, float], bool]:
    """Generate `rows` records, time every report over every range, print the table; return each report's p50
    over all time, and whether the rollups disagreed with the records."""
    tz = ranges.zone(args.tz)
    all_time: dict[str, float] = {}
    args.rows = rows
    with tempfile.TemporaryDirectory(prefix="owm-bench-reports-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "reports.db"
        print(
            f"OpenWebUI Monitor report bench — Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
            f" {os.cpu_count()} CPUs, temp dir {tmp}"
        )
        data = generate(path, args.rows, args.users, args.models, args.days, seed=7)
        size = sum(f.stat().st_size for f in tmp.iterdir()) / 2**20
        print(
            f"data: {args.rows:,} records, {args.users} users, {args.models} models, {args.days} days;"
            f" loaded in {data['load_s']:.1f} s, rollups filled and m007's and m009's indexes built in"
            f" {data['backfill_s']:.1f} s;"
            f" {size:,.0f} MiB;"
            f" day boundaries in {args.tz}; p50 of {args.runs} runs;"
            f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        )
        store = Store(path, clock=lambda: NOW)
        mismatches = reports.rollup_mismatches(store) if args.rows <= 1_000_000 else []
        reports_to_time, rest = report_cases(store, data, tz)
        heavy = data["users"][0]
        parsed = {key: ranges.parse(key, now=NOW, tz=tz) for key in RANGES}
        baseline = {}
        for key, rng in parsed.items():
            lo, hi = (rng.start or 0, rng.end or 2**53)
            sql = "SELECT COUNT(*) FROM usage WHERE created_at >= ? AND created_at < ?"
            baseline[key] = p50_ms(lambda lo=lo, hi=hi, sql=sql: store.conn.execute(sql, (lo, hi)).fetchall(), 9)
        counts = {key: reports.totals(store, rng)["calls"] for key, rng in parsed.items()}
        width = max(len(name) for name, _ in reports_to_time)
        head = "".join(f"{key:>16}" for key in RANGES)
        print(f"  {'p50 ms (x baseline)':<{width}}{head}")
        print(f"  {'records in range':<{width}}" + "".join(f"{counts[k]:>16,}" for k in RANGES))
        print(f"  {'baseline: bare COUNT(*)':<{width}}" + "".join(f"{baseline[k]:>16.2f}" for k in RANGES))
        print("  " + "-" * (width + 16 * len(RANGES)))
        worst = 0.0
        for name, fn in reports_to_time:
            cells = []
            for key in RANGES:
                ms = p50_ms(lambda fn=fn, key=key: fn(parsed[key]), args.runs)
                worst = max(worst, ms)
                cells.append(f"{ms:>8.2f} ({ms / baseline[key]:>4.1f}x)" if baseline[key] else f"{ms:>16.2f}")
            all_time[name] = ms
            print(f"  {name:<{width}}" + "".join(f"{c:>16}" for c in cells))
        for name, fn in rest:
            ms = p50_ms(fn, args.runs)
            worst = max(worst, ms)
            all_time[name] = ms
            print(f"  {name:<{width}}{ms:>16.2f}")

        print("\nfor comparison, the same answers for 'all' read from the table itself (no rollup, no index):")
        raw = [
            (
                "totals from usage",
                "SELECT COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost) FROM usage NOT INDEXED",
            ),
            ("by model from usage", "SELECT model_id, COUNT(*), SUM(cost) FROM usage NOT INDEXED GROUP BY model_id"),
            ("by user from usage", "SELECT user_id, COUNT(*), SUM(cost) FROM usage NOT INDEXED GROUP BY user_id"),
            ("top 20 by cost from usage", "SELECT * FROM usage NOT INDEXED ORDER BY cost DESC LIMIT 20"),
        ]
        for name, sql in raw:
            ms = p50_ms(lambda sql=sql: store.conn.execute(sql).fetchall(), max(1, args.runs // 2))
            print(f"  {name:<{width}}{ms:>16.2f}")

        plain, rolled, per_user, model_slots, bounds = write_overhead(tmp, WRITES)
        print(
            f"\nwrite: one usage insert in its own BEGIN IMMEDIATE, p50: {plain:.1f} µs with 0.1.0's schema,"
            f" {rolled:.1f} µs with m002's rollup triggers and indexes ({rolled - plain:+.1f} µs),"
            f" {per_user:.1f} µs with m007's per-user rollups and records indexes too ({per_user - rolled:+.1f} µs),"
            f" {model_slots:.1f} µs with m008's per-model slots too ({model_slots - per_user:+.1f} µs),"
            f" {bounds:.1f} µs with m009's balance bounds and user-model indexes too ({bounds - model_slots:+.1f} µs)"
        )

        print("\nquery plans (range 30d):")
        month = parsed["30d"]
        for name, fn in (
            ("admin report_card", lambda: reports.report_card(store, month)),
            ("admin by_day", lambda: reports.by_day(store, month, tz)),
            ("admin records cost", lambda: reports.records(store, month, sort="cost")),
            ("admin records tokens", lambda: reports.records(store, month, sort="tokens")),
            ("admin records time", lambda: reports.records(store, month)),
            ("user by_model", lambda: reports.by_model(store, month, heavy)),
            ("user records time", lambda: reports.records(store, month, user_id=heavy)),
        ):
            print(f"  {name}:")
            for sql, detail in plans(store, fn):
                shown = sql if args.plans else (sql[:100] + ("…" if len(sql) > 100 else ""))
                print(f"    {shown}\n      -> " + "; ".join(detail))
        store.close()

    verdict = "OK" if worst < TARGET_MS else "OVER TARGET"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nslowest report p50 {worst:.1f} ms (target < {TARGET_MS:g} ms): {verdict}; load average {load}")
    if args.rows <= 1_000_000:
        print(f"rollups == usage: {'OK' if not mismatches else f'{len(mismatches)} MISMATCHES'}")
    return all_time, bool(mismatches)


if __name__ == "__main__":
    sys.exit(main())
