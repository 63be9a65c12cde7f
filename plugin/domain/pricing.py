"""Prices: where each one comes from, and what a message costs in integer micro-units.

Resolution, first hit wins, and the winner's name is recorded with the charge:
admin-set price for the model -> admin-set price for its base model (workspace models) ->
price reported by the connection's model list (OpenRouter-style, per token) for the model, then its base ->
the bundled catalogue's entry for the model's exact or normalised id, then its base's (`plugin/domain/catalogue.py`) ->
valve defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..money import MICRO, to_micro

PER = 1_000_000  # prices are per 1M tokens
MAX_INLET_COST = 1_000_000  # currency units: a pre-charge above this is a typo
# Anthropic bills a token written to its prompt cache at 1.25x the input rate (5-minute cache): the rate of cache
# writes, which no price source of ours gives apart.
CACHE_WRITE_FACTOR = (5, 4)


@dataclass(frozen=True)
class Price:
    """Micro-units per 1M tokens (input, output, cached input, reasoning), per request on top of the tokens, or
    per message instead of them; `minimum` is the least a reply with output costs; `source` says where it came
    from."""

    input: int
    output: int
    source: str
    cached_input: int | None = None
    per_message: int | None = None
    reasoning: int | None = None
    per_request: int | None = None
    minimum: int = 0

    def cost(
        self,
        input_tokens: int,
        output_tokens: int,
        cached_tokens: int = 0,
        reasoning_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> int:
        """What one assistant message costs. No output means nothing was delivered, so nothing is owed.

        Cached tokens (read from a cache) and cache writes are part of the input, and reasoning tokens part of the
        output (`tokens.reported_usage` puts them there whatever the provider's meaning): cached tokens with their
        own rate are billed at it instead of the input rate, cache writes at CACHE_WRITE_FACTOR times the input
        rate, reasoning tokens at theirs instead of the output rate; never twice.
        """
        if output_tokens <= 0:
            return 0
        if self.per_message is not None:
            return max(self.per_message, self.minimum)
        cached = min(max(cached_tokens, 0), input_tokens) if self.cached_input is not None else 0
        written = min(max(cache_write_tokens, 0), input_tokens - cached)
        reasoning = min(max(reasoning_tokens, 0), output_tokens) if self.reasoning is not None else 0
        numerator = (
            (input_tokens - cached - written) * self.input
            + cached * (self.cached_input or 0)
            + written * self.input * CACHE_WRITE_FACTOR[0] // CACHE_WRITE_FACTOR[1]
            + (output_tokens - reasoning) * self.output
            + reasoning * (self.reasoning or 0)
        )
        return max((numerator + PER // 2) // PER + (self.per_request or 0), self.minimum)


def defaults(input_per_1m: float, output_per_1m: float, per_msg: float) -> Price:
    return Price(
        input=to_micro(input_per_1m),
        output=to_micro(output_per_1m),
        per_message=to_micro(per_msg) if per_msg >= 0 else None,
        source="default",
    )


def from_admin_row(row: Mapping[str, Any], fallback: Price, source: str) -> Price | None:
    """A stored price row, or None when it sets nothing (then resolution falls through)."""
    if row.get("per_msg_price") is None and row.get("input_price") is None and row.get("output_price") is None:
        return None
    return Price(
        input=row["input_price"] if row.get("input_price") is not None else fallback.input,
        output=row["output_price"] if row.get("output_price") is not None else fallback.output,
        cached_input=row.get("cached_input_price"),
        per_message=row.get("per_msg_price"),
        reasoning=row.get("reasoning_price"),
        per_request=row.get("request_price"),
        source=source,
    )


def _reported(value: Any, scale: int) -> int | None:
    """A rate a connection reports as a string of currency -> micro-units per `scale` of its unit; None when it is
    absent or not a finite number, or negative ("variable", e.g. routers)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0:
        return None
    return int((number * scale * MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _per_token(value: Any) -> int | None:
    """OpenRouter gives currency per token as a string."""
    return _reported(value, PER)


def from_connection(model: Mapping[str, Any] | None, source: str) -> Price | None:
    """The `pricing` an OpenAI-compatible connection reported in its model list, if any."""
    if not model:
        return None
    pricing = model.get("pricing")
    if not isinstance(pricing, Mapping) and isinstance(model.get("openai"), Mapping):
        pricing = model["openai"].get("pricing")
    if not isinstance(pricing, Mapping):
        return None
    prompt, completion = (
        _per_token(pricing.get("prompt")),
        _per_token(pricing.get("completion")),
    )
    if prompt is None or completion is None:
        return None
    return Price(
        input=prompt,
        output=completion,
        cached_input=_per_token(pricing.get("input_cache_read")) if "input_cache_read" in pricing else None,
        reasoning=_per_token(pricing.get("internal_reasoning")) or None,  # "0": not priced apart from output
        per_request=_per_request(pricing.get("request")),
        source=source,
    )


def _per_request(value: Any) -> int | None:
    """OpenRouter's `request`: currency per request as a string; "0" or absent means none."""
    return _reported(value, 1) or None


def base_model_id(model: Mapping[str, Any] | None, stored: Mapping[str, Any] | None) -> str | None:
    """A workspace model's base: Open WebUI's own record first, then what an admin stored."""
    info = (model or {}).get("info")
    if isinstance(info, Mapping) and info.get("base_model_id"):
        return str(info["base_model_id"])
    if stored and stored.get("base_model_id"):
        return str(stored["base_model_id"])
    return None


def resolve(
    model_id: str,
    model: Mapping[str, Any] | None,
    *,
    admin_price: Callable[[str], Mapping[str, Any] | None],
    lookup_model: Callable[[str], Mapping[str, Any] | None],
    fallback: Price,
    catalogue: Callable[[str], Price | None] | None = None,
) -> Price:
    """The price for `model_id`, following the order in this module's docstring."""
    own = admin_price(model_id)
    if own and (price := from_admin_row(own, fallback, "admin")):
        return price
    base = base_model_id(model, own)
    if base and base != model_id:
        stored_base = admin_price(base)
        if stored_base and (price := from_admin_row(stored_base, fallback, f"admin:{base}")):
            return price
    if price := from_connection(model, "connection"):
        return price
    if base and base != model_id and (price := from_connection(lookup_model(base), f"connection:{base}")):
        return price
    if catalogue is not None and not _local(model) and not (base and _local(lookup_model(base))):
        if price := catalogue(model_id):
            return price
        if base and base != model_id and (price := catalogue(base)):
            return replace(price, source=f"catalogue:{base}")
    return fallback


def _local(model: Mapping[str, Any] | None) -> bool:
    """A model served by an Ollama connection: run on the admin's own hardware, so a cloud provider's catalogue
    price for a model of the same name (`deepseek-r1`) is not its price."""
    return bool(model) and str(model.get("owned_by") or "").casefold() == "ollama"  # type: ignore[union-attr]


def parse_cost_on_inlet(text: str) -> dict[str, int]:
    """`"0.1"` or `"default:0.05,gpt-4o:0.3,llama3:8b:0.2"` -> micro-units by model id ("" = every model).

    Model ids may contain colons (Ollama tags), so each pair splits on its last colon.
    """
    text = (text or "").strip()
    if not text:
        return {}
    try:
        return {"": _non_negative(text)}
    except ValueError:
        pass
    costs: dict[str, int] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        model, sep, amount = item.rpartition(":")
        model = model.strip()
        if not sep or not model:
            raise ValueError(f"cost_on_inlet: '{item}' is not 'model:cost'")
        costs["" if model == "default" else model] = _non_negative(amount, item)
    return costs


def _non_negative(text: str, item: str | None = None) -> int:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"cost_on_inlet: '{item or text}' has no valid number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"cost_on_inlet: '{item or text}' must be a number >= 0")
    if value > MAX_INLET_COST:  # also keeps Decimal's quantize within its precision
        raise ValueError(f"cost_on_inlet: '{item or text}' is larger than {MAX_INLET_COST}")
    return to_micro(value)


def inlet_cost(costs: Mapping[str, int], model_id: str) -> int:
    return costs.get(model_id, costs.get("", 0))
