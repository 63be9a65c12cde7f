"""The billing Filter: a pending charge at inlet, posted at outlet, settled by estimate when no outlet comes.

Thin on purpose: Open WebUI arguments in, one billing step per hook, events out.
- inlet: the reply's hold (its prompt and an output allowance at the model's price, or the admin's `cost_on_inlet`)
  must be covered by the balance; the request is recorded as pending in the same transaction (durable before the
  upstream is asked), so no stop button, hang-up or crash can make a reply free.
- stream: each upstream chunk's text and usage are tallied in memory (never written per chunk; the output so far
  is saved on the pending row every PROGRESS_EVERY seconds, for a process that dies).
- outlet: the round is charged at its exact cost from the upstream's own usage, or an estimate, and the notice
  follows. An outlet with somewhere to send its notice (a chat in Open WebUI's UI) returns as soon as its charge is
  queued for the next group commit: the notice, with the balance that commit left, follows a moment later. An API
  call's outlet (no notice) returns once its charge is recorded.
- no outlet: the task that ran the inlet ends without one (the stop button cancels it; an API client hanging up
  ends it): the pending charge is settled for the prompt and the output tallied so far, marked estimated. Requests
  whose process died are settled by the sweep after `hold_timeout_minutes`, from what Open WebUI saved.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .. import openwebui
from ..domain import billing, budgets, catalogue, pricing, tokens
from ..errors import MisconfiguredValve, StoreUnavailable, UserBlocked
from ..money import money
from ..store import Store, open_store_async
from ..ui import notice
from ..words import Language, OptionalLanguage, i18n
from .valves import DatabaseUrl, store_target

log = logging.getLogger(__name__)

KEY = "openwebui_monitor"  # where the inlet leaves the request key for the outlet, in the request's own metadata
SWEEP_EVERY = 60.0  # seconds between looks for forgotten holds, per process
# After the task that ran an inlet has ended without an outlet: how long its outlet may still come (an API stream's
# outlet runs shielded and may finish after the request's task) before the reply is settled as abandoned.
ABANDON_GRACE = 2.0
PROGRESS_EVERY = 2.0  # seconds between saves of a stream's output so far on its pending row
GROUPS_TTL = 60.0  # seconds a user's Open WebUI groups are remembered (only read when a group has a budget)


def _env_float(name: str, default: float) -> float:
    """The original Monitor's environment variables seed the valve defaults when present."""
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


def _env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


class Filter:
    openwebui_monitor_role = "billing"

    class Valves(BaseModel):
        priority: int = Field(
            default=0,
            ge=-1000,
            le=1000,
            description="Order among filters; lower runs first (all hooks).",
        )
        language: Language = Field(
            default="en",
            description="Language of messages and the notice (users may pick their own).",
        )
        currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
        default_input_price: float = Field(
            default_factory=lambda: _env_float("DEFAULT_MODEL_INPUT_PRICE", 60.0),
            ge=0,
            le=1_000_000,
            description="Price per 1M input tokens for models with no other price.",
        )
        default_output_price: float = Field(
            default_factory=lambda: _env_float("DEFAULT_MODEL_OUTPUT_PRICE", 60.0),
            ge=0,
            le=1_000_000,
            description="Price per 1M output tokens for models with no other price.",
        )
        default_per_msg_price: float = Field(
            default_factory=lambda: _env_float("DEFAULT_MODEL_PER_MSG_PRICE", -1.0),
            ge=-1,
            le=1_000_000,
            description="Flat price per reply for models with no other price; negative bills by tokens.",
        )
        min_charge: float = Field(
            default=0.0,
            ge=0,
            le=1_000_000,
            description="Least a reply with output costs, whatever its price (0: no minimum).",
        )
        init_balance: float = Field(
            default_factory=lambda: _env_float("INIT_BALANCE", 0.0),
            ge=0,
            le=1_000_000_000,
            description="Balance given to a user the first time they chat.",
        )
        cost_on_inlet: str = Field(
            default_factory=lambda: _env_str("COST_ON_INLET", "0"),
            max_length=10_000,
            description="Fixed pre-charge held when a chat starts, instead of the reply's estimate, and settled at"
            " its end: '0.1' for every model, or 'model:cost,...' (model ids may contain ':'; 'default:cost' for"
            " the rest); 0 holds the estimate.",
        )
        hold_timeout_minutes: int = Field(
            default=30,
            ge=1,
            le=10_080,
            description="Settle a reply whose outlet never came (its worker died) after this: charged for an"
            " estimate of what it produced, or released when it produced nothing.",
        )
        reserve_output_tokens: int = Field(
            default=1000,
            ge=1,
            le=10_000_000,
            description="Output tokens set aside (at the model's output price) when a reply starts and the request"
            " names no max_tokens; unused, they are given back when it ends.",
        )
        exempt_models: str = Field(
            default="",
            max_length=10_000,
            description="Comma-separated model ids that are never billed.",
        )
        show_tokens: bool = Field(default=True, description="Show input+output tokens under each reply.")
        show_cost: bool = Field(default=True, description="Show the reply's cost.")
        show_balance: bool = Field(default=True, description="Show the balance left.")
        show_time_spent: bool = Field(default=True, description="Show the time from request to last token.")
        show_tokens_per_sec: bool = Field(default=True, description="Show output tokens per second.")
        db_path: str = Field(
            default="",
            max_length=4096,
            description="SQLite file of the monitor; empty means DATA_DIR/openwebui_monitor/monitor.db.",
        )
        database_url: DatabaseUrl = ""
        tracking_only: bool = Field(
            default=False,
            description="Record and report usage but never refuse a chat for its balance (balances may go"
            " negative; no pre-charge is held). Blocked users are still refused.",
        )
        exempt_admins: bool = Field(
            default=False,
            description="Admins are never refused (not even when blocked) and never charged: their usage is"
            " recorded with its cost, their balance is left alone.",
        )
        on_db_unavailable: Literal["closed", "open"] = Field(
            default="closed",
            description="When the usage database cannot be written: 'closed' refuses chats with a clear message;"
            " 'open' lets them through unbilled, logs a warning and says so under the reply.",
        )

        @field_validator("cost_on_inlet")
        @classmethod
        def _check_cost_on_inlet(cls, value: str) -> str:
            pricing.parse_cost_on_inlet(value)  # raises ValueError with the offending item
            return value

    class UserValves(BaseModel):
        language: OptionalLanguage = Field(
            default="",
            description="Your language for billing messages; empty uses the admin's choice.",
        )
        show_tokens: bool = Field(default=True, description="Show tokens under each reply.")
        show_cost: bool = Field(default=True, description="Show the reply's cost.")
        show_balance: bool = Field(default=True, description="Show your balance.")
        show_time_spent: bool = Field(default=True, description="Show the reply's time.")
        show_tokens_per_sec: bool = Field(default=True, description="Show tokens per second.")

    def __init__(self) -> None:
        self.valves = self.Valves()
        self._last_sweep = 0.0
        self._count: Any = None
        self._groups: dict[str, tuple[float, tuple[str, ...]]] = {}  # user id -> (expires, group ids)
        self._pending: set[asyncio.Future[Any]] = set()  # queued charges, then their notices until sent
        self._live: dict[tuple[str, str], _Live] = {}  # admitted requests of this process whose outlet has not come

    # -- hooks ---------------------------------------------------------------------------------

    async def inlet(
        self,
        body: dict,
        __user__: dict | None = None,
        __metadata__: dict | None = None,
        __model__: dict | None = None,
        __request__: Any = None,
        __event_emitter__: Any = None,
    ) -> dict:
        user = __user__ if isinstance(__user__, dict) else {}
        lang = self._language(user)
        if not isinstance(body, dict) or not user.get("id"):
            return body
        model_id = str(body.get("model") or (__model__ or {}).get("id") or "")
        if self._exempt(model_id, __model__, __request__):
            return body
        metadata = __metadata__ if isinstance(__metadata__, dict) else body.get("metadata")
        chat_id, message_id = self._start_key(metadata)
        result: billing.Admission | billing.Refusal | None = None
        watched: _Live | None = None
        try:
            fixed = pricing.inlet_cost(_holds(self.valves.cost_on_inlet), model_id)
        except ValueError:
            log.exception("openwebui_monitor: invalid valve")
            raise Exception(MisconfiguredValve(valve="cost_on_inlet").message(lang)) from None
        try:
            member = _member(user)
            policy = self._policy(member)
            messages = body.get("messages")
            input_tokens = tokens.prompt_tokens(messages, self._counter())
            allowance = _max_tokens(body) or self.valves.reserve_output_tokens
            price_of = self._price_of(model_id, __model__, __request__)
            store = await self._store()
            if (earlier := self._live.get((chat_id, message_id))) is not None and earlier.ended:
                # A Continue right after the stop button: the stopped round is settled now, not after the grace.
                await self._abandon((chat_id, message_id), earlier)
            await self._sweep(store)
            plan = await self._plan(store, member)

            def admit(store: Store) -> billing.Admission | billing.Refusal:
                price = price_of(store)
                hold = fixed or billing.reserve(price, input_tokens, allowance)
                return billing.admit(
                    store,
                    member,
                    chat_id=chat_id,
                    message_id=message_id,
                    model_id=model_id,
                    hold=hold,
                    init_balance=self._derived().init_balance,
                    plan=plan,
                    policy=policy,
                    price=price,
                    input_tokens=input_tokens,
                )

            # Followed from before the admission is awaited: a stop that lands while its commit is on its way still
            # finds it (and settles it, if admitted). Forgotten below when it is not.
            say = _Notice(__event_emitter__, lang, self.valves, user.get("valves"), chat_id, message_id)
            continued = _continued_tokens(messages, metadata, self._counter())
            watched = self._watch((chat_id, message_id), member.id, store, continued, say)
            try:
                result = await store.call(admit, store)
            except StoreUnavailable:
                # The file was replaced since our last look (a restored backup): once more, on the file there now.
                # A file deleted, not replaced, raises StoreUnavailable again, and the chat is refused below.
                store = await open_store_async(store.target)
                result = await store.call(admit, store)
        except (sqlite3.Error, OSError, StoreUnavailable):
            self._forget((chat_id, message_id), watched)
            if self.valves.on_db_unavailable != "open":
                # Fail closed: a chat that cannot be recorded is not sent.
                log.exception("openwebui_monitor: database unavailable at inlet for user %s", user.get("id"))
                raise Exception(StoreUnavailable().message(lang)) from None
            # Fail open (the admin's choice): the chat goes on unbilled, and the admin is told in the log; its
            # outlet says so under the reply, even if the database is back by then.
            if isinstance(metadata, dict):
                metadata[KEY]["unbilled"] = True
            log.warning(
                "openwebui_monitor: database unavailable at inlet for user %s; chat let through unbilled"
                " (on_db_unavailable=open)",
                user.get("id"),
                exc_info=True,
            )
        except Exception:
            self._forget((chat_id, message_id), watched)
            log.exception("openwebui_monitor: inlet failed for user %s", user.get("id"))
            raise Exception(i18n.t(lang, "error_generic")) from None
        if not isinstance(result, billing.Admission):
            self._forget((chat_id, message_id), watched)  # refused, or let through unbilled: nothing to settle
        if isinstance(result, billing.Refusal):
            symbol = self.valves.currency_symbol
            result.error.params.update(
                balance=money(result.balance, symbol),
                needed=money(result.needed, symbol),
            )
            text = result.error.message(lang)
            if result.next_refill is not None and not isinstance(result.error, UserBlocked):
                text += " " + i18n.t(lang, "refusal_next_refill", when=budgets.when(result.next_refill))
            raise Exception(text)
        if body.get("stream"):
            # Open WebUI asks for usage only for models flagged with the usage capability; we always need it.
            options = body.get("stream_options")
            body["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        return body

    def stream(self, event: dict, __metadata__: dict | None = None) -> dict:
        """Tally each upstream chunk of an admitted request (its text, its usage); the chunk goes on unchanged."""
        key = __metadata__.get(KEY) if type(__metadata__) is dict else None
        live = self._live.get((key.get("chat_id", ""), key.get("message_id", ""))) if type(key) is dict else None
        if live is not None:
            live.tally.add(event)
            if live.tally.rough > live.saved and (now := time.monotonic()) - live.saved_at >= PROGRESS_EVERY:
                live.saved, live.saved_at = live.tally.rough, now
                self._save_progress(live)
        return event

    async def outlet(
        self,
        body: dict,
        __user__: dict | None = None,
        __metadata__: dict | None = None,
        __model__: dict | None = None,
        __request__: Any = None,
        __event_emitter__: Any = None,
    ) -> dict:
        user = __user__ if isinstance(__user__, dict) else {}
        lang = self._language(user)
        if not isinstance(body, dict) or not user.get("id"):
            return body
        if openwebui.is_legacy_outlet(__request__, __metadata__):
            log.info(
                "openwebui_monitor: ignored a legacy /api/chat/completed replay from %s",
                user.get("id"),
            )
            return body
        model_id = str(body.get("model") or (__model__ or {}).get("id") or "")
        if self._exempt(model_id, __model__, __request__):
            return body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            log.warning("openwebui_monitor: outlet without messages for %s", model_id)
            return body
        chat_id, message_id = self._end_key(__metadata__, body)
        member = _member(user)
        valves, mine = self.valves, user.get("valves")  # now: Open WebUI may set this shared instance's anew
        if _unbilled(__metadata__):
            self._live.pop((chat_id, message_id), None)
            await _emit(__event_emitter__, i18n.t(lang, "not_recorded"))
            return body
        try:
            store = await self._store()
            plan = await self._plan(store, member)
            policy = self._policy(member)
            derived = self._derived()
            price_of = self._price_of(model_id, __model__, __request__)

            # From here to the submit nothing awaits: a stop that lands before this still finds the request followed
            # (and settles it without us); one that lands after finds it gone, its charge queued.
            live = self._live.pop((chat_id, message_id), None)
            # Read now: the body goes on to later filters and Open WebUI, which may change it before our commit.
            usage, output_tokens, why = _round(live, messages, chat_id, self._counter())
            if why:
                log.info("openwebui_monitor: %s for %s/%s, estimating", why, chat_id, message_id)

            def settle(store: Store) -> billing.Settlement:
                return billing.settle(
                    store,
                    member,
                    chat_id=chat_id,
                    message_id=message_id,
                    model_id=model_id,
                    usage=usage,
                    output_tokens=output_tokens,
                    price=price_of(store),
                    init_balance=derived.init_balance,
                    plan=plan,
                    policy=policy,
                )

            settled = store.submit(settle, store)
        except Exception as exc:
            await self._failed(exc, _Notice(__event_emitter__, lang, valves, mine, chat_id, message_id))
            return body
        say = _Notice(__event_emitter__, lang, valves, mine, chat_id, message_id, settle, store.target)
        self._pending.add(settled)
        settled.add_done_callback(functools.partial(self._committed, say))
        if __event_emitter__ is None:
            # An API call: no notice can follow, and its client may read its balance as soon as it has the reply,
            # so the reply waits for the charge (shielded: a client gone away does not drop it). Failures are the
            # callback's to log.
            with suppress(Exception):
                await asyncio.shield(settled)
        return body

    async def settled(self) -> None:
        """Wait until every outlet of this instance so far has been committed and its notice sent (its failure
        said). Open WebUI never needs to; tests and benchmarks read the database right after an outlet."""
        loop = asyncio.get_running_loop()
        while mine := [f for f in self._pending if f.get_loop() is loop]:
            if waiting := [f for f in mine if not f.done()]:
                await asyncio.wait(waiting)  # never cancels them, even if this wait is cancelled
            else:
                # Done, but their callbacks (which queue the notice, or the charge once more) have not run yet:
                # each takes itself out of `_pending` when it does.
                await asyncio.sleep(0)

    # -- helpers -------------------------------------------------------------------------------

    def _committed(self, say: _Notice, settled: asyncio.Future[billing.Settlement]) -> None:
        """A queued charge has committed (or failed): send its notice, or say what went wrong, in the user's
        language. Nothing cancellable awaits the charge itself (an API call's outlet waits through a shield), so
        nothing cancelled can drop it from the queue."""
        self._pending.discard(settled)
        if settled.cancelled():
            return
        exc = settled.exception()
        if isinstance(exc, StoreUnavailable) and say.step is not None:
            sending = self._again(say)  # the file was replaced after the charge was queued (a restored backup)
        elif isinstance(exc, Exception):
            sending = self._failed(exc, say)
        elif exc is None:
            parts = _parts(say.valves, say.mine)
            description = notice.render(settled.result(), lang=say.lang, symbol=say.valves.currency_symbol, parts=parts)
            if not description or say.emitter is None:
                return
            sending = _emit(say.emitter, description)
        else:
            return
        task = settled.get_loop().create_task(sending)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _again(self, say: _Notice) -> None:
        """Queue a charge once more, on the file now at the database's path: a backup restored over it while the
        charge waited. A file deleted, not replaced, raises StoreUnavailable here, and the user is told."""
        step, say = say.step, replace(say, step=None)
        try:
            store = await open_store_async(say.target)
            settled = store.submit(step, store)
        except Exception as exc:
            await self._failed(exc, say)
            return
        self._pending.add(settled)
        settled.add_done_callback(functools.partial(self._committed, say))

    @staticmethod
    async def _failed(exc: Exception, say: _Notice) -> None:
        if say.valves.on_db_unavailable == "open" and isinstance(exc, sqlite3.Error | OSError | StoreUnavailable):
            log.warning(
                "openwebui_monitor: database unavailable at outlet for %s/%s; reply not billed"
                " (on_db_unavailable=open)",
                say.chat_id,
                say.message_id,
                exc_info=exc,
            )
            await _emit(say.emitter, i18n.t(say.lang, "not_recorded"))
        else:
            log.error("openwebui_monitor: outlet failed for %s/%s", say.chat_id, say.message_id, exc_info=exc)
            await _emit(say.emitter, i18n.t(say.lang, "billing_failed"))

    async def _store(self) -> Store:
        target, backups = store_target(self.valves)
        return await open_store_async(target, trust_proof=True, backup_dir=backups)

    def _price_of(self, model_id: str, model: dict | None, request: Any) -> Callable[[Store], pricing.Price]:
        """The model's price as a step reads it (an admin's price is a row of ours): the same at inlet and outlet."""
        lookup = openwebui.model_lookup(request)
        derived = self._derived()

        def price_of(store: Store) -> pricing.Price:
            price = pricing.resolve(
                model_id,
                model,
                admin_price=store.get_price,
                lookup_model=lookup,
                fallback=derived.fallback,
                catalogue=catalogue.price_for,
            )
            return replace(price, minimum=derived.minimum) if derived.minimum else price

        return price_of

    def _watch(
        self, key: tuple[str, str], user_id: str, store: Store, continued: int | None, say: _Notice
    ) -> _Live | None:
        """Follow a request being admitted until its outlet: if the task that ran its inlet ends first (the stop
        button cancels it; an API client hanging up ends it), the reply is settled as abandoned. None when a round of
        the same message is followed already (this admission will be refused: the one followed stays so)."""
        if (earlier := self._live.get(key)) is not None and not earlier.ended:
            return None
        live = _Live(key=key, user_id=user_id, store=store, continued=continued, started=time.monotonic(), say=say)
        self._live[key] = live
        live.task = asyncio.current_task()
        if live.task is not None:
            live.task.add_done_callback(functools.partial(self._ended, key, live))
        return live

    def _forget(self, key: tuple[str, str], live: _Live | None) -> None:
        """Stop following a request this inlet began following, when it was not admitted after all."""
        if live is not None and self._live.get(key) is live:
            del self._live[key]

    def _ended(self, key: tuple[str, str], live: _Live, task: asyncio.Task[Any]) -> None:
        if self._live.get(key) is not live:
            return  # its outlet came
        live.ended, live.stopped = True, task.cancelled()
        loop = task.get_loop()
        loop.call_later(ABANDON_GRACE, self._spawn, loop, functools.partial(self._abandon, key, live))

    def _spawn(self, loop: asyncio.AbstractEventLoop, work: Callable[[], Any]) -> None:
        if loop.is_closed():
            return
        task = loop.create_task(work())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _abandon(self, key: tuple[str, str], live: _Live) -> None:
        """Settle a reply whose outlet never came, for what its stream produced (or what Open WebUI saved of it)."""
        if self._live.get(key) is not live:
            return  # its outlet came during the grace
        del self._live[key]
        chat_id, message_id = key
        count = self._counter()
        usage = live.tally.reported(count)
        output = live.tally.output_tokens(count)
        # Nothing streamed that we could read: what Open WebUI saved of the message (`abandon` takes off the earlier
        # rounds its record holds, as the sweep's does).
        saved = await _saved_output(chat_id, message_id, count) if not output and chat_id else 0
        why = "stopped" if live.stopped else "no outlet"
        try:
            settled = await asyncio.shield(
                live.store.submit(
                    billing.abandon,
                    live.store,
                    live.user_id,
                    chat_id,
                    message_id,
                    usage=usage,
                    output_tokens=output,
                    message_tokens=saved,
                    why=why,
                )
            )
        except Exception:
            log.exception("openwebui_monitor: could not settle the abandoned reply %s/%s", chat_id, message_id)
            return
        log.info(
            "openwebui_monitor: %s/%s ended without an outlet (%s): charged %s",
            chat_id,
            message_id,
            why,
            settled.charged if settled else 0,
        )
        say = live.say
        if settled is not None and say.emitter is not None:
            # Under the stopped reply (Open WebUI keeps its partial text), what it cost: the same notice, marked.
            text = notice.render(
                settled, lang=say.lang, symbol=say.valves.currency_symbol, parts=_parts(say.valves, say.mine)
            )
            await _emit(say.emitter, i18n.t(say.lang, "stopped_notice", notice=text))

    def _save_progress(self, live: _Live) -> None:
        """Save a stream's output so far on its pending row (a process that dies leaves at least this)."""
        saving = live.store.submit(billing.progress, live.store, live.user_id, *live.key, live.tally.rough)
        self._pending.add(saving)
        saving.add_done_callback(_logged)
        saving.add_done_callback(self._pending.discard)

    async def _sweep(self, store: Store) -> None:
        """Now and then, settle pending requests whose outlet is not coming (their process died): in the
        background, from what their stream saved or what Open WebUI saved of the reply."""
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        older_than = self.valves.hold_timeout_minutes * 60.0
        for key, live in list(self._live.items()):
            if now - live.started > older_than * 2 and (live.task is None or live.task.done()):
                del self._live[key]  # its task is over, yet it was never settled here: the sweep below settles it
        self._spawn(asyncio.get_running_loop(), functools.partial(self._settle_stale, store, older_than))

    async def _settle_stale(self, store: Store, older_than: float) -> None:
        try:
            for row in await store.run(billing.stale, store, older_than=older_than):
                chat_id, message_id = row["chat_id"], row["message_id"]
                if (chat_id, message_id) in self._live:
                    continue  # still followed here
                saved = await _saved_output(chat_id, message_id, self._counter()) if chat_id else 0
                await store.call(
                    billing.abandon,
                    store,
                    row["user_id"],
                    chat_id,
                    message_id,
                    message_tokens=saved,
                    why="timed out",
                    started_at=row["started_at"],
                )
        except Exception:
            log.exception("openwebui_monitor: could not settle forgotten holds")

    def _policy(self, member: billing.Member) -> billing.Policy:
        if self.valves.exempt_admins and member.role == "admin":
            return billing.EXEMPT
        return billing.TRACK_ONLY if self.valves.tracking_only else billing.ENFORCE

    async def _plan(self, store: Store, member: billing.Member) -> budgets.Plan:
        """The user's budget: one read of the budgets' version on the loop, and their Open WebUI groups only
        when some group has a budget (remembered for GROUPS_TTL seconds)."""
        config = await budgets.current(store)
        if not config.groups and not config.users:
            return budgets.NO_PLAN
        groups: tuple[str, ...] = ()
        if config.needs_groups:
            now = time.monotonic()
            cached = self._groups.get(member.id)
            if cached is not None and cached[0] > now:
                groups = cached[1]
            else:
                try:
                    groups = tuple(await openwebui.member_group_ids(member.id))
                except Exception:  # broad on purpose: Open WebUI's own database; the user's own budget still applies
                    # Not remembered: the next chat asks again (a new user's group balance is given only once).
                    log.warning("openwebui_monitor: could not read the groups of %s", member.id, exc_info=True)
                else:
                    if len(self._groups) > 10_000:
                        self._groups.clear()
                    self._groups[member.id] = (now + GROUPS_TTL, groups)
        return config.plan(member.id, groups)

    def _counter(self) -> Any:
        """The token counter, chosen once per instance (finding it looks at the file system)."""
        if self._count is None:
            self._count = tokens.counter(openwebui.tiktoken_dirs())
        return self._count

    def _language(self, user: dict) -> str:
        valves = user.get("valves")
        return i18n.language(getattr(valves, "language", None), self.valves.language)

    def _derived(self) -> _Derived:
        v = self.valves
        return _derive(
            v.exempt_models,
            v.default_input_price,
            v.default_output_price,
            v.default_per_msg_price,
            v.min_charge,
            v.init_balance,
        )

    def _exempt(self, model_id: str, model: dict | None, request: Any) -> bool:
        return model_id in self._derived().exempt or openwebui.is_monitor_pipe(request, model or {"id": model_id})

    @staticmethod
    def _start_key(metadata: Any) -> tuple[str, str]:
        """Saved and temporary chats are keyed by (chat_id, message_id); API calls get a fresh key of ours,
        since their message id is made up after the inlet (or chosen by the caller, who could reuse it)."""
        chat_id = message_id = ""
        if isinstance(metadata, dict):
            chat_id = str(metadata.get("chat_id") or "")
            message_id = str(metadata.get("message_id") or "")
        if not chat_id or not message_id:
            chat_id, message_id = "", f"api-{uuid.uuid4().hex}"
        if isinstance(metadata, dict):
            metadata[KEY] = {"chat_id": chat_id, "message_id": message_id}
        return chat_id, message_id

    @staticmethod
    def _end_key(metadata: Any, body: dict) -> tuple[str, str]:
        if isinstance(metadata, dict) and isinstance(metadata.get(KEY), dict):
            key = metadata[KEY]
            return str(key.get("chat_id", "")), str(key.get("message_id", ""))
        chat_id = str(body.get("chat_id") or "")
        message_id = str(body.get("id") or "")
        if not chat_id or not message_id:
            return "", f"api-{uuid.uuid4().hex}"
        return chat_id, message_id


@dataclass(frozen=True)
class _Notice:
    """What an outlet's notice needs once its charge has committed: where to send it and how to write it."""

    emitter: Any
    lang: str
    valves: Any  # the Filter's valves, and the user's own (UserValves or None), at the outlet
    mine: Any
    chat_id: str
    message_id: str
    step: Any = None  # the charge (a function of the store), while it may still be queued once more (`_again`)
    target: str = ""  # what opens the database again (`Store.target`), for `_again`


@dataclass(frozen=True)
class _Derived:
    """What the hooks need from the valves in micro-units and sets, worked out once per set of values: Open WebUI
    hands each request a fresh Valves object with the same values."""

    exempt: frozenset[str]
    fallback: pricing.Price
    minimum: int
    init_balance: int


# cost_on_inlet parsed, by its text; a text that does not parse raises ValueError each time (never cached).
_holds = functools.lru_cache(maxsize=64)(pricing.parse_cost_on_inlet)


@functools.lru_cache(maxsize=64)
def _derive(
    exempt_models: str,
    default_input: float,
    default_output: float,
    default_per_msg: float,
    min_charge: float,
    init_balance: float,
) -> _Derived:
    return _Derived(
        exempt=frozenset(item.strip() for item in exempt_models.split(",") if item.strip()),
        fallback=pricing.defaults(default_input, default_output, default_per_msg),
        minimum=pricing.to_micro(min_charge),
        init_balance=pricing.to_micro(init_balance),
    )


def _parts(valves: Any, mine: Any) -> notice.Parts:
    """The notice's items: each on when the admin's valve and the user's own (if they set one) both say so."""

    def on(name: str) -> bool:
        return bool(getattr(valves, name)) and bool(getattr(mine, name, True))

    return notice.Parts(
        tokens=on("show_tokens"),
        cost=on("show_cost"),
        balance=on("show_balance"),
        time=on("show_time_spent"),
        speed=on("show_tokens_per_sec"),
    )


@dataclass(eq=False)
class _Live:
    """An admitted request of this process, until its outlet (or its settlement without one)."""

    key: tuple[str, str]  # (chat_id, message_id)
    user_id: str
    store: Store
    continued: int | None  # a Continue: the tokens of the reply it extends (billed in an earlier round); else None
    started: float  # monotonic
    say: _Notice  # where and how a settlement without an outlet is shown
    tally: tokens.Tally = field(default_factory=tokens.Tally)
    saved: int = 0  # output tokens last saved on the pending row
    saved_at: float = 0.0  # monotonic time of that save
    task: asyncio.Task[Any] | None = None  # the task that ran its inlet
    ended: bool = False  # that task has ended (its outlet is not coming)
    stopped: bool = False  # that task was cancelled (the stop button)


def _round(
    live: _Live | None, messages: list, chat_id: str, count: Callable[[str], int]
) -> tuple[tokens.Usage | None, int, str | None]:
    """This round's usage as the upstream answered it, the output its text counts, and why it is an estimate.

    Only what the upstream answered this request is believed: a streamed round's usage chunks (our own tally); a
    non-streamed round's usage only when no one could have written it beforehand: an API call's reply (no saved
    chat) or a new saved message. The usage a saved message carries into a Continue or a replayed id is the chat's
    stored usage, which its owner can edit (and Open WebUI keeps it when the upstream reports none): never read.
    """
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    text, _ = tokens.message_text(last)
    output = max(count(text) - ((live.continued or 0) if live else 0), 0)
    if live is not None and live.tally.chunks:
        usage = live.tally.reported(count)
        # The stream's own text; a stream whose chunks carried none we can read (a shape we do not know) falls back
        # on the reply's text.
        streamed = live.tally.output_tokens(count) or output
        return usage, streamed, None if usage else "no usage in the stream"
    if _saved_chat(chat_id) and (live is None or live.continued is not None):
        return None, output, "a saved message's own usage is not believed"
    try:
        usage = tokens.reported_usage(last, last_round=True)
    except tokens.InvalidUsage as e:
        return None, output, f"rejected usage: {e}"
    return usage, output, None if usage else "no usage reported"


def _unbilled(metadata: Any) -> bool:
    """Whether the inlet let this request through unbilled (the database could not be written, fail open)."""
    key = metadata.get(KEY) if isinstance(metadata, dict) else None
    return isinstance(key, dict) and key.get("unbilled") is True


def _continued_tokens(messages: Any, metadata: Any, count: Callable[[str], int]) -> int | None:
    """For a Continue (Open WebUI names the message it continues), the tokens of the reply so far, which it sends as
    the last message and which are not this round's output; None for any other request (a trailing assistant
    message there is a prompt, a prefill, not ours)."""
    if not (isinstance(metadata, dict) and metadata.get("assistant_message_id")):
        return None
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        if messages[-1].get("role") == "assistant":
            return count(tokens.message_text(messages[-1])[0])
    return 0


def _saved_chat(chat_id: str) -> bool:
    """A chat Open WebUI keeps (its messages, and their usage, are in its database, where their owner can edit
    them), as opposed to an API call ('') or a temporary chat ('local:...'), whose reply is this request's own."""
    return bool(chat_id) and not chat_id.startswith(("local:", "temporary:"))


def _max_tokens(body: dict) -> int:
    """The output limit the request names (`max_tokens`, `max_completion_tokens`; Ollama: `options.num_predict`):
    the largest of them, since which one the upstream enforces depends on the connection (Open WebUI renames them
    for some, and Ollama reads only its own)."""
    limits = [
        value
        for source in (body, body.get("params"), body.get("options"))
        if isinstance(source, dict)
        for name in ("max_completion_tokens", "max_tokens", "num_predict")
        if type(value := source.get(name)) is int and 0 < value <= tokens.MAX_TOKENS
    ]
    return max(limits, default=0)


async def _saved_output(chat_id: str, message_id: str, count: Callable[[str], int]) -> int:
    """The tokens of the reply text Open WebUI saved for a message (a stopped reply's partial text), 0 if none."""
    try:
        message = await openwebui.saved_reply(chat_id, message_id)
    except Exception:  # broad on purpose: Open WebUI's own database; the stream's tally still stands
        log.warning("openwebui_monitor: could not read the saved reply %s/%s", chat_id, message_id, exc_info=True)
        return 0
    return count(tokens.message_text(message)[0]) if message else 0


def _logged(done: asyncio.Future[Any]) -> None:
    if not done.cancelled() and (exc := done.exception()) is not None:
        log.warning("openwebui_monitor: could not save a stream's progress", exc_info=exc)


def _member(user: dict) -> billing.Member:
    try:
        return _member_of(user["id"], user.get("name"), user.get("email"), user.get("role"))
    except TypeError:  # a value that cannot be a cache key (not from Open WebUI): made afresh
        return _member_of.__wrapped__(user["id"], user.get("name"), user.get("email"), user.get("role"))


@functools.lru_cache(maxsize=4096)
def _member_of(user_id: Any, name: Any, email: Any, role: Any) -> billing.Member:
    """Open WebUI passes a fresh user dict to every hook; the same person's Member is made once."""
    return billing.Member(id=str(user_id), name=str(name or ""), email=str(email or ""), role=str(role or "user"))


async def _emit(emitter: Any, description: str) -> None:
    if emitter is None:
        return
    try:
        await emitter({"type": "status", "data": {"description": description, "done": True}})
    except Exception:  # broad on purpose: a closed socket must not undo a charge already committed
        log.warning("openwebui_monitor: could not emit the notice", exc_info=True)
