"""The report model's charts as a person sees them in Chromium (issue 18): after a page reload every chart still
carries its own title and its own data, a 30- and a 90-day chart have x labels that do not run together and no
axis text over other axis text, the highest column stays below the top of its axis, and a Chinese reader's chart
reads the same way (no rotated, garbled y-axis title).

Usage is written into the filter's SQLite file through the Store, dated over the last three months, so the
charts have many days to draw. What a chart's title should be is read from the saved answer's Markdown (the chart's
own spec); what it is, from the SVG Open WebUI drew. The title reader also knows Mermaid's SVG (`.pieTitleText`,
xychart's `g.chart-title`): run against the Mermaid charts this module replaced, the reload test fails with a pie
titled "Cost per day", which is how the bug was reproduced.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from ..fake_upstream import MODEL_GPT
from ..owui import OpenWebUI
from .steps import PIPE, WAIT_MS, evidence_on_failure, keep_screenshot, log_in, send, sync_api

DAY = 86_400
USED_DAYS_AGO = (0, 1, 2, 4, 6, 9, 13, 14, 17, 22, 26, 29, 35, 45, 60, 74, 85)  # with usage, within 90 days
PEAK_DAY_AGO, PEAK = 3, 20_000  # the top day costs a round $0.02: rounding up alone would end the axis on it
CHARTS = 'svg.marks, svg[id^="mermaid-"]'  # Vega's SVG (and Mermaid's, for the check against the old charts)
TITLE_JS = """svg => { const t = svg.querySelector('.role-title-text text, .pieTitleText, g.chart-title text');
  return t ? t.textContent : null; }"""
# Each chart's text boxes, in page pixels: the title, the x and y axis labels, any rotated text, the columns and
# the top grid line (the axis maximum).
GEOMETRY_JS = """svg => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = sel => [...svg.querySelectorAll(sel)].filter(t => t.textContent && t.getAttribute('opacity') !== '0');
  return {
    title: texts('.role-title-text text').map(box),
    x: texts('[aria-label^="X-axis"] .role-axis-label text').map(t => [t.textContent, ...box(t)]),
    y: texts('[aria-label^="Y-axis"] .role-axis-label text').map(t => [t.textContent, ...box(t)]),
    rotated: [...svg.querySelectorAll('text')].filter(t => /rotate\\((?!0\\))/.test(t.getAttribute('transform') || ''))
      .map(t => t.textContent),
    bars: [...svg.querySelectorAll('.mark-rect.role-mark path')].map(box),
    grid: [...svg.querySelectorAll('.role-axis-grid line')].map(box),
  };
}"""


@pytest.fixture(scope="module")
def reader(owui: OpenWebUI, monitor: Path, report_model: str, make_user) -> Iterator[dict]:
    """A person with usage on 18 of the last 90 days (two models, costs that differ day to day, the highest a
    round amount)."""
    person = make_user("charts")
    now = time.time()
    for n, days_ago in enumerate((*USED_DAYS_AGO, PEAK_DAY_AGO)):
        when = now - days_ago * DAY
        store = Store(monitor, clock=lambda when=when: when)
        try:
            with store.immediate():
                store.ensure_user(person["id"], person["name"], person["email"], "user")
                peak = days_ago == PEAK_DAY_AGO
                for k, model in enumerate((MODEL_GPT, "demo-model")[: 1 if peak else 1 + n % 2]):
                    store.save_usage(
                        {
                            "chat_id": "seeded",
                            "message_id": f"{person['id']}-{days_ago}-{k}",
                            "user_id": person["id"],
                            "model_id": model,
                            "input_tokens": 100 * (n + 1),
                            "output_tokens": 50,
                            "price_source": "default",
                            "cost": PEAK if peak else 1_000 + 700 * ((n * 7) % 11) + 300 * k,
                            "balance_after": 0,
                        }
                    )
        finally:
            store.close()
    yield person


def set_report_language(owui: OpenWebUI, user: dict, language: str) -> None:
    valves = {"language": language} if language else {}
    owui.request("POST", f"/api/v1/functions/id/{PIPE}/valves/user/update", token=user["token"], json=valves)


def ask_for_charts(page: Any, questions: list[str]) -> str:
    """In a new chat with the report model, ask each question and wait for its two charts; returns the chat id."""
    page.goto(f"/?models={PIPE}")
    sync_api.expect(page.locator("#model-selector-model-button")).to_contain_text("Usage Monitor")
    chat_id = ""
    for n, question in enumerate(questions, 1):
        chat_id = send(page, question)
        sync_api.expect(page.locator(CHARTS)).to_have_count(2 * n, timeout=WAIT_MS)
    return chat_id


def titles_in_markdown(markdown: str) -> list[str]:
    """Each chart's title as the answer's Markdown states it (a ```vega-lite spec's title; a Mermaid block's)."""
    found = []
    for lang, body in re.findall(r"```(vega-lite|mermaid)\n(.*?)\n```", markdown, re.S):
        if lang == "vega-lite":
            found.append(json.loads(body)["title"])
        else:
            title = re.search(r'^\s*title\s+"?(.*?)"?\s*$', body, re.M)
            found.append(title.group(1) if title else "")
    return found


def saved_answers(owui: OpenWebUI, user: dict, chat_id: str) -> list[str]:
    """The chat's assistant answers in order, once every answer is saved with its charts."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        history = owui.get_chat(user["token"], chat_id)["chat"]["history"]
        messages, answers, node = history["messages"], [], history.get("currentId")
        while node:
            message = messages[node]
            if message.get("role") == "assistant":
                answers.insert(0, message.get("content") or "")
            node = message.get("parentId")
        if (answers and all("```" in answer for answer in answers)) or time.monotonic() > deadline:
            return answers
        time.sleep(0.2)


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_readable(geometry: dict, what: str) -> None:
    """No two axis labels overlap, none overlaps the title, nothing is rotated, the top column ends below the top."""
    labels = [box[1:] for box in geometry["x"] + geometry["y"]]
    assert geometry["x"] and geometry["y"], (what, geometry)
    for n, a in enumerate(labels):
        assert all(not overlaps(a, b) for b in labels[n + 1 :] + geometry["title"]), (what, geometry["x"])
    assert not geometry["rotated"], (what, geometry["rotated"])
    top_line = min(line[1] for line in geometry["grid"])
    highest = min(bar[1] for bar in geometry["bars"])
    assert highest > top_line + 5, (what, "the highest column touches the top", highest, top_line)


def test_every_chart_keeps_its_own_title_after_a_reload(owui, reader, page, tmp_path) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, reader)
        chat_id = ask_for_charts(page, ["/usage 7d", "/usage 30d", "/usage 90d"])
        answers = saved_answers(owui, reader, chat_id)
        expected = [title for answer in answers for title in titles_in_markdown(answer)]
        assert expected[0::2] == ["Cost by model"] * 3 and all(t.startswith("Cost per day") for t in expected[1::2])
        specs = [json.loads(b) for a in answers for b in re.findall(r"```vega-lite\n(.*?)\n```", a, re.S)]
        days = [s["encoding"]["x"]["axis"]["values"] if s["mark"]["type"] == "bar" else None for s in specs]
        for _ in range(3):  # every chart renders at once on a load: where Mermaid's charts swapped titles
            page.reload()
            charts = page.locator(CHARTS)
            sync_api.expect(charts).to_have_count(len(expected), timeout=WAIT_MS)
            page.wait_for_timeout(500)  # a late redraw would show here
            seen = [charts.nth(n).evaluate(TITLE_JS) for n in range(len(expected))]
            assert seen == expected
            for n, labels in enumerate(days):  # ...and its own data: the days its own spec labels
                if labels is not None:
                    assert [x[0] for x in charts.nth(n).evaluate(GEOMETRY_JS)["x"]] == labels, n


def test_30_and_90_day_charts_have_readable_axes(owui, reader, page, tmp_path) -> None:
    with evidence_on_failure(page, tmp_path):
        log_in(page, reader)
        ask_for_charts(page, ["/usage 30d", "/usage 90d"])
        charts = page.locator(CHARTS)
        month, quarter = charts.nth(1), charts.nth(3)
        for chart, what in ((month, "30 days"), (quarter, "90 days")):
            geometry = chart.evaluate(GEOMETRY_JS)
            assert 4 <= len(geometry["x"]) <= 8, (what, geometry["x"])  # a label a week or two, not one a day
            assert_readable(geometry, what)
        month.evaluate("svg => svg.scrollIntoView({block: 'center'})")
        keep_screenshot(page, "report-30d.png")


def test_a_chinese_chart_has_its_unit_in_the_title_and_no_rotated_text(owui, reader, page, tmp_path) -> None:
    set_report_language(owui, reader, "zh")
    try:
        with evidence_on_failure(page, tmp_path):
            log_in(page, reader)
            ask_for_charts(page, ["/usage 30d"])
            charts = page.locator(CHARTS)
            assert [charts.nth(n).evaluate(TITLE_JS) for n in range(2)] == ["各模型费用", "每日费用（$）"]
            legend = charts.nth(0).locator(".role-legend-label text").first
            sync_api.expect(legend).to_have_text(re.compile(r"^\S+ · \$\d+\.\d{4} · \d+\.\d%$"))
            assert_readable(charts.nth(1).evaluate(GEOMETRY_JS), "zh 30 days")
            charts.nth(0).evaluate("svg => svg.scrollIntoView({block: 'start'})")  # the pie and the columns below
            page.mouse.move(640, 400)
            page.mouse.wheel(0, -90)  # ...clear of the chat's header
            page.wait_for_timeout(300)
            keep_screenshot(page, "report-zh.png")
    finally:
        set_report_language(owui, reader, "")
