"""Reports: exact numbers from a seeded database, range edges, time zones, sorting, paging, and the Markdown."""

from __future__ import annotations

import itertools
import json
import random
import re
import string
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils
from backends import sqlite_only

from plugin.domain import pricing, ranges, reports
from plugin.domain.ranges import Range
from plugin.errors import InvalidSort
from plugin.store import Store
from plugin.store import sqlite_schema as migrations
from plugin.ui import views
from plugin.words import i18n

MADRID = ZoneInfo("Europe/Madrid")  # DST ends 2026-10-25 at 03:00 CEST: that day has 25 hours
_keys = itertools.count(1)


def at(text: str, tz=MADRID) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def bill(store: Store, clock, when: float, user: str, model: str, tokens: tuple[int, int], cost: int, **extra) -> int:
    """Record one usage row at `when` through Store.save_usage (so the rollup triggers run); returns its id."""
    clock.now = when
    key = extra.pop("key", f"m{next(_keys)}")
    with store.immediate():
        store.save_usage(
            {
                "chat_id": "c",
                "message_id": key,
                "user_id": user,
                "model_id": model,
                "input_tokens": tokens[0],
                "output_tokens": tokens[1],
                "price_source": extra.pop("price_source", "default"),
                "cost": cost,
                "balance_after": extra.pop("balance_after", 0),
                **extra,
            }
        )
    return store.get_usage("c", key)["id"]


@pytest.fixture
def seeded(store: Store, clock) -> dict[str, int]:
    return seed(store, clock)


def seed(store: Store, clock) -> dict[str, int]:
    """Three users, three models, six records around Madrid's DST change; returns record ids r1..r6."""
    with store.immediate():
        store.ensure_user("u-ann", "Ann | Admin", "ann@example.com", "admin")
        store.ensure_user("u-bob", "Bob", "bob@example.com", "user")
        store.ensure_user("u-cat", "Cat <b>", "cat@example.com", "user")
        store.append_ledger("u-ann", "topup", 10_000_000, actor="admin")
        store.set_blocked("u-cat", True)
    return {
        "r1": bill(store, clock, at("2026-10-24T10:00"), "u-ann", "gpt-4o", (1000, 500), 90_000, balance_after=500),
        "r2": bill(
            store,
            clock,
            at("2026-10-25T00:00"),
            "u-ann",
            "gpt-4o",
            (100, 50),
            9_000,
            cached_tokens=20,
            balance_after=400,
        ),
        "r3": bill(
            store,
            clock,
            at("2026-10-25T23:30"),
            "u-bob",
            "claude",
            (2000, 1000),
            120_000,
            reasoning_tokens=300,
            balance_after=100,
        ),
        "r4": bill(store, clock, at("2026-10-26T00:30"), "u-bob", "claude", (500, 100), 30_000, balance_after=300),
        "r5": bill(store, clock, at("2026-10-27T12:00"), "u-cat", "llama", (10, 0), 0, estimated=1, balance_after=0),
        "r6": bill(store, clock, at("2026-10-27T13:00"), "u-ann", "claude", (300, 300), 36_000, balance_after=200),
    }


ALL = Range("all", None, None)


def days(first: str, last: str, tz=MADRID) -> Range:
    return ranges.between(date.fromisoformat(first), date.fromisoformat(last), tz)


# -- totals and range edges ----------------------------------------------------------------------------------


def test_totals_for_everyone_and_for_one_user(store: Store, seeded) -> None:
    assert reports.totals(store, ALL) == {
        "calls": 6,
        "input_tokens": 3910,
        "output_tokens": 1950,
        "cached_tokens": 20,
        "reasoning_tokens": 300,
        "cost": 285_000,
        "estimated_calls": 1,
    }
    ann = reports.totals(store, ALL, "u-ann")
    assert (ann["calls"], ann["input_tokens"], ann["output_tokens"], ann["cost"]) == (3, 1400, 850, 135_000)
    assert reports.totals(store, ALL, "nobody")["calls"] == 0


def test_a_record_at_the_start_is_in_and_one_at_the_end_is_out(store: Store, seeded) -> None:
    rng = Range("custom", at("2026-10-25T00:00"), at("2026-10-26T00:30"))  # r2 at start, r4 exactly at end
    assert reports.totals(store, rng)["calls"] == 2
    assert reports.totals(store, rng)["cost"] == 129_000
    assert reports.totals(store, rng, "u-bob")["calls"] == 1  # r3 only: r4 is at the end
    just_after = Range("custom", at("2026-10-25T00:00") + 0.5, at("2026-10-26T00:30") + 0.5)  # not on any slot edge
    assert reports.totals(store, just_after)["cost"] == 150_000  # r3 + r4, r2 is half a second too early
    assert order(reports.records(store, rng), seeded) == ["r3", "r2"]
    assert order(reports.records(store, rng, user_id="u-bob", sort="cost"), seeded) == ["r3"]


def test_edges_a_fraction_of_a_second_from_a_rollup_bucket(store: Store, clock) -> None:
    with store.immediate():
        store.ensure_user("u", "U", "", "user")
    edge = at("2026-05-01T12:00")  # on a slot edge and, in UTC, 10:00 is on no day edge
    bill(store, clock, edge - 0.25, "u", "m", (1, 1), 1)
    bill(store, clock, edge, "u", "m", (1, 1), 10)
    bill(store, clock, edge + 3600 - 0.25, "u", "m", (1, 1), 100)
    assert reports.totals(store, Range("custom", edge - 0.5, edge + 3600))["cost"] == 111
    assert reports.totals(store, Range("custom", edge - 0.2, edge + 3600 - 0.3))["cost"] == 10
    assert reports.by_model(store, Range("custom", edge - 0.5, edge + 3600 - 0.2))[0]["cost"] == 111
    assert reports.ranking(store, Range("custom", edge - 0.2, edge + 3600 - 0.25))[0]["cost"] == 10


def test_rollup_totals_equal_raw_sums_for_any_range(store: Store, clock) -> None:
    """Random records and random ranges (aligned, unaligned, open-ended): the rollup path must equal brute force."""
    rnd = random.Random(5)
    with store.immediate():
        store.ensure_user("u", "U", "", "user")
    base = at("2026-03-28T00:00")
    rows = []
    for _ in range(300):
        when = base + rnd.randrange(0, 4 * 86_400) + rnd.choice((0, 0.25, 0.999))
        cost = rnd.randrange(0, 5000)
        bill(store, clock, when, "u", rnd.choice("abc"), (rnd.randrange(100), 1), cost)
        rows.append((when, cost))
    edges = [None, base, base + 86_400, base + 900 * 7, base + 3600.5, base + 2 * 86_400 - 1, base + 4 * 86_400]
    for _ in range(200):
        lo, hi = rnd.choice(edges), rnd.choice(edges)
        if rnd.random() < 0.5:
            lo = base + rnd.uniform(-3600, 4 * 86_400)
        rng = Range("custom", lo, hi)
        want = [c for t, c in rows if rng.contains(t)]
        got = reports.totals(store, rng)
        assert (got["calls"], got["cost"]) == (len(want), sum(want)), (lo, hi)
        assert sum(r["cost"] for r in reports.by_model(store, rng)) == sum(want)
        assert sum(r["cost"] for r in reports.ranking(store, rng, limit=10)) == sum(want)


def test_rollups_follow_continues_moves_and_deletes(store: Store, clock, seeded) -> None:
    # A Continue re-saves the same key with cumulative usage: the rollups move by the difference.
    bill(store, clock, at("2026-10-28T09:00"), "u-bob", "claude", (10, 10), 1_000, key="again")
    bill(store, clock, at("2026-10-28T09:05"), "u-bob", "claude", (20, 30), 3_000, key="again")
    again = reports.totals(store, days("2026-10-28", "2026-10-28"))
    assert (again["calls"], again["input_tokens"], again["output_tokens"], again["cost"]) == (1, 20, 30, 3_000)
    with store.immediate():
        store.conn.execute("UPDATE usage SET created_at = ? WHERE id = ?", (at("2026-10-29T12:00"), seeded["r1"]))
        store.conn.execute("DELETE FROM usage WHERE id = ?", (seeded["r6"],))
    assert reports.rollup_mismatches(store) == []
    assert reports.totals(store, days("2026-10-24", "2026-10-24"))["calls"] == 0
    assert reports.totals(store, days("2026-10-29", "2026-10-29"))["cost"] == 90_000
    assert [r["model_id"] for r in reports.by_model(store, days("2026-10-27", "2026-10-27"))] == ["llama"]


def test_migrating_a_0_1_0_database_fills_the_rollups(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.MIGRATIONS.apply(db, stop_before="m002_report_rollups")
    db.conn.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('u', 0, 0)")
    for n, (when, cost) in enumerate([(at("2026-01-01T10:00"), 5), (at("2026-01-01T10:01"), 7), (1e9, 11)]):
        db.conn.execute(
            "INSERT INTO usage (chat_id, message_id, user_id, model_id, input_tokens, output_tokens, price_source,"
            " cost, balance_after, created_at, updated_at) VALUES ('c', ?, 'u', 'm', 1, 2, 'default', ?, 0, ?, ?)",
            (f"m{n}", cost, when, when),
        )
    db.conn.commit()
    db.conn.close()
    store = Store(path)
    assert migrations.version(store.db) == "m009_record_seeks"  # every later step applied on the way
    assert migrations.MIGRATIONS.pending(store.db) == []
    assert reports.rollup_mismatches(store) == []
    assert reports.totals(store, ALL)["cost"] == 23
    assert reports.totals(store, days("2026-01-01", "2026-01-01"))["cost"] == 12
    store.close()


# -- groups ---------------------------------------------------------------------------------------------------


def test_by_model_is_sorted_by_cost(store: Store, seeded) -> None:
    assert reports.by_model(store, ALL) == [
        {"model_id": "claude", "calls": 3, "input_tokens": 2800, "output_tokens": 1400, "cost": 186_000},
        {"model_id": "gpt-4o", "calls": 2, "input_tokens": 1100, "output_tokens": 550, "cost": 99_000},
        {"model_id": "llama", "calls": 1, "input_tokens": 10, "output_tokens": 0, "cost": 0},
    ]
    assert [(r["model_id"], r["cost"]) for r in reports.by_model(store, ALL, "u-ann")] == [
        ("gpt-4o", 99_000),
        ("claude", 36_000),
    ]


def test_report_card(store: Store, seeded) -> None:
    card = reports.report_card(store, ALL)
    assert card["total_cost"] == 285_000
    assert (card["calls"], card["tokens"], card["input_tokens"], card["output_tokens"]) == (6, 5860, 3910, 1950)
    assert (card["active_users"], card["models_used"]) == (3, 3)
    assert card["most_used_model"] == {"model_id": "claude", "calls": 3}
    assert card["top_spender"] == {
        "user_id": "u-bob",
        "name": "Bob",
        "email": "bob@example.com",
        "cost": 150_000,
        "calls": 2,
    }
    empty = reports.report_card(store, days("2020-01-01", "2020-01-02"))
    assert (empty["calls"], empty["most_used_model"], empty["top_spender"]) == (0, None, None)


def test_ranking_by_cost_and_by_calls_and_the_askers_own_rank(store: Store, seeded) -> None:
    by_cost = reports.ranking(store, ALL)
    assert [(r["rank"], r["user_id"], r["cost"], r["name"]) for r in by_cost] == [
        (1, "u-bob", 150_000, "Bob"),
        (2, "u-ann", 135_000, "Ann | Admin"),
        (3, "u-cat", 0, "Cat <b>"),
    ]
    assert [r["user_id"] for r in reports.ranking(store, ALL, by="calls")] == ["u-ann", "u-bob", "u-cat"]
    top1 = reports.ranking(store, ALL, limit=1, user_id="u-cat")
    assert [(r["rank"], r["user_id"]) for r in top1] == [(1, "u-bob"), (3, "u-cat")]
    with pytest.raises(InvalidSort):
        reports.ranking(store, ALL, by="name")


def test_distribution_folds_small_slices_into_others() -> None:
    folded = reports.fold([("a", 80), ("b", 15), ("c", 2), ("d", 2), ("e", 1)])
    assert folded == [reports.Slice("a", 80), reports.Slice("b", 15), reports.Slice(reports.OTHERS, 5, 3)]
    # One small slice alone stays itself: "Others" standing for one model would hide its name.
    assert reports.fold([("a", 90), ("b", 8), ("c", 2)]) == [("a", 90, 0), ("b", 8, 0), ("c", 2, 0)]
    assert reports.fold([("free", 0), ("a", 5)]) == [("a", 5, 0)]


def test_distribution_by_cost_and_calls(store: Store, seeded) -> None:
    assert reports.distribution(store, ALL) == [("claude", 186_000, 0), ("gpt-4o", 99_000, 0)]
    assert reports.distribution(store, ALL, by="calls", fold_below=0.2) == [("claude", 3, 0), ("gpt-4o", 2, 0),
                                                                              ("llama", 1, 0)]  # fmt: skip
    assert reports.distribution(store, ALL, by="calls", fold_below=0.5) == [("claude", 3, 0), ("others", 3, 2)]


# -- per day --------------------------------------------------------------------------------------------------


def test_by_day_uses_local_days_across_the_dst_change(store: Store, seeded) -> None:
    rng = days("2026-10-24", "2026-10-27")
    want = [
        (date(2026, 10, 24), 1, 90_000),
        (date(2026, 10, 25), 2, 129_000),  # 00:00 CEST and 23:30 CET: the 25-hour day holds both
        (date(2026, 10, 26), 1, 30_000),  # 00:30 CET is 23:30 UTC on the 25th
        (date(2026, 10, 27), 2, 36_000),
    ]
    assert [(r["day"], r["calls"], r["cost"]) for r in reports.by_day(store, rng, MADRID)] == want
    per_user = reports.by_day(store, rng, MADRID, "u-bob")
    assert [(r["calls"], r["cost"]) for r in per_user] == [(0, 0), (1, 120_000), (1, 30_000), (0, 0)]
    assert {r["unit"] for r in per_user} == {"day"}


def test_by_day_in_a_zone_whose_midnight_splits_a_slot(store: Store, clock) -> None:
    odd = timezone(timedelta(minutes=7))  # local midnight falls inside a 15-minute slot
    with store.immediate():
        store.ensure_user("u", "U", "", "user")
    for when, cost in [("2026-10-24T23:57", 1), ("2026-10-25T00:02", 10), ("2026-10-25T00:20", 100)]:
        bill(store, clock, at(when, odd), "u", "m", (1, 1), cost)
    rng = days("2026-10-24", "2026-10-25", odd)
    assert [r["cost"] for r in reports.by_day(store, rng, odd)] == [1, 110]
    assert [r["cost"] for r in reports.by_day(store, rng, odd, "u")] == [1, 110]


def test_by_day_all_runs_from_the_first_record_to_today(store: Store, clock, seeded) -> None:
    rows = reports.by_day(store, ALL, MADRID, now=at("2026-10-30T08:00"))
    assert rows[0]["day"] == date(2026, 10, 24)
    assert rows[-1]["day"] == date(2026, 10, 30) and len(rows) == 7
    assert sum(r["cost"] for r in rows) == 285_000 and rows[-1]["calls"] == 0


def test_by_day_of_an_empty_store_is_empty(store: Store) -> None:
    assert reports.by_day(store, ALL, MADRID) == []
    assert [r["calls"] for r in reports.by_day(store, days("2026-01-01", "2026-01-03"), MADRID)] == [0, 0, 0]


def test_long_spans_fold_to_months_then_years(store: Store, clock, seeded) -> None:
    months = reports.by_day(store, days("2025-06-15", "2026-11-30"), MADRID)
    assert {r["unit"] for r in months} == {"month"} and len(months) == 18
    assert months[0]["day"] == date(2025, 6, 15) and months[1]["day"] == date(2025, 7, 1)
    october = next(r for r in months if r["day"] == date(2026, 10, 1))
    assert (october["calls"], october["cost"]) == (6, 285_000)
    years = reports.by_day(store, days("2010-01-01", "2026-12-31"), MADRID)
    assert [r["day"].year for r in years] == list(range(2010, 2027)) and years[-1]["cost"] == 285_000


# -- records --------------------------------------------------------------------------------------------------


def order(page: reports.Page, ids: dict[str, int]) -> list[str]:
    names = {v: k for k, v in ids.items()}
    return [names[row["id"]] for row in page.rows]


@pytest.mark.parametrize(
    ("sort", "descending", "want"),
    [
        ("time", True, ["r6", "r5", "r4", "r3", "r2", "r1"]),
        ("time", False, ["r1", "r2", "r3", "r4", "r5", "r6"]),
        ("cost", True, ["r3", "r1", "r6", "r4", "r2", "r5"]),
        ("cost", False, ["r5", "r2", "r4", "r6", "r1", "r3"]),
        ("tokens", True, ["r3", "r1", "r6", "r4", "r2", "r5"]),  # r6 and r4 tie at 600: newer first
        ("balance", False, ["r5", "r3", "r6", "r4", "r2", "r1"]),
    ],
)
def test_records_sorts(store: Store, seeded, monkeypatch, sort: str, descending: bool, want: list[str]) -> None:
    assert order(reports.records(store, ALL, sort=sort, descending=descending), seeded) == want
    monkeypatch.setattr(reports, "STEER", 0)  # the same answer when the sort's index is walked
    assert order(reports.records(store, ALL, sort=sort, descending=descending), seeded) == want
    assert order(reports.records(store, ALL, user_id="u-ann", sort=sort, descending=descending), seeded) == [
        r for r in want if r in ("r1", "r2", "r6")
    ]


def test_records_rows_carry_the_user_and_the_details(store: Store, seeded) -> None:
    page = reports.records(store, ALL, user_id="u-bob", model_id="claude")
    assert page.total == 2 and order(page, seeded) == ["r4", "r3"]
    row = page.rows[1]
    assert (row["user_name"], row["user_email"], row["model_id"]) == ("Bob", "bob@example.com", "claude")
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"], row["cost"]) == (
        2000,
        1000,
        300,
        120_000,
    )
    assert (row["balance_after"], row["estimated"], row["price_source"]) == (100, False, "default")
    assert reports.records(store, ALL, model_id="llama").rows[0]["estimated"] is True
    assert reports.records(store, ALL, model_id="claude").total == 3


def test_records_pages_are_clamped(store: Store, seeded) -> None:
    page = reports.records(store, ALL, page=2, page_size=2)
    assert (order(page, seeded), page.total, page.pages) == (["r4", "r3"], 6, 3)
    assert reports.records(store, ALL, page=99, page_size=4).page == 2  # past the end: the last page
    assert order(reports.records(store, ALL, page=99, page_size=4), seeded) == ["r2", "r1"]
    assert reports.records(store, ALL, page=0).page == 1
    assert reports.records(store, ALL, page_size=0).page_size == 1
    assert reports.records(store, ALL, page_size=10_000).page_size == 100
    empty = reports.records(store, days("2020-01-01", "2020-01-01"), page=3)
    assert (empty.rows, empty.total, empty.page, empty.pages) == ([], 0, 1, 1)


@pytest.mark.parametrize("sort", ["cost; DROP TABLE usage", "created_at", "id DESC --", "", "TIME"])
def test_an_unknown_sort_is_refused_before_any_sql(store: Store, seeded, sort: str) -> None:
    ran: list[str] = []
    store.conn.set_trace_callback(ran.append)
    try:
        with pytest.raises(InvalidSort) as caught:
            reports.records(store, ALL, sort=sort)
    finally:
        store.conn.set_trace_callback(None)
    assert ran == []
    assert "time, cost, tokens, balance" in caught.value.message("en")
    assert store.one("SELECT COUNT(*) AS n FROM usage")["n"] == 6


def plan_of_records(store: Store, **kwargs) -> str:
    ran: list[str] = []
    store.conn.set_trace_callback(ran.append)
    try:
        reports.records(store, days("2026-10-01", "2026-10-31"), **kwargs)
    finally:
        store.conn.set_trace_callback(None)
    select = next(sql for sql in ran if sql.startswith("WITH chosen"))
    return " / ".join(row["detail"] for row in store.query("EXPLAIN QUERY PLAN " + select))


@sqlite_only  # SQLite's plans; PostgreSQL's planner picks by statistics (bench/ reports its times)
def test_sorted_records_are_chosen_in_an_index(store: Store, seeded, monkeypatch) -> None:
    monkeypatch.setattr(reports, "STEER", 0)  # as if the range held many records
    plan = plan_of_records(store, sort="tokens")
    assert "SCAN u USING COVERING INDEX usage_tokens" in plan
    assert plan.count("TEMP B-TREE FOR ORDER BY") == 1  # only the chosen page is sorted again, never the range
    # Many records of one model or one user: the model's or the user's own sort index, walked in order.
    plan = plan_of_records(store, sort="balance", model_id="claude")
    assert "COVERING INDEX usage_model_balance (model_id=?)" in plan
    assert "COVERING INDEX usage_user_cost (user_id=?)" in plan_of_records(store, sort="cost", user_id="u-bob")
    for sort, index in (("tokens", "usage_user_model_tokens"), ("cost", "usage_user_model_cost")):
        plan = plan_of_records(store, sort=sort, user_id="u-bob", model_id="claude")
        assert f"INDEX {index} (user_id=? AND model_id=?)" in plan  # their own records of the model, in order
        assert plan.count("TEMP B-TREE FOR ORDER BY") == 1
    plan = plan_of_records(store, sort="balance", user_id="u-bob", model_id="claude", descending=False)
    assert "INDEX usage_user_balance (user_id=? AND balance_after>?)" in plan  # the model picked out in the index
    # Few: read the range through the filter's index and sort it (a narrow range never walks a whole user).
    monkeypatch.setattr(reports, "STEER", 10**9)
    plan = plan_of_records(store, sort="balance", model_id="claude")
    assert "COVERING INDEX usage_model_created (model_id=? AND created_at>? AND created_at<?)" in plan
    plan = plan_of_records(store, sort="cost", user_id="u-bob")
    assert "COVERING INDEX usage_user_created (user_id=? AND created_at>? AND created_at<?)" in plan
    assert plan.count("TEMP B-TREE FOR ORDER BY") == 2  # the range, then the page
    for sort in ("time", "cost"):  # a user's few records of one model: in their own index, never all the user's
        plan = plan_of_records(store, sort=sort, user_id="u-bob", model_id="claude")
        assert "COVERING INDEX usage_user_model_created (user_id=? AND model_id=? AND created_at>? AND" in plan


# -- people and prices ----------------------------------------------------------------------------------------

DIRECTORY = [
    {"id": "u-ann", "name": "Ann Admin", "email": "ann@example.com", "role": "admin"},
    {"id": "u-dave", "name": "dave", "email": "dave@example.com", "role": "user"},
    {"id": "u-cat", "name": "Cat <b>", "email": "cat@example.com", "role": "user"},
]


def test_users_merge_the_directory_with_what_we_billed(store: Store, seeded) -> None:
    page = reports.users(store, DIRECTORY)
    assert [r["name"] for r in page.rows] == ["Ann Admin", "Bob", "Cat <b>", "dave"]
    ann, bob, cat, dave = page.rows
    assert (ann["balance"], ann["spent"], ann["last_used"], ann["role"]) == (
        10_000_000,
        135_000,
        at("2026-10-27T13:00"),
        "admin",
    )
    assert (bob["in_directory"], bob["seen"], bob["spent"]) == (False, True, 150_000)
    assert cat["blocked"] is True and ann["blocked"] is False
    assert (dave["seen"], dave["balance"], dave["spent"], dave["last_used"], dave["in_directory"]) == (
        False,
        None,
        0,
        None,
        True,
    )


def test_users_search_and_pages(store: Store, seeded) -> None:
    assert [r["id"] for r in reports.users(store, DIRECTORY, search="ANN").rows] == ["u-ann"]
    assert reports.users(store, DIRECTORY, search="example.COM").total == 4
    assert [r["id"] for r in reports.users(store, DIRECTORY, search="u-bob").rows] == ["u-bob"]
    assert reports.users(store, DIRECTORY, search="zzz").total == 0
    page = reports.users(store, DIRECTORY, page=2, page_size=3)
    assert ([r["id"] for r in page.rows], page.total, page.pages) == (["u-dave"], 4, 2)


def test_users_sort_by_balance_spend_and_last_use_on_either_backend(store: Store, clock) -> None:
    """The console's sorts: never-billed people last in both directions, spend summed over days, the last use
    ordered by the moment within a day (the day from the rollup, the moment read for the page's days only)."""
    people = [{"id": f"p{n}", "name": f"P{n}", "email": f"p{n}@x.io", "role": "user"} for n in range(5)]
    day = at("2026-11-20 00:00")
    plan = [("p0", day + 100, 50), ("p1", day + 5_000, 10), ("p2", day + 300, 30), ("p1", day - 86_400, 100)]
    with store.immediate():
        for n, balance in ((0, 7), (1, 3), (2, 5)):
            store.ensure_user(f"p{n}", f"P{n}", f"p{n}@x.io", "user")
            store.append_ledger(f"p{n}", "topup", balance, actor="a")
    for user, when, cost in plan:  # p1: most spent (110) over two days; p1 also last (day + 5,000)
        bill(store, clock, when, user, "m", (1, 1), cost)

    def order(sort: str, descending: bool, page_size: int = 5) -> list[str]:
        rows: list[str] = []
        for page in (1, 2, 3):
            found = reports.users(store, people, sort=sort, descending=descending, page=page, page_size=page_size)
            rows += [r["id"] for r in found.rows] if found.page == page else []
        return rows

    assert order("spend", True) == ["p1", "p0", "p2", "p3", "p4"]
    assert order("spend", False) == ["p2", "p0", "p1", "p3", "p4"]
    assert order("last", True, page_size=2) == ["p1", "p2", "p0", "p3", "p4"]
    assert order("last", False, page_size=2) == ["p0", "p2", "p1", "p3", "p4"]
    assert order("balance", True) == ["p0", "p2", "p1", "p3", "p4"]
    assert order("name", True) == ["p4", "p3", "p2", "p1", "p0"]
    with pytest.raises(InvalidSort):
        reports.users(store, people, sort="salary")


def test_price_list_names_every_source(store: Store) -> None:
    with store.immediate():
        store.set_price("gpt-4o", input_price=2_500_000, output_price=10_000_000)
        store.set_price("gone", per_msg_price=50_000)
    models = [
        {"id": "gpt-4o", "name": "GPT-4o"},
        {"id": "helper", "name": "Helper", "info": {"base_model_id": "gpt-4o"}},
        {"id": "or/x", "name": "OR X", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
        {"id": "ws-or", "name": "WS", "info": {"base_model_id": "or/x"}},
        {"id": "plain", "name": "plain"},
    ]
    fallback = pricing.defaults(60, 60, -1)
    rows = {r["model_id"]: r for r in reports.price_list(store, models, fallback)}
    assert list(rows) == ["gpt-4o", "helper", "or/x", "ws-or", "plain", "gone"]
    assert {k: r["price"].source for k, r in rows.items()} == {
        "gpt-4o": "admin",
        "helper": "admin:gpt-4o",
        "or/x": "connection",
        "ws-or": "connection:or/x",
        "plain": "default",
        "gone": "admin",
    }
    assert (rows["helper"]["price"].input, rows["helper"]["base_model_id"], rows["helper"]["admin"]) == (
        2_500_000,
        "gpt-4o",
        None,
    )
    assert (rows["or/x"]["price"].input, rows["or/x"]["price"].output) == (1_000_000, 2_000_000)
    assert rows["plain"]["price"] == fallback
    assert (rows["gone"]["listed"], rows["gone"]["price"].per_message) == (False, 50_000)
    assert rows["gpt-4o"]["admin"]["output_price"] == 10_000_000


def test_user_summary(store: Store, seeded) -> None:
    summary = reports.user_summary(store, "u-ann", [days("2026-10-25", "2026-10-25"), ALL])
    assert (summary["seen"], summary["balance"], summary["blocked"]) == (True, 10_000_000, False)
    assert [(p["calls"], p["cost"]) for p in summary["periods"]] == [(1, 9_000), (3, 135_000)]
    stranger = reports.user_summary(store, "u-new", [ALL])
    assert (stranger["seen"], stranger["balance"], stranger["periods"][0]["calls"]) == (False, None, 0)


# -- views ----------------------------------------------------------------------------------------------------

WEEK = ranges.parse("7d", now=at("2026-10-28T12:00"), tz=MADRID)


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def cells(line: str) -> list[str]:
    """Split a table row on the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def vega(markdown: str) -> list[dict]:
    """Every ```vega-lite block of an answer, parsed (each is one line of JSON)."""
    blocks = re.findall(r"```vega-lite\n(.*?)\n```", markdown, re.S)
    assert blocks, markdown
    return [json.loads(block) for block in blocks]


def test_range_titles_in_three_languages() -> None:
    assert views.range_title(WEEK, "en") == "Last 7 days (2026-10-22 – 2026-10-28)"
    assert views.range_title(WEEK, "zh") == "最近 7 天（2026-10-22 – 2026-10-28）"
    assert views.range_title(WEEK, "es") == "Últimos 7 días (2026-10-22 – 2026-10-28)"
    assert views.range_title(ALL, "en") == "All time"
    week = ranges.parse("week", now=at("2026-10-28T12:00"), tz=MADRID)
    assert views.range_title(week, "en") == "This week (2026-10-26 – 2026-10-28)"
    assert views.range_title(days("2026-10-01", "2026-10-01"), "en") == "2026-10-01"


def test_records_view_escapes_names_and_shows_money(store: Store, seeded) -> None:
    with store.immediate():
        store.ensure_user("u-ann", "Ann | Admin\n**bold** [x](http://e)", "ann@example.com", "admin")
    text = views.records(reports.records(store, ALL, user_id="u-ann"), ALL, "en", "$", MADRID)
    rows = table_rows(text)
    assert len(rows) == 2 + 3 and all(len(cells(line)) == 6 for line in rows)
    # `[` stays (Open WebUI draws \[...\] as math); the escaped `]` and the broken address stop the link
    assert "Ann \\| Admin \\*\\*bold\\*\\* [x\\](http:\u200b//e)" in rows[2]
    assert "2026-10-27 13:00" in rows[2] and "$0.0360" in rows[2] and "300+300" in rows[2]
    assert "Page 1 of 1 · 3 records" in text and "sorted by time, descending" in text


def test_by_model_view_has_a_table_a_share_and_a_pie(store: Store, seeded) -> None:
    text = views.by_model(reports.by_model(store, ALL), ALL, "en", "$")
    assert "| claude | 3 | 2,800 | 1,400 | $0.1860 | 65.3% |" in text
    (chart,) = vega(text)
    assert chart["title"] == "Cost by model" and chart["mark"]["type"] == "arc"
    # the legend says what the table says: the amount as money() prints it, and the share
    assert [v["name"] for v in chart["data"]["values"]] == ["claude · $0.1860 · 65.3%", "gpt-4o · $0.0990 · 34.7%"]
    assert [v["v"] for v in chart["data"]["values"]] == [186_000, 99_000]


def test_chart_labels_cannot_break_the_chart() -> None:
    evil = 'evil"\nmodel```%%{init}#quot;'
    slices = [reports.Slice(evil, 600_000), reports.Slice("b", 300_000), reports.Slice(reports.OTHERS, 10_000, 4)]
    text = views.distribution(slices, ALL, "es", "€")
    assert text.count("```") == 2  # the name's backticks did not open or close a block
    (chart,) = vega(text)
    names = [v["name"] for v in chart["data"]["values"]]
    assert names[0] == "evil\" model'''%%{init}#quot; · €0.6000 · 65.9%"
    assert names[2] == "Otros (4 modelos) · €0.0100 · 1.1%"


def test_by_day_view_draws_columns_of_cost(store: Store, seeded) -> None:
    rng = days("2026-10-24", "2026-10-27")
    text = views.by_day(reports.by_day(store, rng, MADRID), rng, "en", "$")
    (chart,) = vega(text)
    assert chart["title"] == "Cost per day ($)" and chart["mark"]["type"] == "bar"
    assert [v["x"] for v in chart["data"]["values"]] == ["10-24", "10-25", "10-26", "10-27"]
    assert [v["y"] for v in chart["data"]["values"]] == [0.09, 0.129, 0.03, 0.036]
    assert chart["encoding"]["x"]["axis"]["values"] == ["10-24", "10-25", "10-26", "10-27"]
    assert chart["encoding"]["y"]["title"] is None and chart["encoding"]["y"]["scale"]["domain"] == [0, 0.15]
    assert "| 2026-10-25 | 2 | 3,150 | $0.1290 |" in text
    assert "| **Total** | **6** | **5,860** | **$0.2850** |" in text
    autumn = days("2026-09-01", "2026-10-31")  # 61 days: a label each Monday
    (chart,) = vega(views.by_day(reports.by_day(store, autumn, MADRID), autumn, "en", "$"))
    assert len(chart["data"]["values"]) == 61
    mondays = ["09-07", "09-14", "09-21", "09-28", "10-05", "10-12", "10-19", "10-26"]
    assert chart["encoding"]["x"]["axis"]["values"] == mondays


def test_long_tables_say_how_many_rows_they_hide(store: Store, seeded) -> None:
    rows = [
        {"model_id": f"m{n}", "calls": 1, "input_tokens": 1, "output_tokens": 1, "cost": 100 + n} for n in range(60)
    ]
    text = views.by_model(rows, ALL, "en", "$", chart=False)
    assert len(table_rows(text)) == 2 + views.ROW_CAP and "… and 10 more not shown." in text
    month = days("2026-09-01", "2026-10-10")
    first = date(2026, 9, 1)
    busy = [
        {"day": first + timedelta(days=n), "unit": "day", "calls": 1, "input_tokens": 1, "output_tokens": 1, "cost": 10}
        for n in range(40)
    ]
    text = views.by_day(busy, month, "zh", "$")
    assert len(table_rows(text)) == 2 + views.DAY_ROWS + 1 and "更早的 9 行未在此显示" in text
    assert table_rows(text)[-1] == "| **合计** | **40** | **80** | **$0.0004** |"  # the total counts them all


@pytest.mark.parametrize("lang", ["en", "zh", "es"])
def test_empty_reports_say_so_in_every_language(store: Store, lang: str) -> None:
    empty = days("2020-01-01", "2020-01-07")
    outputs = [
        views.by_model(reports.by_model(store, empty), empty, lang, "$"),
        views.by_day(reports.by_day(store, empty, MADRID), empty, lang, "$"),
        views.report_card(reports.report_card(store, empty), empty, lang, "$"),
        views.records(reports.records(store, empty), empty, lang, "$", MADRID),
        views.distribution(reports.distribution(store, empty), empty, lang, "$"),
        views.ranking(reports.ranking(store, empty), empty, lang, "$"),
        views.totals(reports.totals(store, empty), empty, lang, "$"),
    ]
    for text in outputs:
        assert i18n.t(lang, "no_usage") in text and "|" not in text and "```" not in text


def test_report_card_and_ranking_views(store: Store, seeded) -> None:
    card = views.report_card(reports.report_card(store, ALL), ALL, "en", "$")
    assert "| Total cost | **$0.2850** |" in card
    assert "| Top spender | Bob (bob@example.com) · $0.1500 |" in card
    assert "| Most used model | claude · 3 replies |" in card
    ranking = views.ranking(reports.ranking(store, ALL, limit=1, user_id="u-cat"), ALL, "zh", "¥")
    assert "用户费用排行" in ranking and "| … |" in ranking and r"Cat \<b\>" in ranking


def test_users_and_price_views(store: Store, seeded) -> None:
    text = views.users(reports.users(store, DIRECTORY), "es", "$", MADRID)
    dave = next(line for line in table_rows(text) if "dave" in line)
    assert cells(dave)[3] == views.DASH and cells(dave)[-1] == "aún sin uso"
    bob = next(line for line in table_rows(text) if "Bob" in line)
    assert cells(bob)[-1] == "ya no está en Open WebUI"
    with store.immediate():
        store.set_price("gpt-4o", input_price=2_500_000, output_price=10_000_000)
    models = [
        {"id": "gpt-4o", "name": "GPT-4o"},
        {"id": "helper", "name": "Helper", "info": {"base_model_id": "gpt-4o"}},
    ]
    prices = views.price_list(reports.price_list(store, models, pricing.defaults(60, 60, -1)), "en", "$")
    assert "| GPT-4o · gpt-4o | $2.5000 | $10.0000 | — | — | set by an admin |" in prices
    assert "admin price of base model gpt-4o" in prices


def test_user_summary_view(store: Store, seeded) -> None:
    text = views.user_summary(reports.user_summary(store, "u-ann", [WEEK, ALL]), "zh", "$")
    assert text.startswith("**我的用量** · 余额 $10.0000")
    assert "| 全部时间 | 3 | 1,400 | 850 | $0.1350 |" in text
    new = views.user_summary(reports.user_summary(store, "u-new", [ALL]), "en", "$")
    assert "balance —" in new and "your balance is set at your first chat" in new


def test_every_string_the_views_use_exists_in_every_language() -> None:
    source = Path(views.__file__).read_text(encoding="utf-8")
    used = {key for key in re.findall(r'"(\w+)"', source) if key in i18n.MESSAGES["en"]}
    used |= {f"range_{k}" for k in ("today", "yesterday", "week", "month", "days", "all", "custom")}
    used |= {f"by_day_title_{u}" for u in ("day", "month", "year")} | {f"chart_cost_{u}" for u in ("day", "month")}
    used |= {f"col_{u}" for u in ("day", "month", "year")} | {f"sort_{s}" for s in reports.SORTS}
    used |= {"source_admin_base", "source_connection_base", "chart_share_calls", "invalid_sort"}
    assert len(used) > 60
    for lang in i18n.LANGUAGES:
        for key in sorted(used):
            assert key in i18n.MESSAGES[lang], (lang, key)
            assert placeholders(i18n.MESSAGES[lang][key]) == placeholders(i18n.MESSAGES["en"][key]), (lang, key)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
