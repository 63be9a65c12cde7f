"""The browser tests' fixtures: the billing filter installed with its own SQLite file, the three functions as
the installer leaves them, and Chromium with a fresh context per test. Without Chromium (or the `playwright`
package) the tests are skipped, except in CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.tools.install import install

from ..fake_upstream import MODEL_GPT
from ..owui import OpenWebUI
from .steps import ACTION, ADMIN_ACTION, ADMIN_MODEL, CHROMIUM, CHROMIUM_ARGS, FID, PIPE, ROOT, WAIT_MS, sync_api


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Path]:
    """The filter (global, active) keeping its money in `browser_monitor.db`, and a public `fake-gpt` record."""
    db_path = owui.data_dir / "browser_monitor.db"
    valves = {"init_balance": 1.0, "language": "en", "db_path": str(db_path)}
    owui.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=valves)
    owui.create_model_record(MODEL_GPT, MODEL_GPT)
    try:
        yield db_path
    finally:
        owui.delete_function(FID)
        owui.delete_model_record(MODEL_GPT)


@pytest.fixture(scope="module")
def person(owui: OpenWebUI, monitor: Path, make_user) -> dict:
    return make_user("browser")


@pytest.fixture(scope="module")
def report_model(owui: OpenWebUI, monitor: Path) -> Iterator[str]:
    """The functions as the installer leaves them, with the pipe and both Actions reading the filter's database."""
    install(owui.base_url, ROOT, api_key=owui.admin_token)
    for fid in (PIPE, ACTION, ADMIN_ACTION):
        owui.set_valves(fid, {"language": "en", "db_path": str(monitor)})
    try:
        yield PIPE
    finally:
        for fid in (PIPE, ACTION, ADMIN_ACTION):
            owui.delete_function(fid)
        owui.delete_model_record(PIPE)
        owui.delete_model_record(ADMIN_MODEL)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):  # scripts/test installs it: a missing browser in CI is a failure, not a skip
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, owui: OpenWebUI) -> Iterator[Any]:
    """A fresh context (own cookies and localStorage) and page for each test."""
    context = browser.new_context(base_url=owui.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
