"""`/statement` inside a real Open WebUI 0.12.4: a user chats, an admin tops them up, and the user's statement of
this month closes at the balance `/balance` shows them, with the same lines as a CSV file in Open WebUI's store."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from plugin.money import money
from plugin.store import Store

from .fake_upstream import MODEL_GPT
from .monitor import ask, installed_monitor
from .owui import OpenWebUI

PER_TOKEN = 60  # micro-units per token at the default 60 per 1M


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Store]:
    with installed_monitor(owui) as store:
        yield store


def test_a_statement_closes_at_the_users_balance(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    erin, frank = make_user("erin"), make_user("frank")
    ask(owui, owui.admin_token, f"/balance add {erin['email']} 5")
    ask(owui, owui.admin_token, f"/balance add {frank['email']} 9")
    for tokens in ("1000 500", "200 35", "10 15"):
        owui.chat_saved(erin["token"], MODEL_GPT, f"hello [usage {tokens}]")
    owui.chat_saved(frank["token"], MODEL_GPT, "hi [usage 3000 2000]")
    ask(owui, owui.admin_token, f"/balance add {erin['email']} 2.5")
    spent = (1500 + 235 + 25) * PER_TOKEN
    balance = store.get_user(erin["id"])["balance"]
    assert balance == 7_500_000 - spent

    statement = ask(owui, erin["token"], "/statement")
    closing = re.search(r"Closing balance: \*\*(\$[0-9.]+)\*\*", statement)
    assert closing, statement
    shown = ask(owui, erin["token"], "/balance")
    assert f"balance {closing.group(1)}" in shown, shown  # the statement ends where /balance says the user is
    assert closing.group(1) == money(balance, "$", exact=True)

    assert statement.count("| Top-up |") == 2, statement
    assert f"| {MODEL_GPT} | 3 | {money(-spent, '$', exact=True)} |" in statement, statement
    assert frank["email"] not in statement and money(-5000 * PER_TOKEN, "$", exact=True) not in statement

    # The CSV is a file in Open WebUI's store, linked in the answer, with the same lines to the micro-unit.
    link = re.search(r"\((/api/v1/files/[^)]+/content)\)", statement)
    assert link, statement
    response = owui.request("GET", link.group(1), token=erin["token"])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Amount"
    opening, *moves, last = [Decimal(row[-1]) for row in rows[1:]]
    assert opening + sum(moves) == last == Decimal(balance) / 1_000_000
    assert [row[1] for row in rows[1:]] == ["Opening balance", "Top-up", "Top-up", "Chat spend", "Closing balance"]
    assert store.reconcile() == []
