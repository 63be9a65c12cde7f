"""Admin price management: set, clear and copy a model's prices, pin the prices connections report or the bundled
catalogue's, copy base-model prices to workspace models, and undo the last change.

Every operation is synchronous (the caller runs it on the store's thread with `await store.run(...)`), is one
`BEGIN IMMEDIATE` transaction that first saves the rows it changes to the price history (so one undo reverts
it), and returns a small result holding data, never text: `ui.admin_views` words it. The caller checks that the
person asking is an Open WebUI admin before calling anything here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import InvalidAmount, NoAdminPrice, UnknownCatalogueEntry, UnknownModel
from ..money import parse_amount
from ..store import PRICE_RATES, Store
from ..text import quoted as _shown
from ..words.vocabulary import CLEAR_WORDS  # words that clear one price (resolution falls through)
from . import catalogue, pricing

MAX_PRICE_UNITS = 1_000_000  # per 1M tokens or per message
HISTORY_ROWS = 20  # admin price changes (batches) shown by `/price history`

PRICE_COLUMNS = PRICE_RATES


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
    """One model's prices after a change; `key` names what happened (and the i18n string for it)."""

    key: str
    model_id: str
    price: Mapping[str, Any] | None  # the stored row after the change; None once removed
    source: str = ""  # the model prices were copied from


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


def price_changes(store: Store) -> list[list[dict[str, Any]]]:
    """The latest admin price changes (at most HISTORY_ROWS batches), newest first; each batch is its history
    rows, the first one telling the action, when and whether it was undone."""
    batches: dict[int, list[dict[str, Any]]] = {}
    for row in store.price_history(HISTORY_ROWS * 10):
        batches.setdefault(row["batch"], []).append(row)
    return list(batches.values())[:HISTORY_ROWS]
