"""What only the PostgreSQL store has: SQLite's SQL translated, its locks (one user's chats one after the other,
different users side by side, an admin change alone), a deadlock's step run again, and the failures a server
brings (unreachable, a lock held past the busy timeout, a connection killed) answered like an unwritable
SQLite file: a clear translated refusal, nothing recorded lost, the next chat served once it is back.

The semantics every store shares (billing, reports, restore, four processes charging the same users) run on
both backends through the `store` fixture; this file covers the rest.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from chats import USER, Emitter, chat, run
from pydantic import ValidationError

from plugin import store as store_module
from plugin.domain import billing
from plugin.errors import StoreUnavailable
from plugin.functions.action import Action
from plugin.functions.filter import Filter
from plugin.functions.pipe import Pipe
from plugin.functions.valves import store_target
from plugin.store import PgStore, open_store, redacted
from plugin.store import postgres as pgstore
from plugin.store.postgres import LOCK_KEY, translate, user_key
from plugin.words import i18n

USAGE = {"input_tokens": 1000, "output_tokens": 1000}


# -- SQLite's SQL, spoken to PostgreSQL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = %s"),
        ("UPDATE x SET a = :a WHERE id = :id", "UPDATE x SET a = %(a)s WHERE id = %(id)s"),
        ("INSERT OR IGNORE INTO users (id) VALUES (?)", "INSERT INTO users (id) VALUES (%s) ON CONFLICT DO NOTHING"),
        ("WHERE name IS NOT ? OR role IS ?", "WHERE name IS DISTINCT FROM %s OR role IS NOT DISTINCT FROM %s"),
        ("SELECT CAST(created_at AS INTEGER) / 900", "SELECT CAST(TRUNC(created_at) AS BIGINT) / 900"),
        # Literals are left alone, whatever they hold; a % outside them is escaped for psycopg.
        ("SELECT 'a ? :b %' || ? FROM t", "SELECT 'a ? :b %%' || %s FROM t"),
        ("SELECT 'it''s ?' AS t", "SELECT 'it''s ?' AS t"),
        ("SELECT pg_typeof(x)::text", "SELECT pg_typeof(x)::text"),
        # SQLite's unary-plus planner hint goes (PostgreSQL could not estimate the term); a sum stays.
        ("WHERE +u.created_at >= :lo AND (+x < 1)", "WHERE u.created_at >= %(lo)s AND (x < 1)"),
        ("SET balance = balance + ?, n = (a + b)", "SET balance = balance + %s, n = (a + b)"),
    ],
)
def test_sqlites_statements_are_translated(sqlite: str, postgres: str) -> None:
    assert translate(sqlite) == postgres


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:s3cret@db:5432/x", "postgresql://bob:***@db:5432/x"),
        ("postgresql://db/x", "postgresql://db/x"),
        ("postgresql://bob@db/x", "postgresql://bob@db/x"),
        ("postgresql://u:p@ss@h:port/db", "postgresql://u:***@h:port/db"),  # no number, and an @ in the password
        ("postgresql://u:pw@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
        (
            "postgresql://h/db?user=u&password=s3cret&sslmode=require",
            "postgresql://h/db?user=u&password=***&sslmode=require",
        ),
    ],
)
def test_a_password_never_reaches_a_log_line(url: str, shown: str) -> None:
    assert redacted(url) == shown


def test_the_store_lives_in_its_own_schema_and_connects_with_the_busy_timeout(pg_url: str) -> None:
    store = PgStore(pg_url)
    try:
        assert store.one("SHOW search_path")["search_path"] == "openwebui_monitor"
        assert store.one("SHOW lock_timeout")["lock_timeout"] == f"{store_module.BUSY_TIMEOUT_MS // 1000}s"
        # A replica gone mid-step (its socket never closed) frees its locks after this, not the server's 2 hours.
        assert store.one("SHOW idle_in_transaction_session_timeout")["idle_in_transaction_session_timeout"] == "30s"
        with psycopg.connect(pg_url) as plain:  # nothing of ours in the public schema of a shared database
            public = plain.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert public == (0,)
    finally:
        store.close()


# -- locks ------------------------------------------------------------------------------------------------------


def _admit(store: PgStore, user_id: str, message_id: str) -> billing.Admission | billing.Refusal:
    return billing.admit(
        store,
        billing.Member(user_id, user_id, f"{user_id}@example.com"),
        chat_id=f"c-{user_id}",  # a chat is one user's (another user's ids are refused)
        message_id=message_id,
        model_id="gpt",
        hold=10,
        init_balance=1_000,
    )


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    s = PgStore(pg_url)
    yield s
    s.close()


@pytest.fixture
def other(pg_url: str) -> Iterator[psycopg.Connection]:
    """Another Open WebUI replica's connection."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


def _in_thread(fn, *args) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn(*args)), daemon=True)
    thread.start()
    return thread, out


def test_a_users_chat_waits_for_their_other_chat_and_other_users_do_not(
    store: PgStore, other: psycopg.Connection
) -> None:
    _admit(store, "ann", "m0")  # both users exist before the lock is taken
    _admit(store, "bob", "m0")
    other.execute("SELECT pg_advisory_lock_shared(%s), pg_advisory_lock(%s)", (LOCK_KEY, user_key("ann")))
    try:
        ann, ann_out = _in_thread(_admit, store, "ann", "m1")
        bob, bob_out = _in_thread(_admit, store, "bob", "m1")
        bob.join(5)
        assert bob_out and isinstance(bob_out[0], billing.Admission)  # not held up by Ann's chat elsewhere
        time.sleep(0.3)
        assert ann.is_alive() and not ann_out  # waits for Ann's chat on the other replica
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")
    ann.join(5)
    assert ann_out and ann_out[0].balance == 1_000 - 2 * 10
    assert store.reconcile() == []


def test_an_admin_change_waits_for_chats_in_progress_and_holds_off_new_ones(
    store: PgStore, other: psycopg.Connection
) -> None:
    _admit(store, "ann", "m0")
    other.execute("SELECT pg_advisory_lock_shared(%s)", (LOCK_KEY,))  # a chat in progress on another replica

    def top_up() -> int:
        with store.immediate():
            return store.append_ledger("ann", "topup", 5, actor="admin")

    admin, admin_out = _in_thread(top_up)
    time.sleep(0.3)
    assert admin.is_alive() and not admin_out
    other.execute("SELECT pg_advisory_unlock_all()")
    admin.join(5)
    assert admin_out == [1_000 - 10 + 5]


def test_a_billing_step_rolled_back_to_break_a_deadlock_runs_again_once(store: PgStore) -> None:
    attempts = []

    def step(s: PgStore) -> int:
        with s.immediate(user="ann"):
            s.ensure_user("ann", "Ann", "", "user")
            balance = s.append_ledger("ann", "topup", 7, actor="test")
            attempts.append(balance)
            if len(attempts) == 1:  # as PostgreSQL ends the victim of a deadlock, after some of its writes
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            return balance

    async def go() -> int:
        return await store.submit(step, store)

    assert run(go()) == 7  # the first attempt's top-up was rolled back with it
    assert attempts == [7, 7]
    assert [row["amount"] for row in store.ledger_for("ann")] == [7]


# -- failures ---------------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("lang", ["en", "zh", "es"])
def test_an_unreachable_server_refuses_the_chat_in_the_users_language(lang: str) -> None:
    flt = Filter()
    flt.valves = flt.Valves(database_url=f"postgresql://bob:s3cret@127.0.0.1:{_closed_port()}/monitor")
    with pytest.raises(Exception) as info:
        chat(flt, usage=USAGE, lang_valves=Filter.UserValves(language=lang))
    assert str(info.value) == i18n.t(lang, "db_unavailable")


def test_an_unreachable_server_lets_chats_through_unbilled_when_the_admin_chose_fail_open() -> None:
    flt = Filter()
    flt.valves = flt.Valves(database_url=f"postgresql://127.0.0.1:{_closed_port()}/monitor", on_db_unavailable="open")
    sent, _ = chat(flt, usage=USAGE)
    assert sent["messages"][0]["content"] == "hello"


def test_a_lock_held_past_the_busy_timeout_refuses_the_chat_and_loses_nothing(
    pg_url: str, other: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pgstore, "BUSY_TIMEOUT_MS", 300)
    flt = Filter()
    flt.valves = flt.Valves(database_url=pg_url, init_balance=1.0)
    try:
        chat(flt, usage=USAGE)
        before = open_store(pg_url).get_user(USER["id"])["balance"]
        other.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # an admin change stuck on another replica
        started = time.monotonic()
        with pytest.raises(Exception, match="Billing is paused"):
            chat(flt, usage=USAGE, message_id="a2")
        assert time.monotonic() - started < 5
        other.execute("SELECT pg_advisory_unlock_all()")
        _, emitter = chat(flt, usage=USAGE, message_id="a3")  # served again once the lock is free
        assert emitter.descriptions and "Balance" in emitter.descriptions[0]
        store = open_store(pg_url)
        assert store.get_user(USER["id"])["balance"] < before and store.reconcile() == []
        assert {row["message_id"] for row in store.query("SELECT message_id FROM usage")} == {"a1", "a3"}
    finally:
        store_module._stores.pop(pg_url).close()


def test_a_killed_connection_is_opened_again_outside_a_transaction_and_fails_the_one_inside(
    store: PgStore, other: psycopg.Connection
) -> None:
    _admit(store, "ann", "m0")
    pid = store.one("SELECT pg_backend_pid() AS pid")["pid"]
    other.execute("SELECT pg_terminate_backend(%s)", (pid,))  # a server restart, a failover, an idle timeout
    assert store.get_user("ann")["balance"] == 1_000 - 10  # nothing ran on the dead one: run again on a new one
    assert store.one("SELECT pg_backend_pid() AS pid")["pid"] != pid
    with pytest.raises(StoreUnavailable), store.immediate(user="ann"):
        store.append_ledger("ann", "topup", 5, actor="test")
        other.execute("SELECT pg_terminate_backend(%s)", (store.one("SELECT pg_backend_pid() AS pid")["pid"],))
        store.append_ledger("ann", "topup", 7, actor="test")  # its transaction is gone: not run anywhere else
    assert store.get_user("ann")["balance"] == 1_000 - 10 and store.reconcile() == []


def test_steps_from_many_coroutines_at_once_are_exact(store: PgStore) -> None:
    """64 chats of 8 users at once through `submit`, as the Filter sends them: every hold and release counted."""

    async def many() -> list:
        return await asyncio.gather(*(store.submit(_admit, store, f"u{i % 8}", f"m{i}") for i in range(64)))

    results = run(many())
    assert all(isinstance(r, billing.Admission) for r in results)
    for i in range(8):
        assert store.get_user(f"u{i}")["balance"] == 1_000 - 8 * 10
    assert store.reconcile() == [] and store.open_holds() == {"count": 64, "total": 640}


def test_a_charge_the_server_dropped_is_queued_again_on_the_same_database(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outlet's charge failed as the connection dropped: it is sent once more, to the database the valve
    names (its full URL, password included, not the redacted one the store shows in messages), and bills once."""
    url = pg_url.replace("postgres@", "postgres:s3cret@")  # the test server trusts loopback: any password works
    real, calls = billing.settle, []

    def settle_after_a_drop(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise StoreUnavailable()
        return real(*args, **kwargs)

    monkeypatch.setattr(billing, "settle", settle_after_a_drop)
    flt = Filter()
    flt.valves = flt.Valves(database_url=url, init_balance=1.0)
    try:
        _, emitter = chat(flt, usage=USAGE)
        assert len(calls) == 2 and emitter.descriptions and "Balance" in emitter.descriptions[0]
        assert [key for key in store_module._stores if key.startswith("postgresql://")] == [url]
        store = open_store(url)
        assert len(store.query("SELECT id FROM usage")) == 1 and store.reconcile() == []
    finally:
        store_module._stores.pop(url).close()


def _kill_inside_ensure_member(monkeypatch: pytest.MonkeyPatch, other: psycopg.Connection) -> dict[str, int]:
    """Arm kills of the next steps' own connections inside their transactions (after BEGIN and the locks reached
    the server: they go with a step's first read): set `armed["on"]` to how many steps in a row lose theirs (True:
    one)."""
    real, armed = billing._ensure_member, {"on": 0}

    def ensure_member(store, *args, **kwargs):
        if armed["on"]:
            armed["on"] -= 1
            store.one("SELECT 1 AS begun")
            other.execute("SELECT pg_terminate_backend(%s)", (store.conn.raw.info.backend_pid,))
        return real(store, *args, **kwargs)

    monkeypatch.setattr(billing, "_ensure_member", ensure_member)
    return armed


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_a_connection_killed_inside_a_step_refuses_or_lets_through_and_the_reply_is_charged_once(
    pg_url: str, other: psycopg.Connection, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    armed = _kill_inside_ensure_member(monkeypatch, other)
    flt = Filter()
    flt.valves = flt.Valves(database_url=pg_url, init_balance=1.0, cost_on_inlet="0.01", on_db_unavailable=mode)
    try:
        # The inlet's admit loses its connection mid-transaction: nothing ran, so it is tried once more on a fresh
        # connection, and the chat is admitted and charged once.
        armed["on"] = 1
        chat(flt, usage=USAGE, message_id="a00")
        # It loses it twice in a row: refused (closed), or let through unbilled and told so (open).
        armed["on"] = 2
        if mode == "closed":
            with pytest.raises(Exception) as info:
                chat(flt, usage=USAGE)
            assert str(info.value) == i18n.t("en", "db_unavailable")
        else:
            _, told = chat(flt, usage=USAGE, message_id="a0")
            assert told.descriptions == [i18n.t("en", "not_recorded")]
        # The user tries again; this time the outlet's settle loses its connection mid-transaction.
        metadata = {"chat_id": "c1", "message_id": "a1", "model": {"id": "gpt"}, "user_message": {}}
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
        reply = {"role": "assistant", "content": "x", "id": "a1", "usage": USAGE}
        out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*body["messages"], reply]}
        emitter = Emitter()
        armed["on"] = True

        async def outlet() -> None:
            await flt.outlet(
                out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter
            )
            await flt.settled()

        run(outlet())
        assert emitter.descriptions and "Balance" in emitter.descriptions[0]  # queued again, then charged
        store = open_store(pg_url)
        charges = [row["reference"] for row in store.query("SELECT reference FROM ledger WHERE kind = 'charge'")]
        assert sorted(charges) == ["c1/a00", "c1/a1"]  # each admitted reply once; the one let through unbilled not
        assert store.reconcile() == []
    finally:
        store_module._stores.pop(pg_url).close()


def test_replies_in_flight_when_the_server_drops_every_connection_are_all_charged(
    pg_url: str, other: psycopg.Connection
) -> None:
    """A restart or failover between the inlets and the outlets of 8 chats: each of the store's threads finds its
    connection dead at its next statement, outside a transaction, opens a new one and runs the statement again."""
    flt = Filter()
    flt.valves = flt.Valves(database_url=pg_url, init_balance=1.0)
    turns = []
    for i in range(8):
        metadata = {"chat_id": "c1", "message_id": f"a{i}", "model": {"id": "gpt"}, "user_message": {}}
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
        reply = {"role": "assistant", "content": "x", "id": f"a{i}", "usage": USAGE}
        turns.append((metadata, {"model": "gpt", "chat_id": "c1", "id": f"a{i}", "messages": [reply]}))
    try:
        dropped = other.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'openwebui_monitor' AND datname = current_database()"
        ).fetchone()
        assert dropped and dropped[0] >= 1
        emitter = Emitter()

        async def outlets() -> None:
            await asyncio.gather(
                *(
                    flt.outlet(out, __user__=USER, __metadata__=md, __model__={"id": "gpt"}, __event_emitter__=emitter)
                    for md, out in turns
                )
            )
            await flt.settled()

        run(outlets())
        assert len(emitter.descriptions) == 8 and all("Balance" in d for d in emitter.descriptions)
        store = open_store(pg_url)
        assert store.one("SELECT COUNT(*) AS n FROM usage")["n"] == 8 and store.reconcile() == []
    finally:
        store_module._stores.pop(pg_url).close()


def test_a_read_only_server_refuses_chats_as_an_unwritable_file_does(pg_url: str, other: psycopg.Connection) -> None:
    """The URL left on a standby after a failover: writes fail, and the chat is told so in the user's language."""
    flt = Filter()
    flt.valves = flt.Valves(database_url=pg_url, init_balance=1.0)
    try:
        chat(flt, usage=USAGE)
        store_module._stores.pop(pg_url).close()  # new connections from here on are read-only
        database = pg_url.rsplit("/", 1)[-1]
        other.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        with pytest.raises(Exception) as info:
            chat(flt, usage=USAGE, message_id="a2", lang_valves=Filter.UserValves(language="es"))
        assert str(info.value) == i18n.t("es", "db_unavailable")
    finally:
        if (opened := store_module._stores.pop(pg_url, None)) is not None:
            opened.close()


# -- the valve ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [Filter, Pipe, Action], ids=["filter", "pipe", "action"])
def test_a_database_url_that_is_not_postgresql_is_refused_when_saved(function: type) -> None:
    with pytest.raises(ValidationError, match="database_url must be empty or start with postgresql://"):
        function.Valves(database_url="mysql://u:p@db/monitor")
    assert function.Valves(database_url="  postgresql://db/monitor ").database_url == "postgresql://db/monitor"
    assert function.Valves().database_url == ""


def test_the_valves_name_the_url_else_the_file_else_the_default_under_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "one"))
    default = Filter.Valves()
    assert store_target(default) == (str(tmp_path / "one" / "openwebui_monitor" / "monitor.db"), None)
    assert store_target(Filter.Valves(db_path="/srv/m.db")) == ("/srv/m.db", None)
    url = Filter.Valves(db_path="/srv/m.db", database_url="postgresql://db/monitor")
    assert store_target(url) == ("postgresql://db/monitor", tmp_path / "one" / "openwebui_monitor")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "two"))  # the answer is cached, but follows DATA_DIR
    assert store_target(default) == (str(tmp_path / "two" / "openwebui_monitor" / "monitor.db"), None)
