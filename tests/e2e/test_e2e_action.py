"""The action's buttons inside a real Open WebUI 0.12.4, installed by the installer.

Buttons are pressed as the frontend does (POST /api/chat/actions/<function>.<button> with the chat, message
and socket session ids): everyone's from `admin_action`, the admin's from `openwebui_monitor_admin_action`, which
the installer attaches only to the admin-only "Usage Monitor (admin)" model (an admin may still call it by id under
any message, as this module does). Answers are cards (`embeds`) under the message; the status line is left to the
cost notice. Dialogs are answered by a python-socketio client connected as the presser, the way a browser tab
answers `__event_call__`. The dashboard embed stored in the chat is rendered in headless Chromium and its
screenshot kept (pytest's tmp dir, and test-artifacts/, which git ignores).
"""

from __future__ import annotations

import csv
import io
import queue
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from .fake_upstream import MODEL_GPT, MODEL_PRICED, FakeUpstream
from .monitor import ACTION, ADMIN_ACTION, ADMIN_MODEL, PIPE, ROOT, ask, installed_monitor
from .owui import OpenWebUI

socketio = pytest.importorskip("socketio")

PER_TOKEN = 60  # micro-units per token at the default 60 per 1M
EVERYONE = ("usage", "dashboard")
ADMINS = ("test_models", "topup", "prices", "export")


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Store]:
    with installed_monitor(owui) as store:
        yield store


class Tab:
    """A browser tab's socket: answers dialogs from a queue and records every event it is sent."""

    def __init__(self, owui: OpenWebUI, token: str) -> None:
        self.answers: queue.Queue[Any] = queue.Queue()
        self.asked: list[dict] = []
        self.events: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("events", self._on_event)
        self.client.connect(
            owui.base_url, socketio_path="/ws/socket.io", transports=["websocket"], auth={"token": token}
        )
        self.sid = self.client.get_sid()

    def _on_event(self, payload: dict) -> Any:
        data = payload.get("data") or {}
        if data.get("type") in ("input", "confirmation"):
            self.asked.append(data)
            return self.answers.get(timeout=30)
        self.events.append(data)
        return None

    def close(self) -> None:
        self.client.disconnect()


def press(owui: OpenWebUI, token: str, button: str, chat: dict, session: str = "no-browser", **body: Any) -> Any:
    """Press `button` in the Function that shows it; Open WebUI's refusal (400) is returned as its JSON too."""
    form = {
        "model": MODEL_GPT,
        "messages": [{"id": chat["assistant_id"], "role": "assistant", "content": "x"}],
        "chat_id": chat["chat_id"],
        "id": chat["assistant_id"],
        "session_id": session,
        **body,
    }
    function = ADMIN_ACTION if button in ADMINS else ACTION
    response = owui.request(
        "POST", f"/api/chat/actions/{function}.{button}", token=token, json=form, timeout=120, check=False
    )
    return response.json()


def message(owui: OpenWebUI, token: str, chat: dict) -> dict:
    return owui.get_chat(token, chat["chat_id"])["chat"]["history"]["messages"][chat["assistant_id"]]


def card(owui: OpenWebUI, token: str, chat: dict) -> str:
    """The one card under the message (each press's replaces the one before)."""
    (page,) = message(owui, token, chat).get("embeds") or []
    return page


def test_everyones_buttons_on_every_model_the_admins_on_the_admin_model(
    owui: OpenWebUI, monitor: Store, make_user
) -> None:
    models = {m["id"]: m for m in owui.refresh_models()}
    everyone = {f"{ACTION}.{b}" for b in EVERYONE}
    assert {a["id"] for a in models[MODEL_GPT].get("actions", [])} == everyone
    assert {a["id"] for a in models[ADMIN_MODEL].get("actions", [])} == everyone | {
        f"{ADMIN_ACTION}.{b}" for b in ADMINS
    }
    user = make_user("lister")
    listed = {m["id"] for m in owui.request("GET", "/api/models", token=user["token"]).json()["data"]}
    assert MODEL_GPT in listed and PIPE in listed and ADMIN_MODEL not in listed


def test_usage_details_and_refusals_for_a_user(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    alice = make_user("alice")
    ask(owui, owui.admin_token, f"/balance add {alice['email']} 5")
    chat = owui.chat_saved(alice["token"], MODEL_GPT, "hello [usage 1000 500] [cached 100] [reasoning 7]")

    statuses = message(owui, alice["token"], chat).get("statusHistory") or []
    result = press(owui, alice["token"], "usage", chat)
    text = result["text"]
    for part in ("fake-gpt", "input 1000", "output 500", "cached 100", "reasoning 7", "$0.0900", "price: default"):
        assert part in text, text
    assert f"balance after: ${(5_000_000 - 1500 * PER_TOKEN) / 1e6:.4f}" in text and "T/s" in text
    page = card(owui, alice["token"], chat)  # the answer stays under the message, one line per part
    assert all(f"<li>{part}</li>" in page for part in text.split(" | ") if "'" not in part), page
    assert (message(owui, alice["token"], chat).get("statusHistory") or []) == statuses  # the notice untouched

    unbilled = {**chat, "assistant_id": chat["user_message_id"]}
    assert press(owui, alice["token"], "usage", unbilled)["text"].startswith("This message was never billed")

    # The admin's buttons are not on Alice's model: Open WebUI itself refuses them, before our code runs.
    before = store.ledger_for(alice["id"])
    for button in ADMINS:
        assert press(owui, alice["token"], button, chat) == {"detail": f"Action not available: {ADMIN_ACTION}"}
    assert store.ledger_for(alice["id"]) == before and store.all_prices() == []

    # A user's dashboard is their own (no browser tab: the default 30 days).
    own = press(owui, alice["token"], "dashboard", chat)
    assert own["embed"] is True
    embeds = message(owui, alice["token"], chat).get("embeds") or []
    assert embeds == [embeds[0]] and alice["name"] in embeds[0] and "Top users" not in embeds[0]


def test_admin_buttons_with_dialogs(
    owui: OpenWebUI, monitor: Store, make_user, fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    store = monitor
    boss, bob = make_user("boss", role="admin"), make_user("bob")
    ask(owui, owui.admin_token, f"/balance add {boss['email']} 5")
    ask(owui, owui.admin_token, f"/balance add {bob['email']} 1")
    owui.chat_saved(bob["token"], MODEL_GPT, "hi [usage 200 100]")
    chat = owui.chat_saved(boss["token"], MODEL_GPT, "hello [usage 300 50]")
    tab = Tab(owui, boss["token"])
    try:
        # Top up through two input dialogs and a confirmation; the ledger names the admin.
        for answer in (bob["email"], "2.5", True):
            tab.answers.put(answer)
        text = press(owui, boss["token"], "topup", chat, session=tab.sid)["text"]
        assert [a["type"] for a in tab.asked] == ["input", "input", "confirmation"], tab.asked
        assert "Add $2.5000 to the balance of Bob" in tab.asked[2]["data"]["message"]
        row = store.ledger_for(bob["id"])[-1]
        assert (row["kind"], row["amount"], row["actor"]) == ("topup", 2_500_000, boss["id"]), text

        # Bad input is explained and changes nothing; so does a cancelled confirmation.
        before = store.ledger_for(bob["id"])
        for answers, expected in (
            (("nobody-at-all",), "No user matches"),
            ((bob["email"], "lots"), "“lots” is not a valid amount"),
            ((bob["email"], "-100", True), "negative balance"),
            ((bob["email"], "5", False), "Cancelled"),
        ):
            for answer in answers:
                tab.answers.put(answer)
            assert expected in press(owui, boss["token"], "topup", chat, session=tab.sid)["text"]
        assert store.ledger_for(bob["id"]) == before

        # Block through the same button: Bob's next chat is refused.
        for answer in (bob["email"], "block", True):
            tab.answers.put(answer)
        assert "is blocked" in press(owui, boss["token"], "topup", chat, session=tab.sid)["text"]
        status, refusal = owui.chat_api(bob["token"], MODEL_GPT, "hello", expect_status=None)
        assert status == 400 and "blocked" in str(refusal)

        # Without a live tab, a write button says why instead of guessing.
        assert "needs the chat open" in press(owui, boss["token"], "topup", chat)["text"]

        # The dashboard for the range the admin types, stored as an embed under the message.
        tab.answers.put("all")
        result = press(owui, boss["token"], "dashboard", chat, session=tab.sid)
        assert result["embed"] and "All time" in result["text"]
        page = (message(owui, boss["token"], chat).get("embeds") or [])[0]
        assert bob["email"] in page or "Bob" in page
        screenshot(page, tmp_path)

        # Export: two files in Open WebUI's store, attached to the message, downloadable.
        result = press(owui, boss["token"], "export", chat, session=tab.sid)
        csv_url, json_url = result["files"]
        rows = list(csv.DictReader(io.StringIO(owui.request("GET", csv_url).content.decode("utf-8-sig"))))
        assert {bob["id"], boss["id"]} <= {
            next(v for k, v in r.items() if k.lower() in ("user id", "user_id")) for r in rows
        }
        assert owui.request("GET", json_url).json()["format"] == "openwebui-monitor-embedded"
        files = message(owui, boss["token"], chat).get("files") or []
        assert {f.get("url") for f in files} >= {csv_url, json_url}
        page = card(owui, boss["token"], chat)  # the card names the files; their paths mean nothing to a person
        assert all(f["name"] in page for f in files) and "/api/v1/files/" not in page

        # Prices through a dialog, shown before applied.
        for answer in (MODEL_GPT, "1 2", True):
            tab.answers.put(answer)
        assert "Prices of fake-gpt" in press(owui, boss["token"], "prices", chat, session=tab.sid)["text"]
        price = store.get_price(MODEL_GPT)
        assert (price["input_price"], price["output_price"], price["updated_by"]) == (1_000_000, 2_000_000, boss["id"])

        # Test all models: one fails on purpose; it is reported, nothing hangs, nothing is billed.
        usage_rows = store.one("SELECT COUNT(*) AS n FROM usage")["n"]
        fake_upstream.failing.add(MODEL_PRICED)
        started = time.monotonic()
        try:
            result = press(owui, boss["token"], "test_models", chat, session=tab.sid)
        finally:
            fake_upstream.failing.discard(MODEL_PRICED)
        assert time.monotonic() - started < 60
        page = (message(owui, boss["token"], chat).get("embeds") or [])[0]
        embeds = message(owui, boss["token"], chat).get("embeds") or []
        assert len(embeds) == 1, "each press replaces the page under the message"
        assert MODEL_PRICED in page and "500" in page and PIPE not in page, page
        assert "models answered" in result["text"] and page.count('class="bad"') == 1, result
        progress = [e for e in tab.events if e.get("type") == "embeds" and "Testing models" in str(e)]
        assert progress, tab.events  # progress is a page in the card, replaced by the results
        assert [e for e in tab.events if e.get("type") == "status"] == []  # no press wrote the status line
        assert store.one("SELECT COUNT(*) AS n FROM usage")["n"] == usage_rows
    finally:
        tab.close()
        store.conn.execute("DELETE FROM prices")


def screenshot(page: str, tmp_path: Path) -> None:
    """Render the stored dashboard in headless Chromium: the charts are there and have a size."""
    from .browser.steps import CHROMIUM, CHROMIUM_ARGS, sync_api  # skips without playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 900})
            requests: list[str] = []
            tab.on("request", lambda request: requests.append(request.url))
            tab.set_content(page)
            svgs = tab.locator("svg")
            assert svgs.count() == 3  # donut, ranking bars, columns per day
            for n in range(3):
                box = svgs.nth(n).bounding_box()
                assert box and box["width"] > 100 and box["height"] > 20, box
            assert tab.locator(".donut path, .donut circle").count() >= 1
            assert tab.locator("rect.bar").count() >= 2 and tab.locator("rect.col").count() >= 1
            path = tmp_path / "dashboard.png"
            tab.screenshot(path=str(path), full_page=True)
            assert [url for url in requests if not url.startswith(("about:", "data:"))] == []
        finally:
            browser.close()
    assert path.stat().st_size > 10_000
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(path, artifacts / "dashboard.png")
