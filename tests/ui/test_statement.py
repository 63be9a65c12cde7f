"""`/statement`: reading the month and the person, the answer in en / zh / es, typed text kept inert, and the CSV
file holding the same lines as the answer."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sessions
from sessions import NOW

from plugin.domain import accounts, billing, statements
from plugin.domain.billing import Member
from plugin.domain.pricing import Price
from plugin.domain.tokens import Usage
from plugin.store import Store
from plugin.ui import cmd_statement
from plugin.ui.parse import parse

ADMIN = {"id": "a1", "name": "Ada <b>Admin</b> | **x**", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB]
PRICE = Price(input=60_000_000, output=60_000_000, source="default")  # 60 micro-units per token
HOSTILE_MODEL = "evil|model<img src=x onerror=alert(1)>"
HOSTILE_REASON = '=HYPERLINK("http://x.test")|[link](http://x.test)'
UTC = ZoneInfo("UTC")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def chat(store: Store, clock: Clock, who: dict, at: float, model: str, message_id: str, tokens: int) -> None:
    """One admitted and settled chat: a hold, its release and the charge (tokens in + tokens out, 60 each)."""
    member = Member(who["id"], who["name"], who["email"], who["role"])
    clock.now = at
    admitted = billing.admit(
        store,
        member,
        chat_id="c",
        message_id=message_id,
        model_id=model,
        hold=50_000,
        init_balance=0,
        price=PRICE,
    )
    assert isinstance(admitted, billing.Admission)
    clock.now = at + 5
    billing.settle(
        store,
        billing.Terms(member),
        billing.Round(chat_id="c", message_id=message_id, model_id=model, usage=Usage(tokens, tokens), price=PRICE),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """Alice in November 2026 (UTC): October's $2 top-up, then a $5 top-up by the admin with a hostile reason, three
    chats (two models, one with a hostile id), a block and an unblock; Bob with his own $7 and one chat."""
    store = Store(tmp_path / "m.db", clock=clock)
    with store.immediate():
        for person in DIRECTORY:
            store.ensure_user(person["id"], person["name"], person["email"], person["role"])
    clock.now = NOW - 40 * 86_400  # 2026-10-19
    accounts.add_balance(store, "u1", 2_000_000, "a1", "october")
    clock.now = NOW - 20 * 86_400  # 2026-11-08
    accounts.add_balance(store, "u1", 5_000_000, "a1", HOSTILE_REASON)
    accounts.add_balance(store, "u2", 7_000_000, "a1")
    chat(store, clock, ALICE, NOW - 10 * 86_400, "gpt-4o", "m1", 100)  # 12 000
    chat(store, clock, ALICE, NOW - 9 * 86_400, "gpt-4o", "m2", 10)  # 1 200
    chat(store, clock, ALICE, NOW - 8 * 86_400, HOSTILE_MODEL, "m3", 7)  # 840
    chat(store, clock, BOB, NOW - 8 * 86_400, "gpt-4o", "m4", 1_000)  # 120 000
    clock.now = NOW - 7 * 86_400
    accounts.block(store, "u1", True, "a1")
    clock.now = NOW - 6 * 86_400
    accounts.block(store, "u1", False, "a1")
    clock.now = NOW
    yield store
    store.close()


def ask(store: Store, user: dict, text: str, *, lang: str = "en", tz: Any = UTC, saved: list | None = None) -> str:
    files = saved if saved is not None else []

    async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
        files.append((user_id, name, data, kind))
        return {"id": f"f{len(files)}", "url": f"/api/v1/files/f{len(files)}/content"}

    context = sessions.session(store, user, directory=DIRECTORY, lang=lang, save_file=save_file)
    return sessions.ask(replace(context, tz=tz), text)


# -- reading the command ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("/statement", ()),
        ("/statement 2026-11", ("2026-11",)),
        ("statement bob@example.com 2026-11", ("bob@example.com", "2026-11")),
        ("/对账单 2026-11", ("2026-11",)),
        ("月账单", ()),
        ("/extracto 2026-11", ("2026-11",)),
        ("estado de cuenta 2026-10", ("2026-10",)),
        ("show me my statement", ()),
    ],
)
def test_the_words_for_a_statement(text: str, args: tuple[str, ...]) -> None:
    command = parse(text)
    assert (command.name, command.args) == ("statement", args)


def test_bill_stays_the_usage_word_in_chinese() -> None:
    assert parse("账单").name == "usage"  # "账单" was already the usage report's; the statement is "对账单"


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", (2026, 11)), ("2026/3", (2026, 3)), ("2026.12", (2026, 12)), ("2026年11月", (2026, 11))],
)
def test_a_month_as_typed(text: str, month: tuple[int, int]) -> None:
    assert cmd_statement.read_month(text, NOW, None) == month


MONTH_NAMES = [
    ("month", (2026, 11)),
    ("this month", (2026, 11)),
    ("last month", (2026, 10)),
    ("上个月", (2026, 10)),
    ("el mes pasado", (2026, 10)),
    ("本月", (2026, 11)),
]


@pytest.mark.parametrize(("text", "month"), MONTH_NAMES)
def test_a_month_by_its_name(text: str, month: tuple[int, int]) -> None:
    assert cmd_statement.read_month(text, NOW, UTC) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "13-2026", "2026-11-05", "1969-12", "nov", "2026-1x"])
def test_what_is_no_month(text: str) -> None:
    assert cmd_statement.read_month(text, NOW, None) is None


def test_nothing_typed_is_this_month_in_the_readers_zone() -> None:
    new_year_utc = 1_798_761_600.0  # 2027-01-01 00:00 UTC: still 2026-12-31 in Los Angeles
    assert cmd_statement.read_month("", new_year_utc, UTC) == (2027, 1)
    assert cmd_statement.read_month("", new_year_utc, ZoneInfo("America/Los_Angeles")) == (2026, 12)


def test_the_person_and_the_month_apart() -> None:
    assert cmd_statement.split_args(parse("/statement Ana María 2026-11")) == ("Ana María", "2026-11")
    assert cmd_statement.split_args(parse("/statement bob")) == ("bob", "")
    assert cmd_statement.split_args(parse("/statement user:bob 2026-11")) == ("bob", "2026-11")
    assert cmd_statement.split_args(parse("/statement 2026-13")) == ("", "2026-13")
    assert cmd_statement.split_args(parse("/statement last month")) == ("", "last month")
    assert cmd_statement.split_args(parse("/statement bob@example.com el mes pasado")) == (
        "bob@example.com",
        "el mes pasado",
    )
    assert cmd_statement.split_args(parse("/对账单 上个月")) == ("", "上个月")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("/statement for last month", (2026, 10)),
        ("/statement for 2026-10", (2026, 10)),
        ("statement of last month", (2026, 10)),
        ("extracto del mes pasado", (2026, 10)),
        ("my statement for last month", (2026, 10)),
        ("上个月的对账单", (2026, 10)),
        ("我的对账单", (2026, 11)),
    ],
)
def test_a_statement_asked_in_a_sentence_is_the_askers_for_that_month(text: str, month: tuple[int, int]) -> None:
    command = parse(text)
    assert command.name == "statement", command
    who, month_text = cmd_statement.split_args(command)
    assert who == ""
    assert cmd_statement.read_month(month_text, NOW, UTC) == month


# -- the answer ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["what is a statement?", "what does my statement show?", "¿qué es un extracto?", "对账单是什么"]
)
def test_a_user_asking_about_statements_is_not_told_it_is_for_admins(store: Store, text: str) -> None:
    assert "for administrators" not in ask(store, ALICE, text)


def test_the_statement_of_this_month_ends_at_the_balance(store: Store) -> None:
    saved: list = []
    text = ask(store, ALICE, "/statement", saved=saved)
    balance = store.get_user("u1")["balance"]
    assert balance == 7_000_000 - 12_000 - 1_200 - 840
    assert text.startswith("**Statement · 2026-11**")
    assert "not over yet" in text
    assert "Opening balance on 2026-11-01: **$2.0000**" in text
    assert "Closing balance: **$6.985960**" in text  # every micro-unit shown
    for words in ("Top-up", "Blocked", "Unblocked", "gpt-4o", "| 2 | -$0.0132 |", "-$0.014040"):
        assert words in text
    assert "Bob" not in text and "-$0.1200" not in text
    assert "october" not in text  # October's top-up is in the opening balance, not a line
    assert "Times are in UTC." in text
    ((owner, name, _, kind),) = saved
    assert (owner, kind) == ("u1", "text/csv") and name.startswith("openwebui-monitor-statement-2026-11-")
    assert f"[{name}](/api/v1/files/f1/content)" in text


def test_the_csv_holds_the_same_lines_to_the_micro_unit(store: Store) -> None:
    saved: list = []
    ask(store, ALICE, "/statement 2026-11", saved=saved)
    data = saved[0][2].decode("utf-8")
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:])))
    assert rows[0] == ["Time", "Entry", "Detail", "By", "Requests", "Amount"]
    amounts = [Decimal(row[5]) for row in rows[1:]]
    opening, *moves, closing = amounts
    assert opening + sum(moves) == closing == Decimal(store.get_user("u1")["balance"]) / 1_000_000
    rng = statements.month_range(2026, 11, UTC)
    expected = statements.statement(store, "u1", rng.start, rng.end)
    lines = [row for row in rows[2:-1] if row[1] != "Chat spend"]
    assert [Decimal(row[5]) * 1_000_000 for row in lines] == [line.amount for line in expected.lines]
    spend = {row[2]: (int(row[4]), Decimal(row[5]) * 1_000_000) for row in rows if row[1] == "Chat spend"}
    assert spend == {item.model_id: (item.requests, item.amount) for item in expected.spend}
    assert [row[1] for row in lines] == ["Top-up", "Blocked", "Unblocked"]
    assert lines[0][2] == "'" + HOSTILE_REASON  # a spreadsheet shows the formula as text
    assert rows[1][0] == "2026-11-01T00:00:00+00:00" and rows[-1][0] == "2026-12-01T00:00:00+00:00"


def test_typed_text_is_shown_inert(store: Store) -> None:
    text = ask(store, ALICE, "/statement 2026-11").split("The same lines as CSV")[0]  # our own link aside
    assert re.search(r"(?<!\\)[<>]", text) is None  # no tag survives: every < and > is escaped
    assert re.search(r"(?<!\\)\]\(", text) is None  # no link: its ] is escaped
    for raw in ("evil|model", "| **x**", "http://"):
        assert raw not in text
    assert "evil\\|model\\<img src=x onerror=alert(1)\\>" in text
    assert "Ada \\<b\\>Admin\\</b\\> \\| \\*\\*x\\*\\*" in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("**Statement · 2026-11**", "Top-up", "Chat spend by model", "Closing balance")),
        ("zh", ("**对账单 · 2026-11**", "充值", "各模型对话花费", "期末余额", "封禁", "解封")),
        ("es", ("**Extracto · 2026-11**", "Recarga", "Gasto en chats por modelo", "Saldo final", "Bloqueo")),
    ],
)
def test_the_statement_in_each_language(store: Store, lang: str, words: tuple[str, ...]) -> None:
    saved: list = []
    text = ask(store, ALICE, "/statement 2026-11", lang=lang, saved=saved)
    for word in words:
        assert word in text
    header = next(csv.reader(io.StringIO(saved[0][2].decode("utf-8")[1:])))
    assert header[-1] == {"en": "Amount", "zh": "金额", "es": "Importe"}[lang]


def test_the_month_is_the_readers(store: Store, clock: Clock) -> None:
    """A top-up at 2026-11-30 20:00 UTC is December's in Shanghai, November's in UTC."""
    clock.now = 1_796_068_800.0  # 2026-11-30 20:00 UTC, 2026-12-01 04:00 in Shanghai
    accounts.add_balance(store, "u1", 1_000_000, "a1", "late")
    shanghai = ZoneInfo("Asia/Shanghai")
    assert "late" not in ask(store, ALICE, "/statement 2026-11", tz=shanghai)
    december = ask(store, ALICE, "/statement 2026-12", tz=shanghai)
    assert "late" in december and "2026-12-01 04:00" in december and "Asia/Shanghai" in december
    assert "late" in ask(store, ALICE, "/statement 2026-11", tz=UTC)


def test_last_month_by_name_is_octobers(store: Store) -> None:
    text = ask(store, ALICE, "/statement last month")
    assert text.startswith("**Statement · 2026-10**") and "october" in text
    assert "Closing balance: **$2.0000**" in text


def test_a_month_with_nothing_and_one_before_everything(store: Store) -> None:
    text = ask(store, ALICE, "/statement 2026-09")
    assert "Opening balance on 2026-09-01: **$0.0000**" in text and "Closing balance: **$0.0000**" in text
    assert "No top-ups" in text and "No chat spend" in text and "not over" not in text


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "is not a month"), ("zh", "不是可以出具对账单的月份"), ("es", "no es un mes")]
)
def test_a_bad_month_is_said_so(store: Store, lang: str, words: str) -> None:
    for text in ("/statement 2026-13", "/statement bob 2026-1x"):
        answer = ask(store, ALICE, text, lang=lang)
        assert words in answer and "$" not in answer


def test_a_user_naming_someone_else_gets_only_their_own(store: Store) -> None:
    text = ask(store, ALICE, "/statement bob@example.com 2026-11")
    assert text.startswith("That command is for administrators.")
    assert "-$0.1200" not in text and "$7.0000" not in text
    assert "Closing balance: **$6.985960**" in text
    assert "Chat spend by model" in text


def test_an_admin_reads_anyones(store: Store) -> None:
    saved: list = []
    text = ask(store, ADMIN, "/statement bob@example.com 2026-11", saved=saved)
    assert text.startswith("**Statement · 2026-11** · Bob \\<bob@example.com\\>")
    assert "-$0.1200" in text and "Closing balance: **$6.8800**" in text
    assert "Alice" not in text and saved[0][0] == "a1"  # the file is the reader's
    own = ask(store, ADMIN, "/statement 2026-11")
    assert own.startswith("**Statement · 2026-11**\n") and "Closing balance: **$0.0000**" in own


def test_without_a_file_store_the_answer_stands_alone(store: Store) -> None:
    context = sessions.session(store, ALICE, directory=DIRECTORY)
    text = sessions.ask(replace(context, tz=UTC), "/statement 2026-11")
    assert "Closing balance: **$6.985960**" in text and "CSV" not in text
