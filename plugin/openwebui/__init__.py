"""The only module that knows Open WebUI: where its data lives, its model list, its request paths.

Imports of `open_webui` stay inside functions, so the library can be imported and tested without a server.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..domain import pricing

log = logging.getLogger(__name__)

# The deprecated endpoint that re-runs outlets on a body the client supplies (reference §0.1): never bill it.
LEGACY_COMPLETED_PATHS = ("/api/chat/completed", "/api/v1/chat/completed")


def stream_lines(data: Any) -> tuple[list[dict[str, Any]], bool]:
    """The chunks in what the `stream` hook was handed when it is not a chunk, and whether it holds the upstream's
    end of stream (`data: [DONE]`): Open WebUI 0.9 hands an API call's stream hook the upstream's raw server-sent-event
    lines (`data: {...}`, as bytes or text), not parsed chunks."""
    if isinstance(data, bytes | bytearray):
        data = data.decode("utf-8", "replace")
    if not isinstance(data, str):
        return [], False
    chunks, ended = [], False
    for line in data.splitlines():
        payload = line.strip()[5:].strip() if line.strip().startswith("data:") else ""
        if payload == "[DONE]":
            ended = True
        elif payload:
            try:
                chunk = json.loads(payload)
            except ValueError:
                continue
            if isinstance(chunk, dict):
                chunks.append(chunk)
    return chunks, ended


def data_dir_text() -> str:
    """Open WebUI's DATA_DIR as written (cheap: a key for caches on the chat's path). Read from the already-loaded
    module: inside the server it is always there, and importing it elsewhere would start Open WebUI's
    configuration (and exit without a secret key)."""
    env = sys.modules.get("open_webui.env")
    if env is not None and getattr(env, "DATA_DIR", None):
        return str(env.DATA_DIR)
    return os.environ.get("DATA_DIR") or "data"


def data_dir() -> Path:
    """Open WebUI's DATA_DIR."""
    return Path(data_dir_text())


def default_db_path() -> Path:
    return data_dir() / "openwebui_monitor" / "monitor.db"


def tiktoken_dirs() -> list[str]:
    """Where Open WebUI keeps tiktoken files, so an encoding it already has can be used offline."""
    return [str(data_dir() / "cache" / "tiktoken")]


def is_legacy_outlet(request: Any, metadata: Mapping[str, Any] | None) -> bool:
    """True for `/api/chat/completed`, whose body (and usage) the client wrote."""
    path = getattr(getattr(request, "url", None), "path", None)
    if isinstance(path, str):
        return path.rstrip("/") in LEGACY_COMPLETED_PATHS
    # Without a request object, the legacy path is known by its reduced metadata (no model, no user message).
    return bool(metadata) and "model" not in metadata and "user_message" not in metadata  # type: ignore[operator]


def model_lookup(request: Any) -> Any:
    """A function id -> entry of Open WebUI's merged model list (`app.state.MODELS`), or None."""
    models = getattr(getattr(getattr(request, "app", None), "state", None), "MODELS", None)

    def lookup(model_id: str) -> Mapping[str, Any] | None:
        if not models:
            return None
        try:
            entry = models.get(model_id)
        except Exception:  # broad on purpose: a Redis-backed model cache may fail; prices then fall through
            log.warning("model list lookup failed for %s", model_id, exc_info=True)
            return None
        return entry if isinstance(entry, Mapping) else None

    return lookup


def is_monitor_pipe(request: Any, model: Mapping[str, Any] | None) -> bool:
    """Whether this model is our own report pipe (never billed): its loaded instance says so. A workspace model
    over the pipe (the installer's admin-only "Usage Monitor (admin)") is the pipe too: its `base_model_id` names it.

    A model with a base is judged by its base alone, because that is where Open WebUI sends the chat
    (`functions.py` replaces the model with `base_model_id` before picking the pipe): a model's own id is free
    text, so a user's "openwebui_monitor_pipe.free" over a paid pipe must not pass for ours.
    """
    if not model or not model.get("pipe"):
        return False
    info = model.get("info")
    base = str(info.get("base_model_id") or "") if isinstance(info, Mapping) else ""
    functions = getattr(getattr(getattr(request, "app", None), "state", None), "FUNCTIONS", None) or {}
    if not isinstance(functions, Mapping):
        return False
    routed_to = base or str(model.get("id", ""))
    instance = functions.get(routed_to.split(".", 1)[0]) if routed_to else None
    return getattr(instance, "openwebui_monitor_role", None) == "report"


def model_list(request: Any) -> list[dict[str, Any]]:
    """Open WebUI's merged model list (connections, workspace models, pipes), as the server holds it now."""
    models = getattr(getattr(getattr(request, "app", None), "state", None), "MODELS", None)
    if not models:
        return []
    try:
        values = list(models.values())
    except Exception:  # a Redis-backed cache may fail; the price list then shows only stored prices
        log.warning("could not read the model list", exc_info=True)
        return []
    return [dict(model) for model in values if isinstance(model, Mapping)]


BILLING_FUNCTION_ID = "openwebui_monitor_filter"
BILLING_FUNCTION_TITLE = "title: OpenWebUI Monitor Filter"


async def billing_valves() -> dict[str, Any]:
    """The billing filter's saved valves (its default prices), wherever the admin installed it."""
    from open_webui.models.functions import Functions

    function = await Functions.get_function_by_id(BILLING_FUNCTION_ID)
    if function is None:
        for candidate in await Functions.get_functions_by_type("filter", active_only=True):
            if BILLING_FUNCTION_TITLE in (candidate.content or "")[:400]:
                function = candidate
                break
    if function is None:
        return {}
    return dict(await Functions.get_function_valves_by_id(function.id) or {})


# -- users, groups and files (admin commands) -------------------------------------------------------------

USER_PAGE = 500
MAX_READ_BYTES = 50 * 1024 * 1024


async def list_users() -> list[dict[str, Any]]:
    """Every Open WebUI user as {id, name, email, role}, so people who never chatted can be found too.

    `Users.get_users` is async and pages with skip/limit; pages are ordered by creation time, and if users
    created in the same second made a page boundary miss someone, one unpaged read settles it.
    """
    from open_webui.models.users import Users

    people: dict[str, dict[str, Any]] = {}
    total = 0
    skip = 0
    while True:
        page = await Users.get_users(**_oldest_first(Users.get_users), skip=skip, limit=USER_PAGE)
        total = int(page.get("total") or 0)
        batch = page.get("users") or []
        for user in batch:
            people[user.id] = _person(user)
        skip += len(batch)
        if len(batch) < USER_PAGE or skip >= total:
            break
    if len(people) < total:
        page = await Users.get_users(**_oldest_first(Users.get_users))
        people = {user.id: _person(user) for user in page.get("users") or []}
    return list(people.values())


def _oldest_first(get_users: Any) -> dict[str, Any]:
    """`Users.get_users`'s ordering argument: `sort` from 0.11 on; before, the order rides in `filter`."""
    order = {"order_by": "created_at", "direction": "asc"}
    try:
        takes_sort = "sort" in inspect.signature(get_users).parameters
    except (TypeError, ValueError):
        takes_sort = True
    return {"sort": order} if takes_sort else {"filter": order}


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.id, "name": user.name or "", "email": user.email or "", "role": user.role or "user"}


async def user_groups(user_ids: list[str]) -> dict[str, list[str]]:
    """Group names per user id (direct memberships), for reports that group people."""
    from open_webui.models.groups import Groups

    result: dict[str, list[str]] = {}
    for start in range(0, len(user_ids), USER_PAGE):
        chunk = user_ids[start : start + USER_PAGE]
        groups = await Groups.get_groups_by_member_ids(chunk)
        for user_id in chunk:
            result[user_id] = [group.name for group in groups.get(user_id, [])]
    return result


async def hook_user(user_id: str, function_id: str | None, user_valves: Any) -> dict[str, Any]:
    """What Open WebUI hands a hook that names `__user__`: the user's record as a dict, with their own valves of
    the Function `function_id` built by `user_valves` (its `UserValves`; the defaults without a function id). {}
    for an unknown user; stored valves today's `UserValves` refuses give way to its defaults (the user is billed all
    the same). For a hook that does not name `__user__`, so that Open WebUI does not read those valves
    from its database before every call (the Filter's outlet), when it must know the user all the same."""
    from open_webui.models.functions import Functions
    from open_webui.models.users import Users

    user = await Users.get_user_by_id(user_id)
    if user is None:
        return {}
    stored = await Functions.get_user_valves_by_id_and_user_id(function_id, user_id) if function_id else None
    try:
        valves = user_valves(**(stored or {}))
    except ValueError as error:  # stored under an older model (a language since removed): bill with the defaults
        log.warning("user %s: stored valves of %s refused, defaults used: %s", user_id, function_id, error)
        valves = user_valves()
    return {**user.model_dump(), "valves": valves}


async def member_group_ids(user_id: str) -> list[str]:
    """The ids of the groups a user belongs to directly (budgets are keyed by group id)."""
    from open_webui.models.groups import Groups

    groups = await Groups.get_groups_by_member_ids([user_id])
    return [group.id for group in groups.get(user_id, [])]


async def saved_reply(chat_id: str, message_id: str) -> dict[str, Any] | None:
    """The assistant message as Open WebUI saved it ({content, output, ...}), or None: what a reply stopped or cut
    off produced, read to settle it when no outlet came (Open WebUI saves a stopped reply's partial text)."""
    from open_webui.models.chats import Chats

    message = await Chats.get_message_by_id_and_message_id(chat_id, message_id)
    return message if isinstance(message, dict) and message else None


async def list_groups() -> list[dict[str, str]]:
    """Every Open WebUI group as {id, name}, for admins naming a group in a budget command."""
    from open_webui.models.groups import Groups

    return [{"id": group.id, "name": group.name or ""} for group in await Groups.get_all_groups()]


async def save_file(user_id: str, filename: str, data: bytes, content_type: str) -> dict[str, Any]:
    """Store bytes in Open WebUI's own file store as a file owned by `user_id`, the way its upload route does
    with `process=false`: the configured Storage provider, a `file` row with meta name / content_type / size,
    and an empty `data` (no `status`), so it is never sent to document processing. Returns the id, filename
    and `url`, the download path (`/api/v1/files/{id}/content`) for a link the owner (or an admin) can open."""
    import asyncio
    import hashlib
    import io
    import uuid

    from open_webui.models.files import FileForm, Files
    from open_webui.models.users import Users
    from open_webui.storage.provider import Storage

    user = await Users.get_user_by_id(user_id)
    if user is None:
        raise LookupError(f"no Open WebUI user {user_id}")
    name = os.path.basename(filename.replace("\\", "/")) or "export"
    file_id = str(uuid.uuid4())
    tags = {
        "OpenWebUI-User-Email": user.email,
        "OpenWebUI-User-Id": user.id,
        "OpenWebUI-User-Name": user.name,
        "OpenWebUI-File-Id": file_id,
    }
    contents, path = await asyncio.to_thread(Storage.upload_file, io.BytesIO(data), f"{file_id}_{name}", tags)
    item = await Files.insert_new_file(
        user.id,
        FileForm(
            id=file_id,
            filename=name,
            path=path,
            data={},
            meta={
                "name": name,
                "content_type": content_type,
                "size": len(contents),
                "file_hash": hashlib.sha256(contents).hexdigest(),
                "data": {},
            },
        ),
    )
    if item is None:
        await asyncio.to_thread(Storage.delete_file, path)
        raise RuntimeError(f"Open WebUI did not record the file {name}")
    return {
        "id": item.id,
        "filename": name,
        "size": len(contents),
        "content_type": content_type,
        "url": f"/api/v1/files/{item.id}/content",
    }


async def read_file(file_id: str, user: Any) -> bytes:
    """The bytes of an uploaded file (an attached JSON for /import), if `user` owns it or is an admin.

    `user` is Open WebUI's `__user__` dict or a user model. A missing file and a file the user may not read
    both raise LookupError, as Open WebUI's own route answers 404 for both.
    """
    import asyncio

    from open_webui.models.files import Files
    from open_webui.storage.provider import Storage

    user_id = user.get("id") if isinstance(user, Mapping) else getattr(user, "id", None)
    role = user.get("role") if isinstance(user, Mapping) else getattr(user, "role", None)
    item = await Files.get_file_by_id(file_id)
    if item is None or not item.path or (item.user_id != user_id and role != "admin"):
        raise LookupError(f"no readable file {file_id}")

    def load() -> bytes:
        local = Storage.get_file(item.path)  # a cloud provider downloads to its local cache first
        with open(local, "rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
        if len(data) > MAX_READ_BYTES:
            raise ValueError(f"file {file_id} is larger than {MAX_READ_BYTES} bytes")
        return data

    return await asyncio.to_thread(load)


# -- calling a model (the action's model test, the assistant) ----------------------------------------------


async def complete(request: Any, user_id: str, model_id: str, prompt: str) -> str:
    """One non-streamed reply from `model_id` (the action's model test), its text; raises with the upstream's
    error text when the model fails."""
    form = {"model": model_id, "messages": [{"role": "user", "content": prompt}], "stream": False}
    result = await chat_completion(request, user_id, form)
    if isinstance(result, Mapping):
        choices = result.get("choices") or [{}]
        return str(((choices[0] or {}).get("message") or {}).get("content") or "")
    return result


async def chat_completion(
    request: Any, user_id: str, form: dict[str, Any], received: list[str] | None = None
) -> Mapping[str, Any] | str:
    """One request to a model through Open WebUI's own internal chat completion (the routing users reach:
    connections, Ollama, pipes; `tools` pass through to an OpenAI-compatible connection). `bypass_filter=True`
    skips the per-model access check (the admin chose the model: a model test, the assistant) and, as on every
    internal call, no Filter function runs, so the caller records the usage itself.

    Returns the decoded JSON reply, or the text of an event stream (a streamed request, or a pipe that streams
    although asked not to); a stream's text is also appended to `received` as it arrives, so a caller cut off
    midway knows what was produced. Raises with the upstream's error text when the model fails."""
    from open_webui.models.users import Users
    from open_webui.utils.chat import generate_chat_completion

    user = await Users.get_user_by_id(user_id)
    if user is None:
        raise LookupError(f"no Open WebUI user {user_id}")
    result = await generate_chat_completion(request, dict(form), user, bypass_filter=True)
    status = getattr(result, "status_code", 200)
    text: str
    if hasattr(result, "body_iterator"):
        sink = received if received is not None else []
        stream = result.body_iterator
        try:
            async for chunk in stream:
                sink.append(chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else str(chunk))
        finally:  # cut off or not, the upstream connection is let go now, not when the garbage collector comes
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()
        text = "".join(sink)
    elif hasattr(result, "body"):  # JSONResponse / PlainTextResponse carrying an upstream error
        text = bytes(result.body).decode("utf-8", "replace")
    elif isinstance(result, Mapping):
        if result.get("error"):
            raise RuntimeError(str(result["error"]))
        return result
    else:
        text = str(result or "")
    if status >= 400:
        raise RuntimeError(f"HTTP {status}: {text}")
    return text


async def visible_models(request: Any, user_id: str) -> list[dict[str, Any]]:
    """The models of the merged list that this user may open, as Open WebUI filters its own model list."""
    from open_webui.models.users import Users
    from open_webui.utils.models import get_filtered_models

    user = await Users.get_user_by_id(user_id)
    if user is None:
        return []
    return [dict(m) for m in await get_filtered_models(model_list(request), user) if isinstance(m, Mapping)]


async def billing_settings() -> tuple[pricing.Price, int]:
    """The billing filter's default prices and initial balance (saved valves, else the environment it reads,
    else its defaults), so the price list shows what the filter really charges and a user an admin tops up
    before their first chat still gets their initial balance."""
    valves = await billing_valves()

    def number(name: str, env: str, default: float) -> float:
        value: Any = valves.get(name)
        if value is None:
            value = os.environ.get(env, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            return default

    price = pricing.defaults(
        number("default_input_price", "DEFAULT_MODEL_INPUT_PRICE", 60.0),
        number("default_output_price", "DEFAULT_MODEL_OUTPUT_PRICE", 60.0),
        number("default_per_msg_price", "DEFAULT_MODEL_PER_MSG_PRICE", -1.0),
    )
    return price, max(0, pricing.to_micro(number("init_balance", "INIT_BALANCE", 0.0)))
