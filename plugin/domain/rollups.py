"""Sums of usage over any time range, fast: the rollups that migration m002's triggers keep, plus raw usage at
the edges.

The rollups hold running sums per 15-minute slot, and per UTC day for each model and each user, bucketed as
`CAST(created_at AS INTEGER) / width` (integer division, so a bucket edge and a `created_at < edge` comparison
always agree). A range [start, end) is read as the whole buckets inside it, from a rollup, plus the partial buckets
at its edges, from `usage` itself: exact for any range in any time zone, while a year of a busy server is thousands
of rollup rows instead of millions of records. Per model and per user, a cut day is read as whole slots too (m008's
`usage_model_slots`, m007's `usage_user_slots`). One user's sums read the same way from m007's per-user rollups
(per slot, and per UTC day and model: `store/user_rollups_schema.py`), their edges from `usage_user_created`.

The statements are the store's (`store/reports.py`); which buckets and edges a range reads is decided here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..store import Store
from ..store.reports import reads
from .ranges import Range

SLOT = 900  # seconds per usage_slots row
DAY = 86_400  # seconds per usage_model_days / usage_user_days row (UTC days)
# "Unbounded" as numbers: multiples of both bucket widths (so they leave no raw edge), far beyond any timestamp.
LOW, HIGH = -DAY * 10**12, DAY * 10**12

TOTALS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost", "estimated_calls")
GROUPED = ("calls", "input_tokens", "output_tokens", "cost")


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
    edges: list[tuple[float, float]] = [(lo, first * width)] if lo < first * width else []
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
        return user_totals(store, lo, hi, user_id)
    slots, edges = split(lo, hi, SLOT)
    result = zero()
    if slots:
        add(result, reads(store).slot_totals(*slots) or {}, TOTALS)
    for edge in edges:
        add(result, reads(store).raw_totals(*edge) or {}, TOTALS)
    return result


def user_totals(store: Store, lo: float, hi: float, user_id: str) -> dict[str, int]:
    """One user's totals in [lo, hi): whole UTC days from usage_user_model_days, whole slots at the day edges from
    usage_user_slots, the rest (under 15 minutes at each slot edge) from their records; one statement."""
    days, day_edges = split(lo, hi, DAY)
    slots: list[tuple[int, int]] = []
    raw: list[tuple[float, float]] = []
    for day_lo, day_hi in day_edges:
        edge_slots, edges = split(day_lo, day_hi, SLOT)
        slots += [edge_slots] if edge_slots else []
        raw += edges
    row = reads(store).user_rolled_totals(user_id, days, slots, raw)
    return {key: int(row[key] or 0) for key in TOTALS}


def user_models(store: Store, rng: Range, user_id: str) -> dict[str, dict[str, int]]:
    """One user's sums per model: whole UTC days from usage_user_model_days, the two edges (under a day each)
    from their records; one statement."""
    days, edges = split(*span(rng), DAY)
    groups = {row["key"]: row for row in reads(store).user_rolled_models(user_id, days, edges)}
    return {k: {c: int(v[c] or 0) for c in GROUPED} for k, v in groups.items() if v["calls"]}


def grouped(store: Store, rng: Range, key: str) -> dict[str, dict[str, int]]:
    """Sums per model or per user over every record in the range: whole UTC days from the day rollups, whole slots
    of a cut day from the slot rollups (per model, m008's; per user, m007's), the rest (under 15 minutes at each
    end) from the records."""
    days, day_edges = split(*span(rng), DAY)
    rows = reads(store).grouped_days(key, *days) if days else []
    for day_edge in day_edges:
        slots, edges = split(*day_edge, SLOT)
        rows += reads(store).grouped_slots(key, *slots) if slots else []
        for edge in edges:
            rows += reads(store).grouped_raw(key, *edge)
    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        add(groups.setdefault(row["key"], zero(GROUPED)), row, GROUPED)
    return {k: v for k, v in groups.items() if v["calls"]}  # a rollup row can be left at 0 by deletions


def bucket_sums(
    store: Store, bounds: list[float], user_id: str | None, model_id: str | None = None
) -> list[dict[str, int]]:
    """Sums per [bounds[i], bounds[i+1]) (everyone's or one user's, of every model or one): each bucket's whole
    15-minute slots summed in SQL from the slot rollup (a range of its key per bucket: a year of slots is not carried
    into Python row by row), the rest (under a slot at each bucket edge) from the records. One user's records of
    one model have no slot rollup: their buckets are summed from those records alone (an index range each)."""
    sums = [zero(GROUPED) for _ in bounds[:-1]]
    slot_pieces: list[tuple[int, int, int]] = []  # (bucket, first slot, stop slot)
    raw_pieces: list[tuple[int, float, float]] = []  # (bucket, lo, hi)
    for i in range(len(sums)):
        if user_id is not None and model_id is not None:
            raw_pieces.append((i, bounds[i], bounds[i + 1]))
            continue
        slots, edges = split(bounds[i], bounds[i + 1], SLOT)
        slot_pieces += [(i, *slots)] if slots else []
        raw_pieces += [(i, lo, hi) for lo, hi in edges]
    rows = reads(store).slot_buckets(slot_pieces, user_id, model_id) if slot_pieces else []
    for row in rows + reads(store).bucket_sums(raw_pieces, user_id, model_id):
        add(sums[row["i"]], row, GROUPED)
    return sums


def mismatches(store: Store) -> list[str]:
    """Rollup rows that differ from the usage they summarise (an empty list means the triggers kept up)."""
    problems = []
    for table, (want_rows, got_rows) in reads(store).rollup_checks().items():
        want = {row.pop("k"): row for row in want_rows}
        got = {row.pop("k"): row for row in got_rows}
        got = {k: row for k, row in got.items() if any(row.values())}  # deletions may leave rows of zeros
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                problems.append(f"{table} {key}: rollup {got.get(key)} != usage {want.get(key)}")
    for row in reads(store).bound_misses():
        problems.append(f"usage_user_balance_days {row['k']}: bounds {row['low']}..{row['high']} miss {row['balance']}")
    return problems
