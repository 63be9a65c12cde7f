"""What a person sees, in a real browser (headless Debian Chromium): the billing notice under a reply, the
"Usage Monitor" model's table and rendered Mermaid chart, the translated refusal of a user with no balance, and
an admin pressing the action's "Usage dashboard" button under a reply (range dialog, then the embedded charts).

The billing filter is installed from the generated `openwebui_monitor_filter.py` with its own SQLite file in
the server's DATA_DIR (so this module's money does not mix with other modules'), a normal user logs in at
`/auth`, opens a new chat with `/?models=fake-gpt` (0.12.4's chat page selects the model named by `models` /
`model` in the query string), types into `#chat-input`, presses Enter and sees the reply with the filter's
outlet `status` as a grey line above it.

Chromium is Debian's `/usr/bin/chromium` driven by Python Playwright; no browser is downloaded. Without one
(or without the `playwright` package) the module is skipped. On a failure a full-page screenshot and the
page's HTML are written to the test's `tmp_path` and their paths printed. Every test also leaves a screenshot of
what it saw in `test-artifacts/` (gitignored); the README's pictures in `docs/` are copies of them.

The report model is installed by `plugin.tools.install.install`, as an admin would, and pointed at the same SQLite
file as the filter; the module removes the functions and model records it created.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store
from plugin.tools.install import install
from plugin.ui import notice

from .fake_upstream import COMPLETION_TOKENS, MODEL_GPT, PROMPT_TOKENS, REPLY_TEXT
from .owui import ADMIN_EMAIL, ADMIN_PASSWORD, OpenWebUI

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
FID = "openwebui_monitor_filter"
PIPE, ACTION = "openwebui_monitor_pipe", "admin_action"
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
    """The three functions as the installer leaves them, with the pipe reading the filter's database."""
    install(owui.base_url, ROOT, api_key=owui.admin_token)
    owui.set_valves(PIPE, {"language": "en", "db_path": str(monitor)})
    try:
        yield PIPE
    finally:
        owui.delete_function(PIPE)
        owui.delete_function(ACTION)
        owui.delete_model_record(PIPE)


def keep_screenshot(page: Any, name: str) -> Path:
    """What the test saw, kept as an artifact (the README's pictures are picked from these)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


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


# ----------------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------------
def test_reply_shows_the_billing_notice(owui, monitor, person, page, tmp_path) -> None:
    set_user_language(owui, person, "")
    expected = "Tokens: 11+5 | Cost: $0.000960 | Balance: $0.9990 | Time: "
    started = time.monotonic()
    with evidence_on_failure(page, tmp_path):
        log_in(page, person)
        new_chat(page, MODEL_GPT)
        chat_id = send(page, "hello browser")
        line = seen_notice(page, r"^Tokens: \d+\+\d+ \| Cost: ")
        print(f"seen after {time.monotonic() - started:.1f}s: {line!r}")
        assert line.startswith(expected), line
        assert re.fullmatch(re.escape(expected) + TIME_AND_SPEED, line), line
        assert_above(page.get_by_text(line, exact=True).first, page.get_by_text(REPLY_TEXT, exact=True).first)
        keep_screenshot(page, "notice.png")

    assert stored_balance(monitor, person) == INIT_BALANCE - COST
    message = saved_assistant(owui, person, chat_id, "hello browser", line)
    assert message["content"] == REPLY_TEXT
    assert message["chat"]["models"] == [MODEL_GPT]


def test_user_language_changes_the_notice(owui, monitor, person, page, tmp_path) -> None:
    set_user_language(owui, person, "zh")
    try:
        with evidence_on_failure(page, tmp_path):
            log_in(page, person)
            new_chat(page, MODEL_GPT)
            chat_id = send(page, "hello browser again")
            line = seen_notice(page, r"^Token: \d+\+\d+ \| 费用: ")
        balance = notice.money(stored_balance(monitor, person), "$")
        expected = f"Token: 11+5 | 费用: $0.000960 | 余额: {balance} | 耗时: "
        assert re.fullmatch(re.escape(expected) + TIME_AND_SPEED, line), line
        message = saved_assistant(owui, person, chat_id, "hello browser again", line)
        assert message["content"] == REPLY_TEXT
    finally:
        set_user_language(owui, person, "")


def test_usage_report_shows_a_table_and_a_rendered_chart(
    owui, monitor, report_model, make_user, page, tmp_path
) -> None:
    reader = make_user("reader")
    owui.chat_api(reader["token"], MODEL_GPT, "something to report on")
    assert stored_balance(monitor, reader) == INIT_BALANCE - COST
    with evidence_on_failure(page, tmp_path):
        log_in(page, reader)
        page.goto(f"/?models={report_model}")
        sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor")
        send(page, "usage last 7 days")
        row = page.locator("table tr", has_text=MODEL_GPT).first
        sync_api.expect(row).to_be_visible(timeout=WAIT_MS)
        sync_api.expect(row).to_have_text(re.compile(r"^fake-gpt\s*1\s*11\s*5\s*\$0\.0010\s*100\.0%\s*$"))
        chart = page.locator('svg[id^="mermaid-"]').first
        sync_api.expect(chart).to_be_visible(timeout=WAIT_MS)
        assert chart.locator("text").count() > 0, "the Mermaid chart has no text"
        page.locator("table").first.evaluate("table => table.scrollIntoView({block: 'start'})")
        keep_screenshot(page, "report.png")


def test_user_without_balance_is_refused_in_their_language(owui, monitor, report_model, make_user, page, tmp_path):
    broke = make_user("broke")
    _status, answer = owui.chat_api(owui.admin_token, report_model, f"/balance set {broke['email']} 0")
    assert stored_balance(monitor, broke) == 0, answer
    set_user_language(owui, broke, "es")
    with evidence_on_failure(page, tmp_path):
        log_in(page, broke)
        new_chat(page, MODEL_GPT)
        send(page, "hola")
        refusal = page.get_by_text(re.compile("Saldo insuficiente")).first
        sync_api.expect(refusal).to_be_visible(timeout=WAIT_MS)
        assert "Pida a un administrador" in (refusal.text_content() or "")
        keep_screenshot(page, "refusal.png")
    assert stored_balance(monitor, broke) == 0


def test_admin_presses_the_dashboard_button_and_sees_the_charts(owui, monitor, report_model, page, tmp_path) -> None:
    """The action's "Usage dashboard" button under a reply: the range dialog, then the embedded page's charts."""
    owui.set_valves(ACTION, {**owui.get_valves(ACTION), "language": "en", "db_path": str(monitor)})
    actions = {m["id"]: m for m in owui.refresh_models()}[MODEL_GPT].get("actions") or []
    assert f"{ACTION}.dashboard" in {a["id"] for a in actions}, actions
    admin = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    with evidence_on_failure(page, tmp_path):
        log_in(page, admin)
        new_chat(page, MODEL_GPT)
        send(page, "hello dashboard")
        reply = page.get_by_text(REPLY_TEXT, exact=True).first
        sync_api.expect(reply).to_be_visible(timeout=WAIT_MS)
        reply.hover()
        button = page.get_by_role("button", name="Usage dashboard", exact=True).last
        sync_api.expect(button).to_be_visible(timeout=WAIT_MS)
        button.click()

        dialog = page.get_by_role("dialog", name="Usage dashboard")
        sync_api.expect(dialog).to_be_visible(timeout=WAIT_MS)
        dialog.locator("textarea").fill("all")
        dialog.get_by_role("button", name="Confirm", exact=True).click()
        sync_api.expect(dialog).to_be_hidden(timeout=WAIT_MS)

        sync_api.expect(page.get_by_text("Dashboard for All time is below.").first).to_be_visible(timeout=WAIT_MS)
        iframe = page.locator('[id$="-embeds-container"] iframe').first
        sync_api.expect(iframe).to_be_attached(timeout=WAIT_MS)
        embed = iframe.content_frame
        sync_api.expect(embed.get_by_text("Total cost").first).to_be_attached(timeout=WAIT_MS)
        svgs = embed.locator("svg")
        sync_api.expect(svgs).to_have_count(3, timeout=WAIT_MS)  # donut, ranking bars, columns per day
        for n in range(3):
            box = svgs.nth(n).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 20, (n, box)
        assert embed.locator("rect.bar").count() >= 1 and embed.locator("rect.col").count() >= 1
        # The page posts its height, so Open WebUI grows the iframe to show every chart without inner scrolling.
        page.wait_for_function(
            "() => { const f = document.querySelector('[id$=\"-embeds-container\"] iframe');"
            " return f && f.getBoundingClientRect().height > 500; }",
            timeout=WAIT_MS,
        )
        iframe.scroll_into_view_if_needed()
        keep_screenshot(page, "dashboard-button.png")
