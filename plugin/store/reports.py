"""The reports' reads: sums of usage (raw, or from the rollups of m002, m007 and m008), pages of records (their
walks started by m009's bounds and indexes), people.

Only statements live here; what to sum over which range, and how to fold and sort it, is `domain/rollups.py`'s
and `domain/reports.py`'s. Nothing typed by a user reaches SQL text: sorts map to fixed fragments, values are
parameters, and a statement's shape depends only on how many values it takes.

Rollup buckets are `CAST(created_at AS INTEGER) / width` (900 s slots, 86 400 s UTC days), as the triggers write
them (`sqlite_schema.py`, `postgres_schema.py`, and the steps' own modules: `user_rollups_schema.py`,
`model_slots_schema.py`, `record_seeks_schema.py`).
"""

from __future__ import annotations

from typing import Any

from .engine import Reader, ReadRecords

_RAW_TOTALS = (
    "SELECT COUNT(*) AS calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,"
    " COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cached_tokens), 0) AS cached_tokens,"
    " COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, COALESCE(SUM(cost), 0) AS cost,"
    " COALESCE(SUM(estimated), 0) AS estimated_calls FROM usage"
)
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
# Group key -> (raw query over one span, rollup query over whole UTC days, rollup query over whole slots); fixed
# text, chosen by our own code. Per user, the slots are m007's per-user rollup, read for each user with a day row
# in the slots' UTC days (a seek per user: that table is keyed by user first).
_GROUPS = {
    "model_id": (
        f"SELECT model_id AS key, {GROUP_SUMS} FROM usage WHERE created_at >= ? AND created_at < ? GROUP BY model_id",
        f"SELECT model_id AS key, {_ROLLUP_SUMS} FROM usage_model_days WHERE day >= ? AND day < ? GROUP BY model_id",
        f"SELECT model_id AS key, {_ROLLUP_SUMS} FROM usage_model_slots WHERE slot >= ? AND slot < ? GROUP BY model_id",
    ),
    "user_id": (
        f"SELECT user_id AS key, {GROUP_SUMS} FROM usage WHERE created_at >= ? AND created_at < ? GROUP BY user_id",
        f"SELECT user_id AS key, {_ROLLUP_SUMS} FROM usage_user_days WHERE day >= ? AND day < ? GROUP BY user_id",
        f"SELECT user_id AS key, {_ROLLUP_SUMS} FROM usage_user_slots"
        " WHERE user_id IN (SELECT user_id FROM usage_user_days WHERE day >= ? AND day < ?)"
        " AND slot >= ? AND slot < ? GROUP BY user_id",
    ),
}
# Sums per bucket, the buckets given as VALUES rows (i, lo, hi) ({values} is only placeholders), each sum a
# subquery per bucket: an index range per bucket on both backends. (A join of the buckets to the rows by range let
# PostgreSQL's planner scan all of a user's rows once per bucket, 130 ms for the heavy user's 90 days at 1M records;
# one SELECT per bucket joined by UNION ALL, 25-35 ms, as it ran them in parallel workers; these subqueries, 7 ms.)
# The user and the model, when there are, are the first two parameters (p.u, p.m).
_RAW_BUCKETS = (
    "WITH p(u, m) AS (SELECT ?, ?), b(i, lo, hi) AS (VALUES {values}) SELECT b.i AS i,"
    " (SELECT COUNT(*) FROM usage WHERE created_at >= b.lo AND created_at < b.hi{user}) AS calls,"
    " (SELECT SUM(input_tokens) FROM usage WHERE created_at >= b.lo AND created_at < b.hi{user}) AS input_tokens,"
    " (SELECT SUM(output_tokens) FROM usage WHERE created_at >= b.lo AND created_at < b.hi{user}) AS output_tokens,"
    " (SELECT SUM(cost) FROM usage WHERE created_at >= b.lo AND created_at < b.hi{user}) AS cost FROM b, p"
)
_SLOT_BUCKETS = (
    "WITH p(u, m) AS (SELECT ?, ?), b(i, lo, hi) AS (VALUES {values}) SELECT b.i AS i,"
    " (SELECT SUM(calls) FROM {table} WHERE slot >= b.lo AND slot < b.hi{user}) AS calls,"
    " (SELECT SUM(input_tokens) FROM {table} WHERE slot >= b.lo AND slot < b.hi{user}) AS input_tokens,"
    " (SELECT SUM(output_tokens) FROM {table} WHERE slot >= b.lo AND slot < b.hi{user}) AS output_tokens,"
    " (SELECT SUM(cost) FROM {table} WHERE slot >= b.lo AND slot < b.hi{user}) AS cost FROM b, p"
)
# (raw or slots, whose: everyone's, a user's, a model's, a user's of one model) -> the statement; fixed text, only
# {values} left to fill. A user's records of one model have no slot rollup: their buckets read those records only,
# an index range of (user, model, time) each (`usage_user_model_created`, covering).
_WHOSE = {"all": "", "user": " AND user_id = p.u", "model": " AND model_id = p.m"}
_BUCKET_SQL = {
    **{("raw", whose): _RAW_BUCKETS.replace("{user}", cond) for whose, cond in _WHOSE.items()},
    ("raw", "user_model"): _RAW_BUCKETS.replace("{user}", " AND user_id = p.u AND model_id = p.m"),
    ("slots", "all"): _SLOT_BUCKETS.replace("{user}", "").replace("{table}", "usage_slots"),
    ("slots", "user"): _SLOT_BUCKETS.replace("{user}", _WHOSE["user"]).replace("{table}", "usage_user_slots"),
    ("slots", "model"): _SLOT_BUCKETS.replace("{user}", _WHOSE["model"]).replace("{table}", "usage_model_slots"),
}
_CHUNK = 250  # keys per statement: 2 or 3 parameters each stays under old SQLite's 999-parameter limit

# One user's sums from the per-user rollups of m007 (`store/user_rollups_schema.py`), each in one statement (one
# round trip to a database server) of fixed text: the pieces a range splits into are parameters, an absent piece an
# empty span. Totals: whole UTC days, then whole slots at each day edge, then raw records at each slot edge.
_PARTS = (
    "SUM(calls) AS calls, SUM(input_tokens) AS i, SUM(output_tokens) AS o, SUM(cached_tokens) AS c,"
    " SUM(reasoning_tokens) AS r, SUM(cost) AS cost, SUM(estimated) AS e"
)
_RAW_PARTS = _PARTS.replace("SUM(calls)", "COUNT(*)")
_USER_ROLLED_TOTALS = (
    "SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(i), 0) AS input_tokens,"
    " COALESCE(SUM(o), 0) AS output_tokens, COALESCE(SUM(c), 0) AS cached_tokens,"
    " COALESCE(SUM(r), 0) AS reasoning_tokens, COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM(e), 0) AS estimated_calls"
    f" FROM (SELECT {_PARTS} FROM usage_user_model_days WHERE user_id = :user_id AND day >= :d0 AND day < :d1"
    f" UNION ALL SELECT {_PARTS} FROM usage_user_slots WHERE user_id = :user_id AND slot >= :s0 AND slot < :t0"
    f" UNION ALL SELECT {_PARTS} FROM usage_user_slots WHERE user_id = :user_id AND slot >= :s1 AND slot < :t1"
    f" UNION ALL SELECT {_RAW_PARTS} FROM usage WHERE user_id = :user_id AND created_at >= :r0 AND created_at < :q0"
    f" UNION ALL SELECT {_RAW_PARTS} FROM usage WHERE user_id = :user_id AND created_at >= :r1 AND created_at < :q1"
    f" UNION ALL SELECT {_RAW_PARTS} FROM usage WHERE user_id = :user_id AND created_at >= :r2 AND created_at < :q2"
    f" UNION ALL SELECT {_RAW_PARTS} FROM usage WHERE user_id = :user_id AND created_at >= :r3 AND created_at < :q3"
    ") parts"
)
# Per model: whole UTC days from usage_user_model_days, the raw records of the two edges (under a day each).
# The edges group by `model_id || ''`, which no index can give in order: grouping by model_id itself, the planner
# walked all of the user's records in usage_user_model_created (which holds every summed column) rather than
# the edge's few in usage_user_created (80 ms at 5M records, where this is under 2).
_USER_ROLLED_MODELS = (
    f"SELECT key, {_ROLLUP_SUMS} FROM (SELECT model_id AS key, {_ROLLUP_SUMS} FROM usage_user_model_days"
    " WHERE user_id = :user_id AND day >= :d0 AND day < :d1 GROUP BY model_id"
    f" UNION ALL SELECT model_id || '' AS key, {GROUP_SUMS} FROM usage"
    " WHERE user_id = :user_id AND created_at >= :r0 AND created_at < :q0 GROUP BY 1"
    f" UNION ALL SELECT model_id || '' AS key, {GROUP_SUMS} FROM usage"
    " WHERE user_id = :user_id AND created_at >= :r1 AND created_at < :q1 GROUP BY 1"
    ") parts GROUP BY key"
)
# Per bucket (i, first slot, stop slot): one user's whole slots. {values} is only placeholders.
_EMPTY = (0, 0)  # an absent piece: an empty span

# Each rollup table: (its sums recomputed from usage, its own rows), both keyed by k.
_ROLLUP_CHECKS = {
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
    "usage_user_slots": (
        "SELECT user_id || ' ' || (CAST(created_at AS INTEGER) / 900) AS k, COUNT(*) AS calls,"
        " SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens,"
        " SUM(reasoning_tokens) AS reasoning_tokens, SUM(estimated) AS estimated, SUM(cost) AS cost"
        " FROM usage GROUP BY user_id, CAST(created_at AS INTEGER) / 900",
        "SELECT user_id || ' ' || slot AS k, calls, input_tokens, output_tokens, cached_tokens, reasoning_tokens,"
        " estimated, cost FROM usage_user_slots",
    ),
    "usage_user_model_days": (
        "SELECT user_id || ' ' || (CAST(created_at AS INTEGER) / 86400) || ' ' || model_id AS k, COUNT(*) AS calls,"
        " SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens,"
        " SUM(reasoning_tokens) AS reasoning_tokens, SUM(estimated) AS estimated, SUM(cost) AS cost"
        " FROM usage GROUP BY user_id, CAST(created_at AS INTEGER) / 86400, model_id",
        "SELECT user_id || ' ' || day || ' ' || model_id AS k, calls, input_tokens, output_tokens, cached_tokens,"
        " reasoning_tokens, estimated, cost FROM usage_user_model_days",
    ),
    "usage_model_slots": (
        f"SELECT (CAST(created_at AS INTEGER) / 900) || ' ' || model_id AS k, {GROUP_SUMS} FROM usage"
        " GROUP BY CAST(created_at AS INTEGER) / 900, model_id",
        f"SELECT slot || ' ' || model_id AS k, {_ROLLUP_SUMS} FROM usage_model_slots GROUP BY slot, model_id",
    ),
}

_BOUND_MISSES = (
    "SELECT u.user_id || ' ' || u.day AS k, u.balance_after AS balance, b.low AS low, b.high AS high FROM"
    " (SELECT user_id, CAST(created_at AS INTEGER) / 86400 AS day, balance_after FROM usage) u"
    " LEFT JOIN usage_user_balance_days b ON b.user_id = u.user_id AND b.day = u.day"
    " WHERE b.user_id IS NULL OR u.balance_after < b.low OR u.balance_after > b.high LIMIT 20"
)

# records: (sort, descending) -> ORDER BY text. Ties fall back to time, then id, so pages never overlap; each
# order matches an index of m002 (or usage_created), so a large range is walked in order, not sorted.
RECORD_ORDERS = {
    ("time", True): "u.created_at DESC, u.id DESC",
    ("time", False): "u.created_at ASC, u.id ASC",
    ("cost", True): "u.cost DESC, u.created_at DESC, u.id DESC",
    ("cost", False): "u.cost ASC, u.created_at ASC, u.id ASC",
    ("tokens", True): "u.input_tokens + u.output_tokens DESC, u.created_at DESC, u.id DESC",
    ("tokens", False): "u.input_tokens + u.output_tokens ASC, u.created_at ASC, u.id ASC",
    ("balance", True): "u.balance_after DESC, u.created_at DESC, u.id DESC",
    ("balance", False): "u.balance_after ASC, u.created_at ASC, u.id ASC",
}
# A page sorted by cost, tokens or balance is found one of two ways, chosen by how many records match (`steer`):
# - steered (many): walk the sort's own index (usage_cost, usage_user_cost, usage_model_cost, ...), which holds
#   created_at (and model_id, in a user's) so records outside the range or of another model are skipped in the
#   index. The range's and the model's terms are written so that no index can serve them (`+x`, `x || ''`), which
#   leaves the planner the sort's index alone;
# - plain (few): read the range through the filter's index and sort it. The sort's leading term gets a unary `+`,
#   so no index can give the order and the planner does not walk a sort index past the whole user or model to find
#   a narrow range's few records.
_RANGE = ("u.created_at >= :lo AND u.created_at < :hi", "+u.created_at >= :lo AND +u.created_at < :hi")
_FILTERS = {"user_id": "u.user_id = :user_id", "model_id": "u.model_id = :model_id"}
# Many records of one user and one model: by cost or tokens, in m009's (user, model, cost | tokens) indexes; by
# balance, in the user's own index from the range's bound, the model picked out in the index.
_STEERED_MODEL = "u.model_id || '' = :model_id"
# A user's walk by balance starts at the bound of the range's balances (m009's usage_user_balance_days, over the UTC
# days :first_day..:stop_day): a seek in usage_user_balance past the records of other times, which a balance sort
# otherwise passes one by one. Read in the page's own statement, so that both see one snapshot (a Continue committed
# between two statements could lower a balance past a bound read before it). No bounds row: no record there.
_BALANCE_BOUND = {
    True: "u.balance_after <= COALESCE((SELECT MAX(b.high) FROM usage_user_balance_days b WHERE b.user_id = :user_id"
    " AND b.day >= :first_day AND b.day < :stop_day), -9223372036854775807)",
    False: "u.balance_after >= COALESCE((SELECT MIN(b.low) FROM usage_user_balance_days b WHERE b.user_id = :user_id"
    " AND b.day >= :first_day AND b.day < :stop_day), 9223372036854775807)",
}
# A page is chosen by id first, in an index alone where one covers the filter and the sort (usage_user_created,
# usage_model_created, or a sort index), and only its rows are read in full.
_RECORDS = (
    "WITH chosen AS (SELECT u.id FROM usage u WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset)"
    " SELECT u.id, u.created_at, u.user_id, COALESCE(p.name, '') AS user_name, COALESCE(p.email, '') AS user_email,"
    " u.model_id, u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens, u.cost, u.balance_after,"
    " u.estimated, u.price_source, u.elapsed_ms, u.chat_id, u.message_id"
    " FROM chosen JOIN usage u ON u.id = chosen.id LEFT JOIN users p ON p.id = u.user_id ORDER BY {order}"
)

# All-time spend and last use of each person on a page, in one statement (one round trip to a database server);
# each subquery is an index seek per person. {values} is only placeholders.
_PAGE_USAGE = (
    "WITH p(id) AS (VALUES {values}) SELECT p.id AS id,"
    " (SELECT COALESCE(SUM(d.cost), 0) FROM usage_user_days d WHERE d.user_id = p.id) AS cost,"
    " (SELECT MAX(u.created_at) FROM usage u WHERE u.user_id = p.id) AS at FROM p"
)

# A statement's ledger: the sum before the month as one row, then the month's rows (ledger_user narrows to the user).
_LEDGER_MONTH = (
    "SELECT 0 AS part, 0 AS id, 'opening' AS kind, COALESCE(SUM(amount), 0) AS amount, '' AS actor, '' AS reason,"
    " '' AS reference, :lo AS created_at FROM ledger WHERE user_id = :user_id AND created_at < :lo"
    " UNION ALL SELECT 1 AS part, id, kind, amount, actor, reason, reference, created_at FROM ledger"
    " WHERE user_id = :user_id AND created_at >= :lo AND created_at < :hi"
    " ORDER BY part, created_at, id"
)
# Chat ledger rows name their request; its model is in requests. {values} is only placeholders.
_REQUEST_MODELS = (
    "WITH k(chat_id, message_id) AS (VALUES {values}) SELECT r.chat_id, r.message_id, r.model_id FROM k"
    " JOIN requests r ON r.chat_id = k.chat_id AND r.message_id = k.message_id WHERE r.user_id = ?"
)


class ReportRecords(ReadRecords):
    """The statements behind `domain/reports.py` and `domain/rollups.py`, over one store's engine.

    Not mixed into `Store`: only the report model and the buttons read them, and the Filter's generated file embeds
    every module `Store` needs, so the reports' SQL would ride along on every chat. `reads(store)` makes one."""

    def __init__(self, engine: Reader) -> None:
        self.engine = engine

    # -- sums ---------------------------------------------------------------------------------------------

    def raw_totals(self, lo: float, hi: float) -> dict[str, Any] | None:
        """Calls, tokens, cost and estimated calls of the usage rows in [lo, hi)."""
        return self.engine.one(_RAW_TOTALS + " WHERE created_at >= ? AND created_at < ?", (lo, hi))

    def slot_totals(self, first: int, stop: int) -> dict[str, Any] | None:
        """`raw_totals` of the 15-minute slots [first, stop), from usage_slots."""
        return self.engine.one(_SLOT_TOTALS, (first, stop))

    def grouped_raw(self, key: str, lo: float, hi: float) -> list[dict[str, Any]]:
        """Sums per `key` ("model_id" or "user_id") of the usage rows in [lo, hi)."""
        return self.engine.query(_GROUPS[key][0], (lo, hi))

    def grouped_days(self, key: str, first: int, stop: int) -> list[dict[str, Any]]:
        """Sums per `key` over the UTC days [first, stop), from the day rollups."""
        return self.engine.query(_GROUPS[key][1], (first, stop))

    def grouped_slots(self, key: str, first: int, stop: int) -> list[dict[str, Any]]:
        """Sums per `key` over the 15-minute slots [first, stop), from the slot rollups."""
        if key == "model_id":
            return self.engine.query(_GROUPS[key][2], (first, stop))
        days = (first * 900 // 86_400, -(-stop * 900 // 86_400))  # the UTC days the slots fall in
        return self.engine.query(_GROUPS[key][2], (*days, first, stop))

    def bound_misses(self) -> list[dict[str, Any]]:
        """Records whose balance lies outside their (user, day)'s bounds, or that have no bounds row (none, when
        the triggers kept up)."""
        return self.engine.query(_BOUND_MISSES)

    def bucket_sums(
        self, pieces: list[tuple[int, float, float]], user_id: str | None, model_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Sums of raw usage per piece (bucket index i, lo, hi), of everyone or of one user, of one model or all:
        rows of i and sums (a bucket that appears in several pieces has several rows)."""
        return self._buckets("raw", pieces, user_id, model_id)

    def _buckets(
        self, kind: str, pieces: list[tuple[int, Any, Any]], user_id: str | None, model_id: str | None
    ) -> list[dict[str, Any]]:
        whose = "_".join(w for w, given in (("user", user_id), ("model", model_id)) if given is not None) or "all"
        sql = _BUCKET_SQL[(kind, whose)]
        rows: list[dict[str, Any]] = []
        for n in range(0, len(pieces), _CHUNK):
            chunk = pieces[n : n + _CHUNK]
            values = ", ".join("(?, ?, ?)" for _ in chunk)  # only the number of buckets shapes the text
            params = [user_id, model_id, *(v for piece in chunk for v in piece)]
            rows += self.engine.query(sql.format(values=values), params)
        return rows

    def user_rolled_totals(
        self,
        user_id: str,
        days: tuple[int, int] | None,
        slots: list[tuple[int, int]],
        raw: list[tuple[float, float]],
    ) -> dict[str, Any]:
        """`raw_totals` of one user from the per-user rollups: UTC days [first, stop) of usage_user_model_days,
        up to two slot spans of usage_user_slots, up to four raw spans of their records."""
        params: dict[str, Any] = {"user_id": user_id}
        params["d0"], params["d1"] = days or _EMPTY
        for n, (first, stop) in enumerate([*slots, _EMPTY, _EMPTY][:2]):
            params[f"s{n}"], params[f"t{n}"] = first, stop
        for n, (lo, hi) in enumerate([*raw, _EMPTY, _EMPTY, _EMPTY, _EMPTY][:4]):
            params[f"r{n}"], params[f"q{n}"] = lo, hi
        return self.engine.one(_USER_ROLLED_TOTALS, params)  # type: ignore[return-value]

    def user_rolled_models(
        self, user_id: str, days: tuple[int, int] | None, raw: list[tuple[float, float]]
    ) -> list[dict[str, Any]]:
        """One user's sums per model ("key"): UTC days [first, stop) of usage_user_model_days plus up to two raw
        spans of their records."""
        params: dict[str, Any] = {"user_id": user_id}
        params["d0"], params["d1"] = days or _EMPTY
        for n, (lo, hi) in enumerate([*raw, _EMPTY, _EMPTY][:2]):
            params[f"r{n}"], params[f"q{n}"] = lo, hi
        return self.engine.query(_USER_ROLLED_MODELS, params)

    def slot_buckets(
        self, pieces: list[tuple[int, int, int]], user_id: str | None, model_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Sums per piece (bucket index i, first slot, stop slot), of everyone from usage_slots, of one user from
        usage_user_slots or of one model from usage_model_slots: rows of i and sums (a bucket without a call may
        have no row). Not for one user's model: no rollup has those slots."""
        return self._buckets("slots", pieces, user_id, model_id)

    def rollup_checks(self) -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """Per rollup table: (its sums recomputed from usage, its own rows), each row keyed by "k"."""
        return {
            table: (self.engine.query(want_sql), self.engine.query(got_sql))
            for table, (want_sql, got_sql) in _ROLLUP_CHECKS.items()
        }

    def usage_edges(self, user_id: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The first and the last record's time ("at"), of everyone or one user."""
        # One MIN or MAX per query: SQLite answers each from the index's end, but not both at once.
        if user_id is None:
            lo = self.engine.one("SELECT MIN(created_at) AS at FROM usage")
            hi = self.engine.one("SELECT MAX(created_at) AS at FROM usage")
        else:
            lo = self.engine.one("SELECT MIN(created_at) AS at FROM usage WHERE user_id = ?", (user_id,))
            hi = self.engine.one("SELECT MAX(created_at) AS at FROM usage WHERE user_id = ?", (user_id,))
        return lo, hi

    # -- records --------------------------------------------------------------------------------------------

    def record_page(
        self,
        lo: float,
        hi: float,
        *,
        user_id: str | None,
        model_id: str | None,
        sort: str,
        descending: bool,
        steer: bool,
        limit: int,
        offset: int,
        bound_days: tuple[int, int] | None = None,
    ) -> list[dict[str, Any]]:
        """One page of records in [lo, hi), sorted by one of RECORD_ORDERS' keys (KeyError for any other), with
        the user's current name and email. `steer`: walk the sort's index rather than sort the range (see _RANGE);
        `bound_days`: the UTC days [first, stop) of the range, whose balance bounds a user's walk by balance starts
        at (_BALANCE_BOUND)."""
        order = RECORD_ORDERS[(sort, descending)]
        params: dict[str, Any] = {"lo": lo, "hi": hi, "user_id": user_id, "model_id": model_id}
        filters = [_FILTERS[name] for name in ("user_id", "model_id") if params[name] is not None]
        if steer and user_id is not None and model_id is not None and sort == "balance":
            filters[-1] = _STEERED_MODEL
        if bound_days is not None:
            params.update(first_day=bound_days[0], stop_day=bound_days[1])
            filters.append(_BALANCE_BOUND[descending])
        if sort != "time" and not steer:
            order = "+" + order
        where = " AND ".join([_RANGE[1 if steer else 0], *filters])
        params.update(limit=limit, offset=offset)
        return self.engine.query(_RECORDS.format(where=where, order=order), params)

    # -- people ---------------------------------------------------------------------------------------------

    def user_names(self, ids: list[str]) -> list[dict[str, Any]]:
        """id, name, email and role of each of these users we have a row for."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)  # only the count of ids shapes the text
        return self.engine.query(f"SELECT id, name, email, role FROM users WHERE id IN ({marks})", tuple(ids))

    def user_rows(self) -> list[dict[str, Any]]:
        """id, name, email, role, balance and blocked of every user we have a row for."""
        return self.engine.query("SELECT id, name, email, role, balance, blocked FROM users")

    def user_spend(self) -> list[dict[str, Any]]:
        """Per user with usage: user_id, all-time spend ("cost") and the UTC day of their last record ("day"),
        from the per-day rollup (one row per user and day, however many records)."""
        return self.engine.query(
            "SELECT user_id, SUM(cost) AS cost, MAX(day) AS day FROM usage_user_days GROUP BY user_id"
        )

    def page_usage(self, ids: list[str]) -> list[dict[str, Any]]:
        """Per id: all-time spend ("cost") and last use ("at", or None)."""
        if not ids:
            return []
        values = ", ".join("(?)" for _ in ids)  # only the number of people on the page shapes the text
        return self.engine.query(_PAGE_USAGE.format(values=values), ids)

    # -- statements -----------------------------------------------------------------------------------------

    def ledger_month(self, user_id: str, lo: float, hi: float) -> list[dict[str, Any]]:
        """One user's ledger as a statement reads it, in one statement (so one snapshot on both backends): first a
        row of kind 'opening' whose amount is the sum of every row before `lo`, then each row in [lo, hi) in
        order of time, then id."""
        return self.engine.query(_LEDGER_MONTH, {"user_id": user_id, "lo": lo, "hi": hi})

    def ledger_sum_before(self, user_id: str, moment: float) -> int:
        """The sum of one user's ledger rows before `moment`: their balance at that moment."""
        row = self.engine.one(
            "SELECT COALESCE(SUM(amount), 0) AS total FROM ledger WHERE user_id = ? AND created_at < ?",
            (user_id, moment),
        )
        return int(row["total"]) if row else 0

    def request_models(self, user_id: str, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """chat_id, message_id and model_id of the user's requests among `keys` ((chat_id, message_id) pairs that
        may not exist), each found by the requests' primary key."""
        rows: list[dict[str, Any]] = []
        for n in range(0, len(keys), _CHUNK):
            chunk = keys[n : n + _CHUNK]
            values = ", ".join("(?, ?)" for _ in chunk)  # only the number of keys shapes the text
            params = [value for key in chunk for value in key]
            rows += self.engine.query(_REQUEST_MODELS.format(values=values), [*params, user_id])
        return rows


def reads(store: Any) -> ReportRecords:
    """The report reads over `store`'s engine (a `Store`, or anything with an `engine`)."""
    return ReportRecords(store.engine)
