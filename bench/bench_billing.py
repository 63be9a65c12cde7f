"""Billing benchmark, run on demand (not part of the test suite): `.venv/bin/python bench/bench_billing.py`.

Every ratio is against a baseline measured in the same run, on database files in a fresh temporary
directory (never :memory:), so the figures compare across machines better than raw microseconds do.
Exits 1 when the exactness checks after the concurrent runs find a mismatch. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import itertools
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tables import Table

from plugin import openwebui, store
from plugin.domain import billing, pricing, tokens
from plugin.functions.filter import Filter
from plugin.store import sqlite_commit
from plugin.words import i18n

# Iteration counts, chosen so the whole run stays well under a minute on 2 cores (scaled by --scale).
WARMUP = 200
BASELINE_N = 5000
BILLING_N = 5000
FILTER_N = 3000
CONCURRENCY = (1, 8, 32, 64)
LOADED = (1, 8, 32, 64)  # chats at once in 4a
LOADED_TURNS_PER_CHAT = 40
UPSTREAM = (0.05, 0.15)  # seconds an upstream takes in 4a, uniform (real ones take longer still)
THROUGHPUT_USERS = 64
THROUGHPUT_PER_USER = 60
CONCURRENT_TURNS = 3000  # per concurrency level
ESTIMATED_CONCURRENCY = 8  # one extra run whose outlets carry no usage (estimated, ~2,000 tokens each)
ESTIMATED_TURNS = 400
IDLE_TICKS = 2000
HOST_NOISE_SECONDS = 10.0  # how long the host's own stalls are sampled, for scale beside 4b
ESTIMATE_N = 300
TICK = 0.001  # the ticker's sleep, seconds
LOCK_HELD = 0.2  # seconds another writer holds the database while a worker opens it (extra figures)

HOLD = "0.01"  # cost_on_inlet valve: every turn places and releases a hold
INIT_BALANCE = 1000.0  # currency units per user, far more than any run spends
PRICE_PER_1M = 60.0  # the valve defaults, for input and output alike
USERS = 4  # concurrent turns share these users, so one user's turns overlap
SEED_MEASURED_P50_MS = (6.0, 9.8)  # the original: one chat turn over HTTP + Postgres
SEED_ESTIMATE_P50_MS = 34.5  # the original: tokenizer fallback on 2,000 fresh tokens


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


class GcPauses:
    """Collect, then freeze what exists (the bench's own prepared data, imported modules) so collections during
    a timed section traverse only what that section allocates; records every collection's pause."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._start = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._start)

    def __enter__(self) -> GcPauses:
        gc.collect()
        gc.freeze()
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)
        gc.unfreeze()


# -- 1. baseline: a bare SQLite WAL transaction ----------------------------------------------------


def bare_connection(path: Path) -> sqlite3.Connection:
    """The same connection settings as plugin/store/sqlite.py."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={store.BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _bare_floor(path: Path) -> tuple[sqlite3.Connection, Callable[[], None]]:
    """The floor's connection and its one transaction: insert a ledger row, update a balance, commit."""
    conn = bare_connection(path)
    conn.execute("CREATE TABLE users (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
    conn.execute(
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),"
        " amount INTEGER NOT NULL, created_at REAL NOT NULL)"
    )
    conn.execute("INSERT INTO users VALUES ('u', 0)")

    def transaction() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO ledger (user_id, amount, created_at) VALUES (?, ?, ?)", ("u", -960, time.time()))
        conn.execute("UPDATE users SET balance = balance + ? WHERE id = ?", (-960, "u"))
        conn.execute("COMMIT")

    return conn, transaction


def bench_bare(path: Path, n: int) -> list[float]:
    conn, transaction = _bare_floor(path)
    samples = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        transaction()
        if i >= WARMUP:
            samples.append(time.perf_counter() - t0)
    conn.close()
    return samples


def bench_bare_rate(path: Path, n: int) -> float:
    """Bare transactions per second, n back to back: what the floor sustains, its WAL checkpoints included (SQLite's
    own, at commit, as on any connection that does not turn them off)."""
    conn, transaction = _bare_floor(path)
    t0 = time.perf_counter()
    for _ in range(n):
        transaction()
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


# -- 1b. the outlet's statements alone -------------------------------------------------------------

KEY = "bench-msg-key"  # the message id in the captured statements, replaced by a fresh one per replay
Statement = tuple[str, tuple | dict]


class _Recorder:
    """A connection (or cursor) that records every statement with its parameters before running it."""

    def __init__(self, target: sqlite3.Connection | sqlite3.Cursor, log: list[Statement]) -> None:
        self._target, self._log = target, log

    def execute(self, sql: str, params: tuple | dict = ()) -> Any:
        self._log.append((sql, params))
        result = self._target.execute(sql, params)
        return self if isinstance(self._target, sqlite3.Cursor) else result

    def cursor(self) -> _Recorder:
        return _Recorder(self._target.cursor(), self._log)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
        else:
            setattr(self._target, name, value)


def admit_free(
    db: store.Store, member: billing.Member, message_id: str, chat_id: str = "c", init_balance: int = 10**12
) -> None:
    """The inlet's pending request, without a hold (only an admitted request's outlet is charged)."""
    price = pricing.defaults(PRICE_PER_1M, PRICE_PER_1M, -1)
    admitted = billing.admit(
        db,
        member,
        chat_id=chat_id,
        message_id=message_id,
        model_id="gpt",
        hold=0,
        init_balance=init_balance,
        price=price,
    )
    assert isinstance(admitted, billing.Admission), admitted


def captured_settle(path: Path) -> list[Statement]:
    """The statements and parameters one real first outlet without a hold runs (`billing.settle` in a batch of
    one, as `Store.call` runs it: BEGIN, SAVEPOINT, ..., RELEASE, COMMIT), to replay with no Python between."""
    db = store.Store(path)
    member = billing.Member(id="u", name="U", email="u@example.com")
    price = pricing.defaults(PRICE_PER_1M, PRICE_PER_1M, -1)
    usage = tokens.Usage(input_tokens=100, output_tokens=20)
    terms = billing.Terms(member, init_balance=10**12)
    kwargs = {"chat_id": "c", "model_id": "gpt", "usage": usage, "price": price}
    admit_free(db, member, "warm", init_balance=10**12)  # the user's row exists before the capture
    billing.settle(db, terms, billing.Round(message_id="warm", **kwargs))
    admit_free(db, member, KEY, init_balance=10**12)  # the inlet's pending request, which the outlet settles
    statements: list[Statement] = []
    db.engine._local.conn = _Recorder(db.engine._patient, statements)
    try:
        with db.immediate():
            billing.settle(db, terms, billing.Round(message_id=KEY, **kwargs))
    finally:
        db.engine._local.conn = None
    db.close()
    return statements


def bench_statements(path: Path, statements: list[Statement], n: int, drop: tuple[str, ...] = ()) -> list[float]:
    """Replay `statements` n times on a fresh database (the loop's connection, as in a batch), each time for a
    new message; `drop` first removes triggers or indexes, to show what each costs."""
    db = store.Store(path)
    member = billing.Member(id="u", name="U", email="u@example.com")
    price = pricing.defaults(PRICE_PER_1M, PRICE_PER_1M, -1)
    usage = tokens.Usage(input_tokens=1, output_tokens=1)
    admit_free(db, member, "warm", init_balance=10**12)
    billing.settle(
        db,
        billing.Terms(member),
        billing.Round(chat_id="c", message_id="warm", model_id="gpt", usage=usage, price=price),
    )
    conn = db.engine._eager
    for kind_name in drop:
        conn.execute(f"DROP {kind_name}")

    def fresh(value: Any, key: str) -> Any:
        return key if value == KEY else value

    samples = []
    for i in range(WARMUP + n):
        key = f"m{i}"
        admit_free(db, member, key)  # its pending request, as the inlet leaves it (not timed: the outlet is)
        replay = [
            (sql, {k: fresh(v, key) for k, v in params.items()})
            if isinstance(params, dict)
            else (sql, tuple(fresh(v, key) for v in params))
            for sql, params in statements
        ]
        t0 = time.perf_counter()
        for sql, params in replay:
            conn.execute(sql, params).fetchall()
        if i >= WARMUP:
            samples.append(time.perf_counter() - t0)
    db.close()
    return samples


STATEMENT_VARIANTS = (
    ("1b. outlet SQL alone (schema as shipped)", ()),
    ("1b.   without the rollup trigger", ("TRIGGER usage_rollup_insert",)),
    (
        "1b.   and without usage's 6 report indexes",
        (
            "TRIGGER usage_rollup_insert",
            *(
                f"INDEX {name}"
                for name in (
                    "usage_created",
                    "usage_user_created",
                    "usage_model_created",
                    "usage_cost",
                    "usage_tokens",
                    "usage_balance",
                )
            ),
        ),
    ),
)


# -- 2. billing.admit + billing.settle, direct -----------------------------------------------------


def bench_billing(path: Path, n: int) -> tuple[list[float], list[float], list[float]]:
    db = store.Store(path)
    member = billing.Member(id="u-direct", name="Direct", email="d@example.com")
    price = pricing.defaults(PRICE_PER_1M, PRICE_PER_1M, -1)
    hold = pricing.to_micro(HOLD)
    init = pricing.to_micro(INIT_BALANCE)
    admits, settles, turns = [], [], []
    for i in range(WARMUP + n):
        usage = tokens.Usage(input_tokens=100 + i % 50, output_tokens=20 + i % 30)
        t0 = time.perf_counter()
        admitted = billing.admit(
            db,
            member,
            chat_id="c",
            message_id=f"m{i}",
            model_id="gpt",
            hold=hold,
            init_balance=init,
            price=price,
            input_tokens=usage.input_tokens,
        )
        t1 = time.perf_counter()
        billing.settle(
            db,
            billing.Terms(member),
            billing.Round(chat_id="c", message_id=f"m{i}", model_id="gpt", usage=usage, price=price),
        )
        t2 = time.perf_counter()
        assert isinstance(admitted, billing.Admission), admitted
        if i >= WARMUP:
            admits.append(t1 - t0)
            settles.append(t2 - t1)
            turns.append(t2 - t0)
    db.close()
    return admits, settles, turns


# -- 3 and 4. the Filter front-end -----------------------------------------------------------------

FAILED = {i18n.t(lang, "billing_failed") for lang in ("en", "zh", "es")}


class Emitter:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0

    async def __call__(self, event: dict) -> None:
        if event.get("data", {}).get("description") in FAILED:
            self.failed += 1
        else:
            self.ok += 1


def make_filter(path: Path, hold: str = HOLD) -> Filter:
    flt = Filter()
    flt.valves = flt.Valves(db_path=str(path), init_balance=INIT_BALANCE, cost_on_inlet=hold)
    return flt


def user_of(i: int, prefix: str) -> dict:
    n = i % USERS
    return {"id": f"{prefix}-u{n}", "name": f"User {n}", "email": f"u{n}@example.com", "role": "user"}


def turn_args(i: int, prefix: str, text: tuple[str, str] | None = None) -> tuple[dict, dict, dict, dict]:
    """Inlet body, outlet body, metadata and user, shaped like Open WebUI 0.12.4's (see tests/functions/test_filter.py).

    Without `text` the reply reports usage (input 100-149, output 20-49 tokens); with it the reply reports
    none and carries the given fresh (prompt, reply) text, so the outlet estimates.
    """
    chat_id, message_id, model = f"{prefix}-chat{i}", f"{prefix}-msg{i}", "gpt"
    metadata = {"chat_id": chat_id, "message_id": message_id, "model": {"id": model}, "user_message": {}}
    prompt = text[0] if text else "hello"
    messages = [{"role": "user", "content": prompt}]
    body = {"model": model, "messages": messages, "stream": True, "metadata": metadata}
    reply: dict = {"role": "assistant", "content": text[1] if text else "Hi there, friend.", "id": message_id}
    if text is None:
        reply["usage"] = {"input_tokens": 100 + i % 50, "output_tokens": 20 + i % 30}
    out = {"model": model, "chat_id": chat_id, "id": message_id, "messages": [*messages, reply]}
    return body, out, metadata, user_of(i, prefix)


def turn_cost(i: int) -> int:
    """What turn i of a reported-usage run costs in micro-units, computed here rather than by the library."""
    tokens_used = (100 + i % 50) + (20 + i % 30)
    return tokens_used * round(PRICE_PER_1M)  # (tokens * 60e6 micro per 1M tokens) / 1M, exact


async def bench_filter(
    path: Path, n: int, hold: str, ui: bool = True
) -> tuple[list[float], list[float], list[float], list[float], Emitter, float, float]:
    """Sequential turns; also returns, per turn, the time from the outlet's return until its charge committed and
    its notice went out (the loop is given back between turns for it, as Open WebUI's would be), and the
    event-loop thread's CPU and the whole process's CPU per turn, that deferred commit included. Without `ui` the
    outlet gets no event emitter, as on Open WebUI's API path, and so waits for its charge's commit."""
    flt = make_filter(path, hold)
    emitter = Emitter()
    inlets, outlets, turns, notices = [], [], [], []
    model = {"id": "gpt"}
    args = [turn_args(i, "seq") for i in range(WARMUP + n)]
    for i, (body, out, metadata, user) in enumerate(args):
        if i == WARMUP:
            loop_cpu, process_cpu = time.thread_time(), time.process_time()
        t0 = time.perf_counter()
        await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
        t1 = time.perf_counter()
        await flt.outlet(
            out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter if ui else None
        )
        t2 = time.perf_counter()
        await flt.settled()
        t3 = time.perf_counter()
        if i >= WARMUP:
            inlets.append(t1 - t0)
            outlets.append(t2 - t1)
            turns.append(t2 - t0)
            notices.append(t3 - t2)
    loop_cpu, process_cpu = (time.thread_time() - loop_cpu) / n, (time.process_time() - process_cpu) / n
    return inlets, outlets, turns, notices, emitter, loop_cpu, process_cpu


async def bench_round_trip(path: Path, n: int) -> list[float]:
    """`await store.run(no-op)`: the price of one hop to the store's thread and back, for context."""
    db = store.open_store(path)
    samples = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        await db.run(int)
        if i >= WARMUP:
            samples.append(time.perf_counter() - t0)
    return samples


async def ticked(work: Callable[[], Awaitable[None]] | None, ticks: int = 0) -> tuple[list[float], float]:
    """Run `work` (or, with None, nothing for `ticks` ticks) beside a ticker that sleeps TICK and records how
    late it wakes; returns (lateness samples, wall seconds of the work)."""
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append(time.perf_counter() - t0 - TICK)
            if work is None and len(lateness) >= ticks:
                done.set()

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    t0 = time.perf_counter()
    if work is not None:
        await work()
        done.set()
    await task
    return lateness, time.perf_counter() - t0


class StallMeter:
    """Times every callback the event loop runs (asyncio's `Handle._run`): the longest is the longest single
    stall of the loop, which is what a user of the same server would feel; ticker lateness adds queueing.

    Each callback's CPU time on the loop's thread is taken too. A stall much longer than its CPU time was held:
    by I/O, by the GIL, or by the host running something else (on a shared VM, preemptions of 5-11 ms hit even a
    loop of pure arithmetic: `host_noise`); the longest CPU time is the loop's own work, whatever the host did."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.worst: tuple[float, float, str] = (0.0, 0.0, "")  # (wall, CPU, name) of the longest by wall time
        self.busiest: tuple[float, str] = (0.0, "")  # (CPU, name) of the longest by CPU time

    def longest(self) -> str:
        wall, cpu, name = self.worst
        return f"{us(wall)} ({us(cpu)} CPU) {name}"

    def over(self, limit: float = 0.005) -> str:
        """Callbacks longer than `limit` per second the loop was busy, to compare with `host_noise`'s rate."""
        busy = sum(self.durations)
        count = sum(1 for took in self.durations if took > limit)
        return f"{count} ({count / busy:.2f}/s)" if busy else "0"

    def __enter__(self) -> StallMeter:
        original = self._original = asyncio.events.Handle._run
        durations = self.durations
        clock, cpu_clock = time.perf_counter, time.thread_time

        def timed(handle: asyncio.events.Handle) -> None:
            t0, c0 = clock(), cpu_clock()
            original(handle)
            took, cpu = clock() - t0, cpu_clock() - c0
            durations.append(took)
            if took > self.worst[0]:
                self.worst = (took, cpu, _callback_name(handle))
            if cpu > self.busiest[0]:
                self.busiest = (cpu, _callback_name(handle))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


def host_noise(seconds: float) -> tuple[float, float, float, int]:
    """The host's own stalls: a fixed piece of pure arithmetic (~0.3-0.8 ms) timed back to back for `seconds`, on
    one thread with nothing else to do. Returns its p50, its longest by wall and by CPU time (on this VM the host
    inflates both), in seconds, and how many took over 5 ms."""
    took: list[float] = []
    cpu_max = 0.0
    end = time.perf_counter() + seconds
    while (t0 := time.perf_counter()) < end:
        c0 = time.thread_time()
        total = 0
        for i in range(4000):
            total += i * i
        took.append(time.perf_counter() - t0)
        cpu_max = max(cpu_max, time.thread_time() - c0)
    return pct(took, 50), max(took), cpu_max, sum(1 for t in took if t > 0.005)


def _callback_name(handle: asyncio.events.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    while isinstance(callback, functools.partial):
        callback = callback.func
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        return task.get_coro().__qualname__  # type: ignore[union-attr]
    return getattr(callback, "__qualname__", repr(callback))


async def loaded_turns(
    flt: Filter, n: int, args: list[tuple[dict, dict, dict, dict]], delays: list[float], emitter: Emitter
) -> list[float]:
    """N chats at once, each waiting a random upstream time between inlet and outlet (as a real model would):
    returns the Filter's own time per turn (inlet + outlet, each awaited). Bodies are built by the caller, before
    the meters start."""
    counter = itertools.count()
    model = {"id": "gpt"}
    turns = len(args)
    overheads: list[float] = []

    async def worker() -> None:
        while (i := next(counter)) < turns:
            body, out, metadata, user = args[i]
            t0 = time.perf_counter()
            await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
            t1 = time.perf_counter()
            await asyncio.sleep(delays[i])
            t2 = time.perf_counter()
            await flt.outlet(out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter)
            overheads.append(t1 - t0 + time.perf_counter() - t2)

    await asyncio.gather(*(worker() for _ in range(n)))
    await flt.settled()  # the run ends when the last charge has committed
    return overheads


async def concurrent_turns(flt: Filter, n: int, args: list[tuple[dict, dict, dict, dict]], emitter: Emitter) -> None:
    """N chats at once, back to back; bodies are built by the caller, before the meters start."""
    counter = itertools.count()
    model = {"id": "gpt"}
    turns = len(args)

    async def worker() -> None:
        while (i := next(counter)) < turns:
            body, out, metadata, user = args[i]
            await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
            await asyncio.sleep(0)
            await flt.outlet(out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter)

    await asyncio.gather(*(worker() for _ in range(n)))
    await flt.settled()  # the run ends when the last charge has committed


# -- 5. exactness ----------------------------------------------------------------------------------


def check_exact(path: Path, expected_turns: int, expected_balance: dict[str, int], emitter: Emitter) -> list[str]:
    """Read the database on a connection of our own; returns the mismatches (empty means exact). Every turn holds
    something (the reply's estimate, or the pre-charge) and releases it: one hold and one release row each."""
    conn = sqlite3.connect(path)
    problems = []
    drift = conn.execute(
        "SELECT u.id, u.balance, COALESCE((SELECT SUM(amount) FROM ledger l WHERE l.user_id = u.id), 0) FROM users u"
    ).fetchall()
    users = len(drift)
    for user_id, balance, ledger_sum in drift:
        if balance != ledger_sum:
            problems.append(f"user {user_id}: balance {balance} != ledger sum {ledger_sum}")
    for user_id, want in expected_balance.items():
        (got,) = conn.execute("SELECT balance FROM users WHERE id = ?", (user_id,)).fetchone() or (None,)
        if got != want:
            problems.append(f"user {user_id}: balance {got} != expected {want} (init - sum of turn costs)")
    counts = dict(conn.execute("SELECT kind, COUNT(*) FROM ledger GROUP BY kind").fetchall())
    (usage_rows,) = conn.execute("SELECT COUNT(*) FROM usage").fetchone()
    (open_rows,) = conn.execute("SELECT COUNT(*) FROM requests WHERE status != 'settled'").fetchone()
    conn.close()
    for what, got, want in (
        ("charge rows", counts.get("charge", 0), expected_turns),
        ("settled outlets (notices)", emitter.ok, expected_turns),
        ("hold rows", counts.get("hold", 0), expected_turns),
        ("release rows", counts.get("release", 0), expected_turns),
        ("usage rows", usage_rows, expected_turns),
    ):
        if got != want:
            problems.append(f"{what}: {got} != {want} turns")
    if emitter.failed:
        problems.append(f"{emitter.failed} outlets reported billing_failed")
    if open_rows:
        problems.append(f"{open_rows} requests not settled")
    print(
        f"  {users} users, {expected_turns} turns: ledger {counts}, usage rows {usage_rows},"
        f" notices ok/failed {emitter.ok}/{emitter.failed}, unsettled requests {open_rows}"
    )
    return problems


# -- 6. estimation ---------------------------------------------------------------------------------


def fresh_text(rng: random.Random, tokens_wanted: int, words: list[str]) -> str:
    """English-like text of about `tokens_wanted` tokens by the 4-characters-per-token rule."""
    chars, parts = 0, []
    while chars < tokens_wanted * tokens.CHARS_PER_TOKEN:
        word = rng.choice(words)
        parts.append(word)
        chars += len(word) + 1
    return " ".join(parts)


def vocabulary(rng: random.Random) -> list[str]:
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    return ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(5000)]


def bench_estimate(
    conversations: list[list[dict]], count: Callable[[str], int]
) -> tuple[list[float], tokens.Usage, str | None]:
    samples = []
    for messages in conversations:
        t0 = time.perf_counter()
        usage, _, why = tokens.usage_for(messages, count)
        samples.append(time.perf_counter() - t0)
    return samples, usage, why


# -- one-off costs on the event loop ---------------------------------------------------------------


async def one_inlet(path: Path, prefix: str) -> None:
    body, _, metadata, user = turn_args(0, prefix)
    await make_filter(path).inlet(body, __user__=user, __metadata__=metadata, __model__={"id": "gpt"})


async def bench_first_open(tmp: Path, table: Table) -> None:
    """The first inlet of a process opens the store (connect, pragmas, migrations in BEGIN IMMEDIATE)."""
    fresh, _ = await ticked(lambda: one_inlet(tmp / "first.db", "first"))
    table.row("first inlet on a new file (create + migrate)", us(max(fresh)))
    locked_path = tmp / "locked.db"
    store.Store(locked_path).close()  # an existing, migrated file, not yet open in this process
    writer = bare_connection(locked_path)
    writer.execute("BEGIN IMMEDIATE")  # another worker process in a write transaction
    release = threading.Timer(LOCK_HELD, writer.execute, ("COMMIT",))
    release.start()
    locked, _ = await ticked(lambda: one_inlet(locked_path, "locked"))
    release.join()
    writer.close()
    table.row(f"first inlet, existing file, another writer holds it {LOCK_HELD * 1e3:g} ms", us(max(locked)))
    path = str(tmp / "first.db")
    samples = []
    for _ in range(WARMUP + 2000):
        t0 = time.perf_counter()
        store.open_store(path)
        samples.append(time.perf_counter() - t0)
    table.row("open_store() of an open store (dict lookup + stat), 2 per turn, p50", us(pct(samples[WARMUP:], 50)))


# -- the run ---------------------------------------------------------------------------------------


async def bench_throughput(path: Path, users: int, per_user: int, batch: int) -> tuple[float, list[str]]:
    """`users` coroutines, one user each, settling `per_user` charges back to back through `Store.call` (the
    Filter's path) with at most `batch` steps per group commit; returns (charges/s, mismatches)."""
    db = store.Store(path)
    price = pricing.defaults(PRICE_PER_1M, PRICE_PER_1M, -1)
    init = pricing.to_micro(INIT_BALANCE)
    members = [billing.Member(id=f"t{u}", name=f"T {u}") for u in range(users)]
    for member in members:  # every charge is of a request admitted first (its inlet, not timed here)
        for i in range(per_user):
            admit_free(db, member, f"m{i}", chat_id=member.id, init_balance=init)

    async def user_loop(member: billing.Member) -> None:
        for i in range(per_user):
            usage = tokens.Usage(input_tokens=100 + i % 50, output_tokens=20 + i % 30)
            await db.call(
                billing.settle,
                db,
                billing.Terms(member, init_balance=init),
                billing.Round(chat_id=member.id, message_id=f"m{i}", model_id="gpt", usage=usage, price=price),
            )

    saved, sqlite_commit.BATCH = sqlite_commit.BATCH, batch
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(user_loop(m) for m in members))
        wall = time.perf_counter() - t0
    finally:
        sqlite_commit.BATCH = saved
    want = init - sum(turn_cost(i) for i in range(per_user))

    def check(db: store.Store) -> list[str]:  # on the store's thread, after its queued checkpoints
        wrong = [f"user {u['id']}: balance {u['balance']} != {want}" for u in db.all_users() if u["balance"] != want]
        return wrong + [f"user {row['id']}: balance != ledger sum" for row in db.reconcile()]

    problems = await db.run(check, db)
    db.close()
    return users * per_user / wall, problems


async def run_async(tmp: Path, table: Table, bare_p50: float, estimate_texts: list[tuple[str, str]]) -> list[str]:
    def ratio(x: float) -> str:
        return f"{x / bare_p50:,.1f}x"

    # 3. The Filter, one turn at a time, with the default valves (the reply's estimated hold) and with a pre-charge.
    print("1-3. one chat turn at a time, per call (ratio: p50 against the bare transaction's p50)")
    for label, hold, ui in (
        ("estimated hold (default valves)", "0", True),
        (f"pre-charge {HOLD}", HOLD, True),
        ("API call (no emitter: waits)", "0", False),
    ):
        with GcPauses():
            inlets, outlets, turns, notices, emitter, loop_cpu, process_cpu = await bench_filter(
                tmp / f"filter-{hold}-{ui}.db", FILTER_N, hold, ui
            )
        for name, samples in (
            (f"3. Filter.inlet, {label}", inlets),
            (f"3. Filter.outlet, {label}", outlets),
            (f"3. Filter turn, {label}", turns),
            ("3.   then: commit and notice, after the turn", notices),
        ):
            table.row(name, str(len(samples)), us(pct(samples, 50)), us(pct(samples, 99)), ratio(pct(samples, 50)))
        if emitter.failed:
            print(f"  !! {emitter.failed} sequential outlets reported billing_failed")
        if hold == "0" and ui:
            default_turns, default_cpu = turns, (loop_cpu, process_cpu)
    with GcPauses():
        hops = await bench_round_trip(tmp / "filter-0-True.db", FILTER_N)
    table.row(
        "   (one store.run hop to a thread, no-op)",
        str(len(hops)),
        us(pct(hops, 50)),
        us(pct(hops, 99)),
        ratio(pct(hops, 50)),
    )
    table.print(("what", "n", "p50 µs", "p99 µs", "p50 / (1)"))
    loop_cpu, process_cpu = default_cpu
    p50_ms = pct(default_turns, 50) * 1e3
    print(
        f"  Filter turn CPU (default valves), its commit included: {us(loop_cpu)} µs on the event-loop thread,"
        f" {us(process_cpu)} µs in all threads (so one process tops out near {1 / process_cpu:,.0f} turns/s under"
        " the GIL)"
    )
    print(
        f"  original: {SEED_MEASURED_P50_MS[0]}-{SEED_MEASURED_P50_MS[1]} ms p50 per turn ->"
        f" {SEED_MEASURED_P50_MS[0] / p50_ms:,.0f}-{SEED_MEASURED_P50_MS[1] / p50_ms:,.0f}x faster here"
    )

    # 4. The event loop under concurrent chats.
    with GcPauses() as gcs:
        idle, _ = await ticked(None, IDLE_TICKS)
    idle_p99 = pct(idle, 99)
    path = tmp / "concurrent.db"
    flt = make_filter(path)
    emitter = Emitter()
    # One turn first, outside the measurement: opening a new database on the loop is a one-off (see extras).
    await concurrent_turns(flt, 1, [turn_args(0, "open")], emitter)
    expected_balance: dict[str, int] = {}
    total_turns = 1

    def expect(prefix: str, count: int, first: int = 0) -> None:
        for i in range(first, first + count):
            uid = user_of(i, prefix)["id"]
            expected_balance[uid] = expected_balance.get(uid, pricing.to_micro(INIT_BALANCE)) - turn_cost(i)

    print(
        f"\n4a. N chats at once, each waiting {UPSTREAM[0] * 1e3:g}-{UPSTREAM[1] * 1e3:g} ms for its upstream between"
        f" inlet and outlet, with the default valves and with a pre-charge of {HOLD} (each inlet waits for its"
        " pending request's commit); the Filter's own time per turn, and the longest single callback the event loop"
        f" ran (its longest stall); each run's {USERS} users chatted once before it, untimed; idle ticker p99"
        f" {us(idle_p99)} µs"
    )
    plain = make_filter(path, "0")
    for n, hold in [(n, hold) for hold in ("0", HOLD) for n in LOADED]:
        count = min(CONCURRENT_TURNS, LOADED_TURNS_PER_CHAT * n)
        prefix = f"load{n}" if hold == HOLD else f"plain{n}"
        args = [turn_args(i, prefix) for i in range(count)]
        delays = [random.Random(i).uniform(*UPSTREAM) for i in range(count)]
        holder: list[list[float]] = []
        chats = flt if hold == HOLD else plain
        # Untimed: one chat of each of the run's users first, as on a server whose users have chatted before (a
        # user's very first chat is written before it starts, and a run's first N chats would all be first chats).
        await concurrent_turns(chats, 1, [turn_args(count + k, prefix) for k in range(USERS)], emitter)
        total_turns += USERS
        expect(prefix, USERS, first=count)
        with GcPauses() as gcs, StallMeter() as stalls:
            lateness, wall = await ticked(
                lambda n=n, a=args, d=delays, h=holder, c=chats: _collect(h, loaded_turns(c, n, a, d, emitter))
            )
        total_turns += count
        expect(prefix, count)
        overheads = holder[0]
        table.row(
            f"N={n} {'default' if hold != HOLD else 'pre-charge'}",
            str(count),
            f"{count / wall:,.0f}",
            us(pct(overheads, 50)),
            us(pct(overheads, 99)),
            us(max(overheads)),
            stalls.longest(),
            f"{us(stalls.busiest[0])} {stalls.busiest[1]}",
            stalls.over(),
            us(pct(lateness, 99)),
            us(max(gcs.pauses, default=0)),
        )
    table.print(
        (
            "run",
            "turns",
            "turns/s",
            "filter p50 µs",
            "filter p99 µs",
            "filter max µs",
            "longest stall µs",
            "longest CPU µs",
            "over 5 ms (per busy s)",
            "ticker late p99 µs",
            "max GC µs",
        )
    )

    print(
        "\n4b. saturated: N chats at once with no upstream wait at all (the loop does nothing but our work;"
        " ticker lateness is then mostly queueing behind other turns, the longest stall is one callback)"
    )
    runs = [(n, CONCURRENT_TURNS, f"n{n}", None) for n in CONCURRENCY]
    runs.append((ESTIMATED_CONCURRENCY, ESTIMATED_TURNS, f"est{ESTIMATED_CONCURRENCY}", estimate_texts))
    for n, count, prefix, texts in runs:
        args = [turn_args(i, prefix, texts[i] if texts else None) for i in range(count)]
        with GcPauses() as gcs, StallMeter() as stalls:
            lateness, wall = await ticked(lambda n=n, a=args: concurrent_turns(flt, n, a, emitter))
        total_turns += count
        if texts is None:
            expect(prefix, count)
        table.row(
            f"N={n}" + (" estimated, ~2k tokens/turn" if texts else ""),
            str(count),
            f"{count / wall:,.0f}",
            stalls.longest(),
            f"{us(stalls.busiest[0])} {stalls.busiest[1]}",
            stalls.over(),
            us(pct(lateness, 50)),
            us(pct(lateness, 99)),
            f"{pct(lateness, 99) / idle_p99:,.1f}x",
            us(max(gcs.pauses, default=0)),
        )
    table.print(
        (
            "run",
            "turns",
            "turns/s",
            "longest stall µs",
            "longest CPU µs",
            "over 5 ms (per busy s)",
            "late p50 µs",
            "late p99 µs",
            "p99/idle",
            "max GC µs",
        )
    )
    noise_p50, noise_max, noise_cpu, noise_over = host_noise(HOST_NOISE_SECONDS)
    print(
        f"  the host's own stalls, for scale: a fixed ~{us(noise_p50)} µs of arithmetic, timed back to back for"
        f" {HOST_NOISE_SECONDS:g} s with nothing else running, took up to {us(noise_max)} µs ({us(noise_cpu)} µs of"
        f" CPU time), {noise_over} times over 5 ms ({noise_over / HOST_NOISE_SECONDS:.2f}/s)"
    )
    print(f"  times a batch found SQLite's lock taken and waited on the loop: {store.open_store(path).waits}")

    # 5. Exactness after the concurrent runs.
    print("\n5. exactness after the concurrent runs")
    problems = check_exact(path, total_turns, expected_balance, emitter)
    for problem in problems:
        print(f"  MISMATCH: {problem}")
    print(
        "  balance == SUM(ledger) for every user; balance == init - sum of turn costs (reported runs);"
        f" charge rows == settled turns: {'MISMATCH' if problems else 'OK'}"
    )

    # 4c. Ledger throughput.
    floor = 1 / bare_p50
    charges = THROUGHPUT_USERS * THROUGHPUT_PER_USER
    sustained = bench_bare_rate(tmp / "throughput-floor.db", charges)
    print(
        f"\n4c. ledger throughput: {THROUGHPUT_USERS} users at once, each settling charges back to back through"
        f" Store.call (what the Filter's outlet runs); floor = one bare WAL transaction at a time: {floor:,.0f}/s"
        f" at its p50 (1), {sustained:,.0f}/s sustained ({charges} back to back, its own checkpoints included)"
    )
    for label, batch in (("group commit (default)", sqlite_commit.BATCH), ("one transaction per charge", 1)):
        rate, wrong = await bench_throughput(
            tmp / f"throughput-{batch}.db", THROUGHPUT_USERS, THROUGHPUT_PER_USER, batch
        )
        problems += wrong
        table.row(
            label,
            str(THROUGHPUT_USERS * THROUGHPUT_PER_USER),
            f"{rate:,.0f}",
            f"{floor / rate:,.1f}x",
            f"{sustained / rate:,.1f}x",
            "OK" if not wrong else "MISMATCH",
        )
    table.print(("how", "charges", "charges/s", "p50 floor / rate", "sustained floor / rate", "exact"))
    return problems


async def _collect(holder: list, work: Awaitable) -> None:
    holder.append(await work)


def main() -> int:
    global BASELINE_N, BILLING_N, FILTER_N, CONCURRENT_TURNS, ESTIMATED_TURNS, IDLE_TICKS, ESTIMATE_N
    global LOADED_TURNS_PER_CHAT, THROUGHPUT_PER_USER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every iteration count (default 1)")
    parser.add_argument("--dir", default=None, help="where to make the temporary directory (default: the system's)")
    args = parser.parse_args()
    scaled = {
        name: max(10, round(globals()[name] * args.scale))
        for name in (
            "BASELINE_N",
            "BILLING_N",
            "FILTER_N",
            "CONCURRENT_TURNS",
            "ESTIMATED_TURNS",
            "IDLE_TICKS",
            "LOADED_TURNS_PER_CHAT",
            "THROUGHPUT_PER_USER",
        )
    }
    scaled["ESTIMATE_N"] = max(10, round(ESTIMATE_N * args.scale))
    globals().update(scaled)

    started = time.perf_counter()
    rng = random.Random(1234)
    words = vocabulary(rng)
    # Fresh text for every estimated turn and every estimation sample: ~1,000 tokens of prompt, ~1,000 of reply.
    estimate_texts = [(fresh_text(rng, 1000, words), fresh_text(rng, 1000, words)) for _ in range(ESTIMATED_TURNS)]
    conversations = [
        [
            {"role": "user", "content": fresh_text(rng, 1000, words)},
            {"role": "assistant", "content": fresh_text(rng, 1000, words)},
        ]
        for _ in range(ESTIMATE_N)
    ]
    long_history = [
        [{"role": "user" if k % 2 == 0 else "assistant", "content": fresh_text(rng, 1000, words)} for k in range(20)]
        for _ in range(max(10, ESTIMATE_N // 10))
    ]

    with tempfile.TemporaryDirectory(prefix="owm-bench-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        fs = os.statvfs(tmp)
        print(
            f"OpenWebUI Monitor billing bench — Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
            f" {os.cpu_count()} CPUs, asyncio default loop, temp dir {tmp} ({fs.f_bsize}-byte blocks)"
        )
        print(
            f"iterations: warmup {WARMUP}, bare {BASELINE_N}, billing {BILLING_N}, filter {FILTER_N},"
            f" concurrent {CONCURRENT_TURNS} per N in {CONCURRENCY} + {ESTIMATED_TURNS} estimated at"
            f" N={ESTIMATED_CONCURRENCY}, idle ticks {IDLE_TICKS}, estimates {ESTIMATE_N}; {USERS} users;"
            f" hold {HOLD}, price {PRICE_PER_1M:g}/1M in+out\n"
        )
        table = Table()

        # 1. Baseline.
        with GcPauses():
            bare = bench_bare(tmp / "bare.db", BASELINE_N)
        bare_p50 = pct(bare, 50)
        table.row("1. bare WAL txn (insert+update)", str(len(bare)), us(bare_p50), us(pct(bare, 99)), "1.0x")

        # 1b. What the outlet's transaction costs in SQLite alone: the floor of this design, before any Python.
        statements = captured_settle(tmp / "capture.db")
        for index, (label, drop) in enumerate(STATEMENT_VARIANTS):
            with GcPauses():
                samples = bench_statements(tmp / f"statements-{index}.db", statements, BASELINE_N, drop)
            table.row(
                f"{label}, {len(statements)} statements",
                str(len(samples)),
                us(pct(samples, 50)),
                us(pct(samples, 99)),
                f"{pct(samples, 50) / bare_p50:,.1f}x",
            )

        # 2. Billing, direct.
        with GcPauses():
            admits, settles, turns = bench_billing(tmp / "billing.db", BILLING_N)
        for name, samples in (
            ("2. billing.admit (hold)", admits),
            ("2. billing.settle (usage)", settles),
            ("2. admit+settle turn", turns),
        ):
            table.row(
                name,
                str(len(samples)),
                us(pct(samples, 50)),
                us(pct(samples, 99)),
                f"{pct(samples, 50) / bare_p50:,.1f}x",
            )

        problems = asyncio.run(run_async(tmp, table, bare_p50, estimate_texts))

        # 6. Estimation.
        print("\n6. estimation: tokens.usage_for with no usage reported (fresh text every sample)")
        count = tokens.counter(openwebui.tiktoken_dirs())
        kind = "heuristic" if count is tokens.heuristic_count else "tiktoken cl100k_base"
        with GcPauses():
            est, usage, why = bench_estimate(conversations, count)
        table.row(
            f"~2k tokens, 2 messages ({kind})",
            str(len(est)),
            f"{usage.input_tokens}+{usage.output_tokens}",
            us(pct(est, 50)),
            us(pct(est, 99)),
            f"{SEED_ESTIMATE_P50_MS * 1e-3 / pct(est, 50):,.0f}x",
        )
        with GcPauses():
            est_long, usage_long, _ = bench_estimate(long_history, count)
        table.row(
            f"~20k tokens, 20 messages ({kind})",
            str(len(est_long)),
            f"{usage_long.input_tokens}+{usage_long.output_tokens}",
            us(pct(est_long, 50)),
            us(pct(est_long, 99)),
            "",
        )
        table.print(("conversation", "n", "tokens in+out", "p50 µs", "p99 µs", "orig 34.5 ms / p50"))
        print(f"  reason given: {why!r}")

        # Extras: what blocks the loop once per process, and a per-call cost on it.
        print("\nextra: event-loop time outside the steady state (ticker's max lateness, or p50 per call)")
        asyncio.run(bench_first_open(tmp, table))
        table.print(("what", "µs"))

        for db in list(store._stores.values()):
            db.close()
        store._stores.clear()

    print(f"\ntotal {time.perf_counter() - started:.1f} s; exactness {'MISMATCH' if problems else 'OK'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
