"""The demo works at first try: `./scripts/serve` on a fresh DATA_DIR, with no model provider and no internet
settings given, comes up offline, and the admin it creates can chat with the demo model in the browser right
away (the reply is billed, not refused), as can the demo user.

This runs the README's own command, not a fixture's copy of it: the script's environment is this test's minus
any provider or offline settings (so its defaults are what is tested), its port is free and its DATA_DIR is
pytest's. It is stopped with SIGTERM, as Ctrl-C would, and must take Open WebUI and the demo model down with it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .steps import ROOT, WAIT_MS, evidence_on_failure, keep_screenshot, log_in, sync_api

START_TIMEOUT_S = 900  # a first start runs Open WebUI's migrations; on 2 busy cores that can take minutes
BANNER = "OpenWebUI Monitor is running"
DEMO_NAME = "Demo model"  # what the model picker shows (scripts/demo_model.py names it so)
NOTICE = r"^Tokens: \d+\+\d+ \| Cost: \$[\d.]+ \| Balance: \$9\.9\d+ \| Time: "
# The settings scripts/serve chooses itself when no provider is given; the test must not hand them in.
CHOSEN_BY_SERVE = (
    "OPENAI_API_BASE_URL",
    "OPENAI_API_KEY",
    "OFFLINE_MODE",
    "HF_HUB_OFFLINE",
    "RAG_EMBEDDING_ENGINE",
    "ENABLE_VERSION_UPDATE_CHECK",
    "PORT",
    "DATA_DIR",
    "WEBUI_ADMIN_EMAIL",
    "WEBUI_ADMIN_PASSWORD",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Served:
    """A running `./scripts/serve`: its URL, DATA_DIR and what it printed."""

    def __init__(self, port: int, data_dir: Path, output: Path, process: subprocess.Popen) -> None:
        self.port, self.data_dir, self.output, self.process = port, data_dir, output, process
        self.url = f"http://127.0.0.1:{port}"

    def printed(self) -> str:
        return self.output.read_text(errors="replace")

    def password(self, who: str) -> str:
        return (self.data_dir / f".{who}_password").read_text().strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not (ROOT / ".venv" / "bin" / "open-webui").exists():
        pytest.skip("no .venv with Open WebUI (./scripts/test makes one)")
    data_dir = tmp_path_factory.mktemp("serve-data")
    output = data_dir.parent / "serve-output.txt"
    env = {key: value for key, value in os.environ.items() if key not in CHOSEN_BY_SERVE}
    port = _free_port()
    env.update({"PORT": str(port), "DATA_DIR": str(data_dir)})
    with output.open("w") as sink:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(port, data_dir, output, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while BANNER not in served.printed():
            if process.poll() is not None:
                pytest.fail(f"scripts/serve exited {process.returncode}:\n{served.printed()}")
            if time.monotonic() > deadline:
                pytest.fail(f"scripts/serve not ready after {START_TIMEOUT_S} s:\n{served.printed()}")
            time.sleep(1)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # what Ctrl-C does to the script's trap
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert not _port_open(port), "Open WebUI still listens after scripts/serve was stopped"


def _chat_in_browser(browser: Any, served: Served, email: str, password: str, shot: str, tmp_path: Path) -> str:
    context = browser.new_context(base_url=served.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        with evidence_on_failure(page, tmp_path):
            log_in(page, {"email": email, "password": password})
            page.goto("/?models=demo-model")
            sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text(DEMO_NAME)
            page.locator("#chat-input").click()
            page.keyboard.type("hello")
            page.keyboard.press("Enter")
            line = page.get_by_text(re.compile(NOTICE)).first
            sync_api.expect(line).to_be_visible()
            assert page.get_by_text(re.compile("top up|Insufficient balance", re.I)).count() == 0
            keep_screenshot(page, shot)
            return (line.text_content() or "").strip()
    finally:
        context.close()


def test_the_admin_chats_at_first_try(served, browser, tmp_path) -> None:
    """The issue's first impression: the admin's first chat was refused. Now it is billed from a balance that
    scripts/serve gave once (and a second start would not give again)."""
    line = _chat_in_browser(browser, served, "admin@example.com", served.password("admin"), "serve-admin.png", tmp_path)
    assert "Balance: $9.9" in line, line
    assert (served.data_dir / ".admin_balance_given").read_text().strip() == "10"


def test_the_demo_user_chats_too(served, browser, tmp_path) -> None:
    line = _chat_in_browser(browser, served, "user@example.com", served.password("user"), "serve-user.png", tmp_path)
    assert "Balance: $9.9" in line, line


def test_it_runs_offline_without_a_provider(served) -> None:
    """No embedding model download (the ~70 s of retries without internet): documents embed through the API."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        signin = {"email": "admin@example.com", "password": served.password("admin")}
        token = client.post("/api/v1/auths/signin", json=signin).json()["token"]
        embedding = client.get("/api/v1/retrieval/embedding", headers={"Authorization": f"Bearer {token}"}).json()
    assert embedding["RAG_EMBEDDING_ENGINE"] == "openai", embedding
    log = (served.data_dir / "open-webui.log").read_text(errors="replace")
    assert "sentence_transformers" not in log and "huggingface.co" not in log, log[-2000:]
    assert "serving demo-model" in served.printed()
