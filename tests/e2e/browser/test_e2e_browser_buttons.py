"""The buttons under a reply, as a person sees them in Chromium: a button's answer is added under the reply (a
card), never put in the reply's status line, which stays the cost notice, also after a reload; "Usage of this
message" shows every part in full; a card is as tall as its page (no blank gap after a taller one); export names
its files; a normal user sees only the two buttons they may press, an admin all six under the admin-only
"Usage Monitor (admin)" model.

The functions are installed by the installer (`report_model`) and read the filter's SQLite file; screenshots of
what each test saw are kept in `test-artifacts/`.
"""

from __future__ import annotations

import re
import time
from contextlib import closing
from typing import Any

from plugin.store import Store

from ..fake_upstream import MODEL_GPT, REPLY_TEXT
from ..owui import ADMIN_EMAIL, ADMIN_PASSWORD
from .steps import (
    ACTION,
    ADMIN_MODEL,
    WAIT_MS,
    answer_dialog,
    evidence_on_failure,
    keep_screenshot,
    log_in,
    new_chat,
    press,
    saved_assistant,
    seen_notice,
    send,
    sync_api,
)

EVERYONE = ("Usage of this message", "Usage dashboard")
ADMIN_ONLY = ("Test all models", "Balance or block a user", "Model prices", "Export usage")
NOTICE = r"^Tokens: \d+\+\d+ \| Cost: "
ADMIN = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
CARD = '[id$="-embeds-container"] iframe'


def shown_buttons(page: Any) -> list[str]:
    """Which of the six buttons are on the page, visible (the last reply's buttons are always shown)."""
    return [
        name
        for name in (*EVERYONE, *ADMIN_ONLY)
        if any(b.is_visible() for b in page.get_by_role("button", name=name, exact=True).all())
    ]


def status_lines(page: Any) -> list[str]:
    """The status lines drawn on the page (collapsed, Open WebUI draws only the latest status of a reply)."""
    return [(s.text_content() or "").strip() for s in page.locator(".status-description").all() if s.is_visible()]


def card(page: Any, text: str) -> Any:
    """The card under the reply, once it shows `text`."""
    frame = page.locator(CARD).first.content_frame
    sync_api.expect(frame.get_by_text(text).first).to_be_visible(timeout=WAIT_MS)
    return frame


def card_fits(page: Any) -> tuple[float, float]:
    """Wait until the card's iframe is as tall as its page (its body), within a few pixels; returns both."""
    frame = page.locator(CARD).first.content_frame
    deadline = time.monotonic() + 15
    while True:
        outer = page.locator(CARD).first.bounding_box()["height"]
        inner = frame.locator("body").evaluate("b => Math.ceil(b.getBoundingClientRect().height)")
        if abs(outer - inner) <= 4 or time.monotonic() > deadline:
            return outer, inner
        time.sleep(0.25)


def open_admin_model(page: Any) -> None:
    page.goto(f"/?models={ADMIN_MODEL}")
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor (admin)")


def test_a_user_sees_only_the_buttons_they_may_press(owui, monitor, report_model, make_user, page, tmp_path) -> None:
    user = make_user("buttons")
    listed = {m["id"]: m for m in owui.request("GET", "/api/models", token=user["token"]).json()["data"]}
    assert ADMIN_MODEL not in listed  # the model the admin buttons are on is not the user's to see
    assert {a["id"] for a in listed[MODEL_GPT]["actions"]} == {f"{ACTION}.usage", f"{ACTION}.dashboard"}
    with evidence_on_failure(page, tmp_path):
        log_in(page, user)
        new_chat(page, MODEL_GPT)
        send(page, "which buttons")
        seen_notice(page, NOTICE)
        sync_api.expect(page.get_by_role("button", name=EVERYONE[0], exact=True).last).to_be_visible(timeout=WAIT_MS)
        assert shown_buttons(page) == list(EVERYONE)
        keep_screenshot(page, "buttons-user.png")


def test_an_admin_sees_all_six_under_the_admin_model(owui, monitor, report_model, page, tmp_path) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        open_admin_model(page)
        send(page, "help")
        sync_api.expect(page.get_by_role("button", name=ADMIN_ONLY[0], exact=True).last).to_be_visible(timeout=WAIT_MS)
        assert shown_buttons(page) == [*EVERYONE, *ADMIN_ONLY]
        keep_screenshot(page, "buttons-admin.png")
    with closing(Store(monitor)) as store:  # the admin model is the report pipe: never billed
        assert store.query("SELECT model_id FROM usage WHERE model_id = ?", (ADMIN_MODEL,)) == []


def test_usage_of_this_message_is_added_under_the_reply_and_the_notice_stays(
    owui, monitor, report_model, make_user, page, tmp_path
) -> None:
    user = make_user("usage")
    with evidence_on_failure(page, tmp_path):
        log_in(page, user)
        new_chat(page, MODEL_GPT)
        chat_id = send(page, "what did this cost")
        line = seen_notice(page, NOTICE)
        assert status_lines(page) == [line]
        press(page, "Usage of this message")
        frame = card(page, "balance after:")
        parts = [(li.text_content() or "").strip() for li in frame.locator("li").all()]
        assert parts[0] == MODEL_GPT and re.fullmatch(r"balance after: \$\d+\.\d{4}", parts[4]), parts
        assert any(p.startswith("Tokens: input 11, output 5") for p in parts), parts
        assert status_lines(page) == [line]  # the button added a card; the visible status is still the notice
        every_part_in_full(page, frame)
        page.locator(CARD).first.scroll_into_view_if_needed()
        keep_screenshot(page, "message-usage.png")

        # A cancelled dialog is a passing note: the card and the notice stay as they were.
        press(page, "Usage dashboard")
        dialog = page.get_by_role("dialog", name="Usage dashboard")
        sync_api.expect(dialog).to_be_visible(timeout=WAIT_MS)
        dialog.get_by_role("button", name="Cancel", exact=True).click()
        sync_api.expect(page.get_by_text("Cancelled; nothing was changed.").first).to_be_visible(timeout=WAIT_MS)
        card(page, "balance after:")
        assert status_lines(page) == [line]

        page.reload()
        sync_api.expect(page.get_by_text(REPLY_TEXT, exact=True).first).to_be_visible(timeout=WAIT_MS)
        card(page, "balance after:")
        assert status_lines(page) == [line]
    saved = saved_assistant(owui, user, chat_id, "what did this cost", line)
    assert [s["description"] for s in saved["statusHistory"]] == [line]
    assert len(saved.get("embeds") or []) == 1


def every_part_in_full(page: Any, frame: Any) -> None:
    """Each line of the card is inside the iframe's box and none is cut (no inner scrolling, no ellipsis)."""
    box = page.locator(CARD).first.bounding_box()
    outer, inner = card_fits(page)
    assert outer >= inner - 2, (outer, inner)
    for li in frame.locator("li").all():
        part = li.bounding_box()
        assert part["y"] + part["height"] <= box["y"] + box["height"] + 1, (part, box)
        assert part["x"] + part["width"] <= box["x"] + box["width"] + 1, (part, box)
        assert li.evaluate("e => e.scrollWidth <= e.clientWidth"), li.text_content()


def test_the_model_test_card_is_as_tall_as_its_table_after_a_taller_dashboard(
    owui, monitor, report_model, page, tmp_path
) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        open_admin_model(page)
        send(page, "help")
        press(page, "Usage dashboard")
        answer_dialog(page, "Usage dashboard", "all")
        card(page, "Total cost")
        tall, charts = card_fits(page)
        assert abs(tall - charts) <= 4 and tall > 300, (tall, charts)  # the iframe grew to the dashboard's charts

        press(page, "Test all models")
        frame = card(page, "models answered")
        sync_api.expect(frame.locator("table tr", has_text=MODEL_GPT).first).to_be_visible(timeout=WAIT_MS)
        outer, inner = card_fits(page)
        print(f"dashboard card {tall:.0f}px, then the model test: iframe {outer:.0f}px, its page {inner:.0f}px")
        assert inner < tall - 100, (inner, tall)  # a shorter page than the dashboard's
        assert abs(outer - inner) <= 4, f"the iframe is {outer:.0f}px for a page of {inner:.0f}px"
        assert status_lines(page) == []  # progress was shown in the card, not as status lines
        page.locator(CARD).first.scroll_into_view_if_needed()
        keep_screenshot(page, "test-models.png")


def test_export_names_its_files(owui, monitor, report_model, page, tmp_path) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        open_admin_model(page)
        send(page, "help")
        press(page, "Export usage")
        frame = card(page, "Usage records as CSV: openwebui-monitor-usage-")
        lines = [(li.text_content() or "").strip() for li in frame.locator("li").all()]
        assert re.fullmatch(r"Usage records as CSV: openwebui-monitor-usage-[\w-]+\.csv", lines[0]), lines
        assert re.fullmatch(r"The whole database as JSON: openwebui-monitor-[\w-]+\.json", lines[1]), lines
        csv_name, json_name = lines[0].rsplit(" ", 1)[1], lines[1].rsplit(" ", 1)[1]
        for name in (csv_name, json_name):  # the attached files under the reply, by name
            sync_api.expect(page.get_by_text(name, exact=True).first).to_be_visible(timeout=WAIT_MS)
        assert "/api/v1/files/" not in (page.locator("#messages-container").inner_text() + "".join(lines))
        page.locator(CARD).first.scroll_into_view_if_needed()
        keep_screenshot(page, "export.png")
        page.reload()
        card(page, csv_name)
        sync_api.expect(page.get_by_text(json_name, exact=True).first).to_be_visible(timeout=WAIT_MS)
