"""Admin price management (`domain/price_admin.py`): clear words, set, clear, copy and inherit prices, with hostile
input."""

from __future__ import annotations

import pytest
from people import ADMIN, MODELS, SQL, tables_intact

from plugin.domain import price_admin, pricing
from plugin.domain.price_admin import UNCHANGED, parse_price
from plugin.errors import InvalidAmount, NoAdminPrice, UnknownModel
from plugin.store import Store
from plugin.ui.admin_views import said
from plugin.words import i18n


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
