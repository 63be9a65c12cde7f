from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backends import open_target
from pg_server import PgServer

from plugin import store as store_module
from plugin.store import Store
from plugin.words import i18n
from plugin.words.reports import REPORTS

# The tests call the report modules directly, not through the pipe and the action that load these messages.
i18n.load(REPORTS)


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


BACKENDS = ("sqlite", "postgres")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that takes a store runs on both backends: one suite, one set of semantics."""
    return request.param


@pytest.fixture
def db_target(request: pytest.FixtureRequest, backend: str, db_path: Path) -> Iterator[str]:
    """What `open_store` and the functions' valves take for this backend: a file path or a PostgreSQL URL.
    A PostgreSQL store the functions opened (`open_store` keeps one per URL) is closed after the test."""
    if backend == "sqlite":
        yield str(db_path)
        return
    url = request.getfixturevalue("pg_url")
    yield url
    opened = store_module._stores.pop(url, None)
    if opened is not None:
        opened.close()


@pytest.fixture
def make_store(db_target: str, backend: str, db_path: Path, clock: FakeClock) -> Iterator[Callable[..., Store]]:
    """Stores on this test's database (several stand for several processes); all closed after the test."""
    made: list[Store] = []

    def make(**kwargs: object) -> Store:
        kwargs.setdefault("clock", clock)
        if backend == "postgres":
            kwargs.setdefault("backup_dir", db_path.parent)  # where a restore backs up what it replaces
        made.append(open_target(db_target, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()


_ids = itertools.count(1)


@pytest.fixture
def new_id():
    return lambda prefix="id": f"{prefix}-{next(_ids)}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server (loopback only, see ``tests/pg_server.py``) for the whole session.

    Started the first time a test asks for it (a session without PostgreSQL tests never starts one),
    stopped and its temp dir deleted at the end of the session, also when tests failed. Fails
    loudly, with the server log, when the server does not come up."""
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty database (``postgresql://postgres@127.0.0.1:PORT/t_...``) for this test.

    A new database per test, not a shared one: a backend under test sees no row, table or schema
    (``openwebui_monitor``) left by another test, so tests stay independent of their order. Dropped
    ``WITH (FORCE)`` after the test, which also ends any connection the test left open."""
    url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(url)
