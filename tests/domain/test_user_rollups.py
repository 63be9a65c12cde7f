"""One user's reports from the per-user rollups (m007 / pg004) equal brute-force sums over the records, for any
range and time zone, through inserts, Continues, moves and deletions, on both backends."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from backends import sqlite_only

from plugin.domain import reports, rollups
from plugin.domain.ranges import Range, between
from plugin.store import Store

ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Europe/Madrid",
        "America/St_Johns",  # -3:30 / -2:30
        "Asia/Kolkata",  # +5:30
        "Asia/Kathmandu",  # +5:45
        "Australia/Eucla",  # +8:45
        "Pacific/Chatham",  # +12:45 / +13:45
        "America/Los_Angeles",
    )
]
USERS = ("heavy", "light", "other")
MODELS = ("gpt", "claude", "llama", "mistral")
BASE = datetime(2026, 3, 20).timestamp()  # Madrid's DST change (2026-03-29) and others fall inside
SPAN = 40 * 86_400
INSERT = (
    "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, cached_tokens,"
    " reasoning_tokens, estimated, price_source, cost, balance_after, created_at, updated_at)"
    " VALUES ('c', ?, ?, ?, ?, ?, ?, ?, ?, 'default', ?, ?, ?, ?)"
)
COLUMNS = ("user", "model", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "estimated", "cost")


def random_time(rnd: random.Random) -> float:
    """Anywhere in SPAN, a tenth of them exactly on a slot or day edge, some a hair before one."""
    when = BASE + rnd.randrange(SPAN)
    kind = rnd.random()
    if kind < 0.05:
        return float(int(when) // 900 * 900)
    if kind < 0.1:
        return float(int(when) // 86_400 * 86_400)
    if kind < 0.15:
        return int(when) // 900 * 900 - 0.001
    return when + rnd.choice((0, 0.25, 0.999))


@pytest.fixture
def history(store: Store) -> dict[int, dict]:
    """About 1,500 records of three users (one with most of them) through the triggers, then Continues (sums
    changed), moves in time, to another user and another model, and deletions; returns the rows as they end."""
    rnd = random.Random(23)
    with store.immediate():
        for user in USERS:
            store.ensure_user(user, user.title(), f"{user}@example.com", "user")
    rows: dict[int, dict] = {}
    with store.immediate():
        for n in range(1500):
            row = {
                "user": rnd.choices(USERS, weights=(8, 1, 1))[0],
                "model": rnd.choice(MODELS),
                "input_tokens": rnd.randrange(2000),
                "output_tokens": rnd.randrange(800),
                "cached_tokens": rnd.randrange(50),
                "reasoning_tokens": rnd.randrange(30),
                "estimated": int(rnd.random() < 0.2),
                "cost": rnd.randrange(100_000),
                "balance": rnd.randrange(-(10**6), 10**9),
                "at": random_time(rnd),
            }
            store.conn.execute(INSERT, (f"m{n}", *(row[c] for c in COLUMNS), row["balance"], row["at"], row["at"]))
            rows[n] = row
    ids = {n: store.get_usage("c", f"m{n}")["id"] for n in rows}
    with store.immediate():
        for n in rnd.sample(sorted(rows), 300):
            row, change = rows[n], rnd.randrange(4)
            if change == 0:  # a Continue: the same record, larger sums, the balance after it lower
                row["output_tokens"] += 100
                row["cost"] += 5_000
                row["balance"] -= rnd.choice((5_000, 10**9))
                sql, params = (
                    "UPDATE usage SET output_tokens = ?, cost = ?, balance_after = ? WHERE id = ?",
                    (row["output_tokens"], row["cost"], row["balance"]),
                )
            elif change == 1:
                row["at"] += rnd.choice((3600.5, -899.75, 86_400, 0.5))
                sql, params = "UPDATE usage SET created_at = ? WHERE id = ?", (row["at"],)
            elif change == 2:
                row["user"] = rnd.choice(USERS)
                sql, params = "UPDATE usage SET user_id = ? WHERE id = ?", (row["user"],)
            else:
                row["model"] = rnd.choice(MODELS)
                sql, params = "UPDATE usage SET model_id = ? WHERE id = ?", (row["model"],)
            store.conn.execute(sql, (*params, ids[n]))
        for n in [n for n in sorted(rows) if n % 23 == 0 or rows[n]["at"] < BASE + 3 * 86_400]:
            store.conn.execute("DELETE FROM usage WHERE id = ?", (ids[n],))
            del rows[n]
    return rows


def brute(rows: dict[int, dict], user: str | None, lo: float, hi: float, model: str | None = None) -> dict[str, int]:
    """Sums of one user's records (everyone's with None) in [lo, hi), of one model or all."""
    picked = [
        r for r in rows.values() if user in (None, r["user"]) and lo <= r["at"] < hi and model in (None, r["model"])
    ]
    sums = {c: sum(r[c] for r in picked) for c in COLUMNS[2:]}
    return {"calls": len(picked), **sums}


def random_range(rnd: random.Random) -> Range:
    """Unbounded, open at one end, under a slot, under a day, many days, on slot or day edges, or not."""
    edges = [None, BASE - 86_400, BASE + 3 * 86_400, BASE + SPAN + 86_400]
    lo = rnd.choice(edges) if rnd.random() < 0.3 else BASE + rnd.uniform(0, SPAN)
    if lo is not None and rnd.random() < 0.3:
        lo = float(int(lo) // rnd.choice((900, 86_400)) * rnd.choice((900, 86_400)) // 900 * 900)
    width = rnd.choice((60.5, 899.0, 900.0, 5000.25, 86_400.0, 3 * 86_400 + 17.5, 20 * 86_400.0))
    hi = rnd.choice(edges) if rnd.random() < 0.3 else (lo if lo is not None else BASE) + width
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    return Range("custom", lo, hi)


def test_rollups_equal_the_records_after_every_kind_of_change(store: Store, history) -> None:
    assert reports.rollup_mismatches(store) == []


def test_totals_by_model_and_records_count_equal_brute_force_for_any_range(store: Store, history) -> None:
    rnd = random.Random(7)
    for _ in range(250):
        rng, user = random_range(rnd), rnd.choice(USERS)
        lo, hi = rollups.span(rng)
        want = brute(history, user, lo, hi)
        got = reports.totals(store, rng, user)
        assert {k: got[k] for k in want if k != "estimated"} == {k: v for k, v in want.items() if k != "estimated"}
        assert got["estimated_calls"] == want["estimated"], (lo, hi)
        by_model = {r["model_id"]: r for r in reports.by_model(store, rng, user)}
        for model in MODELS:
            one = brute(history, user, lo, hi, model)
            row = by_model.get(model, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost": 0})
            assert (row["calls"], row["input_tokens"], row["output_tokens"], row["cost"]) == (
                one["calls"],
                one["input_tokens"],
                one["output_tokens"],
                one["cost"],
            ), (user, model, lo, hi)
        model = rnd.choice(MODELS)
        assert reports.records(store, rng, user_id=user).total == want["calls"]
        assert (
            reports.records(store, rng, user_id=user, model_id=model).total
            == brute(history, user, lo, hi, model)["calls"]
        )


def everyone(rows: dict[int, dict], key: str, lo: float, hi: float) -> dict[str, tuple[int, int, int, int]]:
    """Brute-force (calls, input tokens, output tokens, cost) per model or per user of every record in [lo, hi)."""
    sums: dict[str, tuple[int, int, int, int]] = {}
    for r in rows.values():
        if lo <= r["at"] < hi:
            calls, i, o, cost = sums.get(r[key], (0, 0, 0, 0))
            sums[r[key]] = (calls + 1, i + r["input_tokens"], o + r["output_tokens"], cost + r["cost"])
    return sums


def test_everyones_sums_per_model_and_per_user_equal_brute_force_for_any_range(store: Store, history) -> None:
    """The admin's groupings (by model, the ranking, the report card): whole days, a cut day's whole slots (m008's
    per-model slots, m007's per-user slots) and the records under a slot at each end add up to the records."""
    rnd = random.Random(8)
    for _ in range(250):
        rng = random_range(rnd)
        lo, hi = rollups.span(rng)
        for key, column in (("model_id", "model"), ("user_id", "user")):
            got = {
                k: (v["calls"], v["input_tokens"], v["output_tokens"], v["cost"])
                for k, v in rollups.grouped(store, rng, key).items()
            }
            assert got == everyone(history, column, lo, hi), (key, lo, hi)
        card = reports.report_card(store, rng)
        assert (card["active_users"], card["models_used"]) == (
            len(everyone(history, "user", lo, hi)),
            len(everyone(history, "model", lo, hi)),
        )


def test_a_cut_day_is_read_as_slots_and_only_minutes_from_the_records(store: Store, history, monkeypatch) -> None:
    """Everyone's groupings over a range that cuts UTC days (any zone's today, the last 7 days from now) read the
    records only under 15 minutes at each end: a cut day's whole slots come from the slot rollups."""
    spans: list[float] = []
    real = type(rollups.reads(store)).grouped_raw

    def recorded(self, key, lo, hi):
        spans.append(hi - lo)
        return real(self, key, lo, hi)

    monkeypatch.setattr(type(rollups.reads(store)), "grouped_raw", recorded)
    for tz in ZONES:
        day = datetime.fromtimestamp(BASE + 10 * 86_400, tz).date()
        for rng in (between(day, day, tz), Range("custom", BASE + 9 * 86_400 + 4321.5, BASE + 16 * 86_400 + 777.25)):
            for key in ("model_id", "user_id"):
                rollups.grouped(store, rng, key)
    assert spans and max(spans) < 900


def test_a_user_only_after_midnight_is_in_a_range_across_it(store: Store) -> None:
    """Under a day, across a UTC midnight: the per-user slots are read for the users of both days, so someone whose
    only record is after midnight (in a whole slot) is counted."""
    midnight = float(int(BASE) // 86_400 * 86_400 + 10 * 86_400)
    with store.immediate():
        for user, at in (("early", midnight - 7200.5), ("late", midnight + 1800.25)):
            store.ensure_user(user, user, "", "user")
            store.conn.execute(INSERT, (f"m-{user}", user, "gpt", 10, 5, 0, 0, 0, 70, 0, at, at))
    rng = Range("custom", midnight - 12 * 3600 + 0.5, midnight + 12 * 3600 + 0.5)
    assert {k: v["calls"] for k, v in rollups.grouped(store, rng, "user_id").items()} == {"early": 1, "late": 1}
    assert rollups.grouped(store, rng, "model_id")["gpt"]["cost"] == 140


@pytest.mark.parametrize("tz", ZONES, ids=lambda z: str(z))
def test_by_day_in_any_zone_equals_brute_force(store: Store, history, tz: ZoneInfo) -> None:
    rnd = random.Random(str(tz))
    start = datetime.fromtimestamp(BASE, tz).date()
    for _ in range(6):
        first = start + timedelta(days=rnd.randrange(40))
        last = first + timedelta(days=rnd.choice((0, 1, 6, 30)))
        user = rnd.choice((None, *USERS))
        model = rnd.choice((None, *MODELS))
        rng = Range("custom", between(first, first, tz).start, between(last, last, tz).end, first=first, last=last)
        series = reports.by_day(store, rng, tz, user, model_id=model)
        assert series and all(isinstance(row["day"], date) for row in series)
        for n, row in enumerate(series):
            lo = between(row["day"], row["day"], tz).start
            hi = between(series[n + 1]["day"], series[n + 1]["day"], tz).start if n + 1 < len(series) else rng.end
            want = brute(history, user, lo, hi, model)
            assert (row["calls"], row["cost"], row["input_tokens"]) == (
                want["calls"],
                want["cost"],
                want["input_tokens"],
            ), (tz, row["day"])


def test_bucket_sums_with_bounds_off_every_slot_edge_equal_brute_force(store: Store, history) -> None:
    rnd = random.Random(11)
    for _ in range(60):
        user = rnd.choice((None, *USERS))  # everyone's from usage_slots, one user's from usage_user_slots
        model = rnd.choice((None, None, *MODELS))  # a model's from usage_model_slots, a user's model's from records
        bounds = sorted(BASE + rnd.uniform(0, SPAN) for _ in range(rnd.randrange(2, 12)))
        for got, lo, hi in zip(rollups.bucket_sums(store, bounds, user, model), bounds, bounds[1:], strict=False):
            want = brute(history, user, lo, hi, model)
            assert (got["calls"], got["cost"], got["output_tokens"]) == (
                want["calls"],
                want["cost"],
                want["output_tokens"],
            )


@sqlite_only  # SQLite's plans; PostgreSQL's planner picks by statistics
def test_a_users_reports_read_the_rollups_not_their_records(store: Store, history, monkeypatch) -> None:
    """All-time totals and by-model read no usage row: one range of a per-user rollup's primary key each, and their
    (empty) edges a span of the user's records each, never all of them."""
    plans: list[str] = []
    for name in ("query", "one"):
        real = getattr(store.engine, name)

        def explained(sql, params=(), real=real):
            plans.extend(row[-1] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
            return real(sql, params)

        monkeypatch.setattr(store.engine, name, explained)
    reports.totals(store, Range("all", None, None), "heavy")
    reports.by_model(store, Range("all", None, None), "heavy")
    text = "\n".join(plans)
    raw = [line for line in plans if line.startswith("SEARCH usage ")]  # the edges: only their own span
    assert raw and all("created_at>? AND created_at<?" in line for line in raw), text
    assert text.count("usage_user_model_days USING PRIMARY KEY (user_id=? AND day>? AND day<?)") == 2, text
    assert not re.search(r"SCAN usage\b", text), text  # (SCAN parts: the statement's own few rows)


SORT_KEYS = {
    "time": lambda r: (r["at"],),
    "cost": lambda r: (r["cost"], r["at"]),
    "tokens": lambda r: (r["input_tokens"] + r["output_tokens"], r["at"]),
    "balance": lambda r: (r["balance"], r["at"]),
}


@pytest.mark.parametrize("steer", [0, 10**9], ids=["walk the sort index", "sort the range"])
def test_records_pages_of_a_user_or_model_equal_brute_force_either_way(store: Store, history, steer, monkeypatch):
    """Both ways of finding a page (see store/reports.py's _RANGE) give the rows brute force gives, in order."""
    monkeypatch.setattr(reports, "STEER", steer)
    rnd = random.Random(3)
    ids = {row["id"]: n for n, row in ((n, store.get_usage("c", f"m{n}")) for n in history) if row}
    for _ in range(24):
        user, model = rnd.choice((None, *USERS)), rnd.choice((None, *MODELS))
        if user is None and model is None:
            continue
        sort, descending = rnd.choice(list(SORT_KEYS)), rnd.random() < 0.5
        rng = random_range(rnd)
        lo, hi = rollups.span(rng)
        want = sorted(
            (
                n
                for n, r in history.items()
                if lo <= r["at"] < hi and user in (None, r["user"]) and model in (None, r["model"])
            ),
            key=lambda n: SORT_KEYS[sort](history[n]),
            reverse=descending,
        )
        page = reports.records(store, rng, user_id=user, model_id=model, sort=sort, descending=descending, page=2)
        got = [ids[row["id"]] for row in page.rows]
        assert page.total == len(want)
        want = want[(page.page - 1) * 20 : page.page * 20]  # page 2, or 1 when there is only one
        # Compare the sort's keys in order, then the rows as sets (the last key, time, may tie).
        assert [SORT_KEYS[sort](history[n]) for n in got] == [SORT_KEYS[sort](history[n]) for n in want]
        assert sorted(got) == sorted(want)


def test_a_users_records_by_balance_walk_from_the_ranges_bound(store: Store, history, monkeypatch) -> None:
    """A user's many records sorted by balance: the walk of usage_user_balance seeks to the bound of the range's
    balances (m009's per-day bounds, widened by inserts and updates, never narrowed) and the page equals brute
    force, either way, for ranges anywhere, after moves in time and between users and lower balances."""
    monkeypatch.setattr(reports, "STEER", 0)
    rnd = random.Random(5)
    ids = {row["id"]: n for n, row in ((n, store.get_usage("c", f"m{n}")) for n in history) if row}
    for _ in range(60):
        user, descending, rng = rnd.choice(USERS), rnd.random() < 0.5, random_range(rnd)
        lo, hi = rollups.span(rng)
        want = sorted(
            (n for n, r in history.items() if lo <= r["at"] < hi and r["user"] == user),
            key=lambda n: SORT_KEYS["balance"](history[n]),
            reverse=descending,
        )[:20]
        page = reports.records(store, rng, user_id=user, sort="balance", descending=descending)
        assert [history[ids[row["id"]]]["balance"] for row in page.rows] == [history[n]["balance"] for n in want]


@sqlite_only  # SQLite's plans; PostgreSQL's planner picks by statistics
def test_a_users_walk_by_balance_seeks_to_the_bound(store: Store, history, monkeypatch) -> None:
    monkeypatch.setattr(reports, "STEER", 0)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        for descending in (True, False):
            reports.records(
                store,
                Range("custom", BASE + 20 * 86_400, BASE + 27 * 86_400),
                user_id="heavy",
                sort="balance",
                descending=descending,
            )
    finally:
        store.conn.set_trace_callback(None)
    plans = [
        " ".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
        for sql in seen
        if sql.startswith("WITH chosen")
    ]
    assert len(plans) == 2
    assert "usage_user_balance (user_id=? AND balance_after<?)" in plans[0], plans[0]
    assert "usage_user_balance (user_id=? AND balance_after>?)" in plans[1], plans[1]


def test_a_balance_lowered_just_before_the_page_is_read_is_on_it(store: Store, history, monkeypatch) -> None:
    """A Continue that lowers a record's balance_after, committed after the page's count but before its rows are
    chosen: the bound the walk starts at is read in the page's own statement, so the lowered record is first."""
    monkeypatch.setattr(reports, "STEER", 0)
    rng = Range("custom", BASE + 20 * 86_400, BASE + 27 * 86_400)
    target = next(n for n, r in sorted(history.items()) if r["user"] == "heavy" and rng.start <= r["at"] < rng.end)
    lowest = min(r["balance"] for r in history.values()) - 1
    real = store.engine.query

    def continued_first(sql, params=()):
        if sql.startswith("WITH chosen"):
            with store.immediate():
                store.conn.execute("UPDATE usage SET balance_after = ? WHERE message_id = ?", (lowest, f"m{target}"))
        return real(sql, params)

    monkeypatch.setattr(store.engine, "query", continued_first)
    page = reports.records(store, rng, user_id="heavy", sort="balance", descending=False)
    assert (page.rows[0]["message_id"], page.rows[0]["balance_after"]) == (f"m{target}", lowest)
