"""The billing filter inside a real Open WebUI 0.12.4: every chat of a normal user is charged exactly once.

The filter is installed from the generated `openwebui_monitor_filter.py` over the REST API, as an admin
would, and keeps its money in the default place (DATA_DIR/openwebui_monitor/monitor.db). Balances are set up
by writing top-ups through the library's own store (the admin commands for that arrive with the report model).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from .fake_upstream import MODEL_GPT, MODEL_NOUSAGE, MODEL_PRICED
from .monitor import balance
from .owui import OpenWebUI

ROOT = Path(__file__).resolve().parents[2]
FID = "openwebui_monitor_filter"
PER_TOKEN = 60  # micro-units per token at the default 60 per 1M tokens
BASE_VALVES: dict[str, Any] = {"init_balance": 0, "language": "en", "cost_on_inlet": "0"}


@pytest.fixture(scope="module")
def billing(owui: OpenWebUI) -> Iterator[Callable[..., None]]:
    """Installs the filter for this module; calling the fixture replaces its valves (the full set)."""
    owui.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=BASE_VALVES)
    for model in (MODEL_GPT, MODEL_NOUSAGE, MODEL_PRICED):
        owui.create_model_record(model, model)

    def configure(**valves: Any) -> None:
        owui.set_valves(FID, {**BASE_VALVES, **valves})

    try:
        yield configure
    finally:
        owui.delete_function(FID)
        for model in (MODEL_GPT, MODEL_NOUSAGE, MODEL_PRICED):
            owui.delete_model_record(model)


@pytest.fixture
def valves(billing: Callable[..., None]) -> Iterator[Callable[..., None]]:
    billing()
    yield billing
    billing()


@pytest.fixture(scope="module")
def db(owui: OpenWebUI, billing: Callable[..., None]) -> Iterator[Store]:
    store = Store(owui.data_dir / "openwebui_monitor" / "monitor.db")
    yield store
    store.close()


def topup(db: Store, user: dict, amount: int) -> None:
    with db.immediate():
        db.ensure_user(user["id"], user.get("name", ""), user["email"], "user")
        db.append_ledger(user["id"], "topup", amount, actor="test-admin", reason="e2e setup")


def ledger(db: Store, user: dict, after_id: int = 0) -> list[dict]:
    return [row for row in db.ledger_for(user["id"]) if row["id"] > after_id]


def last_ledger_id(db: Store, user: dict) -> int:
    rows = db.ledger_for(user["id"])
    return rows[-1]["id"] if rows else 0


def assert_explained(db: Store, user: dict) -> None:
    """users.balance is exactly the ledger's sum, and every balance_after follows from the row before."""
    rows = db.ledger_for(user["id"])
    running = 0
    for row in rows:
        running += row["amount"]
        assert row["balance_after"] == running, row
    assert balance(db, user) == running
    assert db.reconcile() == []


def chat(owui: OpenWebUI, user: dict, path: str, stream: bool, content: str = "hello", model: str = MODEL_GPT):
    """One chat turn on the API path, the saved-chat path, or the UI's fan-out path (session_id)."""
    if path == "api":
        _status, result = owui.chat_api(user["token"], model, content, stream=stream)
        text = result["text"] if stream else result["choices"][0]["message"]["content"]
        return {"text": text}
    extra = {"session_id": "e2e-session"} if path == "fanout" else {}
    result = owui.chat_saved(user["token"], model, content, stream=stream, **extra)
    assert not result["message"].get("error"), result["message"]
    return result


def status_lines(message: dict) -> list[str]:
    return [item.get("description", "") for item in message.get("statusHistory") or []]


@pytest.mark.parametrize("path", ["api", "saved", "fanout"])
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "nonstream"])
def test_every_chat_is_charged_exactly(owui, db, make_user, valves, path: str, stream: bool) -> None:
    user = make_user("exact")
    topup(db, user, 1_000_000)
    result = chat(owui, user, path, stream, "hello [usage 1234 567]")
    assert result["text" if path == "api" else "message"]
    cost = (1234 + 567) * PER_TOKEN
    assert balance(db, user) == 1_000_000 - cost
    charges = [row for row in ledger(db, user) if row["kind"] == "charge"]
    assert [(row["amount"], row["balance_after"], row["actor"]) for row in charges] == [
        (-cost, 1_000_000 - cost, "filter")
    ]
    record = db.one("SELECT * FROM usage WHERE user_id = ?", (user["id"],))
    assert (record["input_tokens"], record["output_tokens"], record["cost"], record["estimated"]) == (
        1234,
        567,
        cost,
        0,
    )
    assert record["price_source"] == "default"
    if path != "api":
        assert (record["chat_id"], record["message_id"]) == (result["chat_id"], result["assistant_id"])
    assert_explained(db, user)


def test_per_message_and_connection_prices(owui, db, make_user, valves) -> None:
    user = make_user("prices")
    topup(db, user, 1_000_000)
    # fake-priced reports OpenRouter-style prices: 0.000001 / 0.000002 per token = 1 / 2 micro-units per token.
    chat(owui, user, "saved", True, model=MODEL_PRICED)
    assert balance(db, user) == 1_000_000 - (11 * 1 + 5 * 2)
    record = db.one("SELECT * FROM usage WHERE user_id = ? ORDER BY id DESC", (user["id"],))
    assert record["price_source"] == "connection"
    # An admin-set per-message price wins over everything, whatever the tokens.
    with db.immediate():
        db.set_price(MODEL_PRICED, per_msg_price=50_000, actor="test-admin")
    try:
        chat(owui, user, "api", False, "hi [usage 9999 9999]", model=MODEL_PRICED)
        assert balance(db, user) == 1_000_000 - 21 - 50_000
        record = db.one("SELECT * FROM usage WHERE user_id = ? ORDER BY id DESC", (user["id"],))
        assert (record["price_source"], record["cost"], record["per_msg_price"]) == ("admin", 50_000, 50_000)
    finally:
        with db.immediate():
            db.conn.execute("DELETE FROM prices WHERE model_id = ?", (MODEL_PRICED,))
    assert_explained(db, user)


def test_insufficient_balance_is_refused_translated_and_free(owui, db, make_user, valves) -> None:
    user = make_user("broke")
    status, result = owui.chat_api(user["token"], MODEL_GPT, "hello", expect_status=None)
    assert status == 400 and "Insufficient balance" in result["detail"]
    # In the UI (fan-out path) the refusal is the message's error, in the user's own language.
    owui.request("POST", f"/api/v1/functions/id/{FID}/valves/user/update", token=user["token"], json={"language": "zh"})
    saved = owui.chat_saved(user["token"], MODEL_GPT, "hello", session_id="e2e-session")
    assert "余额不足" in saved["message"]["error"]["content"]
    assert balance(db, user) == 0
    assert ledger(db, user) == []
    assert db.one("SELECT COUNT(*) AS n FROM usage WHERE user_id = ?", (user["id"],))["n"] == 0
    assert db.get_user(user["id"])["email"] == user["email"]  # refused users are still known to the admin


def test_cost_on_inlet_is_held_then_settled_to_the_exact_cost(owui, db, make_user, valves) -> None:
    valves(cost_on_inlet=f"{MODEL_GPT}:0.01,default:0")
    user = make_user("hold")
    topup(db, user, 50_000)
    for path in ("api", "saved"):
        start = last_ledger_id(db, user)
        chat(owui, user, path, True)
        kinds = [(row["kind"], row["amount"]) for row in ledger(db, user, start)]
        assert kinds == [("hold", -10_000), ("release", 10_000), ("charge", -960)]
    assert balance(db, user) == 50_000 - 2 * 960
    assert db.one("SELECT COUNT(*) AS n FROM requests WHERE user_id = ? AND status = 'open'", (user["id"],))["n"] == 0
    # A hold larger than the balance refuses the chat and holds nothing.
    valves(cost_on_inlet="1")
    status, result = owui.chat_api(user["token"], MODEL_GPT, "hello", expect_status=None)
    assert status == 400 and "needs up to $1.0000" in result["detail"]
    assert balance(db, user) == 50_000 - 2 * 960
    assert_explained(db, user)


def test_replaying_chat_completed_changes_nothing(owui, db, make_user, valves) -> None:
    user = make_user("replay")
    topup(db, user, 1_000_000)
    result = chat(owui, user, "saved", True)
    after_chat = balance(db, user)
    assert after_chat == 1_000_000 - 960
    message = result["message"]
    body = {
        "model": MODEL_GPT,
        "chat_id": result["chat_id"],
        "id": result["assistant_id"],
        "session_id": "e2e-session",
        "messages": [{"id": result["assistant_id"], "role": "assistant", "content": message["content"]}],
    }
    forged = {"input_tokens": 10**7, "output_tokens": 10**7, "prompt_tokens": 10**7, "completion_tokens": 10**7}
    for usage in (message.get("usage"), forged):
        body["messages"][0]["usage"] = usage
        status, _ = owui.chat_completed(user["token"], body)
        assert status == 200
        assert balance(db, user) == after_chat
    # A made-up message id: nothing was ever billed under it, so only the refusal of this path protects it.
    body["id"] = body["messages"][0]["id"] = "forged-message-id"
    status, _ = owui.chat_completed(user["token"], body)
    assert status == 200
    assert balance(db, user) == after_chat
    assert db.get_usage(result["chat_id"], "forged-message-id") is None
    assert_explained(db, user)


def test_continue_charges_only_the_difference(owui, db, make_user, valves) -> None:
    user = make_user("cont")
    topup(db, user, 1_000_000)
    first = chat(owui, user, "saved", True, "tell me more [continue 12 7]")
    assert balance(db, user) == 1_000_000 - 960
    # Two Continues: each round is 12+7 tokens; Open WebUI's own stored total inflates on the second one.
    for n in (1, 2):
        owui.chat_continue(user["token"], MODEL_GPT, first["chat_id"], first["assistant_id"])
        assert balance(db, user) == 1_000_000 - 960 - n * (12 + 7) * PER_TOKEN
    record = db.get_usage(first["chat_id"], first["assistant_id"])
    assert (record["input_tokens"], record["output_tokens"]) == (11 + 2 * 12, 5 + 2 * 7)
    assert record["cost"] == 960 + 2 * 19 * PER_TOKEN
    assert_explained(db, user)


def test_concurrent_chats_never_overdraw(owui, db, make_user, valves) -> None:
    """32 chats at once; the balance and the pre-charge cover exactly 10 of them."""
    valves(cost_on_inlet=f"{MODEL_GPT}:0.00096")  # one chat's exact cost: 16 tokens x 60 micro-units
    user = make_user("race")
    topup(db, user, 10 * 960)
    outcomes: list[tuple[int, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(32)

    def one() -> None:
        barrier.wait()
        outcome = owui.chat_api(user["token"], MODEL_GPT, "race [delay 0.3]", expect_status=None)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    served = [result for status, result in outcomes if status == 200]
    refused = [result for status, result in outcomes if status == 400]
    assert len(outcomes) == 32 and len(served) == 10 and len(refused) == 22
    assert all("Insufficient balance" in result["detail"] for result in refused)
    assert balance(db, user) == 0
    rows = ledger(db, user)
    assert [row["kind"] for row in rows].count("charge") == 10
    assert [row["kind"] for row in rows].count("hold") == 10
    assert sum(row["amount"] for row in rows) == 0
    assert_explained(db, user)


def test_no_reported_usage_is_charged_by_estimate_and_flagged(owui, db, make_user, valves) -> None:
    user = make_user("estimate")
    topup(db, user, 1_000_000)
    result = chat(owui, user, "saved", True, "count me please", model=MODEL_NOUSAGE)
    record = db.get_usage(result["chat_id"], result["assistant_id"])
    assert record["estimated"] == 1 and record["output_tokens"] > 0
    assert record["cost"] == (record["input_tokens"] + record["output_tokens"]) * PER_TOKEN > 0
    assert balance(db, user) == 1_000_000 - record["cost"]
    assert any("(est.)" in line for line in status_lines(result["message"]))
    assert_explained(db, user)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", r"Tokens: 11\+5 \| Cost: \$0\.000960 \| Balance: \$0\.9990 \| Time: \d+\.\d\ds \| \d+\.\d T/s"),
        ("zh", r"Token: 11\+5 \| 费用: \$0\.000960 \| 余额: \$0\.9990 \| 耗时: \d+\.\d\ds \| \d+\.\d T/s"),
        ("es", r"Tokens: 11\+5 \| Costo: \$0\.000960 \| Saldo: \$0\.9990 \| Tiempo: \d+\.\d\ds \| \d+\.\d T/s"),
    ],
)
def test_the_notice_is_saved_under_the_reply_in_the_valves_language(
    owui, db, make_user, valves, language: str, expected: str
) -> None:
    valves(language=language)
    user = make_user(f"notice{language}")
    topup(db, user, 1_000_000)
    result = chat(owui, user, "fanout", True)
    lines = status_lines(
        owui.get_chat(user["token"], result["chat_id"])["chat"]["history"]["messages"][result["assistant_id"]]
    )
    assert any(re.fullmatch(expected, line) for line in lines), lines
