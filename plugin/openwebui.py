"""The only module that knows Open WebUI: where its data lives, its model list, its request paths.

Imports of `open_webui` stay inside functions, so the library can be imported and tested without a server.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The deprecated endpoint that re-runs outlets on a body the client supplies (reference §0.1): never bill it.
LEGACY_COMPLETED_PATHS = ("/api/chat/completed", "/api/v1/chat/completed")


def data_dir() -> Path:
    """Open WebUI's DATA_DIR. Read from the already-loaded module: inside the server it is always there, and
    importing it elsewhere would start Open WebUI's configuration (and exit without a secret key)."""
    env = sys.modules.get("open_webui.env")
    if env is not None and getattr(env, "DATA_DIR", None):
        return Path(env.DATA_DIR)
    return Path(os.environ.get("DATA_DIR") or "data")


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
    """Whether this model is our own report pipe (never billed): its loaded instance says so."""
    if not model or not model.get("pipe"):
        return False
    function_id = str(model.get("id", "")).split(".", 1)[0]
    functions = getattr(getattr(getattr(request, "app", None), "state", None), "FUNCTIONS", None) or {}
    instance = functions.get(function_id) if isinstance(functions, Mapping) else None
    return getattr(instance, "openwebui_monitor_role", None) == "report"
