"""Sums of usage over any time range, fast: the rollups that migration m002's triggers keep, plus raw usage at
the edges.

The rollups hold running sums per 15-minute slot, and per UTC day for each model and each user, bucketed as
`CAST(created_at AS INTEGER) / width` (integer division, so a bucket edge and a `created_at < edge` comparison
always agree). A range [start, end) is read as the whole buckets inside it, from a rollup, plus the partial buckets
at its edges, from `usage` itself: exact for any range in any time zone, while a year of a busy server is thousands
of rollup rows instead of millions of records. One user's sums read `usage_user_created`, an index holding every
column they need.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from ..store.sqlite import Store
from .ranges import Range

SLOT = 900  # seconds per usage_slots row
DAY = 86_400  # seconds per usage_model_days / usage_user_days row (UTC days)
# "Unbounded" as numbers: multiples of both bucket widths (so they leave no raw edge), far beyond any timestamp.
LOW, HIGH = -DAY * 10**12, DAY * 10**12

TOTALS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost", "estimated_calls")
GROUPED = ("calls", "input_tokens", "output_tokens", "cost")

_RAW_TOTALS = (
    "SELECT COUNT(*) AS calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,"
    " COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cached_tokens), 0) AS cached_tokens,"
    " COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, COALESCE(SUM(cost), 0) AS cost,"
    " COALESCE(SUM(estimated), 0) AS estimated_calls FROM usage"
)
_RAW_USER_TOTALS = _RAW_TOTALS + " WHERE user_id = ? AND created_at >= ? AND created_at < ?"
_SLOT_TOTALS = (
    "SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,"
    " COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cached_tokens), 0) AS cached_tokens,"
    " COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, COALESCE(SUM(cost), 0) AS cost,"
    " COALESCE(SUM(estimated), 0) AS estimated_calls FROM usage_slots WHERE slot >= ? AND slot < ?"
)
GROUP_SUMS = (
    "COUNT(*) AS calls, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost) AS cost"
)
_ROLLUP_SUMS = (
    "SUM(calls) AS calls, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost) AS cost"
)
# Group key -> (raw query over one span, rollup query over whole UTC days); fixed text, chosen by our own code.
_GROUPS = {
    "model_id": (
        f"SELECT model_id AS key, {GROUP_SUMS} FROM usage WHERE created_at >= ? AND created_at < ? GROUP BY model_id",
        f"SELECT model_id AS key, {_ROLLUP_SUMS} FROM usage_model_days WHERE day >= ? AND day < ? GROUP BY model_id",
    ),
    "user_id": (
        f"SELECT user_id AS key, {GROUP_SUMS} FROM usage WHERE created_at >= ? AND created_at < ? GROUP BY user_id",
        f"SELECT user_id AS key, {_ROLLUP_SUMS} FROM usage_user_days WHERE day >= ? AND day < ? GROUP BY user_id",
    ),
}
# Sums per bucket over raw usage, the buckets given as VALUES rows (i, lo, hi); {values} is only placeholders.
_RAW_BUCKETS = (
    "WITH b(i, lo, hi) AS (VALUES {values}) SELECT b.i AS i, " + GROUP_SUMS + " FROM b JOIN usage u"
    " ON u.created_at >= b.lo AND u.created_at < b.hi GROUP BY b.i"
)
_RAW_USER_BUCKETS = _RAW_BUCKETS.replace(" ON ", " ON u.user_id = ? AND ")
_CHUNK = 250  # buckets per statement: 3 parameters each stays under old SQLite's 999-parameter limit


def span(rng: Range) -> tuple[float, float]:
    """The range as two numbers, unbounded ends as LOW and HIGH."""
    return (LOW if rng.start is None else rng.start, HIGH if rng.end is None else rng.end)


def split(lo: float, hi: float, width: int) -> tuple[tuple[int, int] | None, list[tuple[float, float]]]:
    """[lo, hi) as whole buckets [first, stop) of `width` seconds, plus the raw spans left at its edges.

    Buckets are `CAST(created_at AS INTEGER) / width`, like the triggers': integer floor division, so a bucket
    edge and a `created_at < edge` comparison always agree.
    """
    first = -(-math.ceil(lo) // width)
    stop = math.floor(hi) // width
    if first >= stop:
        return None, [(lo, hi)] if lo < hi else []
    edges = [(lo, first * width)] if lo < first * width else []
    if stop * width < hi:
        edges.append((stop * width, hi))
    return (first, stop), edges


def zero(keys: Sequence[str] = TOTALS) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def add(into: dict[str, int], row: Mapping[str, Any], keys: Sequence[str]) -> None:
    for key in keys:
        into[key] += row[key] or 0


def totals(store: Store, rng: Range, user_id: str | None = None) -> dict[str, int]:
    """Calls, input / output / cached / reasoning tokens, cost and estimated calls in the range."""
    lo, hi = span(rng)
    if user_id is not None:
        return store.one(_RAW_USER_TOTALS, (user_id, lo, hi))  # type: ignore[return-value]
    slots, edges = split(lo, hi, SLOT)
    result = zero()
    if slots:
        add(result, store.one(_SLOT_TOTALS, slots) or {}, TOTALS)
    for edge in edges:
        add(result, store.one(_RAW_TOTALS + " WHERE created_at >= ? AND created_at < ?", edge) or {}, TOTALS)
    return result


def grouped(store: Store, rng: Range, key: str) -> dict[str, dict[str, int]]:
    """Sums per model or per user over every record in the range (rollup days plus raw edges)."""
    raw_sql, day_sql = _GROUPS[key]
    days, edges = split(*span(rng), DAY)
    rows = store.query(day_sql, days) if days else []
    for edge in edges:
        rows += store.query(raw_sql, edge)
    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        add(groups.setdefault(row["key"], zero(GROUPED)), row, GROUPED)
    return {k: v for k, v in groups.items() if v["calls"]}  # a rollup row can be left at 0 by deletions


def bucket_sums(store: Store, bounds: list[float], user_id: str | None) -> list[dict[str, int]]:
    """Sums per [bounds[i], bounds[i+1]): whole 15-minute slots from the rollup, the rest from raw usage
    (everything, for one user: their index holds every column needed)."""
    sums = [zero(GROUPED) for _ in bounds[:-1]]
    raw: list[tuple[float, float]] = []
    if user_id is not None:
        raw.append((bounds[0], bounds[-1]))
    else:
        slots, raw = split(bounds[0], bounds[-1], SLOT)
        if slots:
            rows = store.query(
                "SELECT slot, calls, input_tokens, output_tokens, cost FROM usage_slots"
                " WHERE slot >= ? AND slot < ? AND calls != 0",
                slots,
            )
            for row in rows:
                lo = row["slot"] * SLOT
                i = bisect_right(bounds, lo) - 1
                if lo + SLOT <= bounds[i + 1]:
                    add(sums[i], row, GROUPED)
                else:  # a slot across a midnight: only in a zone whose offset is not whole quarter-hours
                    raw.append((lo, lo + SLOT))
    pieces = []  # (bucket, lo, hi): each raw span cut at the bucket bounds it crosses
    for lo, hi in raw:
        i = max(0, bisect_right(bounds, lo) - 1)
        while i < len(sums) and bounds[i] < hi:
            pieces.append((i, max(lo, bounds[i]), min(hi, bounds[i + 1])))
            i += 1
    for n in range(0, len(pieces), _CHUNK):
        chunk = pieces[n : n + _CHUNK]
        values = ", ".join("(?, ?, ?)" for _ in chunk)  # only the number of buckets shapes the text
        params = [value for piece in chunk for value in piece]
        sql = _RAW_BUCKETS if user_id is None else _RAW_USER_BUCKETS
        for row in store.query(sql.format(values=values), [*params, user_id] if user_id is not None else params):
            add(sums[row["i"]], row, GROUPED)
    return sums


def mismatches(store: Store) -> list[str]:
    """Rollup rows that differ from the usage they summarise (an empty list means the triggers kept up)."""
    checks = {
        "usage_slots": (
            "SELECT CAST(created_at AS INTEGER) / 900 AS k, COUNT(*) AS calls, SUM(input_tokens) AS input_tokens,"
            " SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens,"
            " SUM(reasoning_tokens) AS reasoning_tokens, SUM(estimated) AS estimated, SUM(cost) AS cost"
            " FROM usage GROUP BY 1",
            "SELECT slot AS k, calls, input_tokens, output_tokens, cached_tokens, reasoning_tokens, estimated, cost"
            " FROM usage_slots",
        ),
        "usage_model_days": (
            f"SELECT (CAST(created_at AS INTEGER) / 86400) || ' ' || model_id AS k, {GROUP_SUMS} FROM usage"
            " GROUP BY CAST(created_at AS INTEGER) / 86400, model_id",
            f"SELECT day || ' ' || model_id AS k, {_ROLLUP_SUMS} FROM usage_model_days GROUP BY day, model_id",
        ),
        "usage_user_days": (
            f"SELECT (CAST(created_at AS INTEGER) / 86400) || ' ' || user_id AS k, {GROUP_SUMS} FROM usage"
            " GROUP BY CAST(created_at AS INTEGER) / 86400, user_id",
            f"SELECT day || ' ' || user_id AS k, {_ROLLUP_SUMS} FROM usage_user_days GROUP BY day, user_id",
        ),
    }
    problems = []
    for table, (want_sql, got_sql) in checks.items():
        want = {row.pop("k"): row for row in store.query(want_sql)}
        got = {row.pop("k"): row for row in store.query(got_sql)}
        got = {k: row for k, row in got.items() if any(row.values())}  # deletions may leave rows of zeros
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                problems.append(f"{table} {key}: rollup {got.get(key)} != usage {want.get(key)}")
    return problems
