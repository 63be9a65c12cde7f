"""What the functions do on each Open WebUI release: say which one they run on, bill nothing where users could write
their own charges (before 0.9), and settle the API calls Open WebUI 0.9 runs no outlet for.

The release is what the server's loaded `open_webui.env` module says, set here by a stand-in module."""

from __future__ import annotations

import asyncio
import logging
import sys
import types
from typing import Any

import pytest
from backends import target_of
from chats import USER, Emitter, chat, run

from plugin import openwebui
from plugin.app import follow, requests
from plugin.functions.action import Action
from plugin.functions.filter import Filter
from plugin.functions.pipe import Pipe
from plugin.openwebui import releases
from plugin.openwebui.releases import parse_version
from plugin.store import open_store

PER_TOKEN = 60  # micro-units a token at the default $60 per 1M tokens
GPT = {"id": "gpt"}
ADMIN = {"id": "adm", "name": "Ada", "email": "ada@example.com", "role": "admin"}


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch):
    """Run as if inside Open WebUI `version` (each test starts with no release logged yet)."""
    monkeypatch.setattr(releases, "_told", set())

    def use(version: str, **settings: Any) -> None:
        monkeypatch.setitem(sys.modules, "open_webui.env", types.SimpleNamespace(VERSION=version, **settings))

    return use


def balance(flt: Filter, user_id: str = "u-1") -> int:
    return open_store(target_of(flt)).get_user(user_id)["balance"]


def make_filter(db_target: str, backend: str, **valves: Any) -> Filter:
    flt = Filter()
    where = {"db_path": db_target} if backend == "sqlite" else {"database_url": db_target}
    flt.valves = flt.Valves(**where, init_balance=1.0, **valves)
    return flt


@pytest.mark.parametrize(
    "version,level,said",
    [
        ("0.10.2", logging.INFO, "openwebui_monitor {f}: Open WebUI 0.10.2"),
        ("0.12.4", logging.INFO, "openwebui_monitor {f}: Open WebUI 0.12.4"),
        ("0.13.1", logging.WARNING, "openwebui_monitor {f}: Open WebUI 0.13.1 is newer than 0.12.4, the newest tested"),
        ("0.8.12", logging.ERROR, "openwebui_monitor {f}: Open WebUI 0.8.12 is older than 0.9.0; nothing is billed"),
    ],
)
def test_each_function_logs_once_which_release_it_runs_on(
    release, caplog: pytest.LogCaptureFixture, version: str, level: int, said: str
) -> None:
    release(version)
    with caplog.at_level(logging.INFO):
        for function in (Filter, Pipe, Action, Filter, Pipe):  # Open WebUI loads a function again on a change
            function()
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("openwebui_monitor ")]
    lines = [line for line in lines if "runs no outlet for API calls" not in line[1]]  # 0.9's own, tested below
    expected = [(level, said.format(f=function)) for function in ("filter", "pipe", "action")]
    assert len(lines) == 3, lines
    assert [
        (found, message[: len(text)]) for (found, message), (_, text) in zip(lines, expected, strict=True)
    ] == expected


@pytest.mark.parametrize("version,warned", [("0.9.6", True), ("0.10.2", False), ("0.8.12", False)])
def test_on_0_9_the_filter_says_once_how_api_calls_are_charged(
    release, caplog: pytest.LogCaptureFixture, version: str, warned: bool
) -> None:
    release(version)
    with caplog.at_level(logging.INFO):
        Filter(), Filter(), Pipe()
    said = [r for r in caplog.records if "runs no outlet for API calls" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in said] == (
        [
            (
                logging.WARNING,
                f"openwebui_monitor filter: Open WebUI {version} runs no outlet for API calls: streamed ones are "
                "charged from their stream, others by estimate (their prompt and reserve_output_tokens); 0.10.0 and "
                "later, with ENABLE_API_OUTLET_FILTERS on, charge them exactly",
            )
        ]
        if warned
        else []
    )


def test_before_0_9_nothing_is_billed_and_admins_are_told_why(release, db_target: str, backend: str) -> None:
    """Open WebUI 0.8 runs outlets only on a body the browser writes: the Filter leaves every chat alone (no balance
    checked, no hold, no charge) and says so under an admin's replies, translated; a user sees nothing of it."""
    release("0.8.12")
    flt = make_filter(db_target, backend)
    store = open_store(target_of(flt))
    cases = [
        (USER, "en", ""),
        (ADMIN, "en", "Not billed: OpenWebUI Monitor bills nothing on Open WebUI 0.8.12, which lets the browser"),
        (ADMIN, "zh", "未计费：Open WebUI 0.8.12 允许浏览器填写计费用量"),
        (ADMIN, "es", "Sin facturar: OpenWebUI Monitor no factura nada en Open WebUI 0.8.12"),
    ]
    for who, lang, told in cases:
        flt.valves = flt.valves.model_copy(update={"language": lang})
        metadata = {"chat_id": "c1", "message_id": f"a-{who['id']}-{lang}", "model": GPT, "user_message": {}}
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True}
        emitter = Emitter()
        sent = run(flt.inlet(dict(body), __user__=who, __metadata__=metadata, __model__=GPT, __event_emitter__=emitter))
        assert sent == body  # not even usage asked for
        reply = {"role": "assistant", "content": "Hi.", "usage": {"input_tokens": 5, "output_tokens": 5}}
        out = {"model": "gpt", "chat_id": "c1", "id": metadata["message_id"], "messages": [*body["messages"], reply]}
        run(flt.outlet(out, __user__=who, __metadata__=metadata, __model__=GPT, __event_emitter__=emitter))
        run(flt.settled())
        assert [line[: len(told)] for line in emitter.descriptions] == ([told] if told else [])
        if told:
            assert "0.9.0" in emitter.descriptions[0]
    assert store.query("SELECT COUNT(*) AS n FROM ledger") == [{"n": 0}]
    assert store.query("SELECT COUNT(*) AS n FROM requests") == [{"n": 0}]
    # A redemption code still never reaches the model's provider.
    flt.valves = flt.valves.model_copy(update={"language": "en"})
    coded = {"model": "gpt", "messages": [{"role": "user", "content": "OWM-ABCD-EFGH-JKLM"}], "stream": True}
    with pytest.raises(Exception, match="redemption code"):
        run(flt.inlet(coded, __user__=USER, __metadata__={"chat_id": "c1", "message_id": "a9"}, __model__=GPT))


@pytest.mark.parametrize(
    "version,api_outlets,max_tokens,charged",
    [
        ("0.9.0", True, 3000, 3000),
        ("0.9.6", True, 3000, 3000),
        ("0.9.6", True, 5, 1000),
        ("0.10.2", True, 3000, None),
        ("0.12.4", False, 5, 1000),
    ],
)
def test_a_non_streamed_api_call_without_an_outlet(
    release,
    db_target: str,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    api_outlets: bool,
    max_tokens: int,
    charged: int | None,
) -> None:
    """Open WebUI 0.9 runs no outlet (and no stream hook) for a non-streamed API call, nor does a later one whose
    admin set ENABLE_API_OUTLET_FILTERS=false: nothing of the reply can be seen, so it costs its prompt and its output
    allowance (the call's max_tokens, never fewer than the `reserve_output_tokens` valve: a client's small max_tokens
    may be overridden by the model's own), estimated, rather than nothing. From 0.10 on the outlet comes; when it
    does not (the client hung up before any reply), nothing was produced."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.05)
    release(version, ENABLE_API_OUTLET_FILTERS=api_outlets)
    flt = make_filter(db_target, backend)
    store = open_store(target_of(flt))
    metadata: dict[str, Any] = {"chat_id": "", "message_id": None, "model": GPT, "user_message": None}
    messages = [{"role": "user", "content": "hello"}]

    async def api_call() -> None:
        body = {"model": "gpt", "messages": messages, "stream": False, "max_tokens": max_tokens}
        await asyncio.create_task(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT))
        await asyncio.sleep(0.3)
        await flt.settled()

    run(api_call())
    ours = metadata[requests.KEY]["message_id"]
    record = store.get_usage("", ours)
    if charged:
        assert store.get_request("", ours)["status"] == "expired"
        assert (record["output_tokens"], record["estimated"]) == (charged, 1)
        cost = (record["input_tokens"] + charged) * PER_TOKEN
        assert store.query("SELECT amount FROM ledger WHERE kind = 'charge'") == [{"amount": -cost}]
    else:
        assert store.get_request("", ours)["status"] == "released" and record is None


def test_0_9_hands_an_api_streams_hook_raw_lines_and_they_are_tallied(
    release, db_target: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 0.9 an API call's stream hook gets the upstream's `data: {...}` lines (bytes), not chunks, and no outlet
    follows: the reply is charged from the usage those lines carry as soon as `data: [DONE]` passes, and not before,
    though the task that ran the inlet ended long before (the lines keep coming within the grace of each other)."""
    monkeypatch.setattr(follow, "ABANDON_GRACE", 0.1)
    release("0.9.6")
    flt = make_filter(db_target, backend)
    store = open_store(target_of(flt))
    metadata: dict[str, Any] = {"chat_id": "", "message_id": None, "model": GPT, "user_message": None}
    lines = [
        b'data: {"id": "r1", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}\n',
        b"\n",
        'data: {"id": "r1", "choices": [{"index": 0, "delta": {"content": " there"}}]}\n',
        b"data: {not json\n",
        b'data: {"id": "r1", "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 7}}\n',
    ]

    async def api_stream() -> None:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True}
        await asyncio.create_task(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT))  # it ends
        ours = metadata[requests.KEY]["message_id"]
        for line in lines * 3:  # 0.6 s of lines, 40 ms apart: the stream outlives the task and its grace
            assert flt.stream(line, __metadata__=metadata) is line  # passed on as it came
            await asyncio.sleep(0.04)
            assert store.get_usage("", ours) is None
        flt.stream(b"data: [DONE]\n", __metadata__=metadata)
        await flt.settled()
        assert store.get_usage("", ours) is not None  # at once, not a grace later

    run(api_stream())
    ours = metadata[requests.KEY]["message_id"]
    record = store.get_usage("", ours)
    assert (record["input_tokens"], record["output_tokens"], record["estimated"]) == (12, 7, 0)
    assert store.query("SELECT amount FROM ledger WHERE kind = 'charge'") == [{"amount": -(12 + 7) * PER_TOKEN}]


@pytest.mark.parametrize("installed", ["0.12.4", None])
def test_a_server_that_calls_itself_0_0_0_is_not_taken_for_an_old_release(
    release, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, installed: str | None
) -> None:
    """Open WebUI says 0.0.0 when started other than by `open-webui serve` (uvicorn, gunicorn) without a package.json
    beside it: the installed package's version is read instead, else the release is unknown. Either way it bills."""
    import importlib.metadata

    def version(name: str) -> str:
        if installed is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return installed

    monkeypatch.setattr(importlib.metadata, "version", version)
    release("0.0.0")
    with caplog.at_level(logging.INFO):
        flt = Filter()
    assert flt._meter.release == (installed or "")
    assert releases.billable(flt._meter.release) and releases.api_outlets(flt._meter.release)
    assert releases.billable("0.0.0") and releases.api_outlets("0.0.0")
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("openwebui_monitor filter")]
    assert said == [f"openwebui_monitor filter: Open WebUI {installed or '(version unknown)'}"]


def test_users_are_listed_oldest_first_on_every_release() -> None:
    """`Users.get_users` takes `sort` from 0.11 on, and the same order inside `filter` before."""

    async def newer(filter: dict | None = None, sort: dict | None = None, skip: int = 0, limit: int = 50) -> dict:
        return {}

    async def older(filter: dict | None = None, skip: int = 0, limit: int = 50, db: Any = None) -> dict:
        return {}

    order = {"order_by": "created_at", "direction": "asc"}
    assert openwebui._oldest_first(newer) == {"sort": order}
    assert openwebui._oldest_first(older) == {"filter": order}


@pytest.mark.parametrize("version", ["0.9.6", "0.10.2", "0.11.4", "0.12.4"])
def test_a_non_streamed_continue_is_charged_its_round_on_every_release(
    release, db_target: str, backend: str, version: str
) -> None:
    """A Continue with streaming off: before 0.11 its outlet's message holds only the new round's text (Open WebUI
    does not join it to the reply it continues), from 0.11 the whole reply. Either way the round costs the same
    estimate of its prompt and its new text (give or take a token where the texts join); taking the earlier reply's
    tokens off the new round alone made it free."""
    release(version)
    flt = make_filter(db_target, backend)
    store = open_store(target_of(flt))
    first, more = "Hi there, friend.", " Foxes are small omnivores of the dog family, found on every continent."
    chat(flt, usage={"input_tokens": 11, "output_tokens": 5}, stream=False)  # the first round: c1/a1
    before = balance(flt)
    metadata = {"chat_id": "c1", "message_id": "a1", "model": GPT, "user_message": {}, "assistant_message_id": "a1"}
    messages = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": first}]
    whole = parse_version(version) >= (0, 11)
    reply = {"role": "assistant", "content": first + more if whole else more, "id": "a1"}

    async def continued() -> None:
        body = {"model": "gpt", "messages": messages, "stream": False, "metadata": metadata}
        await flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT)
        out = {"model": "gpt", "chat_id": "c1", "id": "a1", "messages": [*messages, reply]}
        await flt.outlet(out, __user__=USER, __metadata__=metadata, __model__=GPT, __event_emitter__=Emitter())
        await flt.settled()

    run(continued())
    count = flt._meter.counter()
    record = store.get_usage("c1", "a1")
    request = store.get_request("c1", "a1")
    new_tokens = count(first + more) - count(first) if whole else count(more)
    assert new_tokens > 10
    charged = before - balance(flt)
    assert charged == (request["input_tokens"] + new_tokens) * PER_TOKEN, (charged, request["input_tokens"], new_tokens)
    assert record["estimated"] == 1


@pytest.mark.parametrize("version,refused", [("0.9.6", True), ("0.10.2", False)])
def test_on_0_9_a_non_streamed_api_calls_hold_covers_its_estimate_not_only_cost_on_inlet(
    release, db_target: str, backend: str, version: str, refused: bool
) -> None:
    """The admin's `cost_on_inlet` sets a fixed pre-charge; on 0.9 a non-streamed API call is charged its estimate
    (prompt and output allowance) at its end, so it is held at least that much, else it could overdraw."""
    release(version)
    flt = make_filter(db_target, backend, cost_on_inlet="gpt:0.01")
    flt.valves = flt.valves.model_copy(update={"init_balance": 0.05})  # 50,000: the estimate is about 60,000
    metadata: dict[str, Any] = {"chat_id": "", "message_id": None, "model": GPT, "user_message": None}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": False}
    store = open_store(target_of(flt))
    if refused:
        with pytest.raises(Exception, match="Insufficient balance"):
            run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT))
        assert store.query("SELECT kind FROM ledger WHERE user_id = 'u-1' AND kind = 'hold'") == []
    else:
        run(flt.inlet(body, __user__=USER, __metadata__=metadata, __model__=GPT))
        (hold,) = store.query("SELECT amount FROM ledger WHERE user_id = 'u-1' AND kind = 'hold'")
        assert hold["amount"] == -10_000
