"""Admin operations of the report model: find a user, change a balance, block, and manage prices.

Every operation is synchronous (the caller runs it on the store's thread with `await store.run(...)`), is one
`BEGIN IMMEDIATE` transaction, and returns a small result that renders itself with one i18n string. Money moves
only through `store.append_ledger`, with the admin as actor, so every balance stays explained by the ledger.
(`reconcile` moves no money: its repair resets a cached balance that has drifted to the ledger's own sum.)
The caller checks that the person asking is an Open WebUI admin before calling anything here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import (
    AmbiguousUser,
    InvalidAmount,
    NegativeBalance,
    NoAdminPrice,
    UnknownCatalogueEntry,
    UnknownModel,
    UnknownUser,
)
from ..money import MAX_MICRO, from_micro, money, parse_amount
from ..store import PRICE_RATES, Store
from ..ui import markdown
from ..words import i18n
from ..words.vocabulary import CLEAR_WORDS  # words that clear one price (resolution falls through)
from . import catalogue, pricing

log = logging.getLogger(__name__)

MAX_PRICE_UNITS = 1_000_000  # per 1M tokens or per message
MAX_CANDIDATES = 10

PRICE_COLUMNS = PRICE_RATES


# -- amounts ----------------------------------------------------------------------------------------------


def parse_price(value: str | int | Decimal | None, *, per_message: bool = False) -> int | _Unchanged | None:
    """A price typed by an admin -> micro-units; a clear word -> None (not set); None -> unchanged.

    A negative per-message price clears it, like the original's -1; a negative token price is refused.
    """
    if value is None:
        return UNCHANGED
    if isinstance(value, str) and value.strip().lower() in CLEAR_WORDS:
        return None
    micro = parse_amount(value, allow_negative=per_message, max_units=MAX_PRICE_UNITS)
    return None if micro < 0 else micro


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


# -- users ------------------------------------------------------------------------------------------------


def find_user(
    directory: Iterable[Mapping[str, Any]], store: Store, query: str, *, init_balance: int = 0
) -> dict[str, Any]:
    """The one user `query` names (`pick_user`), their row created if missing with `init_balance` as a first
    top-up, exactly as the billing filter would at their first chat (`adopt_user`)."""
    return adopt_user(store, pick_user(directory, store, query), init_balance)


def pick_user(directory: Iterable[Mapping[str, Any]], store: Store, query: str) -> dict[str, str]:
    """The one user `query` names, from Open WebUI's directory (plus users only our table still knows); writes
    nothing.

    Tried in order, the first rule with any hit wins: exact email (any case), exact id, exact name (any case),
    then a substring of name or email. One hit is the answer; several raise `AmbiguousUser` listing them.
    `Name <email>` (as the candidate list shows people) is read as the email.
    """
    wanted = _query_text(query)
    if not wanted:
        raise UnknownUser(query=_shown(query))
    people = _people(directory, store)
    folded = wanted.casefold()
    rules = (
        lambda p: p["email"].casefold() == folded,
        lambda p: p["id"] == wanted,
        lambda p: p["name"].casefold() == folded,
        lambda p: folded in p["name"].casefold() or folded in p["email"].casefold(),
    )
    for rule in rules:
        hits = [person for person in people if rule(person)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise AmbiguousUser(query=_shown(query), candidates=_candidates(hits))
    raise UnknownUser(query=_shown(query))


def _query_text(query: str) -> str:
    text = unicodedata.normalize("NFC", str(query or "")).strip()
    bracketed = re.search(r"<([^<>\s]+@[^<>\s]+)>\s*$", text)
    return bracketed.group(1) if bracketed else text


def _shown(query: Any) -> str:
    """A name, e-mail or query quoted back in a Markdown answer: one line, escaped; empty stays empty."""
    return markdown.cell(query, 80) if str(query or "").strip() else ""


def _people(directory: Iterable[Mapping[str, Any]], store: Store) -> list[dict[str, str]]:
    """Directory entries, plus users who have left Open WebUI but still have a balance and usage here."""
    people: dict[str, dict[str, str]] = {}
    for row in store.all_users():
        people[row["id"]] = _person(row)
    for entry in directory:
        person = _person(entry)
        if person["id"]:
            people[person["id"]] = person
    return list(people.values())


def shown_models(models: Iterable[str]) -> str:
    """Model ids quoted back in an answer or a dialog: escaped (ids come from providers and from workspace
    models users name), comma-separated."""
    return ", ".join(_shown(model) for model in models)


def shown_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """(model, base) pairs as `model ← base`, escaped."""
    return ", ".join(f"{_shown(model)} ← {_shown(base)}" for model, base in pairs)


def _person(entry: Mapping[str, Any]) -> dict[str, str]:
    return {
        "id": str(entry.get("id") or ""),
        "name": str(entry.get("name") or ""),
        "email": str(entry.get("email") or ""),
        "role": str(entry.get("role") or "user"),
    }


def _candidates(people: list[dict[str, str]]) -> str:
    people = sorted(people, key=lambda p: (p["name"].casefold(), p["email"].casefold(), p["id"]))
    lines = [f"- {_shown(p['name']) or _shown(p['id'])} <{_shown(p['email'])}>" for p in people[:MAX_CANDIDATES]]
    if len(people) > MAX_CANDIDATES:
        lines.append(f"- … (+{len(people) - MAX_CANDIDATES})")
    return "\n".join(lines)


def adopt_user(store: Store, person: dict[str, str], init_balance: int) -> dict[str, Any]:
    """`person` with their balance and block; their row created if missing, with `init_balance` as a first
    top-up."""
    with store.immediate():
        created = store.ensure_user(person["id"], person["name"], person["email"], person["role"])
        if created and init_balance:
            store.append_ledger(person["id"], "topup", init_balance, actor="system", reason="initial balance")
        row = store.get_user(person["id"])
    assert row is not None
    return {**person, "balance": row["balance"], "blocked": bool(row["blocked"]), "created": created}


def _user(store: Store, user_id: str) -> dict[str, Any]:
    row = store.get_user(user_id)
    if row is None:
        raise UnknownUser(query=_shown(user_id))
    return row


def _label(row: Mapping[str, Any]) -> str:
    name, email = _shown(row.get("name")), _shown(row.get("email"))
    if name and email:
        return f"{name} ({email})"
    return name or email or _shown(row.get("id", ""))


# -- balances ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceChange:
    """A balance before and after one admin operation; `key` is the i18n string that describes it."""

    key: str
    user_id: str
    user: str  # a label: name (email)
    old: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.old

    def message(self, lang: str, symbol: str = "$") -> str:
        return i18n.t(
            lang,
            self.key,
            user=self.user,
            old=money(self.old, symbol, exact=True),
            new=money(self.new, symbol, exact=True),
            amount=money(abs(self.delta), symbol, exact=True),
        )


def set_balance(store: Store, user_id: str, amount: int, actor: str, reason: str = "") -> BalanceChange:
    """Set a balance to `amount` micro-units (>= 0): one ledger row of kind `set` for the difference."""
    if not 0 <= amount <= MAX_MICRO:
        raise InvalidAmount(text=str(from_micro(amount)))
    with store.immediate():
        user = _user(store, user_id)
        old = user["balance"]
        new = store.append_ledger(user_id, "set", amount - old, actor=actor, reason=reason or "balance set by admin")
    return BalanceChange("balance_set", user_id, _label(user), old, new)


def add_balance(
    store: Store, user_id: str, amount: int, actor: str, reason: str = "", *, symbol: str = "$"
) -> BalanceChange:
    """Add (`topup`) or deduct (`adjust`) micro-units. A deduction that would leave the balance below zero is
    refused with `NegativeBalance`, never clamped: the admin sees the balance and decides (or uses set)."""
    if amount == 0 or abs(amount) > MAX_MICRO:
        raise InvalidAmount(text=str(from_micro(amount)))
    with store.immediate():
        user = _user(store, user_id)
        old = user["balance"]
        if amount < 0 and old + amount < 0:
            raise NegativeBalance(
                user=_label(user), balance=money(old, symbol, exact=True), amount=money(-amount, symbol, exact=True)
            )
        if old + amount > MAX_MICRO:
            raise InvalidAmount(text=str(from_micro(amount)))
        kind = "topup" if amount > 0 else "adjust"
        new = store.append_ledger(user_id, kind, amount, actor=actor, reason=reason or f"{kind} by admin")
    return BalanceChange("balance_added" if amount > 0 else "balance_deducted", user_id, _label(user), old, new)


@dataclass(frozen=True)
class BlockChange:
    key: str
    user_id: str
    user: str
    blocked: bool
    changed: bool

    def message(self, lang: str, symbol: str = "$") -> str:
        return i18n.t(lang, self.key, user=self.user)


def block(store: Store, user_id: str, blocked: bool, actor: str) -> BlockChange:
    """Block or unblock chatting. The ledger holds only money, so the audit trail is a zero-amount `adjust`
    row with reason `blocked` / `unblocked` and the admin as actor; a no-op writes nothing."""
    with store.immediate():
        user = _user(store, user_id)
        changed = bool(user["blocked"]) != blocked
        if changed:
            store.set_blocked(user_id, blocked)
            store.append_ledger(user_id, "adjust", 0, actor=actor, reason="blocked" if blocked else "unblocked")
    if blocked:
        key = "user_blocked_done" if changed else "user_already_blocked"
    else:
        key = "user_unblocked_done" if changed else "user_already_unblocked"
    return BlockChange(key, user_id, _label(user), blocked, changed)


# -- prices -----------------------------------------------------------------------------------------------


def _models(models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    values = models.values() if isinstance(models, Mapping) else models
    return [m for m in values if isinstance(m, Mapping) and m.get("id")]


def resolve_model(
    store: Store, models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]], query: str
) -> tuple[str, Mapping[str, Any] | None]:
    """The model id `query` names, and its entry in Open WebUI's list (None for a model only our price table
    knows): exact id, then id in any case, then display name in any case; `UnknownModel` otherwise."""
    wanted = str(query or "").strip()
    entries = _models(models)
    if not wanted:
        raise UnknownModel(model=_shown(query))
    by_id = {str(m["id"]): m for m in entries}
    if wanted in by_id:
        return wanted, by_id[wanted]
    if store.get_price(wanted):
        return wanted, None
    folded = wanted.casefold()
    stored = [row["model_id"] for row in store.all_prices()]
    for candidates in (
        {i for i in (*by_id, *stored) if i.casefold() == folded},
        {str(m["id"]) for m in entries if str(m.get("name") or "").casefold() == folded},
    ):
        if len(candidates) == 1:
            model_id = candidates.pop()
            return model_id, by_id.get(model_id)
    raise UnknownModel(model=_shown(query))


def _has_price(row: Mapping[str, Any] | None) -> bool:
    """Whether a stored row sets anything resolution uses (a cached price alone does not)."""
    if not row:
        return False
    return any(row.get(k) is not None for k in ("input_price", "output_price", "per_msg_price"))


@dataclass(frozen=True)
class PriceChange:
    key: str
    model_id: str
    price: Mapping[str, Any] | None  # the stored row after the change; None once removed
    source: str = ""  # the model prices were copied from

    def message(self, lang: str, symbol: str = "$") -> str:
        row = self.price or {}

        def shown(column: str) -> str:
            value = row.get(column)
            return i18n.t(lang, "not_set") if value is None else money(value, symbol, exact=True)

        text = i18n.t(
            lang,
            self.key,
            model=_shown(self.model_id),
            source=_shown(self.source),
            input=shown("input_price"),
            output=shown("output_price"),
            cached=shown("cached_input_price"),
            per_msg=shown("per_msg_price"),
        )
        if row.get("reasoning_price") is not None or row.get("request_price") is not None:
            text += " " + i18n.t(
                lang, "price_more_rates", reasoning=shown("reasoning_price"), request=shown("request_price")
            )
        return text


def set_price(
    store: Store,
    model_id: str,
    *,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    actor: str,
    input: str | int | Decimal | None = None,  # the word admins type
    output: str | int | Decimal | None = None,
    cached_input: str | int | Decimal | None = None,
    per_msg: str | int | Decimal | None = None,
    reasoning: str | int | Decimal | None = None,
    per_request: str | int | Decimal | None = None,
) -> PriceChange:
    """Set some of a model's prices (currency per 1M tokens, per request, or per message); None leaves one
    unchanged, a clear word (`off`) unsets it, a negative `per_msg` unsets it. Unsetting every price removes the
    row. The row as it was goes to the price history, so `undo_price_change` can restore it."""
    parsed = {
        "input_price": parse_price(input),
        "output_price": parse_price(output),
        "cached_input_price": parse_price(cached_input),
        "per_msg_price": parse_price(per_msg, per_message=True),
        "reasoning_price": parse_price(reasoning),
        "request_price": parse_price(per_request),
    }
    if all(value is UNCHANGED for value in parsed.values()):
        raise InvalidAmount(text="")
    with store.immediate():
        resolved, entry = resolve_model(store, models, model_id)
        before = store.get_price(resolved)
        row = {column: (before or {}).get(column) for column in PRICE_COLUMNS}
        row.update({column: value for column, value in parsed.items() if value is not UNCHANGED})
        store.remember_price(store.next_price_batch(), "set", resolved, actor)
        if all(value is None for value in row.values()):
            store.delete_price(resolved)
            return PriceChange("price_cleared", resolved, None)
        _write_price(store, resolved, entry, before, row, actor)
        after = store.get_price(resolved)
    return PriceChange("price_set", resolved, after)


def _write_price(
    store: Store,
    model_id: str,
    entry: Mapping[str, Any] | None,
    before: Mapping[str, Any] | None,
    row: Mapping[str, Any],
    actor: str,
) -> None:
    store.set_price(
        model_id,
        **row,
        name=str((entry or {}).get("name") or (before or {}).get("name") or ""),
        base_model_id=pricing.base_model_id(entry, before),
        actor=actor,
    )


def clear_price(
    store: Store,
    model_id: str,
    *,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    actor: str,
) -> PriceChange:
    """Remove the admin's prices for a model, so resolution falls through (base model, connection, defaults).
    `actor` is accepted for symmetry; a deleted row has nowhere to keep it."""
    with store.immediate():
        resolved, _ = resolve_model(store, models, model_id)
        if store.get_price(resolved) is not None:
            store.remember_price(store.next_price_batch(), "clear", resolved, actor)
        removed = store.delete_price(resolved)
    return PriceChange("price_cleared" if removed else "price_not_set", resolved, None)


def copy_price(
    store: Store,
    source_model_id: str,
    target_model_id: str,
    *,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    actor: str,
) -> PriceChange:
    """Give the target the source's admin-set prices (all four; unset ones become unset)."""
    with store.immediate():
        source, _ = resolve_model(store, models, source_model_id)
        target, entry = resolve_model(store, models, target_model_id)
        prices = store.get_price(source)
        if not _has_price(prices):
            raise NoAdminPrice(model=source)
        assert prices is not None
        store.remember_price(store.next_price_batch(), "copy", target, actor)
        _write_price(store, target, entry, store.get_price(target), {c: prices[c] for c in PRICE_COLUMNS}, actor)
        after = store.get_price(target)
    return PriceChange("price_copied", target, after, source=source)


@dataclass(frozen=True)
class InheritResult:
    copied: list[tuple[str, str]] = field(default_factory=list)  # (workspace model, its base)

    @property
    def key(self) -> str:
        return "prices_inherited" if self.copied else "prices_inherited_none"

    def message(self, lang: str, symbol: str = "$") -> str:
        return i18n.t(lang, self.key, count=len(self.copied), models=shown_pairs(self.copied))


def inherit_base_prices(
    store: Store,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    *,
    actor: str,
    dry_run: bool = False,
) -> InheritResult:
    """The original's "Sync All Derived Models": every workspace model without prices of its own gets a copy
    of its base model's admin prices. (Resolution already falls back to the base at charge time; a copy pins
    the price, so a later change of the base no longer moves it.) `dry_run` only says what would be copied."""
    copied: list[tuple[str, str]] = []
    with store.immediate():
        batch = store.next_price_batch()
        for entry in _models(models):
            model_id = str(entry["id"])
            own = store.get_price(model_id)
            base = pricing.base_model_id(entry, None)
            if not base or base == model_id or _has_price(own):
                continue
            prices = store.get_price(base)
            if not _has_price(prices):
                continue
            assert prices is not None
            if not dry_run:
                store.remember_price(batch, "inherit", model_id, actor)
                _write_price(store, model_id, entry, own, {c: prices[c] for c in PRICE_COLUMNS}, actor)
            copied.append((model_id, base))
    return InheritResult(sorted(copied))


@dataclass(frozen=True)
class SyncResult:
    changed: list[str] = field(default_factory=list)  # model ids whose admin prices now equal the connection's

    @property
    def key(self) -> str:
        return "prices_synced" if self.changed else "prices_synced_none"

    def message(self, lang: str, symbol: str = "$") -> str:
        return i18n.t(lang, self.key, count=len(self.changed), models=shown_models(self.changed))


def sync_connection_prices(
    store: Store,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    *,
    actor: str,
    dry_run: bool = False,
) -> SyncResult:
    """Pin the prices connections report in Open WebUI's model list (OpenRouter-style `pricing`) as admin
    prices, for every model whose admin prices differ from them. Charges already use reported prices when no
    admin price exists; syncing makes them visible, editable, and immune to an upstream change or outage.
    A per-message price an admin set stays (connections report none). `dry_run` only says what would change."""
    changed: list[str] = []
    with store.immediate():
        batch = store.next_price_batch()
        for entry in _models(models):
            reported = pricing.from_connection(entry, "connection")
            if reported is None:
                continue
            model_id = str(entry["id"])
            own = store.get_price(model_id)
            row = {column: (own or {}).get(column) for column in PRICE_COLUMNS}
            wanted = {
                **row,
                "input_price": reported.input,
                "output_price": reported.output,
                "cached_input_price": reported.cached_input,
                "reasoning_price": reported.reasoning,
                "request_price": reported.per_request,
            }
            if own is not None and wanted == row:
                continue
            if not dry_run:
                store.remember_price(batch, "sync", model_id, actor)
                _write_price(store, model_id, entry, own, wanted, actor)
            changed.append(model_id)
    return SyncResult(sorted(changed))


# -- the bundled catalogue, and undo ------------------------------------------------------------------------


def _catalogue_row(entry: catalogue.Entry) -> dict[str, int | None]:
    """A catalogue entry as admin prices: its token rates, per request on top, and no per-message price."""
    return {
        "input_price": entry.input,
        "output_price": entry.output,
        "cached_input_price": entry.cached_input,
        "per_msg_price": None,
        "reasoning_price": entry.reasoning,
        "request_price": entry.per_request,
    }


@dataclass(frozen=True)
class CatalogueSync:
    """What pinning catalogue prices changes: models with no admin price yet (`new`), models whose admin price
    differs (`changed`), each as (model id, catalogue id); and models the catalogue does not name, with the
    entries that look like them (`near`), priced only if an admin accepts one."""

    new: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    near: list[tuple[str, list[str]]] = field(default_factory=list)
    applied: bool = False

    @property
    def models(self) -> list[str]:
        return sorted(model for model, _ in (*self.new, *self.changed))

    def message(self, lang: str, symbol: str = "$") -> str:
        book = catalogue.bundled()
        parts = [i18n.t(lang, "catalogue_intro", source=_shown(book.source), date=_shown(book.date))]
        if self.applied:
            key = "catalogue_synced" if self.models else "catalogue_synced_none"
            parts.append(i18n.t(lang, key, count=len(self.models), models=shown_pairs([*self.new, *self.changed])))
        elif not self.models:
            parts.append(i18n.t(lang, "catalogue_synced_none"))
        else:
            if self.new:
                parts.append(i18n.t(lang, "catalogue_new", models=_priced(self.new, symbol)))
            if self.changed:
                parts.append(i18n.t(lang, "catalogue_changed", models=_priced(self.changed, symbol)))
            parts.append(i18n.t(lang, "catalogue_apply_hint"))
        if self.near:
            listed = "; ".join(f"{_shown(model)} → {shown_models(ids)}" for model, ids in self.near)
            example = f"/price accept {self.near[0][0]} {self.near[0][1][0]}"
            parts.append(i18n.t(lang, "catalogue_near", models=listed, example=_shown(example)))
        return "\n\n".join(parts)


def _priced(pairs: Iterable[tuple[str, str]], symbol: str) -> str:
    """`model ← catalogue id (input / output)`, escaped."""
    book = catalogue.bundled()
    shown = []
    for model, entry_id in pairs:
        entry = book.entries[entry_id]
        rates = f"{money(entry.input, symbol, exact=True)} / {money(entry.output, symbol, exact=True)}"
        shown.append(f"{_shown(model)} ← {_shown(entry_id)} ({rates})")
    return ", ".join(shown)


def sync_catalogue_prices(
    store: Store,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    *,
    actor: str,
    dry_run: bool = False,
) -> CatalogueSync:
    """Pin the bundled catalogue's price as admin price for every listed model it names exactly or once
    normalised, where resolution would reach the catalogue for it: not a model whose connection reports a
    price, nor a workspace model whose base has an admin or connection price. One history batch, so one
    `/price undo` reverts the whole sync. `dry_run` only says what would change. Near misses are listed for
    models without a base (a workspace model falls back to its base's price)."""
    book = catalogue.bundled()
    entries = _models(models)
    by_id = {str(e["id"]): e for e in entries}
    new: list[tuple[str, str]] = []
    changed: list[tuple[str, str]] = []
    near: list[tuple[str, list[str]]] = []
    with store.immediate():
        batch = store.next_price_batch()
        for entry in entries:
            model_id = str(entry["id"])
            base = pricing.base_model_id(entry, None)
            workspace = bool(base and base != model_id)
            if pricing.from_connection(entry, "connection") is not None:
                continue
            if workspace and (
                _has_price(store.get_price(str(base))) or pricing.from_connection(by_id.get(str(base)), "") is not None
            ):
                continue
            found = book.match(model_id)
            if found is None:
                looks_like = [e.id for e in book.near(model_id)]
                if looks_like and not workspace and not _has_price(store.get_price(model_id)):
                    near.append((model_id, looks_like))
                continue
            own = store.get_price(model_id)
            wanted = _catalogue_row(found)
            if own is not None and all(own.get(c) == wanted[c] for c in PRICE_COLUMNS):
                continue
            (changed if _has_price(own) else new).append((model_id, found.id))
            if not dry_run:
                store.remember_price(batch, "catalogue", model_id, actor)
                _write_price(store, model_id, entry, own, wanted, actor)
    return CatalogueSync(sorted(new), sorted(changed), sorted(near), applied=not dry_run)


def accept_catalogue_price(
    store: Store,
    model_id: str,
    entry_id: str,
    *,
    models: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    actor: str,
) -> PriceChange:
    """An admin's explicit choice of a catalogue entry for a model the catalogue does not name (a near miss):
    its rates become the model's admin prices. The entry must be named exactly (any case)."""
    found = catalogue.bundled().exact(entry_id)
    if found is None:
        raise UnknownCatalogueEntry(entry=_shown(entry_id))
    with store.immediate():
        resolved, entry = resolve_model(store, models, model_id)
        before = store.get_price(resolved)
        store.remember_price(store.next_price_batch(), "accept", resolved, actor)
        _write_price(store, resolved, entry, before, _catalogue_row(found), actor)
        after = store.get_price(resolved)
    return PriceChange("price_accepted", resolved, after, source=found.id)


@dataclass(frozen=True)
class UndoResult:
    action: str = ""
    models: list[str] = field(default_factory=list)
    batch: int | None = None  # the change's batch in the price history
    moved_on: bool = False  # another change became the latest since the one confirmed: nothing was undone

    def message(self, lang: str, symbol: str = "$") -> str:
        if self.moved_on:
            return i18n.t(lang, "price_undo_moved_on")
        if not self.models:
            return i18n.t(lang, "price_undo_none")
        return i18n.t(
            lang, "price_undone", action=_shown(self.action), count=len(self.models), models=shown_models(self.models)
        )


def last_price_change(store: Store) -> UndoResult:
    """What `undo_price_change` would revert, without reverting it (for a confirmation)."""
    rows = store.last_price_batch()
    if not rows:
        return UndoResult()
    return UndoResult(rows[0]["action"], sorted({r["model_id"] for r in rows}), rows[0]["batch"])


def undo_price_change(store: Store, *, actor: str, batch: int | None = None) -> UndoResult:
    """Put back the prices rows as they were before the latest admin price change not yet undone (a whole sync
    at once), and mark that change undone; the next undo reaches the change before it. `actor` is recorded as
    the restored rows' writer only through their original values: a restore brings back what was there.

    `batch` is the change an admin confirmed (the Prices button asks first): if another admin's change has become
    the latest meanwhile, nothing is undone rather than a change the admin never saw."""
    with store.immediate():
        rows = store.last_price_batch()
        if not rows:
            return UndoResult()
        if batch is not None and rows[0]["batch"] != batch:
            return UndoResult(moved_on=True)
        for row in rows:  # newest first: a model changed twice in one batch ends at its oldest state
            if row["existed"]:
                store.set_price(
                    row["model_id"],
                    **{c: row[c] for c in PRICE_COLUMNS},
                    name=row["name"] or "",
                    base_model_id=row["base_model_id"],
                    actor=row["updated_by"] or actor,
                    updated_at=row["updated_at"],
                )
            else:
                store.delete_price(row["model_id"])
        store.mark_undone(rows[0]["batch"])
    return UndoResult(rows[0]["action"], sorted({r["model_id"] for r in rows}), rows[0]["batch"])


HISTORY_ROWS = 20


def price_history(store: Store, lang: str, tz: Any = None) -> str:
    """The latest admin price changes, one line per change (batch), newest first."""
    rows = store.price_history(HISTORY_ROWS * 10)
    if not rows:
        return i18n.t(lang, "price_history_none")
    batches: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        batches.setdefault(row["batch"], []).append(row)
    lines = [f"**{i18n.t(lang, 'price_history_title')}**", ""]
    for batch_rows in list(batches.values())[:HISTORY_ROWS]:
        first = batch_rows[0]
        when = markdown.when(first["created_at"], tz)
        line = f"- {when} · {_shown(first['action'])} · {shown_models(sorted({r['model_id'] for r in batch_rows}))}"
        if first["undone_at"] is not None:
            line += " " + i18n.t(lang, "price_history_undone")
        lines.append(line)
    lines.append("")
    lines.append(i18n.t(lang, "price_history_hint"))
    return "\n".join(lines)


# -- reconciliation ---------------------------------------------------------------------------------------

RECONCILE_ROWS = 50  # differences listed in a chat answer (the CLI prints them all)


@dataclass(frozen=True)
class BalanceDifference:
    """One user whose cached `users.balance` is not the sum of their ledger rows."""

    user_id: str
    name: str
    email: str
    balance: int  # the cached balance as found, before any repair
    ledger_sum: int  # the truth

    @property
    def difference(self) -> int:
        """Cached minus ledger: positive when the cache shows more money than the ledger explains."""
        return self.balance - self.ledger_sum


@dataclass(frozen=True)
class Reconciliation:
    """Every user's cached balance checked against their ledger sum, and whether the differences were repaired."""

    users: int
    differences: tuple[BalanceDifference, ...] = ()
    repaired: bool = False
    open_holds: int = 0  # pre-charges of open requests: ledger rows already, so part of every sum above
    held: int = 0

    @property
    def key(self) -> str:
        if not self.differences:
            return "reconcile_ok"
        return "reconcile_repaired" if self.repaired else "reconcile_found"

    def headline(self, lang: str, symbol: str = "$") -> list[str]:
        """The facts as plain sentences (no Markdown): the verdict, then the open holds if any."""
        lines = [i18n.t(lang, self.key, count=len(self.differences), total=self.users)]
        if self.open_holds:
            lines.append(i18n.t(lang, "reconcile_holds", count=self.open_holds, amount=money(self.held, symbol)))
        return lines

    def message(self, lang: str, symbol: str = "$") -> str:
        verdict, *holds = self.headline(lang, symbol)
        parts = [verdict]
        if self.differences:
            before = "col_balance_before" if self.repaired else "col_cached_balance"
            header = [i18n.t(lang, k) for k in ("col_user", "col_email", before, "col_ledger_sum", "col_difference")]
            rows = [
                [
                    markdown.cell(d.name or d.user_id),
                    markdown.cell(d.email),
                    money(d.balance, symbol, exact=True),
                    money(d.ledger_sum, symbol, exact=True),
                    signed(d.difference, symbol),
                ]
                for d in self.differences[:RECONCILE_ROWS]
            ]
            table = markdown.table(header, "llrrr", rows)
            if len(self.differences) > RECONCILE_ROWS:
                table.append("")
                table.append(i18n.t(lang, "rows_hidden", count=len(self.differences) - RECONCILE_ROWS))
            parts.append("\n".join(table))
            if not self.repaired:
                parts.append(i18n.t(lang, "reconcile_hint"))
        return "\n\n".join([*parts, *holds])


def signed(micro: int, symbol: str = "$") -> str:
    """An exact amount with its sign always shown: +$0.000001, -$2.5000."""
    return ("+" if micro > 0 else "") + money(micro, symbol, exact=True)


def reconcile(store: Store, *, repair: bool, actor: str) -> Reconciliation:
    """Check every `users.balance` against the sum of the user's ledger rows, in one transaction.

    The ledger is the record and the balance only its cache, so with `repair` each differing balance is set to
    its ledger sum and the ledger itself is left exactly as it was (a row there would change the sum it is
    checked against). Each repair is logged with `actor`; the differences returned are those found before it.
    """
    with store.immediate():
        people = {row["id"]: row for row in store.all_users()}
        differences = tuple(
            BalanceDifference(
                user_id=row["id"],
                name=str(people.get(row["id"], {}).get("name") or ""),
                email=str(people.get(row["id"], {}).get("email") or ""),
                balance=row["balance"],
                ledger_sum=row["ledger_sum"],
            )
            for row in store.reconcile()
        )
        if repair:
            for diff in differences:
                store.repair_balance(diff.user_id)
                log.warning(
                    "openwebui_monitor: balance of user %s repaired by %s: cached %d -> ledger sum %d micro-units",
                    diff.user_id,
                    actor or "?",
                    diff.balance,
                    diff.ledger_sum,
                )
        holds = store.open_holds()
    return Reconciliation(
        users=len(people),
        differences=differences,
        repaired=repair and bool(differences),
        open_holds=holds["count"],
        held=holds["total"],
    )
