from __future__ import annotations

import pytest

from plugin.domain import pricing
from plugin.domain.pricing import Price

DEFAULT = pricing.defaults(60, 60, -1)


def resolve(model_id, model=None, admin=None, models=None):
    admin = admin or {}
    models = models or {}
    return pricing.resolve(model_id, model, admin_price=admin.get, lookup_model=models.get, fallback=DEFAULT)


def test_to_micro_is_exact_for_decimal_amounts() -> None:
    assert pricing.to_micro(0.1) == 100_000
    assert pricing.to_micro("0.000001") == 1
    assert pricing.to_micro(60) == 60_000_000


def test_cost_by_tokens_matches_the_formula() -> None:
    price = Price(input=pricing.to_micro(0.15), output=pricing.to_micro(0.6), source="x")
    # 100 in + 20 out at 0.15/0.60 per 1M = 0.000027: the original rounded this to 0, we keep 27 micro-units.
    assert price.cost(100, 20) == 27
    assert DEFAULT.cost(1000, 500) == 90_000  # the inventory's worked example: 0.09


def test_cost_rounds_half_up_to_the_micro_unit() -> None:
    price = Price(input=1_500_000, output=0, source="x")  # 1.5 per 1M tokens
    assert price.cost(1, 1) == 2  # 1.5 micro-units -> 2
    assert Price(input=1_400_000, output=0, source="x").cost(1, 1) == 1


def test_zero_output_costs_nothing_even_per_message() -> None:
    assert DEFAULT.cost(5000, 0) == 0
    assert Price(input=0, output=0, per_message=50_000, source="x").cost(10, 0) == 0
    assert Price(input=0, output=0, per_message=50_000, source="x").cost(10, 1) == 50_000


def test_cached_tokens_use_their_own_price_only_when_set() -> None:
    price = Price(input=2_000_000, output=0, cached_input=500_000, source="x")
    assert price.cost(1000, 1, cached_tokens=400) == (600 * 2_000_000 + 400 * 500_000) // 1_000_000
    assert Price(input=2_000_000, output=0, source="x").cost(1000, 1, cached_tokens=400) == 2000


def test_defaults_with_a_per_message_price() -> None:
    assert pricing.defaults(60, 60, 0.02).per_message == 20_000
    assert pricing.defaults(60, 60, -1).per_message is None


def test_admin_price_wins_and_is_named() -> None:
    admin = {"m": {"input_price": 1_000_000, "output_price": 2_000_000, "per_msg_price": None}}
    models = {"m": {"id": "m", "pricing": {"prompt": "0.5", "completion": "0.5"}}}
    price = resolve("m", models["m"], admin, models)
    assert (price.input, price.output, price.source) == (1_000_000, 2_000_000, "admin")


def test_admin_row_that_sets_nothing_falls_through() -> None:
    admin = {"m": {"input_price": None, "output_price": None, "per_msg_price": None, "base_model_id": None}}
    assert resolve("m", None, admin).source == "default"


def test_workspace_model_inherits_its_base_models_price() -> None:
    admin = {"gpt-4o": {"input_price": 2_500_000, "output_price": 10_000_000, "per_msg_price": None}}
    model = {"id": "my-helper", "info": {"base_model_id": "gpt-4o"}}
    price = resolve("my-helper", model, admin)
    assert (price.input, price.source) == (2_500_000, "admin:gpt-4o")


def test_stored_base_model_is_used_when_open_webui_has_none() -> None:
    admin = {
        "alias": {"input_price": None, "output_price": None, "per_msg_price": None, "base_model_id": "real"},
        "real": {"input_price": 7, "output_price": 8, "per_msg_price": None},
    }
    assert resolve("alias", {"id": "alias"}, admin).source == "admin:real"


def test_connection_pricing_per_token_becomes_per_million() -> None:
    model = {"id": "or/x", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    price = resolve("or/x", model)
    assert (price.input, price.output, price.source) == (1_000_000, 2_000_000, "connection")


def test_connection_pricing_reads_cache_reasoning_and_request_rates_and_zero_means_none() -> None:
    reported = {
        "prompt": "0.000001",
        "completion": "0.000002",
        "input_cache_read": "0.0000005",
        "internal_reasoning": "0.000003",
        "request": "0.005",
    }
    price = resolve("or/x", {"id": "or/x", "pricing": reported})
    assert (price.cached_input, price.reasoning, price.per_request) == (500_000, 3_000_000, 5_000)
    for unpriced in ("0", "-1", "n/a"):
        other = resolve(
            "or/x", {"id": "or/x", "pricing": {**reported, "internal_reasoning": unpriced, "request": unpriced}}
        )
        assert (other.input, other.reasoning, other.per_request) == (1_000_000, None, None), unpriced


def test_connection_pricing_under_openai_key_and_for_the_base() -> None:
    base = {"id": "b", "openai": {"pricing": {"prompt": "0.000003", "completion": "0.000015"}}}
    model = {"id": "ws", "info": {"base_model_id": "b"}}
    price = resolve("ws", model, models={"b": base})
    assert (price.input, price.output, price.source) == (3_000_000, 15_000_000, "connection:b")


@pytest.mark.parametrize("bad", [{"prompt": "-1", "completion": "-1"}, {"prompt": "abc", "completion": "1"}, "free"])
def test_unusable_connection_pricing_falls_back_to_defaults(bad) -> None:
    assert resolve("x", {"id": "x", "pricing": bad}).source == "default"


def test_parse_cost_on_inlet() -> None:
    assert pricing.parse_cost_on_inlet("0") == {"": 0}
    assert pricing.parse_cost_on_inlet("") == {}
    assert pricing.parse_cost_on_inlet("0.1") == {"": 100_000}
    costs = pricing.parse_cost_on_inlet("default:0.05, gpt-4:0.3,llama3:8b:0.2 ,")
    assert costs == {"": 50_000, "gpt-4": 300_000, "llama3:8b": 200_000}
    assert pricing.inlet_cost(costs, "llama3:8b") == 200_000
    assert pricing.inlet_cost(costs, "other") == 50_000
    assert pricing.inlet_cost({"gpt-4": 1}, "other") == 0


@pytest.mark.parametrize("bad", ["gpt-4", "gpt-4:-1", "gpt-4:abc", ":0.1", "-0.5", "a:inf"])
def test_parse_cost_on_inlet_rejects_nonsense(bad: str) -> None:
    with pytest.raises(ValueError, match="cost_on_inlet"):
        pricing.parse_cost_on_inlet(bad)
