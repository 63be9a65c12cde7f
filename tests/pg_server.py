"""A throw-away PostgreSQL server for tests: ``initdb`` into a fresh temp dir, ``pg_ctl start``, ``pg_ctl stop``.

* Binaries: the newest ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package; ``scripts/test``
  installs it), else whatever ``initdb``/``pg_ctl`` are on PATH.
* initdb and postgres refuse to run as root. As root, every server command runs as the ``postgres``
  OS user (created by the Debian package) through ``runuser -u postgres --``, and the temp dir is
  chowned to that user. Not root: the server runs as the current user.
* Loopback only: ``listen_addresses='127.0.0.1'`` on a free port, the unix socket in the temp dir.
  Superuser ``postgres`` with ``trust`` auth; URL ``postgresql://postgres@127.0.0.1:PORT/DBNAME``.
* Test speed: ``fsync``, ``synchronous_commit`` and ``full_page_writes`` are off - a crash loses
  data, which is fine for a server that is deleted at the end of the session.
  ``PgServer(durable=True)`` (for benchmarks) keeps PostgreSQL's durable defaults instead - ``fsync``,
  ``synchronous_commit`` and ``full_page_writes`` on, so a COMMIT returns after its WAL is flushed to disk - and
  puts the temp dir on disk (the default temp dir), never on tmpfs, where an fsync costs nothing.
* The temp dir is on ``/dev/shm`` (tmpfs) when that has >= 1 GiB free, else in the default temp dir.
  On disk, CREATE DATABASE took 30-300 ms here (it writes the ~7.5 MB of a new database, and the
  time follows the disk load of everything else on the machine); on tmpfs ~13 ms, steadily.
* :meth:`PgServer.create_database` makes a fresh, empty database with a unique name
  (``CREATE DATABASE ... TEMPLATE template0 STRATEGY FILE_COPY``; measured on tmpfs: FILE_COPY ~13 ms,
  the PG 15 default ``WAL_LOG`` ~16 ms and it also writes the whole database to the WAL);
  :meth:`PgServer.drop_database` drops one ``WITH (FORCE)`` in ~5 ms. ``python -m tests.pg_server``
  prints these timings.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
START_TIMEOUT_S = 30
_PORT_ATTEMPTS = 3
_SHM_MIN_FREE = 1 << 30


class PgServerError(RuntimeError):
    pass


def find_bindir() -> Path:
    """The directory holding ``initdb``/``pg_ctl``/``postgres``: newest Debian version, else PATH."""

    def version(bindir: str) -> tuple[int, ...]:
        name = Path(bindir).parent.name  # /usr/lib/postgresql/<version>/bin
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    candidates = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.access(Path(d) / "initdb", os.X_OK)]
    if candidates:
        return Path(max(candidates, key=version))
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl", path=str(Path(initdb).parent)):
        return Path(initdb).parent
    raise PgServerError(
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH); "
        "install Debian's `postgresql` package (scripts/test does it)"
    )


def temp_parent(as_root: bool, tmpfs: bool = True) -> str:
    """``/dev/shm`` when it is writable with room to spare (and ``tmpfs`` allows it), else ``tempfile``'s default
    dir (or ``/tmp`` when running as root and the ``postgres`` user could not reach that one)."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
        if tmpfs and os.access(shm, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize >= _SHM_MIN_FREE:
            return shm
    except OSError:
        pass
    default = tempfile.gettempdir()
    if as_root and not _reachable_by_others(default):
        return "/tmp"
    return default


def _reachable_by_others(path: str) -> bool:
    p = Path(path).resolve()
    return all(os.stat(d).st_mode & 0o001 for d in [p, *p.parents])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL server in its own temp dir. ``start()`` once, ``stop()`` once (idempotent).

    ``durable=True``: PostgreSQL's durable settings (fsync, synchronous_commit, full_page_writes on) and the data
    on disk rather than tmpfs, for benchmarks; the default is the fast, crash-unsafe test setup."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0
        self.dir: Path | None = None
        self.port: int | None = None
        self._admin: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self._names = itertools.count(1)
        self._running = False

    # -- paths -------------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.dir is not None, "server not started"
        return self.dir / "data"

    @property
    def log_path(self) -> Path:
        assert self.dir is not None, "server not started"
        return self.dir / "server.log"

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, AssertionError):
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- running server commands ------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        # PG* variables of the caller (PGDATA, PGPORT, PGHOST, ...) must not steer our server.
        return {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        # cwd: the server user may not be allowed into the caller's cwd (e.g. /root).
        return subprocess.run(
            cmd, cwd=self.dir, env=self._env(), capture_output=True, text=True, timeout=timeout, check=False
        )

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> PgServer:
        if self._running:
            return self
        self.dir = Path(tempfile.mkdtemp(prefix="owm-pg-", dir=temp_parent(self.as_root, tmpfs=not self.durable)))
        atexit.register(self.stop)  # belt and braces: the session fixture stops it first
        try:
            if self.as_root:
                try:
                    pw = pwd.getpwnam(SUPERUSER)
                except KeyError:
                    raise PgServerError(
                        f"running as root but there is no {SUPERUSER!r} OS user to run the server as "
                        "(Debian's postgresql package creates it)"
                    ) from None
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._initdb()
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                self.port = free_port()
                self._write_config()
                if self._pg_ctl_start():
                    break
                if "could not bind" not in self.log_tail(200) or attempt == _PORT_ATTEMPTS:
                    raise PgServerError(
                        f"PostgreSQL did not start on 127.0.0.1:{self.port} (waited up to {START_TIMEOUT_S} s)\n"
                        f"--- server log ---\n{self.log_tail(200)}"
                    )
                self._pg_ctl_stop()  # a lost race for the port: try another one
            self._running = True
            self._admin = psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10)
        except PgServerError:
            self.stop()
            raise
        except BaseException as exc:
            log = self.log_tail(200)  # read before stop() deletes the temp dir
            self.stop()
            if not isinstance(exc, Exception):
                raise
            raise PgServerError(f"starting PostgreSQL failed: {exc!r}\n--- server log ---\n{log}") from exc
        return self

    def _initdb(self) -> None:
        res = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if res.returncode != 0:
            raise PgServerError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

    def _write_config(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.dir}'",
            "max_connections": "300",
            "fsync": "on" if self.durable else "off",
            "synchronous_commit": "on" if self.durable else "off",
            "full_page_writes": "on" if self.durable else "off",
            "max_wal_size": "'256MB'",  # bounds the WAL in the temp dir (default 1 GB)
        }
        # postgresql.auto.conf is read after postgresql.conf, so these win; rewritten on every attempt.
        auto = self.data_dir / "postgresql.auto.conf"
        st = auto.stat()
        auto.write_text("# written by tests/pg_server.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        if self.as_root:
            os.chown(auto, st.st_uid, st.st_gid)

    def _pg_ctl_start(self) -> bool:
        res = self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            timeout=START_TIMEOUT_S + 15,
        )
        return res.returncode == 0

    def _pg_ctl_stop(self) -> None:
        if self.dir is None or not (self.data_dir / "postmaster.pid").exists():
            return
        res = self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", "30")
        if res.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            raise PgServerError(f"pg_ctl stop failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

    def stop(self) -> None:
        """Stop the server (immediate: no checkpoint, nothing to keep) and delete the temp dir."""
        atexit.unregister(self.stop)
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        self._running = False
        if self.dir is None:
            return
        try:
            self._pg_ctl_stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        if self.port is None:
            raise PgServerError("server not started")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A fresh, empty database with a unique name; returns its URL.

        ``TEMPLATE template0`` (pristine, nobody connects to it) with ``STRATEGY FILE_COPY``: copying the
        directory plus a checkpoint, cheap with fsync off. The PG 15 default (``WAL_LOG``) also writes
        every page of the new database (~7.5 MB) to the WAL and was slightly slower here."""
        name = f"t_{os.getpid()}_{next(self._names)}"
        with self._lock:
            if self._admin is None:
                raise PgServerError("server not started")
            self._admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 STRATEGY FILE_COPY").format(sql.Identifier(name))
            )
        return self.url(name)

    def clone_database(self, url: str) -> str:
        """A copy of a database as it is now (left to the session's end to drop). Waits up to 10 s for the
        source's last connections to end: PostgreSQL copies only a database nobody is connected to, and the
        server ends a killed client's backend only once it notices the closed socket."""
        name = f"t_{os.getpid()}_{next(self._names)}"
        source = url.rsplit("/", 1)[-1]
        deadline = time.monotonic() + 10
        while True:
            try:
                with self._lock:
                    if self._admin is None:
                        raise PgServerError("server not started")
                    self._admin.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                            sql.Identifier(name), sql.Identifier(source)
                        )
                    )
                return self.url(name)
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database made by :meth:`create_database`; ``FORCE`` ends connections a test left open."""
        name = url_or_name.rsplit("/", 1)[-1]
        with self._lock:
            if self._admin is None:
                return
            self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _timing(n: int = 20) -> None:  # pragma: no cover - `python -m tests.pg_server` prints timings
    with PgServer() as pg:
        assert pg._admin is not None
        for label, stmt in [
            ("default (template1, WAL_LOG)", "CREATE DATABASE {}"),
            ("template0, WAL_LOG", "CREATE DATABASE {} TEMPLATE template0"),
            ("template0, FILE_COPY", "CREATE DATABASE {} TEMPLATE template0 STRATEGY FILE_COPY"),
        ]:
            made, drops = [], []
            for i in range(n):
                name = f"timing_{i}"
                t = time.perf_counter()
                pg._admin.execute(sql.SQL(stmt).format(sql.Identifier(name)))
                made.append(time.perf_counter() - t)
                t = time.perf_counter()
                pg._admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                drops.append(time.perf_counter() - t)
            made.sort()
            drops.sort()
            print(
                f"{label:32s} create median {made[n // 2] * 1000:6.1f} ms max {made[-1] * 1000:6.1f} ms; "
                f"drop median {drops[n // 2] * 1000:6.1f} ms"
            )
        t = time.perf_counter()
        url = pg.create_database()
        print(f"create_database() {(time.perf_counter() - t) * 1000:.1f} ms -> {url}")


if __name__ == "__main__":  # pragma: no cover
    t0 = time.perf_counter()
    _timing()
    print(f"total incl. initdb/start/stop {time.perf_counter() - t0:.1f} s")
