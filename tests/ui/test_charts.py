"""The chart rules of issue 18, each on its own: x labels that never run together (7, 30, 90 days and beyond),
a round y maximum above the highest column, no y-axis title, pie legends in the tables' money format, per-day
tables of the days with usage and a total, and counts said with the right noun in English, Chinese and Spanish;
for the report model's Vega-Lite charts and the dashboard's own SVG alike."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, timedelta

import pytest

from plugin.domain.ranges import Range
from plugin.domain.reports import OTHERS, Page, Slice
from plugin.domain.restore import ImportResult
from plugin.money import MICRO, money
from plugin.ui import admin_views, charts, dashboard, views
from plugin.words import LANGUAGES, i18n
from plugin.words.reports import REPORTS

i18n.load(REPORTS)

MONDAY = date(2026, 11, 2)


def span(n: int, first: date = MONDAY) -> list[date]:
    return [first + timedelta(days=k) for k in range(n)]


def day_rows(n: int, used: dict[int, int], first: date = MONDAY) -> list[dict]:
    """`n` days from `first`; `used` maps a day's index to its cost (one reply of 15 tokens each)."""
    return [
        {
            "day": d,
            "unit": "day",
            "calls": 1 if k in used else 0,
            "input_tokens": 10 if k in used else 0,
            "output_tokens": 5 if k in used else 0,
            "cost": used.get(k, 0),
        }
        for k, d in enumerate(span(n, first))
    ]


def last_days(n: int, last: date = date(2026, 12, 6)) -> Range:
    return Range("days", 0, 1, last - timedelta(days=n - 1), last, n)


def vega(markdown: str) -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```vega-lite\n(.*?)\n```", markdown, re.S)]


# -- the x axis -------------------------------------------------------------------------------------------


def test_a_week_labels_every_day_a_month_every_monday_a_quarter_every_other_monday() -> None:
    assert charts.tick_indexes(span(7)) == [0, 1, 2, 3, 4, 5, 6]
    month = span(30, date(2026, 11, 7))  # a Saturday: the first label is the first Monday
    picked = [month[k] for k in charts.tick_indexes(month)]
    assert [d.isoformat()[5:] for d in picked] == ["11-09", "11-16", "11-23", "11-30"]
    quarter = span(90, date(2026, 9, 8))
    picked = [quarter[k] for k in charts.tick_indexes(quarter)]
    assert all(d.weekday() == 0 for d in picked) and len(picked) in (6, 7)
    assert {(b - a).days for a, b in itertools.pairwise(picked)} == {14}


@pytest.mark.parametrize("first", [MONDAY, date(2026, 11, 4), date(2025, 12, 28)])
def test_labels_never_run_together_at_any_length(first: date) -> None:
    """Whatever the number of days (1 to 366), at most MAX_LABELS labels, and never closer than 64 px on the
    chart: an ISO date at 11 px is about 55 px wide, MM-DD about 30."""
    for n in range(1, 367):
        days = span(n, first)
        picked = charts.tick_indexes(days)
        assert 1 <= len(picked) <= charts.MAX_LABELS, n
        gaps = [b - a for a, b in itertools.pairwise(picked)]
        assert not gaps or min(gaps) * charts.WIDTH / n >= 64, (n, picked)


def test_months_and_years_are_labelled_on_round_months_and_years() -> None:
    months = [date(2020 + m // 12, m % 12 + 1, 1) for m in range(120)]
    picked = [months[k] for k in charts.tick_indexes(months, "month")]
    assert len(picked) <= charts.MAX_LABELS and all(d.month == 1 for d in picked)
    years = [date(1990 + y, 1, 1) for y in range(37)]
    picked = [years[k] for k in charts.tick_indexes(years, "year")]
    assert len(picked) <= charts.MAX_LABELS and all(d.year % 5 == 0 for d in picked)


# -- the y axis -------------------------------------------------------------------------------------------


def test_the_axis_ends_at_a_round_number_above_the_highest_column() -> None:
    assert charts.axis_top(3_180) == (4_000, 1_000)
    assert charts.axis_top(9_000) == (10_000, 2_000)  # 9,000 + 10% does not fit under 10,000 with 1,000 steps
    assert charts.axis_top(10_000) == (15_000, 5_000)
    assert charts.axis_top(0) == (1, 1)
    for peak in [1, 7, 99, 100, 101, 12_345, 999_999, 1_000_000, 87_654_321, *range(0, 50_000, 137)]:
        top, step = charts.axis_top(peak)
        assert top >= peak + peak / 10 and top > peak, peak  # headroom: the top bar ends below 91% of the axis
        assert top % step == 0 and top // step <= 5, (peak, top, step)
        assert re.fullmatch(r"[125]0*", str(step)), (peak, step)  # 1, 2 or 5 times a power of ten


def test_the_column_chart_has_no_y_title_and_the_unit_in_its_title() -> None:
    for lang, unit_title in (("en", "Cost per day ($)"), ("zh", "每日费用（$）"), ("es", "Costo por día ($)")):
        text = views.by_day(day_rows(30, {3: 2_500, 20: 3_180}), last_days(30), lang, "$")
        (spec,) = vega(text)
        assert spec["title"] == unit_title
        y, x = spec["encoding"]["y"], spec["encoding"]["x"]
        assert y["title"] is None and x["title"] is None  # no axis title to overlap ticks or to turn sideways
        assert x["axis"]["labelAngle"] == 0
        assert y["scale"] == {"domain": [0, 0.004], "nice": False}
        assert y["axis"]["values"] == [0, 0.001, 0.002, 0.003, 0.004] and y["axis"]["format"] == ",.3f"
        assert max(v["y"] for v in spec["data"]["values"]) < y["scale"]["domain"][1]


# -- legends and tables -----------------------------------------------------------------------------------


def test_the_pie_legend_reads_like_the_table() -> None:
    rows = [
        {"model_id": "demo-model", "calls": 1, "input_tokens": 10, "output_tokens": 5, "cost": 3_180},
        {"model_id": "gpt", "calls": 2, "input_tokens": 10, "output_tokens": 5, "cost": 1_920},
    ]
    text = views.by_model(rows, last_days(7), "en", "$")
    (spec,) = vega(text)
    legend = [v["name"] for v in spec["data"]["values"]]
    assert legend == ["demo-model · $0.0032 · 62.4%", "gpt · $0.0019 · 37.6%"]
    assert "| demo-model | 1 | 10 | 5 | $0.0032 | 62.4% |" in text  # the same amount and share as the table
    assert "[0.00318]" not in text and "showData" not in text
    shares = [Slice("a", 3), Slice(OTHERS, 2, 2)]
    (spec,) = vega(views.distribution(shares, last_days(7), "es", "€", by="calls"))
    assert [v["name"] for v in spec["data"]["values"]] == ["a · 3 · 60.0%", "Otros (2 modelos) · 2 · 40.0%"]


def test_a_per_day_table_lists_the_days_with_usage_and_a_total() -> None:
    text = views.by_day(day_rows(30, {3: 2_500, 20: 3_180}), last_days(30), "en", "$")
    rows = [line for line in text.splitlines() if line.startswith("| 2026") or line.startswith("| **")]
    assert rows == [
        "| 2026-11-05 | 1 | 15 | $0.0025 |",
        "| 2026-11-22 | 1 | 15 | $0.0032 |",
        "| **Total** | **2** | **30** | **$0.0057** |",
    ]
    assert "$0.0000" not in text
    (spec,) = vega(text)
    assert len(spec["data"]["values"]) == 30  # the chart still shows every day


# -- the dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_columns_follow_the_same_rules() -> None:
    rows = day_rows(90, {k: 1_000 + 37 * k for k in range(0, 90, 3)}, date(2026, 9, 8))
    svg = dashboard.columns(rows, "en", "$")
    xlabels = re.findall(r'class="xlabel"[^>]*>([^<]*)<', svg)
    assert 4 <= len(xlabels) <= charts.MAX_LABELS
    assert all(date(2026, *map(int, label.split("-"))).weekday() == 0 for label in xlabels)
    ylabels = re.findall(r'class="ylabel"[^>]*>([^<]*)<', svg)
    peak = max(r["cost"] for r in rows)
    top, step = charts.axis_top(peak)
    assert ylabels == [money(k * step, "$") for k in range(top // step + 1)] and top > peak
    tallest = min(float(y) for y in re.findall(r'<rect class="col" x="[^"]*" y="([^"]*)"', svg))
    assert tallest > 10 + 1  # below the top grid line (the plot starts at y=10)
    assert "<title>2026-09-08: $0.0010 · 1 reply</title>" in svg
    busy = [{**row, "calls": 2} for row in day_rows(1, {0: 10})]
    assert "· 2 replies</title>" in dashboard.columns(busy, "en", "$")


def test_the_dashboard_names_its_unit_and_its_others_slice() -> None:
    card = {"total_cost": 5_000, "calls": 2, "input_tokens": 1, "output_tokens": 1}
    page = dashboard.dashboard(
        card=card,
        slices=[Slice("a", 4_000), Slice(OTHERS, 1_000, 1)],
        ranking=None,
        days=day_rows(7, {1: 5_000}),
        rng=last_days(7),
        lang="es",
        symbol="€",
    )
    assert "Costo por día (€)" in page and "Otros (1 modelo)" in page and "€0.0010 · 20.0%" in page
    assert f"<h1>{i18n.t('es', 'dash_title')}</h1>" in page  # the page keeps its own title


# -- plurals ----------------------------------------------------------------------------------------------


def test_counts_take_the_right_noun_in_three_languages() -> None:
    said = {lang: [i18n.tn(lang, "replies_count", n, count=n) for n in (0, 1, 2)] for lang in LANGUAGES}
    assert said == {
        "en": ["0 replies", "1 reply", "2 replies"],
        "zh": ["0 次回复", "1 次回复", "2 次回复"],
        "es": ["0 respuestas", "1 respuesta", "2 respuestas"],
    }
    assert i18n.tn("fr", "replies_count", 1, count=1) == "1 reply"  # an unknown language speaks English


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "claude · 1 reply", "claude · 2 replies"),
        ("zh", "claude · 1 次回复", "claude · 2 次回复"),
        ("es", "claude · 1 respuesta", "claude · 2 respuestas"),
    ],
)
def test_the_report_views_say_counts_right(lang: str, one: str, two: str) -> None:
    def card(calls: int) -> str:
        data = {
            "calls": calls,
            "total_cost": 1,
            "tokens": 2,
            "input_tokens": 1,
            "output_tokens": 1,
            "active_users": 1,
            "models_used": 1,
            "most_used_model": {"model_id": "claude", "calls": calls},
            "top_spender": None,
            "estimated_calls": 0,
        }
        return views.report_card(data, last_days(7), lang, "$")

    assert one in card(1) and two in card(2)
    assert views.range_title(last_days(1), lang) == i18n.t(
        lang, "range_days_one", days=1, first="2026-12-06", last="2026-12-06"
    )
    person = {"name": "a", "email": "", "role": "user", "balance": 0, "spent": 0, "last_used": None}
    person |= {"in_directory": True, "seen": True, "blocked": False}
    footer = views.users(Page([person], 1, 1, 20), lang, "$", None).splitlines()[-1]
    assert footer == i18n.t(lang, "users_page_one", page=1, pages=1, total=1)
    footer = views.users(Page([person, person], 2, 1, 20), lang, "$", None).splitlines()[-1]
    assert footer == i18n.t(lang, "users_page", page=1, pages=1, total=2)


def test_every_singular_has_its_plural_and_chinese_says_both_alike() -> None:
    for lang, table in REPORTS.messages.items():
        # "import_needs_one" (attach one file) is a message of its own, not the singular of a count
        ones = [key for key in table if key.endswith("_one") and key != "import_needs_one"]
        assert len(ones) >= 15, lang
        for key in ones:
            assert key.removesuffix("_one") in table, (lang, key)
            if lang == "zh":
                assert table[key] == table[key.removesuffix("_one")], key
            else:
                assert table[key] != table[key.removesuffix("_one")], (lang, key)
    assert "(s)" not in "".join(REPORTS.messages["en"].values())
    assert "(es)" not in "".join(REPORTS.messages["es"].values())


def test_a_money_amount_in_a_chart_is_never_a_raw_float() -> None:
    (spec,) = vega(views.distribution([Slice("m", MICRO // 3)], last_days(7), "en", "$"))
    assert spec["data"]["values"][0]["name"] == "m · $0.3333 · 100.0%"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Imported 1 user, 2 usage records, 0 prices and 1 ledger entry from "),
        ("es", "Se importaron 1 usuario, 2 registros de uso, 0 precios y 1 asiento desde "),
        ("zh", "已导入 1 个用户、2 条用量记录、0 个价格和 1 条账目（来源："),
    ],
)
def test_an_import_counts_each_table_with_its_own_noun(lang: str, expected: str) -> None:
    result = ImportResult("embedded", {"users": 1, "usage": 2, "prices": 0, "ledger": 1})
    assert admin_views.said(result, lang).startswith(expected)
