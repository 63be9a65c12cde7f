"""Install or update the four generated Functions in a running Open WebUI over its REST API, with the pipe's
model record and the admin-only "Usage Monitor (admin)" model record the admin's buttons are attached to.

Idempotent by design: every step reads the server's state first and changes only what differs,
because Open WebUI 0.12.4's toggle endpoints *flip* a flag (calling them blindly would switch an
installed function off again) and its valves endpoint *replaces* the stored dict (posting only
the new values would erase an admin's settings). The caller owns the ``httpx.Client`` so tests can
drive the installer through ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..openwebui.releases import OLDEST_SUPPORTED, UNKNOWN, dotted, parse_version, untested
from .bundle import BundleError, stale_bundles


@dataclass(frozen=True)
class Spec:
    """One Function to install: its id, source file, display name and Open WebUI type; whether it is global (on
    every model; otherwise it is made not global, so buttons never leak onto models users see); and whose stored
    valves a new install of it starts from (the admin's buttons read the same database as everyone's)."""

    id: str
    filename: str
    name: str
    type: str
    make_global: bool
    valves_from: str = ""


SPECS = (
    Spec("openwebui_monitor_filter", "openwebui_monitor_filter.py", "OpenWebUI Monitor", "filter", True),
    Spec("openwebui_monitor_pipe", "openwebui_monitor_pipe.py", "Usage Monitor", "pipe", False),
    Spec("admin_action", "admin_action.py", "OpenWebUI Monitor Actions", "action", True),
    Spec(
        "openwebui_monitor_admin_action",
        "openwebui_monitor_admin_action.py",
        "OpenWebUI Monitor Admin Actions",
        "action",
        False,
        valves_from="admin_action",
    ),
)
PIPE, ADMIN_ACTION = SPECS[1], SPECS[3]
# Open WebUI 0.12.4 shows a model's buttons to everyone who may use the model, so the admin's buttons go on a model
# only admins see: a workspace model over the pipe with no access grants (admins see every model; users only those
# granted to them), listing the admin's Function in `meta.actionIds`.
ADMIN_MODEL_ID, ADMIN_MODEL_NAME = "openwebui_monitor_admin", "Usage Monitor (admin)"
ADMIN_MODEL_NOTE = "the Usage Monitor for admins, with the admin buttons under its replies"
PUBLIC_READ = {"principal_type": "user", "principal_id": "*", "permission": "read"}
DATA_NOTE = (
    "the monitor's data stays on the server: DATA_DIR/openwebui_monitor/monitor.db "
    "(or the file named by the db_path valve); install again to pick it up, delete the file to forget it"
)


class InstallError(Exception):
    """A reason to stop, worded for the admin running the installer (one line)."""


def frontmatter(text: str) -> dict[str, str]:
    """Read the header the way Open WebUI does: only if the first line is exactly three quotes."""
    lines = text.splitlines()
    if not lines or lines[0] != '"""':
        return {}
    meta: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip() == '"""':
            break
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta


def load_valves(path: Path | None) -> dict[str, dict[str, Any]]:
    """Parse ``--valves-json``; reject unknown function ids before anything touches the server."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InstallError(f"cannot read valves from {path}: {exc}") from exc
    known = {s.id for s in SPECS}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InstallError(f"{path}: expected a JSON object {{function_id: {{valve: value}}}}")
    unknown = sorted(set(data) - known)
    if unknown:
        raise InstallError(f"{path}: unknown function id(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return data


def _reason(response: httpx.Response) -> str:
    """The server's own words (FastAPI puts them in ``detail``), on one line."""
    try:
        body = response.json()
        text = body.get("detail", body) if isinstance(body, dict) else body
    except ValueError:
        text = response.text
    return " ".join(str(text).split())[:300] or response.reason_phrase


class Installer:
    """The install steps; ``client`` must carry ``base_url`` and the admin's Authorization header."""

    def __init__(
        self,
        client: httpx.Client,
        root: Path,
        *,
        pipe_public: bool = True,
        group: str | None = None,
        valves: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.client = client
        self.root = Path(root)
        self.pipe_public = pipe_public and not group
        self.group = group
        self.valves = valves or {}

    def call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> httpx.Response:
        """One request; transport problems and unexpected statuses become an InstallError."""
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise InstallError(unreachable(self.client, exc)) from exc
        if response.status_code not in ok:
            raise InstallError(f"{method} {path} -> {response.status_code}: {_reason(response)}")
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise InstallError(f"{method} {path}: not a JSON answer; is {self.client.base_url} Open WebUI?") from exc

    def run(self) -> list[str]:
        """Install everything and return one summary line per object touched."""
        stale = self._stale()
        if stale:
            raise InstallError(f"stale generated files: {', '.join(stale)}; run `python -m plugin bundle` first")
        sources = {s.id: self._read(s) for s in SPECS}
        existing = self.admin_function_ids()
        grant = self.group_grant() if self.group else None
        summary = [self.install_function(s, sources[s.id], s.id in existing) for s in SPECS]
        summary.append(self.ensure_model_record(frontmatter(sources[PIPE.id]).get("description", ""), grant))
        summary.append(self.ensure_admin_model())
        summary.append(self.refresh_models())
        return summary

    def uninstall(self) -> list[str]:
        """Remove the four functions and the two model records; the SQLite file is left alone
        (Open WebUI has no endpoint to delete it, and a reinstall should find the balances again)."""
        existing = self.admin_function_ids()
        summary = []
        for spec in SPECS:
            if spec.id in existing:
                self.call("DELETE", f"/api/v1/functions/id/{spec.id}/delete")
                summary.append(f"function {spec.id}: deleted")
            else:
                summary.append(f"function {spec.id}: not installed")
        for model_id in (PIPE.id, ADMIN_MODEL_ID):
            record = self.call("GET", "/api/v1/models/model", params={"id": model_id}, ok=(200, 401, 404))
            if record.status_code == 200 and record.content.strip() not in (b"", b"null"):
                self.call("POST", "/api/v1/models/model/delete", json={"id": model_id})
                summary.append(f"model record {model_id}: deleted")
            else:
                summary.append(f"model record {model_id}: not present")
        self.json("GET", "/api/models", params={"refresh": "true"})
        summary.append(DATA_NOTE)
        return summary

    def group_grant(self) -> dict[str, str]:
        """Read access for the Open WebUI group named ``self.group`` (looked up by exact name)."""
        groups = self.json("GET", "/api/v1/groups/")
        if not isinstance(groups, list):
            raise InstallError(f"{self.client.base_url} does not answer like Open WebUI: groups are not a list")
        ids = [g.get("id") for g in groups if isinstance(g, dict) and g.get("name") == self.group]
        if len(ids) != 1:
            names = ", ".join(sorted(repr(g.get("name")) for g in groups if isinstance(g, dict))) or "none"
            problem = "no group" if not ids else f"{len(ids)} groups"
            raise InstallError(f"{problem} named {self.group!r} in Open WebUI (groups: {names})")
        return {"principal_type": "group", "principal_id": str(ids[0]), "permission": "read"}

    def _stale(self) -> list[str]:
        try:
            return stale_bundles(self.root)
        except BundleError as exc:
            raise InstallError(f"cannot check the generated files: {exc}") from exc

    def _read(self, spec: Spec) -> str:
        try:
            return (self.root / spec.filename).read_text(encoding="utf-8")
        except OSError as exc:
            raise InstallError(f"cannot read {spec.filename}: {exc}") from exc

    def admin_function_ids(self) -> set[str]:
        """List functions (an admin-only endpoint): proves the credentials are an admin's, and
        tells create from update without GET /id/{id}, which answers 401 for unknown ids."""
        response = self.call("GET", "/api/v1/functions/list", ok=(200, 401, 403))
        if response.status_code != 200:
            raise InstallError(f"{self.client.base_url} refused these credentials as an admin's: {_reason(response)}")
        try:
            return {f["id"] for f in response.json()}
        except (ValueError, TypeError, KeyError) as exc:
            raise InstallError(f"{self.client.base_url} does not answer like Open WebUI: {exc}") from exc

    def install_function(self, spec: Spec, content: str, exists: bool) -> str:
        """Create or update, set valves, then switch on (valves first, so the first chat sees them)."""
        form: dict[str, Any] = {
            "id": spec.id,
            "name": spec.name,
            "content": content,
            "meta": {"description": frontmatter(content).get("description", spec.name)},
        }
        base = f"/api/v1/functions/id/{spec.id}"
        done: list[str] = []
        if not exists:
            record = self.json("POST", "/api/v1/functions/create", json=form)
            done.append("created")
        else:
            record = self.json("GET", base)
            same = (
                record.get("content") == content
                and record.get("name") == spec.name
                and (record.get("meta") or {}).get("description") == form["meta"]["description"]
            )
            if not same:
                record = self.json("POST", f"{base}/update", json=form)
                done.append("updated")
        if record.get("type") != spec.type:
            raise InstallError(f"{spec.id}: Open WebUI loaded it as {record.get('type')!r}, expected {spec.type!r}")
        overlay = dict(self.valves.get(spec.id) or {})
        if spec.valves_from and not exists:
            seed = self.json("GET", f"/api/v1/functions/id/{spec.valves_from}/valves") or {}
            overlay = {**seed, **overlay}
            if seed:
                done.append(f"valves from {spec.valves_from}")
        if overlay:
            done += self.merge_valves(spec.id, overlay)
        if not record.get("is_active"):
            record = self.json("POST", f"{base}/toggle")
            done.append("activated")
        if bool(record.get("is_global")) != spec.make_global:
            record = self.json("POST", f"{base}/toggle/global")
            done.append("made global" if spec.make_global else "made not global")
        if not record.get("is_active") or bool(record.get("is_global")) != spec.make_global:
            raise InstallError(f"{spec.id}: state did not change as asked (another admin toggling it?)")
        return f"function {spec.id} ({spec.type}, {spec.name!r}): {', '.join(done) or 'unchanged'}"

    def merge_valves(self, fid: str, overlay: dict[str, Any]) -> list[str]:
        """GET the stored valves, overlay ours, POST the whole dict (the endpoint replaces it).
        A ``null`` in the overlay removes a stored value, so the valve falls back to its default."""
        base = f"/api/v1/functions/id/{fid}/valves"
        spec = self.json("GET", f"{base}/spec") or {}
        unknown = sorted(set(overlay) - set(spec.get("properties") or {}))
        if unknown:
            raise InstallError(f"{fid}: unknown valve(s) {', '.join(unknown)}")
        current = self.json("GET", base) or {}
        merged = {k: v for k, v in {**current, **overlay}.items() if v is not None}
        if merged == current:
            return []
        self.json("POST", f"{base}/update", json=merged)
        return [f"valves merged ({', '.join(sorted(overlay))})"]

    def ensure_model_record(self, description: str, grant: dict[str, str] | None = None) -> str:
        """Give the pipe a model record, without which non-admins get "Model not found".
        An existing record keeps its other fields; grants go through /model/access/update
        because /model/update leaves an existing record's grants untouched. ``grant`` (a group's
        read access) replaces public read."""
        path = "/api/v1/models/model"
        audience = f"read for group {self.group!r}" if grant else "public read" if self.pipe_public else "admins only"
        response = self.call("GET", path, params={"id": PIPE.id}, ok=(200, 404))
        if response.status_code == 404:
            form = {
                "id": PIPE.id,
                "base_model_id": None,
                "name": PIPE.name,
                "meta": {"description": description},
                "params": {},
                "access_grants": [grant] if grant else [PUBLIC_READ] if self.pipe_public else [],
                "is_active": True,
            }
            self.json("POST", "/api/v1/models/create", json=form)
            return f"model record {PIPE.id}: created, {audience}"
        record = response.json()
        done: list[str] = []
        meta = dict(record.get("meta") or {})
        if record.get("name") != PIPE.name or meta.get("description") != description:
            meta["description"] = description
            form = {
                "id": PIPE.id,
                "base_model_id": record.get("base_model_id"),
                "name": PIPE.name,
                "meta": meta,
                "params": record.get("params") or {},
            }
            self.json("POST", f"{path}/update", json=form)
            done.append("updated")
        keys = ("principal_type", "principal_id", "permission")
        grants = [{k: g.get(k) for k in keys} for g in record.get("access_grants") or []]
        wanted = [g for g in grants if g != PUBLIC_READ]
        if grant and grant not in wanted:
            wanted.append(grant)
        if self.pipe_public:
            wanted.append(PUBLIC_READ)
        if sorted(map(str, wanted)) != sorted(map(str, grants)):
            body = {"id": PIPE.id, "name": PIPE.name, "access_grants": wanted}
            self.json("POST", f"{path}/access/update", json=body)
            done.append("made public" if self.pipe_public else f"now {audience}" if grant else "public read removed")
        if record.get("is_active") is False:
            done.append("note: the record is disabled, left as the admin set it")
        return f"model record {PIPE.id}: {', '.join(done) or 'unchanged'}"

    def ensure_admin_model(self) -> str:
        """The admin-only model the admin's buttons are attached to: a workspace model over the pipe (so it answers
        the same questions) with no access grants, listing the admin's Function in `meta.actionIds`. An existing
        record keeps its other fields and the grants an admin gave it.

        An existing record that is not an admin's is refused (InstallError, naming its owner), never taken over:
        its owner may edit it, and Open WebUI 0.12.4 has no way to hand a model to someone else, so taking it over
        would mean deleting what someone made. The admin deletes it (Workspace → Models) and installs again."""
        path = "/api/v1/models/model"
        response = self.call("GET", path, params={"id": ADMIN_MODEL_ID}, ok=(200, 404))
        if response.status_code == 404 or response.content.strip() in (b"", b"null"):
            form = {
                "id": ADMIN_MODEL_ID,
                "base_model_id": PIPE.id,
                "name": ADMIN_MODEL_NAME,
                "meta": {"description": ADMIN_MODEL_NOTE, "actionIds": [ADMIN_ACTION.id]},
                "params": {},
                "access_grants": [],
                "is_active": True,
            }
            self.json("POST", "/api/v1/models/create", json=form)
            return f"model record {ADMIN_MODEL_ID}: created, admins only, with the admin buttons"
        record = response.json()
        self.refuse_unless_admins(record)
        meta = dict(record.get("meta") or {})
        action_ids = list(meta.get("actionIds") or [])
        if ADMIN_ACTION.id in action_ids and record.get("base_model_id") == PIPE.id:
            return f"model record {ADMIN_MODEL_ID}: unchanged"
        meta["actionIds"] = [*action_ids, ADMIN_ACTION.id] if ADMIN_ACTION.id not in action_ids else action_ids
        form = {
            "id": ADMIN_MODEL_ID,
            "base_model_id": PIPE.id,
            "name": record.get("name") or ADMIN_MODEL_NAME,
            "meta": meta,
            "params": record.get("params") or {},
        }
        self.json("POST", f"{path}/update", json=form)
        return f"model record {ADMIN_MODEL_ID}: updated (admin buttons attached)"

    def refuse_unless_admins(self, record: dict[str, Any]) -> None:
        """Stop unless the admin model's existing record belongs to an admin: a user who made a record with its id
        first owns it and could edit it, so the admin buttons would show under a model they control."""
        owner = str(record.get("user_id") or "")
        info = self.call("GET", f"/api/v1/users/{owner}/info", ok=(200, 400, 404)) if owner else None
        person = info.json() if info is not None and info.status_code == 200 else {}
        if person.get("role") == "admin":
            return
        who = f"{person.get('email') or '?'}, role {person.get('role')}" if person else "not a known user"
        raise InstallError(
            f"model record {ADMIN_MODEL_ID}: refused, its owner {owner or '?'} ({who}) is not an admin and could "
            "edit it; delete that model (Workspace → Models) and install again"
        )

    def refresh_models(self) -> str:
        """Rebuild the server's model list so the pipe is served at once, and prove it is listed."""
        models = self.json("GET", "/api/models", params={"refresh": "true"}).get("data") or []
        listed = {model.get("id") for model in models}
        missing = [model_id for model_id in (PIPE.id, ADMIN_MODEL_ID) if model_id not in listed]
        if missing:
            raise InstallError(f"{', '.join(missing)} not in /api/models after install; see the server log")
        return f"model list refreshed: {len(models)} models, {PIPE.name!r} and {ADMIN_MODEL_NAME!r} among them"


def connect(
    url: str,
    *,
    api_key: str | None = None,
    email: str | None = None,
    password: str | None = None,
    timeout: float = 60.0,
    transport: httpx.BaseTransport | None = None,
) -> tuple[httpx.Client, str]:
    """A client authorised as the admin (an API key / JWT as is, or a JWT from signing in), and Open WebUI's
    version."""
    if not url.startswith(("http://", "https://")):
        raise InstallError(f"--url must start with http:// or https://, got {url!r}")
    if not (api_key or (email and password)):
        raise InstallError("give --api-key, or --email with --password")
    client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout, transport=transport)
    try:
        version = check_version(client)
        if not api_key:
            api_key = _sign_in(client, email or "", password or "")
    except BaseException:
        client.close()
        raise
    client.headers["Authorization"] = f"Bearer {api_key}"
    return client, version


def unreachable(client: httpx.Client, exc: httpx.HTTPError) -> str:
    """Why nothing answered, worded as what to check."""
    return f"cannot reach {client.base_url}: {exc or type(exc).__name__}; is Open WebUI running there?"


def check_version(client: httpx.Client) -> str:
    """Ask ``/api/version`` (no login needed) first: it tells a wrong URL, a server that is down and an
    Open WebUI too old for these functions apart, before any credentials are sent."""
    try:
        response = client.get("/api/version")
    except httpx.HTTPError as exc:
        raise InstallError(unreachable(client, exc)) from exc
    try:
        version = str(response.json()["version"]) if response.status_code == 200 else ""
        found = parse_version(version)
    except (ValueError, TypeError, KeyError):
        raise InstallError(
            f"{client.base_url} is not Open WebUI (GET /api/version -> {response.status_code}); check --url"
        ) from None
    if found < OLDEST_SUPPORTED and version != UNKNOWN:
        oldest = dotted(OLDEST_SUPPORTED)
        raise InstallError(
            f"Open WebUI {version} at {client.base_url} is older than {oldest}: before {oldest} outlets run only on a "
            "request body the browser writes, so users could set their own charges; upgrade Open WebUI"
        )
    return version


def _sign_in(client: httpx.Client, email: str, password: str) -> str:
    """Trade e-mail and password for a session token, refusing non-admins early."""
    try:
        response = client.post("/api/v1/auths/signin", json={"email": email, "password": password})
    except httpx.HTTPError as exc:
        raise InstallError(unreachable(client, exc)) from exc
    if response.status_code != 200:
        raise InstallError(f"sign-in as {email} failed ({response.status_code}): {_reason(response)}")
    try:
        data = response.json()
        role, token = data.get("role"), data["token"]
    except (ValueError, AttributeError, KeyError) as exc:
        raise InstallError(f"{client.base_url} does not answer like Open WebUI: {exc}") from exc
    if role != "admin":
        raise InstallError(f"{email} is not an admin (role {role!r})")
    return token


def install(
    url: str,
    root: Path,
    *,
    api_key: str | None = None,
    email: str | None = None,
    password: str | None = None,
    pipe_public: bool = True,
    group: str | None = None,
    valves_json: Path | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Everything the ``install`` command does; returns the summary lines or raises InstallError."""
    valves = load_valves(valves_json)
    client, version = connect(url, api_key=api_key, email=email, password=password, transport=transport)
    try:
        installer = Installer(client, root, pipe_public=pipe_public, group=group, valves=valves)
        return [f"warning: {note}; installed" for note in untested(version)] + installer.run()
    finally:
        client.close()


def uninstall(
    url: str,
    *,
    api_key: str | None = None,
    email: str | None = None,
    password: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Everything the ``uninstall`` command does; idempotent, and never touches the SQLite data."""
    client, _version = connect(url, api_key=api_key, email=email, password=password, transport=transport)
    try:
        return Installer(client, Path(".")).uninstall()
    finally:
        client.close()
