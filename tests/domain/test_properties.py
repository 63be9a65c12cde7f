"""Property tests: whatever people type and whatever shape a chat body has, the parsers raise only our own
clear errors, and the filter's outlet never crashes and never credits a balance."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from chats import finished
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin import money
from plugin.domain import pricing, ranges
from plugin.errors import InvalidAmount, InvalidRange
from plugin.functions.filter import Filter
from plugin.store import open_store
from plugin.ui import commands, parse

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NOW = 1_795_900_000.0

# Text that looks like what people type, plus anything at all.
WORDS = st.sampled_from(
    [
        "/usage",
        "/records",
        "/price set",
        "/balance add",
        "7d",
        "all",
        "用量",
        "uso",
        "user:",
        "sort:",
        "page:",
        "'",
        '"',
        "2026-11-01..2026-11-28",
        "-5",
        "1e309",
        "NaN",
        "DROP TABLE users;--",
        "llama3:8b:0.2",
        ",",
        ":",
        "\n",
        "```",
    ]
)
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=12).map(" ".join))


@SETTINGS
@given(TEXT)
def test_the_command_parser_never_raises(text: str) -> None:
    command = parse.parse(text)
    assert command.name in commands.PUBLIC | commands.ADMIN
    parse.qualifiers(command.args)


@SETTINGS
@given(TEXT)
def test_ranges_raise_only_invalid_range(text: str) -> None:
    try:
        rng = ranges.parse(text, now=NOW, tz=None)
    except InvalidRange:
        return
    assert rng.start is None or rng.end is None or rng.start < rng.end


@SETTINGS
@given(TEXT)
def test_amounts_raise_only_invalid_amount(text: str) -> None:
    try:
        micro = money.parse_amount(text, allow_negative=True)
    except InvalidAmount:
        return
    assert isinstance(micro, int) and abs(micro) <= money.MAX_MICRO


@SETTINGS
@given(TEXT)
def test_cost_on_inlet_raises_only_its_value_error(text: str) -> None:
    try:
        costs = pricing.parse_cost_on_inlet(text)
    except ValueError as exc:
        assert str(exc).startswith("cost_on_inlet")
        return
    assert all(isinstance(v, int) and v >= 0 for v in costs.values())


# -- outlet bodies of any shape --------------------------------------------------------------------------------

NUMBER = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
)
USAGE = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["input_tokens", "output_tokens", "prompt_tokens", "completion_tokens", "total_tokens"]),
        NUMBER,
    ),
    st.dictionaries(st.text(max_size=10), NUMBER, max_size=4),
    st.text(max_size=10),
)
CONTENT = st.one_of(
    st.none(),
    st.text(max_size=200),
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"type": st.just("text"), "text": st.one_of(st.text(max_size=50), st.none())}),
            st.fixed_dictionaries(
                {"type": st.just("image_url"), "image_url": st.just({"url": "data:image/png;base64,"})}
            ),
            st.integers(),
        ),
        max_size=4,
    ),
    st.integers(),
)
MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", 3]), "content": CONTENT}),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": CONTENT, "usage": USAGE}),
    st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": CONTENT, "info": st.fixed_dictionaries({"usage": USAGE})}
    ),
    st.none(),
    st.text(max_size=5),
)
BODY = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=4)}),
    st.fixed_dictionaries({"messages": st.one_of(st.none(), st.text(max_size=5), st.integers())}),
    st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.text(max_size=8)), max_size=3),
)
_turns = itertools.count()


@SETTINGS
@given(body=BODY)
def test_outlet_bodies_of_any_shape_never_crash_and_never_credit(tmp_path_factory, body: dict) -> None:
    path: Path = tmp_path_factory.getbasetemp() / "properties.db"
    flt = Filter()
    flt.valves = flt.Valves(db_path=str(path), init_balance=1.0, cost_on_inlet="0")
    user = {"id": "u-prop", "name": "P", "email": "p@example.com", "role": "user"}
    turn = f"a{next(_turns)}"
    metadata = {"chat_id": "c", "message_id": turn, "model": {"id": "gpt"}, "user_message": {}}
    inlet_body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "metadata": metadata}
    store = open_store(path)
    with store.immediate():  # an earlier example's huge token count may have spent it all: top it up again
        store.ensure_user(user["id"], user["name"], user["email"], user["role"])
        if store.get_user(user["id"])["balance"] < 1_000_000:
            store.append_ledger(user["id"], "topup", 1_000_000 - store.get_user(user["id"])["balance"], actor="test")
    # Read before the inlet: the inlet takes the reply's hold, which the outlet gives back.
    before = store.get_user("u-prop")["balance"]
    asyncio.run(flt.inlet(inlet_body, __user__=user, __metadata__=metadata, __model__={"id": "gpt"}))
    out = {**body, "model": "gpt", "chat_id": "c", "id": turn}
    result = asyncio.run(finished(flt, out, __user__=user, __metadata__=metadata, __model__={"id": "gpt"}))
    assert result is not None
    assert store.get_user("u-prop")["balance"] <= before
    assert store.reconcile() == []
