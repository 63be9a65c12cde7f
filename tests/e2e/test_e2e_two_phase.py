"""Two-phase charges inside a real Open WebUI 0.12.4 (issue 16): every admitted reply is pending with a hold, then
posted by its outlet or, when no outlet comes, settled for what was generated.

The flows no outlet follows are driven the way users and clients cause them: the UI's stop button
(`POST /api/tasks/chat/{id}/stop` on the fan-out path), an API client closing its stream, `kill -9` of the server.
Slow replies come from the fake upstream's `[chunks N gap]` marker: N pieces of one token each, `gap` seconds apart.
Default valves unless a test says otherwise (no `cost_on_inlet`: the hold is the reply's estimate).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from plugin.domain import billing as money_rules
from plugin.money import money
from plugin.store import Store

from .fake_upstream import CHUNK_PIECE, CHUNK_TOKENS, MODEL_GPT, MODEL_NOUSAGE, FakeUpstream, RecordedRequest
from .monitor import wait_for
from .owui import OpenWebUI
from .test_e2e_billing import (
    BASE_VALVES,
    FID,
    PER_TOKEN,
    ROOT,
    assert_explained,
    balance,
    last_ledger_id,
    ledger,
    status_lines,
    topup,
)

PIECES = 400
SLOW = f"[chunks {PIECES} 0.02]"  # 400 one-token pieces, 20 ms apart: 8 s if nobody stops it
STOP_AFTER = 60  # pieces the upstream has sent when the user presses stop / the client hangs up
FANOUT = {"session_id": "e2e-session"}
MONITOR_DB = ("openwebui_monitor", "monitor.db")


@pytest.fixture(scope="module")
def billing(owui: OpenWebUI) -> Iterator[Callable[..., None]]:
    """The filter installed for this module; calling the fixture replaces its valves (the full set)."""
    owui.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=BASE_VALVES)
    for model in (MODEL_GPT, MODEL_NOUSAGE):
        owui.create_model_record(model, model)

    def configure(**valves: Any) -> None:
        owui.set_valves(FID, {**BASE_VALVES, **valves})

    try:
        yield configure
    finally:
        owui.delete_function(FID)
        for model in (MODEL_GPT, MODEL_NOUSAGE):
            owui.delete_model_record(model)


@pytest.fixture
def valves(billing: Callable[..., None]) -> Iterator[Callable[..., None]]:
    billing()
    yield billing
    billing()


@pytest.fixture(scope="module")
def db(owui: OpenWebUI, billing: Callable[..., None]) -> Iterator[Store]:
    store = Store(owui.data_dir.joinpath(*MONITOR_DB))
    yield store
    store.close()


def upstream_request(upstream: FakeUpstream, nonce: str, sent: int = 0, timeout: float = 30.0) -> RecordedRequest:
    """The upstream request whose prompt carries `nonce`, once it has streamed at least `sent` pieces."""

    def probe() -> RecordedRequest | None:
        found = upstream.records_containing(nonce)
        return found[0] if found and found[0].sent >= sent else None

    return wait_for(f"the upstream request {nonce} streaming {sent} pieces", probe, timeout)


def ended(db: Store, chat_id: str, message_id: str, timeout: float) -> dict:
    """The pending request once it is no longer open."""

    def probe() -> dict | None:
        row = db.get_request(chat_id, message_id)
        return row if row and row["status"] != "open" else None

    return wait_for(f"request {chat_id}/{message_id} settled", probe, timeout)


def kinds(rows: list[dict]) -> list[tuple[str, int]]:
    return [(row["kind"], row["amount"]) for row in rows]


def estimate_hold(prompt_tokens: int) -> int:
    """The default hold: the prompt's estimate plus `reserve_output_tokens` (1000) at 60 per 1M tokens."""
    return (prompt_tokens + 1000) * PER_TOKEN


# -- the stop button -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cost_on_inlet", [None, "0.5"], ids=["estimate-hold", "cost_on_inlet"])
def test_stop_button_charges_the_prompt_and_the_streamed_part(
    owui, fake_upstream, db, make_user, valves, cost_on_inlet: str | None
) -> None:
    """The stop button cancels Open WebUI's task: no outlet runs, the partial text stays in the chat. Within 60 s the
    pending reply is settled as abandoned: charged the prompt's estimate plus the output the stream hook counted,
    marked estimated, and its hold released.

    With `cost_on_inlet` set (here $0.50) a stopped reply costs the same: the estimate of its prompt and streamed
    output at the model's price. The fixed pre-charge is only set aside while the reply runs and is released in
    full; it is never kept as the price of a stopped reply."""
    if cost_on_inlet:
        valves(cost_on_inlet=cost_on_inlet)
    user = make_user("stop")
    topup(db, user, 1_000_000)
    nonce = uuid.uuid4().hex
    started = owui.chat_start(user["token"], MODEL_GPT, f"tell me a long story {nonce} {SLOW}", **FANOUT)
    chat_id, message_id = started["chat_id"], started["assistant_id"]
    upstream = upstream_request(fake_upstream, nonce, sent=STOP_AFTER)
    owui.stop_chat(user["token"], chat_id)

    request = ended(db, chat_id, message_id, timeout=60)
    assert request["status"] == "expired" and request["hold"] == 0
    assert upstream.hung_up and not upstream.finished  # the stop really cut the reply short
    record = db.get_usage(chat_id, message_id)
    assert record is not None and record["estimated"] == 1
    prompt, output = record["input_tokens"], record["output_tokens"]
    assert prompt == request["input_tokens"] > 0
    # The output is what the stream hook counted: the pieces Open WebUI read before the stop, which is the partial
    # text it kept in the chat (the user saw it), never more than the upstream sent.
    saved = owui.get_chat(user["token"], chat_id)["chat"]["history"]["messages"][message_id]
    shown = saved["content"].count(CHUNK_PIECE.strip()) * CHUNK_TOKENS
    assert 0 < shown and abs(output - shown) <= 2 * CHUNK_TOKENS
    assert output <= upstream.sent * CHUNK_TOKENS
    cost = (prompt + output) * PER_TOKEN
    assert record["cost"] == cost
    assert prompt * PER_TOKEN < cost < (prompt + PIECES * CHUNK_TOKENS // 2) * PER_TOKEN
    hold = 500_000 if cost_on_inlet else estimate_hold(prompt)
    assert kinds(ledger(db, user)) == [("topup", 1_000_000), ("hold", -hold), ("release", hold), ("charge", -cost)]
    assert ledger(db, user)[-1]["actor"] == "system"
    assert balance(db, user) == 1_000_000 - cost

    def stopped_notice() -> str | None:
        message = owui.get_chat(user["token"], chat_id)["chat"]["history"]["messages"][message_id]
        return next((line for line in status_lines(message) if line.startswith("Stopped: ")), None)

    # What it cost is said under the stopped reply.
    notice = wait_for("the stopped reply's notice", stopped_notice, timeout=10)
    assert f"Tokens: {prompt}+{output} (est.) | Cost: {money(cost, '$', exact=True)} |" in notice, notice
    assert_explained(db, user)


# -- an API client hanging up -----------------------------------------------------------------------------------------


def test_api_client_hanging_up_mid_stream_pays_for_what_it_received(owui, fake_upstream, db, make_user, valves) -> None:
    user = make_user("hangup")
    topup(db, user, 1_000_000)
    nonce = uuid.uuid4().hex
    received = owui.chat_api_hangup(user["token"], MODEL_GPT, f"stream to me {nonce} {SLOW}", after_chunks=STOP_AFTER)
    assert received["chunks"] == STOP_AFTER
    upstream = upstream_request(fake_upstream, nonce)

    def settled() -> dict | None:
        row = db.one("SELECT * FROM requests WHERE user_id = ?", (user["id"],))
        return row if row and row["status"] != "open" else None

    request = wait_for("the API request settled", settled, timeout=30)
    assert request["status"] == "expired" and request["chat_id"] == "" and request["hold"] == 0
    assert upstream.hung_up and not upstream.finished
    record = db.get_usage("", request["message_id"])
    assert record is not None and record["estimated"] == 1
    prompt, output = record["input_tokens"], record["output_tokens"]
    # Every piece the client read went through the stream hook first; a few more may have been read, not sent on.
    assert STOP_AFTER * CHUNK_TOKENS <= output <= upstream.sent * CHUNK_TOKENS < PIECES * CHUNK_TOKENS // 2
    cost = (prompt + output) * PER_TOKEN
    assert record["cost"] == cost > prompt * PER_TOKEN
    hold = estimate_hold(prompt)
    assert kinds(ledger(db, user)) == [("topup", 1_000_000), ("hold", -hold), ("release", hold), ("charge", -cost)]
    assert balance(db, user) == 1_000_000 - cost
    assert_explained(db, user)


# -- forged usage in the user's own chat ------------------------------------------------------------------------------

FORGED = {
    "zero": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "input_tokens": 0, "output_tokens": 0},
    "negative": {
        "prompt_tokens": -50_000,
        "completion_tokens": -50_000,
        "total_tokens": -100_000,
        "input_tokens": -50_000,
        "output_tokens": -50_000,
    },
}


def forge_usage(owui: OpenWebUI, user: dict, chat_id: str, message_id: str, usage: dict) -> None:
    """What any user can do to their own saved chat: write usage of their choosing on an assistant message."""
    chat = owui.get_chat(user["token"], chat_id)["chat"]
    chat["history"]["messages"][message_id]["usage"] = usage
    for message in chat.get("messages") or []:
        if message.get("id") == message_id:
            message["usage"] = usage
    owui.update_chat(user["token"], chat_id, chat)
    assert owui.get_chat(user["token"], chat_id)["chat"]["history"]["messages"][message_id]["usage"] == usage


@pytest.mark.parametrize("model", [MODEL_GPT, MODEL_NOUSAGE], ids=["reports-usage", "no-usage"])
def test_forged_usage_then_continue_costs_what_an_unedited_continue_costs(
    owui, db, make_user, valves, model: str
) -> None:
    """A Continue is charged its own round from the upstream's answer (or, with no usage reported, an estimate of
    the same text): usage the user wrote into their chat (0/0, negative) changes nothing."""
    user = make_user("forge")
    topup(db, user, 1_000_000)
    continue_charges: dict[str, int] = {}
    for case in ("control", *FORGED):
        first = owui.chat_saved(user["token"], model, "tell me more [continue 12 7]")
        chat_id, message_id = first["chat_id"], first["assistant_id"]
        assert ended(db, chat_id, message_id, timeout=10)["status"] == "settled"
        if case != "control":
            forge_usage(owui, user, chat_id, message_id, FORGED[case])
        mark = last_ledger_id(db, user)
        owui.chat_continue(user["token"], model, chat_id, message_id)
        assert ended(db, chat_id, message_id, timeout=10)["status"] == "settled"
        rows = ledger(db, user, mark)
        assert [kind for kind, _ in kinds(rows)] == ["hold", "release", "charge"], rows
        continue_charges[case] = -rows[-1]["amount"]
    if model == MODEL_GPT:
        assert continue_charges["control"] == (12 + 7) * PER_TOKEN  # the round the upstream reported
    assert continue_charges["control"] > 0
    assert continue_charges == dict.fromkeys(continue_charges, continue_charges["control"])
    assert_explained(db, user)


# -- concurrency at default valves ------------------------------------------------------------------------------------

RACE = "race [usage 10 1000] [delay 1]"  # each reply costs about the default hold: 10 + 1000 tokens


def test_concurrent_chats_at_default_valves_cannot_overdraw(owui, db, make_user, valves) -> None:
    """32 chats at once from a user whose balance covers about 5 holds (each hold: the prompt's estimate plus 1000
    output tokens); each reply costs about a hold. The served ones cost no more than the balance plus one reply's
    estimate error; the balance never goes below 0; the others are refused, saying why."""
    probe = make_user("probe")
    topup(db, probe, 1_000_000)
    owui.chat_api(probe["token"], MODEL_GPT, RACE)
    # The hold of this prompt, computed from the estimate its pending row kept (checked against its ledger below).
    probed = db.one("SELECT * FROM requests WHERE user_id = ?", (probe["id"],))
    assert probed is not None
    hold = estimate_hold(probed["input_tokens"])
    cost = (10 + 1000) * PER_TOKEN
    error = max(cost - hold, 0)  # what one reply may cost beyond its hold (its prompt was under-estimated)
    assert abs(cost - hold) < hold // 10  # the probe's hold is the estimate: close to a reply's cost

    user = make_user("race")
    start = 5 * hold + hold // 2
    topup(db, user, start)
    outcomes: list[tuple[int, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(32)

    def one() -> None:
        barrier.wait()
        outcome = owui.chat_api(user["token"], MODEL_GPT, RACE, expect_status=None)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    served = [result for status, result in outcomes if status == 200]
    refused = [result for status, result in outcomes if status != 200]
    assert len(outcomes) == 32
    assert len(served) * cost <= start + error
    # Exactly what the balance covers: 5 holds at once, and no 6th after some settled (each cost > 0.9 hold).
    assert len(served) == 5, [status for status, _ in outcomes]
    for result in refused:
        detail = result["detail"] if isinstance(result, dict) else str(result)
        assert "Insufficient balance" in detail or "Your balance is used up" in detail, detail
    rows = ledger(db, user)
    assert min(row["balance_after"] for row in rows) >= 0
    assert [row["kind"] for row in rows].count("hold") == len(served)
    assert [row["kind"] for row in rows].count("charge") == len(served)
    assert balance(db, user) == start - len(served) * cost >= 0
    assert db.one("SELECT COUNT(*) AS n FROM requests WHERE user_id = ? AND status = 'open'", (user["id"],))["n"] == 0
    assert_explained(db, user)
    assert kinds(ledger(db, probe))[1] == ("hold", -hold)


# -- kill -9 mid-reply ------------------------------------------------------------------------------------------------


def test_kill_9_mid_reply_is_settled_once_after_restart(owui_factory, fake_upstream) -> None:
    """Open WebUI dies mid-stream (SIGKILL of its process group: no outlet, no cancellation, nothing flushed). The
    reply's pending row was committed before the upstream was asked, with the output its stream had produced saved
    every 2 s. After a restart on the same DATA_DIR, the sweep (from any inlet, at most once a minute per process)
    settles it once its `hold_timeout_minutes` has passed: charged for an estimate of its prompt and the output it
    produced (it would be voided only had it produced nothing), and never twice."""
    server = owui_factory()
    server.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=BASE_VALVES)
    server.create_model_record(MODEL_GPT, MODEL_GPT)
    user = server.add_user("Killed", "killed@example.com", "killed-pass")
    other = server.add_user("Other", "other@example.com", "other-pass")
    db = Store(server.data_dir.joinpath(*MONITOR_DB))
    try:
        topup(db, {**user, "email": "killed@example.com"}, 1_000_000)
        topup(db, {**other, "email": "other@example.com"}, 1_000_000)
        nonce = uuid.uuid4().hex
        started = server.chat_start(user["token"], MODEL_GPT, f"a long answer please {nonce} {SLOW}", **FANOUT)
        chat_id, message_id = started["chat_id"], started["assistant_id"]

        def progressed() -> dict | None:
            row = db.get_request(chat_id, message_id)
            return row if row and row["output_tokens"] >= STOP_AFTER else None

        wait_for("the stream's progress saved on the pending row", progressed, timeout=30)
        server.kill()
        upstream = upstream_request(fake_upstream, nonce)
        pending = db.get_request(chat_id, message_id)
        assert pending is not None and pending["status"] == "open"
        assert pending["hold"] == estimate_hold(pending["input_tokens"])
        assert upstream.sent < PIECES  # it died mid-reply

        restarted = owui_factory(data_dir=server.data_dir)
        restarted.set_valves(FID, {**restarted.get_valves(FID), "hold_timeout_minutes": 1})
        seen = max(pending["seen_at"] or 0, pending["started_at"])
        time.sleep(max(0.0, seen + 61 - db.clock()))
        restarted.chat_api(other["token"], MODEL_GPT, "hello")  # any inlet runs the sweep (in the background)
        request = ended(db, chat_id, message_id, timeout=30)

        # It produced output (saved on its row before the kill), so it is charged, never voided.
        assert request["status"] == "expired" and request["hold"] == 0
        record = db.get_usage(chat_id, message_id)
        assert record is not None and record["estimated"] == 1
        assert pending["output_tokens"] <= record["output_tokens"] <= upstream.sent * CHUNK_TOKENS
        assert record["input_tokens"] == pending["input_tokens"]
        cost = (record["input_tokens"] + record["output_tokens"]) * PER_TOKEN
        assert record["cost"] == cost
        hold = pending["hold"]
        rows = [row for row in db.ledger_for(user["id"]) if row["reference"] == f"{chat_id}/{message_id}"]
        assert kinds(rows) == [("hold", -hold), ("release", hold), ("charge", -cost)]
        assert balance(db, user) == 1_000_000 - cost
        # Settling it again (a second sweep, another process) finds nothing pending and changes nothing.
        before = db.ledger_for(user["id"])
        assert money_rules.abandon(db, user["id"], chat_id, message_id, output_tokens=10_000) is None
        assert db.ledger_for(user["id"]) == before
        other_rows = ledger(db, other)
        assert [kind for kind, _ in kinds(other_rows)] == ["topup", "hold", "release", "charge"]
        assert_explained(db, user)
        assert_explained(db, other)
    finally:
        db.close()
