"""The part of `./scripts/serve` that runs once the server is up and the functions are installed.

As the admin it points Open WebUI's OpenAI connection at the model provider (the person's own, or the
local demo model), gives the provider's models public-read records so a normal user can pick them, and
creates that normal user. A user created here starts with a balance, topped up through the Usage Monitor
model exactly as an admin would (`/balance set`), so the first chat is billed rather than refused; the admin gets
one too, once per DATA_DIR (a marker file remembers it, so a later change the admin makes is never undone).

Everything arrives in the environment (never on argv, where other users of the machine could read the
passwords): URL, ADMIN_EMAIL, ADMIN_PASSWORD, CONNECTION_URL, CONNECTION_KEY, USER_EMAIL, USER_PASSWORD,
USER_BALANCE, ADMIN_BALANCE, DATA_DIR. Exits non-zero with one line on stderr when a step fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx

PIPE = "openwebui_monitor_pipe"
PUBLIC_READ = {"principal_type": "user", "principal_id": "*", "permission": "read"}
MAX_RECORDS = 20  # a big provider (hundreds of models) is left to the admin's own choice


class SetupError(Exception):
    """One line for the person running serve."""


def call(client: httpx.Client, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if response.status_code not in ok:
        raise SetupError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def connect_provider(client: httpx.Client, url: str, key: str) -> None:
    """Make the environment's provider the only OpenAI connection: Open WebUI reads OPENAI_API_BASE_URL
    only on a DATA_DIR's first start, and the demo model's port may differ from the last run."""
    config = call(client, "GET", "/openai/config")
    if config.get("OPENAI_API_BASE_URLS") == [url] and config.get("OPENAI_API_KEYS") == [key]:
        return
    form = {
        "ENABLE_OPENAI_API": True,
        "OPENAI_API_BASE_URLS": [url],
        "OPENAI_API_KEYS": [key],
        "OPENAI_API_CONFIGS": {"0": {"enable": True}},
    }
    call(client, "POST", "/openai/config/update", json=form)


def publish_models(client: httpx.Client) -> list[str]:
    """Public-read records for the provider's models (without one, a normal user cannot see them)."""
    models = call(client, "GET", "/api/models", params={"refresh": "true"}).get("data") or []
    served = [m for m in models if m.get("owned_by") == "openai" and not m.get("pipe")]
    if len(served) > MAX_RECORDS:
        print(f"  {len(served)} models from the provider: give users access in Admin Panel → Settings → Models")
        return []
    for model in served:
        response = client.get("/api/v1/models/model", params={"id": model["id"]})
        if response.status_code == 200 and response.content.strip() not in (b"", b"null"):
            continue  # the admin's record, kept as it is
        form = {
            "id": model["id"],
            "base_model_id": None,
            "name": model.get("name") or model["id"],
            "meta": {"description": "published by scripts/serve"},
            "params": {},
            "access_grants": [PUBLIC_READ],
            "is_active": True,
        }
        call(client, "POST", "/api/v1/models/create", json=form)
    call(client, "GET", "/api/models", params={"refresh": "true"})
    return [m["id"] for m in served]


def ensure_user(client: httpx.Client, email: str, password: str) -> bool:
    """Create the demo's normal user unless that e-mail exists; True when created."""
    users = call(client, "GET", "/api/v1/users/", params={"query": email}).get("users") or []
    if any(u.get("email") == email for u in users):
        return False
    call(
        client,
        "POST",
        "/api/v1/auths/add",
        json={"name": "Demo User", "email": email, "password": password, "role": "user"},
    )
    return True


def top_up(client: httpx.Client, email: str, amount: str) -> str:
    """`/balance set` through the Usage Monitor model, as an admin would type it."""
    body = {"model": PIPE, "messages": [{"role": "user", "content": f"/balance set {email} {amount}"}]}
    answer = call(client, "POST", "/api/chat/completions", json=body)
    return answer["choices"][0]["message"]["content"]


def top_up_admin_once(client: httpx.Client, email: str, amount: str, data_dir: str) -> bool:
    """The admin's starting balance, given on the first run only: without it the admin's first chat is refused
    ("ask an administrator to top up"), which is the admin. True when given now."""
    marker = Path(data_dir) / ".admin_balance_given"
    if marker.exists():
        return False
    top_up(client, email, amount)
    marker.write_text(amount + "\n")
    return True


def main() -> int:
    env = os.environ
    url = env["URL"]
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            signin = {"email": env["ADMIN_EMAIL"], "password": env["ADMIN_PASSWORD"]}
            client.headers["Authorization"] = (
                "Bearer " + call(client, "POST", "/api/v1/auths/signin", json=signin)["token"]
            )
            connect_provider(client, env["CONNECTION_URL"], env["CONNECTION_KEY"])
            models = publish_models(client)
            admin_balance = env.get("ADMIN_BALANCE", "10")
            if top_up_admin_once(client, env["ADMIN_EMAIL"], admin_balance, env["DATA_DIR"]):
                print(f"  gave {env['ADMIN_EMAIL']} a starting balance of {admin_balance}")
            if ensure_user(client, env["USER_EMAIL"], env["USER_PASSWORD"]):
                top_up(client, env["USER_EMAIL"], env.get("USER_BALANCE", "10"))
                print(f"  created {env['USER_EMAIL']} with a balance of {env.get('USER_BALANCE', '10')}")
            print(f"  models for everyone: {', '.join(models) or '(none found; check the provider)'}")
    except (SetupError, httpx.HTTPError, KeyError, ValueError) as exc:
        print(f"[serve] setup failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
