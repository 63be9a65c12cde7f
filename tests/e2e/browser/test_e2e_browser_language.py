"""A new user asks the "Usage Monitor" model a plain question in Chinese, in Chromium, and reads the answer in
Chinese with this week's spend as the monitor's database holds it, though the admin's language valve says English
and the user never chose a language (issue 18).

The fixtures (`monitor`: the filter with its own SQLite file; `report_model`: the three functions installed, the
pipe reading that file, its valve set to English) are this folder's `conftest.py`; the steps are `steps.py`.
"""

from __future__ import annotations

import re
import time

from plugin.domain import ranges, reports
from plugin.money import money
from plugin.store import Store

from ..fake_upstream import MODEL_GPT
from .steps import (
    COST,
    INIT_BALANCE,
    PIPE,
    WAIT_MS,
    evidence_on_failure,
    keep_screenshot,
    log_in,
    send,
    stored_balance,
    sync_api,
)


def test_a_question_in_chinese_is_answered_in_chinese(owui, monitor, report_model, make_user, page, tmp_path) -> None:
    asker = make_user("asker")
    owui.chat_api(asker["token"], MODEL_GPT, "something to ask about")
    assert stored_balance(monitor, asker) == INIT_BALANCE - COST
    assert owui.request("GET", f"/api/v1/functions/id/{PIPE}/valves/user", token=asker["token"]).json() in ({}, None)
    assert owui.get_valves(PIPE)["language"] == "en"
    store = Store(monitor)
    try:
        held = reports.totals(store, ranges.parse("week", now=time.time(), tz=None), asker["id"])
    finally:
        store.close()
    assert (held["calls"], held["cost"]) == (1, COST)
    tokens = held["input_tokens"] + held["output_tokens"]
    expected = f"你花费了 {money(held['cost'], '$')}，共 {held['calls']} 条回复（{tokens:,} 个 token）。"

    with evidence_on_failure(page, tmp_path):
        log_in(page, asker)
        page.goto(f"/?models={report_model}")
        sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor")
        send(page, "我这周花了多少")
        answer = page.get_by_text(re.compile(r"^本周（\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}）：你花费了")).first
        sync_api.expect(answer).to_be_visible(timeout=WAIT_MS)
        assert (answer.text_content() or "").strip().endswith(expected), answer.text_content()
        sync_api.expect(page.get_by_text("我的用量", exact=False).first).to_be_visible(timeout=WAIT_MS)
        assert page.get_by_text("I didn't understand").count() == 0
        sync_api.expect(page.locator("svg.marks").first).to_be_visible(timeout=WAIT_MS)  # Vega-Lite charts drawn
        answer.evaluate("line => line.scrollIntoView({block: 'center'})")  # the question above, the report below
        page.wait_for_timeout(500)  # the chat's smooth scrolling settles before the picture
        keep_screenshot(page, "question-zh.png")
    assert stored_balance(monitor, asker) == INIT_BALANCE - COST  # asking is never billed
