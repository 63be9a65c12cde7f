"""What a person sees, in a real browser (headless Debian Chromium): the billing notice under a reply, the
"Usage Monitor" model's table and rendered chart, the translated refusal of a user with no balance, and
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

import re
import time

from plugin.ui import notice

from ..fake_upstream import MODEL_GPT, REPLY_TEXT
from ..owui import ADMIN_EMAIL, ADMIN_PASSWORD
from .steps import (
    ACTION,
    COST,
    INIT_BALANCE,
    TIME_AND_SPEED,
    WAIT_MS,
    assert_above,
    evidence_on_failure,
    keep_screenshot,
    log_in,
    new_chat,
    saved_assistant,
    seen_notice,
    send,
    set_user_language,
    stored_balance,
    sync_api,
)


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
        chart = page.locator("svg.marks").first  # Vega's SVG (the charts are ```vega-lite blocks)
        sync_api.expect(chart).to_be_visible(timeout=WAIT_MS)
        assert chart.locator("text").count() > 0, "the chart has no text"
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

        iframe = page.locator('[id$="-embeds-container"] iframe').first
        sync_api.expect(iframe).to_be_attached(timeout=WAIT_MS)
        embed = iframe.content_frame
        sync_api.expect(embed.get_by_text("Total cost").first).to_be_attached(timeout=WAIT_MS)
        sync_api.expect(embed.get_by_text("All time").first).to_be_attached(timeout=WAIT_MS)  # the range typed
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
