"""The console (issue 22) as an admin and a user click it in Chromium against a real Open WebUI: the admin sorts
users, tops one up from the console (Open WebUI's "Confirm Prompt from Embed" answered, the ledger row naming the
admin, the console back with the new balance), changes a price in place and undoes it, filters the records by model
and range and exports exactly them; a hostile user name is text; a normal user's console shows their own numbers
and offers no change. Screenshots go to `test-artifacts/` (the README's `docs/console-*.png` are copies).

Every press is a command the page posts to the chat (`input:prompt:submit`): the test answers Open WebUI's own
confirmation each time, and the next console is the newest page under the newest reply.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from ..fake_upstream import MODEL_GPT, REPLY_TEXT
from ..owui import ADMIN_EMAIL, ADMIN_PASSWORD, OpenWebUI
from .steps import (
    ADMIN_MODEL,
    ARTIFACTS,
    PIPE,
    WAIT_MS,
    answer_dialog,
    evidence_on_failure,
    log_in,
    new_chat,
    press,
    send,
    sync_api,
)

ADMIN = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
PAGES = '[id$="-embeds-container"] iframe'
HOSTILE = "<img src=x onerror=\"document.title='owned'\">Mallory"
OTHER_MODEL = "demo-model"
DAY = 86_400


@pytest.fixture(scope="module")
def people(owui: OpenWebUI, monitor: Path, report_model: str, make_user) -> Iterator[dict[str, dict]]:
    """Three users with balances and usage written into the filter's file: Dana ($3) on two models, Eli ($9) on
    one, Mallory (a name that is HTML) with $1 and one old record."""
    dana, eli = make_user("dana"), make_user("eli")
    mallory = owui.add_user(HOSTILE, "mallory@example.com", "mallory-pass")
    mallory = {**mallory, "email": "mallory@example.com", "password": "mallory-pass"}
    now = time.time()
    rows = [
        (dana, MODEL_GPT, 3 * 3600, 4_000),
        (dana, OTHER_MODEL, 2 * 3600, 6_000),
        (dana, OTHER_MODEL, 20 * DAY, 5_000),  # outside a 7-day range
        (eli, MODEL_GPT, 3600, 12_000),
        (mallory, MODEL_GPT, 40 * DAY, 1_000),
    ]
    for person, top_up in ((dana, 3_000_000), (eli, 9_000_000), (mallory, 1_000_000)):
        with closing(Store(monitor, clock=lambda: now - 50 * DAY)) as store, store.immediate():
            store.ensure_user(person["id"], person.get("name", ""), person["email"], "user")
            store.append_ledger(person["id"], "topup", top_up, actor="seed")
    for n, (person, model, ago, cost) in enumerate(rows):
        with closing(Store(monitor, clock=lambda ago=ago: now - ago)) as store, store.immediate():
            balance = store.append_ledger(person["id"], "charge", -cost, actor="filter", reference=f"console-{n}")
            store.save_usage(
                {
                    "chat_id": "console-seed",
                    "message_id": f"console-{n}",
                    "user_id": person["id"],
                    "model_id": model,
                    "input_tokens": 100 + n,
                    "output_tokens": 50,
                    "price_source": "default",
                    "cost": cost,
                    "balance_after": balance,
                }
            )
    return {"dana": dana, "eli": eli, "mallory": mallory}


def console(page: Any, text: str) -> Any:
    """The newest page under the chat's replies, once it is one this test has not read yet and shows `text`.
    (Open WebUI keeps only the latest messages of a long chat on the page, so pages are not counted: each page read
    is marked in its own document, and the next one is the last page without the mark.)"""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        frames = page.locator(PAGES)
        if frames.count():
            frame = frames.last.content_frame
            fresh = frame.locator("body:not([data-read])")
            if fresh.count() and frame.get_by_text(text).first.is_visible():
                fresh.evaluate("b => b.setAttribute('data-read', '1')")
                return frame
        if time.monotonic() > deadline:
            raise AssertionError(f"no new console page showing {text!r}")
        time.sleep(0.2)


def open_monitor(page: Any) -> None:
    page.goto(f"/?models={PIPE}")
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor")


def confirm(page: Any, command: str) -> None:
    """Open WebUI's own question before a prompt from an embed reaches the chat: it shows the command; confirm."""
    dialog = page.get_by_role("dialog").filter(has_text="Confirm Prompt from Embed")
    sync_api.expect(dialog).to_be_visible(timeout=WAIT_MS)
    sync_api.expect(dialog).to_contain_text(command)
    dialog.get_by_role("button", name="Confirm", exact=True).click()
    sync_api.expect(dialog).to_be_hidden(timeout=WAIT_MS)


def names_in(frame: Any) -> list[str]:
    """Each row's name (the first cell's own text; the e-mail is a line of its own under it)."""
    return frame.locator("tbody tr td:first-child").evaluate_all(
        "cells => cells.map(c => (c.firstChild && c.firstChild.textContent || '').trim())"
    )


def keep_page(page: Any, name: str) -> None:
    """The newest console page alone, as tall as it is, kept as an artifact (the README's pictures)."""
    ARTIFACTS.mkdir(exist_ok=True)
    frame = page.locator(PAGES).last
    size = page.viewport_size
    box = frame.bounding_box() or {"height": 0}
    page.set_viewport_size({"width": size["width"], "height": min(4000, max(size["height"], int(box["height"]) + 200))})
    try:
        frame.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # the iframe repaints at the new size
        frame.screenshot(path=str(ARTIFACTS / name))
    finally:
        page.set_viewport_size(size)


def row(frame: Any, text: str) -> Any:
    return frame.locator("tbody tr", has_text=text).first


def price_of(db: Path, model: str) -> dict | None:
    with closing(Store(db)) as store:
        return next((p for p in store.all_prices() if p["model_id"] == model), None)


def test_an_admin_sorts_tops_up_prices_filters_and_exports(owui, monitor, people, page, tmp_path) -> None:
    dana, eli = people["dana"], people["eli"]
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        open_monitor(page)
        send(page, "/console users")
        frame = console(page, dana["email"])
        # A hostile name is text: shown as typed, no image element, the page's title untouched.
        sync_api.expect(frame.get_by_text(HOSTILE).first).to_be_visible()
        assert frame.locator("img").count() == 0 and page.title() != "owned"

        # Sort by balance: the column title is a button that sends the sorted view's command.
        frame.get_by_role("button", name=re.compile("^Balance")).click()
        confirm(page, "/console users desc sort:balance")
        frame = console(page, dana["email"])
        ours = [n for n in names_in(frame) if n in (dana["name"], eli["name"], HOSTILE)]
        assert ours == [eli["name"], dana["name"], HOSTILE], names_in(frame)
        keep_page(page, "console-users.png")

        # Top Dana up by 5 from her row: the command is confirmed, run as the admin, and the console comes back.
        before = ledger_rows(monitor, dana["id"])
        line = row(frame, dana["email"])
        line.locator("input").fill("5")
        line.get_by_role("button", name="Add", exact=True).click()
        confirm(page, f"/balance add {dana['email']} 5")
        frame = console(page, dana["email"])
        sync_api.expect(row(frame, dana["email"])).to_contain_text("$7.9850")  # 3 − 0.004 − 0.006 − 0.005 + 5
        added = ledger_rows(monitor, dana["id"])[len(before) :]
        assert [(r["kind"], r["amount"], r["actor"]) for r in added] == [("topup", 5_000_000, admin_id(owui))]
        assert names_in(frame).index(eli["name"]) < names_in(frame).index(dana["name"])  # still by balance

        # Models and prices: edit fake-gpt's price in its row, then undo it from the console.
        before = price_of(monitor, MODEL_GPT)
        frame.get_by_role("button", name="Models and prices", exact=True).click()
        confirm(page, "/console models")
        frame = console(page, MODEL_GPT)
        line = row(frame, MODEL_GPT)
        line.locator("input").nth(0).fill("2")
        line.locator("input").nth(1).fill("8")
        line.get_by_role("button", name="Save", exact=True).click()
        confirm(page, f"/price set model:{MODEL_GPT} input:2 output:8")
        frame = console(page, MODEL_GPT)
        sync_api.expect(row(frame, MODEL_GPT)).to_contain_text("$8.0000")
        changed = price_of(monitor, MODEL_GPT)
        assert changed and (changed["input_price"], changed["output_price"]) == (2_000_000, 8_000_000), changed
        keep_page(page, "console-models.png")
        frame.get_by_role("button", name="Undo last price change", exact=True).click()
        confirm(page, "/price undo")
        frame = console(page, MODEL_GPT)
        assert _price_fields(price_of(monitor, MODEL_GPT)) == _price_fields(before)
        # Test one model from its row: the fake upstream answers (a test is never billed).
        row(frame, MODEL_GPT).get_by_role("button", name="Test", exact=True).click()
        confirm(page, f"/test model:{MODEL_GPT}")
        sync_api.expect(page.get_by_text("1 of 1 model answered").last).to_be_visible(timeout=WAIT_MS)
        assert row(frame, "Usage Monitor").get_by_role("button").count() == 0  # our own model: never billed

        # Usage: Dana's records on demo-model in the last 7 days, then exactly those exported.
        frame.get_by_role("button", name="Usage", exact=True).click()
        confirm(page, "/console usage")
        frame = console(page, "Records")
        frame.locator("#rng").fill("7d")
        frame.locator("#usr").fill(dana["email"])
        frame.locator("#mdl").select_option(OTHER_MODEL)
        frame.get_by_role("button", name="Apply", exact=True).click()
        confirm(page, f"/console usage range:7d model:{OTHER_MODEL} user:{dana['email']}")
        frame = console(page, "Records")
        records = [(r.text_content() or "") for r in frame.locator("tbody tr").all()]
        assert len(records) == 1 and OTHER_MODEL in records[0] and "$0.0060" in records[0], records
        keep_page(page, "console-usage.png")
        frame.get_by_role("button", name="Export CSV", exact=True).click()
        confirm(page, f"/export csv range:7d user:{dana['email']} model:{OTHER_MODEL}")
        link = page.get_by_role("link", name=re.compile(r"openwebui-monitor-usage-.*\.csv")).last
        sync_api.expect(link).to_be_visible(timeout=WAIT_MS)
        exported = exported_rows(owui, str(link.get_attribute("href")))
        assert [(r["Email"], r["Model"], r["Cost"]) for r in exported] == [(dana["email"], OTHER_MODEL, "0.006000")], (
            exported
        )


def test_a_users_console_is_their_own_and_changes_nothing(owui, monitor, people, page, tmp_path) -> None:
    dana, eli = people["dana"], people["eli"]
    with evidence_on_failure(page, tmp_path):
        log_in(page, dana)
        open_monitor(page)
        send(page, "/console")
        frame = console(page, "Records")
        text = frame.locator("body").text_content() or ""
        assert "$0.0150" in text and "$0.0120" not in text and eli["email"] not in text and eli["name"] not in text
        labels = [(b.text_content() or "").strip() for b in frame.locator("button").all()]
        assert not {"Add", "Set", "Block", "Save", "Export CSV", "Users"} & set(labels), labels
        assert frame.locator("#usr").count() == 0  # no other person to choose
        keep_page(page, "console-user.png")
        # A range from the page is still only her own.
        frame.locator("#rng").fill("all")
        frame.get_by_role("button", name="Apply", exact=True).click()
        confirm(page, "/console usage range:all")
        frame = console(page, "Records")
        assert len(frame.locator("tbody tr").all()) >= 3 and eli["email"] not in (
            frame.locator("body").text_content() or ""
        )
        send_and_refused = page.locator("#chat-input")
        send_and_refused.click()
        send(page, "/console users")
        sync_api.expect(page.get_by_text(re.compile("only for administrators|admin", re.I)).last).to_be_visible(
            timeout=WAIT_MS
        )
        assert page.locator(PAGES).count() == 2  # no users page for her


def _price_fields(row: dict | None) -> tuple:
    return tuple((row or {}).get(k) for k in ("input_price", "output_price", "per_msg_price"))


def ledger_rows(db: Path, user_id: str) -> list[dict]:
    with closing(Store(db)) as store:
        return store.engine.query("SELECT kind, amount, actor FROM ledger WHERE user_id = ? ORDER BY id", (user_id,))


def admin_id(owui: OpenWebUI) -> str:
    return str(owui.request("GET", "/api/v1/auths/", token=owui.admin_token).json()["id"])


def exported_rows(owui: OpenWebUI, url: str) -> list[dict[str, str]]:
    text = owui.request("GET", url, token=owui.admin_token).content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_dashboard_button_offers_the_console_live_only_in_a_monitor_chat(owui, monitor, people, page, tmp_path):
    """ "console" typed into the dashboard button's dialog: under a fake-gpt reply the page is read-only (its commands
    would go to fake-gpt); under a Usage Monitor (admin) reply it has its buttons (they reach the monitor)."""
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        new_chat(page, MODEL_GPT)
        send(page, "hello")
        sync_api.expect(page.get_by_text(REPLY_TEXT, exact=True).first).to_be_visible(timeout=WAIT_MS)
        press(page, "Usage dashboard")
        answer_dialog(page, "Usage dashboard", "console")
        frame = console(page, people["dana"]["email"])
        sync_api.expect(frame.get_by_text("Read-only here").first).to_be_visible()
        assert frame.locator("button").count() == 0 and frame.locator("input").count() == 0

        page.goto(f"/?models={ADMIN_MODEL}")
        sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor (admin)")
        send(page, "help")
        press(page, "Usage dashboard")
        answer_dialog(page, "Usage dashboard", "console")
        frame = console(page, people["dana"]["email"])
        assert frame.get_by_role("button", name="Add", exact=True).count() >= 3
