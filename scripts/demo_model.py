"""A stand-in model provider for `./scripts/serve` when no real one is configured.

It speaks just enough of the OpenAI API (``GET /v1/models``, ``POST /v1/chat/completions``, streamed or
not) for Open WebUI to list one model, ``demo-model``, and chat with it. Every answer is the same fixed
text, and every answer reports ``usage`` (tokens counted as whitespace-separated words), so the monitor has
real provider-reported numbers to bill without any API key or network. Loopback only; stdlib only, so it
lives outside ``plugin/`` and is never bundled into the functions.

Run: ``python scripts/demo_model.py --port 8081``; stop it with SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "demo-model"
REPLY = (
    "Hello! I am demo-model, a stand-in served by scripts/demo_model.py so you can try OpenWebUI Monitor "
    "without a model provider. I always give this answer, and I report my token usage, so the line above me "
    "shows what this reply cost. Now ask the Usage Monitor model for /usage."
)


def count_tokens(text: str) -> int:
    """A word count: the demo needs numbers that are plausible and repeatable, not a real tokenizer."""
    return max(1, len(text.split()))


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """The text of every message, with list-of-parts contents flattened."""
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return " ".join(parts)


class Handler(BaseHTTPRequestHandler):
    """The two endpoints; anything else is a 404 in OpenAI's error shape."""

    server_version = "demo-model/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the serve script's output is for the person running it."""

    def send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "demo", "name": "Demo model"}
            self.send_json(200, {"object": "list", "data": [model]})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except ValueError:
            self.send_json(400, {"error": {"message": "the body is not JSON"}})
            return
        usage = {"prompt_tokens": count_tokens(prompt_text(body.get("messages") or []))}
        usage["completion_tokens"] = count_tokens(REPLY)
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": MODEL_ID}
        if not body.get("stream"):
            choice = {"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}
            self.send_json(200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        chunk = {**base, "object": "chat.completion.chunk"}
        words = REPLY.split(" ")
        deltas = [{"role": "assistant", "content": ""}] + [{"content": w + " "} for w in words[:-1]]
        deltas.append({"content": words[-1]})
        for delta in deltas:
            self.event({**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            time.sleep(0.01)  # a visible stream, and a tokens-per-second figure that is not infinite
        self.event({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self.event({**chunk, "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")

    def event(self, data: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()


def stop(signum: int, frame: object) -> None:
    """SIGTERM ends the server like Ctrl-C does (serve_forever runs in the main thread)."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
