"""The installer against an in-memory fake of Open WebUI 0.12.4's function and model endpoints.

The fake copies the server's awkward habits that the installer must survive: ``toggle`` and
``toggle/global`` flip a flag, ``valves/update`` replaces the stored dict, unknown function ids
answer 401, ``models/create`` of an existing id answers 401, and ``model/update`` leaves an
existing record's grants alone.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from plugin.__main__ import main
from plugin.functions.action import Action
from plugin.functions.filter import Filter
from plugin.functions.pipe import Pipe
from plugin.tools.bundle import write_bundles
from plugin.tools.install import PUBLIC_READ, InstallError, install, parse_version, uninstall

ROOT = Path(__file__).resolve().parents[2]
URL = "http://owui.test"
ADMIN, USER = "admin-token", "user-token"
CLASSES = {"filter": Filter, "pipe": Pipe, "action": Action}
IDS = ("openwebui_monitor_filter", "openwebui_monitor_pipe", "admin_action", "openwebui_monitor_admin_action")
ADMIN_MODEL = "openwebui_monitor_admin"


class FakeOpenWebUI:
    """Just enough of the REST API, with a log of every mutating call."""

    def __init__(self, version: str = "0.12.4") -> None:
        self.version = version
        self.functions: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.groups = [{"id": "grp-1", "name": "Finance"}, {"id": "grp-2", "name": "Staff"}]
        self.users = {
            "admin-1": {"id": "admin-1", "name": "Ada", "email": "admin@example.com", "role": "admin"},
            "user-1": {"id": "user-1", "name": "Uma", "email": "user@example.com", "role": "user"},
        }
        self.calls: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def mutations(self) -> list[str]:
        return [c for c in self.calls if not c.startswith("GET ")]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        self.calls.append(f"{method} {path}")
        body = json.loads(request.content) if request.content else None
        if path == "/api/version":
            return httpx.Response(200, json={"version": self.version, "deployment_id": ""})
        if path == "/api/v1/auths/signin":
            if body == {"email": "admin@example.com", "password": "right"}:
                return httpx.Response(200, json={"token": ADMIN, "role": "admin"})
            if body == {"email": "user@example.com", "password": "right"}:
                return httpx.Response(200, json={"token": USER, "role": "user"})
            return httpx.Response(400, json={"detail": "The email or password provided is incorrect."})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in (ADMIN, USER):
            return httpx.Response(401, json={"detail": "Your session has expired or the token is invalid."})
        if token != ADMIN:
            return httpx.Response(401, json={"detail": "You do not have permission to access this resource."})
        if path == "/api/v1/groups/":
            return httpx.Response(200, json=self.groups)
        if match := re.fullmatch(r"/api/v1/users/([\w-]+)/info", path):
            person = self.users.get(match.group(1))
            return httpx.Response(200, json=person) if person else httpx.Response(400, json={"detail": "not found"})
        if path.startswith("/api/v1/functions"):
            return self.function_endpoint(method, path.removeprefix("/api/v1/functions"), body)
        if path.startswith("/api/v1/models"):
            return self.model_endpoint(method, path.removeprefix("/api/v1/models"), body, request)
        if path == "/api/models":
            pipes = [{"id": f["id"], "name": f["name"]} for f in self.functions.values() if f["type"] == "pipe"]
            served = [p for p in pipes if self.functions[p["id"]]["is_active"]]
            ids = {p["id"] for p in served}  # workspace models over a served model are served too
            presets = [{"id": m["id"]} for m in self.models.values() if m.get("base_model_id") in ids]
            return httpx.Response(200, json={"data": served + presets})
        return httpx.Response(404, json={"detail": "Not Found"})

    def function_endpoint(self, method: str, path: str, body: Any) -> httpx.Response:
        if path == "/list":
            return httpx.Response(200, json=[_public(f) for f in self.functions.values()])
        if path == "/create":
            if body["id"] in self.functions:
                return httpx.Response(400, json={"detail": "Uh-oh! This id is already registered."})
            kind = re.search(r"^(Pipe|Filter|Action) = ", body["content"], re.M).group(1).lower()
            record = {**body, "type": kind, "is_active": False, "is_global": False, "valves": None}
            self.functions[body["id"]] = record
            return httpx.Response(200, json=_public(record))
        match = re.fullmatch(r"/id/(\w+)(/.*)?", path)
        record = self.functions.get(match.group(1)) if match else None
        if record is None:
            return httpx.Response(401, json={"detail": "We could not find what you're looking for :/"})
        action = match.group(2) or ""
        if action == "" and method == "GET":
            return httpx.Response(200, json={k: v for k, v in record.items() if k != "valves"})
        if action == "/delete" and method == "DELETE":
            del self.functions[match.group(1)]
            return httpx.Response(200, json=True)
        if action == "/update":
            record.update(name=body["name"], content=body["content"], meta=body["meta"])
        elif action == "/toggle":
            record["is_active"] = not record["is_active"]
        elif action == "/toggle/global":
            record["is_global"] = not record["is_global"]
        elif action == "/valves" and method == "GET":
            return httpx.Response(200, content=json.dumps(record["valves"]).encode())  # `null` when never set
        elif action == "/valves/spec":
            return httpx.Response(200, json=CLASSES[record["type"]].Valves.model_json_schema())
        elif action == "/valves/update":
            form = {k: v for k, v in body.items() if v is not None}
            valves = CLASSES[record["type"]].Valves(**form).model_dump(exclude_unset=True)
            record["valves"] = valves  # replaces, as 0.12.4 does
            return httpx.Response(200, json=valves)
        else:
            return httpx.Response(404, json={"detail": "Not Found"})
        return httpx.Response(200, json={k: v for k, v in record.items() if k != "valves"})

    def model_endpoint(self, method: str, path: str, body: Any, request: httpx.Request) -> httpx.Response:
        if path == "/model" and method == "GET":
            record = self.models.get(request.url.params["id"])
            return httpx.Response(200, json=record) if record else httpx.Response(404, json={"detail": "Not found"})
        if path == "/create":
            if body["id"] in self.models:
                return httpx.Response(401, json={"detail": "Uh-oh! This model id is already registered."})
            grants = _grants(body.get("access_grants") or [])
            self.models[body["id"]] = {**body, "user_id": "admin-1", "access_grants": grants}  # the caller owns it
            return httpx.Response(200, json=self.models[body["id"]])
        record = self.models.get((body or {}).get("id"))
        if record is None:
            return httpx.Response(401, json={"detail": "Not found"})
        if path == "/model/update":
            record.update({k: v for k, v in body.items() if k != "access_grants"})  # grants untouched
        elif path == "/model/access/update":
            record["access_grants"] = _grants(body["access_grants"])
        elif path == "/model/delete":
            del self.models[body["id"]]
            return httpx.Response(200, json=True)
        return httpx.Response(200, json=record)


def _public(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("content", "valves")}


def _grants(grants: list[dict]) -> list[dict]:
    return [{"id": f"g{i}", "resource_type": "model", **g, "created_at": 1} for i, g in enumerate(grants)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh bundle of the current sources, so these tests never depend on the checkout's state."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "plugin", root / "plugin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "schema.sql", root / "schema.sql")
    write_bundles(root)
    return root


@pytest.fixture
def fake() -> FakeOpenWebUI:
    return FakeOpenWebUI()


def run(fake: FakeOpenWebUI, repo: Path, **kwargs: Any) -> list[str]:
    kwargs.setdefault("api_key", ADMIN)
    return install(URL, repo, transport=fake.transport(), **kwargs)


def test_fresh_install_creates_activates_and_publishes(fake: FakeOpenWebUI, repo: Path) -> None:
    summary = run(fake, repo)
    assert set(fake.functions) == set(IDS)
    names = {fid: f["name"] for fid, f in fake.functions.items()}
    assert names == {
        "openwebui_monitor_filter": "OpenWebUI Monitor",
        "openwebui_monitor_pipe": "Usage Monitor",
        "admin_action": "OpenWebUI Monitor Actions",
        "openwebui_monitor_admin_action": "OpenWebUI Monitor Admin Actions",
    }
    assert all(f["is_active"] for f in fake.functions.values())
    assert {fid for fid, f in fake.functions.items() if f["is_global"]} == {"openwebui_monitor_filter", "admin_action"}
    # The admin's buttons: not global, only on the admin-only workspace model over the pipe.
    admin = fake.models[ADMIN_MODEL]
    assert (admin["name"], admin["base_model_id"], admin["access_grants"]) == (
        "Usage Monitor (admin)",
        "openwebui_monitor_pipe",
        [],
    )
    assert admin["meta"]["actionIds"] == ["openwebui_monitor_admin_action"]
    for fid, f in fake.functions.items():
        header = (repo / f"{fid}.py").read_text().split('"""')[1]
        assert f"description: {f['meta']['description']}\n" in header
    record = fake.models["openwebui_monitor_pipe"]
    assert record["name"] == "Usage Monitor"
    assert record["meta"]["description"] == fake.functions["openwebui_monitor_pipe"]["meta"]["description"]
    assert [{k: g[k] for k in PUBLIC_READ} for g in record["access_grants"]] == [PUBLIC_READ]
    assert fake.calls[-1] == "GET /api/models"
    assert "created, activated, made global" in summary[0]
    assert summary[1].endswith("created, activated")


def test_second_run_changes_nothing_and_flips_nothing_back(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo)
    before = json.dumps([fake.functions, fake.models], sort_keys=True)
    fake.calls.clear()
    summary = run(fake, repo)
    assert fake.mutations() == []
    assert json.dumps([fake.functions, fake.models], sort_keys=True) == before
    assert all(line.endswith("unchanged") for line in summary[:6]), summary


def test_changed_code_is_updated_in_place_and_stays_on(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo)
    fake.functions["openwebui_monitor_filter"]["content"] = "# an older version"
    fake.calls.clear()
    summary = run(fake, repo)
    assert fake.mutations() == ["POST /api/v1/functions/id/openwebui_monitor_filter/update"]
    assert fake.functions["openwebui_monitor_filter"]["content"] == (repo / "openwebui_monitor_filter.py").read_text()
    assert fake.functions["openwebui_monitor_filter"]["is_active"] is True
    assert fake.functions["openwebui_monitor_filter"]["is_global"] is True
    assert summary[0].endswith(": updated")


def test_switched_off_function_is_switched_on_without_touching_the_rest(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo)
    fake.functions["admin_action"]["is_active"] = False
    fake.calls.clear()
    run(fake, repo)
    assert fake.mutations() == ["POST /api/v1/functions/id/admin_action/toggle"]
    assert fake.functions["admin_action"]["is_active"] and fake.functions["admin_action"]["is_global"]


def test_admin_buttons_made_global_by_hand_are_made_not_global_again(fake: FakeOpenWebUI, repo: Path) -> None:
    """Global, the admin's buttons would show under every model, to users too."""
    run(fake, repo)
    fake.functions["openwebui_monitor_admin_action"]["is_global"] = True
    fake.calls.clear()
    summary = run(fake, repo)
    assert fake.mutations() == ["POST /api/v1/functions/id/openwebui_monitor_admin_action/toggle/global"]
    assert fake.functions["openwebui_monitor_admin_action"]["is_global"] is False
    assert summary[3].endswith("made not global")


def test_upgrade_gives_the_admin_buttons_the_valves_of_everyones(fake: FakeOpenWebUI, repo: Path) -> None:
    """An install from before the split: its one Action's valves (the database, language) carry over to the new
    admin Function, and the admin model's record gains the admin buttons while keeping what an admin set."""
    run(fake, repo)
    del fake.functions["openwebui_monitor_admin_action"]
    fake.functions["admin_action"]["valves"] = {"language": "zh", "db_path": "/data/m.db"}
    fake.models[ADMIN_MODEL]["meta"] = {"description": "mine", "actionIds": ["other"]}
    summary = run(fake, repo)
    assert fake.functions["openwebui_monitor_admin_action"]["valves"] == {"language": "zh", "db_path": "/data/m.db"}
    assert "valves from admin_action" in summary[3]
    assert fake.models[ADMIN_MODEL]["meta"] == {"description": "mine", "actionIds": ["other", IDS[3]]}
    fake.calls.clear()
    run(fake, repo)
    assert fake.mutations() == []


@pytest.mark.parametrize(("owner", "who"), [("user-1", "user@example.com, role user"), ("gone", "not a known user")])
def test_an_admin_model_record_a_user_made_first_is_refused(
    fake: FakeOpenWebUI, repo: Path, owner: str, who: str
) -> None:
    """A user who created a record with the admin model's id owns it and may edit it: the installer stops rather
    than attach the admin buttons to it, and leaves it as it is for the admin to delete."""
    squatted = {
        "id": ADMIN_MODEL,
        "user_id": owner,
        "base_model_id": "openwebui_monitor_pipe",
        "name": "Usage Monitor (admin)",
        "meta": {"description": "mine"},
        "params": {},
        "access_grants": [],
    }
    fake.models[ADMIN_MODEL] = dict(squatted)
    message = (
        f"model record {ADMIN_MODEL}: refused, its owner {owner} ({who}) is not an admin and could edit it; "
        "delete that model (Workspace → Models) and install again"
    )
    with pytest.raises(InstallError, match=re.escape(message)):
        run(fake, repo)
    assert fake.models[ADMIN_MODEL] == squatted
    assert not [c for c in fake.mutations() if "/api/v1/models/model/" in c]  # no update, no grant, no delete
    del fake.models[ADMIN_MODEL]  # the admin deletes it: the next install makes the admins' own
    summary = run(fake, repo)
    assert f"model record {ADMIN_MODEL}: created, admins only, with the admin buttons" in summary
    assert fake.models[ADMIN_MODEL]["user_id"] == "admin-1" and fake.models[ADMIN_MODEL]["access_grants"] == []


def test_valves_merge_keeps_admin_values_and_overlays_the_json(fake: FakeOpenWebUI, repo: Path, tmp_path: Path) -> None:
    run(fake, repo)
    fake.functions["openwebui_monitor_filter"]["valves"] = {"language": "zh", "init_balance": 5.0}
    overlay = tmp_path / "valves.json"
    overlay.write_text(json.dumps({"openwebui_monitor_filter": {"init_balance": 10, "currency_symbol": "€"}}))
    summary = run(fake, repo, valves_json=overlay)
    assert fake.functions["openwebui_monitor_filter"]["valves"] == {
        "language": "zh",
        "init_balance": 10.0,
        "currency_symbol": "€",
    }
    assert "valves merged (currency_symbol, init_balance)" in summary[0]
    fake.calls.clear()
    run(fake, repo, valves_json=overlay)
    assert fake.mutations() == []


def test_a_null_valve_removes_the_stored_value(fake: FakeOpenWebUI, repo: Path, tmp_path: Path) -> None:
    run(fake, repo)
    fake.functions["openwebui_monitor_pipe"]["valves"] = {"language": "es", "currency_symbol": "€"}
    overlay = tmp_path / "valves.json"
    overlay.write_text(json.dumps({"openwebui_monitor_pipe": {"language": None}}))
    run(fake, repo, valves_json=overlay)
    assert fake.functions["openwebui_monitor_pipe"]["valves"] == {"currency_symbol": "€"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"nope": {"a": 1}}, "unknown function id(s) nope"),
        ({"admin_action": {"no_such_valve": 1}}, "admin_action: unknown valve(s) no_such_valve"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_valves_json_is_refused(
    fake: FakeOpenWebUI, repo: Path, tmp_path: Path, content: Any, message: str
) -> None:
    overlay = tmp_path / "valves.json"
    overlay.write_text(json.dumps(content))
    with pytest.raises(InstallError, match=re.escape(message)):
        run(fake, repo, valves_json=overlay)
    assert not any("valves/update" in c for c in fake.calls)


def test_existing_model_record_keeps_its_fields_and_gains_public_read(fake: FakeOpenWebUI, repo: Path) -> None:
    group = {"principal_type": "group", "principal_id": "g1", "permission": "write"}
    fake.models["openwebui_monitor_pipe"] = {
        "id": "openwebui_monitor_pipe",
        "base_model_id": None,
        "name": "Reports",
        "meta": {"description": "old", "profile_image_url": "/static/x.png", "tags": [{"name": "billing"}]},
        "params": {"system": "be brief"},
        "access_grants": _grants([group]),
        "is_active": True,
    }
    run(fake, repo)
    record = fake.models["openwebui_monitor_pipe"]
    assert record["name"] == "Usage Monitor"
    assert record["meta"]["profile_image_url"] == "/static/x.png"
    assert record["meta"]["tags"] == [{"name": "billing"}]
    assert record["meta"]["description"] != "old"
    assert record["params"] == {"system": "be brief"}
    grants = [{k: g[k] for k in PUBLIC_READ} for g in record["access_grants"]]
    assert grants == [group, PUBLIC_READ]


def test_no_pipe_public_keeps_the_pipe_admin_only(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo, pipe_public=False)
    assert fake.models["openwebui_monitor_pipe"]["access_grants"] == []
    run(fake, repo)
    assert len(fake.models["openwebui_monitor_pipe"]["access_grants"]) == 1
    summary = run(fake, repo, pipe_public=False)
    assert fake.models["openwebui_monitor_pipe"]["access_grants"] == []
    assert summary[4].endswith("public read removed")


def test_stale_bundle_is_refused_before_any_change(fake: FakeOpenWebUI, repo: Path, tmp_path: Path) -> None:
    stale = tmp_path / "repo"
    shutil.copytree(repo, stale)
    (stale / "admin_action.py").write_text((stale / "admin_action.py").read_text() + "\n# edited by hand\n")
    with pytest.raises(InstallError, match=r"stale generated files: admin_action\.py; run `python -m plugin bundle`"):
        run(fake, stale)
    assert fake.mutations() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": "wrong"}, "refused these credentials as an admin's: Your session has expired"),
        ({"api_key": USER}, "refused these credentials as an admin's: You do not have permission"),
        ({"api_key": None, "email": "admin@example.com", "password": "wrong"}, "sign-in as admin@example.com failed"),
        ({"api_key": None, "email": "user@example.com", "password": "right"}, "user@example.com is not an admin"),
    ],
)
def test_bad_credentials_give_a_clear_error(
    fake: FakeOpenWebUI, repo: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InstallError, match=re.escape(message)):
        run(fake, repo, **kwargs)
    assert fake.mutations() in ([], ["POST /api/v1/auths/signin"])


def test_email_and_password_sign_in_then_install(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo, api_key=None, email="admin@example.com", password="right")
    assert set(fake.functions) == set(IDS)


def test_a_server_error_carries_the_servers_words(repo: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/version":
            return httpx.Response(200, json={"version": "0.12.4"})
        if request.url.path == "/api/v1/functions/list":
            return httpx.Response(200, json=[])
        return httpx.Response(400, json={"detail": "[ERROR: No module named 'sqlite_utils']"})

    with pytest.raises(InstallError, match=r"functions/create -> 400: \[ERROR: No module named 'sqlite_utils'\]"):
        install(URL, repo, api_key=ADMIN, transport=httpx.MockTransport(handler))


def test_cli_exits_non_zero_with_one_line(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert main(["install", "--url", "ftp://nowhere", "--api-key", "k", "--dir", str(repo)]) == 1
    assert capsys.readouterr().err == "install failed: --url must start with http:// or https://, got 'ftp://nowhere'\n"
    assert main(["install", "--url", "http://127.0.0.1:9", "--api-key", "k", "--dir", str(repo)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("install failed: cannot reach http://127.0.0.1:9") and err.count("\n") == 1


def test_bundle_subcommand_still_works(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert main(["bundle", "--check", "--root", str(repo)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_uninstall_removes_functions_and_record_keeps_data_and_is_idempotent(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo)
    fake.models["fake-gpt"] = {"id": "fake-gpt", "access_grants": []}
    summary = uninstall(URL, api_key=ADMIN, transport=fake.transport())
    assert fake.functions == {} and set(fake.models) == {"fake-gpt"}
    assert summary[:6] == [
        "function openwebui_monitor_filter: deleted",
        "function openwebui_monitor_pipe: deleted",
        "function admin_action: deleted",
        "function openwebui_monitor_admin_action: deleted",
        "model record openwebui_monitor_pipe: deleted",
        "model record openwebui_monitor_admin: deleted",
    ]
    assert "DATA_DIR/openwebui_monitor/monitor.db" in summary[-1]
    fake.calls.clear()
    again = uninstall(URL, api_key=ADMIN, transport=fake.transport())
    assert fake.mutations() == []
    assert again[:6] == [
        "function openwebui_monitor_filter: not installed",
        "function openwebui_monitor_pipe: not installed",
        "function admin_action: not installed",
        "function openwebui_monitor_admin_action: not installed",
        "model record openwebui_monitor_pipe: not present",
        "model record openwebui_monitor_admin: not present",
    ]


def test_uninstall_needs_an_admin(fake: FakeOpenWebUI, repo: Path) -> None:
    run(fake, repo)
    with pytest.raises(InstallError, match="refused these credentials as an admin's"):
        uninstall(URL, api_key=USER, transport=fake.transport())
    assert set(fake.functions) == set(IDS)


def test_group_option_grants_read_to_that_group_instead_of_everyone(fake: FakeOpenWebUI, repo: Path) -> None:
    summary = run(fake, repo, group="Finance")
    finance = {"principal_type": "group", "principal_id": "grp-1", "permission": "read"}
    grants = [{k: g[k] for k in PUBLIC_READ} for g in fake.models["openwebui_monitor_pipe"]["access_grants"]]
    assert grants == [finance]
    assert summary[4].endswith("created, read for group 'Finance'")
    fake.calls.clear()
    run(fake, repo, group="Finance")
    assert fake.mutations() == []
    run(fake, repo)  # public again: the group's grant stays, public read is added
    grants = [{k: g[k] for k in PUBLIC_READ} for g in fake.models["openwebui_monitor_pipe"]["access_grants"]]
    assert grants == [finance, PUBLIC_READ]
    summary = run(fake, repo, group="Finance")
    grants = [{k: g[k] for k in PUBLIC_READ} for g in fake.models["openwebui_monitor_pipe"]["access_grants"]]
    assert grants == [finance] and summary[4].endswith("now read for group 'Finance'")


def test_unknown_group_is_refused_before_any_change(fake: FakeOpenWebUI, repo: Path) -> None:
    with pytest.raises(
        InstallError, match=re.escape("no group named 'Sales' in Open WebUI (groups: 'Finance', 'Staff')")
    ):
        run(fake, repo, group="Sales")
    assert fake.mutations() == []


@pytest.mark.parametrize("version", ["0.8.12", "0.6.5", "0.8.99-dev"])
def test_older_open_webui_is_refused_before_credentials_are_sent(repo: Path, version: str) -> None:
    """Before 0.9.0 outlets run only on a body the browser writes: one line says so."""
    fake = FakeOpenWebUI(version=version)
    why = f"Open WebUI {version} at {URL} is older than 0.9.0: before 0.9.0 outlets run only on a request body the "
    with pytest.raises(InstallError, match=re.escape(why) + ".*users could set their own charges"):
        run(fake, repo)
    assert fake.calls == ["GET /api/version"]
    with pytest.raises(InstallError, match=r"older than 0\.9\.0"):
        uninstall(URL, api_key=ADMIN, transport=fake.transport())


@pytest.mark.parametrize("version", ["0.9.0", "0.9.6", "0.10.2", "0.11.4", "0.12.4", "0.12.4-dev"])
def test_supported_versions_install_without_a_warning(repo: Path, version: str) -> None:
    fake = FakeOpenWebUI(version=version)
    lines = run(fake, repo)
    assert set(fake.functions) == set(IDS)
    assert not [line for line in lines if "warning" in line], lines


def test_a_server_that_does_not_say_its_release_installs_with_a_warning(repo: Path) -> None:
    """Open WebUI says 0.0.0 when started by uvicorn or gunicorn without its package.json: not an old release."""
    fake = FakeOpenWebUI(version="0.0.0")
    lines = run(fake, repo)
    assert set(fake.functions) == set(IDS)
    assert lines[0].startswith("warning: Open WebUI does not say its release (0.0.0")


@pytest.mark.parametrize("version", ["0.12.5", "0.13.0-dev", "1.0"])
def test_a_newer_open_webui_than_tested_installs_with_a_warning(repo: Path, version: str) -> None:
    fake = FakeOpenWebUI(version=version)
    lines = run(fake, repo)
    assert set(fake.functions) == set(IDS)
    assert lines[0] == (f"warning: Open WebUI {version} is newer than 0.12.4, the newest tested; installed")


def test_parse_version() -> None:
    assert parse_version("0.12.4") == (0, 12, 4)
    assert parse_version("v0.13.0rc1") == (0, 13, 0)
    with pytest.raises(ValueError):
        parse_version("latest")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404, text="<html>nginx</html>"), "is not Open WebUI (GET /api/version -> 404); check --url"),
        (httpx.Response(200, text="<html>some other app</html>"), "is not Open WebUI (GET /api/version -> 200)"),
        (httpx.Response(200, json={"name": "other"}), "is not Open WebUI (GET /api/version -> 200)"),
    ],
)
def test_wrong_url_is_named_as_such(repo: Path, response: httpx.Response, message: str) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return response

    with pytest.raises(InstallError, match=re.escape(message)):
        install(URL, repo, api_key=ADMIN, transport=httpx.MockTransport(handler))
    assert calls == ["/api/version"]


def test_server_down_is_named_as_such(repo: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(InstallError, match=re.escape(f"cannot reach {URL}: [Errno 111] Connection refused; is Open")):
        install(URL, repo, api_key=ADMIN, transport=httpx.MockTransport(handler))


def test_cli_uninstall_and_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["uninstall", "--url", "http://127.0.0.1:9", "--api-key", "k"]) == 1
    assert capsys.readouterr().err.startswith("uninstall failed: cannot reach http://127.0.0.1:9")
    args = ["install", "--url", "http://127.0.0.1:9", "--api-key", "k", "--group", "Finance"]
    assert main(args) == 1
