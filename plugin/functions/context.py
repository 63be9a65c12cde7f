"""What the pipe and the action both hand to `commands`: the store, who is asking, and Open WebUI's services."""

from __future__ import annotations

import time
from typing import Any

from .. import openwebui
from ..domain import ranges
from ..store import open_store_async
from ..ui import commands
from .valves import store_target


async def open_context(valves: Any, user: dict, lang: str, request: Any, **extra: Any) -> commands.Context:
    """A `commands.Context` from a function's valves (`db_path` or `database_url`, `currency_symbol`, `timezone`)
    and the `__user__` / `__request__` Open WebUI passed; `extra` adds what only one front-end has (page size,
    files)."""
    target, backups = store_target(valves)
    store = await open_store_async(target, backup_dir=backups)
    return commands.Context(
        store=store,
        user={key: str(user.get(key) or "") for key in ("id", "name", "email", "role")},
        lang=lang,
        symbol=valves.currency_symbol,
        tz=ranges.zone(valves.timezone),
        now=time.time(),
        directory=openwebui.list_users,
        models=lambda: openwebui.model_list(request),
        billing=openwebui.billing_settings,
        save_file=openwebui.save_file,
        groups=openwebui.list_groups,
        member_groups=openwebui.member_group_ids,
        **extra,
    )
