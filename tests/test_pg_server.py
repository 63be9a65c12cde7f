"""The PostgreSQL test server itself (tests/pg_server.py and the ``pg_server``/``pg_url`` fixtures)."""

from __future__ import annotations

import os
import socket
import threading

import psycopg
import pytest
from pg_server import PgServer


def test_each_pg_url_is_its_own_empty_database(pg_url: str, pg_server: PgServer) -> None:
    other = pg_server.create_database()
    try:
        assert other != pg_url
        with psycopg.connect(pg_url) as a, psycopg.connect(other) as b:
            a.execute("CREATE SCHEMA openwebui_monitor")
            a.execute("CREATE TABLE openwebui_monitor.t (x int)")
            a.execute("INSERT INTO openwebui_monitor.t VALUES (1)")
            a.commit()
            assert a.execute("SELECT count(*) FROM openwebui_monitor.t").fetchone() == (1,)
            assert (
                a.execute("SELECT current_database()").fetchone() != b.execute("SELECT current_database()").fetchone()
            )
            assert b.execute("SELECT to_regclass('openwebui_monitor.t')").fetchone() == (None,)
            # empty: no table of any user schema
            user_tables = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            assert b.execute(user_tables).fetchone() == (0,)
    finally:
        pg_server.drop_database(other)
    with psycopg.connect(pg_server.url("postgres")) as admin:
        name = other.rsplit("/", 1)[-1]
        assert admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None


def test_server_listens_on_loopback_only(pg_url: str, pg_server: PgServer) -> None:
    assert pg_url.startswith(f"postgresql://postgres@127.0.0.1:{pg_server.port}/")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert conn.execute("SHOW max_connections").fetchone() == ("300",)
        assert conn.execute("SELECT current_setting('is_superuser')").fetchone() == ("on",)
    # Nothing answers on the port at other addresses of this host: 127.0.0.2 (on Linux all of 127/8 is
    # local, so a server bound to 0.0.0.0 or '*' would answer there) and the host's own outgoing address.
    for addr in {"127.0.0.2", *_own_addresses()}:
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((addr, pg_server.port)) != 0, f"server reachable on {addr}:{pg_server.port}"


def _own_addresses() -> set[str]:
    """The source address of the default route (a UDP connect sends nothing), when there is one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1, never routed anywhere for real
        except OSError:
            return set()
        addr = s.getsockname()[0]
    return set() if addr.startswith("127.") else {addr}


def test_committed_rows_are_seen_from_another_thread(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.commit()
    seen: list[object] = []
    written = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with psycopg.connect(pg_url) as c:
                c.execute("INSERT INTO t VALUES (42)")
                c.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            written.set()

    def reader() -> None:
        try:
            assert written.wait(10)
            with psycopg.connect(pg_url) as c:
                seen.extend(c.execute("SELECT x FROM t").fetchall())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not errors
    assert seen == [(42,)]


def test_server_runs_as_unprivileged_user_and_stop_removes_everything() -> None:
    """A second server, started and stopped here: the temp dir is gone afterwards and the port is free."""
    server = PgServer().start()
    try:
        assert server.dir is not None
        data_dir, port = server.dir, server.port
        pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        with open(f"/proc/{pid}/status") as f:
            uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
        assert uid != 0
        if os.geteuid() != 0:
            assert uid == os.geteuid()
        with psycopg.connect(server.url("postgres")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
    assert not data_dir.exists()
    assert _gone_or_zombie(pid)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=3)


def _gone_or_zombie(pid: int) -> bool:
    """True when the process has exited (a zombie waiting for init to reap it counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except FileNotFoundError:
        return True
