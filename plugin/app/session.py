"""The session a pipe message or an action button press runs in, and the operations both perform.

A `Session` is opened once per call (`open_session`): who asks (their id, name, e-mail and role), the language
and currency symbol to answer in, the time zone and the moment of the call, the store, and Open WebUI's services
(its user directory, model list, billing settings, file store, groups) as plain callables, so tests hand in fakes.

The operations (find a person, change a balance, block, set a price, export, ...) are the one way the pipe's
commands and the action's buttons change anything: each is a thin call into the domain on the store's thread,
with the admin as actor. Admin operations refuse a non-admin themselves (`AdminOnly`), although both front-ends
check first, so a new button cannot forget it. Results are data; `ui.admin_views` words them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from .. import openwebui
from ..domain import accounts, budget_admin, budgets, codes, exchange, price_admin, ranges, reports, restore
from ..domain.pricing import Price
from ..errors import AdminOnly, InvalidRange, UnknownModel
from ..store import Store, open_store_async
from ..words import i18n

log = logging.getLogger(__name__)

Models = list[dict[str, Any]]


@dataclass(frozen=True)
class Session:
    """Who asks, how to answer them, and where the data and Open WebUI's services are."""

    store: Store
    user: Mapping[str, str]  # id, name, email, role
    lang: str
    symbol: str
    tz: tzinfo | None
    now: float
    directory: Callable[[], Awaitable[list[dict[str, Any]]]]
    models: Callable[[], Models]
    billing: Callable[[], Awaitable[tuple[Price, int]]]  # the filter's default price and initial balance
    save_file: Callable[[str, str, bytes, str], Awaitable[dict[str, Any]]] | None = None
    attachments: Callable[[], Awaitable[list[bytes]]] | None = None
    page_size: int = 20
    message: str = ""  # the whole message (commands see its first line; /import may paste JSON below)
    groups: Callable[[], Awaitable[list[dict[str, str]]]] | None = None  # Open WebUI's groups: {id, name}
    member_groups: Callable[[str], Awaitable[list[str]]] | None = None  # a user's group ids
    # A page under the reply (the console); None where there is no chat to show it in (the command line).
    show_page: Callable[[str], Awaitable[None]] | None = None
    previous: str = ""  # the chat's previous reply, as text: the console it showed comes back after a change
    live: bool = True  # a page's commands reach the Usage Monitor (false under another model's reply)
    complete: Callable[[str, str], Awaitable[str]] | None = None  # (model id, prompt) -> reply: `/test`
    skip_model: Callable[[Mapping[str, Any]], bool] = lambda _model: False  # ours: never tested

    @property
    def is_admin(self) -> bool:
        return self.user.get("role") == "admin"

    @property
    def actor(self) -> str:
        """Who the ledger and the price history name for a change made in this session."""
        return self.user.get("id", "")

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.lang, key, **params)

    def range(self, text: str, default: str = "30d") -> ranges.Range:
        return ranges.parse(text, now=self.now, tz=self.tz, default=default)

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(store, *args, **kwargs)` on the store's thread (reads for reports; the writes below)."""
        return await self.store.run(fn, self.store, *args, **kwargs)

    def _admin(self) -> None:
        if not self.is_admin:
            raise AdminOnly()

    # -- reading ------------------------------------------------------------------------------------------

    async def message_usage(self, chat_id: str, message_id: str) -> dict[str, Any] | None:
        """The usage record of one message, if the asker may see it: others' messages are as invisible as
        unbilled ones (an admin sees all)."""
        record: dict[str, Any] | None = await self.run(Store.get_usage, chat_id, message_id)
        if record is None or (record["user_id"] != self.user.get("id") and not self.is_admin):
            return None
        return record

    # -- people -------------------------------------------------------------------------------------------

    async def find_person(self, query: str) -> dict[str, Any]:
        """The user `query` names; created if missing with the initial balance their first chat would give them
        (their groups' largest initial balance, else the filter's `init_balance`)."""
        self._admin()
        directory = await self.directory()
        person = await self.run(lambda store: accounts.pick_user(directory, store, query))
        result: dict[str, Any] = await self.run(accounts.adopt_user, person, await self.initial_balance(person["id"]))
        return result

    async def initial_balance(self, user_id: str) -> int:
        """What a user's first contact grants: their groups' largest initial balance, else the filter's."""
        _price, init_balance = await self.billing()
        config = await self.run(budgets.load)
        if self.member_groups is not None and any(row["init_balance"] is not None for row in config.groups.values()):
            own = config.plan(user_id, await self.groups_of(user_id)).init_balance
            init_balance = init_balance if own is None else own
        return int(init_balance)

    async def groups_of(self, user_id: str) -> list[str]:
        """A user's Open WebUI group ids; none when they cannot be read (their own budget still applies)."""
        try:
            return await self.member_groups(user_id) if self.member_groups is not None else []
        except Exception:  # broad on purpose: Open WebUI's own database; the user's own budget still applies
            log.warning("openwebui_monitor: could not read the groups of %s", user_id, exc_info=True)
            return []

    async def set_balance(self, user_id: str, amount: int, reason: str) -> accounts.BalanceChange:
        self._admin()
        change: accounts.BalanceChange = await self.run(accounts.set_balance, user_id, amount, self.actor, reason)
        return change

    async def add_balance(self, user_id: str, amount: int, reason: str) -> accounts.BalanceChange:
        """Add (amount > 0) or deduct (amount < 0); a deduction below zero is refused."""
        self._admin()
        change: accounts.BalanceChange = await self.run(
            accounts.add_balance, user_id, amount, self.actor, reason, symbol=self.symbol
        )
        return change

    async def block(self, user_id: str, blocked: bool) -> accounts.BlockChange:
        self._admin()
        change: accounts.BlockChange = await self.run(accounts.block, user_id, blocked, self.actor)
        return change

    async def reconcile(self, *, repair: bool) -> accounts.Reconciliation:
        self._admin()
        result: accounts.Reconciliation = await self.run(accounts.reconcile, repair=repair, actor=self.actor)
        return result

    # -- prices -------------------------------------------------------------------------------------------

    async def price_list(self) -> list[dict[str, Any]]:
        """Every model with the price billing would use now (see `reports.price_list`)."""
        fallback, _init = await self.billing()
        rows: list[dict[str, Any]] = await self.run(reports.price_list, self.models(), fallback)
        return rows

    async def resolve_model(self, query: str) -> str:
        """The model id `query` names (`UnknownModel` otherwise)."""
        model_id, _entry = await self.run(price_admin.resolve_model, self.models(), query)
        return str(model_id)

    async def first_model(self, words: Iterable[str]) -> str:
        """The id of the first of `words` that names a model, "" when none does: every word tried in one trip to
        the store's thread over one copy of the model list (a long question may hold hundreds of such words)."""
        models = self.models()

        def first(store: Store) -> str:
            for word in words:
                try:
                    return str(price_admin.resolve_model(store, models, word)[0])
                except UnknownModel:
                    continue
            return ""

        found: str = await self.run(first)
        return found

    async def price_of(self, model_id: str) -> dict[str, Any] | None:
        """The admin's prices row for a model, None when there is none."""
        row: dict[str, Any] | None = await self.run(lambda store: store.get_price(model_id))
        return row

    async def set_price(self, model_id: str, **prices: str) -> price_admin.PriceChange:
        """Some of a model's prices, as typed (`input`, `output`, `cached_input`, `per_msg`, `reasoning`,
        `per_request`)."""
        self._admin()
        change: price_admin.PriceChange = await self.run(
            price_admin.set_price, model_id, models=self.models(), actor=self.actor, **prices
        )
        return change

    async def clear_price(self, model_id: str) -> price_admin.PriceChange:
        self._admin()
        change: price_admin.PriceChange = await self.run(
            price_admin.clear_price, model_id, models=self.models(), actor=self.actor
        )
        return change

    async def copy_price(self, source: str, target: str) -> price_admin.PriceChange:
        self._admin()
        change: price_admin.PriceChange = await self.run(
            price_admin.copy_price, source, target, models=self.models(), actor=self.actor
        )
        return change

    async def accept_catalogue_price(self, model_id: str, entry_id: str) -> price_admin.PriceChange:
        self._admin()
        change: price_admin.PriceChange = await self.run(
            price_admin.accept_catalogue_price, model_id, entry_id, models=self.models(), actor=self.actor
        )
        return change

    async def inherit_prices(self, *, dry_run: bool = False) -> price_admin.InheritResult:
        self._admin()
        result: price_admin.InheritResult = await self.run(
            price_admin.inherit_base_prices, self.models(), actor=self.actor, dry_run=dry_run
        )
        return result

    async def sync_connection_prices(self, *, dry_run: bool = False) -> price_admin.SyncResult:
        self._admin()
        result: price_admin.SyncResult = await self.run(
            price_admin.sync_connection_prices, self.models(), actor=self.actor, dry_run=dry_run
        )
        return result

    async def sync_catalogue_prices(self, *, dry_run: bool = False) -> price_admin.CatalogueSync:
        self._admin()
        result: price_admin.CatalogueSync = await self.run(
            price_admin.sync_catalogue_prices, self.models(), actor=self.actor, dry_run=dry_run
        )
        return result

    async def last_price_change(self) -> price_admin.UndoResult:
        self._admin()
        result: price_admin.UndoResult = await self.run(price_admin.last_price_change)
        return result

    async def undo_price_change(self, batch: int | None = None) -> price_admin.UndoResult:
        """Revert the latest price change; with `batch`, only if it is still the latest (the one confirmed)."""
        self._admin()
        result: price_admin.UndoResult = await self.run(price_admin.undo_price_change, actor=self.actor, batch=batch)
        return result

    async def price_changes(self) -> list[list[dict[str, Any]]]:
        self._admin()
        batches: list[list[dict[str, Any]]] = await self.run(price_admin.price_changes)
        return batches

    # -- budgets ------------------------------------------------------------------------------------------

    async def budget_config(self) -> budgets.Config:
        config: budgets.Config = await self.run(budgets.load)
        return config

    async def allowance_of(self, user_id: str) -> budgets.Allowance | None:
        """The allowance a user's budgets give them (their own, else their groups'), None without one."""
        config = await self.budget_config()
        groups = await self.groups_of(user_id) if config.needs_groups else []
        return config.plan(user_id, groups).allowance

    async def group_list(self) -> list[dict[str, str]]:
        """Open WebUI's groups ({id, name}); none when this front-end has no access to them."""
        return await self.groups() if self.groups is not None else []

    async def set_budget_init(self, group_id: str, label: str, amount: int) -> None:
        self._admin()
        await self.run(budget_admin.set_init, group_id, label, amount, self.actor)

    async def set_allowance(self, scope: str, target: str, label: str, setting: budget_admin.Setting) -> None:
        self._admin()
        await self.run(budget_admin.set_allowance, scope, target, label, setting, self.actor)

    async def clear_budget(self, scope: str, target: str, part: str) -> bool:
        """Whether there was a budget to clear."""
        self._admin()
        return bool(await self.run(budget_admin.clear, scope, target, part))

    # -- redemption codes ---------------------------------------------------------------------------------

    async def mint_codes(self, amount: int, count: int, note: str, expires_at: float | None) -> codes.Minted:
        self._admin()
        minted: codes.Minted = await self.run(
            codes.mint, amount, count, actor=self.actor, note=note, expires_at=expires_at
        )
        log.info(
            "openwebui_monitor: %s minted %d codes of %d micro-units (batch %d)",
            self.actor,
            len(minted.codes),
            amount,
            minted.batch,
        )
        return minted

    async def revoke_codes(self, target: str, *, note: bool = False) -> codes.Revoked:
        self._admin()
        revoked: codes.Revoked = await self.run(codes.revoke, target, actor=self.actor, note=note)
        return revoked

    async def code_listing(self, search: str, page: int) -> codes.Listing:
        self._admin()
        listing: codes.Listing = await self.run(codes.listing, search, page=page, size=self.page_size, now=self.now)
        return listing

    async def redeem(self, text: str) -> codes.Redeemed:
        """Credit a code to the asker (anyone may); their first contact also grants their initial balance."""
        person = {key: str(self.user.get(key) or "") for key in ("id", "name", "email", "role")}
        init_balance = await self.initial_balance(person["id"])
        redeemed: codes.Redeemed = await self.run(codes.redeem, person, text, init_balance=init_balance, now=self.now)
        return redeemed

    # -- export and import --------------------------------------------------------------------------------

    async def export_csv(self, rng: ranges.Range, user_id: str | None = None, model_id: str | None = None) -> str:
        """Everyone's usage records in `rng` as CSV, or one user's and/or one model's."""
        self._admin()
        return str(await self.run(exchange.export_csv, rng, user_id, model_id=model_id))

    async def export_json(self) -> str:
        self._admin()
        return str(await self.run(exchange.export_json))

    async def import_json(self, document: str | bytes) -> restore.ImportResult:
        """Replace the database with an export (ours or the original's), after backing the current one up."""
        self._admin()
        result: restore.ImportResult = await self.run(restore.import_json, document, self.actor)
        return result

    def export_stamp(self) -> str:
        """The moment of this session in export file names: 20261128-093000 (UTC)."""
        return time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.now))


def reader_zone(user: Mapping[str, Any], timezone: str) -> tzinfo | None:
    """The reader's own time zone (Open WebUI keeps the one their browser reports, in `__user__["timezone"]`), else
    the admin's `timezone` valve (empty: the server's): a day, a month, a statement are the reader's."""
    own = str(user.get("timezone") or "").strip()
    if own:
        try:
            return ranges.zone(own)
        except InvalidRange:
            log.info("openwebui_monitor: user %s has an unknown time zone %r", user.get("id"), own[:64])
    return ranges.zone(timezone)


async def open_session(
    target: tuple[str, Path | None],
    user: Mapping[str, Any],
    lang: str,
    request: Any,
    *,
    symbol: str,
    timezone: str,
    **extra: Any,
) -> Session:
    """A session for one call of a Function: `target` is the store its valves name (URL or file, and where a
    restore backs up), `user` / `request` what Open WebUI passed; `extra` adds what only one front-end has (page
    size, attachments, the message)."""
    path, backups = target
    store = await open_store_async(path, backup_dir=backups)
    return Session(
        store=store,
        user={key: str(user.get(key) or "") for key in ("id", "name", "email", "role")},
        lang=lang,
        symbol=symbol,
        tz=reader_zone(user, timezone),
        now=time.time(),
        directory=openwebui.list_users,
        models=lambda: openwebui.model_list(request),
        billing=openwebui.billing_settings,
        save_file=openwebui.save_file,
        groups=openwebui.list_groups,
        member_groups=openwebui.member_group_ids,
        **extra,
    )
