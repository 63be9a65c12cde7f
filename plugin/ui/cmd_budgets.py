"""`/budget`: the list, setting a group's initial balance or a group's or user's allowance, and clearing one;
and the allowance line under a reader's `/balance`. Changes are `Session` operations; words are `budget_views`'."""

from __future__ import annotations

from ..app.session import Session
from ..domain import budget_admin, budgets
from ..errors import InvalidBudget
from ..money import money
from . import budget_views
from .admin_views import person_label
from .cmd_common import shown
from .parse import Command


async def allowance_line(session: Session, user_id: str) -> str:
    """The reader's allowance and when it next refills, or "" when they have none."""
    allowance = await session.allowance_of(user_id)
    if allowance is None:
        return ""
    return session.t(
        "allowance_line",
        allowance=budget_views.allowance(allowance, session.lang, session.symbol),
        when=budgets.when(allowance.next_refill(session.store.clock())),
    )


async def budget(session: Session, command: Command) -> str:
    """`/budget` lists; `group|user NAME ...` sets; `clear group|user NAME [init|allowance]` removes."""
    groups = await session.group_list()
    now = session.store.clock()
    if not command.sub:
        if command.args:
            raise InvalidBudget(text=shown(command.rest))
        config = await session.budget_config()
        names = {g["id"]: g["name"] for g in groups}
        return budget_views.budget_listing(config, names, session.lang, session.symbol, now)
    if command.sub == "clear":
        scope, name, part = budget_admin.parse_clear(command.args)
    else:
        scope = command.sub
        setting = budget_admin.parse_setting(command.args, scope=scope)
        name = setting.name
    if scope == "group":
        group = budget_admin.find_group(groups, name)
        target, label = group["id"], group["name"]
    else:
        person = await session.find_person(name)
        target, label = person["id"], person.get("email") or person_label(person)
    target_words = budget_views.budget_target(scope, label, session.lang)
    if command.sub == "clear":
        changed = await session.clear_budget(scope, target, part)
        return session.t("budget_cleared" if changed else "budget_not_set", target=target_words)
    if setting.init is not None:
        await session.set_budget_init(target, label, setting.init)
        return session.t("budget_init_set", target=target_words, amount=money(setting.init, session.symbol, exact=True))
    await session.set_allowance(scope, target, label, setting)
    allowance = budgets.Allowance(setting.period, setting.mode, setting.amount, scope, label)
    return session.t(
        "budget_allowance_set",
        target=target_words,
        allowance=budget_views.allowance(allowance, session.lang, session.symbol),
        when=budgets.when(allowance.next_refill(now)),
    )
