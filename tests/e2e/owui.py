"""Start a real Open WebUI 0.12.4 server for e2e tests and talk to it over its REST API.

The server is ``<venv>/bin/open-webui serve --host 127.0.0.1 --port <free>`` with its own DATA_DIR,
offline, with a fake OpenAI-compatible upstream (see ``fake_upstream.py``). Everything is loopback.

Chat paths (``POST /api/chat/completions``; see the research reference section 7.5):

* :meth:`OpenWebUI.chat_api` - API path: ``{model, messages, stream}`` only. No chat is saved,
  ``chat_id`` is ``''`` in filters, the assistant id is a random ``msg_<hex>``.
* :meth:`OpenWebUI.chat_saved` - saved-chat path. A new chat is
  ``{model, messages, stream, parent_id: None, user_message: {id, role, content, parentId: None,
  timestamp}, id: <new assistant id>}``; a follow-up adds ``chat_id`` and sets ``parent_id`` and
  ``user_message.parentId`` to the previous assistant id. Without ``session_id`` the call is
  synchronous (stream answers ``null`` when everything is finished; non-stream answers OpenAI JSON)
  and the chat id is not returned. Passing ``session_id=...`` (any string) takes the UI's fan-out
  path: the call returns ``{status, task_ids, chat_id}`` at once and the work finishes in background.
* :meth:`OpenWebUI.chat_continue` - "Continue" of an existing assistant message (body documented there).
* :meth:`OpenWebUI.chat_start` + :meth:`OpenWebUI.stop_chat` - a fan-out turn started without waiting, then the
  UI's stop button (``POST /api/tasks/chat/{chat_id}/stop``).
* :meth:`OpenWebUI.chat_api_hangup` - an API client that closes its stream after some chunks.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-pass-e2e"
ADMIN_NAME = "Admin"
SECRET_KEY = "e2e-test-secret-key-not-for-production"
PUBLIC_READ = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]


class OpenWebUIError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Open WebUI releases other than the one in the test environment, one virtualenv each (built by `scripts/test`).
OTHER_VERSIONS_DIR = Path(__file__).resolve().parents[2] / ".venv-owui"


def open_webui_executable(version: str | None = None) -> str:
    """The `open-webui` command of the test environment, or of the release `version` from `.venv-owui/`."""
    exe = (OTHER_VERSIONS_DIR / version / "bin" if version else Path(sys.executable).parent) / "open-webui"
    if not exe.exists():
        raise OpenWebUIError(f"open-webui executable not found: {exe}")
    return str(exe)


def _new_id() -> str:
    return str(uuid.uuid4())


class OpenWebUI:
    """One Open WebUI server process. Use :meth:`start` / :meth:`stop` (or a ``with`` block)."""

    def __init__(
        self,
        data_dir: str | os.PathLike,
        upstream_base_url: str,
        *,
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
        start_timeout: float = 240.0,
        http_timeout: float = 60.0,
        version: str | None = None,
    ) -> None:
        self.executable = open_webui_executable(version)
        self.data_dir = Path(data_dir)
        self.upstream_base_url = upstream_base_url
        self.extra_env = dict(extra_env or {})
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.log_path = self.data_dir / "server.log"
        self.admin_token: str = ""
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._log_file = None
        self._client = httpx.Client(base_url=self.base_url, timeout=http_timeout)

    # ------------------------------------------------------------------------------------------
    # process lifecycle
    # ------------------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATA_DIR": str(self.data_dir),
                "OFFLINE_MODE": "true",
                "HF_HUB_OFFLINE": "1",
                "ENABLE_OLLAMA_API": "false",
                "RAG_EMBEDDING_ENGINE": "openai",
                "WEBUI_SECRET_KEY": SECRET_KEY,
                "OPENAI_API_BASE_URL": self.upstream_base_url,
                "OPENAI_API_KEY": "sk-fake",
                "WEBUI_ADMIN_EMAIL": ADMIN_EMAIL,
                "WEBUI_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "WEBUI_ADMIN_NAME": ADMIN_NAME,
                "ENABLE_API_KEYS": "true",
                "ENABLE_TITLE_GENERATION": "false",
                "ENABLE_TAGS_GENERATION": "false",
                "ENABLE_FOLLOW_UP_GENERATION": "false",
                "ENABLE_AUTOCOMPLETE_GENERATION": "false",
                "ENABLE_VERSION_UPDATE_CHECK": "false",
                "ANONYMIZED_TELEMETRY": "false",
                "DO_NOT_TRACK": "true",
                "SCARF_NO_ANALYTICS": "true",
                # never let the test server reach for a proxy
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> OpenWebUI:
        if self._proc is not None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        started = time.monotonic()
        self._proc = subprocess.Popen(
            [self.executable, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.data_dir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so stop() can end any child too
        )
        try:
            self._wait_healthy(started)
            self.start_seconds = time.monotonic() - started
            self.admin_token = self.signin(ADMIN_EMAIL, ADMIN_PASSWORD)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self, started: float) -> None:
        assert self._proc is not None
        while True:
            if self._proc.poll() is not None:
                raise OpenWebUIError(f"open-webui exited early with code {self._proc.returncode}\n{self.log_tail()}")
            try:
                r = self._client.get("/health", timeout=5)
                if r.status_code == 200 and r.json() == {"status": True}:
                    return
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() - started > self.start_timeout:
                raise OpenWebUIError(f"open-webui not healthy after {self.start_timeout:.0f}s\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self._client.close()

    def kill(self) -> None:
        """``kill -9`` of the server's whole process group: no shutdown hook, no flush, no outlet runs."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self._client.close()

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (also the id of its process group), else ``None``."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def __enter__(self) -> OpenWebUI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no server log>"
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------------------------------
    # HTTP helpers
    # ------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        check: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request with ``Authorization: Bearer <token>`` (admin token by default)."""
        headers = {"Authorization": f"Bearer {token or self.admin_token}"} if (token or self.admin_token) else {}
        r = self._client.request(method, path, headers=headers, **kwargs)
        if check and not r.is_success:
            raise OpenWebUIError(f"{method} {path} -> {r.status_code}: {r.text}")
        return r

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    # ------------------------------------------------------------------------------------------
    # auth and users
    # ------------------------------------------------------------------------------------------
    def signin(self, email: str, password: str) -> str:
        r = self._client.post("/api/v1/auths/signin", json={"email": email, "password": password})
        if not r.is_success:
            raise OpenWebUIError(f"signin {email} -> {r.status_code}: {r.text}")
        return r.json()["token"]

    def add_user(self, name: str, email: str, password: str, role: str = "user") -> dict:
        """Admin-created user; the answer includes ``id`` and ``token``."""
        body = {"name": name, "email": email, "password": password, "role": role}
        return self._json("POST", "/api/v1/auths/add", json=body)

    # ------------------------------------------------------------------------------------------
    # functions
    # ------------------------------------------------------------------------------------------
    def get_function(self, fid: str) -> dict | None:
        """The full function record, or ``None``. (0.12.4 answers 401 for an unknown id.)"""
        r = self.request("GET", f"/api/v1/functions/id/{fid}", check=False)
        return r.json() if r.status_code == 200 else None

    def install_function(
        self,
        fid: str,
        name: str,
        path: str | os.PathLike,
        *,
        make_global: bool = True,
        valves: dict | None = None,
        description: str = "",
    ) -> dict:
        """Create or update function ``fid`` from a source file, make it active (and global for
        filters/actions when ``make_global``), then set the FULL valves dict when given."""
        content = Path(path).read_text()
        form = {"id": fid, "name": name, "content": content, "meta": {"description": description or name}}
        if self.get_function(fid) is None:
            self._json("POST", "/api/v1/functions/create", json=form)
        else:
            self._json("POST", f"/api/v1/functions/id/{fid}/update", json=form)
        record = self.get_function(fid)
        assert record is not None
        if not record["is_active"]:
            record = self._json("POST", f"/api/v1/functions/id/{fid}/toggle")
        if record["type"] in ("filter", "action") and bool(record["is_global"]) != make_global:
            record = self._json("POST", f"/api/v1/functions/id/{fid}/toggle/global")
        if valves is not None:
            self.set_valves(fid, valves)
        return self.get_function(fid) or record

    def delete_function(self, fid: str) -> bool:
        r = self.request("DELETE", f"/api/v1/functions/id/{fid}/delete", check=False)
        return r.status_code == 200 and r.json() is True

    def set_valves(self, fid: str, valves: dict) -> dict:
        """Replaces the stored valves dict (send the FULL dict)."""
        return self._json("POST", f"/api/v1/functions/id/{fid}/valves/update", json=valves)

    def get_valves(self, fid: str) -> dict:
        return self._json("GET", f"/api/v1/functions/id/{fid}/valves") or {}

    # ------------------------------------------------------------------------------------------
    # models
    # ------------------------------------------------------------------------------------------
    def create_model_record(
        self,
        model_id: str,
        name: str,
        *,
        public: bool = True,
        meta: dict | None = None,
        base_model_id: str | None = None,
        params: dict | None = None,
    ) -> dict:
        """Create (or update) the model record ``model_id`` with ``meta.capabilities.usage=True``
        merged in and public read access when ``public``; then refresh the model cache."""
        meta = json.loads(json.dumps(meta or {}))
        meta.setdefault("capabilities", {})["usage"] = True
        form = {
            "id": model_id,
            "base_model_id": base_model_id,
            "name": name,
            "meta": meta,
            "params": params or {},
            "access_grants": list(PUBLIC_READ) if public else [],
            "is_active": True,
        }
        r = self.request("GET", "/api/v1/models/model", params={"id": model_id}, check=False)
        if r.status_code == 200 and r.json():
            record = self._json("POST", "/api/v1/models/model/update", json=form)
        else:
            record = self._json("POST", "/api/v1/models/create", json=form)
        self.refresh_models()
        return record

    def delete_model_record(self, model_id: str) -> bool:
        r = self.request("POST", "/api/v1/models/model/delete", json={"id": model_id}, check=False)
        self.refresh_models()
        return r.status_code == 200

    def refresh_models(self) -> list[dict]:
        return self._json("GET", "/api/models", params={"refresh": "true"}).get("data", [])

    # ------------------------------------------------------------------------------------------
    # chats
    # ------------------------------------------------------------------------------------------
    def chat_api(
        self,
        token: str,
        model: str,
        content_or_messages: str | list[dict],
        *,
        stream: bool = False,
        expect_status: int | None = 200,
        **extra: Any,
    ) -> tuple[int, Any]:
        """API path (no chat). Non-stream returns the JSON (or text). Stream returns
        ``{"text": <concatenated delta content>, "lines": [raw lines], "chunks": [parsed JSON],
        "usage": <last usage seen or None>}`` (error bodies are returned as JSON/text)."""
        messages = (
            [{"role": "user", "content": content_or_messages}]
            if isinstance(content_or_messages, str)
            else content_or_messages
        )
        body = {"model": model, "messages": messages, "stream": stream, **extra}
        headers = {"Authorization": f"Bearer {token}"}
        if not stream:
            r = self._client.post("/api/chat/completions", json=body, headers=headers)
            result: Any = _json_or_text(r)
            status = r.status_code
        else:
            with self._client.stream("POST", "/api/chat/completions", json=body, headers=headers) as r:
                status = r.status_code
                if r.headers.get("content-type", "").startswith("text/event-stream"):
                    result = _consume_sse(r.iter_lines())
                else:
                    r.read()
                    result = _json_or_text(r)
        if expect_status is not None and status != expect_status:
            raise OpenWebUIError(f"chat_api expected {expect_status}, got {status}: {result}")
        return status, result

    def chat_api_hangup(self, token: str, model: str, content: str, *, after_chunks: int, **extra: Any) -> dict:
        """API path, streamed, and the client closes the connection once it has read ``after_chunks``
        chunks with delta content (or the stream ends first). Returns ``{"text", "chunks"}``: the content
        received and how many content chunks that was."""
        body = {"model": model, "messages": [{"role": "user", "content": content}], "stream": True, **extra}
        text: list[str] = []
        with self._client.stream(
            "POST", "/api/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"}
        ) as r:
            if not r.is_success:
                r.read()
                raise OpenWebUIError(f"POST /api/chat/completions -> {r.status_code}: {r.text}")
            for line in r.iter_lines():
                if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                    continue
                try:
                    chunk = json.loads(line[5:])
                except ValueError:
                    continue
                for choice in (chunk.get("choices") or []) if isinstance(chunk, dict) else []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        text.append(piece)
                if len(text) >= after_chunks:
                    break  # leaving the block closes the response, and with it the connection
        return {"text": "".join(text), "chunks": len(text)}

    def chat_start(
        self,
        token: str,
        model: str,
        content: str,
        *,
        stream: bool = True,
        chat_id: str | None = None,
        parent_id: str | None = None,
        **extra: Any,
    ) -> dict:
        """Send a saved-chat turn (see :meth:`chat_saved`) and return at once with ``{"chat_id",
        "assistant_id", "user_message_id", "response"}``; ``chat_id`` is ``None`` when the answer does
        not carry it. With ``session_id=...`` (the UI's fan-out path) the reply runs in a task that
        :meth:`stop_chat` can cancel."""
        assistant_id, user_message_id = _new_id(), _new_id()
        if chat_id and parent_id is None:
            parent_id = self.get_chat(token, chat_id)["chat"]["history"].get("currentId")
        user_message = {
            "id": user_message_id,
            "role": "user",
            "content": content,
            "parentId": parent_id,
            "timestamp": int(time.time()),
            "models": [model],
        }
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "user", "content": content}],
            "stream": stream,
            "parent_id": parent_id,
            "user_message": user_message,
            "id": assistant_id,
        }
        if chat_id:
            body["chat_id"] = chat_id
        body.update(extra)
        response = self._post_chat(token, body)
        if not chat_id and isinstance(response, dict):
            chat_id = response.get("chat_id")
        return {
            "chat_id": chat_id,
            "assistant_id": assistant_id,
            "user_message_id": user_message_id,
            "response": response,
        }

    def stop_chat(self, token: str, chat_id: str) -> dict:
        """The UI's stop button: ``POST /api/tasks/chat/{chat_id}/stop`` cancels the chat's running tasks."""
        return self._json("POST", f"/api/tasks/chat/{chat_id}/stop", token=token)

    def update_chat(self, token: str, chat_id: str, chat: dict) -> dict:
        """What the UI sends when it saves a chat: ``POST /api/v1/chats/{id}`` with ``{"chat": chat}``
        (its owner may write anything into the history, usage included)."""
        return self._json("POST", f"/api/v1/chats/{chat_id}", token=token, json={"chat": chat})

    def chat_saved(
        self,
        token: str,
        model: str,
        content: str,
        *,
        stream: bool = True,
        chat_id: str | None = None,
        parent_id: str | None = None,
        timeout: float = 60.0,
        **extra: Any,
    ) -> dict:
        """Saved-chat path: a new chat, or (``chat_id``) a follow-up turn after ``parent_id``
        (default: the chat's current leaf). Returns ``{"chat_id", "assistant_id",
        "user_message_id", "message", "response"}`` where ``message`` is the finished history
        message (done or error) and ``response`` the HTTP answer. With ``session_id=...`` in
        ``extra`` (fan-out path) it first waits for the returned task ids to finish."""
        started = self.chat_start(token, model, content, stream=stream, chat_id=chat_id, parent_id=parent_id, **extra)
        assistant_id, user_message_id = started["assistant_id"], started["user_message_id"]
        response = started["response"]
        chat_id = started["chat_id"] or self.find_chat_id(token, assistant_id)
        self.wait_tasks(token, chat_id, response, timeout=timeout)
        message = self.wait_message(token, chat_id, assistant_id, timeout=timeout)
        return {
            "chat_id": chat_id,
            "assistant_id": assistant_id,
            "user_message_id": user_message_id,
            "message": message,
            "response": response,
        }

    def chat_continue(
        self,
        token: str,
        model: str,
        chat_id: str,
        assistant_id: str,
        *,
        stream: bool = True,
        timeout: float = 60.0,
        **extra: Any,
    ) -> dict:
        """ "Continue" an existing (done) assistant message, as the UI's ``continueResponse`` does.

        Body (fe ``Chat.svelte`` ``sendMessageSocket(..., {continueResponse: true})``)::

            {"model", "stream", "chat_id", "id": <assistant id>, "assistant_message_id": <same id>,
             "parent_id": <user message's parentId>, "user_message": <the user history message>}

        ``messages`` is omitted (the UI sends it only for a system prompt; saved chats reload
        the history, with the assistant message appended, from the DB). ``id`` must equal
        ``assistant_message_id`` or the server answers 400 "Invalid response ID.". The UI also
        sends ``session_id`` (pass ``session_id=...`` for that fan-out path; the message stays
        ``done`` during the run, so completion is detected via ``/api/tasks/chat/{id}``).
        The server appends the new text to ``content`` and a new ``output_text`` part to the
        last ``output`` item. Returns ``{"chat_id", "assistant_id", "message", "before", "response"}``.
        """
        chat = self.get_chat(token, chat_id)["chat"]
        messages = chat["history"]["messages"]
        before = messages[assistant_id]
        user_message = messages.get(before.get("parentId")) or {}
        body: dict[str, Any] = {
            "model": model,
            "stream": stream,
            "chat_id": chat_id,
            "id": assistant_id,
            "assistant_message_id": assistant_id,
            "parent_id": user_message.get("parentId"),
            "user_message": user_message,
            **extra,
        }
        response = self._post_chat(token, body)
        self.wait_tasks(token, chat_id, response, timeout=timeout)
        message = self.wait_message(token, chat_id, assistant_id, timeout=timeout)
        return {
            "chat_id": chat_id,
            "assistant_id": assistant_id,
            "message": message,
            "before": before,
            "response": response,
        }

    def _post_chat(self, token: str, body: dict) -> Any:
        r = self._client.post("/api/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"})
        if not r.is_success:
            raise OpenWebUIError(f"POST /api/chat/completions -> {r.status_code}: {r.text}")
        return _json_or_text(r)

    def chat_completed(self, token: str, body: dict) -> tuple[int, Any]:
        """Legacy ``POST /api/chat/completed`` (re-runs outlets on a client-supplied body)."""
        r = self._client.post("/api/chat/completed", json=body, headers={"Authorization": f"Bearer {token}"})
        return r.status_code, _json_or_text(r)

    def get_chat(self, token: str, chat_id: str) -> dict:
        return self._json("GET", f"/api/v1/chats/{chat_id}", token=token)

    def list_chats(self, token: str) -> list[dict]:
        return self._json("GET", "/api/v1/chats/", token=token)

    def find_chat_id(self, token: str, assistant_id: str, timeout: float = 10.0) -> str:
        """The id of the user's chat that contains message ``assistant_id``."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.list_chats(token):
                chat = self.get_chat(token, item["id"])
                if assistant_id in ((chat.get("chat") or {}).get("history") or {}).get("messages", {}):
                    return item["id"]
            if time.monotonic() > deadline:
                raise OpenWebUIError(f"no chat contains message {assistant_id}")
            time.sleep(0.2)

    def wait_tasks(self, token: str, chat_id: str, response: Any, *, timeout: float = 60.0) -> None:
        """Fan-out path: wait until the ``task_ids`` of a ``{status, task_ids, chat_id}`` answer
        are no longer listed by ``GET /api/tasks/chat/{chat_id}``. No-op for other answers."""
        task_ids = set(response.get("task_ids") or []) if isinstance(response, dict) else set()
        deadline = time.monotonic() + timeout
        while task_ids:
            active = set(self._json("GET", f"/api/tasks/chat/{chat_id}", token=token).get("task_ids") or [])
            if not task_ids & active:
                return
            if time.monotonic() > deadline:
                raise OpenWebUIError(f"tasks {task_ids & active} of chat {chat_id} still running after {timeout}s")
            time.sleep(0.1)

    def wait_message(self, token: str, chat_id: str, message_id: str, *, timeout: float = 60.0) -> dict:
        """Poll ``GET /api/v1/chats/{id}`` until the message is done or has an error."""
        deadline = time.monotonic() + timeout
        message: dict = {}
        while True:
            chat = self.get_chat(token, chat_id)
            message = chat["chat"]["history"]["messages"].get(message_id) or {}
            if message.get("done") or message.get("error"):
                return message
            if time.monotonic() > deadline:
                raise OpenWebUIError(f"message {message_id} not finished after {timeout}s: {message}")
            time.sleep(0.1)


def _json_or_text(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return r.text


def _consume_sse(lines: Iterable[str]) -> dict:
    raw: list[str] = []
    chunks: list[Any] = []
    text: list[str] = []
    usage = None
    for line in lines:
        if not line:
            continue
        raw.append(line)
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            continue
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        chunks.append(chunk)
        if isinstance(chunk, dict):
            if chunk.get("usage"):
                usage = chunk["usage"]
            for choice in chunk.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    text.append(piece)
    return {"text": "".join(text), "lines": raw, "chunks": chunks, "usage": usage}
