"""Reliability under real processes on one SQLite file: four workers (as UVICORN_WORKERS=4 runs them) charging
the same users at once lose no update, and a worker killed with SIGKILL in the middle of its writes leaves a
database that opens, agrees with itself and settles every request it left open.

The workers are separate Python processes (tests/reliability_worker.py) started together through a barrier on
their stdin; every figure checked here is recomputed in this file from the known token counts and prices.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import reliability_worker as worker
from backends import is_postgres, open_target

from plugin import openwebui
from plugin import store as store_module
from plugin.domain import billing, pricing, tokens
from plugin.store import Store, is_url

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(worker.__file__).resolve()
DEADLINE = 60.0  # seconds any one wait on a worker may take before the test fails (a hang, not a speed, bound)

HOLD = pricing.to_micro(worker.HOLD)
INIT = pricing.to_micro(worker.INIT_BALANCE)
IN_PER_TOKEN = round(worker.INPUT_PRICE)  # micro-units per token: per 1M tokens x 1e6 micro-units / 1M tokens
OUT_PER_TOKEN = round(worker.OUTPUT_PRICE)


def cost_of(tag: str, i: int) -> int:
    """What turn i of worker `tag` costs, in micro-units, computed here rather than by the library."""
    input_tokens, output_tokens = worker.tokens_of(tag, i)
    return input_tokens * IN_PER_TOKEN + output_tokens * OUT_PER_TOKEN


def parse_key(chat_id: str) -> tuple[str, int]:
    """('p2', 17) from 'p2-c17' (the worker's key_of)."""
    tag, _, number = chat_id.rpartition("-c")
    return tag, int(number)


class Worker:
    """One worker process, its stdout read line by line on a thread so every wait has a deadline."""

    def __init__(self, mode: str, db: Path, tag: str, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.tag = tag
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), mode, str(db), tag, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        self._err.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def next_line(self, deadline: float) -> str:
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"worker {self.tag} said nothing in time; lines so far: {len(self.seen)}")
        if line is None:
            self._err.join(5)
            pytest.fail(f"worker {self.tag} ended (exit {self.proc.wait(5)}):\n{self.stderr[-20000:]}")
        self.seen.append(line)
        return line

    def wait_ready(self) -> None:
        assert self.next_line(time.monotonic() + DEADLINE) == "ready"

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def progress(self) -> int:
        return len(self.seen) - 1  # lines after "ready"

    def wait_progress(self, count: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while self.progress() < count:
            self.next_line(deadline)

    def kill9(self) -> None:
        assert self.proc.poll() is None, f"worker {self.tag} had already ended:\n{self.stderr[-3000:]}"
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(DEADLINE) == -signal.SIGKILL
        while (line := self.lines.get(timeout=DEADLINE)) is not None:  # lines written before it died count too
            self.seen.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(DEADLINE)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass  # a pipe to a killed process


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


def scalar(store: Store, sql: str, params: tuple = ()) -> object:
    row = store.conn.execute(sql, params).fetchone()
    return row[0] if row else None


def integrity(store: Store) -> None:
    if is_postgres(store):  # PostgreSQL checks its pages itself and its foreign keys at every write
        assert (
            scalar(store, "SELECT COUNT(*) FROM usage u LEFT JOIN users p ON p.id = u.user_id WHERE p.id IS NULL") == 0
        )
        return
    assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


# -- 1. four processes, shared users, no lost update -------------------------------------------------------------

PROCESSES = 4
ROUNDS = 6  # rounds of worker.CONCURRENCY (64) concurrent turns per process: long enough that the processes overlap


@pytest.mark.parametrize("fresh", [True, False], ids=["new-file", "existing-file"])
def test_four_worker_processes_charging_the_same_users_lose_no_update(
    db_target: str, workers: list[Worker], fresh: bool
) -> None:
    """On a new file the workers also race to create the tables and to give each new user its initial balance
    (the first to get the write lock may then keep it until it is done: SQLite's lock is not fair, so only the
    existing file is required to show the processes' writes interleaved)."""
    db = db_target
    if not fresh:
        open_target(db).close()
    tags = [f"p{n}" for n in range(PROCESSES)]
    workers += [Worker("turns", db, tag, str(ROUNDS)) for tag in tags]
    for w in workers:
        w.wait_ready()
    for w in workers:  # the barrier: every process is imported and waiting; release them together
        w.go()
    turns_per_process = ROUNDS * worker.CONCURRENCY
    deadline = time.monotonic() + DEADLINE
    for w in workers:
        outcome = json.loads(w.next_line(deadline))
        assert outcome["errors"] == [], outcome["errors"][:5]
        assert (outcome["turns"], outcome["ok"], outcome["failed"]) == (turns_per_process, turns_per_process, 0)
        assert w.proc.wait(DEADLINE) == 0, w.stderr

    # What every user must have paid, from the token counts and prices alone.
    spent: dict[str, int] = defaultdict(int)
    turns_of: dict[str, int] = defaultdict(int)
    for tag in tags:
        for i in range(turns_per_process):
            user_id = worker.user_of(i)["id"]
            spent[user_id] += cost_of(tag, i)
            turns_of[user_id] += 1
    assert len(spent) == worker.USERS

    store = open_target(db)
    try:
        integrity(store)
        assert store.reconcile() == []
        for user_id, cost in spent.items():
            balance = store.get_user(user_id)["balance"]
            kinds = {
                row["kind"]: (row["n"], row["total"])
                for row in store.query(
                    "SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM ledger WHERE user_id = ? GROUP BY kind",
                    (user_id,),
                )
            }
            assert balance == scalar(store, "SELECT SUM(amount) FROM ledger WHERE user_id = ?", (user_id,))
            assert balance == INIT - cost, f"{user_id}: {INIT - cost - balance} micro-units lost or doubled"
            n = turns_of[user_id]
            assert kinds == {
                "topup": (1, INIT),  # the initial balance once, though four processes met the new user at once
                "hold": (n, -n * HOLD),
                "release": (n, n * HOLD),
                "charge": (n, -cost),
            }
        total = PROCESSES * turns_per_process
        assert scalar(store, "SELECT COUNT(*) FROM usage") == total
        assert scalar(store, "SELECT COUNT(*) FROM requests WHERE status = 'settled'") == total
        assert scalar(store, "SELECT COUNT(*) FROM requests WHERE status = 'open'") == 0
        assert store.open_holds() == {"count": 0, "total": 0}
        for row in store.query("SELECT chat_id, input_tokens, output_tokens, cost FROM usage"):
            tag, i = parse_key(row["chat_id"])
            assert (row["input_tokens"], row["output_tokens"]) == worker.tokens_of(tag, i)
            assert row["cost"] == cost_of(tag, i)
        if fresh:
            return  # on a new file the point is the race to create it; the workers may then run one after another
        # The run really was concurrent: some process wrote between two rows of another (not one after another).
        spans = [
            (first, last)
            for first, last in store.conn.execute(
                "SELECT MIN(id), MAX(id) FROM ledger WHERE reference != '' GROUP BY substr(reference, 1, 2)"
            )
        ]
        assert len(spans) == PROCESSES
        overlapping = sum(1 for a in spans for b in spans if a < b and a[1] > b[0])
        assert overlapping, f"the workers ran one after another ({spans}): this run tested no concurrency"
    finally:
        store.close()


NEW_FILES = 150
LOCK_HELD = 0.3  # seconds another process keeps the write lock of the new file


def test_a_chat_waits_for_another_process_holding_the_lock_of_a_new_file_instead_of_being_refused(
    tmp_path: Path,
) -> None:
    """Deterministic form of the race below: another process holds the write lock of the brand-new file (as a worker
    does while it switches it to WAL and creates the tables) for LOCK_HELD seconds, well inside the busy timeout.
    The first chat of this process must wait for it, not be refused with "Billing is paused"."""
    db = tmp_path / "monitor.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('BEGIN IMMEDIATE')\n"
            "print('held', flush=True)\n"
            "sys.stdin.readline()\n"
            "conn.execute('ROLLBACK')\n",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline() == "held\n"
        release = threading.Timer(LOCK_HELD, lambda: (holder.stdin.write("\n"), holder.stdin.flush()))
        release.start()
        flt = worker.make_filter(str(db))
        body, _, metadata, user = worker.turn_args("lock", 0)
        try:
            asyncio.run(flt.inlet(body, __user__=user, __metadata__=metadata, __model__={"id": worker.MODEL}))
        finally:
            release.join()
    finally:
        holder.stdin.close()
        holder.wait(DEADLINE)
        holder.stdout.close()
    opened = store_module._stores.pop(str(db), None)  # this process's store for the file, as the Filter opened it
    for name in [name for name, cached in store_module._stores.items() if cached is opened]:
        del store_module._stores[name]
    if opened is not None:
        opened.close()
    store = Store(db)
    try:
        assert store.get_user(user["id"])["balance"] == INIT - HOLD
    finally:
        store.close()


def test_workers_opening_a_new_database_at_the_same_moment_all_open_it(tmp_path: Path) -> None:
    """Four processes open a Store on the same new file at once (the first chats after an install with
    UVICORN_WORKERS=4), over and over: every open must succeed, since a failed one refuses a chat."""
    paths = [str(tmp_path / f"new{n}" / "monitor.db") for n in range(NEW_FILES)]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=worker.open_new_files, args=(paths, barrier, results)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    try:
        failures = [failure for _ in procs for failure in results.get(timeout=DEADLINE)]
    finally:
        for proc in procs:
            proc.join(DEADLINE)
            if proc.is_alive():
                proc.kill()
    assert failures == [], f"{len(failures)} of {PROCESSES * NEW_FILES} opens failed, e.g. {failures[:3]}"


# -- 2. SIGKILL in the middle of a write load --------------------------------------------------------------------


def prompt_estimate(i: int) -> int:
    """The prompt tokens the worker's inlet counts for turn i (the same counter, chosen the same way here)."""
    count = tokens.counter(openwebui.tiktoken_dirs())
    return tokens.prompt_tokens(worker.turn_args("", i)[0]["messages"], count)


def streamed_output(tag: str, i: int) -> int:
    """The output a streamed inlet-only turn saves on its pending row: its text, counted roughly as it streamed."""
    return tokens.heuristic_count(worker.partial_of(tag, i)) if i % worker.STREAMED_EVERY == 0 else 0


def audit(store: Store, seen: dict[str, list[str]]) -> dict[str, int]:
    """Check that the database is whole and agrees with itself and with every turn the workers saw committed;
    returns the open holds per user."""
    integrity(store)
    assert store.reconcile() == []
    ledger: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in store.query("SELECT * FROM ledger WHERE kind != 'topup'"):
        ledger[row["reference"]][row["kind"]].append(row)
    usage = {billing._ref(row["chat_id"], row["message_id"]): row for row in store.query("SELECT * FROM usage")}
    requests = {billing._ref(r["chat_id"], r["message_id"]): r for r in store.query("SELECT * FROM requests")}

    def amounts(ref: str, kind: str) -> list[int]:
        return [row["amount"] for row in ledger[ref][kind]] if ref in ledger else []

    # No half-written record: a usage row and its charge, a request and its hold, always together.
    assert set(usage) == {ref for ref in ledger if ledger[ref]["charge"]}
    assert set(requests) == {ref for ref in ledger if ledger[ref]["hold"]}
    assert set(usage) <= set(requests)
    spent: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    for ref, request in requests.items():
        assert amounts(ref, "hold") == [-HOLD], ref
        tag, i = parse_key(request["chat_id"])
        record = usage.get(ref)
        if request["status"] == "open":  # an inlet-only turn (or one in flight at the kill): still pending
            assert (request["hold"], amounts(ref, "release"), record) == (HOLD, [], None), ref
            assert request["input_tokens"] == prompt_estimate(i), ref
            assert request["output_tokens"] in (0, streamed_output(tag, i)), ref  # saved once its stream began
            held[request["user_id"]] += HOLD
        elif request["status"] == "settled":
            assert request["hold"] == 0 and amounts(ref, "release") == [HOLD], ref
            assert record is not None and (record["input_tokens"], record["output_tokens"]) == worker.tokens_of(tag, i)
            assert record["cost"] == cost_of(tag, i) and amounts(ref, "charge") == [-record["cost"]], ref
            assert record["estimated"] == 0, ref
        elif request["status"] == "expired":  # settled without an outlet: the prompt and the output it saved
            estimate = (prompt_estimate(i), streamed_output(tag, i))
            assert estimate[1] and request["output_tokens"] == estimate[1], ref
            assert request["hold"] == 0 and amounts(ref, "release") == [HOLD], ref
            assert record is not None and (record["input_tokens"], record["output_tokens"], record["estimated"]) == (
                *estimate,
                1,
            ), ref
            assert record["cost"] == estimate[0] * IN_PER_TOKEN + estimate[1] * OUT_PER_TOKEN, ref
            charges = [(row["amount"], row["actor"]) for row in ledger[ref]["charge"]]
            assert charges == [(-record["cost"], "system")], ref
        elif request["status"] == "released":  # settled without an outlet, nothing generated: the hold given back
            assert request["output_tokens"] == 0 and record is None, ref
            assert request["hold"] == 0 and amounts(ref, "release") == [HOLD] and amounts(ref, "charge") == [], ref
        else:
            pytest.fail(f"{ref}: unexpected status {request['status']}")
        if record is not None:
            spent[request["user_id"]] += record["cost"]
    # Every balance is the initial one less what was charged and what is still held, to the micro-unit.
    for user in store.all_users():
        assert user["balance"] == INIT - spent.get(user["id"], 0) - held.get(user["id"], 0), user["id"]
        assert scalar(store, "SELECT COUNT(*) FROM ledger WHERE user_id = ? AND kind = 'topup'", (user["id"],)) == 1
    # What a worker saw returned (so committed) before it was killed survived the kill.
    for tag, lines in seen.items():
        for line in lines:
            kind, _, number = line.partition(" ")
            chat_id, message_id = worker.key_of(tag, int(number))
            ref = billing._ref(chat_id, message_id)
            assert kind in ("full", "inlet", "stream"), f"worker {tag}: {line}"
            assert ref in requests, f"worker {tag} saw {line} committed, but it is not in the database"
            if kind == "full":
                assert ref in usage, f"worker {tag} saw {line} settled, but there is no usage record"
            if kind == "stream":
                saved = (
                    requests[ref]["output_tokens"] if requests[ref]["status"] == "open" else usage[ref]["output_tokens"]
                )
                assert saved == streamed_output(tag, int(number)) > 0, f"worker {tag} saw {line} saved, but not so"
    return dict(held)


def copy_database(db: Path, folder: Path) -> Path:
    """The file with its -wal and -shm as the killed processes left them (a second restart, swept twice at once)."""
    folder.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return folder / db.name


def settle_stale(store: Store) -> list[billing.Settlement | None]:
    """What a restarted process's sweep does once `hold_timeout_minutes` (30) have passed: every pending request
    older than that is settled without an outlet (Open WebUI's saved text is not at hand here: none)."""
    return [
        billing.abandon(store, row["user_id"], row["chat_id"], row["message_id"], why="timed out")
        for row in billing.stale(store, older_than=30 * 60.0)
    ]


def an_hour_later(db: str) -> Store:
    """The database reopened with a clock an hour ahead: with the valve's 30-minute timeout every open request is
    stale."""
    return open_target(db, clock=lambda: time.time() + 3600)


def restarted_sweep(db: str) -> list[billing.Settlement]:
    """One restarted process (its own connection, on its own thread) settling what it finds stale."""
    store = an_hour_later(db)
    try:
        return [settled for settled in settle_stale(store) if settled is not None]
    finally:
        store.close()


def settle_all(db: str, seen: dict[str, list[str]], *, sweepers: int = 1) -> dict[str, int]:
    """Reopen as a restart would, check everything, then settle every open request as stale by the timeout rule,
    from `sweepers` restarted processes at once; check everything again. Returns the balances at the end."""
    store = open_target(db)
    try:
        held = audit(store, seen)
        balances = {user["id"]: user["balance"] for user in store.all_users()}
        pending = store.query("SELECT * FROM requests WHERE status = 'open'")
        assert pending and len(pending) == sum(held.values()) // HOLD  # inlet-only turns left holds open
        produced = [r for r in pending if r["output_tokens"] > 0]
        assert produced and len(produced) < len(pending)  # both rules are exercised: charged and voided
        ledger_rows = scalar(store, "SELECT COUNT(*) FROM ledger")
    finally:
        store.close()
    with ThreadPoolExecutor(sweepers) as pool:
        settled = [one for done in pool.map(restarted_sweep, [db] * sweepers) for one in done]
    store = an_hour_later(db)
    try:
        assert scalar(store, "SELECT COUNT(*) FROM requests WHERE status = 'open'") == 0
        assert scalar(store, "SELECT COUNT(*) FROM requests WHERE status = 'expired'") == len(produced) == len(settled)
        assert scalar(store, "SELECT COUNT(*) FROM requests WHERE status = 'released'") == len(pending) - len(produced)
        assert sorted(s.charged for s in settled) == sorted(
            prompt_estimate(parse_key(r["chat_id"])[1]) * IN_PER_TOKEN + r["output_tokens"] * OUT_PER_TOKEN
            for r in produced
        )
        assert audit(store, seen) == {}
        charged: dict[str, int] = defaultdict(int)
        for r in produced:
            charged[r["user_id"]] += prompt_estimate(parse_key(r["chat_id"])[1]) * IN_PER_TOKEN
            charged[r["user_id"]] += r["output_tokens"] * OUT_PER_TOKEN
        after = {user["id"]: user["balance"] for user in store.all_users()}
        assert after == {u: before + held.get(u, 0) - charged.get(u, 0) for u, before in balances.items()}
        # Settled once: a hold released and at most one charge per request, and a second sweep finds nothing.
        assert scalar(store, "SELECT COUNT(*) FROM ledger") == ledger_rows + len(pending) + len(produced)
        assert settle_stale(store) == []
        assert [
            billing.abandon(store, r["user_id"], r["chat_id"], r["message_id"], output_tokens=50) for r in pending
        ] == [None] * len(pending)
        assert scalar(store, "SELECT COUNT(*) FROM ledger") == ledger_rows + len(pending) + len(produced)
        assert store.reconcile() == []
        return after
    finally:
        store.close()


@pytest.mark.parametrize("kill_after", [3, 150, 450], ids=["at-once", "early", "after-checkpoints"])
def test_workers_killed_mid_write_leave_a_whole_database_that_settles_every_open_request(
    request: pytest.FixtureRequest, db_target: str, tmp_path: Path, workers: list[Worker], kill_after: int
) -> None:
    """Two workers on one database (so one also writes from its thread while the other holds the lock); A is
    killed after `kill_after` lines, B must go on charging, then B is killed too. What they left pending (inlet-only
    turns, some with part of a reply streamed and saved) is settled by the stale sweep's rule: charged the prompt
    and the saved output, estimated, or released when nothing was generated; each once, even when two restarted
    processes sweep at the same moment (on a copy of the same database)."""
    db = db_target
    open_target(db).close()  # an existing database, as after a restart (opening a new one at once is tested above)
    a, b = Worker("crash", db, "A"), Worker("crash", db, "B")
    workers += [a, b]
    a.wait_ready()
    b.wait_ready()
    a.go()
    b.go()
    a.wait_progress(kill_after)
    a.kill9()
    b.wait_progress(b.progress() + 60)  # a process that died mid-transaction holds no lock: B goes on
    b.kill9()
    seen = {w.tag: w.seen[1:] for w in workers}
    assert all(line.startswith(("full ", "inlet ", "stream ")) for lines in seen.values() for line in lines)
    assert any(line.startswith("stream ") for lines in seen.values() for line in lines)
    if is_url(db):
        other = request.getfixturevalue("pg_server").clone_database(db)
    else:
        other = str(copy_database(Path(db), tmp_path / "again"))
    alone = settle_all(db, seen)
    assert settle_all(other, seen, sweepers=2) == alone
