"""What the reports say, as plain data: totals, per model, per day, records, rankings, users and prices.

Every function takes the Store and, where time matters, a `ranges.Range` ([start, end) epoch seconds over
`usage.created_at`; None is unbounded) and runs on the store's thread (the caller's `store.run`). Money is integer
micro-units; `views.py` turns these into Markdown. Nothing typed by a user reaches SQL text: sorts map to fixed
fragments, values are parameters (the statements are the store's, `store/reports.py`).

Speed: sums over ranges come from `rollups.py` (the rollups m002's triggers keep, plus raw usage at a range's
edges), records are chosen in an index before their rows are read, and one person's reports read the covering index
`usage_user_created`; `bench/bench_reports.py` times them all at a million records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta, tzinfo
from typing import Any, NamedTuple

from ..errors import InvalidSort
from ..store import Store
from ..store.reports import RECORD_ORDERS, reads
from . import catalogue, pricing, rollups
from .ranges import Range, between, today

SORTS = ("time", "cost", "tokens", "balance")
RANK_BY = ("cost", "calls")
USER_SORTS = ("name", "balance", "spend", "last")
MAX_PAGE_SIZE = 100
MAX_DAYS = 366  # by_day: longer spans fold to months...
MAX_MONTHS = 120  # ...and longer still to years
STEER = 20_000  # records: above this many matches, a cost/tokens/balance sort walks its index instead of sorting
OTHERS = "others"  # distribution's folded slice: an i18n key, not a model id


class Page(NamedTuple):
    """One page of a longer list: `page` is the page actually shown (clamped to 1..pages)."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


class Slice(NamedTuple):
    """One slice of a distribution; `folded` counts the models inside an OTHERS slice (0 for a real model)."""

    label: str
    value: int
    folded: int = 0


# -- totals and groups --------------------------------------------------------------------------------------


def totals(store: Store, rng: Range, user_id: str | None = None) -> dict[str, int]:
    """Calls, input / output / cached / reasoning tokens, cost and estimated calls in the range (of everyone, or
    of one user)."""
    return rollups.totals(store, rng, user_id)


def by_model(store: Store, rng: Range, user_id: str | None = None) -> list[dict[str, Any]]:
    """Per model: model_id, calls, input_tokens, output_tokens, cost; by cost, then calls, descending."""
    if user_id is not None:
        groups = rollups.user_models(store, rng, user_id)
    else:
        groups = rollups.grouped(store, rng, "model_id")
    rows: list[dict[str, Any]] = [{"model_id": k, **{c: v[c] for c in rollups.GROUPED}} for k, v in groups.items()]
    rows.sort(key=lambda r: (-r["cost"], -r["calls"], r["model_id"]))
    return rows


def _names(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in reads(store).user_names(sorted(set(ids)))}


def ranking(
    store: Store, rng: Range, by: str = "cost", limit: int = 20, user_id: str | None = None
) -> list[dict[str, Any]]:
    """Users by cost or calls (rank, user_id, name, email, calls, tokens, cost), the top `limit` (1..1000).

    With `user_id`, that user's own row is appended when it falls below the top, so people can see where they
    stand; a user with no usage in the range has no rank.
    """
    if by not in RANK_BY:
        raise InvalidSort(text=by, choices=", ".join(RANK_BY))
    other = "calls" if by == "cost" else "cost"
    groups = rollups.grouped(store, rng, "user_id")
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1][by], -kv[1][other], kv[0]))
    limit = max(1, min(1000, limit))
    chosen = [(rank, uid, sums) for rank, (uid, sums) in enumerate(ordered, 1) if rank <= limit or uid == user_id]
    names = _names(store, (uid for _, uid, _ in chosen))
    return [
        {
            "rank": rank,
            "user_id": uid,
            "name": names.get(uid, {}).get("name", ""),
            "email": names.get(uid, {}).get("email", ""),
            **sums,
        }
        for rank, uid, sums in chosen
    ]


def report_card(store: Store, rng: Range) -> dict[str, Any]:
    """The admin's overview: cost, calls, tokens, active users, models used, the most used model (by calls) and
    the top spender (by cost); the last two are None for an empty range."""
    total = totals(store, rng)
    models = by_model(store, rng)
    users = rollups.grouped(store, rng, "user_id")
    top_model = min(models, key=lambda r: (-r["calls"], -r["cost"], r["model_id"]), default=None)
    spender = min(users.items(), key=lambda kv: (-kv[1]["cost"], -kv[1]["calls"], kv[0]), default=None)
    top_spender = None
    if spender:
        who = _names(store, [spender[0]]).get(spender[0], {})
        top_spender = {
            "user_id": spender[0],
            "name": who.get("name", ""),
            "email": who.get("email", ""),
            "cost": spender[1]["cost"],
            "calls": spender[1]["calls"],
        }
    return {
        "total_cost": total["cost"],
        "calls": total["calls"],
        "tokens": total["input_tokens"] + total["output_tokens"],
        "input_tokens": total["input_tokens"],
        "output_tokens": total["output_tokens"],
        "cached_tokens": total["cached_tokens"],
        "reasoning_tokens": total["reasoning_tokens"],
        "estimated_calls": total["estimated_calls"],
        "active_users": len(users),
        "models_used": len(models),
        "most_used_model": {"model_id": top_model["model_id"], "calls": top_model["calls"]} if top_model else None,
        "top_spender": top_spender,
    }


def fold(pairs: Iterable[tuple[str, int]], fold_below: float = 0.05) -> list[Slice]:
    """Largest first; slices under `fold_below` of the total become one OTHERS slice, but only when more than
    one would fold (a single small slice is shown as itself: "Others" naming one model would hide it)."""
    slices = sorted((Slice(label, value) for label, value in pairs if value > 0), key=lambda s: (-s.value, s.label))
    total = sum(s.value for s in slices)
    small = [s for s in slices if s.value < fold_below * total]
    if len(small) < 2:
        return slices
    kept = [s for s in slices if s.value >= fold_below * total]
    return [*kept, Slice(OTHERS, sum(s.value for s in small), len(small))]


def distribution(
    store: Store, rng: Range, by: str = "cost", fold_below: float = 0.05, user_id: str | None = None
) -> list[Slice]:
    """Each model's share of cost or calls in the range (see `fold`); zero values are left out."""
    if by not in RANK_BY:
        raise InvalidSort(text=by, choices=", ".join(RANK_BY))
    return fold(((r["model_id"], r[by]) for r in by_model(store, rng, user_id)), fold_below)


# -- per day ------------------------------------------------------------------------------------------------


def _periods(first: date, last: date) -> tuple[str, list[date]]:
    """The unit and the start date of each bucket from `first` to `last` (inclusive)."""
    if (last - first).days < MAX_DAYS:
        return "day", [first + timedelta(days=n) for n in range((last - first).days + 1)]
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months <= MAX_MONTHS:
        starts = [first]
        for n in range(1, months):
            y, m = divmod(first.month - 1 + n, 12)
            starts.append(date(first.year + y, m + 1, 1))
        return "month", starts
    return "year", [first] + [date(y, 1, 1) for y in range(first.year + 1, last.year + 1)]


def _data_days(store: Store, tz: tzinfo | None, now: float, user_id: str | None) -> tuple[date, date] | None:
    """For `all`: the first record's day to today (or to the last record's day, should a clock run ahead)."""
    lo, hi = reads(store).usage_edges(user_id)
    if not lo or lo["at"] is None or not hi:
        return None
    return today(lo["at"], tz), max(today(now, tz), today(hi["at"], tz))


def by_day(
    store: Store,
    rng: Range,
    tz: tzinfo | None,
    user_id: str | None = None,
    *,
    now: float | None = None,
    model_id: str | None = None,
) -> list[dict[str, Any]]:
    """One row per calendar day of the range in `tz` (None: the server's zone), days without usage included:
    day (the bucket's first date), unit, calls, input_tokens, output_tokens, cost; of everyone or one user, of
    every model or one (`model_id`).

    Midnights come from `ranges.between`, so days around a DST change are 23 or 25 hours long. `all` runs from
    the first record's day to today; an empty store gives []. Spans over 366 days fold to months (unit "month",
    day = the month's first date, or the range's first day for a partial first month), over 120 months to years.
    """
    if rng.first is not None and rng.last is not None:
        first, last = rng.first, rng.last
    else:
        found = _data_days(store, tz, store.clock() if now is None else now, user_id)
        if found is None:
            return []
        first, last = found
    unit, starts = _periods(first, last)
    bounds = [between(d, d, tz).start for d in starts] + [between(last, last, tz).end]
    sums = rollups.bucket_sums(store, bounds, user_id, model_id)  # type: ignore[arg-type]
    return [{"day": d, "unit": unit, **s} for d, s in zip(starts, sums, strict=True)]


# -- records ------------------------------------------------------------------------------------------------


def records(
    store: Store,
    rng: Range,
    *,
    user_id: str | None = None,
    model_id: str | None = None,
    sort: str = "time",
    descending: bool = True,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """Usage records in the range, optionally of one user and/or model, sorted by one of SORTS (anything else
    raises InvalidSort before any SQL), `page_size` clamped to 1..100 and `page` to 1..pages.

    Rows: id, created_at, user_id, user_name, user_email, model_id, input / output / cached / reasoning tokens,
    cost, balance_after, estimated, price_source, elapsed_ms, chat_id, message_id.
    """
    if (sort, bool(descending)) not in RECORD_ORDERS:
        raise InvalidSort(text=str(sort)[:40], choices=", ".join(SORTS))
    page_size = max(1, min(MAX_PAGE_SIZE, int(page_size)))
    lo, hi = rollups.span(rng)
    if user_id is None and model_id is None:
        total = totals(store, rng)["calls"]
    elif user_id is None:
        total = rollups.grouped(store, rng, "model_id").get(model_id, {}).get("calls", 0)  # type: ignore[arg-type]
    elif model_id is None:  # one user's rows, counted from their rollups
        total = rollups.user_totals(store, lo, hi, user_id)["calls"]
    else:
        total = rollups.user_models(store, rng, user_id).get(model_id, {}).get("calls", 0)
    pages = max(1, math.ceil(total / page_size))
    page = max(1, min(pages, int(page)))
    # Many records sorted by cost, tokens or balance: walk that sort's index (everyone's, the user's, the model's);
    # few: sort them (walking a sort index to find a narrow range's few records could pass all of a user's).
    steer = sort != "time" and total > STEER
    bound_days = None
    if steer and sort == "balance" and user_id is not None:  # a user's balances follow time: seek to the range's
        bound_days = (math.floor(lo) // rollups.DAY, (math.ceil(hi) - 1) // rollups.DAY + 1)
    rows = reads(store).record_page(
        lo,
        hi,
        user_id=user_id,
        model_id=model_id,
        sort=sort,
        descending=bool(descending),
        steer=steer,
        limit=page_size,
        offset=(page - 1) * page_size,
        bound_days=bound_days,
    )
    for row in rows:
        row["estimated"] = bool(row["estimated"])
    return Page(rows, total, page, page_size)


# -- people and prices --------------------------------------------------------------------------------------


def users(
    store: Store,
    directory: Iterable[Mapping[str, Any]],
    search: str = "",
    page: int = 1,
    page_size: int = 20,
    *,
    sort: str = "name",
    descending: bool = False,
) -> Page:
    """Everyone Open WebUI knows (`directory`: dicts with id, name, email, role) merged with our users table,
    plus anyone we billed who is no longer in the directory; sorted by one of USER_SORTS (name, then email, breaks
    ties; anything else raises InvalidSort), people never billed last whichever the direction.

    Rows: id, name, email, role, seen (billed at least once), balance (None when not yet seen: the initial
    balance is granted at the first chat), blocked, spent (all time, micro-units), last_used (epoch or None),
    in_directory. `search` is a case-insensitive substring of name or email (or the exact id).
    """
    ours = {row["id"]: row for row in reads(store).user_rows()}
    merged: dict[str, dict[str, Any]] = {}
    for person in directory:
        uid = str(person.get("id") or "")
        if uid and uid not in merged:
            merged[uid] = {
                "id": uid,
                "name": str(person.get("name") or ""),
                "email": str(person.get("email") or ""),
                "role": str(person.get("role") or "user"),
                "in_directory": True,
            }
    for uid, row in ours.items():
        if uid not in merged:
            merged[uid] = {k: row[k] for k in ("id", "name", "email", "role")} | {"in_directory": False}
    needle = search.strip().casefold()
    found = [
        p
        for p in merged.values()
        if not needle or needle in p["name"].casefold() or needle in p["email"].casefold() or needle == p["id"]
    ]
    if sort not in USER_SORTS:
        raise InvalidSort(text=str(sort)[:40], choices=", ".join(USER_SORTS))
    found.sort(
        key=lambda p: (p["name"].casefold(), p["email"].casefold(), p["id"]), reverse=descending and sort == "name"
    )
    page_size = max(1, min(MAX_PAGE_SIZE, int(page_size)))
    pages = max(1, math.ceil(len(found) / page_size))
    page = max(1, min(pages, int(page)))
    if sort != "name":
        found = _sorted_by_use(store, found, ours, sort, descending, (page - 1) * page_size, page * page_size)
    rows = found[(page - 1) * page_size : page * page_size]
    usage = {r["id"]: r for r in reads(store).page_usage([r["id"] for r in rows])}
    for row in rows:
        mine = ours.get(row["id"])
        row["seen"] = mine is not None
        row["balance"] = mine["balance"] if mine else None
        row["blocked"] = bool(mine and mine["blocked"])
        row["spent"] = usage[row["id"]]["cost"]
        row["last_used"] = usage[row["id"]]["at"]
    return Page(rows, len(found), page, page_size)


def _sorted_by_use(
    store: Store,
    people: list[dict[str, Any]],
    ours: Mapping[str, Mapping[str, Any]],
    sort: str,
    descending: bool,
    start: int,
    end: int,
) -> list[dict[str, Any]]:
    """`people` (in name order) by balance, all-time spend or last use; those without a value (never billed,
    never used) follow the rest in name order either way. Spend and the day of last use come from the per-day
    rollups in one grouped read; the exact last moment is read (an index seek each) only for the people whose last
    day is one of the days the page [start, end) shows, so that order within a day is exact too."""
    if sort == "balance":
        keyed = [(p, ours[p["id"]]["balance"] if p["id"] in ours else None) for p in people]
    else:
        used = {row["user_id"]: row for row in reads(store).user_spend()}
        field = "cost" if sort == "spend" else "day"
        keyed = [(p, used[p["id"]][field] if p["id"] in used else None) for p in people]
    valued = [(p, int(value)) for p, value in keyed if value is not None]
    valued.sort(key=lambda pair: pair[1], reverse=descending)  # stable: name order among equals
    ordered = [p for p, _ in valued] + [p for p, value in keyed if value is None]
    if sort == "last":
        days = {value for _, value in valued[start:end]}
        close = [p for p, value in valued if value in days]
        exact: dict[str, float] = {}
        for n in range(0, len(close), 500):  # statement size bounded, whatever the number of people
            exact.update(
                {r["id"]: r["at"] or 0.0 for r in reads(store).page_usage([p["id"] for p in close[n : n + 500]])}
            )
        moment = {p["id"]: (day, exact.get(p["id"], 0.0)) for p, day in valued}
        ordered = sorted((p for p, _ in valued), key=lambda p: moment[p["id"]], reverse=descending)
        ordered += [p for p, value in keyed if value is None]
    return ordered


def price_list(store: Store, models: Iterable[Mapping[str, Any]], fallback: pricing.Price) -> list[dict[str, Any]]:
    """For each Open WebUI model (the merged list, in its order) the price billing would use now and where it
    comes from (`pricing.resolve`), plus the admin-set row if any; then admin rows for models no longer listed.

    Rows: model_id, name, base_model_id, price (a pricing.Price; price.source names the source), admin (the
    prices row or None), listed.
    """
    listed = [m for m in models if isinstance(m, Mapping) and m.get("id")]
    by_id = {str(m["id"]): m for m in listed}
    admin = {row["model_id"]: row for row in store.all_prices()}
    rows = []
    for model_id in [*by_id, *sorted(set(admin) - set(by_id))]:
        model = by_id.get(model_id)
        price = pricing.resolve(
            model_id,
            model,
            admin_price=admin.get,
            lookup_model=by_id.get,
            fallback=fallback,
            catalogue=catalogue.price_for,
        )
        rows.append(
            {
                "model_id": model_id,
                "name": str((model or {}).get("name") or (admin.get(model_id) or {}).get("name") or model_id),
                "base_model_id": pricing.base_model_id(model, admin.get(model_id)),
                "price": price,
                "admin": admin.get(model_id),
                "listed": model is not None,
            }
        )
    return rows


def user_summary(store: Store, user_id: str, periods: Sequence[Range]) -> dict[str, Any]:
    """The plain `/usage` answer: balance (None when not yet seen), blocked, and the user's totals per range."""
    row = store.get_user(user_id)
    return {
        "user_id": user_id,
        "seen": row is not None,
        "balance": row["balance"] if row else None,
        "blocked": bool(row and row["blocked"]),
        "periods": [{"range": rng, **totals(store, rng, user_id)} for rng in periods],
    }


def rollup_mismatches(store: Store) -> list[str]:
    """Rollup rows that differ from the usage they summarise (an empty list means the triggers kept up)."""
    return rollups.mismatches(store)
