"""Fixtures for the end-to-end tests: a fake OpenAI upstream and one real Open WebUI server per
test session (loopback only, free ports, own DATA_DIR under pytest's tmp dir).

Every test under ``tests/e2e`` gets the ``e2e`` marker (deselect with ``-m "not e2e"``).
On a failing e2e test, the tail of the server log is attached to the report.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .fake_upstream import FakeUpstream
from .owui import OpenWebUI, OpenWebUIError, open_webui_executable

E2E_DIR = Path(__file__).resolve().parent
# The shared server's Open WebUI release: the test environment's own, unless OWUI_E2E_RELEASE names one built in
# `.venv-owui/` (`scripts/test --owui VERSION tests/e2e` runs the whole suite there; only the core must pass on it).
RELEASE = os.environ.get("OWUI_E2E_RELEASE") or None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test against a real Open WebUI server (slow)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed and E2E_DIR in Path(str(item.path)).resolve().parents:
        funcargs = getattr(item, "funcargs", {})
        server = funcargs.get("owui")
        if isinstance(server, OpenWebUI):
            report.sections.append(("open-webui server.log (tail)", server.log_tail(80)))
        # Fixtures running several servers (e.g. replicas) expose them as ``.servers``.
        for value in funcargs.values():
            for extra in getattr(value, "servers", None) or ():
                if isinstance(extra, OpenWebUI):
                    report.sections.append((f"open-webui {extra.base_url} server.log (tail)", extra.log_tail(80)))


def _require_open_webui() -> None:
    try:
        open_webui_executable()
    except OpenWebUIError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream().start()
    try:
        yield upstream
    finally:
        upstream.stop()


@pytest.fixture(scope="session")
def owui(fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    """One Open WebUI server for the whole session, signed in as admin (``owui.admin_token``).

    Tests share it: install functions / model records in module fixtures and remove them at the
    end of the module; use unique user e-mails (see ``make_user``)."""
    _require_open_webui()
    server = OpenWebUI(tmp_path_factory.mktemp("owui"), fake_upstream.base_url, version=RELEASE)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def owui_factory(
    fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., OpenWebUI]]:
    """Start extra, throw-away servers (e.g. with different ``extra_env``); stopped after the test.
    Each start takes ~15-20 s. ``data_dir`` starts one on an existing server's DATA_DIR (a restart)."""
    _require_open_webui()
    servers: list[OpenWebUI] = []

    def start(extra_env: dict[str, str] | None = None, data_dir: Path | None = None) -> OpenWebUI:
        directory = data_dir or tmp_path_factory.mktemp("owui-extra")
        server = OpenWebUI(directory, fake_upstream.base_url, extra_env=extra_env, version=RELEASE)
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


_user_counter = itertools.count(1)


@pytest.fixture(scope="session")
def make_user(owui: OpenWebUI) -> Callable[..., dict]:
    """``make_user(prefix="user", role="user") -> {"id", "token", "email", "password", ...}``
    with a unique e-mail on the shared server."""

    def make(prefix: str = "user", role: str = "user") -> dict:
        n = next(_user_counter)
        email = f"{prefix}{n}@example.com"
        password = f"{prefix}-pass-{n}"
        user = owui.add_user(f"{prefix.title()} {n}", email, password, role=role)
        return {**user, "email": email, "password": password}

    return make
