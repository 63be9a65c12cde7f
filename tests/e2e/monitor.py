"""Our four functions installed into the shared test server the way an admin installs them, and removed again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plugin.store import Store
from plugin.tools.install import install

from .fake_upstream import MODEL_GPT
from .owui import OpenWebUI

ROOT = Path(__file__).resolve().parents[2]
FILTER, PIPE, ACTION = "openwebui_monitor_filter", "openwebui_monitor_pipe", "admin_action"
ADMIN_ACTION, ADMIN_MODEL = "openwebui_monitor_admin_action", "openwebui_monitor_admin"  # admin buttons, their model


def install_monitor(owui: OpenWebUI) -> None:
    """The installer over REST, then English notices, no starting balance, no pre-charge, and a model record for
    the fake upstream's model."""
    install(owui.base_url, ROOT, api_key=owui.admin_token)
    owui.set_valves(FILTER, {**owui.get_valves(FILTER), "language": "en", "init_balance": 0, "cost_on_inlet": "0"})
    owui.create_model_record(MODEL_GPT, MODEL_GPT)


@contextmanager
def installed_monitor(owui: OpenWebUI, extra_models: Sequence[str] = ()) -> Iterator[Store]:
    """`install_monitor`, the monitor's database opened beside the server, and afterwards the functions and the
    model records (with `extra_models` the module created) deleted, so the next module starts clean."""
    install_monitor(owui)
    store = Store(owui.data_dir / "openwebui_monitor" / "monitor.db")
    try:
        yield store
    finally:
        store.close()
        for fid in (FILTER, PIPE, ACTION, ADMIN_ACTION):
            owui.delete_function(fid)
        for model in (PIPE, ADMIN_MODEL, *extra_models, MODEL_GPT):
            owui.delete_model_record(model)


def ask(owui: OpenWebUI, token: str, text: str, *, stream: bool = False) -> str:
    """What the Usage Monitor model answers the holder of `token`."""
    _status, result = owui.chat_api(token, PIPE, text, stream=stream)
    return result["text"] if stream else result["choices"][0]["message"]["content"]


def notice(message: dict) -> str:
    """The status lines Open WebUI saved under a reply (our notice among them)."""
    return " / ".join(item.get("description", "") for item in message.get("statusHistory") or [])


def balance(store: Store, user: dict) -> int:
    """The user's balance as stored (0 before their first contact)."""
    row = store.get_user(user["id"])
    return row["balance"] if row else 0


def wait_for(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    """Poll `probe` until it answers something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if value := probe():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)
