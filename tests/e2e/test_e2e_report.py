"""The "Usage Monitor" model inside a real Open WebUI 0.12.4, installed by the installer as an admin would.

A normal user and an admin chat with it over the REST API: the user sees only their own numbers and is
refused admin commands; the admin tops the user up through it and the user's next reply shows the new
balance; the exported CSV (a file in Open WebUI's own store) matches the ledger. Talking to it is free.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator

import pytest

from plugin.domain import pricing, ranges, reports
from plugin.money import money
from plugin.store import Store

from .fake_upstream import MODEL_GPT
from .monitor import PIPE, ask, balance, installed_monitor, notice
from .owui import OpenWebUI

PER_TOKEN = 60  # micro-units per token at the default 60 per 1M


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Store]:
    with installed_monitor(owui) as store:
        yield store


def test_users_and_admins_through_the_report_model(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    alice, bob = make_user("alice"), make_user("bob")

    # No balance yet: refused, translated, nothing charged.
    status, refusal = owui.chat_api(alice["token"], MODEL_GPT, "hello", expect_status=None)
    assert status == 400 and "Insufficient balance" in str(refusal)

    # The admin tops Alice up by chatting with the Usage Monitor.
    answer = ask(owui, owui.admin_token, f"/balance add {alice['email']} 5")
    assert alice["email"] in answer, answer
    assert balance(store, alice) == 5_000_000
    topup = store.ledger_for(alice["id"])[-1]
    assert (topup["kind"], topup["amount"]) == ("topup", 5_000_000)
    assert topup["actor"] != "filter" and topup["actor"]
    ask(owui, owui.admin_token, f"/balance set {bob['email']} 2")
    assert balance(store, bob) == 2_000_000

    # Alice's next reply shows the topped-up balance minus this reply's cost.
    result = owui.chat_saved(alice["token"], MODEL_GPT, "hello [usage 1000 500]")
    alice_cost = 1500 * PER_TOKEN
    assert f"Balance: ${(5_000_000 - alice_cost) / 1e6:.4f}" in notice(result["message"]), notice(result["message"])
    owui.chat_saved(bob["token"], MODEL_GPT, "hi [usage 10 20]")
    assert balance(store, bob) == 2_000_000 - 30 * PER_TOKEN

    # Alice sees her own numbers, streamed or not, and nothing of Bob's.
    for stream in (False, True):
        report = ask(owui, alice["token"], "/usage 7d", stream=stream)
        assert "1,000" in report and "$0.0900" in report and MODEL_GPT in report, report
        assert "```vega-lite" in report
        assert bob["email"] not in report and "$0.0018" not in report
    assert "$0.0900" in ask(owui, alice["token"], "how much did I spend this week")

    # An admin command from Alice: refused, her own data instead, nothing changed.
    before = store.ledger_for(bob["id"])
    for command in ("/users", f"/balance set {bob['email']} 100", "/export csv", f"/block {bob['email']}"):
        answer = ask(owui, alice["token"], command)
        assert answer.startswith("That command is for administrators."), answer
        assert bob["email"] not in answer
    assert store.ledger_for(bob["id"]) == before and store.get_user(bob["id"])["blocked"] == 0

    # Talking to the monitor is never billed.
    assert balance(store, alice) == 5_000_000 - alice_cost
    assert store.one("SELECT COUNT(*) AS n FROM usage WHERE model_id = ?", (PIPE,))["n"] == 0

    # The admin's overview and user list show everyone, including people who never chatted.
    carol = make_user("carol")
    # (Other modules' users share this server, so the top 20 need not hold these two: each is read by name.)
    top = ask(owui, owui.admin_token, "/top 7d")
    assert top.startswith("### Usage report") and "Top users by cost" in top, top
    for person, spent in ((alice, alice_cost), (bob, 30 * PER_TOKEN)):
        theirs = ask(owui, owui.admin_token, f"/usage 7d user:{person['email']}")
        assert person["email"] in theirs and money(spent, "$") in theirs, theirs
    assert carol["email"] in ask(owui, owui.admin_token, f"/users {carol['email']}")

    # The CSV export is a file in Open WebUI's store, and it matches the ledger.
    answer = ask(owui, owui.admin_token, "/export csv")
    link = re.search(r"\((/api/v1/files/[^)]+/content)\)", answer)
    assert link, answer
    response = owui.request("GET", link.group(1))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    cost_column = next(name for name in rows[0] if "cost" in name.lower())
    user_column = next(name for name in rows[0] if name.lower() in ("user id", "user_id"))
    for user in (alice, bob):
        exported = sum(pricing.to_micro(r[cost_column]) for r in rows if r[user_column] == user["id"])
        charged = -sum(r["amount"] for r in store.ledger_for(user["id"]) if r["kind"] == "charge")
        assert exported == charged > 0
    assert store.reconcile() == []

    # Blocking through the model stops Bob's next chat.
    ask(owui, owui.admin_token, f"/block {bob['email']}")
    status, refusal = owui.chat_api(bob["token"], MODEL_GPT, "hello", expect_status=None)
    assert status == 400 and "blocked" in str(refusal)


def test_export_json_then_import_it_as_an_attached_file(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    dave = make_user("dave")
    ask(owui, owui.admin_token, f"/balance add {dave['email']} 3")
    owui.chat_saved(dave["token"], MODEL_GPT, "hi [usage 100 50]")
    before = {row["id"]: (row["balance"], row["blocked"]) for row in store.query("SELECT * FROM users")}
    usage_before = store.one("SELECT COUNT(*) AS n, SUM(cost) AS cost FROM usage")

    answer = ask(owui, owui.admin_token, "/export json")
    link = re.search(r"\((/api/v1/files/[^)]+/content)\)", answer)
    assert link, answer
    document = owui.request("GET", link.group(1)).content
    uploaded = owui.request(
        "POST",
        "/api/v1/files/",
        params={"process": "false"},
        files={"file": ("backup.json", document, "application/json")},
    ).json()

    _status, result = owui.chat_api(
        owui.admin_token, PIPE, "/import", files=[{"type": "file", "id": uploaded["id"], "file": uploaded}]
    )
    text = result["choices"][0]["message"]["content"]
    assert "backup" in text.lower(), text
    after = {row["id"]: (row["balance"], row["blocked"]) for row in store.query("SELECT * FROM users")}
    assert after == before
    assert store.one("SELECT COUNT(*) AS n, SUM(cost) AS cost FROM usage") == usage_before
    assert store.reconcile() == []
    backups = list((owui.data_dir / "openwebui_monitor").glob("*backup*.json"))
    assert backups, "the replaced data was not backed up"

    # A user cannot import, even with a file of their own.
    refused = ask(owui, dave["token"], "/import")
    assert refused.startswith("That command is for administrators.")


def test_a_question_in_chinese_or_spanish_is_answered_in_it_with_the_stores_numbers(
    owui: OpenWebUI, monitor: Store, make_user
) -> None:
    """A user with no language setting asks in their own words; the admin's valve says English."""
    store = monitor
    assert owui.get_valves(PIPE).get("language", "en") == "en"  # unsaved valves are the defaults
    lin = make_user("lin")
    ask(owui, owui.admin_token, f"/balance add {lin['email']} 5")
    owui.chat_saved(lin["token"], MODEL_GPT, "你好 [usage 1000 500]")
    owui.chat_saved(lin["token"], MODEL_GPT, "再来一次 [usage 200 34]")

    def week() -> dict[str, int]:
        return reports.totals(store, ranges.parse("week", now=time.time(), tz=None), lin["id"])

    held = week()
    assert (held["calls"], held["input_tokens"] + held["output_tokens"], held["cost"]) == (2, 1734, 1734 * PER_TOKEN)

    chinese = ask(owui, lin["token"], "我这周花了多少")
    first = chinese.split("\n")[0]
    assert first.startswith("**本周（") and "你花费了" in first, chinese
    tokens = held["input_tokens"] + held["output_tokens"]
    assert f"你花费了 {money(held['cost'], '$')}，共 {held['calls']} 条回复（{tokens:,} 个 token）" in first
    assert "**我的用量**" in chinese and "Your usage" not in chinese  # the report below it, in Chinese too

    spanish = ask(owui, lin["token"], "¿cuánto gasté esta semana?", stream=True)
    first = spanish.split("\n")[0]
    assert first.startswith("**Esta semana (") and "gastó" in first, spanish
    assert f"gastó {money(held['cost'], '$')} en {held['calls']} respuestas (1\u00a0734 tokens)" in first
    assert "Your usage" not in spanish

    balance_zh = ask(owui, lin["token"], "我还剩多少钱")
    assert balance_zh.startswith(f"**你的余额是 {money(balance(store, lin), '$')}。**"), balance_zh
    assert week() == held  # asking is never billed
