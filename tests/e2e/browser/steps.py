"""What a person does in the browser, and what the browser tests share: signing in, opening a chat with a model,
typing a message, waiting for the billing notice, keeping a screenshot (the README's pictures in `docs/` are
copies of those in `test-artifacts/`, which git ignores) and, on a failure, the page as evidence.

Chromium is Debian's `/usr/bin/chromium` driven by Python Playwright; no browser is downloaded. The fixtures
(`browser`, `page`, the installed `monitor` and `report_model`) are in this folder's `conftest.py`.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from ..fake_upstream import COMPLETION_TOKENS, PROMPT_TOKENS, REPLY_TEXT
from ..owui import OpenWebUI

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
FID = "openwebui_monitor_filter"
PIPE, ACTION = "openwebui_monitor_pipe", "admin_action"
ADMIN_ACTION, ADMIN_MODEL = "openwebui_monitor_admin_action", "openwebui_monitor_admin"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WAIT_MS = 60_000  # the longest single wait in the browser
WAIT_S = WAIT_MS / 1000

INIT_BALANCE = 1_000_000  # micro-units: the `init_balance` valve of 1.0
COST = (PROMPT_TOKENS + COMPLETION_TOKENS) * 60  # default 60 per 1M tokens, in and out: 960 micro-units
TIME_AND_SPEED = r"\d+\.\d{2}s \| \d+\.\d T/s"


def keep_screenshot(page: Any, name: str) -> Path:
    """What the test saw, kept as an artifact (the README's pictures are picked from these)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


@contextlib.contextmanager
def evidence_on_failure(page: Any, tmp_path: Path) -> Iterator[None]:
    """Keep a screenshot and the HTML of the page when the block fails."""
    try:
        yield
    except BaseException:
        shot, html = tmp_path / "failure.png", tmp_path / "failure.html"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True, timeout=10_000)
            print(f"screenshot of the failure: {shot}")
        with contextlib.suppress(Exception):
            html.write_text(page.content())
            print(f"page HTML at the failure: {html} (url {page.url})")
        raise


# ----------------------------------------------------------------------------------------------
# what a person does
# ----------------------------------------------------------------------------------------------
def log_in(page: Any, user: dict) -> None:
    """Sign in at `/auth`; the first-login "What's New" dialog (admins only in 0.12.4) is dismissed whenever it
    shows up in front of an action."""
    whats_new = page.get_by_role("button", name="Okay, Let's Go!")
    page.add_locator_handler(whats_new, lambda button: button.click())
    page.goto("/auth")
    page.locator('input[name="email"]').fill(user["email"])
    page.locator('input[type="password"]').fill(user["password"])
    page.locator('input[type="password"]').press("Enter")
    sync_api.expect(page.locator("#chat-input")).to_be_visible(timeout=WAIT_MS)


def new_chat(page: Any, model: str) -> None:
    """Open a new chat with `model` selected, and check the model selector shows it."""
    page.goto(f"/?models={model}")
    sync_api.expect(page.locator("#chat-input")).to_be_visible(timeout=WAIT_MS)
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text(model, timeout=WAIT_MS)


def send(page: Any, text: str) -> str:
    """Type `text` into the chat input, press Enter; returns the new chat's id (from the `/c/<id>` URL)."""
    chat_input = page.locator("#chat-input")
    chat_input.click()
    page.keyboard.type(text)
    sync_api.expect(chat_input).to_contain_text(text)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/c/[0-9a-f-]+"), timeout=WAIT_MS)
    return page.url.rsplit("/c/", 1)[1].split("?", 1)[0].split("#", 1)[0]


def press(page: Any, name: str) -> None:
    """Press a button under the last reply (Open WebUI draws the buttons of every reply; the last is the newest)."""
    button = page.get_by_role("button", name=name, exact=True).last
    sync_api.expect(button).to_be_visible(timeout=WAIT_MS)
    button.click()


def answer_dialog(page: Any, title: str, text: str) -> None:
    """Type `text` into the input dialog titled `title` (an Action's `__event_call__`) and confirm it."""
    dialog = page.get_by_role("dialog", name=title)
    sync_api.expect(dialog).to_be_visible(timeout=WAIT_MS)
    dialog.locator("textarea").fill(text)
    dialog.get_by_role("button", name="Confirm", exact=True).click()
    sync_api.expect(dialog).to_be_hidden(timeout=WAIT_MS)


def seen_notice(page: Any, pattern: str) -> str:
    """Wait until the reply and a status line matching `pattern` are on the page; returns that line."""
    sync_api.expect(page.get_by_text(REPLY_TEXT, exact=True).first).to_be_visible(timeout=WAIT_MS)
    line = page.get_by_text(re.compile(pattern)).first
    sync_api.expect(line).to_be_visible(timeout=WAIT_MS)
    return (line.text_content() or "").strip()


def assert_above(upper: Any, lower: Any) -> None:
    """`upper` is drawn above `lower` (the notice is a line above the reply text)."""
    top, bottom = upper.bounding_box(), lower.bounding_box()
    assert top and bottom, (top, bottom)
    assert top["y"] + top["height"] <= bottom["y"], (top, bottom)


def saved_assistant(owui: OpenWebUI, user: dict, chat_id: str, user_text: str, line: str) -> dict:
    """Poll the saved chat until the reply to `user_text` is done and carries `line` in its statusHistory."""
    deadline = time.monotonic() + WAIT_S
    found: dict = {}
    while True:
        chat = owui.get_chat(user["token"], chat_id)["chat"]
        messages = chat["history"]["messages"]
        for message in messages.values():
            parent = messages.get(message.get("parentId") or "") or {}
            if message.get("role") == "assistant" and parent.get("content") == user_text:
                found = message
        descriptions = [item.get("description") for item in found.get("statusHistory") or []]
        if found.get("done") and line in descriptions:
            return {**found, "chat": chat}
        if time.monotonic() > deadline:
            raise AssertionError(f"saved reply to {user_text!r} without {line!r} after {WAIT_S:.0f}s: {found}")
        time.sleep(0.2)


def stored_balance(db_path: Path, user: dict) -> int:
    store = Store(db_path)
    try:
        row = store.get_user(user["id"])
        return row["balance"] if row else 0
    finally:
        store.close()


def set_user_language(owui: OpenWebUI, user: dict, language: str) -> None:
    valves = {"language": language} if language else {}
    owui.request("POST", f"/api/v1/functions/id/{FID}/valves/user/update", token=user["token"], json=valves)
    assert owui.request("GET", f"/api/v1/functions/id/{FID}/valves/user", token=user["token"]).json() == valves
