"""Regenerate `plugin/domain/catalogue_data.py` from LiteLLM's public price file: `python -m plugin catalogue-build
litellm-X.whl` (or the JSON itself). Get the wheel with `pip download litellm --no-deps`.

A repository tool, never bundled: the Functions carry only the trimmed table (chat models of mainstream
providers, the rates billing uses), because Open WebUI re-reads every active Function's whole text per chat.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..domain.catalogue import normalise

FILE_NAME = "model_prices_and_context_window_backup.json"
# LiteLLM's `litellm_provider` values we keep: the providers people connect Open WebUI to directly.
PROVIDERS = (
    "openai",
    "anthropic",
    "gemini",
    "mistral",
    "deepseek",
    "xai",
    "groq",
    "cohere_chat",
    "perplexity",
    "moonshot",
)
SKIPPED_PREFIXES = ("ft:",)  # fine-tune templates: not a model anyone can call by that id
_WHEEL_VERSION = re.compile(r"^litellm-([^-]+)-")
PER_MILLION = Decimal(10) ** 6
MICRO = Decimal(10) ** 6


class BuildError(Exception):
    """The input is not a LiteLLM price file (or a wheel holding one)."""


def load(path: Path) -> tuple[dict[str, Any], str]:
    """The price file's content and a description of where it came from (wheel version and member name)."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            members = [n for n in wheel.namelist() if n.endswith("/" + FILE_NAME)]
            if not members:
                raise BuildError(f"{path.name} holds no {FILE_NAME}")
            data = json.loads(wheel.read(members[0]))
        match = _WHEEL_VERSION.match(path.name)
        version = f"litellm {match.group(1)} wheel" if match else path.name
        source = f"{version}, {members[0]}"
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        source = path.name
    if not isinstance(data, dict):
        raise BuildError("the price file is not a JSON object")
    return data, source


def _per_million(value: Any) -> Decimal | None:
    """Currency per token -> currency per 1M tokens, exact to the micro-unit (what billing stores)."""
    return _rounded(value, PER_MILLION)


def _rounded(value: Any, scale: Decimal) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value)) * scale
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0:
        return None
    return (number * MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP) / MICRO


def _word(value: Decimal | None) -> str:
    if value is None:
        return "-"
    text = format(value.normalize(), "f")
    return text


def rows(data: Mapping[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """The kept entries as table rows: chat models of PROVIDERS with an input and an output rate, sorted by id;
    where every variant of a normalised id has one price, only one of them is kept (matching finds it for all)."""
    kept: dict[str, tuple[str, str, str, str, str]] = {}
    for model_id, spec in data.items():
        if not isinstance(spec, Mapping) or spec.get("mode") != "chat":
            continue
        if spec.get("litellm_provider") not in PROVIDERS or model_id.startswith(SKIPPED_PREFIXES):
            continue
        if any(c.isspace() for c in model_id):
            continue
        input_rate = _per_million(spec.get("input_cost_per_token"))
        output_rate = _per_million(spec.get("output_cost_per_token"))
        if input_rate is None or output_rate is None:
            continue
        kept[model_id] = (
            _word(input_rate),
            _word(output_rate),
            _word(_per_million(spec.get("cache_read_input_token_cost"))),
            _word(_per_million(spec.get("output_cost_per_reasoning_token"))),
            _word(_rounded(spec.get("input_cost_per_request"), Decimal(1))),
        )
    groups: dict[str, list[str]] = {}
    for model_id in kept:
        groups.setdefault(normalise(model_id), []).append(model_id)
    result: list[tuple[Any, ...]] = []
    for key, ids in groups.items():
        if len({kept[i] for i in ids}) == 1:  # one price for every variant: one entry, which matching finds for all
            plain = [i for i in ids if i.casefold() == key]
            ids = plain or [min(ids, key=lambda i: (len(i), i))]
        # Otherwise every variant stays: a dated id is then matched exactly or not at all (never the plain price).
        result.extend((i, *kept[i]) for i in ids)
    return sorted(result)


def render(data: Mapping[str, Any], source: str, date: str) -> str:
    """The text of `plugin/domain/catalogue_data.py`."""
    lines = "\n".join(" ".join(row) for row in rows(data))
    return (
        '"""Model prices bundled with the monitor: generated by `python -m plugin catalogue-build`, do not edit.\n\n'
        "Trimmed from LiteLLM's public price file (MIT licence): chat models of the providers in\n"
        "`plugin/tools/catalogue_build.py`. One model per line: id, then currency per 1M input, output, cached-input\n"
        'and reasoning tokens, then currency per request; `-` where LiteLLM gives no rate.\n"""\n\n'
        f"SOURCE = {json.dumps(source)}\n"
        f"DATE = {json.dumps(date)}\n"
        f'TABLE = """\n{lines}\n"""\n'
    )


def build(path: Path, out: Path, *, date: str | None = None) -> int:
    """Write the data module; the number of models kept."""
    data, source = load(path)
    text = render(data, source, date or datetime.now(UTC).strftime("%Y-%m-%d"))
    out.write_text(text, encoding="utf-8")
    return text.count("\n", text.index('TABLE = """')) - 2
