"""Redemption codes, the low-balance warning and the monthly statement in Chromium (issue 20), as people see them in
Open WebUI 0.12.4: the admin mints codes in the "Usage Monitor" chat and reads them as text in a code block, with
the CSV file's link; a user redeems one and their next reply's notice counts it; the Filter's `low_balance_warning`
is the first thing in the status line, inside the one line Open WebUI shows of it (`line-clamp-1`) in a 900-pixel
window; and `/statement` answers a user whose language is Chinese in Chinese, closing at their stored balance.
The statement shows no untranslated source label as a detail (it showed "report model") and names an admin the
monitor never billed by their name in Open WebUI (it showed their raw user id).

The fixtures (`monitor`: the filter with its own SQLite file and `init_balance` 1.0; `report_model`: the three
functions installed, the pipe reading that file, its valve set to English) are this folder's `conftest.py`; the
steps are `steps.py`. `docs/codes.png`, `docs/low-balance.png` and `docs/statement-zh.png` are copies of the
screenshots these tests keep in `test-artifacts/`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from plugin.money import money

from ..fake_upstream import MODEL_GPT, REPLY_TEXT
from ..owui import ADMIN_EMAIL, ADMIN_PASSWORD, OpenWebUI
from .steps import (
    ARTIFACTS,
    COST,
    FID,
    INIT_BALANCE,
    PIPE,
    WAIT_MS,
    assert_above,
    evidence_on_failure,
    log_in,
    new_chat,
    seen_notice,
    send,
    stored_balance,
    sync_api,
)

ADMIN = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
CODE = re.compile(r"\bOWM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")
FIVE = 5_000_000  # each code's worth, in micro-units
NOTICE = r"Tokens: \d+\+\d+ \| Cost: "
WARNING = "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor"
THRESHOLD = 0.8  # the `low_balance_warning` of test 3, in currency units


def ask(owui: OpenWebUI, token: str, text: str) -> str:
    """What the Usage Monitor answers over HTTP (the setup the browser does not need to show)."""
    _status, result = owui.chat_api(token, PIPE, text)
    return result["choices"][0]["message"]["content"]


def open_monitor(page: Any) -> None:
    page.goto(f"/?models={PIPE}")
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor", timeout=WAIT_MS)


def message_with(page: Any, text: Any) -> Any:
    """The last message on the page holding `text` (a string or a pattern), once it is shown."""
    sync_api.expect(page.get_by_text(text).last).to_be_visible(timeout=WAIT_MS)
    return page.locator('[id^="message-"]', has=page.get_by_text(text)).last


def keep_message(page: Any, message: Any, name: str, pad: int = 12) -> None:
    """The message alone, scrolled into the window, kept as an artifact (as `keep_screenshot`)."""
    message.evaluate("m => m.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)  # the chat's smooth scrolling settles before the picture
    box = message.bounding_box()
    assert box, message
    clip = {"x": box["x"] - pad, "y": box["y"] - pad, "width": box["width"] + 2 * pad}
    clip["height"] = box["height"] + 2 * pad
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), clip=clip)


def set_reader_language(owui: OpenWebUI, user: dict, language: str) -> None:
    """The person's own `language` valve of the Usage Monitor (its user valves), which its answers follow."""
    path = f"/api/v1/functions/id/{PIPE}/valves/user"
    owui.request("POST", path + "/update", token=user["token"], json={"language": language})
    assert owui.request("GET", path, token=user["token"]).json() == {"language": language}


# ----------------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------------
def test_the_admin_mints_codes_and_reads_them_as_text_with_the_csv_link(
    owui, monitor, report_model, page, tmp_path
) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, ADMIN)
        open_monitor(page)
        send(page, "/codes mint 5 count:3 note:spring")
        head = f"3 new codes worth {money(FIVE, '$', exact=True)} each · note: spring"
        answer = message_with(page, head)
        block = answer.locator('[id^="code-textarea-"]')  # the fenced block: Open WebUI's CodeMirror editor
        sync_api.expect(block).to_be_visible(timeout=WAIT_MS)
        sync_api.expect(block.locator(".cm-line")).to_have_count(3)
        codes = [(line.text_content() or "").strip() for line in block.locator(".cm-line").all()]
        assert all(CODE.fullmatch(code) for code in codes) and len(set(codes)) == 3, codes  # one code a line, as text
        for code in codes:
            sync_api.expect(block.get_by_text(code, exact=True)).to_be_visible()
        sync_api.expect(answer.locator(".copy-code-button")).to_be_visible()  # the block's own Copy button
        link = answer.get_by_role("link", name=re.compile(r"^openwebui-monitor-codes-[\w-]+\.csv$"))
        sync_api.expect(link).to_be_visible()
        href = link.get_attribute("href") or ""
        assert re.fullmatch(r"/api/v1/files/[\w-]+/content", href), href
        rows = csv.DictReader(io.StringIO(owui.request("GET", href).content.decode("utf-8-sig")))
        assert sorted(row["code"] for row in rows) == sorted(codes)  # the file holds the codes the page shows
        keep_message(page, answer, "codes.png")


def test_a_user_redeems_a_code_and_the_next_notice_counts_it(
    owui, monitor, report_model, make_user, page, tmp_path
) -> None:
    [code] = CODE.findall(ask(owui, owui.admin_token, "/codes mint 5 note:browser-redeem"))
    user = make_user("redeemer")
    with evidence_on_failure(page, tmp_path):
        log_in(page, user)
        open_monitor(page)
        send(page, f"/redeem {code}")
        redeemed = re.compile(rf"^Code OWM-••••-••••-{code[-4:]} redeemed")
        message_with(page, redeemed)
        answer = page.get_by_text(redeemed).last  # a first contact: the initial balance, then the code's credit
        sync_api.expect(answer).to_have_text(
            f"Code OWM-••••-••••-{code[-4:]} redeemed: {money(FIVE, '$', exact=True)} added."
            f" Your balance is {money(INIT_BALANCE + FIVE, '$')}."
        )
        assert stored_balance(monitor, user) == INIT_BALANCE + FIVE

        new_chat(page, MODEL_GPT)
        send(page, "hello after the code")
        line = seen_notice(page, "^" + NOTICE)
        assert f"| Balance: {money(INIT_BALANCE + FIVE - COST, '$')} |" in line, line
        assert_above(page.get_by_text(line, exact=True).first, page.get_by_text(REPLY_TEXT, exact=True).first)
    assert stored_balance(monitor, user) == INIT_BALANCE + FIVE - COST


@pytest.fixture
def low_balance_warning(owui: OpenWebUI, monitor) -> Iterator[float]:
    """The Filter's `low_balance_warning` set (as an admin does in Functions → valves), restored after."""
    before = owui.get_valves(FID)
    owui.set_valves(FID, {**before, "low_balance_warning": THRESHOLD})
    try:
        assert owui.get_valves(FID)["low_balance_warning"] == THRESHOLD
        yield THRESHOLD
    finally:
        owui.set_valves(FID, before)


def clamped(status: Any, text: str) -> dict | None:
    """How the status line draws `text`: the box of the element holding it (Open WebUI's `line-clamp-1`: one line
    shown, the rest hidden), its clamp, whether the clamp hides part of the line, and the boxes of the characters of
    `text` and of the line's last character."""
    return status.evaluate(
        """(status, text) => {
            const walker = document.createTreeWalker(status, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(text);
                if (at < 0) continue;
                const line = node.parentElement, box = line.getBoundingClientRect();
                const rects = (start, end) => {
                    const range = document.createRange();
                    range.setStart(node, start);
                    range.setEnd(node, end);
                    return [...range.getClientRects()].map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}));
                };
                const end = node.data.trimEnd().length;
                return {
                    line: {x: box.x, y: box.y, width: box.width, height: box.height},
                    clamp: getComputedStyle(line).webkitLineClamp,
                    cut: line.scrollHeight > line.clientHeight + 1,
                    parts: rects(at, at + text.length),
                    last: rects(end - 1, end),
                };
            }
            return null;
        }""",
        text,
    )


def inside(part: dict, box: dict) -> bool:
    return (
        box["x"] - 1 <= part["x"]
        and part["x"] + part["width"] <= box["x"] + box["width"] + 1
        and box["y"] - 1 <= part["y"]
        and part["y"] + part["height"] <= box["y"] + box["height"] + 1
    )


def test_the_low_balance_warning_is_first_and_visible_in_a_narrow_window(
    owui, monitor, report_model, make_user, low_balance_warning, browser, tmp_path
) -> None:
    user = make_user("lowbalance")
    ask(owui, owui.admin_token, f"/balance set {user['email']} 0.5")
    assert stored_balance(monitor, user) == 500_000
    context = browser.new_context(base_url=owui.base_url, viewport={"width": 900, "height": 600})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        with evidence_on_failure(page, tmp_path):
            log_in(page, user)
            new_chat(page, MODEL_GPT)
            send(page, "hello with little left")
            line = seen_notice(page, "^" + re.escape(WARNING) + " \\| " + NOTICE)
            assert f"| Balance: {money(500_000 - COST, '$')} |" in line, line
            status = page.locator(".status-description", has_text=WARNING).first
            assert (status.text_content() or "").strip().startswith("⚠ Low balance"), status.text_content()
            drawn = clamped(status, WARNING)
            print(f"the status line at 900 px: {drawn}")
            assert drawn and drawn["parts"] and drawn["last"], drawn
            assert drawn["clamp"] == "1" and drawn["cut"], drawn  # one line shown: the notice's end is cut off
            assert not any(inside(part, drawn["line"]) for part in drawn["last"]), drawn
            for part in drawn["parts"]:  # every character of the warning is inside what the clamp leaves visible
                assert part["width"] > 0 and part["height"] > 0 and inside(part, drawn["line"]), drawn
            assert_above(status, page.get_by_text(REPLY_TEXT, exact=True).first)
            page.mouse.move(450, 400)  # no tooltip of a button under the reply in the picture
            keep_message(page, page.locator('[id^="message-"]', has=status).last, "low-balance.png")
    finally:
        context.close()
    assert stored_balance(monitor, user) == 500_000 - COST


@dataclass(frozen=True)
class Statement:
    """What a Chinese reader's browser showed for `/statement`, and what the store holds."""

    text: str  # the answer's text as drawn
    closing: str  # the closing line
    rows: list[list[str]]  # the lines' table, cell by cell
    spend: str  # the chat spend's row of fake-gpt
    links: list[str]  # the names of the answer's links
    balance: int  # the stored balance when the statement was asked
    after: int  # the stored balance after it
    admin: str  # the name of the admin who topped the reader up


@pytest.fixture(scope="module")
def statement_zh(owui: OpenWebUI, monitor, report_model, make_user, browser, tmp_path_factory) -> Statement:
    """A user redeems a code, chats, is topped up by the admin, chooses Chinese as their language in the Usage
    Monitor's valves and types `/statement` into its chat, once for the tests below."""
    reader = make_user("reader")
    [code] = CODE.findall(ask(owui, owui.admin_token, "/codes mint 5 note:statement"))
    assert "redeemed" in ask(owui, reader["token"], f"/redeem {code}")
    owui.chat_api(reader["token"], MODEL_GPT, "something to account for")
    boss = make_user("boss", role="admin")  # an admin the monitor has never billed: no row in its users table
    ask(owui, boss["token"], f"/balance add {reader['email']} 2")
    balance = stored_balance(monitor, reader)
    assert balance == INIT_BALANCE + FIVE - COST + 2_000_000
    set_reader_language(owui, reader, "zh")
    context = browser.new_context(base_url=owui.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        with evidence_on_failure(page, tmp_path_factory.mktemp("statement")):
            log_in(page, reader)
            open_monitor(page)
            send(page, "/statement")
            answer = message_with(page, re.compile(r"^期末余额："))
            sync_api.expect(answer.locator("table tr", has_text=MODEL_GPT).first).to_be_visible()
            sync_api.expect(answer.get_by_role("link").first).to_be_visible()
            seen = Statement(
                text=answer.inner_text(),
                closing=(answer.get_by_text(re.compile(r"^期末余额：")).last.text_content() or "").strip(),
                rows=[
                    [(cell.text_content() or "").strip() for cell in row.locator("td").all()]
                    for row in answer.locator("table").first.locator("tbody tr").all()
                ],
                spend=answer.locator("table tr", has_text=MODEL_GPT).first.inner_text(),
                links=[(link.text_content() or "").strip() for link in answer.get_by_role("link").all()],
                balance=balance,
                after=0,
                admin=boss["name"],
            )
            keep_message(page, answer, "statement-zh.png")
    finally:
        context.close()
    return dataclasses.replace(seen, after=stored_balance(monitor, reader))


def test_the_statement_of_a_chinese_reader_is_in_chinese_and_closes_at_their_balance(statement_zh) -> None:
    seen = statement_zh
    assert re.search(r"^对账单 · \d{4}-\d{2}$", seen.text, re.M), seen.text
    assert seen.closing == f"期末余额：{money(seen.balance, '$', exact=True)}", (seen.closing, seen.balance)
    assert re.search(r"^\d{4}-\d{2}-01 期初余额：\$0\.0000$", seen.text, re.M), seen.text
    assert [row[1] for row in seen.rows] == ["初始余额", "兑换码", "充值"], seen.rows  # each line, in Chinese
    assert [row[-1] for row in seen.rows] == ["$1.0000", "$5.0000", "$2.0000"], seen.rows
    assert "各模型对话花费" in seen.text and money(-COST, "$", exact=True) in seen.spend, seen.spend
    assert "同样内容的 CSV：" in seen.text and re.fullmatch(r"openwebui-monitor-statement-[\w-]+\.csv", seen.links[-1])
    for english in ("Statement", "Opening balance", "Closing balance", "Top-up", "Code redeemed", "Chat spend"):
        assert english not in seen.text, english
    assert seen.after == seen.balance  # asking is never billed


def topup_line(seen: Statement) -> list[str]:
    [line] = [row for row in seen.rows if row[1] == "充值"]
    return line


def test_a_top_ups_detail_in_the_statement_is_in_the_readers_language(statement_zh) -> None:
    _when, _entry, detail, _by, _amount = line = topup_line(statement_zh)
    assert not re.search(r"[A-Za-z]", detail), line  # no English words in a Chinese line


def test_the_statement_names_the_admin_who_topped_up(statement_zh) -> None:
    _when, _entry, _detail, by, _amount = line = topup_line(statement_zh)
    assert by == statement_zh.admin, line  # the admin's name, as Open WebUI knows it, never an id
