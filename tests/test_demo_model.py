"""The demo model that `./scripts/serve` starts when no provider is configured: it must list `demo-model`,
answer streamed and plain requests, and report usage only when asked to, like a real provider."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_model", ROOT / "scripts" / "demo_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = load()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), demo.Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_lists_demo_model(base_url: str) -> None:
    assert [m["id"] for m in httpx.get(f"{base_url}/models").json()["data"]] == ["demo-model"]


def test_plain_answer_reports_usage(base_url: str) -> None:
    body = {"model": "demo-model", "messages": [{"role": "user", "content": "three words here"}]}
    answer = httpx.post(f"{base_url}/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == demo.REPLY
    assert answer["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": len(demo.REPLY.split()),
        "total_tokens": 3 + len(demo.REPLY.split()),
    }


@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_sends_the_reply_and_usage_only_when_asked(base_url: str, include_usage: bool) -> None:
    body = {
        "model": "demo-model",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "stream": True,
        "stream_options": {"include_usage": include_usage},
    }
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
    assert text == demo.REPLY
    usage = [c["usage"] for c in chunks if c.get("usage")]
    assert usage == (
        [
            {
                "prompt_tokens": 1,
                "completion_tokens": len(demo.REPLY.split()),
                "total_tokens": 1 + len(demo.REPLY.split()),
            }
        ]
        if include_usage
        else []
    )
