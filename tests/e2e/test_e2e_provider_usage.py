"""Each provider's meaning of its counts, as Open WebUI 0.12.4 hands them over (issue 16, rule 5).

A native Anthropic pipe passes Anthropic's usage on: `input_tokens` is only the uncached input, and cache reads
(`cache_read_input_tokens`) and cache writes (`cache_creation_input_tokens`) come on top of it. OpenAI's usage counts
cached tokens inside `prompt_tokens`. A tiny Pipe function installed in the real server yields one usage dict of each
shape after its text; the filter bills what the stream carried, with each meaning: cache reads at the cached-input
rate and Anthropic's cache writes at 1.25x the input rate, on top of the uncached input; OpenAI's cached tokens
inside the prompt, never twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from plugin.store import Store

from .owui import OpenWebUI
from .test_e2e_billing import BASE_VALVES, FID, ROOT, assert_explained, balance, topup

PIPE_ID = "e2e_provider_pipe"
PIPE_SOURCE = '''"""
title: e2e provider pipe
description: Streams a short reply, then the usage a provider reports, in the shape the prompt names.
"""


class Pipe:
    def __init__(self):
        pass

    def pipe(self, body: dict):
        prompt = str(body["messages"][-1].get("content") or "")
        if "anthropic" in prompt:
            usage = {"input_tokens": 50, "output_tokens": 5, "cache_read_input_tokens": 30,
                     "cache_creation_input_tokens": 20}
        else:
            usage = {"prompt_tokens": 100, "completion_tokens": 5, "total_tokens": 105,
                     "prompt_tokens_details": {"cached_tokens": 30}}

        def stream():
            yield "Cached "
            yield "reply."
            yield {"usage": usage}

        return stream()
'''
# Per 1M tokens, in micro-units: input 3, output 15, cached input 0.3 (an Anthropic-like admin price).
PRICE = {"input_price": 3_000_000, "output_price": 15_000_000, "cached_input_price": 300_000}
# Anthropic: 50 uncached x 3 + 30 cache reads x 0.3 + 20 cache writes x 3.75 + 5 x 15 = 150 + 9 + 75 + 75.
ANTHROPIC_COST = 309
# OpenAI: (100 - 30) x 3 + 30 x 0.3 + 5 x 15 = 210 + 9 + 75.
OPENAI_COST = 294


@pytest.fixture(scope="module")
def provider(owui: OpenWebUI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    source = tmp_path_factory.mktemp("pipe") / "pipe.py"
    source.write_text(PIPE_SOURCE)
    owui.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=BASE_VALVES)
    owui.install_function(PIPE_ID, "Provider pipe", source)
    owui.refresh_models()
    owui.create_model_record(PIPE_ID, "Provider pipe")
    store = Store(owui.data_dir / "openwebui_monitor" / "monitor.db")
    with store.immediate():
        store.set_price(PIPE_ID, **PRICE, actor="e2e")
    try:
        yield store
    finally:
        store.close()
        owui.delete_model_record(PIPE_ID)
        owui.delete_function(PIPE_ID)
        owui.delete_function(FID)


@pytest.mark.parametrize(
    ("shape", "tokens", "cost"),
    [("anthropic", (100, 5, 30), ANTHROPIC_COST), ("openai", (100, 5, 30), OPENAI_COST)],
)
@pytest.mark.parametrize("path", ["api", "fanout"])
def test_each_providers_usage_is_billed_with_its_own_meaning(
    owui: OpenWebUI,
    provider: Store,
    make_user: Callable[..., dict],
    shape: str,
    tokens: tuple[int, int, int],
    cost: int,
    path: str,
) -> None:
    db = provider
    user = make_user(f"usage-{shape}")
    topup(db, user, 1_000_000)
    prompt = f"a reply with {shape} usage"
    if path == "api":
        _status, result = owui.chat_api(user["token"], PIPE_ID, prompt, stream=True)
        assert result["text"] == "Cached reply."
        record = db.one("SELECT * FROM usage WHERE user_id = ?", (user["id"],))
    else:
        result: Any = owui.chat_saved(user["token"], PIPE_ID, prompt, stream=True, session_id="e2e-session")
        record = db.get_usage(result["chat_id"], result["assistant_id"])
    assert record is not None
    assert (record["input_tokens"], record["output_tokens"], record["cached_tokens"]) == tokens
    assert (record["estimated"], record["price_source"], record["cost"]) == (0, "admin", cost)
    assert balance(db, user) == 1_000_000 - cost
    assert_explained(db, user)
