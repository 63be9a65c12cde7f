from __future__ import annotations

import asyncio
import functools
import time
import types

import pytest
from backends import plain_execute, sqlite_only, target_of
from pydantic import ValidationError

from plugin import store as store_module
from plugin.functions.filter import Filter
from plugin.store import open_store

USER = {"id": "u-1", "name": "Ann", "email": "ann@example.com", "role": "user"}


class Emitter:
    def __init__(self) -> None:
        self.events: list[dict] = []

    async def __call__(self, event: dict) -> None:
        self.events.append(event)

    @property
    def descriptions(self) -> list[str]:
        return [e["data"]["description"] for e in self.events if e["type"] == "status"]


class LegacyRequest:
    url = types.SimpleNamespace(path="/api/chat/completed")


@pytest.fixture
def flt(db_target: str, backend: str) -> Filter:
    f = Filter()
    where = {"db_path": db_target} if backend == "sqlite" else {"database_url": db_target}
    f.valves = f.Valves(**where, init_balance=1.0)
    return f


def run(coro):
    return asyncio.run(coro)


async def finished(flt: Filter, body: dict, **kwargs):
    """`Filter.outlet` as Open WebUI awaits it, then its charge's commit and notice, which follow it."""
    returned = await flt.outlet(body, **kwargs)
    await flt.settled()
    return returned


def chat(
    flt: Filter, *, usage=None, stream=True, model="gpt", chat_id="c1", message_id="a1", user=USER, lang_valves=None
):
    """One chat turn through inlet and outlet, as Open WebUI calls them; returns (inlet body, emitter)."""
    metadata = {"chat_id": chat_id, "message_id": message_id, "model": {"id": model}, "user_message": {}}
    body = {"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": stream, "metadata": metadata}
    who = dict(user, valves=lang_valves) if lang_valves else user
    sent = run(flt.inlet(body, __user__=who, __metadata__=metadata, __model__={"id": model}))
    reply = {"role": "assistant", "content": "Hi there, friend.", "id": message_id}
    if usage is not None:
        reply["usage"] = usage
    out = {"model": model, "chat_id": chat_id, "id": message_id, "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __user__=who, __metadata__=metadata, __model__={"id": model}, __event_emitter__=emitter))
    return sent, emitter


def balance(flt: Filter, user_id: str = "u-1") -> int:
    return open_store(target_of(flt)).get_user(user_id)["balance"]


def test_stored_valves_from_an_older_version_still_load() -> None:
    valves = Filter.Valves(**{"priority": 5, "language": "zh", "api_endpoint": "http://old", "api_key": "x"})
    assert valves.language == "zh" and valves.priority == 5


def test_valves_refuse_nonsense_at_save_time() -> None:
    with pytest.raises(ValidationError, match="cost_on_inlet"):
        Filter.Valves(cost_on_inlet="gpt-4:lots")
    with pytest.raises(ValidationError):
        Filter.Valves(default_input_price=-1)
    with pytest.raises(ValidationError):
        Filter.Valves(language="fr")


def test_environment_seeds_the_original_settings(monkeypatch) -> None:
    monkeypatch.setenv("DEFAULT_MODEL_INPUT_PRICE", "2.5")
    monkeypatch.setenv("INIT_BALANCE", "3")
    monkeypatch.setenv("COST_ON_INLET", "llama3:8b:0.2")
    valves = Filter.Valves()
    assert (valves.default_input_price, valves.init_balance, valves.cost_on_inlet) == (2.5, 3.0, "llama3:8b:0.2")


def test_a_chat_is_charged_and_the_notice_shows_it(flt: Filter) -> None:
    sent, emitter = chat(flt, usage={"input_tokens": 11, "output_tokens": 5})
    assert sent["stream_options"] == {"include_usage": True}
    assert balance(flt) == 1_000_000 - 960
    (line,) = emitter.descriptions
    assert line.startswith("Tokens: 11+5 | Cost: $0.000960 | Balance: $0.9990 | Time: ")
    assert line.endswith(" T/s")


def test_non_streamed_requests_are_left_alone(flt: Filter) -> None:
    sent, _ = chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, stream=False)
    assert "stream_options" not in sent


def test_notice_in_chinese_and_spanish_with_the_users_choice_first(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"language": "zh", "currency_symbol": "¥"})
    _, emitter = chat(flt, usage={"input_tokens": 11, "output_tokens": 5}, message_id="a1")
    assert emitter.descriptions[0].startswith("Token: 11+5 | 费用: ¥0.000960 | 余额: ¥0.9990 | 耗时: ")
    mine = Filter.UserValves(language="es", show_time_spent=False, show_tokens_per_sec=False)
    _, emitter = chat(flt, usage={"input_tokens": 11, "output_tokens": 5}, message_id="a2", lang_valves=mine)
    assert emitter.descriptions == ["Tokens: 11+5 | Costo: ¥0.000960 | Saldo: ¥0.9981"]


def test_estimated_usage_is_flagged(flt: Filter) -> None:
    _, emitter = chat(flt, usage=None)
    assert "(est.)" in emitter.descriptions[0]
    record = open_store(target_of(flt)).get_usage("c1", "a1")
    assert record["estimated"] == 1 and record["cost"] > 0


def test_forged_negative_usage_is_estimated_not_credited(flt: Filter) -> None:
    chat(flt, usage={"input_tokens": -1_000_000, "output_tokens": -1_000_000})
    assert balance(flt) < 1_000_000
    assert open_store(target_of(flt)).get_usage("c1", "a1")["estimated"] == 1


def test_insufficient_balance_is_refused_in_the_users_language(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"init_balance": 0.0})
    with pytest.raises(Exception, match=r"Insufficient balance: your balance is \$0\.0000"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    with pytest.raises(Exception, match="余额不足"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, lang_valves=Filter.UserValves(language="zh"))


def test_blocked_user_is_refused(flt: Filter) -> None:
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    store = open_store(target_of(flt))
    with store.immediate():
        store.set_blocked("u-1", True)
    with pytest.raises(Exception, match="blocked"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a2")


def test_another_workers_block_and_top_up_reach_the_next_chat(flt: Filter) -> None:
    """The inlet keeps users' rows between chats; a change another process commits must still reach it."""
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    other = functools.partial(plain_execute, target_of(flt))  # another Open WebUI worker
    other("UPDATE users SET blocked = 1 WHERE id = 'u-1'")
    time.sleep(store_module.VERSION_MEMO)
    with pytest.raises(Exception, match="blocked"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a2")
    other("UPDATE users SET blocked = 0, balance = 0 WHERE id = 'u-1'")
    time.sleep(store_module.VERSION_MEMO)
    with pytest.raises(Exception, match="Insufficient balance"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a3")
    other("UPDATE users SET balance = 1000000 WHERE id = 'u-1'")
    time.sleep(store_module.VERSION_MEMO)
    _, emitter = chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a4")
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]


@sqlite_only  # the row the loop keeps between inlet and charge; PostgreSQL keeps none, its charge runs at once
def test_a_user_row_another_worker_removes_while_a_charge_is_queued_is_made_again(flt: Filter) -> None:
    """A restore in another worker without this user, after the outlet queued the charge: the charge must not
    trust the row the inlet read."""
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    metadata = {"chat_id": "c1", "message_id": "a2", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": False}
    reply = {"role": "assistant", "content": "Hi", "id": "a2", "usage": {"input_tokens": 1000, "output_tokens": 1000}}
    out = {"model": "gpt", "chat_id": "c1", "id": "a2", "messages": [*body["messages"], reply]}
    emitter = Emitter()

    async def turn() -> None:
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"})  # reads the row
        await flt.outlet(out, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter)
        # A crude restore, before the queued charge runs: nothing has yielded to the loop since the outlet returned.
        plain_execute(
            target_of(flt),
            "DELETE FROM ledger WHERE user_id = 'u-1'",
            "DELETE FROM usage WHERE user_id = 'u-1'",
            "DELETE FROM requests WHERE user_id = 'u-1'",
            "DELETE FROM users WHERE id = 'u-1'",
        )
        await flt.settled()

    run(turn())
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]
    assert balance(flt) == 1_000_000 - 120_000  # the initial balance again, then this reply's charge
    assert open_store(target_of(flt)).reconcile() == []


def test_a_renamed_user_is_renamed_by_their_next_chat(flt: Filter) -> None:
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a2")  # the row is now known to the loop
    renamed = dict(USER, name="Ann B", email="annb@example.com", role="admin")
    chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a3", user=renamed)
    row = open_store(target_of(flt)).get_user("u-1")
    assert (row["name"], row["email"], row["role"]) == ("Ann B", "annb@example.com", "admin")


def test_legacy_chat_completed_replay_is_ignored(flt: Filter) -> None:
    chat(flt, usage={"input_tokens": 11, "output_tokens": 5})
    before = balance(flt)
    forged = {
        "model": "gpt",
        "chat_id": "c1",
        "id": "a9",
        "messages": [{"role": "assistant", "content": "x", "usage": {"input_tokens": 10**6, "output_tokens": 10**6}}],
    }
    emitter = Emitter()
    reduced = {"chat_id": "c1", "message_id": "a9", "filter_ids": [], "session_id": "s", "user_id": "u-1"}
    run(
        finished(
            flt, forged, __user__=USER, __metadata__=reduced, __request__=LegacyRequest(), __event_emitter__=emitter
        )
    )
    run(finished(flt, forged, __user__=USER, __metadata__=reduced, __event_emitter__=emitter))
    assert balance(flt) == before and emitter.events == []


def test_api_calls_get_a_key_of_their_own_even_with_a_reused_id(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"cost_on_inlet": "0.01"})
    for _ in range(2):
        metadata = {"chat_id": "", "message_id": None, "model": {}, "user_message": None}
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
        run(flt.inlet(body, __user__=USER, __metadata__=metadata))
        out = {
            "model": "gpt",
            "chat_id": "",
            "id": "msg_same",
            "messages": [{"role": "assistant", "content": "x", "usage": {"input_tokens": 11, "output_tokens": 5}}],
        }
        run(finished(flt, out, __user__=USER, __metadata__=metadata))
    assert balance(flt) == 1_000_000 - 2 * 960
    store = open_store(target_of(flt))
    assert store.one("SELECT COUNT(*) AS n FROM requests WHERE status = 'open'")["n"] == 0


def test_cost_on_inlet_per_model_with_colons(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"cost_on_inlet": "llama3:8b:0.5,default:0"})
    metadata = {"chat_id": "c1", "message_id": "a1", "model": {}, "user_message": {}}
    body = {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata))
    assert balance(flt) == 500_000


def test_a_misconfigured_stored_valve_gives_a_clear_message(flt: Filter) -> None:
    flt.valves = flt.valves.model_construct(**{**flt.valves.model_dump(), "cost_on_inlet": "gpt:oops"})
    with pytest.raises(Exception, match="misconfigured \\(cost_on_inlet\\)"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1})


def test_exempt_models_and_our_own_pipe_are_never_billed(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"exempt_models": "free-model"})
    chat(flt, usage={"input_tokens": 1000, "output_tokens": 1000}, model="free-model")
    pipe = types.SimpleNamespace(openwebui_monitor_role="report")
    request = types.SimpleNamespace(app=types.SimpleNamespace(state=types.SimpleNamespace(FUNCTIONS={"monitor": pipe})))
    body = {"model": "monitor", "messages": [{"role": "user", "content": "hi"}]}
    run(
        flt.inlet(
            body,
            __user__=USER,
            __metadata__={},
            __model__={"id": "monitor", "pipe": {"type": "pipe"}},
            __request__=request,
        )
    )
    assert open_store(target_of(flt)).get_user("u-1") is None


def test_malformed_bodies_lose_nothing(flt: Filter) -> None:
    assert run(flt.inlet("not a dict", __user__=USER)) == "not a dict"
    assert run(finished(flt, {"messages": "nope"}, __user__=USER)) == {"messages": "nope"}
    assert run(finished(flt, {"messages": [None]}, __user__=USER, __metadata__={"model": {}})) == {"messages": [None]}
    assert run(flt.inlet({"model": "gpt"}, __user__=None)) == {"model": "gpt"}


def test_settled_waits_for_a_committed_charge_whose_notice_is_not_queued_yet() -> None:
    """A charge's future can be done while its callback, which queues the notice (or the charge once more, after
    a restore), has not run: `settled` must not return in between (seen under load: the notice never came)."""
    flt = Filter()

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        sent: list[str] = []
        charge = loop.create_future()

        def committed(done: asyncio.Future) -> None:  # as Filter._committed does with a notice
            flt._pending.discard(done)
            notice = loop.create_task(asyncio.sleep(0.01, result="notice"))
            flt._pending.add(notice)
            notice.add_done_callback(lambda task: (flt._pending.discard(task), sent.append(task.result())))

        flt._pending.add(charge)
        charge.add_done_callback(committed)
        charge.set_result(None)  # done at once; `committed` is only scheduled
        await flt.settled()
        return sent

    assert run(scenario()) == ["notice"]
