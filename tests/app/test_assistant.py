"""The assistant's loop and its bill, on both backends: a question answered through tool rounds is charged once,
as the asker's usage at the assistant model's price, for every round the model answered; the limits (rounds,
time) end it with the help led by the reason; a failure, a hang-up or a refusal leaves no hold behind and charges
only what was answered; `assistant_free` records without charging. The model is a script (`Scripted`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sessions import session

from plugin.app import assistant as assistant_app
from plugin.app.assistant import MAX_ROUNDS, Assistant, AssistantFailed
from plugin.app.session import Session
from plugin.domain import billing, pricing, tokens
from plugin.money import money
from plugin.store import Store
from plugin.ui import commands

ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB]
HELPER = "helper-model"
MODELS = [{"id": "gpt-4o", "name": "GPT-4o"}, {"id": HELPER, "name": "Helper"}]
PRICE = pricing.defaults(2, 10, -1)  # the filter's default: 2 per 1M input tokens, 10 per 1M output
QUESTION = "tell me a story about my habits"  # no command, no question the parser reads


def cost(input_tokens: int, output_tokens: int) -> int:
    return PRICE.cost(input_tokens, output_tokens)


def tool_call(name: str, arguments: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def calling(*calls: dict[str, Any], usage: tuple[int, int] | None = (100, 20)) -> dict[str, Any]:
    body: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": list(calls)}}]}
    if usage:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1]}
    return body


def saying(text: str, usage: tuple[int, int] | None = (150, 10)) -> dict[str, Any]:
    body: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": text}}]}
    if usage:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1]}
    return body


class Scripted:
    """A model answering from a script: each step a reply (dict or stream text), an exception to raise, or a
    coroutine function to await with the list a stream's text goes to (a slow model); the last step repeats.
    Every request is kept."""

    def __init__(self, *steps: Any) -> None:
        self.steps = list(steps)
        self.forms: list[dict[str, Any]] = []

    async def __call__(self, form: dict[str, Any], received: list[str] | None = None) -> Any:
        self.forms.append(json.loads(json.dumps(form)))
        step = self.steps[min(len(self.forms), len(self.steps)) - 1]
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            return await step(received if received is not None else [])
        return step


def seed(store: Store, *balances: tuple[dict[str, str], int]) -> None:
    with store.immediate():
        for user, balance in balances:
            store.ensure_user(user["id"], user["name"], user["email"], user["role"])
            if balance:
                store.append_ledger(user["id"], "topup", balance, actor="a1")


def ask_as(store: Store, user: dict[str, str], model: Scripted, **options: Any) -> str:
    """The pipe's answer to QUESTION from `user`, with the assistant on."""
    lang = options.pop("lang", "en")
    asker = session(store, user, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION, lang=lang)
    helper = Assistant(model=HELPER, complete=model, chat_id="chat", message_id="msg", **options)
    return asyncio.run(commands.reply(asker, helper))


def balance(store: Store, user: dict[str, str]) -> int:
    row = store.get_user(user["id"])
    assert row is not None
    return int(row["balance"])


def no_pending(store: Store) -> bool:
    row = store.get_request("chat", "msg")
    return row is None or row["status"] != "open"


def test_an_answer_after_a_tool_round_is_charged_once_for_both_rounds(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(calling(tool_call("balance", {})), saying("You have five dollars."))
    text = ask_as(store, ALICE, model)
    assert text.startswith("You have five dollars.")
    charged = cost(100 + 150, 20 + 10)
    record = store.get_usage("chat", "msg")
    assert record is not None
    assert (record["user_id"], record["model_id"]) == (ALICE["id"], HELPER)
    assert (record["input_tokens"], record["output_tokens"], record["cost"]) == (250, 30, charged)
    assert not record["estimated"]
    assert balance(store, ALICE) == 5_000_000 - charged
    assert no_pending(store)
    assert money(charged, "$", exact=True) + "*" in text and "280 tokens" in text  # the footer: cost and tokens
    assert "Your balance is $5.0000" in text  # as it was, without this question's own hold
    # The tool's result reached the model as JSON, and the balance it read is ours.
    tool_message = model.forms[1]["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_0"
    assert json.loads(tool_message["content"])["balance"] == 5.0


def test_a_model_that_keeps_calling_tools_stops_after_the_round_limit_and_is_charged_for_them(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(calling(tool_call("balance", {})))
    text = ask_as(store, ALICE, model)
    assert len(model.forms) == MAX_ROUNDS
    assert "could not answer" in text and f"{MAX_ROUNDS} rounds" in text
    assert "I am the **Usage Monitor**" in text  # the help follows the reason
    record = store.get_usage("chat", "msg")
    assert record is not None and record["output_tokens"] == 20 * MAX_ROUNDS
    assert balance(store, ALICE) == 5_000_000 - cost(100 * MAX_ROUNDS, 20 * MAX_ROUNDS)
    assert no_pending(store)


def test_a_model_that_fails_at_once_costs_nothing_and_leaves_no_hold(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    text = ask_as(store, ALICE, Scripted(RuntimeError("HTTP 500: upstream exploded at 10.0.0.7")))
    # A user is told the model failed; the upstream's own words (hosts, keys) are for the admin and the log.
    assert "could not answer: the model failed (the admin can see why" in text and "10.0.0.7" not in text
    assert store.get_usage("chat", "msg") is None
    assert balance(store, ALICE) == 5_000_000
    assert no_pending(store)


def test_a_model_that_fails_in_the_second_round_is_charged_for_the_first(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(calling(tool_call("balance", {})), {"error": {"message": "rate limited"}})
    text = ask_as(store, ALICE, model)
    assert "could not answer" in text and "rate limited" not in text
    assert balance(store, ALICE) == 5_000_000 - cost(100, 20)
    assert no_pending(store)


def test_the_time_limit_ends_a_slow_model_and_charges_the_rounds_answered(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))

    async def slow(received: list[str]) -> dict[str, Any]:
        await asyncio.sleep(30)
        return saying("too late")

    model = Scripted(calling(tool_call("balance", {})), slow)
    loop_time: list[float] = []

    def timed() -> str:
        started = asyncio.new_event_loop()
        try:
            begin = started.time()
            asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
            helper = Assistant(model=HELPER, complete=model, timeout=0.5, chat_id="chat", message_id="msg")
            text = started.run_until_complete(commands.reply(asker, helper))
            loop_time.append(started.time() - begin)
            return text
        finally:
            started.close()

    text = timed()
    assert "longer than 0 seconds" in text or "longer than" in text
    assert loop_time[0] < 5
    assert balance(store, ALICE) == 5_000_000 - cost(100, 20)
    assert no_pending(store)


def test_a_reader_who_hangs_up_is_charged_for_the_rounds_answered_and_no_hold_stays(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    second_round = asyncio.Event()

    async def endless(received: list[str]) -> dict[str, Any]:
        second_round.set()
        await asyncio.sleep(3600)
        return saying("never")

    model = Scripted(calling(tool_call("balance", {})), endless)

    async def hang_up() -> None:
        asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
        helper = Assistant(model=HELPER, complete=model, chat_id="chat", message_id="msg")
        task = asyncio.create_task(commands.reply(asker, helper))
        await second_round.wait()
        task.cancel()  # what Open WebUI does to the pipe when the client goes away or the stop button is pressed
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(hang_up())
    assert balance(store, ALICE) == 5_000_000 - cost(100, 20)
    assert no_pending(store)


def test_a_free_assistant_records_the_usage_and_leaves_the_balance(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    text = ask_as(store, ALICE, Scripted(saying("Hello.")), free=True)
    record = store.get_usage("chat", "msg")
    assert record is not None and record["cost"] == cost(150, 10)
    assert balance(store, ALICE) == 5_000_000
    assert "not charged" in text


def test_a_user_without_balance_is_refused_before_the_model_is_asked(store: Store) -> None:
    seed(store, (ALICE, 0))
    model = Scripted(saying("Hello."))
    text = ask_as(store, ALICE, model)
    assert model.forms == []
    assert "could not answer" in text and "balance" in text.lower()
    assert store.get_usage("chat", "msg") is None and no_pending(store)


def test_an_exempt_admin_is_not_charged_when_the_filter_says_so(store: Store) -> None:
    seed(store, (ADMIN, 1_000_000))

    async def valves() -> dict[str, Any]:
        return {"exempt_admins": True}

    ask_as(store, ADMIN, Scripted(saying("Hello.")), billing_valves=valves)
    assert balance(store, ADMIN) == 1_000_000
    record = store.get_usage("chat", "msg")
    assert record is not None and record["cost"] == cost(150, 10)


def test_an_admin_price_for_the_assistant_model_is_the_one_charged(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    with store.immediate():
        store.set_price(HELPER, input_price=1_000_000, output_price=3_000_000, actor="a1")
    ask_as(store, ALICE, Scripted(saying("Hello.")))
    expected = pricing.Price(input=1_000_000, output=3_000_000, source="admin").cost(150, 10)
    assert balance(store, ALICE) == 5_000_000 - expected


def test_a_round_without_reported_usage_is_estimated_and_marked(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    text = ask_as(store, ALICE, Scripted(saying("A short answer.", usage=None)))
    record = store.get_usage("chat", "msg")
    assert record is not None and record["estimated"] and record["output_tokens"] > 0
    assert "≈" in text


def test_a_streamed_reply_is_read_like_a_json_one(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    call = {"index": 0, "id": "call_0", "type": "function", "function": {"name": "balance", "arguments": ""}}
    piece = {"index": 0, "function": {"arguments": "{}"}}
    chunks = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [piece]}, "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 20}},
    ]
    stream = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    words = [{"choices": [{"index": 0, "delta": {"content": w}}]} for w in ("Five ", "dollars.")]
    words.append({"choices": [], "usage": {"prompt_tokens": 150, "completion_tokens": 10}})
    answer = "".join(f"data: {json.dumps(c)}\n\n" for c in words) + "data: [DONE]\n\n"
    model = Scripted(stream, answer)
    text = ask_as(store, ALICE, model, stream=True)
    assert text.startswith("Five dollars.")
    assert model.forms[0]["stream"] is True and model.forms[0]["stream_options"] == {"include_usage": True}
    assert balance(store, ALICE) == 5_000_000 - cost(250, 30)


def test_a_missing_assistant_model_gives_the_help_with_the_reason_and_writes_nothing(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(saying("Hello."))
    asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
    text = asyncio.run(commands.reply(asker, Assistant(model="gone-model", complete=model)))
    assert "gone-model" in text and "I am the **Usage Monitor**" in text
    assert model.forms == [] and balance(store, ALICE) == 5_000_000


def test_a_command_the_parser_understands_never_reaches_the_assistant(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(saying("Hello."))
    for text in ("/usage 7d", "how much did I spend this week", "我的余额", "/help", "/blance", "/help me", "help me"):
        asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=text)
        asyncio.run(commands.reply(asker, Assistant(model=HELPER, complete=model)))
    assert model.forms == []


def test_the_model_is_offered_the_tools_of_the_askers_role_and_told_their_language(store: Store) -> None:
    seed(store, (ALICE, 5_000_000), (ADMIN, 5_000_000))
    user_model, admin_model = Scripted(saying("Hola.")), Scripted(saying("Hello."))
    ask_as(store, ALICE, user_model, lang="es")
    asker = session(store, ADMIN, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
    asyncio.run(commands.reply(asker, Assistant(model=HELPER, complete=admin_model, message_id="m2")))
    names: Callable[[Scripted], set[str]] = lambda m: {t["function"]["name"] for t in m.forms[0]["tools"]}  # noqa: E731
    assert names(user_model) == {"usage_report", "records", "balance", "prices"}
    assert names(admin_model) == names(user_model) | {"top", "users"}
    system = user_model.forms[0]["messages"][0]
    assert system["role"] == "system" and "español" in system["content"]
    assert user_model.forms[0]["messages"][1] == {"role": "user", "content": QUESTION}


def test_a_users_forged_user_argument_reads_only_their_own_usage(store: Store) -> None:
    seed(store, (ALICE, 5_000_000), (BOB, 5_000_000))
    with store.immediate():
        store.save_usage(
            {"chat_id": "b", "message_id": "b1", "user_id": BOB["id"], "model_id": "gpt-4o", "input_tokens": 7,
             "output_tokens": 9, "price_source": "default", "cost": 777_777, "balance_after": 0}
        )  # fmt: skip
    forged = calling(tool_call("usage_report", {"range": "all", "user": BOB["email"]}))
    model = Scripted(forged, saying("Done."))
    text = ask_as(store, ALICE, model)
    result = json.loads(model.forms[1]["messages"][-1]["content"])
    assert result["user"] == ALICE["id"] and result["total_cost"] == 0 and "note" in result
    assert "0.7778" not in text and "777" not in json.dumps(result)


@pytest.mark.parametrize("reason", ["rounds", "error"])
def test_the_reason_and_the_help_are_in_the_readers_language(store: Store, reason: str) -> None:
    seed(store, (ALICE, 5_000_000))
    step = calling(tool_call("balance", {})) if reason == "rounds" else RuntimeError("boom")
    text = ask_as(store, ALICE, Scripted(step), lang="zh")
    assert text.startswith("助手无法回答")


def test_a_failure_is_raised_as_assistant_failed_with_the_reason(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    seed(store, (ADMIN, 5_000_000))
    asker: Session = session(store, ADMIN, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
    helper = Assistant(model=HELPER, complete=Scripted(RuntimeError("nope <b>")), chat_id="chat", message_id="msg")
    with pytest.raises(AssistantFailed) as failed:
        asyncio.run(assistant_app.ask(asker, QUESTION, helper))
    assert failed.value.params["reason"] == "the model failed (nope \\<b\\>)."  # an admin sees it, quoted


def test_a_process_that_dies_mid_question_leaves_what_the_sweep_charges_for_the_rounds_answered(
    store: Store,
) -> None:
    seed(store, (ALICE, 5_000_000))
    second_round = asyncio.Event()
    seen: list[dict[str, Any] | None] = []

    async def dying(received: list[str]) -> dict[str, Any]:
        seen.append(store.get_request("chat", "msg"))  # what a sweep in another process would find now
        second_round.set()
        await asyncio.sleep(3600)
        return saying("never")

    model = Scripted(calling(tool_call("balance", {})), dying)

    async def crash() -> None:
        asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
        task = asyncio.create_task(commands.reply(asker, Assistant(model=HELPER, complete=model, message_id="msg",
                                                                   chat_id="chat")))  # fmt: skip
        await second_round.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(crash())
    pending = seen[0]
    assert pending is not None and pending["status"] == "open"
    assert pending["output_tokens"] == 20  # the first round's output, saved before the second was asked
    assert pending["model_id"] == HELPER and pending["price"]


def test_a_model_the_filter_exempts_is_recorded_and_not_charged(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))

    async def valves() -> dict[str, Any]:
        return {"exempt_models": f"gpt-4o, {HELPER}"}

    ask_as(store, ALICE, Scripted(saying("Hello.")), billing_valves=valves)
    assert balance(store, ALICE) == 5_000_000
    record = store.get_usage("chat", "msg")
    assert record is not None and record["cost"] == cost(150, 10)


def test_a_long_question_is_cut_to_a_commands_length_before_the_model_reads_it(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    model = Scripted(saying("Hello."))
    long = "tell me a story " * 2_000
    asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=long)
    asyncio.run(commands.reply(asker, Assistant(model=HELPER, complete=model, chat_id="chat", message_id="msg")))
    assert len(model.forms[0]["messages"][1]["content"]) <= 4_000


def test_a_reader_hanging_up_while_a_failed_question_settles_still_gets_it_settled(store: Store) -> None:
    """The time ran out, and the settlement waits behind a long read on the store's thread when the reader hangs
    up: the settlement is shielded, so it is written all the same and no hold stays open."""
    seed(store, (ALICE, 5_000_000))

    async def slow(received: list[str]) -> dict[str, Any]:
        await asyncio.sleep(30)
        return saying("late")

    model = Scripted(calling(tool_call("balance", {})), slow)

    async def run() -> None:
        asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
        helper = Assistant(model=HELPER, complete=model, timeout=0.5, chat_id="chat", message_id="msg")
        task = asyncio.create_task(commands.reply(asker, helper))
        await asyncio.sleep(0.3)
        busy = asyncio.ensure_future(store.run(time.sleep, 1.0))  # the store's thread busy with a long read
        await asyncio.sleep(0.35)  # the time limit fired at 0.5 s: the settlement waits behind the read
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await busy
        for _ in range(50):  # the shielded settlement finishes on its own
            if no_pending(store):
                break
            await asyncio.sleep(0.05)

    asyncio.run(run())
    assert no_pending(store)
    assert balance(store, ALICE) == 5_000_000 - cost(100, 20)


def test_a_streamed_round_cut_off_by_the_time_limit_is_charged_for_what_it_streamed(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))

    async def halfway(received: list[str]) -> str:
        chunk = {"choices": [{"index": 0, "delta": {"content": "word " * 40}}]}
        received.append(f"data: {json.dumps(chunk)}\n\n")  # what the adapter saw arrive before the cut
        await asyncio.sleep(30)
        return ""

    model = Scripted(halfway)
    text = ask_as(store, ALICE, model, stream=True, timeout=0.5)
    assert "longer than" in text
    record = store.get_usage("chat", "msg")
    assert record is not None and record["estimated"]
    assert record["output_tokens"] == tokens.heuristic_count("word " * 40)
    assert record["input_tokens"] == tokens.prompt_tokens(model.forms[0]["messages"])
    assert no_pending(store)


def test_each_request_gets_its_own_copy_of_the_messages(store: Store) -> None:
    """Open WebUI writes a model's own system prompt into the messages it is given, in place: it must not pile up
    in the next round (and be paid for again)."""
    seed(store, (ALICE, 5_000_000))
    sent: list[str] = []

    async def prompting(form: dict[str, Any], received: list[str] | None = None) -> dict[str, Any]:
        form["messages"][0]["content"] = "MODEL PROMPT\n" + form["messages"][0]["content"]
        sent.append(form["messages"][0]["content"])
        return calling(tool_call("balance", {})) if len(sent) == 1 else saying("Done.")

    asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
    asyncio.run(commands.reply(asker, Assistant(model=HELPER, complete=prompting)))
    assert [text.count("MODEL PROMPT") for text in sent] == [1, 1]


def test_a_free_assistant_still_refuses_a_blocked_user(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    with store.immediate():
        store.set_blocked(ALICE["id"], True)
    model = Scripted(saying("Hello."))
    text = ask_as(store, ALICE, model, free=True)
    assert model.forms == [] and "could not answer" in text


def test_the_footer_shows_this_questions_cost_not_the_messages_running_total(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    footers = [ask_as(store, ALICE, Scripted(saying("Hi.", usage=(1000, 1000)))).splitlines()[-1] for _ in range(2)]
    one = money(cost(1000, 1000), "$", exact=True)
    assert all(one in footer for footer in footers), footers
    assert balance(store, ALICE) == 5_000_000 - 2 * cost(1000, 1000)


@pytest.mark.parametrize(
    ("valves", "hold", "charged"),
    [
        ({}, PRICE.cost(1, 1_000) - PRICE.cost(1, 0), cost(150, 10)),  # the default output allowance is held
        ({"reserve_output_tokens": 5_000}, None, cost(150, 10)),
        ({"tracking_only": True}, 0, cost(150, 10)),
        ({"min_charge": 0.01}, None, 10_000),
    ],
    ids=["default", "reserve", "tracking_only", "min_charge"],
)
def test_the_filters_valves_shape_the_hold_and_the_charge(
    store: Store, valves: dict[str, Any], hold: int | None, charged: int
) -> None:
    seed(store, (ALICE, 5_000_000))
    held: list[int] = []

    async def model(form: dict[str, Any], received: list[str] | None = None) -> dict[str, Any]:
        pending = store.get_request("chat", "msg")
        held.append(pending["hold"] if pending else -1)
        return saying("Hello.")

    async def filter_valves() -> dict[str, Any]:
        return valves

    asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
    helper = Assistant(model=HELPER, complete=model, billing_valves=filter_valves, chat_id="chat", message_id="msg")
    asyncio.run(commands.reply(asker, helper))
    if "reserve_output_tokens" in valves:
        assert held[0] > PRICE.cost(1, 4_000)  # 5,000 output tokens at 10 per 1M, plus the prompt
    elif hold is not None and hold == 0:
        assert held == [0]
    elif hold is not None:
        assert PRICE.cost(1, 1_000) <= held[0] < PRICE.cost(2_000, 1_000)
    assert balance(store, ALICE) == 5_000_000 - charged


def test_the_same_tool_asked_twice_the_same_way_is_one_table(store: Store) -> None:
    seed(store, (ALICE, 5_000_000))
    twice = calling(tool_call("balance", {}, 0), tool_call("balance", {}, 1))
    text = ask_as(store, ALICE, Scripted(twice, saying("Five.")))
    assert text.count("Your balance is") == 1


def test_a_question_ends_before_the_filters_sweep_would_take_it_for_dead(store: Store) -> None:
    """An admin's hold_timeout_minutes below assistant_timeout bounds the question: the sweep never settles a live
    question (its later rounds would go uncharged)."""
    seed(store, (ALICE, 5_000_000))

    async def slow(received: list[str]) -> dict[str, Any]:
        await asyncio.sleep(30)
        return saying("late")

    async def valves() -> dict[str, Any]:
        return {"hold_timeout_minutes": 0.01}  # 0.6 s, of which nine tenths for the question

    started = time.monotonic()
    text = ask_as(store, ALICE, Scripted(calling(tool_call("balance", {})), slow), billing_valves=valves)
    assert time.monotonic() - started < 5 and "longer than 1 seconds" in text
    assert balance(store, ALICE) == 5_000_000 - cost(100, 20) and no_pending(store)


def test_a_reader_hanging_up_while_the_question_is_admitted_gets_the_hold_back_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admission commits on the store's thread and cannot be cancelled: a hang-up landing meanwhile waits for
    it and gives its hold back, rather than leaving it to the sweep (half an hour by default)."""
    seed(store, (ALICE, 5_000_000))
    admitting = threading.Event()
    admit = billing.admit

    def slow_admit(*args: Any, **kwargs: Any) -> Any:
        admitting.set()
        time.sleep(0.3)  # the hang-up lands while this commits
        return admit(*args, **kwargs)

    monkeypatch.setattr(billing, "admit", slow_admit)
    model = Scripted(saying("Hello."))

    async def hang_up() -> None:
        asker = session(store, ALICE, directory=DIRECTORY, models=MODELS, default=PRICE, message=QUESTION)
        task = asyncio.create_task(commands.reply(asker, Assistant(model=HELPER, complete=model, chat_id="chat",
                                                                   message_id="msg")))  # fmt: skip
        while not admitting.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(hang_up())
    row = store.get_request("chat", "msg")
    assert row is not None and row["status"] == "released"  # admitted, then its hold given back
    assert model.forms == [] and balance(store, ALICE) == 5_000_000
