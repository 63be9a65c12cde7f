"""The Usage Monitor's assistant in Chromium (issue 19): a question the command parser does not understand, typed
into the "Usage Monitor" chat, is answered by the admin's `assistant_model`, the fake upstream's tool-calling
`fake-tools`: its words, our own table of the tool result it used and the footer naming the model, with the
status line "Looking it up with fake-tools… (N)" while it works, gone once the answer came. And a user's name
carrying Markdown and HTML images reaches the admin's browser inert: no `img` to that address in the page, and no
request to it; and the name reads as typed: no KaTeX formula of `[pixel]`, no link to the address, no `&lt;` in the
model's words (three bugs this test found, fixed in `text.escaped` and `markdown.prose`).

The parser reads a message's first line only: each question is prose on its first line (the parser's help,
checked) and the fake's markers on the second, typed after Shift+Enter as a person starts a new line. The fixtures
(`monitor`: the filter with its own SQLite file; `report_model`: the three functions installed, the pipe reading
that file) are this folder's `conftest.py`; this module lists `fake-tools` and sets the pipe's assistant valves.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from plugin.money import money
from plugin.ui.parse import parse

from ..fake_upstream import MODEL_GPT, MODEL_TOOLS, TOOLS_READ, FakeUpstream
from ..owui import ADMIN_EMAIL, ADMIN_PASSWORD, OpenWebUI
from .steps import ARTIFACTS, PIPE, WAIT_MS, evidence_on_failure, keep_screenshot, log_in, sync_api

ROUND = "[usage 1000 500]"  # what each of the fake's rounds reports
LEAK = "127.0.0.1:9/"  # the discard port: where the name's images would be fetched from
COST = money(2 * (1000 * 3 + 500 * 12), "$", exact=True)  # two rounds of ROUND at fake-tools' 3 and 12 per 1M
EVE = f'Eve ![pixel](http://{LEAK}leak?who=eve) <img src="http://{LEAK}x">'


@pytest.fixture(scope="module")
def assistant_model(owui: OpenWebUI, fake_upstream: FakeUpstream, report_model: str) -> Iterator[str]:
    """`fake-tools` listed (for this module only) and priced, and the pipe's assistant valves pointing at it."""
    fake_upstream.tools_model = True
    try:
        assert MODEL_TOOLS in {m["id"] for m in owui.refresh_models()}
        valves = {"assistant_model": MODEL_TOOLS, "assistant_stream": True, "assistant_timeout": 60}
        owui.set_valves(PIPE, {**owui.get_valves(PIPE), **valves, "assistant_free": False})
        _status, result = owui.chat_api(owui.admin_token, report_model, f"/price set {MODEL_TOOLS} 3 12")
        assert "Prices of" in result["choices"][0]["message"]["content"], result
        yield MODEL_TOOLS
    finally:
        fake_upstream.tools_model = False
        owui.refresh_models()


def question(first_line: str, script: str) -> tuple[str, str, str]:
    """A question the parser does not understand (so it reaches the assistant): its two lines and its nonce."""
    nonce = f"q{uuid.uuid4().hex[:10]}"
    first = f"{first_line} {nonce}"
    assert parse(f"{first}\n{script}").name == "help", parse(f"{first}\n{script}")
    return first, script, nonce


def ask_in_chat(page: Any, lines: tuple[str, str]) -> None:
    """Open a new chat with the Usage Monitor, type two lines (Shift+Enter between them) and press Enter."""
    page.goto(f"/?models={PIPE}")
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor", timeout=WAIT_MS)
    chat_input = page.locator("#chat-input")
    chat_input.click()
    page.keyboard.type(lines[0])
    page.keyboard.press("Shift+Enter")
    page.keyboard.type(lines[1])
    for line in lines:
        sync_api.expect(chat_input).to_contain_text(line)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/c/[0-9a-f-]+"), timeout=WAIT_MS)


def tool_results(fake: FakeUpstream, nonce: str) -> list[dict[str, Any]]:
    """The tool results the monitor sent `fake-tools` for a question (its last request holds them all)."""
    sent = [r for r in fake.records_containing(nonce) if r.model == MODEL_TOOLS]
    assert sent, f"no request of {nonce} reached {MODEL_TOOLS}"
    return [json.loads(m["content"]) for m in sent[-1].body["messages"] if m.get("role") == "tool"]


def answer_of(page: Any) -> Any:
    """The assistant's answer on the page: the message holding the footer."""
    footer = re.compile(f"^Answered by {MODEL_TOOLS} · ")
    sync_api.expect(page.get_by_text(footer).last).to_be_visible(timeout=WAIT_MS)
    return page.locator('[id^="message-"]', has=page.get_by_text(footer)).last


def keep_answer(page: Any, answer: Any, name: str) -> None:
    """The answer alone, from the model's name to the buttons under it, kept as an artifact (as keep_screenshot):
    the chat scrolled to its end (no "scroll down" button over the answer), the picture cropped to the answer and
    the tables, which reach a little past its right edge."""
    answer.evaluate(
        """answer => { let box = answer.parentElement;
            while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
            if (box) box.scrollTo(0, box.scrollHeight); }"""
    )
    page.wait_for_timeout(500)  # the chat's smooth scrolling settles before the picture
    box = bounding(answer)
    assert box["y"] > 50, box  # the whole answer is in the window, under the chat's header
    right = max([box["x"] + box["width"]] + [t["x"] + t["width"] for t in map(bounding, answer.locator("table").all())])
    pad = 12
    clip = {
        "x": box["x"] - pad,
        "y": box["y"] - pad,
        "width": right - box["x"] + 2 * pad,
        "height": box["height"] + 2 * pad,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), clip=clip)


# The fake model's words in the picture: what a model would say after reading the report (its numbers are ours).
WORDS = "So far you have had one reply, from fake-gpt, for $0.0010 in all; the tables below have the details."


def bounding(element: Any) -> dict:
    box = element.bounding_box()
    assert box, element
    return box


def test_a_question_in_the_chat_is_answered_by_the_assistant_with_our_table(
    owui, fake_upstream, monitor, report_model, assistant_model, make_user, page, tmp_path
) -> None:
    asker = make_user("curious")
    owui.chat_api(asker["token"], MODEL_GPT, "something to ask about")  # usage for the report to read
    first, script, nonce = question(
        "Could you explain my account to me, friend?",
        f"[delay 2] [call usage_report range=all] {ROUND} [say {WORDS}]",
    )

    with evidence_on_failure(page, tmp_path):
        log_in(page, asker)
        ask_in_chat(page, (first, script))
        working = page.get_by_text(re.compile(rf"^Looking it up with {MODEL_TOOLS}… \(\d\)$")).first
        sync_api.expect(working).to_be_visible(timeout=WAIT_MS)  # each round waits 2 s: time to see it

        answer = answer_of(page)
        sync_api.expect(answer.get_by_text(WORDS, exact=True).first).to_be_visible()  # the model's words
        sync_api.expect(answer.get_by_text("Usage by model", exact=False).first).to_be_visible()  # our table
        cell = answer.locator("table td", has_text=re.compile(f"^{MODEL_GPT}$")).first
        sync_api.expect(cell).to_be_visible()
        footer = answer.get_by_text(re.compile(f"^Answered by {MODEL_TOOLS} · ")).first
        sync_api.expect(footer).to_have_text(
            re.compile(f"^Answered by {MODEL_TOOLS} · 3,000 tokens · {re.escape(COST)}")
        )
        sync_api.expect(page.get_by_text(re.compile(f"Looking it up with {MODEL_TOOLS}"))).to_have_count(0)

        keep_answer(page, answer, "assistant.png")

    [report] = tool_results(fake_upstream, nonce)  # what the model read: her own usage
    assert report["user"] == asker["id"] and [row["model"] for row in report["by_model"]] == [MODEL_GPT], report


@dataclass(frozen=True)
class Seen:
    """What the admin's browser showed and asked for when the assistant answered with Eve's name in it."""

    found: list[dict[str, Any]]  # the users the monitor sent the model
    words: str  # the text of the model's words
    cell: str  # the text of the answer's table cell holding her name
    images: list[str]  # the src of every img on the page
    links: list[str]  # the href of every link in the answer
    math: int  # KaTeX formulas in the answer
    requested: list[str]  # every URL the page requested


@pytest.fixture(scope="module")
def eve_answer(
    owui, fake_upstream, monitor, report_model, assistant_model, make_user, browser, tmp_path_factory
) -> Seen:
    """Eve's profile name carries a Markdown image and an HTML one; the admin asks the assistant who she is, in
    Chromium, once for the tests below."""
    eve = make_user("eve")
    profile = {"name": EVE, "profile_image_url": "/user.png"}
    owui._json("POST", "/api/v1/auths/update/profile", token=eve["token"], json=profile)
    status, added = owui.chat_api(owui.admin_token, report_model, f"/balance add {ADMIN_EMAIL} 1")
    assert status == 200, added
    first, script, nonce = question(
        "Who is around here, and what are they called?", f"[call users search={eve['email']}] {ROUND}"
    )
    context = browser.new_context(base_url=owui.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        with evidence_on_failure(page, tmp_path_factory.mktemp("eve")):
            log_in(page, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            ask_in_chat(page, (first, script))
            answer = answer_of(page)
            words = answer.get_by_text(TOOLS_READ, exact=False).first  # the model's words
            sync_api.expect(words).to_be_visible()
            row = answer.locator("table tr", has_text=eve["email"]).first  # our users table
            sync_api.expect(row).to_be_visible()
            page.wait_for_timeout(1000)  # an image the page did render would have been requested by now
            keep_screenshot(page, "assistant-name.png")
            return Seen(
                found=tool_results(fake_upstream, nonce)[0]["users"],
                words=words.inner_text(),
                cell=row.locator("td").first.inner_text(),
                images=page.locator("img").evaluate_all("all => all.map(img => img.src)"),
                links=answer.locator("a").evaluate_all("all => all.map(a => a.href)"),
                math=answer.locator(".katex").count(),
                requested=list(requested),
            )
    finally:
        context.close()


def test_markup_in_a_users_name_loads_nothing_in_the_admins_browser(eve_answer: Seen) -> None:
    assert [row["name"] for row in eve_answer.found] == [EVE], eve_answer.found  # the model did read the name
    assert eve_answer.cell.startswith("Eve !"), eve_answer.cell
    assert "<img" in eve_answer.cell, eve_answer.cell  # the HTML image is shown as the characters typed
    assert not [src for src in eve_answer.images if LEAK in src], eve_answer.images
    assert any("/api/" in url for url in eve_answer.requested), eve_answer.requested  # the listener did hear
    assert not [url for url in eve_answer.requested if LEAK in url], eve_answer.requested


def test_brackets_in_a_users_name_show_as_typed_not_as_math(eve_answer: Seen) -> None:
    assert eve_answer.math == 0, (eve_answer.words, eve_answer.cell)
    assert "![pixel](" in eve_answer.words and "![pixel](" in eve_answer.cell, (eve_answer.words, eve_answer.cell)


def test_a_url_in_a_users_name_is_no_link(eve_answer: Seen) -> None:
    assert not [href for href in eve_answer.links if LEAK in href], eve_answer.links


def test_html_in_the_models_words_shows_as_typed(eve_answer: Seen) -> None:
    # The fake echoes the tool's JSON, so the quote after `src=` is a JSON-escaped one.
    assert "&lt;" not in eve_answer.words and '<img src=\\"' in eve_answer.words, eve_answer.words
