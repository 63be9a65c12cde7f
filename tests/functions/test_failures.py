"""When the database cannot be written, chats fail closed with a clear, translated message, the process keeps
serving, and nothing already recorded is lost: the lock held past the busy timeout, a read-only folder, the file
deleted (and then restored) while Open WebUI runs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from chats import USER, Emitter, chat, finished, lock_elsewhere, run

from plugin import store as stores
from plugin.functions.filter import Filter
from plugin.store import Store, open_store
from plugin.store import sqlite as store
from plugin.words import i18n

ES = types.SimpleNamespace(language="es")


def unavailable(lang: str) -> str:
    return i18n.t(lang, "db_unavailable")


def refused(flt: Filter, *, message_id: str, lang_valves=None) -> str:
    """The inlet's refusal text for a new chat (fails the test if the chat was let through)."""
    metadata = {"chat_id": "c-x", "message_id": message_id, "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    who = dict(USER, valves=lang_valves) if lang_valves else USER
    with pytest.raises(Exception) as info:
        run(flt.inlet(body, __user__=who, __metadata__=metadata, __model__={"id": "gpt"}))
    return str(info.value)


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read on a connection of our own."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in stores.TABLES}
    finally:
        conn.close()


def forget(path: Path) -> None:
    """Drop the process-wide store for `path`, as a restart of Open WebUI would."""
    for name, cached in list(stores._stores.items()):
        if cached.path == str(path):
            del stores._stores[name]


@pytest.fixture
def flt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Filter]:
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 300)  # the patient connection gives up after 0.3 s
    f = Filter()
    f.valves = f.Valves(db_path=str(tmp_path / "data" / "m.db"), init_balance=5.0)
    yield f
    forget(tmp_path / "data" / "m.db")


USAGE = {"input_tokens": 1000, "output_tokens": 1000}


@pytest.mark.parametrize("hold", ["0", "0.01"])
def test_a_lock_held_past_the_busy_timeout_refuses_chats_until_it_is_released(flt: Filter, hold: str) -> None:
    flt.valves.cost_on_inlet = hold
    _, emitter = chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    recorded = snapshot(path)
    assert recorded["usage"], emitter.descriptions

    other = lock_elsewhere(path)
    try:
        assert refused(flt, message_id="during") == unavailable("en")
        assert refused(flt, message_id="during-es", lang_valves=ES) == unavailable("es")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert snapshot(path) == recorded  # nothing written, nothing lost
    _, emitter = chat(flt, usage=USAGE, message_id="after")  # served again once the lock is gone
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]
    db = open_store(path)
    assert db.reconcile() == []
    assert {r["message_id"] for r in db.query("SELECT message_id FROM usage")} == {"before", "after"}


def test_an_outlet_that_cannot_write_says_so_and_returns_the_reply(flt: Filter) -> None:
    chat(flt, usage=USAGE, message_id="first")
    path = Path(flt.valves.db_path)
    metadata = {"chat_id": "c1", "message_id": "late", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": False}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        reply = {"role": "assistant", "content": "Hi", "id": "late", "usage": USAGE}
        out = {"model": "gpt", "chat_id": "c1", "id": "late", "messages": [*body["messages"], reply]}
        emitter = Emitter()
        returned = run(
            finished(flt, out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter)
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert returned is out
    assert emitter.descriptions == [i18n.t("en", "billing_failed")]
    assert open_store(path).reconcile() == []


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_a_lock_taken_right_after_a_commit_refuses_a_chat_that_cannot_record_its_pending_charge(
    flt: Filter, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Within PROOF_TTL of our last commit the store is not probed again, but every inlet now writes the request's
    pending charge, and that write waits for the lock: past the busy timeout the chat is refused, or, with
    on_db_unavailable=open, let through unbilled with its outlet saying so. Nothing recorded is lost, and no hold
    or pending request is left behind."""
    monkeypatch.setattr(store, "PROOF_TTL", 30.0)  # however slow this machine, the next inlet is in the window
    flt.valves.on_db_unavailable = mode
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    recorded = snapshot(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        if mode == "closed":
            assert refused(flt, message_id="in-the-window") == unavailable("en")
        else:
            _, emitter = chat(flt, usage=USAGE, message_id="in-the-window")
            assert emitter.descriptions == [i18n.t("en", "not_recorded")]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert snapshot(path) == recorded
    assert open_store(path).reconcile() == []


def _make_read_only(folder: Path) -> list[str]:
    """Make `folder` and its files unwritable even for root (immutable), or by permissions for anyone else;
    returns the command that undoes it."""
    files = [str(p) for p in folder.iterdir()]

    if os.geteuid() != 0:
        for name in files:
            os.chmod(name, 0o444)
        os.chmod(folder, 0o555)
        return ["chmod", "-R", "u+w", str(folder)]
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a folder read-only here")
    done = subprocess.run(["chattr", "+i", *files, str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"running as root and chattr +i is not permitted here: {done.stderr.strip()}")
    return ["chattr", "-i", *files, str(folder)]


def test_a_read_only_folder_refuses_chats_with_a_clear_message_and_keeps_the_data(flt: Filter) -> None:
    _, emitter = chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    open_store(path).close()
    forget(path)  # Open WebUI restarts, and its data folder is now read-only
    recorded = snapshot(path)
    undo = _make_read_only(path.parent)
    try:
        assert refused(flt, message_id="ro-1") == unavailable("en")
        assert refused(flt, message_id="ro-2", lang_valves=ES) == unavailable("es")  # still serving, still closed
    finally:
        subprocess.run(undo, check=True)
    assert snapshot(path) == recorded
    _, emitter = chat(flt, usage=USAGE, message_id="after")
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]


def test_a_deleted_database_refuses_chats_instead_of_starting_over_and_a_restored_one_is_used(flt: Filter) -> None:
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    backup = path.parent.parent / "backup.db"
    source = open_store(path)
    with sqlite3.connect(backup) as copy:  # what an admin's backup would be
        source.conn.backup(copy)
    balance = source.get_user(USER["id"])["balance"]
    assert 0 < balance < 5_000_000

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    time.sleep(store.PROOF_TTL)  # past our last commit's proof: the next inlet looks at the file itself
    # A new empty file would hand every user their initial balance again: refuse instead, in their language.
    assert refused(flt, message_id="gone") == unavailable("en")
    assert refused(flt, message_id="gone-es", lang_valves=ES) == unavailable("es")
    assert not path.exists()

    shutil.copy(backup, path)  # the admin restores the backup while Open WebUI keeps running
    _, emitter = chat(flt, usage=USAGE, message_id="after")
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]
    restored = open_store(path)
    assert restored is not source
    assert restored.get_user(USER["id"])["balance"] < balance  # charged from the restored balance, not 5.0
    assert restored.reconcile() == []
    assert {r["message_id"] for r in restored.query("SELECT message_id FROM usage")} == {"before", "after"}


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_a_database_deleted_right_after_a_commit_gets_no_write_and_the_chat_is_told(
    flt: Filter, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Within PROOF_TTL of our last commit the inlet does not look at the file, but its pending charge, which looks
    before it writes, is not written into the deleted file: the chat is refused, or with on_db_unavailable=open let
    through unbilled, its outlet saying so. The failed write ends the window: the next chat looks, and is refused."""
    monkeypatch.setattr(store, "PROOF_TTL", 30.0)  # however slow this machine, the next inlet is in the window
    flt.valves.on_db_unavailable = mode
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    source = open_store(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if mode == "closed":
        assert refused(flt, message_id="in-the-window") == unavailable("en")
        assert refused(flt, message_id="next") == unavailable("en")
    else:
        _, emitter = chat(flt, usage=USAGE, message_id="in-the-window")
        assert emitter.descriptions == [i18n.t("en", "not_recorded")]
    # The deleted file got nothing more: no pending request, no hold, no usage.
    assert [r["message_id"] for r in source.query("SELECT message_id FROM requests")] == ["before"]
    assert source.one("SELECT COUNT(*) AS n FROM usage")["n"] == 1
    assert not path.exists()


def test_a_backup_restored_while_a_charge_is_queued_gets_that_charge(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin restores a backup (a new file at the path, taken after this reply's inlet, so it holds the reply's
    pending charge) while the reply runs: its charge, refused by the old file, is written to the restored one,
    and the notice shows the restored balance."""
    monkeypatch.setattr(store, "PROOF_TTL", 30.0)  # the outlet trusts the old file's proof
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    metadata = {"chat_id": "c1", "message_id": "during-restore", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": False}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
    backup = path.parent / "backup.db"
    with sqlite3.connect(backup) as copy:
        open_store(path).conn.backup(copy)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(backup, path)
    reply = {"role": "assistant", "content": "Hi", "id": "during-restore", "usage": USAGE}
    out = {"model": "gpt", "chat_id": "c1", "id": "during-restore", "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter))
    restored = open_store(path)
    assert {r["message_id"] for r in restored.query("SELECT message_id FROM usage")} == {"before", "during-restore"}
    assert restored.get_request("c1", "during-restore")["status"] == "settled"
    assert emitter.descriptions and "Balance: $4.7600" in emitter.descriptions[0]
    assert restored.get_user(USER["id"])["balance"] == 5_000_000 - 2 * 120_000  # charged once, on the restored file
    assert restored.reconcile() == []


def test_a_chat_right_after_a_backup_is_restored_is_admitted_on_the_restored_file(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin restores a backup (a new file at the path) just after a commit: the next chat's pending charge,
    refused by the old file, belongs in the restored one, as an outlet's charge does (`Filter._again`), not a
    "Billing is paused" for a database that is there."""
    monkeypatch.setattr(store, "PROOF_TTL", 30.0)  # the next inlet trusts the old file's proof
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    backup = path.parent / "backup.db"
    with sqlite3.connect(backup) as copy:
        open_store(path).conn.backup(copy)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(backup, path)
    _, emitter = chat(flt, usage=USAGE, message_id="after-restore")
    restored = open_store(path)
    assert {r["message_id"] for r in restored.query("SELECT message_id FROM usage")} == {"before", "after-restore"}
    assert emitter.descriptions and "Balance: $4.7600" in emitter.descriptions[0]
    assert restored.reconcile() == []


def test_a_chat_let_through_unbilled_is_told_so_even_when_the_database_is_back_at_its_outlet(flt: Filter) -> None:
    flt.valves.on_db_unavailable = "open"
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    metadata = {"chat_id": "c1", "message_id": "unbilled", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))  # let through, unbilled
    finally:
        other.execute("ROLLBACK")
        other.close()
    reply = {"role": "assistant", "content": "Hi", "id": "unbilled", "usage": USAGE}
    out = {"model": "gpt", "chat_id": "c1", "id": "unbilled", "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter))
    assert open_store(path).get_request("c1", "unbilled") is None  # nothing was recorded for it
    assert emitter.descriptions == [i18n.t("en", "not_recorded")]


def test_a_charge_still_waiting_for_the_lock_when_the_process_stops_is_written(tmp_path: Path) -> None:
    """The outlet returns before its charge commits; a worker that stops while the charge waits for another
    process's lock writes it on the way out (at exit, waiting out the lock as long as the busy timeout allows)."""
    path = tmp_path / "m.db"
    Store(path).close()
    script = tmp_path / "worker.py"
    script.write_text(
        "import asyncio, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from plugin.functions.filter import Filter\n"
        "flt = Filter()\n"
        f"flt.valves = flt.Valves(db_path={str(path)!r}, init_balance=5.0)\n"
        "user = {'id': 'u-1', 'name': 'Ann', 'email': 'ann@example.com', 'role': 'user'}\n"
        "md = {'chat_id': 'c1', 'message_id': 'm1', 'model': {'id': 'gpt'}, 'user_message': {}}\n"
        "async def main():\n"
        "    body = {'model': 'gpt', 'messages': [{'role': 'user', 'content': 'hi'}], 'metadata': md}\n"
        "    await flt.inlet(body, __user__=user, __metadata__=md, __model__={'id': 'gpt'})\n"
        "    print('inlet', flush=True); sys.stdin.readline()  # the parent takes the lock now\n"
        "    usage = {'input_tokens': 1000, 'output_tokens': 1000}\n"
        "    reply = {'role': 'assistant', 'content': 'x', 'id': 'm1', 'usage': usage}\n"
        "    out = {'model': 'gpt', 'chat_id': 'c1', 'id': 'm1', 'messages': [*body['messages'], reply]}\n"
        "    async def emit(event): pass  # a chat in the UI: its outlet does not wait for the charge\n"
        "    await flt.outlet(out, __user__=user, __metadata__=md, __model__={'id': 'gpt'}, __event_emitter__=emit)\n"
        "    await asyncio.sleep(0.2)  # the charge tries, finds the lock taken, and waits\n"
        "    print('stopping', flush=True)\n"
        "asyncio.run(main())\n"
    )
    worker = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert worker.stdout.readline().strip() == "inlet"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    worker.stdin.write("\n")
    worker.stdin.flush()
    assert worker.stdout.readline().strip() == "stopping"
    time.sleep(0.3)  # the worker's loop is gone; its exit waits for the lock
    other.execute("ROLLBACK")
    other.close()
    _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "wrote 1 charges still queued" in err
    db = Store(path)
    try:
        assert [r["message_id"] for r in db.query("SELECT message_id FROM usage")] == ["m1"]
        assert db.get_user("u-1")["balance"] == 5_000_000 - 120_000
        assert db.reconcile() == []
    finally:
        db.close()


def test_an_api_calls_reply_comes_after_its_charge_is_recorded(flt: Filter) -> None:
    """No emitter (an API call): nothing can be said later, so the outlet returns only once the charge is in."""
    metadata = {"chat_id": "", "message_id": "api-1", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    reply = {"role": "assistant", "content": "Hi", "id": "msg_x", "usage": USAGE}
    out = {"model": "gpt", "chat_id": "", "id": "msg_x", "messages": [*body["messages"], reply]}

    async def turn() -> int:
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"})
        await flt.outlet(out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"})
        return open_store(flt.valves.db_path).get_user(USER["id"])["balance"]  # read before yielding once

    assert run(turn()) == 5_000_000 - 120_000


def test_giving_up_waiting_for_a_queued_charge_does_not_drop_it(flt: Filter) -> None:
    chat(flt, usage=USAGE, message_id="before")
    path = Path(flt.valves.db_path)
    metadata = {"chat_id": "c1", "message_id": "queued", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    reply = {"role": "assistant", "content": "Hi", "id": "queued", "usage": USAGE}
    out = {"model": "gpt", "chat_id": "c1", "id": "queued", "messages": [*body["messages"], reply]}
    emitter = Emitter()

    async def turn() -> None:
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"})
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        await flt.outlet(out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(flt.settled(), 0.05)  # the charge waits for the lock; the waiter gives up
        other.execute("ROLLBACK")
        other.close()
        await flt.settled()

    run(turn())
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]
    messages = {r["message_id"] for r in open_store(path).query("SELECT message_id FROM usage")}
    assert messages == {"before", "queued"}


def test_a_store_notices_its_file_was_replaced(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    s = Store(path)
    assert s.present()
    path.unlink()
    assert not s.present()
    Store(path).close()  # a different file at the same path
    assert not s.present()
    s.close()
