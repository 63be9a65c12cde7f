from __future__ import annotations

import asyncio
import functools
import inspect
import time
import types
from contextlib import suppress

import pytest
from backends import plain_execute, sqlite_only, target_of
from chats import USER, Emitter, chat, finished, run
from pydantic import BaseModel, ValidationError

from plugin import openwebui
from plugin.app import follow, requests
from plugin.domain import billing, budgets, codes, tokens
from plugin.functions.filter import Filter
from plugin.store import open_store
from plugin.store import sqlite as store_module
from plugin.ui import notice
from plugin.words import i18n


class LegacyRequest:
    url = types.SimpleNamespace(path="/api/chat/completed")


@pytest.fixture
def flt(db_target: str, backend: str) -> Filter:
    f = Filter()
    where = {"db_path": db_target} if backend == "sqlite" else {"database_url": db_target}
    f.valves = f.Valves(**where, init_balance=1.0)
    return f


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


def test_an_empty_balance_is_refused_plainly_in_the_users_language(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"init_balance": 0.0})
    with pytest.raises(Exception, match=r"^Insufficient balance: your balance is used up \(\$0\.0000\)\. "):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    with pytest.raises(Exception, match=r"您的余额已用完（\$0\.0000）"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, lang_valves=Filter.UserValves(language="zh"))
    assert open_store(target_of(flt)).one("SELECT COUNT(*) AS n FROM requests")["n"] == 0


def test_a_refusal_says_a_code_can_be_redeemed_once_an_admin_minted_codes(flt: Filter) -> None:
    flt.valves = flt.valves.model_copy(update={"init_balance": 0.0})
    with pytest.raises(Exception) as refused:
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    assert "/redeem" not in str(refused.value)  # no codes here: nothing to redeem
    codes.mint(open_store(target_of(flt)), 1_000_000, 1, actor="admin")
    for lang, hint in (("en", "Or redeem a code: /redeem CODE in Usage Monitor."), ("zh", "/redeem 兑换码")):
        with pytest.raises(Exception) as refused:
            chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, lang_valves=Filter.UserValves(language=lang))
        assert str(refused.value).endswith(hint) or hint in str(refused.value), str(refused.value)


def test_a_balance_short_of_the_hold_is_refused_naming_the_hold_and_the_balance(flt: Filter) -> None:
    """The hold is the prompt's estimate plus the request's max_tokens at the model's price (the default $60 per 1M
    tokens each way: 60 micro-units a token); a balance above zero but below it is refused, saying both amounts."""
    flt.valves = flt.valves.model_copy(update={"init_balance": 0.01})
    messages = [{"role": "user", "content": "hello"}]
    hold = (tokens.prompt_tokens(messages, flt._meter.counter()) + 500) * PER_TOKEN  # above the balance
    for lang, start in (("en", "Insufficient balance: this reply needs up to "), ("es", "Saldo insuficiente: ")):
        metadata = {"chat_id": "c1", "message_id": f"a-{lang}", "model": {"id": "gpt"}, "user_message": {}}
        body = {"model": "gpt", "messages": messages, "max_tokens": 500, "stream": True}
        who = dict(USER, valves=Filter.UserValves(language=lang))
        with pytest.raises(Exception) as refused:
            run(flt.inlet(body, __user__=who, __metadata__=metadata, __model__={"id": "gpt"}))
        expected = i18n.t(lang, "insufficient_balance", needed=notice.money(hold, "$"), balance="$0.0100")
        assert str(refused.value) == expected and expected.startswith(start)
    assert balance(flt) == 10_000  # nothing held
    # The same prompt with a smaller max_tokens fits: its hold is taken from the balance until the reply ends.
    body = {"model": "gpt", "messages": messages, "max_tokens": 100, "stream": True}
    metadata = {"chat_id": "c1", "message_id": "a-fits", "model": {"id": "gpt"}, "user_message": {}}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
    assert balance(flt) == 10_000 - (tokens.prompt_tokens(messages, flt._meter.counter()) + 100) * PER_TOKEN


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
    with pytest.raises(Exception, match="your balance is used up"):
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a3")
    other("UPDATE users SET balance = 1000000 WHERE id = 'u-1'")
    time.sleep(store_module.VERSION_MEMO)
    _, emitter = chat(flt, usage={"input_tokens": 1, "output_tokens": 1}, message_id="a4")
    assert emitter.descriptions and "Balance" in emitter.descriptions[0]


@sqlite_only  # the charge waits in the loop's queue until the loop yields; PostgreSQL's runs on a thread at once
def test_a_user_row_another_worker_removes_while_a_charge_is_queued_is_made_again(flt: Filter) -> None:
    """A restore in another worker of a backup without this user, after the outlet queued the charge: the charge
    must not assume the row the inlet wrote is still there. The restored database holds no pending request for the
    reply either, so its outlet charges nothing; the user's row is made again, with the initial balance, and the
    books agree."""
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
    assert emitter.descriptions and "Balance: $1.0000" in emitter.descriptions[0]
    store = open_store(target_of(flt))
    assert balance(flt) == 1_000_000  # the initial balance again, and no charge for a request it does not hold
    assert [(r["kind"], r["amount"]) for r in store.query("SELECT kind, amount FROM ledger")] == [("topup", 1_000_000)]
    assert store.reconcile() == []


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


def test_an_api_calls_charge_words_no_notice_it_could_not_send(flt: Filter, monkeypatch) -> None:
    # An outlet without an event emitter (Open WebUI's API path) has nobody to show a notice to: the charge is
    # recorded, and the notice is not even worded (its rendering was ~50 µs of every API call's outlet).
    worded: list[str] = []
    render = flt._meter._render

    def counting(*args, **kwargs):
        worded.append("x")
        return render(*args, **kwargs)

    monkeypatch.setattr(flt._meter, "_render", counting)
    metadata = {"chat_id": "", "message_id": "m-api", "model": {}, "user_message": None}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata))
    out = {
        "model": "gpt",
        "chat_id": "",
        "id": "m-api",
        "messages": [{"role": "assistant", "content": "x", "usage": {"input_tokens": 11, "output_tokens": 5}}],
    }
    run(finished(flt, out, __user__=USER, __metadata__=metadata))
    assert balance(flt) == 1_000_000 - 960
    assert worded == []
    chat(flt, usage={"input_tokens": 11, "output_tokens": 5}, message_id="m-ui")  # a UI chat's notice is worded
    assert worded == ["x"]


def test_the_outlet_does_not_name_user_so_open_webui_reads_no_user_valves_for_it() -> None:
    # Open WebUI reads the user's valves from its database before every hook that names `__user__` (and passes a
    # hook only the parameters it names): the inlet needs them, the outlet takes its inlet's.
    assert "__user__" in inspect.signature(Filter.inlet).parameters
    outlet = inspect.signature(Filter.outlet).parameters
    assert "__user__" not in outlet and "__metadata__" in outlet and "__id__" in outlet


def test_an_outlet_without_user_bills_the_user_its_inlet_was_given_with_their_valves(flt: Filter) -> None:
    who = dict(USER, valves=Filter.UserValves(language="es", show_time_spent=False, show_tokens_per_sec=False))
    metadata = {"chat_id": "c1", "message_id": "a1", "model": {"id": "gpt"}, "user_message": {}, "user_id": "u-1"}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True, "metadata": metadata}
    run(flt.inlet(body, __user__=who, __metadata__=metadata, __model__={"id": "gpt"}))
    reply = {"role": "assistant", "content": "Hi.", "id": "a1", "usage": {"input_tokens": 11, "output_tokens": 5}}
    out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter))  # as 0.12.4
    assert balance(flt) == 1_000_000 - 960
    assert emitter.descriptions == ["Tokens: 11+5 | Costo: $0.000960 | Saldo: $0.9990"]


def test_a_later_filter_in_the_chain_does_not_change_the_valves_the_outlet_words_with(flt: Filter) -> None:
    """Open WebUI hands every filter of the inlet chain one `__user__` dict and sets each filter's own user valves
    on it: a filter after ours overwrites them. The outlet words the notice with the valves our inlet was given."""

    class OtherUserValves(BaseModel):  # another installed filter's
        language: str = "zh"
        show_cost: bool = False

    shared = dict(USER, valves=Filter.UserValves(language="es", show_time_spent=False, show_tokens_per_sec=False))
    metadata = {"chat_id": "c1", "message_id": "a1", "model": {"id": "gpt"}, "user_message": {}, "user_id": "u-1"}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True, "metadata": metadata}
    run(flt.inlet(body, __user__=shared, __metadata__=metadata, __model__={"id": "gpt"}))
    shared["valves"] = OtherUserValves()  # what the next filter's inlet does to the same dict
    reply = {"role": "assistant", "content": "Hi.", "id": "a1", "usage": {"input_tokens": 11, "output_tokens": 5}}
    out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __metadata__=metadata, __model__={"id": "gpt"}, __event_emitter__=emitter))
    assert emitter.descriptions == ["Tokens: 11+5 | Costo: $0.000960 | Saldo: $0.9990"]


def test_an_outlet_whose_inlet_this_process_did_not_follow_reads_the_user_from_open_webui(
    flt: Filter, monkeypatch
) -> None:
    asked: list[tuple] = []

    async def hook_user(user_id: str, function_id: str | None, user_valves) -> dict:
        asked.append((user_id, function_id, user_valves))
        return dict(USER, valves=user_valves(language="es"))

    monkeypatch.setattr(openwebui, "hook_user", hook_user)
    metadata = {"chat_id": "c1", "message_id": "a9", "model": {"id": "gpt"}, "user_message": {}, "user_id": "u-1"}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True, "metadata": metadata}
    run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
    flt._meter.follow.live.clear()  # its inlet ran in another process (the pending charge is in the database)
    reply = {"role": "assistant", "content": "Hi.", "id": "a9", "usage": {"input_tokens": 11, "output_tokens": 5}}
    out = {"model": "gpt", "chat_id": "c1", "id": "a9", "messages": [*body["messages"], reply]}
    emitter = Emitter()
    run(finished(flt, out, __metadata__=metadata, __event_emitter__=emitter, __id__="openwebui_monitor_filter"))
    assert asked == [("u-1", "openwebui_monitor_filter", Filter.UserValves)]
    store = open_store(target_of(flt))
    assert store.get_request("c1", "a9")["status"] == "settled"  # estimated: its stream was not followed here
    assert balance(flt) == 1_000_000 - store.get_usage("c1", "a9")["cost"] < 1_000_000
    assert " | Costo: $" in emitter.descriptions[0]  # worded with the valves Open WebUI has for the user


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


def test_a_value_error_that_is_not_the_valves_is_not_blamed_on_the_admin(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a `cost_on_inlet` that does not parse is reported as a misconfigured valve; any other ValueError on the
    way (here: a price that cannot be resolved) is the generic error, its detail in the log only."""

    def broken(*args, **kwargs):
        raise ValueError("not the admin's doing")

    monkeypatch.setattr(billing, "reserve", broken)
    flt.valves = flt.valves.model_copy(update={"cost_on_inlet": "0"})
    with pytest.raises(Exception) as refused:
        chat(flt, usage={"input_tokens": 1, "output_tokens": 1})
    assert str(refused.value) == i18n.t("en", "error_generic")
    assert "misconfigured" not in str(refused.value)
    assert open_store(target_of(flt)).get_user(USER["id"]) is None  # the admission's transaction never ran


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


def test_a_model_over_the_report_pipe_is_free_and_one_only_named_like_it_is_billed(flt: Filter) -> None:
    """Through the Filter, as Open WebUI calls it: the installer's "Usage Monitor (admin)" (a workspace model whose
    base is the report pipe) is never billed; a user's model named "monitor.free" whose base is a paid pipe goes to
    that paid model (Open WebUI routes by the base), so it is billed like any chat."""
    functions = {"monitor": types.SimpleNamespace(openwebui_monitor_role="report"), "paid": types.SimpleNamespace()}
    request = types.SimpleNamespace(app=types.SimpleNamespace(state=types.SimpleNamespace(FUNCTIONS=functions)))

    def turn(model: dict, user: dict, message_id: str) -> None:
        metadata = {"chat_id": "c-" + message_id, "message_id": message_id, "model": model}
        body = {"model": model["id"], "messages": [{"role": "user", "content": "hi"}], "metadata": metadata}
        hooks = {"__user__": user, "__metadata__": metadata, "__model__": model, "__request__": request}
        run(flt.inlet(body, **hooks))
        reply = {
            "role": "assistant",
            "content": "Hi.",
            "id": message_id,
            "usage": {"input_tokens": 1000, "output_tokens": 1000},
        }
        out = {
            "model": model["id"],
            "chat_id": "c-" + message_id,
            "id": message_id,
            "messages": [*body["messages"], reply],
        }
        run(finished(flt, out, **hooks))

    pipe = {"type": "pipe"}
    admin_model = {"id": "monitor_admin", "pipe": pipe, "info": {"base_model_id": "monitor"}}
    disguised = {"id": "monitor.free", "pipe": pipe, "info": {"base_model_id": "paid.claude"}}
    turn(admin_model, USER, "m-admin")
    assert open_store(target_of(flt)).get_user(USER["id"]) is None  # never admitted, never charged
    other = {**USER, "id": "u-2", "email": "two@example.com"}
    turn(disguised, other, "m-disguised")
    assert balance(flt, "u-2") == 1_000_000 - 2000 * 60  # 2,000 tokens at the default 60 per 1M tokens


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

        def committed(done: asyncio.Future) -> None:  # as Meter._committed does with a notice
            flt._meter.pending.discard(done)
            notice = loop.create_task(asyncio.sleep(0.01, result="notice"))
            flt._meter.pending.add(notice)
            notice.add_done_callback(lambda task: (flt._meter.pending.discard(task), sent.append(task.result())))

        flt._meter.pending.add(charge)
        charge.add_done_callback(committed)
        charge.set_result(None)  # done at once; `committed` is only scheduled
        await flt.settled()
        return sent

    assert run(scenario()) == ["notice"]


# -- two-phase charges: the stream's tally, Continue, the stop button, concurrent holds -------------------------

GPT = {"id": "gpt"}
PER_TOKEN = 60  # micro-units a token at the default valves' $60 per 1M tokens, input and output alike
FORGED = {
    "zero": {"input_tokens": 0, "output_tokens": 0},
    "negative": {"input_tokens": -1_000_000, "output_tokens": -1_000_000, "total_tokens": -2_000_000},
}


def key(chat_id: str = "c1", message_id: str = "a1", *, continuing: bool = False) -> dict:
    """A saved chat's metadata, as Open WebUI hands the same dict to inlet, stream and outlet; a Continue names the
    message it continues in `assistant_message_id` (None on other turns)."""
    return {
        "chat_id": chat_id,
        "message_id": message_id,
        "model": GPT,
        "user_message": {},
        "assistant_message_id": message_id if continuing else None,
    }


def delta(text: str, kind: str = "content", response: str = "chatcmpl-1") -> dict:
    """An OpenAI-style streamed chunk carrying text."""
    choice = {"index": 0, "delta": {kind: text}, "finish_reason": None}
    return {"id": response, "object": "chat.completion.chunk", "choices": [choice]}


def usage_chunk(prompt: int, completion: int, response: str = "chatcmpl-1") -> dict:
    """The chunk with `stream_options.include_usage`: no choices, the response's usage."""
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return {"id": response, "object": "chat.completion.chunk", "choices": [], "usage": usage}


async def round_trip(
    flt: Filter, messages: list, reply: dict, *, metadata: dict, events: list = (), emitter: Emitter | None = None
) -> None:
    """One round as Open WebUI runs it in one task: the inlet, every upstream chunk through `stream` (each passed
    on unchanged), then the outlet with the reply as the chat holds it, and its charge's commit."""
    body = {"model": "gpt", "messages": messages, "stream": bool(events), "metadata": metadata}
    await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)
    for event in events:
        assert flt.stream(event, __metadata__=metadata) is event
    out = {"model": "gpt", "chat_id": metadata["chat_id"], "id": metadata["message_id"], "messages": [*messages, reply]}
    await finished(
        flt, out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=emitter or Emitter()
    )


@pytest.mark.parametrize("forged", list(FORGED), ids=list(FORGED))
def test_a_streamed_round_is_charged_the_streams_usage_not_the_usage_on_its_message(flt: Filter, forged: str) -> None:
    """The message the outlet gets is the chat's, which its owner can write; the usage the upstream streamed to the
    request the inlet admitted is what is charged. An upstream that repeats a growing usage is read at its last."""
    messages = [{"role": "user", "content": "hello"}]
    events = [delta("Hi"), delta(" there,"), usage_chunk(12, 3), delta(" friend."), usage_chunk(12, 7)]
    reply = {"role": "assistant", "content": "Hi there, friend.", "id": "a1", "usage": FORGED[forged]}
    emitter = Emitter()
    run(round_trip(flt, messages, reply, metadata=key(), events=events, emitter=emitter))
    record = open_store(target_of(flt)).get_usage("c1", "a1")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (12, 7, 0)
    assert record["cost"] == (12 + 7) * PER_TOKEN
    assert balance(flt) == 1_000_000 - (12 + 7) * PER_TOKEN
    assert emitter.descriptions[0].startswith("Tokens: 12+7 | Cost: $0.001140 | Balance: $0.9989 | ")


def test_a_streamed_round_without_usage_is_charged_the_prompt_estimate_and_the_streamed_text(flt: Filter) -> None:
    """No usage chunk: the round is the prompt the inlet counted plus the text the stream carried (its reasoning
    too, which the chat keeps apart from the answer), marked estimated; the message's own usage is not read."""
    messages = [{"role": "user", "content": "Tell me about foxes, briefly please."}]
    thinking = "The user wants a short answer about foxes; one sentence will do. "
    answer = "Foxes are small omnivores of the dog family, found on every continent but Antarctica."
    events = [delta(thinking, "reasoning_content"), *(delta(word + " ") for word in answer.split(" "))]
    reply = {"role": "assistant", "content": answer, "id": "a1", "usage": FORGED["zero"]}
    count = flt._meter.counter()
    input_tokens, output_tokens = tokens.prompt_tokens(messages, count), count(thinking + answer + " ")
    emitter = Emitter()
    run(round_trip(flt, messages, reply, metadata=key(), events=events, emitter=emitter))
    store = open_store(target_of(flt))
    record = store.get_usage("c1", "a1")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (input_tokens, output_tokens, 1)
    assert record["cost"] == (input_tokens + output_tokens) * PER_TOKEN
    assert balance(flt) == 1_000_000 - record["cost"]
    assert emitter.descriptions[0].startswith(f"Tokens: {input_tokens}+{output_tokens} (est.) | ")
    assert store.get_request("c1", "a1")["status"] == "settled"


@pytest.mark.parametrize("upstream", ["no usage", "streamed usage"])
def test_a_continue_carrying_forged_usage_is_charged_as_an_unedited_continue(flt: Filter, upstream: str) -> None:
    """Open WebUI keeps a message's stored usage when the upstream reports none, and the chat's owner can edit it
    (0/0, or negative) before pressing Continue: the Continue is charged its own round, the same as unedited."""
    stored = {"input_tokens": 11, "output_tokens": 5}
    first, more = "Hi there, friend.", " Foxes are small omnivores of the dog family."
    charged = {}
    for name, usage in {"unedited": stored, **FORGED}.items():
        chat_id = f"c-{name}"
        chat(flt, usage=stored, stream=False, chat_id=chat_id, message_id="a1")  # the first round, answered
        before = balance(flt)
        messages = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": first, "usage": usage}]
        reply = {"role": "assistant", "content": first + more, "id": "a1", "usage": usage}
        events = [delta(more), usage_chunk(40, 9)] if upstream == "streamed usage" else []
        run(round_trip(flt, messages, reply, metadata=key(chat_id, continuing=True), events=events))
        charged[name] = before - balance(flt)
    if upstream == "streamed usage":
        expected = (40 + 9) * PER_TOKEN
    else:  # estimated: the Continue's prompt (the reply so far included) and the text it added
        count = flt._meter.counter()
        expected = (tokens.prompt_tokens(messages, count) + count(first + more) - count(first)) * PER_TOKEN
    assert charged == {"unedited": expected, "zero": expected, "negative": expected}
    assert expected > 0


@pytest.mark.parametrize("produced", ["streamed", "saved by Open WebUI", "nothing"])
def test_a_stopped_reply_is_settled_after_the_grace_for_what_it_produced(
    flt: Filter, monkeypatch: pytest.MonkeyPatch, produced: str
) -> None:
    """The stop button cancels the task that ran the inlet, and no outlet comes: after ABANDON_GRACE the pending
    charge is settled for the prompt plus the output (as the stream tallied it, else as Open WebUI saved it),
    estimated; with no output the hold is released and nothing is charged. A late outlet, or a second settling,
    charges nothing more."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.05)
    partial = "Foxes are small omnivores of the dog family, found on every"
    saved = {"role": "assistant", "content": partial, "done": True} if produced == "saved by Open WebUI" else None

    async def saved_reply(chat_id: str, message_id: str) -> dict | None:
        assert (chat_id, message_id) == ("c1", "a1")
        return saved

    monkeypatch.setattr(openwebui, "saved_reply", saved_reply)
    events = [delta(word + " ") for word in partial.split(" ")] if produced == "streamed" else []
    messages = [{"role": "user", "content": "Tell me about foxes."}]
    metadata = key()
    emitter = Emitter()
    store = open_store(target_of(flt))

    async def stopped_midway() -> None:
        admitted = asyncio.Event()

        async def request() -> None:  # Open WebUI's task for the chat: the inlet, then the upstream's stream
            body = {"model": "gpt", "messages": messages, "stream": True, "metadata": metadata}
            await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=emitter)
            admitted.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(request())
        await admitted.wait()
        for event in events:
            flt.stream(event, __metadata__=metadata)
        task.cancel()  # the stop button
        with suppress(asyncio.CancelledError):
            await task
        assert store.get_request("c1", "a1")["status"] == "open"  # its outlet may still come within the grace
        await asyncio.sleep(0.25)
        await flt.settled()

    run(stopped_midway())
    count = flt._meter.counter()
    output = count(partial + " ") if produced == "streamed" else count(partial) if saved else 0
    request = store.get_request("c1", "a1")
    record = store.get_usage("c1", "a1")
    charges = store.query("SELECT amount, actor FROM ledger WHERE kind = 'charge'")
    if produced == "nothing":
        assert (request["status"], request["hold"], record, charges) == ("released", 0, None, [])
        assert balance(flt) == 1_000_000 and emitter.descriptions == []
    else:
        input_tokens = tokens.prompt_tokens(messages, count)
        cost = (input_tokens + output) * PER_TOKEN
        assert (request["status"], request["hold"]) == ("expired", 0)
        assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (input_tokens, output, 1)
        assert record["cost"] == cost > 0 and charges == [{"amount": -cost, "actor": "system"}]
        assert balance(flt) == 1_000_000 - cost
        (line,) = emitter.descriptions
        assert line.startswith(f"Stopped: Tokens: {input_tokens}+{output} (est.) | ")
    after = balance(flt)
    assert billing.abandon(store, "u-1", "c1", "a1", output_tokens=1000) is None
    reply = {"role": "assistant", "content": partial, "id": "a1", "usage": {"input_tokens": 900, "output_tokens": 900}}
    out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*messages, reply]}
    run(finished(flt, out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter()))
    if produced == "nothing":
        # A round voided for want of output that then reaches its outlet after all (a reply the sweep gave up on)
        # had nothing charged: it is charged now, once (its stored usage not believed: an estimate).
        late = store.get_usage("c1", "a1")
        assert late["estimated"] == 1 and late["cost"] > 0 and balance(flt) == after - late["cost"]
        assert store.get_request("c1", "a1")["status"] == "settled"
        after = balance(flt)
        run(finished(flt, out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter()))
    assert balance(flt) == after
    assert store.reconcile() == []


def test_concurrent_chats_of_one_user_are_admitted_only_as_far_as_the_balance_covers_their_holds(
    flt: Filter,
) -> None:
    """Default valves (no cost_on_inlet): each chat holds its estimate (the prompt and reserve_output_tokens at the
    model's price), so 16 chats at once from a balance that covers 5 holds start 5, and the balance never goes
    below zero; the rest are refused naming the hold and what is left."""
    messages = [{"role": "user", "content": "hello"}]
    hold = (tokens.prompt_tokens(messages, flt._meter.counter()) + flt.valves.reserve_output_tokens) * PER_TOKEN
    start = 5 * hold + hold // 2
    flt.valves = flt.valves.model_copy(update={"init_balance": start / 1_000_000})

    async def at_once() -> list:
        async def one(i: int) -> dict:
            metadata = key(message_id=f"a{i}")
            body = {"model": "gpt", "messages": messages, "stream": True, "metadata": metadata}
            return await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)

        return await asyncio.gather(*(one(i) for i in range(16)), return_exceptions=True)

    results = run(at_once())
    refused = [str(result) for result in results if isinstance(result, Exception)]
    assert len(results) - len(refused) == 5
    left = start - 5 * hold
    assert set(refused) == {
        i18n.t("en", "insufficient_balance", needed=notice.money(hold, "$"), balance=notice.money(left, "$"))
    }
    store = open_store(target_of(flt))
    assert balance(flt) == left >= 0
    running = 0
    for row in store.query("SELECT kind, amount FROM ledger WHERE user_id = 'u-1' ORDER BY id"):
        running += row["amount"]
        assert running >= 0, row
    assert running == left and store.reconcile() == []
    assert store.query("SELECT COUNT(*) AS n, SUM(hold) AS held FROM requests WHERE status = 'open'") == [
        {"n": 5, "held": 5 * hold}
    ]


def test_an_outlet_that_comes_within_the_grace_after_its_task_ended_is_charged_as_usual(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API stream: the task that ran the inlet may end before the stream does, and the outlet follows once the
    stream is done. Within ABANDON_GRACE it is the reply's own charge, from the stream's usage, and the reply is
    not also settled as abandoned once the grace has passed."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.3)
    metadata = {"chat_id": "", "message_id": None, "model": GPT, "user_message": None}  # an API call's
    messages = [{"role": "user", "content": "hello"}]
    store = open_store(target_of(flt))

    async def api_stream() -> None:
        body = {"model": "gpt", "messages": messages, "stream": True}
        await asyncio.create_task(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT))  # it ends
        for event in (delta("Hi"), delta(" there."), usage_chunk(12, 7)):
            flt.stream(event, __metadata__=metadata)
        await asyncio.sleep(0.05)
        reply = {"role": "assistant", "content": "Hi there."}
        out = {"model": "gpt", "chat_id": "", "id": "chatcmpl-1", "messages": [*messages, reply]}
        await finished(flt, out, __user__=USER, __metadata__=metadata, __model__=GPT)
        await asyncio.sleep(0.4)  # past the grace
        await flt.settled()

    run(api_stream())
    ours = metadata[requests.KEY]  # the key the inlet gave the API call
    assert ours["chat_id"] == "" and ours["message_id"].startswith("api-")
    assert store.get_request("", ours["message_id"])["status"] == "settled"
    assert store.query("SELECT amount, actor FROM ledger WHERE kind = 'charge'") == [
        {"amount": -(12 + 7) * PER_TOKEN, "actor": "filter"}
    ]
    assert store.get_usage("", ours["message_id"])["estimated"] == 0
    assert balance(flt) == 1_000_000 - (12 + 7) * PER_TOKEN


def test_a_continue_pressed_right_after_the_stop_button_runs_and_settles_the_stopped_round_first(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop, then Continue at once, while the stopped stream's last chunk is still fresh: the stopped round is settled
    then and there (for its prompt and what it streamed) and the Continue is admitted as its next round, not refused
    as a reply still being written."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 5.0)  # far longer than the test: only the Continue settles it
    metadata, store = key(), open_store(target_of(flt))
    partial = "Foxes are small omnivores "

    async def stop_then_continue() -> None:
        admitted = asyncio.Event()

        async def request() -> None:
            body = {"model": "gpt", "messages": [{"role": "user", "content": "Foxes?"}], "stream": True}
            await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)
            admitted.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(request())
        await admitted.wait()
        for word in partial.split():
            flt.stream(delta(word + " "), __metadata__=metadata)
        task.cancel()  # the stop button
        with suppress(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.01)
        again = key(continuing=True)
        messages = [{"role": "user", "content": "Foxes?"}, {"role": "assistant", "content": partial}]
        body = {"model": "gpt", "messages": messages, "stream": True}
        await flt.inlet(body, __user__=USER, __metadata__=again, __model__=GPT)  # admitted: no exception
        await flt.settled()

    run(stop_then_continue())
    kinds = [row["kind"] for row in store.query("SELECT kind FROM ledger WHERE user_id = 'u-1' ORDER BY id")]
    assert kinds == ["topup", "hold", "release", "charge", "hold"], kinds
    assert store.get_request("c1", "a1")["status"] == "open"  # the Continue's round
    assert store.get_usage("c1", "a1")["output_tokens"] > 0  # the stopped round, charged


def test_a_stop_that_lands_while_the_outlet_awaits_still_settles_the_reply(
    flt: Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outlet awaits (the budgets, on PostgreSQL a trip to the store's thread) before it queues its charge: a stop
    landing in that moment cancels the outlet. The request is still followed until the charge is queued, so it is
    settled after the grace, not left pending with its hold until the sweep."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.05)
    real = budgets.current

    async def slow_current(store):
        await asyncio.sleep(0.2)
        return await real(store)

    metadata = key()
    messages = [{"role": "user", "content": "foxes?"}]
    store = open_store(target_of(flt))

    async def scenario() -> None:
        in_outlet = asyncio.Event()

        async def request() -> None:
            body = {"model": "gpt", "messages": messages, "stream": True}
            await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter())
            for event in [delta("Foxes are small omnivores. ")] * 50 + [usage_chunk(20, 300)]:
                flt.stream(event, __metadata__=metadata)
            monkeypatch.setattr(budgets, "current", slow_current)
            in_outlet.set()
            reply = {"role": "assistant", "content": "Foxes are small omnivores. " * 50, "id": "a1"}
            out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*messages, reply]}
            await flt.outlet(out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter())

        task = asyncio.create_task(request())
        await in_outlet.wait()
        await asyncio.sleep(0.05)
        task.cancel()  # the stop button, while the outlet awaits
        with suppress(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.4)
        await flt.settled()

    run(scenario())
    request = store.get_request("c1", "a1")
    assert (request["status"], request["hold"]) == ("expired", 0)
    assert store.get_usage("c1", "a1")["output_tokens"] == 300  # the stream's own usage
    assert store.reconcile() == []


def test_a_prefill_in_a_temporary_chat_is_not_a_continue_and_is_charged_from_the_upstreams_usage(flt: Filter) -> None:
    """A request whose messages end with an assistant message (a prefill) is not a Continue unless Open WebUI says
    so (`assistant_message_id`): a temporary chat's non-streamed reply is this request's own answer, charged from the
    upstream's usage, never its output less the prefill's length."""
    prefill = "Sure. Here is the long essay you asked for, section by section. " * 100
    messages = [{"role": "user", "content": "Write an essay."}, {"role": "assistant", "content": prefill}]
    metadata = {**key("local:abc", "m1")}
    reply = {"id": "m1", "role": "assistant", "content": "Foxes are small. " * 10}
    reply["usage"] = {"prompt_tokens": 1600, "completion_tokens": 1000, "total_tokens": 2600}

    async def turn() -> None:
        body = {"model": "gpt", "messages": messages, "stream": False}
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)
        out = {"model": "gpt", "chat_id": "local:abc", "id": "m1", "messages": [*messages, reply]}
        await finished(flt, out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter())

    run(turn())
    record = open_store(target_of(flt)).get_usage("local:abc", "m1")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (1600, 1000, 0)
    assert balance(flt) == 1_000_000 - 2600 * PER_TOKEN


def test_the_hold_covers_the_largest_output_limit_the_request_names(flt: Filter) -> None:
    """Which limit the upstream enforces depends on the connection (Open WebUI renames max_completion_tokens for some,
    Ollama reads only num_predict): a request naming a tiny one beside a large one is held for the large one."""
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    run(
        flt.inlet(
            {**body, "max_completion_tokens": 1, "max_tokens": 6000}, __user__=USER, __metadata__=key(), __model__=GPT
        )
    )
    prompt = tokens.prompt_tokens(body["messages"], flt._meter.counter())
    assert open_store(target_of(flt)).get_request("c1", "a1")["hold"] == (prompt + 6000) * PER_TOKEN


def test_a_regenerated_reply_is_a_new_message_charged_its_own_round(flt: Filter) -> None:
    """Regenerate answers the same question again as a new message; Open WebUI's guided regeneration sends the old
    reply as the last message (`regeneration_message_id`), which is a prompt, not a Continue: the new reply is
    charged its own round from the upstream's usage, and the old one's record stays as it was."""
    chat(flt, usage={"input_tokens": 11, "output_tokens": 5}, stream=False)  # the first reply, c1/a1
    first = open_store(target_of(flt)).get_usage("c1", "a1")
    before = balance(flt)
    old = {"role": "assistant", "content": "Hi there, friend."}
    messages = [{"role": "user", "content": "hello"}, old]
    metadata = {**key("c1", "a2"), "regeneration_message_id": "a1"}
    reply = {"role": "assistant", "content": "Hello again!", "id": "a2"}
    reply["usage"] = {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}

    async def regenerate() -> None:
        body = {"model": "gpt", "messages": messages, "stream": False}
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)
        out = {"model": "gpt", "chat_id": "c1", "id": "a2", "messages": [*messages, reply]}
        await finished(flt, out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter())

    run(regenerate())
    store = open_store(target_of(flt))
    record = store.get_usage("c1", "a2")
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (30, 12, 0)
    assert balance(flt) == before - 42 * PER_TOKEN
    assert store.get_usage("c1", "a1") == first


@pytest.mark.parametrize(
    "text",
    [
        "/redeem OWM-K7QX-M2PD-9HWC",
        "my code is owm k7qx m2pd 9hwc, is it valid?",
        "OWM–K7QX–M2PD–9HW",
        "K7QX-M2PD-9HWC",
    ],
)
def test_a_code_typed_into_an_ordinary_chat_never_reaches_the_model(flt: Filter, text: str) -> None:
    """A code belongs in the Usage Monitor: sent to another model it would reach that model's provider in full."""
    metadata = {"chat_id": "c1", "message_id": "a1", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": text}], "stream": True, "metadata": metadata}
    with pytest.raises(Exception, match=r"^That looks like a redemption code, so it was not sent to the model\."):
        run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__={"id": "gpt"}))
    assert open_store(target_of(flt)).one("SELECT COUNT(*) AS n FROM requests")["n"] == 0
    # Words that only look alike go through: a longer dashed token, no prefix in lower case, a code in a reply.
    for fine in ("ABCD-EFGH-JKLM-NPQR", "well-made-hats", "OWM is a name"):
        body["messages"] = [{"role": "user", "content": fine}]
        run(flt.inlet(body, __user__=USER, __metadata__={**metadata, "message_id": fine}, __model__={"id": "gpt"}))
