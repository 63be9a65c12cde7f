"""Two Open WebUI 0.12.4 replicas of one deployment, one PostgreSQL: a user's chats spread over both are billed
exactly once each, and the balance is exact.

The deployment, as replicas behind a load balancer run it:

* Open WebUI's own data (users, functions, valves, model records, chats) is ONE PostgreSQL database of the
  session's server (``pg_server``), named by the same ``DATABASE_URL`` in both processes. The URL says
  ``postgresql+psycopg://``: Open WebUI 0.12.4's async engine uses psycopg 3 either way, but its sync engine
  (startup config, Alembic migrations) takes a bare ``postgresql://`` as psycopg2, which is not installed; with
  the ``+psycopg`` driver name all of it runs on psycopg 3.
* Each replica has its own DATA_DIR (its own uploads, cache and vector store, as separate containers would) and
  port, and the same WEBUI_SECRET_KEY, so a token signed by one is accepted by the other.
* Our three functions are installed once, through replica A, with the ``database_url`` valve naming a second
  database: the monitor's tables (schema ``openwebui_monitor``) live there, apart from Open WebUI's.

Replica B loads functions, valves and prices from the shared databases on each request; only its list of models is
a per-process cache, which it fills again on ``GET /api/models?refresh=true`` (a bounded wait below).

Proof that both replicas did the work: the client counts its ``POST /api/chat/completions`` per replica, each
replica's own access log shows exactly that many, PostgreSQL shows each replica process holding its own connections
to the monitor's database (``pg_stat_activity`` matched to the processes' sockets), and every chat's usage row is
found by the token counts only that chat asked the fake upstream for.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
from psycopg.rows import dict_row

from plugin.money import money
from plugin.tools.install import install

from .fake_upstream import MODEL_GPT, REPLY_TEXT, FakeUpstream
from .monitor import ACTION, FILTER, PIPE
from .owui import OpenWebUI, OpenWebUIError, open_webui_executable

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "openwebui_monitor"
CHAT_POST = '"POST /api/chat/completions HTTP/1.1" 200'  # one uvicorn access-log line per chat request

# Known money, in micro-units (1 = $0.000001): a starting balance, a pre-charge held while a reply runs, and the
# admin's price for fake-gpt per 1M tokens (fractional, so the half-up rounding of each reply's cost matters).
INIT_BALANCE = 1_000_000
HOLD = 1_000
INPUT_PER_1M, OUTPUT_PER_1M = Decimal("2.5"), Decimal("7.25")

CONCURRENT = 16  # the first wave: all at once, half to each replica
CONVERSATION = 8  # then one saved chat whose turns alternate between the replicas
N = CONCURRENT + CONVERSATION
PATHS = (("api", False), ("api", True), ("saved", True), ("fanout", True))
MODELS_WAIT = 30.0  # seconds a replica may take to list models installed through the other one
SETTLE_WAIT = 30.0  # seconds for write-behind charges (saved chats) to be committed


def expected_cost(input_tokens: int, output_tokens: int) -> int:
    """What one reply costs at the admin's price, worked out here: dollars per 1M tokens, rounded half up."""
    dollars_per_1m = input_tokens * INPUT_PER_1M + output_tokens * OUTPUT_PER_1M
    return int(dollars_per_1m.quantize(Decimal(1), rounding=ROUND_HALF_UP))  # $ per 1M tokens == micro per token


def tokens_for(i: int) -> tuple[int, int]:
    """Chat i's token counts: unique per chat (odd inputs, so costs land on halves and quarters)."""
    return 1001 + 2 * i, 101 + i


@dataclass
class Deployment:
    """The two replicas (``replicas["a"]``, ``replicas["b"]``), the databases, and the chat requests the test sent
    to each replica (``posts``, compared with each replica's access log)."""

    replicas: dict[str, OpenWebUI]
    env: dict[str, str]
    upstream_url: str
    owui_url: str
    monitor_url: str
    pg_port: int
    posts: Counter[str] = field(default_factory=Counter)
    retired: list[OpenWebUI] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def servers(self) -> list[OpenWebUI]:
        return [*self.replicas.values(), *self.retired]

    def post(self, name: str) -> OpenWebUI:
        """Replica ``name``, counting one chat request sent to it."""
        with self.lock:
            self.posts[name] += 1
        return self.replicas[name]

    def restart(self, name: str) -> OpenWebUI:
        """Stop replica ``name`` (if running) and start it again: same DATA_DIR, port and environment."""
        old = self.replicas[name]
        old.stop()
        self.retired.append(old)
        new = OpenWebUI(old.data_dir, self.upstream_url, extra_env=self.env, port=old.port)
        self.replicas[name] = new
        return new.start()


# -- PostgreSQL, read directly ---------------------------------------------------------------------------------


def query(url: str, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def balance(dep: Deployment, user_id: str) -> int | None:
    rows = query(dep.monitor_url, f"SELECT balance FROM {SCHEMA}.users WHERE id = %s", (user_id,))
    return rows[0]["balance"] if rows else None


def usage_rows(dep: Deployment, user_id: str) -> list[dict[str, Any]]:
    return query(dep.monitor_url, f"SELECT * FROM {SCHEMA}.usage WHERE user_id = %s ORDER BY id", (user_id,))


def ledger_rows(dep: Deployment, user_id: str) -> list[dict[str, Any]]:
    return query(dep.monitor_url, f"SELECT * FROM {SCHEMA}.ledger WHERE user_id = %s ORDER BY id", (user_id,))


def wait_usage(dep: Deployment, user_id: str, count: int, timeout: float = SETTLE_WAIT) -> list[dict[str, Any]]:
    """The user's usage rows once there are ``count`` (saved chats' charges are committed just after the reply)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = usage_rows(dep, user_id)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def assert_explained(dep: Deployment, user_id: str) -> list[dict[str, Any]]:
    """users.balance is the ledger's sum, each balance_after follows from the row before, no hold is left open,
    and no user of the monitor's database disagrees with their ledger. Returns the user's ledger."""
    rows = ledger_rows(dep, user_id)
    running = 0
    for row in rows:
        running += row["amount"]
        assert row["balance_after"] == running, row
    assert balance(dep, user_id) == running
    open_requests = query(
        dep.monitor_url, f"SELECT * FROM {SCHEMA}.requests WHERE user_id = %s AND status = 'open'", (user_id,)
    )
    assert open_requests == []
    disagreeing = query(
        dep.monitor_url,
        f"SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger_sum FROM {SCHEMA}.users u"
        f" LEFT JOIN {SCHEMA}.ledger l ON l.user_id = u.id"
        " GROUP BY u.id HAVING u.balance <> COALESCE(SUM(l.amount), 0)",
    )
    assert disagreeing == []
    return rows


def pg_client_ports(server: OpenWebUI, pg_port: int) -> set[int]:
    """Local ports of the TCP connections the server's processes hold to the PostgreSQL server."""
    assert server.pid is not None, f"{server.base_url} is not running"
    root = psutil.Process(server.pid)
    ports: set[int] = set()
    for proc in [root, *root.children(recursive=True)]:
        try:
            connections = proc.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        ports |= {c.laddr.port for c in connections if c.raddr and c.raddr.port == pg_port}
    return ports


def backend_ports(dep: Deployment, url: str, application_name: str | None = None) -> set[int]:
    """Client ports of the sessions connected to ``url``'s database (by application name when given)."""
    dbname = url.rsplit("/", 1)[-1]
    sql = "SELECT client_port FROM pg_stat_activity WHERE datname = %s AND client_port IS NOT NULL"
    params: tuple = (dbname,)
    if application_name is not None:
        sql += " AND application_name = %s"
        params += (application_name,)
    return {row["client_port"] for row in query(dep.monitor_url, sql, params)}


# -- Open WebUI ----------------------------------------------------------------------------------------------


def wait_for_models(server: OpenWebUI, model_ids: set[str], timeout: float = MODELS_WAIT) -> int:
    """Refresh the replica's model list until it has ``model_ids``; returns how many refreshes it took."""
    deadline = time.monotonic() + timeout
    refreshes = 0
    while True:
        refreshes += 1
        seen = {model["id"] for model in server.refresh_models()}
        if model_ids <= seen:
            return refreshes
        if time.monotonic() > deadline:
            raise AssertionError(f"{server.base_url} lists {sorted(seen)} after {timeout}s, not {sorted(model_ids)}")
        time.sleep(0.5)


def ask(dep: Deployment, name: str, token: str, text: str) -> str:
    """What the Usage Monitor answers on replica ``name``."""
    _status, result = dep.post(name).chat_api(token, PIPE, text)
    return result["choices"][0]["message"]["content"]


def chat(dep: Deployment, name: str, token: str, text: str, path: str, stream: bool, **saved: Any) -> dict:
    """One chat turn on replica ``name``: the API path, the saved-chat path or the UI's fan-out path."""
    server = dep.post(name)
    if path == "api":
        _status, result = server.chat_api(token, MODEL_GPT, text, stream=stream)
        reply = result["text"] if stream else result["choices"][0]["message"]["content"]
        assert reply == REPLY_TEXT
        return {"replica": name}
    extra = {"session_id": f"e2e-replica-{name}"} if path == "fanout" else {}
    result = server.chat_saved(token, MODEL_GPT, text, stream=stream, **saved, **extra)
    assert not result["message"].get("error"), result["message"]
    assert result["message"]["content"] == REPLY_TEXT
    return {**result, "replica": name}


def status_lines(server: OpenWebUI, token: str, chat_id: str, message_id: str) -> list[str]:
    message = server.get_chat(token, chat_id)["chat"]["history"]["messages"][message_id]
    return [item.get("description", "") for item in message.get("statusHistory") or []]


def wait_notice(server: OpenWebUI, token: str, chat_id: str, message_id: str, timeout: float = 15.0) -> str:
    """The billing notice saved under a reply (it follows the reply once the charge has committed)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in status_lines(server, token, chat_id, message_id) if line.startswith("Tokens:")]
        if lines:
            return lines[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no billing notice under {chat_id}/{message_id}")
        time.sleep(0.1)


def new_user(dep: Deployment, prefix: str) -> dict:
    """A user made through replica A; the token A signed is the one used on both replicas."""
    email = f"{prefix}-{time.monotonic_ns()}@example.com"
    return dep.replicas["a"].add_user(prefix.title(), email, f"{prefix}-pass")


def log_count(server: OpenWebUI, needle: str = CHAT_POST) -> int:
    return server.log_path.read_text(errors="replace").count(needle)


def assert_logs_match(dep: Deployment, timeout: float = 5.0) -> None:
    """Each replica's access log shows exactly the chat requests the test sent to it."""
    deadline = time.monotonic() + timeout
    while True:
        counts = {name: log_count(server) for name, server in dep.replicas.items()}
        if counts == dict(dep.posts) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert counts == dict(dep.posts)


# -- the deployment ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment(
    pg_server: Any, fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Replica A, then replica B (one after the other: the first runs Open WebUI's migrations and creates the
    admin), our functions installed through A with ``database_url`` set on all three, and a model record."""
    try:
        open_webui_executable()
    except OpenWebUIError as exc:
        pytest.skip(str(exc))
    owui_url, monitor_url = pg_server.create_database(), pg_server.create_database()
    env = {"DATABASE_URL": owui_url.replace("postgresql://", "postgresql+psycopg://", 1)}
    dep = Deployment({}, env, fake_upstream.base_url, owui_url, monitor_url, pg_server.port)
    try:
        for name in ("a", "b"):
            server = OpenWebUI(tmp_path_factory.mktemp(f"replica-{name}"), fake_upstream.base_url, extra_env=env)
            dep.replicas[name] = server
            server.start()
            print(f"replica {name} started in {server.start_seconds:.1f} s")
        a = dep.replicas["a"]
        install(a.base_url, ROOT, api_key=a.admin_token)
        filter_valves = {
            "language": "en",
            "init_balance": INIT_BALANCE / 1_000_000,
            "cost_on_inlet": f"{MODEL_GPT}:{HOLD / 1_000_000}",
            "database_url": monitor_url,
        }
        a.set_valves(FILTER, {**a.get_valves(FILTER), **filter_valves})
        for fid in (PIPE, ACTION):
            a.set_valves(fid, {**a.get_valves(fid), "database_url": monitor_url})
        a.create_model_record(MODEL_GPT, MODEL_GPT)
        # The admin's price, set through the Usage Monitor of the OTHER replica.
        b = dep.replicas["b"]
        refreshes = wait_for_models(b, {PIPE, MODEL_GPT})
        print(f"replica b listed the models installed through a after {refreshes} refresh(es)")
        answer = ask(dep, "b", b.admin_token, f"/price set {MODEL_GPT} {INPUT_PER_1M} {OUTPUT_PER_1M}")
        assert "Prices of fake-gpt" in answer, answer
        yield dep
    finally:
        for server in dep.servers:
            server.stop()
        for url in (owui_url, monitor_url):
            pg_server.drop_database(url)


def test_both_replicas_share_open_webuis_data_and_ours(deployment: Deployment) -> None:
    dep = deployment
    a, b = dep.replicas["a"], dep.replicas["b"]
    # One Open WebUI: B knows the admin A created at its first start, the functions and valves A installed...
    for fid in (FILTER, PIPE, ACTION):
        record = b.get_function(fid)
        assert record is not None and record["is_active"], (fid, record)
        assert b.get_valves(fid)["database_url"] == dep.monitor_url
    assert b.get_valves(FILTER)["cost_on_inlet"] == f"{MODEL_GPT}:{HOLD / 1_000_000}"
    # ... and, once it refreshes its own cache of models, the Usage Monitor and the model record.
    wait_for_models(b, {PIPE, MODEL_GPT})
    # Both replicas hold connections to Open WebUI's one database.
    owui_sessions = backend_ports(dep, dep.owui_url)
    for server in (a, b):
        assert pg_client_ports(server, dep.pg_port) & owui_sessions, server.base_url
    # The price the admin set through the Usage Monitor of B is in the monitor's database, and A's reports it.
    prices = ask(dep, "a", a.admin_token, "/prices")
    assert "| fake-gpt | $2.5000 | $7.2500 | — | — | set by an admin |" in prices, prices
    price = query(dep.monitor_url, f"SELECT * FROM {SCHEMA}.prices WHERE model_id = %s", (MODEL_GPT,))
    assert [(p["input_price"], p["output_price"]) for p in price] == [(2_500_000, 7_250_000)]
    # Nothing of ours went to a SQLite file.
    for server in (a, b):
        assert not (server.data_dir / "openwebui_monitor" / "monitor.db").exists()


def test_chats_spread_over_both_replicas_are_billed_exactly(deployment: Deployment) -> None:
    dep = deployment
    wait_for_models(dep.replicas["b"], {PIPE, MODEL_GPT})
    user = new_user(dep, "spread")
    token = user["token"]
    plan: list[tuple[int, str, str, bool]] = []  # (chat index, replica, path, stream)
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    # Wave 1: CONCURRENT chats at once, alternating replicas, every path twice on each replica. The user is new,
    # so the first of them (on either replica) also gives the initial balance: exactly once.
    barrier = threading.Barrier(CONCURRENT)

    def one(i: int, name: str, path: str, stream: bool) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = chat(
                dep, name, token, f"wave {i} [usage {tokens_for(i)[0]} {tokens_for(i)[1]}] [delay 0.3]", path, stream
            )
        except BaseException as exc:
            errors.append(exc)

    threads = []
    for i in range(CONCURRENT):
        name = "ab"[i % 2]
        path, stream = PATHS[(i // 2) % len(PATHS)]
        plan.append((i, name, path, stream))
        threads.append(threading.Thread(target=one, args=(i, name, path, stream)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    wave_seconds = time.monotonic() - started
    assert not errors, errors
    assert sorted(results) == list(range(CONCURRENT))
    assert len(wait_usage(dep, user["id"], CONCURRENT)) == CONCURRENT

    # Both replicas billed through their own connections to the monitor's database.
    ours = backend_ports(dep, dep.monitor_url, application_name="openwebui_monitor")
    for server in dep.replicas.values():
        assert pg_client_ports(server, dep.pg_port) & ours, f"{server.base_url} holds no connection of ours"

    # Wave 2: one saved chat, its turns alternating between the replicas (each turn's parent read from the shared
    # chat); the last one on the UI's fan-out path, whose notice reports the balance.
    chat_id = None
    for turn in range(CONVERSATION):
        i = CONCURRENT + turn
        name = "ab"[turn % 2]
        last = turn == CONVERSATION - 1
        path = "fanout" if last else "saved"
        plan.append((i, name, path, True))
        if last:  # every earlier charge is committed, so the notice's balance is the final one
            assert len(wait_usage(dep, user["id"], i)) == i
        text = f"turn {turn} [usage {tokens_for(i)[0]} {tokens_for(i)[1]}]"
        results[i] = chat(dep, name, token, text, path, True, **({"chat_id": chat_id} if chat_id else {}))
        chat_id = results[i]["chat_id"]
        assert chat_id == results[CONCURRENT]["chat_id"]

    # The money: init - sum of the costs worked out here, one usage row per chat with its own tokens and cost.
    costs = {tokens_for(i)[0]: expected_cost(*tokens_for(i)) for i in range(N)}
    expected = INIT_BALANCE - sum(costs.values())
    rows = wait_usage(dep, user["id"], N)
    assert len(rows) == N
    assert balance(dep, user["id"]) == expected
    by_input = {row["input_tokens"]: row for row in rows}
    assert sorted(by_input) == sorted(costs)
    for i, _name, path, _stream in plan:
        row = by_input[tokens_for(i)[0]]
        assert (row["output_tokens"], row["cost"], row["estimated"]) == (
            tokens_for(i)[1],
            costs[row["input_tokens"]],
            0,
        )
        assert (row["model_id"], row["price_source"]) == (MODEL_GPT, "admin")
        if path == "api":
            assert row["chat_id"] == "" and row["message_id"].startswith("api-")
        else:
            assert (row["chat_id"], row["message_id"]) == (results[i]["chat_id"], results[i]["assistant_id"])

    # The ledger: one initial balance, and per chat a hold, its release and the exact charge; its sum is the balance.
    ledger = assert_explained(dep, user["id"])
    assert sum(row["amount"] for row in ledger) == expected
    initial = [row for row in ledger if row["reason"] == "initial balance"]
    assert [(row["kind"], row["amount"]) for row in initial] == [("topup", INIT_BALANCE)]
    kinds = Counter(row["kind"] for row in ledger)
    assert kinds == {"topup": 1, "hold": N, "release": N, "charge": N}
    assert sorted(-row["amount"] for row in ledger if row["kind"] == "charge") == sorted(costs.values())
    assert {row["amount"] for row in ledger if row["kind"] in ("hold", "release")} == {-HOLD, HOLD}

    # What the user is told: the notice under the last reply, and the Usage Monitor of either replica.
    last_i = N - 1
    last = results[last_i]
    line = wait_notice(dep.replicas[last["replica"]], token, last["chat_id"], last["assistant_id"])
    cost = money(expected_cost(*tokens_for(last_i)), "$", exact=True)
    tokens = "+".join(map(str, tokens_for(last_i)))
    assert line.startswith(f"Tokens: {tokens} | Cost: {cost} | Balance: {money(expected, '$')} | "), line
    inputs, outputs = sum(tokens_for(i)[0] for i in range(N)), sum(tokens_for(i)[1] for i in range(N))
    for name in ("a", "b"):
        report = ask(dep, name, token, "/balance")
        assert report.startswith(f"**Your usage** · balance {money(expected, '$')}\n"), (name, report)
        assert f"| All time | {N} | {inputs:,} | {outputs:,} | {money(INIT_BALANCE - expected, '$')} |" in report, (
            name,
            report,
        )

    # Each replica served half of the chats: the client sent them so, and each replica's access log agrees.
    served = Counter(name for _i, name, _path, _stream in plan)
    assert served == {"a": N // 2, "b": N // 2}
    assert_logs_match(dep)
    for server in dep.replicas.values():  # and each loaded our filter from the shared database itself
        assert log_count(server, f"Loaded module: function_{FILTER}_") >= 1, server.base_url
    print(
        f"{N} chats ({dict(served)}), wave of {CONCURRENT} in {wave_seconds:.1f} s; balance {expected} micro-units;"
        f" chat requests per replica (incl. Usage Monitor): {dict(dep.posts)}"
    )


def test_a_stopped_replica_does_not_stop_billing_and_a_restarted_one_rejoins(deployment: Deployment) -> None:
    dep = deployment
    user = new_user(dep, "failover")
    token = user["token"]
    started = time.monotonic()
    dep.replicas["b"].stop()
    print(f"replica b stopped in {time.monotonic() - started:.1f} s")
    chat(dep, "a", token, f"b is down [usage {tokens_for(100)[0]} {tokens_for(100)[1]}]", "api", True)
    cost_down = expected_cost(*tokens_for(100))
    assert balance(dep, user["id"]) == INIT_BALANCE - cost_down

    started = time.monotonic()
    b = dep.restart("b")
    print(f"replica b restarted in {time.monotonic() - started:.1f} s")
    wait_for_models(b, {PIPE, MODEL_GPT})
    result = chat(dep, "b", token, f"b is back [usage {tokens_for(101)[0]} {tokens_for(101)[1]}]", "fanout", True)
    expected = INIT_BALANCE - cost_down - expected_cost(*tokens_for(101))
    rows = wait_usage(dep, user["id"], 2)
    assert [(row["input_tokens"], row["cost"]) for row in rows] == [
        (tokens_for(100)[0], cost_down),
        (tokens_for(101)[0], expected_cost(*tokens_for(101))),
    ]
    assert balance(dep, user["id"]) == expected
    line = wait_notice(b, token, result["chat_id"], result["assistant_id"])
    assert f"Balance: {money(expected, '$')}" in line, line
    ledger = assert_explained(dep, user["id"])
    assert Counter(row["kind"] for row in ledger) == {"topup": 1, "hold": 2, "release": 2, "charge": 2}
    assert_logs_match(dep)


def test_concurrent_chats_across_replicas_never_overdraw_at_default_valves(deployment: Deployment) -> None:
    """32 chats of one user at once, half to each replica, default valves (the hold is the reply's estimate, no
    `cost_on_inlet`): a balance that covers about 5 holds serves no more than it covers, on PostgreSQL's per-user
    lock across two processes. Served x cost stays within the balance; the refused are told the hold and balance."""
    dep = deployment
    a = dep.replicas["a"]
    wait_for_models(dep.replicas["b"], {PIPE, MODEL_GPT})
    valves = a.get_valves(FILTER)
    a.set_valves(FILTER, {**valves, "cost_on_inlet": "0"})
    try:
        user = new_user(dep, "overdraw")
        token = user["token"]
        # Each reply takes 6 s: every one of the 32 inlets has run before the first reply ends and gives back the
        # part of its hold it did not use, so no more than the balance covers at once can be served. (With 2 s, a
        # full run on 2 cores once let 3 replies end before the last inlets ran: 8 served, each within the balance.)
        text = "burst [usage 1001 101] [delay 6]"
        # A first chat learns the hold (its ledger's 'hold' row) and gives the initial balance; then the balance is
        # set to about five holds.
        chat(dep, "a", token, text, "api", False)
        hold = -next(row["amount"] for row in ledger_rows(dep, user["id"]) if row["kind"] == "hold")
        cost = expected_cost(1001, 101)
        assert cost < hold  # the estimate (1000 output tokens) is above the reply's real cost
        start = 5 * hold + hold // 2
        ask(dep, "b", a.admin_token, f"/balance set {user['email']} {Decimal(start) / 1_000_000}")
        assert balance(dep, user["id"]) == start
        barrier = threading.Barrier(32)
        served: list[int] = []
        refused: list[str] = []
        errors: list[BaseException] = []

        def one(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                status, result = dep.post("ab"[i % 2]).chat_api(token, MODEL_GPT, text, expect_status=None)
                if status == 200:
                    served.append(i)
                else:
                    refused.append(str(result))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        assert not errors, errors
        assert len(served) + len(refused) == 32
        assert 1 <= len(served) <= start // hold, (len(served), hold, start)
        assert len(served) * cost <= start
        assert all("Insufficient balance" in text for text in refused), refused[:3]
        final = balance(dep, user["id"])
        assert final == start - len(served) * cost and final >= 0
        assert_explained(dep, user["id"])
    finally:
        a.set_valves(FILTER, valves)
