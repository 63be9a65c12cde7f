"""The Open WebUI adapter's admin helpers, run inside a real Open WebUI 0.12.4 server.

A test-only Pipe imports `plugin.openwebui` from this checkout and runs one adapter call per chat message
(a JSON command); the test checks the answers and, over HTTP as a browser would, the files it stored.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .owui import OpenWebUI

REPO = Path(__file__).resolve().parents[2]
PROBE_ID = "e2e_adapter_probe"

PROBE_SOURCE = '''"""
title: E2E Adapter Probe
description: test-only pipe; runs plugin.openwebui helpers from a checkout
"""

import base64
import json
import sys
from typing import Literal

from pydantic import BaseModel

REPO = __REPO__
if REPO not in sys.path:
    sys.path.insert(0, REPO)


class Pipe:
    class UserValves(BaseModel):
        language: str = ""

    class StrictValves(BaseModel):  # a later model that refuses a stored value
        language: Literal["", "en"] = ""

    async def pipe(self, body, __user__=None):
        from plugin import openwebui as ow

        command = json.loads(body["messages"][-1]["content"])
        op = command["op"]
        try:
            if op == "list_users":
                page, ow.USER_PAGE = ow.USER_PAGE, command.get("page", ow.USER_PAGE)
                try:
                    result = await ow.list_users()
                finally:
                    ow.USER_PAGE = page
            elif op == "hook_user":
                valves = self.StrictValves if command.get("strict") else self.UserValves
                user = await ow.hook_user(command["user_id"], command["function_id"], valves)
                result = {**user, "valves": user["valves"].model_dump()} if user else user
            elif op == "user_groups":
                result = await ow.user_groups(command["user_ids"])
            elif op == "save_file":
                data = base64.b64decode(command["data"])
                result = await ow.save_file(command["user_id"], command["filename"], data, command["content_type"])
            elif op == "read_file":
                data = await ow.read_file(command["file_id"], command["user"])
                result = base64.b64encode(data).decode()
            else:
                result = {"error": "unknown op"}
        except Exception as exc:
            result = {"error": type(exc).__name__, "message": str(exc)}
        return json.dumps(result)
'''


@pytest.fixture(scope="module")
def probe(owui: OpenWebUI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    source = tmp_path_factory.mktemp("adapter") / "probe.py"
    source.write_text(PROBE_SOURCE.replace("__REPO__", repr(str(REPO))), encoding="utf-8")
    owui.install_function(PROBE_ID, "E2E Adapter Probe", source)
    owui.refresh_models()

    def call(**command: Any) -> Any:
        _, answer = owui.chat_api(owui.admin_token, PROBE_ID, json.dumps(command))
        return json.loads(answer["choices"][0]["message"]["content"])

    try:
        yield call
    finally:
        owui.delete_function(PROBE_ID)


def test_list_users_and_groups(owui: OpenWebUI, make_user: Callable[..., dict], probe) -> None:
    ann, bob = make_user("adapterann"), make_user("adapterbob")
    group = owui.request("POST", "/api/v1/groups/create", json={"name": "Adapter team", "description": ""}).json()
    owui.request("POST", f"/api/v1/groups/id/{group['id']}/users/add", json={"user_ids": [ann["id"]]})

    users = {u["id"]: u for u in probe(op="list_users")}
    assert users[ann["id"]] == {"id": ann["id"], "name": ann["name"], "email": ann["email"], "role": "user"}
    assert users[bob["id"]]["email"] == bob["email"]
    assert any(u["role"] == "admin" for u in users.values())
    total = owui.request("GET", "/api/v1/users/", params={"page": 1}).json()["total"]
    assert len(users) == total  # nobody missed, nobody twice
    paged = probe(op="list_users", page=2)  # many small pages: the same people
    assert len(paged) == total and {u["id"]: u for u in paged} == users

    groups = probe(op="user_groups", user_ids=[ann["id"], bob["id"], "no-such-user"])
    assert groups == {ann["id"]: ["Adapter team"], bob["id"]: [], "no-such-user": []}


def test_hook_user_is_what_open_webui_hands_a_hook_that_names_user(
    owui: OpenWebUI, make_user: Callable[..., dict], probe
) -> None:
    # The Filter's outlet does not name `__user__` (so Open WebUI reads no user valves for it); when its inlet ran
    # elsewhere it reads the user itself: their record, with their own valves of the Function.
    ann = make_user("adapterhook")
    path = f"/api/v1/functions/id/{PROBE_ID}/valves/user/update"
    owui.request("POST", path, token=ann["token"], json={"language": "zh"})
    got = probe(op="hook_user", user_id=ann["id"], function_id=PROBE_ID)
    assert {k: got[k] for k in ("id", "name", "email", "role", "valves")} == {
        "id": ann["id"],
        "name": ann["name"],
        "email": ann["email"],
        "role": "user",
        "valves": {"language": "zh"},
    }
    assert probe(op="hook_user", user_id=ann["id"], function_id=None)["valves"] == {"language": ""}
    # Valves stored under an older model that today's refuses: the defaults, and the user all the same (an outlet
    # whose inlet ran elsewhere still bills them).
    strict = probe(op="hook_user", user_id=ann["id"], function_id=PROBE_ID, strict=True)
    assert (strict["id"], strict["valves"]) == (ann["id"], {"language": ""})
    assert probe(op="hook_user", user_id="no-such-user", function_id=PROBE_ID) == {}


def test_save_file_is_owned_downloadable_and_not_processed(
    owui: OpenWebUI, make_user: Callable[..., dict], probe
) -> None:
    ann, bob = make_user("fileann"), make_user("filebob")
    data = b'User,Cost\r\n"Doe, Jane",0.001200\r\n'
    saved = probe(
        op="save_file",
        user_id=ann["id"],
        filename="../usage 2026.csv",
        data=base64.b64encode(data).decode(),
        content_type="text/csv",
    )
    assert saved["url"] == f"/api/v1/files/{saved['id']}/content"
    assert saved["filename"] == "usage 2026.csv" and saved["size"] == len(data)

    record = owui.request("GET", f"/api/v1/files/{saved['id']}", token=ann["token"]).json()
    assert record["user_id"] == ann["id"]
    assert record["meta"]["content_type"] == "text/csv" and record["meta"]["name"] == "usage 2026.csv"
    assert "status" not in (record["data"] or {})  # never queued for document processing

    download = owui.request("GET", saved["url"], token=ann["token"])
    assert download.content == data
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers.get("content-disposition", "")
    assert owui.request("GET", saved["url"], token=owui.admin_token).content == data
    assert owui.request("GET", saved["url"], token=bob["token"], check=False).status_code == 404


def test_read_file_checks_the_owner(owui: OpenWebUI, make_user: Callable[..., dict], probe) -> None:
    ann, bob = make_user("readann"), make_user("readbob")
    content = json.dumps({"version": "1.0", "nonce": str(uuid.uuid4())}).encode()
    uploaded = owui.request(
        "POST",
        "/api/v1/files/",
        token=ann["token"],
        params={"process": "false"},
        files={"file": ("backup.json", content, "application/json")},
    ).json()

    def read(user: dict) -> Any:
        return probe(op="read_file", file_id=uploaded["id"], user=user)

    assert base64.b64decode(read({"id": ann["id"], "role": "user"})) == content
    assert base64.b64decode(read({"id": "someone", "role": "admin"})) == content
    assert read({"id": bob["id"], "role": "user"})["error"] == "LookupError"
    missing = probe(op="read_file", file_id=str(uuid.uuid4()), user={"id": ann["id"], "role": "admin"})
    assert missing["error"] == "LookupError"
