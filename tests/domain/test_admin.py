"""Admin operations: amounts, finding users, balances, blocking and prices, with hostile input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from backends import table_names

from plugin import money
from plugin.domain import accounts, billing, price_admin, pricing
from plugin.domain.price_admin import UNCHANGED, parse_price
from plugin.errors import (
    AmbiguousUser,
    InvalidAmount,
    NegativeBalance,
    NoAdminPrice,
    UnknownModel,
    UnknownUser,
    UserBlocked,
)
from plugin.money import parse_amount
from plugin.store import Store
from plugin.ui.admin_views import said
from plugin.words import i18n

ADMIN = "admin-1"
SQL = "x'; DROP TABLE users;--"

DIRECTORY = [
    {"id": "u-ann", "name": "Ann Lee", "email": "ann@example.com", "role": "user"},
    {"id": "u-bob", "name": "Bob", "email": "bob@example.com", "role": "admin"},
    {"id": "u-bobby", "name": "Bobby Tables", "email": "bobby@school.org", "role": "user"},
    {"id": "u-zh", "name": "张三", "email": "zhang@example.cn", "role": "user"},
    {"id": "u-sql", "name": SQL, "email": "robert'); DROP TABLE ledger;--@x.org", "role": "user"},
]
MODELS = [
    {"id": "llama3:8b", "name": "Llama 3 8B"},
    {"id": "openrouter/anthropic/claude-3.5", "name": "Claude 3.5"},
    {"id": "gpt-4o", "name": "GPT-4o"},
    {"id": "my-helper", "name": "My Helper", "info": {"base_model_id": "gpt-4o"}},
    {"id": "my-writer", "name": "My Writer", "info": {"base_model_id": "gpt-4o"}},
    {"id": "my-coder", "name": "My Coder", "info": {"base_model_id": "llama3:8b"}},
    {"id": SQL, "name": "Hostile"},
]


def user(store: Store, user_id: str = "u-ann", balance: int = 0) -> str:
    with store.immediate():
        store.ensure_user(user_id, user_id.title(), f"{user_id}@example.com", "user")
        if balance:
            store.append_ledger(user_id, "topup", balance, actor="test")
    return user_id


def tables_intact(store: Store) -> None:
    names = table_names(store)
    assert {"users", "ledger", "usage", "prices", "requests"} <= names


# -- amounts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("10", 10_000_000),
        ("10.5", 10_500_000),
        (".5", 500_000),
        ("10.", 10_000_000),
        ("$10", 10_000_000),
        ("¥10", 10_000_000),
        ("￥１０．５", 10_500_000),  # full-width, as a Chinese input method types it
        ("10元", 10_000_000),
        ("10 USD", 10_000_000),
        ("€ 0.000001", 1),
        ("1,000.25", 1_000_250_000),
        ("1,000,000", 1_000_000_000_000),
        ("0.1000000", 100_000),  # trailing zeros beyond six places are still exact
        ("+3", 3_000_000),
        ("  7  ", 7_000_000),
        ("007", 7_000_000),
        ("1000000000", money.MAX_MICRO),
        (5, 5_000_000),
        (Decimal("2.25"), 2_250_000),
    ],
)
def test_amounts_that_are_read(text, micro: int) -> None:
    assert parse_amount(text) == micro


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "$",
        ".",
        "abc",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e309",
        "1e3",
        "1E-3",
        "0x10",
        "1_000",
        "1,000",  # a thousand, or one in Spanish: refused rather than guessed
        "10,5",
        "1,00",
        "1.2.3",
        "1.0000001",  # below a micro-unit
        "1000000000.000001",  # above the cap
        "9" * 40,
        "9" * 5000,
        "-5",  # negative where not meaningful
        "$-5",
        "--5",
        "5-",
        "¥¥5",
        "٣",  # Arabic-Indic digit: not what an admin of this tool types
        SQL,
        "10; DROP TABLE users",
        True,
        1.5,
        None,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-1"),
        10**30,
    ],
)
def test_amounts_that_are_refused(text) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert len(caught.value.params["text"]) <= money.MAX_TEXT  # a huge input is not echoed whole


def test_negative_amounts_only_where_asked() -> None:
    assert parse_amount("-5", allow_negative=True) == -5_000_000
    assert parse_amount("-$5", allow_negative=True) == -5_000_000
    assert parse_amount("$-5.5", allow_negative=True) == -5_500_000
    assert parse_amount("−2", allow_negative=True) == -2_000_000  # the Unicode minus sign
    assert parse_amount("-0", allow_negative=False) == 0
    with pytest.raises(InvalidAmount):
        parse_amount("-1000000001", allow_negative=True)


def test_prices_clear_words_and_negative_per_message() -> None:
    assert parse_price(None) is UNCHANGED
    assert parse_price("off") is None
    assert parse_price("关闭") is None
    assert parse_price("-1", per_message=True) is None  # the original's -1: no per-message price
    assert parse_price("0", per_message=True) == 0  # free per message is a price
    assert parse_price("2.5") == 2_500_000
    with pytest.raises(InvalidAmount):
        parse_price("-1")
    with pytest.raises(InvalidAmount):
        parse_price("1000001")  # above the price cap


# -- finding users ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ANN@example.com", "u-ann"),  # exact email, any case
        ("u-bob", "u-bob"),  # exact id
        ("bob", "u-bob"),  # exact name wins over the substring that also matches Bobby
        ("ann lee", "u-ann"),
        ("tables", "u-bobby"),  # unique substring of a name
        ("school.org", "u-bobby"),  # unique substring of an email
        ("张", "u-zh"),
        ("Bobby Tables <bobby@school.org>", "u-bobby"),  # as the candidate list shows people
        (SQL, "u-sql"),  # a hostile name is just a name
        ("  u-ann  ", "u-ann"),
    ],
)
def test_find_user(store: Store, query: str, expected: str) -> None:
    found = accounts.find_user(DIRECTORY, store, query)
    assert found["id"] == expected
    assert store.get_user(expected) is not None  # the row now exists, for users who never chatted
    tables_intact(store)


def test_find_user_creates_the_row_with_the_initial_balance_once(store: Store) -> None:
    found = accounts.find_user(DIRECTORY, store, "ann@example.com", init_balance=3_000_000)
    assert found["created"] is True and found["balance"] == 3_000_000 and found["blocked"] is False
    again = accounts.find_user(DIRECTORY, store, "ann@example.com", init_balance=3_000_000)
    assert again["created"] is False and again["balance"] == 3_000_000
    assert [(r["kind"], r["amount"], r["actor"]) for r in store.ledger_for("u-ann")] == [("topup", 3_000_000, "system")]
    # The filter must not give the initial balance a second time at the first chat.
    billing.admit(
        store,
        billing.Member("u-ann", "Ann Lee", "ann@example.com"),
        chat_id="c",
        message_id="m",
        model_id="gpt",
        hold=0,
        init_balance=3_000_000,
    )
    assert store.get_user("u-ann")["balance"] == 3_000_000
    assert store.reconcile() == []


def test_find_user_refreshes_the_profile_from_the_directory(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u-ann", "Old Name", "old@example.com", "user")
    accounts.find_user(DIRECTORY, store, "ann@example.com")
    row = store.get_user("u-ann")
    assert (row["name"], row["email"]) == ("Ann Lee", "ann@example.com")


def test_users_who_left_open_webui_are_still_found(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u-gone", "Gone Person", "gone@example.com", "user")
    assert accounts.find_user(DIRECTORY, store, "gone@example.com")["id"] == "u-gone"


def test_ambiguous_user_lists_candidates_capped(store: Store) -> None:
    with pytest.raises(AmbiguousUser) as caught:
        accounts.find_user(DIRECTORY, store, "bo")
    candidates = caught.value.params["candidates"]
    assert "- Bob <bob@example.com>" in candidates and "- Bobby Tables <bobby@school.org>" in candidates
    assert "Ann" not in candidates
    many = [{"id": f"u{i}", "name": f"Sam {i}", "email": f"sam{i}@x.org"} for i in range(25)]
    with pytest.raises(AmbiguousUser) as caught:
        accounts.find_user(many, store, "sam")
    lines = caught.value.params["candidates"].splitlines()
    assert len(lines) == accounts.MAX_CANDIDATES + 1 and lines[-1] == "- … (+15)"
    assert "sam" in caught.value.message("en")


def test_two_people_with_one_exact_name_are_ambiguous(store: Store) -> None:
    twins = [*DIRECTORY, {"id": "u-bob2", "name": "BOB", "email": "bob2@example.com"}]
    with pytest.raises(AmbiguousUser):
        accounts.find_user(twins, store, "bob")


@pytest.mark.parametrize("query", ["", "   ", "nobody", "u-", "%", "_", "*", SQL + "x", "a" * 10_000])
def test_unknown_user(store: Store, query: str) -> None:
    # Ids match only exactly; "%" and "_" are not wildcards here.
    with pytest.raises(UnknownUser) as caught:
        accounts.find_user(DIRECTORY, store, query)
    assert len(caught.value.params["query"]) <= 80
    assert store.all_users() == []  # nothing was created
    tables_intact(store)


def test_substring_of_one_email_is_unique(store: Store) -> None:
    assert accounts.find_user(DIRECTORY, store, "ann@example")["id"] == "u-ann"


# -- balances -----------------------------------------------------------------------------------------------


def test_set_balance_writes_one_set_row_for_the_difference(store: Store) -> None:
    user(store, balance=2_000_000)
    change = accounts.set_balance(store, "u-ann", 5_500_000, ADMIN, "prize")
    assert (change.old, change.new, change.delta) == (2_000_000, 5_500_000, 3_500_000)
    last = store.ledger_for("u-ann")[-1]
    assert (last["kind"], last["amount"], last["balance_after"], last["actor"], last["reason"]) == (
        "set",
        3_500_000,
        5_500_000,
        ADMIN,
        "prize",
    )
    down = accounts.set_balance(store, "u-ann", 0, ADMIN)
    assert down.delta == -5_500_000 and store.get_user("u-ann")["balance"] == 0
    assert said(change, "en") == "Balance of U-Ann (u-ann@example.com) set to $5.5000 (was $2.0000)."
    assert store.reconcile() == []


@pytest.mark.parametrize("amount", [-1, money.MAX_MICRO + 1])
def test_set_balance_refuses_negative_and_absurd(store: Store, amount: int) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(InvalidAmount):
        accounts.set_balance(store, "u-ann", amount, ADMIN)
    assert store.get_user("u-ann")["balance"] == 1_000_000 and len(store.ledger_for("u-ann")) == 1


def test_balance_ops_on_unknown_user(store: Store) -> None:
    for op in (
        lambda: accounts.set_balance(store, SQL, 1, ADMIN),
        lambda: accounts.add_balance(store, SQL, 1, ADMIN),
        lambda: accounts.block(store, SQL, True, ADMIN),
    ):
        with pytest.raises(UnknownUser):
            op()
    assert store.query("SELECT COUNT(*) AS n FROM ledger")[0]["n"] == 0
    tables_intact(store)


def test_add_balance_topup_and_deduction(store: Store) -> None:
    user(store, balance=1_000_000)
    up = accounts.add_balance(store, "u-ann", 2_500_000, ADMIN, "bonus")
    assert (up.key, up.old, up.new) == ("balance_added", 1_000_000, 3_500_000)
    down = accounts.add_balance(store, "u-ann", -3_500_000, ADMIN)
    assert (down.key, down.new) == ("balance_deducted", 0)
    kinds = [(r["kind"], r["amount"], r["actor"]) for r in store.ledger_for("u-ann")[1:]]
    assert kinds == [("topup", 2_500_000, ADMIN), ("adjust", -3_500_000, ADMIN)]
    assert said(down, "es") == "Se descontó $3.5000 del saldo de U-Ann (u-ann@example.com): $3.5000 → $0.0000."
    assert store.reconcile() == []


def test_deduction_below_zero_is_refused_and_changes_nothing(store: Store) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(NegativeBalance) as caught:
        accounts.add_balance(store, "u-ann", -1_000_001, ADMIN)
    assert caught.value.params["balance"] == "$1.0000"
    for lang in i18n.LANGUAGES:
        assert "1.0000" in caught.value.message(lang)
    assert store.get_user("u-ann")["balance"] == 1_000_000 and len(store.ledger_for("u-ann")) == 1


@pytest.mark.parametrize("amount", [0, money.MAX_MICRO + 1, -(money.MAX_MICRO + 1)])
def test_add_balance_refuses_zero_and_absurd(store: Store, amount: int) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(InvalidAmount):
        accounts.add_balance(store, "u-ann", amount, ADMIN)
    assert len(store.ledger_for("u-ann")) == 1


def test_balance_may_not_grow_past_the_cap(store: Store) -> None:
    user(store, balance=money.MAX_MICRO)
    with pytest.raises(InvalidAmount):
        accounts.add_balance(store, "u-ann", 1, ADMIN)
    assert store.get_user("u-ann")["balance"] == money.MAX_MICRO


# -- blocking -----------------------------------------------------------------------------------------------


def test_block_is_audited_and_enforced_and_idempotent(store: Store) -> None:
    user(store, balance=5_000_000)
    done = accounts.block(store, "u-ann", True, ADMIN)
    assert (done.key, done.changed) == ("user_blocked_done", True)
    again = accounts.block(store, "u-ann", True, ADMIN)
    assert (again.key, again.changed) == ("user_already_blocked", False)
    refused = billing.admit(
        store, billing.Member("u-ann"), chat_id="c", message_id="m", model_id="gpt", hold=0, init_balance=0
    )
    assert isinstance(refused, billing.Refusal) and isinstance(refused.error, UserBlocked)
    assert accounts.block(store, "u-ann", False, ADMIN).key == "user_unblocked_done"
    assert accounts.block(store, "u-ann", False, ADMIN).key == "user_already_unblocked"
    audit = [(r["kind"], r["amount"], r["actor"], r["reason"]) for r in store.ledger_for("u-ann")[1:]]
    assert audit == [("adjust", 0, ADMIN, "blocked"), ("adjust", 0, ADMIN, "unblocked")]
    assert store.get_user("u-ann")["balance"] == 5_000_000
    assert store.reconcile() == []


# -- prices -------------------------------------------------------------------------------------------------


def resolve(store: Store, model_id: str, model: dict | None = None) -> pricing.Price:
    fallback = pricing.defaults(60, 60, -1)
    return pricing.resolve(model_id, model, admin_price=store.get_price, lookup_model=lambda _: None, fallback=fallback)


@pytest.mark.parametrize("model_id", ["llama3:8b", "openrouter/anthropic/claude-3.5", SQL])
def test_set_price_for_awkward_model_ids(store: Store, model_id: str) -> None:
    change = price_admin.set_price(store, model_id, models=MODELS, actor=ADMIN, input="1.5", output="$2")
    assert change.model_id == model_id
    row = store.get_price(model_id)
    assert (row["input_price"], row["output_price"], row["per_msg_price"], row["updated_by"]) == (
        1_500_000,
        2_000_000,
        None,
        ADMIN,
    )
    price = resolve(store, model_id)
    assert (price.input, price.output, price.source) == (1_500_000, 2_000_000, "admin")
    tables_intact(store)


def test_set_price_changes_only_what_is_given_and_per_message_off(store: Store) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="5", output="15", cached_input="2.5")
    price_admin.set_price(store, "GPT-4O", models=MODELS, actor=ADMIN, per_msg="0.02")  # id in any case
    row = store.get_price("gpt-4o")
    assert (row["input_price"], row["output_price"], row["cached_input_price"], row["per_msg_price"]) == (
        5_000_000,
        15_000_000,
        2_500_000,
        20_000,
    )
    assert row["name"] == "GPT-4o"
    assert resolve(store, "gpt-4o").cost(1000, 1000) == 20_000  # the per-message price wins
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, per_msg="-1")
    assert store.get_price("gpt-4o")["per_msg_price"] is None
    price_admin.set_price(store, "Claude 3.5", models=MODELS, actor=ADMIN, per_msg="0")  # by display name
    assert store.get_price("openrouter/anthropic/claude-3.5")["per_msg_price"] == 0
    cleared = price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, cached_input="off")
    message = said(cleared, "en")
    assert "$5.0000" in message and "not set" in message
    for lang in i18n.LANGUAGES:
        assert "gpt-4o" in said(price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="5"), lang)


def test_workspace_model_price_stores_its_base(store: Store) -> None:
    price_admin.set_price(store, "my-helper", models=MODELS, actor=ADMIN, input="1", output="1")
    assert store.get_price("my-helper")["base_model_id"] == "gpt-4o"


def test_unsetting_every_price_removes_the_row(store: Store) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="5")
    change = price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="off")
    assert change.key == "price_cleared" and store.get_price("gpt-4o") is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"input": "-1"},
        {"output": "NaN"},
        {"input": "1e309"},
        {"cached_input": "1.0000001"},
        {"per_msg": "-inf"},
        {"input": SQL},
        {"input": "5", "output": "1e3"},  # one bad value spoils the whole change
    ],
)
def test_set_price_refuses_bad_amounts_and_changes_nothing(store: Store, kwargs: dict) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="9", output="9")
    with pytest.raises(InvalidAmount):
        price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, **kwargs)
    row = store.get_price("gpt-4o")
    assert (row["input_price"], row["output_price"]) == (9_000_000, 9_000_000)


@pytest.mark.parametrize("model_id", ["", "nope", "llama3", "gpt-4o ; DROP TABLE prices", SQL + "'", "%", "*"])
def test_unknown_model(store: Store, model_id: str) -> None:
    with pytest.raises(UnknownModel):
        price_admin.set_price(store, model_id, models=MODELS, actor=ADMIN, input="1")
    with pytest.raises(UnknownModel):
        price_admin.clear_price(store, model_id, models=MODELS, actor=ADMIN)
    assert store.all_prices() == []
    tables_intact(store)


def test_models_only_in_the_price_table_are_known(store: Store) -> None:
    price_admin.set_price(store, "old-model", models=[*MODELS, {"id": "old-model"}], actor=ADMIN, input="1")
    change = price_admin.set_price(store, "old-model", models=MODELS, actor=ADMIN, output="2")  # gone from Open WebUI
    assert change.price["output_price"] == 2_000_000
    assert price_admin.clear_price(store, "old-model", models=MODELS, actor=ADMIN).key == "price_cleared"
    with pytest.raises(UnknownModel):
        price_admin.clear_price(store, "old-model", models=MODELS, actor=ADMIN)


def test_models_may_be_passed_as_a_mapping(store: Store) -> None:
    by_id = {m["id"]: m for m in MODELS}
    assert price_admin.set_price(store, "llama3:8b", models=by_id, actor=ADMIN, input="1").model_id == "llama3:8b"


def test_clear_price_falls_through_to_the_base(store: Store) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3", output="4")
    price_admin.set_price(store, "my-helper", models=MODELS, actor=ADMIN, input="1", output="1")
    helper = MODELS[3]
    assert resolve(store, "my-helper", helper).source == "admin"
    assert price_admin.clear_price(store, "my-helper", models=MODELS, actor=ADMIN).key == "price_cleared"
    assert resolve(store, "my-helper", helper).source == "admin:gpt-4o"
    assert price_admin.clear_price(store, "my-helper", models=MODELS, actor=ADMIN).key == "price_not_set"


def test_copy_price(store: Store) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3", output="4", per_msg="0.5")
    price_admin.set_price(store, "llama3:8b", models=MODELS, actor=ADMIN, cached_input="9", input="1")
    change = price_admin.copy_price(store, "gpt-4o", "llama3:8b", models=MODELS, actor="admin-2")
    row = store.get_price("llama3:8b")
    assert (row["input_price"], row["output_price"], row["cached_input_price"], row["per_msg_price"]) == (
        3_000_000,
        4_000_000,
        None,
        500_000,
    )
    assert (row["updated_by"], row["name"], change.source) == ("admin-2", "Llama 3 8B", "gpt-4o")
    assert "gpt-4o" in said(change, "zh") and "llama3:8b" in said(change, "es")


def test_copy_price_needs_a_source_price_and_known_models(store: Store) -> None:
    with pytest.raises(NoAdminPrice):
        price_admin.copy_price(store, "gpt-4o", "llama3:8b", models=MODELS, actor=ADMIN)
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3")
    with pytest.raises(UnknownModel):
        price_admin.copy_price(store, "gpt-4o", SQL + "?", models=MODELS, actor=ADMIN)
    with pytest.raises(UnknownModel):
        price_admin.copy_price(store, "missing", "gpt-4o", models=MODELS, actor=ADMIN)
    assert [row["model_id"] for row in store.all_prices()] == ["gpt-4o"]


def test_inherit_base_prices(store: Store) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3", output="4")
    price_admin.set_price(store, "my-writer", models=MODELS, actor=ADMIN, input="7")  # has its own: kept
    result = price_admin.inherit_base_prices(store, MODELS, actor=ADMIN)
    # my-coder's base (llama3:8b) has no admin price, so it is left alone.
    assert result.copied == [("my-helper", "gpt-4o")]
    helper = store.get_price("my-helper")
    assert (helper["input_price"], helper["output_price"], helper["base_model_id"], helper["updated_by"]) == (
        3_000_000,
        4_000_000,
        "gpt-4o",
        ADMIN,
    )
    assert store.get_price("my-writer")["input_price"] == 7_000_000
    assert store.get_price("my-coder") is None
    assert "my-helper ← gpt-4o" in said(result, "en")
    again = price_admin.inherit_base_prices(store, MODELS, actor=ADMIN)
    assert again.copied == [] and again.key == "prices_inherited_none"


def test_every_result_renders_in_every_language(store: Store) -> None:
    user(store, balance=1_000_000)
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3")
    results = [
        accounts.set_balance(store, "u-ann", 2_000_000, ADMIN),
        accounts.add_balance(store, "u-ann", 1_000_000, ADMIN),
        accounts.add_balance(store, "u-ann", -1_000_000, ADMIN),
        accounts.block(store, "u-ann", True, ADMIN),
        accounts.block(store, "u-ann", True, ADMIN),
        accounts.block(store, "u-ann", False, ADMIN),
        accounts.block(store, "u-ann", False, ADMIN),
        price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, output="1"),
        price_admin.copy_price(store, "gpt-4o", "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.clear_price(store, "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.clear_price(store, "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.inherit_base_prices(store, MODELS, actor=ADMIN),
        price_admin.inherit_base_prices(store, MODELS, actor=ADMIN),
    ]
    for result in results:
        texts = {lang: said(result, lang, "¥") for lang in i18n.LANGUAGES}
        assert len(set(texts.values())) == len(i18n.LANGUAGES), result.key  # really translated
        assert all("{" not in text for text in texts.values())
    assert store.reconcile() == []
