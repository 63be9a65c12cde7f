"""The admin's `/budget` command: read what was typed, name the group, change the budgets table (the answers are
`ui.admin_views`').

`/budget group NAME init AMOUNT`, `/budget group NAME daily reset AMOUNT`, `/budget user EMAIL weekly add AMOUNT`,
`/budget clear group NAME [init|allowance]`, `/budget clear user EMAIL` and `/budget` (the list). The setting is
read from the end of the words, so a group name may have spaces with or without quotes. Words in en/zh/es.
Changing a budget moves no money: refills happen at each user's next request (see `budgets`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import AmbiguousGroup, InvalidBudget, UnknownGroup
from ..money import parse_amount
from ..store import Store
from ..text import quoted as _shown
from ..words.vocabulary import BUDGET_SCOPES as SCOPES
from ..words.vocabulary import INIT_WORDS, MODE_WORDS, PART_WORDS, PERIOD_WORDS


def _word(table: Mapping[str, Sequence[str]], text: str) -> str | None:
    lowered = text.strip().lower()
    return next((key for key, words in table.items() if lowered in words), None)


@dataclass(frozen=True)
class Setting:
    """What `/budget group|user NAME ...` asks for: the target's words and either an init or an allowance."""

    name: str
    init: int | None = None
    period: str = ""
    mode: str = ""
    amount: int = 0


def parse_setting(args: Sequence[str], *, scope: str) -> Setting:
    """`NAME... init AMOUNT` (groups) or `NAME... PERIOD MODE AMOUNT`; anything else is `InvalidBudget`."""
    words = [w for w in args if w.strip()]
    shown = _shown(" ".join(words))
    if len(words) >= 4 and _word(PERIOD_WORDS, words[-3]) and _word(MODE_WORDS, words[-2]):
        amount = parse_amount(words[-1])
        name = " ".join(words[:-3]).strip()
        if name:
            return Setting(name, None, _word(PERIOD_WORDS, words[-3]) or "", _word(MODE_WORDS, words[-2]) or "", amount)
    if scope == "group" and len(words) >= 3 and words[-2].strip().lower() in INIT_WORDS:
        amount = parse_amount(words[-1])
        name = " ".join(words[:-2]).strip()
        if name:
            return Setting(name, init=amount)
    raise InvalidBudget(text=shown)


def parse_clear(args: Sequence[str]) -> tuple[str, str, str]:
    """`group|user NAME... [init|allowance]` -> (scope, name, part: init / allowance / all)."""
    words = [w for w in args if w.strip()]
    scope = _word(SCOPES, words[0]) if words else None
    if scope is None:
        raise InvalidBudget(text=_shown(" ".join(words)))
    rest = words[1:]
    part = _word(PART_WORDS, rest[-1]) if len(rest) > 1 else None
    if part:
        rest = rest[:-1]
    if not rest or (scope == "user" and part == "init"):
        raise InvalidBudget(text=_shown(" ".join(words)))
    return scope, " ".join(rest), part or "all"


def find_group(groups: Iterable[Mapping[str, Any]], query: str) -> dict[str, str]:
    """The one Open WebUI group `query` names: its exact id, else its exact name (any case)."""
    wanted = str(query or "").strip()
    everyone = [{"id": str(g.get("id") or ""), "name": str(g.get("name") or "")} for g in groups]
    for rule in (lambda g: g["id"] == wanted, lambda g: g["name"].casefold() == wanted.casefold()):
        hits = [g for g in everyone if g["id"] and rule(g)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            lines = [f"- {_shown(g['name'])} (`{_shown(g['id'])}`)" for g in hits[:10]]
            raise AmbiguousGroup(query=_shown(query), candidates="\n".join(lines))
    raise UnknownGroup(query=_shown(query))


# -- changes (on the store's thread) --------------------------------------------------------------------------


def set_init(store: Store, group_id: str, label: str, amount: int, actor: str) -> None:
    with store.immediate():
        store.set_budget_init(group_id, label, amount, actor)


def set_allowance(store: Store, scope: str, target: str, label: str, setting: Setting, actor: str) -> None:
    with store.immediate():
        store.set_budget_allowance(scope, target, label, setting.period, setting.mode, setting.amount, actor)


def clear(store: Store, scope: str, target: str, part: str) -> bool:
    with store.immediate():
        return store.clear_budget(scope, target, part)
