"""A user's budget at a hook: the budgets' configuration, and their Open WebUI groups only when a group has a budget.

Open WebUI's groups live in its own database, which a hook should not read at every chat; they are remembered per
user for GROUPS_TTL seconds by the filter instance (each process has its own). A failed read is not remembered, so
the next chat asks again: a new user's group balance is given only once, and must not be missed for a hiccup.
"""

from __future__ import annotations

import logging
import time

from .. import openwebui
from ..domain import billing, budgets
from ..store import Store

log = logging.getLogger(__name__)

GROUPS_TTL = 60.0  # seconds a user's Open WebUI groups are remembered (only read when a group has a budget)
MAX_REMEMBERED = 10_000  # users whose groups are remembered at once; past it the memory starts afresh


class Groups:
    """The Open WebUI groups of the users this process has seen lately, for their budgets."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, tuple[str, ...]]] = {}  # user id -> (expires, group ids)

    async def plan(self, store: Store, member: billing.Member) -> budgets.Plan:
        """The user's budget: one read of the budgets' version on the loop, and their Open WebUI groups only
        when some group has a budget (remembered for GROUPS_TTL seconds)."""
        config = await budgets.current(store)
        if not config.groups and not config.users:
            return budgets.NO_PLAN
        groups: tuple[str, ...] = ()
        if config.needs_groups:
            groups = await self._of(member.id)
        return config.plan(member.id, groups)

    async def _of(self, user_id: str) -> tuple[str, ...]:
        now = time.monotonic()
        cached = self._known.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            groups = tuple(await openwebui.member_group_ids(user_id))
        except Exception:  # broad on purpose: Open WebUI's own database; the user's own budget still applies
            # Not remembered: the next chat asks again (a new user's group balance is given only once).
            log.warning("openwebui_monitor: could not read the groups of %s", user_id, exc_info=True)
            return ()
        if len(self._known) > MAX_REMEMBERED:
            self._known.clear()
        self._known[user_id] = (now + GROUPS_TTL, groups)
        return groups
