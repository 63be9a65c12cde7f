"""A tiny, deterministic OpenAI-compatible upstream for the e2e tests.

Runs a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon thread.

Models (``GET /v1/models``):

* ``fake-gpt``      - normal model, reports usage.
* ``fake-priced``   - same, and carries OpenRouter-style per-token ``pricing`` strings.
* ``fake-nousage``  - never reports usage (no ``usage`` key, no usage chunk).
* ``fake-tools``    - emits OpenAI tool calls (see below). Listed only when :attr:`FakeUpstream.tools_model` is
  true (``FakeUpstream(tools_model=True)``, or set it on the shared fixture and refresh Open WebUI's models), so
  the other tests' model lists (and "Test all models") are unchanged; its chat requests are answered either way.

A test can make a listed model fail on purpose: add its id to :attr:`FakeUpstream.failing` and every chat
request for it answers HTTP 500 (the model list is unchanged, so tests counting models are unaffected).

``POST /v1/chat/completions`` answers :data:`REPLY_TEXT` (unless ``[chunks ...]``). Usage is
:data:`PROMPT_TOKENS` / :data:`COMPLETION_TOKENS` unless the *last user message* contains
markers (see :func:`parse_markers`):

* ``[usage 1234 567]`` -> prompt_tokens 1234, completion_tokens 567
* ``[cached 100]``     -> ``prompt_tokens_details.cached_tokens = 100``
* ``[reasoning 7]``    -> ``completion_tokens_details.reasoning_tokens = 7``
* ``[delay 2.5]``      -> sleep 2.5 s before answering (slow chats)
* ``[continue 12 7]``  -> for a *continuation* request (the request's last message is an
  assistant message, as sent by Open WebUI's "Continue"), prompt 12 / completion 7 instead
* ``[chunks 400 0.02]`` -> a slow reply: 400 content pieces :data:`CHUNK_PIECE` (each
  :data:`CHUNK_TOKENS` token, by tiktoken and by the 4-characters heuristic alike), streamed 0.02 s
  apart; its completion_tokens are 400 x :data:`CHUNK_TOKENS` unless ``[usage ...]`` says otherwise.
  How many pieces were written before the client went away is in :attr:`RecordedRequest.sent`.

Note: Open WebUI 0.12.4 only sums a Continue round into the stored usage when that round's usage
differs from the stored one (``models/chat_messages.py`` compares ``usage == existing_usage``), so
use ``[continue ...]`` to make the two rounds distinguishable.

Use :func:`expected_usage` in tests to compute what the upstream reports for a message.

Streaming sends a role chunk, content chunks, a ``finish_reason: "stop"`` chunk, then -
only if the request had ``stream_options.include_usage`` true and the model is not
``fake-nousage`` - ONE ``{"choices": [], "usage": {...}}`` chunk, then ``data: [DONE]``.

``fake-tools`` (only it) reads a script from the last user message and answers round by round. The round
index k is the number of assistant messages carrying ``tool_calls`` after the last user message:

* ``[call NAME key=value key="a value" ...]`` (zero or more, in order) -> round k < number of calls answers ONE
  tool call of the k-th: id ``call_<k>_<hex>``, ``function.name`` NAME, ``function.arguments`` the JSON object of
  the pairs (every value a string), ``finish_reason: "tool_calls"``, content null (streamed: no content delta);
  once the calls are used up it answers the text :data:`TOOLS_READ` + the content of the request's last
  ``role: "tool"`` message (or :data:`NO_TOOL_RESULT`), cut to 300 characters, ``finish_reason: "stop"``.
* ``[loop]``  -> every round is a tool call of ``balance`` with ``{}`` (it never stops).
* ``[say TEXT]`` -> once the calls are done, the answer is TEXT (up to the ``]``) instead of what the last tool
  returned.
* ``[fail]``  -> HTTP 500 with an OpenAI error body.
* ``[delay S]`` sleeps before every round; ``[usage P C]`` (or the default usage) is reported by every round.

Streamed, a tool call is a role chunk (content null), a delta with the call's id, type and name (arguments
``""``), the arguments in at least two ``{"tool_calls": [{"index": 0, "function": {"arguments": ...}}]}``
deltas, the ``finish_reason: "tool_calls"`` chunk, the usage chunk (with ``include_usage``) and ``[DONE]``.
Use :func:`tool_calls`, :func:`tool_round` and :func:`tools_answer` in tests to know what a round answers.

Every chat request body is recorded in :attr:`FakeUpstream.requests` (with metadata such as
``include_usage`` in :attr:`FakeUpstream.records`; thread-safe), including task-like requests
(title/tags/follow-ups), which get the same answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY_TEXT = "Hello from fake model."
# The streamed reply is split into these pieces; "".join(REPLY_CHUNKS) == REPLY_TEXT.
REPLY_CHUNKS = ("Hello ", "from fake ", "model.")
PROMPT_TOKENS = 11
COMPLETION_TOKENS = 5

MODEL_GPT = "fake-gpt"
MODEL_NOUSAGE = "fake-nousage"
MODEL_PRICED = "fake-priced"
MODEL_IDS = (MODEL_GPT, MODEL_NOUSAGE, MODEL_PRICED)
MODEL_TOOLS = "fake-tools"  # listed only with FakeUpstream.tools_model; see the module docstring
TOOLS_READ = "Fake assistant read: "
NO_TOOL_RESULT = "no tool result"
TOOLS_READ_LIMIT = 300  # characters of the last tool message that the text answer quotes
# OpenRouter style: USD per token, as strings.
PRICED_PRICING = {"prompt": "0.000001", "completion": "0.000002"}

_USAGE_RE = re.compile(r"\[usage\s+(\d+)\s+(\d+)\]")
_CACHED_RE = re.compile(r"\[cached\s+(\d+)\]")
_REASONING_RE = re.compile(r"\[reasoning\s+(\d+)\]")
_DELAY_RE = re.compile(r"\[delay\s+([0-9]*\.?[0-9]+)\]")
_CONTINUE_RE = re.compile(r"\[continue\s+(\d+)\s+(\d+)\]")
_CHUNKS_RE = re.compile(r"\[chunks\s+(\d+)\s+([0-9]*\.?[0-9]+)\]")
# One piece of a ``[chunks N gap]`` reply: one token by cl100k_base and by the heuristic (4 characters a token).
CHUNK_PIECE = " tok"
CHUNK_TOKENS = 1
_SAY_RE = re.compile(r"\[say\s+([^\]]+)\]")
_CALL_RE = re.compile(r'\[call\s+([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_]\w*=(?:"[^"]*"|[^\s"\]]*))*)\s*\]')
_ARG_RE = re.compile(r'([A-Za-z_]\w*)=(?:"([^"]*)"|([^\s"\]]*))')
_LOOP, _FAIL = "[loop]", "[fail]"


@dataclass
class Markers:
    prompt_tokens: int = PROMPT_TOKENS
    completion_tokens: int = COMPLETION_TOKENS
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    delay: float = 0.0
    chunks: int = 0  # a slow reply of this many CHUNK_PIECEs (0: the usual REPLY_CHUNKS)
    chunk_gap: float = 0.0  # seconds between two of them


def _text_of(content: Any) -> str:
    """Flatten an OpenAI message ``content`` (str or list of parts) to text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def is_continuation(messages: list[dict]) -> bool:
    """True when the request ends with an assistant message (Open WebUI "Continue")."""
    return bool(messages) and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant"


def parse_markers(text: str, continuation: bool = False) -> Markers:
    markers = Markers()
    if m := _CHUNKS_RE.search(text):
        markers.chunks, markers.chunk_gap = int(m.group(1)), float(m.group(2))
        markers.completion_tokens = markers.chunks * CHUNK_TOKENS
    if m := _USAGE_RE.search(text):
        markers.prompt_tokens, markers.completion_tokens = int(m.group(1)), int(m.group(2))
    if continuation and (m := _CONTINUE_RE.search(text)):
        markers.prompt_tokens, markers.completion_tokens = int(m.group(1)), int(m.group(2))
    if m := _CACHED_RE.search(text):
        markers.cached_tokens = int(m.group(1))
    if m := _REASONING_RE.search(text):
        markers.reasoning_tokens = int(m.group(1))
    if m := _DELAY_RE.search(text):
        markers.delay = float(m.group(1))
    return markers


def expected_usage(text: str = "", continuation: bool = False) -> dict:
    """The ``usage`` object the upstream reports for a last user message ``text``
    (``continuation``: the request ends with an assistant message, i.e. a Continue)."""
    markers = parse_markers(text, continuation)
    usage: dict[str, Any] = {
        "prompt_tokens": markers.prompt_tokens,
        "completion_tokens": markers.completion_tokens,
        "total_tokens": markers.prompt_tokens + markers.completion_tokens,
    }
    if markers.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": markers.cached_tokens}
    if markers.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": markers.reasoning_tokens}
    return usage


def tool_calls(text: str) -> list[tuple[str, dict[str, str]]]:
    """The ``[call NAME key=value ...]`` markers of ``text``, in order: (NAME, {key: value})."""
    return [
        (m.group(1), {key: quoted or bare for key, quoted, bare in _ARG_RE.findall(m.group(2))})
        for m in _CALL_RE.finditer(text)
    ]


def tool_round(messages: list[dict]) -> int:
    """How many assistant messages carrying ``tool_calls`` follow the last user message."""
    rounds = 0
    for message in reversed(messages or []):
        if not isinstance(message, dict) or message.get("role") == "user":
            break
        if message.get("role") == "assistant" and message.get("tool_calls"):
            rounds += 1
    return rounds


def last_tool_text(messages: list[dict]) -> str | None:
    """The content of the request's last ``role: "tool"`` message, or None."""
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "tool":
            return _text_of(message.get("content"))
    return None


def tools_answer(messages: list[dict]) -> tuple[str, dict[str, str]] | str:
    """What ``fake-tools`` answers this request: a tool call (NAME, arguments) or the text of its reply."""
    text = last_user_text(messages)
    if _LOOP in text:
        return ("balance", {})
    calls, k = tool_calls(text), tool_round(messages)
    if k < len(calls):
        return calls[k]
    said = _SAY_RE.search(text)
    if said:  # the words a test wants its answer to show (a picture for the README)
        return said.group(1)
    read = last_tool_text(messages)
    return TOOLS_READ + (NO_TOOL_RESULT if read is None else read[:TOOLS_READ_LIMIT])


TASK_HINTS = ("### Task:", "Generate a concise", "Generate 1-3 broad tags", "follow-up questions")


@dataclass
class RecordedRequest:
    path: str
    body: dict
    model: str
    stream: bool
    include_usage: bool
    last_user: str
    continuation: bool = False
    headers: dict = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)
    sent: int = 0  # content pieces of a streamed reply written so far
    hung_up: bool = False  # the client went away before the stream's end
    finished: bool = False  # the whole streamed reply (and [DONE]) was written

    @property
    def is_task_like(self) -> bool:
        """Heuristic: title/tags/follow-up/... generation prompts sent by Open WebUI tasks."""
        return any(hint in self.last_user for hint in TASK_HINTS)


def _models_payload(tools_model: bool = False) -> dict:
    created = 1700000000
    data = []
    for model_id in (*MODEL_IDS, MODEL_TOOLS) if tools_model else MODEL_IDS:
        entry: dict[str, Any] = {"id": model_id, "object": "model", "created": created, "owned_by": "fake"}
        if model_id == MODEL_PRICED:
            entry["pricing"] = dict(PRICED_PRICING)
        data.append(entry)
    return {"object": "list", "data": data}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- helpers -----------------------------------------------------------------------------
    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_json(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {}
        return body if isinstance(body, dict) else {}

    # --- routes ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/v1/models", "/models"):
            self._send_json(200, _models_payload(self.server.owner.tools_model))
        elif path in ("", "/", "/health"):
            self._send_json(200, {"status": True})
        else:
            self._send_json(404, {"error": {"message": f"not found: {self.path}"}})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(404, {"error": {"message": f"not found: {self.path}"}})
            return
        body = self._read_json()
        model = str(body.get("model") or "")
        stream = bool(body.get("stream"))
        stream_options = body.get("stream_options") or {}
        include_usage = bool(isinstance(stream_options, dict) and stream_options.get("include_usage"))
        messages = body.get("messages") or []
        last_user = last_user_text(messages)
        continuation = is_continuation(messages)
        record = RecordedRequest(
            path=path,
            body=body,
            model=model,
            stream=stream,
            include_usage=include_usage,
            last_user=last_user,
            continuation=continuation,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        self.server.owner._record(record)
        if model not in (*MODEL_IDS, MODEL_TOOLS):
            self._send_json(404, {"error": {"message": f"model {model!r} not found", "type": "invalid_request"}})
            return
        if model in self.server.owner.failing:
            self._send_json(500, {"error": {"message": f"fake upstream failure for {model}", "type": "server_error"}})
            return

        if model == MODEL_TOOLS and _FAIL in last_user:
            self._send_json(500, {"error": {"message": "fake tools model failure", "type": "server_error"}})
            return

        markers = parse_markers(last_user, continuation)
        if markers.delay > 0:
            time.sleep(markers.delay)
        usage = None if model == MODEL_NOUSAGE else expected_usage(last_user, continuation)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        pieces = (CHUNK_PIECE,) * markers.chunks if markers.chunks else REPLY_CHUNKS
        if model == MODEL_TOOLS:
            answer = tools_answer(messages)
            if isinstance(answer, str):
                pieces = (answer[: len(answer) // 2], answer[len(answer) // 2 :])
            else:
                self._tool_call(completion_id, created, model, usage, answer, tool_round(messages), body, record)
                return
        if stream:
            self._stream(
                completion_id, created, model, usage if include_usage else None, pieces, markers.chunk_gap, record
            )
        else:
            payload: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(pieces)},
                        "finish_reason": "stop",
                    }
                ],
            }
            if usage is not None:
                payload["usage"] = usage
            self._send_json(200, payload)

    def _tool_call(
        self,
        completion_id: str,
        created: int,
        model: str,
        usage: dict | None,
        call: tuple[str, dict[str, str]],
        k: int,
        body: dict,
        record: RecordedRequest,
    ) -> None:
        """Answer one tool call, streamed as OpenAI streams one (arguments in pieces) or as one message."""
        name, arguments = call
        call_id = f"call_{k}_{uuid.uuid4().hex[:8]}"
        args = json.dumps(arguments)
        if not body.get("stream"):
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}],
            }
            payload = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                "usage": usage,
            }
            self._send_json(200, payload)
            return
        half = max(1, len(args) // 2)
        start = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        deltas = [{"tool_calls": [start]}] + [
            {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} for piece in (args[:half], args[half:])
        ]
        self._stream(
            completion_id,
            created,
            model,
            usage if record.include_usage else None,
            (),
            0.0,
            record,
            deltas=deltas,
            finish_reason="tool_calls",
        )

    def _stream(
        self,
        completion_id: str,
        created: int,
        model: str,
        usage: dict | None,
        pieces: tuple[str, ...],
        gap: float,
        record: RecordedRequest,
        *,
        deltas: list[dict] | None = None,
        finish_reason: str = "stop",
    ) -> None:
        """Stream ``pieces`` as content deltas, or ``deltas`` as they are (a tool call: no content at all)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(choices: list, **extra: Any) -> bytes:
            obj = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(obj)}\n\n".encode()

        role = {"role": "assistant", "content": None if deltas is not None else ""}
        head = [chunk([{"index": 0, "delta": role, "finish_reason": None}])]
        tail = [chunk([{"index": 0, "delta": {}, "finish_reason": finish_reason}])]
        if deltas is None:
            deltas = [{"content": piece} for piece in pieces]
        if usage is not None:
            tail.append(chunk([], usage=usage))
        tail.append(b"data: [DONE]\n\n")
        try:
            for part in head:
                self.wfile.write(part)
                self.wfile.flush()
            for n, delta in enumerate(deltas):
                if n and gap:
                    time.sleep(gap)
                self.wfile.write(chunk([{"index": 0, "delta": delta, "finish_reason": None}]))
                self.wfile.flush()
                record.sent += 1
            for part in tail:
                self.wfile.write(part)
                self.wfile.flush()
            record.finished = True
        except (BrokenPipeError, ConnectionResetError):
            record.hung_up = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FakeUpstream


class FakeUpstream:
    """OpenAI-compatible fake on 127.0.0.1:<free port>. ``base_url`` ends with ``/v1``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tools_model: bool = False) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.failing: set[str] = set()  # model ids whose chat requests answer HTTP 500
        self.tools_model = tools_model  # list MODEL_TOOLS in GET /v1/models (its chats are answered regardless)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeUpstream:
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-upstream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeUpstream not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/v1"

    # --- recorded traffic --------------------------------------------------------------------
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    @property
    def records(self) -> list[RecordedRequest]:
        """A snapshot copy of all recorded chat requests with metadata (oldest first)."""
        with self._lock:
            return list(self._requests)

    @property
    def requests(self) -> list[dict]:
        """A snapshot copy of the received chat request bodies (oldest first)."""
        return [r.body for r in self.records]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def records_containing(self, text: str) -> list[RecordedRequest]:
        """Recorded requests whose last user message contains ``text`` (use a unique nonce)."""
        return [r for r in self.records if text in r.last_user]
