"""The installer against a real Open WebUI 0.12.4: three runs (JWT, API key, e-mail and password).

The module removes what it installed at the end, so later modules start from a server without the
four functions (they install the same ids themselves).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin.tools.install import PUBLIC_READ, install, uninstall

from .owui import ADMIN_EMAIL, ADMIN_PASSWORD, OpenWebUI

ROOT = Path(__file__).resolve().parents[2]
FILTER, PIPE, ACTION = "openwebui_monitor_filter", "openwebui_monitor_pipe", "admin_action"
ADMIN_ACTION, ADMIN_MODEL = "openwebui_monitor_admin_action", "openwebui_monitor_admin"
EXPECTED = {FILTER: ("filter", True), PIPE: ("pipe", False), ACTION: ("action", True), ADMIN_ACTION: ("action", False)}


@pytest.fixture(scope="module")
def clean(owui: OpenWebUI) -> Iterator[None]:
    """Start without the four functions and the two model records, and leave without them."""

    def remove() -> None:
        for fid in EXPECTED:
            owui.delete_function(fid)
        owui.delete_model_record(PIPE)
        owui.delete_model_record(ADMIN_MODEL)
        assert all(owui.get_function(fid) is None for fid in EXPECTED)

    remove()
    try:
        yield
    finally:
        remove()


def state(owui: OpenWebUI) -> dict[str, tuple]:
    records = {fid: owui.get_function(fid) for fid in EXPECTED}
    return {
        fid: (r["type"], r["is_active"], r["is_global"], r["name"], r["updated_at"])
        for fid, r in records.items()
        if r is not None
    }


def test_install_is_complete_public_and_idempotent(owui: OpenWebUI, clean: None, make_user, tmp_path: Path) -> None:
    first = install(owui.base_url, ROOT, api_key=owui.admin_token)
    assert [line.split(":")[-1].strip() for line in first[:4]] == [
        "created, activated, made global",
        "created, activated",
        "created, activated, made global",
        "created, activated",
    ], first

    installed = state(owui)
    for fid, (kind, is_global) in EXPECTED.items():
        assert installed[fid][:3] == (kind, True, is_global), (fid, installed[fid])
    assert [installed[fid][3] for fid in EXPECTED] == [
        "OpenWebUI Monitor",
        "Usage Monitor",
        "OpenWebUI Monitor Actions",
        "OpenWebUI Monitor Admin Actions",
    ]

    record = owui._json("GET", "/api/v1/models/model", params={"id": PIPE})
    assert record["name"] == "Usage Monitor"
    assert record["meta"]["description"] == owui.get_function(PIPE)["meta"]["description"]
    grants = [{k: g[k] for k in PUBLIC_READ} for g in record["access_grants"]]
    assert grants == [PUBLIC_READ]

    user = make_user("installer")
    seen = owui._json("GET", "/api/models", token=user["token"])["data"]
    assert {"id": PIPE, "name": "Usage Monitor"} in [{"id": m["id"], "name": m["name"]} for m in seen]
    # The admin's buttons: on the admin-only model over the pipe, which users do not see.
    assert ADMIN_MODEL not in {m["id"] for m in seen}
    admin_seen = {m["id"]: m for m in owui._json("GET", "/api/models")["data"]}
    assert admin_seen[ADMIN_MODEL]["name"] == "Usage Monitor (admin)"
    assert {f"{ADMIN_ACTION}.export", f"{ACTION}.usage"} <= {a["id"] for a in admin_seen[ADMIN_MODEL]["actions"]}
    assert not any(a["id"].startswith(ADMIN_ACTION) for a in admin_seen[PIPE]["actions"])

    # An admin sets a valve in the UI; the second run (a real sk- API key) overlays a file on it.
    owui.set_valves(FILTER, {"language": "zh"})
    api_key = owui._json("POST", "/api/v1/auths/api_key")["api_key"]
    overlay = tmp_path / "valves.json"
    overlay.write_text(json.dumps({FILTER: {"currency_symbol": "€"}}))
    second = install(owui.base_url, ROOT, api_key=api_key, valves_json=overlay)
    assert second[0].endswith(": valves merged (currency_symbol)"), second
    assert all(line.endswith("unchanged") for line in second[1:6]), second
    assert owui.get_valves(FILTER) == {"language": "zh", "currency_symbol": "€"}
    after_second = state(owui)  # saving valves moves the filter's updated_at, nothing else
    assert {fid: s[:4] for fid, s in after_second.items()} == {fid: s[:4] for fid, s in installed.items()}

    # The third run (e-mail and password) finds nothing to do and flips nothing back.
    third = install(owui.base_url, ROOT, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, valves_json=overlay)
    assert all(line.endswith("unchanged") for line in third[:6]), third
    assert state(owui) == after_second
    assert owui.get_valves(FILTER) == {"language": "zh", "currency_symbol": "€"}
    seen = owui._json("GET", "/api/models", token=user["token"])["data"]
    assert PIPE in {m["id"] for m in seen}


def test_group_install_then_uninstall_keeps_the_data(owui: OpenWebUI, clean: None, make_user) -> None:
    """`--group` limits the model to one group's members; uninstall removes everything but the SQLite file."""
    member, outsider = make_user("member"), make_user("outsider")
    group = owui._json("POST", "/api/v1/groups/create", json={"name": "Monitor readers", "description": ""})
    owui._json("POST", f"/api/v1/groups/id/{group['id']}/users/add", json={"user_ids": [member["id"]]})
    try:
        summary = install(owui.base_url, ROOT, api_key=owui.admin_token, group="Monitor readers")
        assert summary[4].endswith("read for group 'Monitor readers'"), summary
        seen = {
            u: {m["id"] for m in owui._json("GET", "/api/models", token=t)["data"]}
            for u, t in (("member", member["token"]), ("outsider", outsider["token"]))
        }
        assert PIPE in seen["member"] and PIPE not in seen["outsider"], seen

        status, _ = owui.chat_api(member["token"], PIPE, "/balance")
        assert status == 200
        db = owui.data_dir / "openwebui_monitor" / "monitor.db"
        assert db.exists()

        first = uninstall(owui.base_url, api_key=owui.admin_token)
        assert first[:6] == [
            f"function {FILTER}: deleted",
            f"function {PIPE}: deleted",
            f"function {ACTION}: deleted",
            f"function {ADMIN_ACTION}: deleted",
            f"model record {PIPE}: deleted",
            f"model record {ADMIN_MODEL}: deleted",
        ], first
        assert all(owui.get_function(fid) is None for fid in EXPECTED)
        assert owui.request("GET", "/api/v1/models/model", params={"id": PIPE}, check=False).status_code != 200
        assert PIPE not in {m["id"] for m in owui.refresh_models()}
        assert db.exists()
        second = uninstall(owui.base_url, api_key=owui.admin_token)
        assert all(line.endswith(("not installed", "not present")) for line in second[:6]), second
    finally:
        owui.request("DELETE", f"/api/v1/groups/id/{group['id']}/delete", check=False)
