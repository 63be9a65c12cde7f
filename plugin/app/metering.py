"""The billing Filter's hooks, orchestrated: a pending charge at inlet, posted at outlet, settled without one.

The Filter (functions layer) only hands each hook's Open WebUI arguments here, with its current valves; this module
decides the steps and their order, and `domain.billing` decides the money.
- inlet: the reply's hold (its prompt and an output allowance at the model's price, or the admin's `cost_on_inlet`)
  must be covered by the balance; the request is recorded as pending in the same transaction (durable before the
  upstream is asked), so no stop button, hang-up or crash can make a reply free. A database file replaced since the
  last look (a restored backup) is opened again, once.
- stream: each upstream chunk's text and usage are tallied in memory (`follow.Follower.tally`).
- outlet: the round is charged at its exact cost from the upstream's own usage, or an estimate, and the notice
  follows. An outlet with somewhere to send its notice (a chat in Open WebUI's UI) returns as soon as its charge is
  queued for the next group commit: the notice, with the balance that commit left, follows a moment later. An API
  call's outlet (no notice) returns once its charge is recorded.
- no outlet: `follow` settles the pending charge for the prompt and the output tallied so far, marked estimated.
What a database failure does to a chat is `terms.fails_open`'s to say, for the inlet and the outlet alike.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import openwebui
from ..domain import billing, tokens
from ..errors import MisconfiguredValve, StoreUnavailable
from ..openwebui import releases
from ..store import Store, open_store_async
from ..words import i18n
from . import requests, terms
from .follow import Follower, Live
from .groups import Groups
from .notices import Render, Say, emit, failed
from .terms import Settings

log = logging.getLogger(__name__)

# Where the valves say the database is: (its SQLite path or PostgreSQL URL, where a restore writes its backup).
Where = Callable[[Settings], tuple[str, Path | None]]


@dataclass(slots=True)
class Call:
    """A hook's Open WebUI arguments, as the Filter received them (any of them may be missing or malformed)."""

    body: Any
    user: Any = None
    metadata: Any = None
    model: Any = None
    request: Any = None
    emitter: Any = None
    function_id: Any = None  # the Function's id in Open WebUI (its `__id__`), where a hook is given it


class Meter:
    """One Filter instance's billing: the requests it follows, its background work, its users' groups."""

    def __init__(self, render: Render, where: Where, user_valves: Callable[..., Any] = dict) -> None:
        self.pending: set[asyncio.Future[Any]] = set()  # queued charges, then their notices until sent
        self._render = render
        self._where = where
        self._user_valves = user_valves  # the Filter's UserValves, for a user the outlet must read itself
        self._count: Callable[[str], int] | None = None
        self._groups = Groups()
        self.release = releases.tell_release("filter")
        self.billable = releases.billable(self.release)  # decided once: the release does not change under us
        # Outlets for requests without a saved chat (API calls): settled from their stream when the release has none.
        self.follow = Follower(self.pending, self.counter, render, releases.api_outlets(self.release))
        # A non-streamed Continue's outlet text: the whole reply, or (before 0.11) only the new round.
        self.whole_continue = releases.whole_continue(self.release)
        # The stream hook, called once per upstream chunk: the Follower's own method, with no call in between.
        self.stream: Callable[[dict, Any], dict] = self.follow.tally

    def counter(self) -> Callable[[str], int]:
        """The token counter, chosen once per instance (finding it looks at the file system)."""
        if self._count is None:
            self._count = tokens.counter(openwebui.tiktoken_dirs())
        return self._count

    async def inlet(self, valves: Settings, call: Call) -> Any:
        """Admit the request (or refuse it, raising the message Open WebUI shows); returns the body to send."""
        body = call.body
        user = call.user if isinstance(call.user, dict) else {}
        lang = terms.language(valves, user)
        if not isinstance(body, dict) or not user.get("id"):
            return body
        model_id = requests.model_id(body, call.model)
        values = terms.derived(valves)
        if terms.exempt(values, model_id, call.model, call.request):
            return body
        if requests.code_in_prompt(body):
            raise Exception(i18n.t(lang, "code_in_chat"))  # never to another model's provider, admins' included
        if not self.billable:
            if user.get("role") == "admin":
                oldest = releases.dotted(releases.OLDEST_SUPPORTED)
                await emit(call.emitter, i18n.t(lang, "release_unbilled", version=self.release, oldest=oldest))
            return body
        metadata = call.metadata if isinstance(call.metadata, dict) else body.get("metadata")
        key = chat_id, message_id = requests.start_key(metadata)
        try:
            fixed = terms.fixed_hold(valves, model_id)
        except MisconfiguredValve as e:
            raise Exception(e.message(lang)) from None
        result: billing.Admission | billing.Refusal | None = None
        watched: Live | None = None
        try:
            member = requests.member(user)
            policy = terms.policy(valves, member)
            messages = body.get("messages")
            input_tokens = tokens.prompt_tokens(messages, self.counter())
            allowance = requests.max_tokens(body) or valves.reserve_output_tokens
            price_of = terms.price_of(values, model_id, call.model, call.request)
            unseen = not (self.follow.api_outlets or chat_id or body.get("stream"))
            # What such an unseen reply is charged for its output: never fewer tokens than the admin's allowance (a
            # model's own max_tokens, applied after this inlet, overrides the client's, which must not lower a charge).
            unseen_output = max(allowance, valves.reserve_output_tokens) if unseen else 0
            store = await self._store(valves)
            await self.follow.settle_stopped(key)
            self.follow.sweep(store, valves.hold_timeout_minutes)
            plan = await self._groups.plan(store, member)

            def admit(store: Store) -> billing.Admission | billing.Refusal:
                price = price_of(store)
                estimate = billing.reserve(price, input_tokens, unseen_output or allowance)
                # A reply no hook will see (a non-streamed API call before 0.10) is charged this estimate at its end:
                # a smaller fixed pre-charge would let it overdraw the balance.
                hold = max(fixed or 0, estimate) if unseen else (fixed or estimate)
                return billing.admit(
                    store,
                    member,
                    chat_id=chat_id,
                    message_id=message_id,
                    model_id=model_id,
                    hold=hold,
                    init_balance=values.init_balance,
                    plan=plan,
                    policy=policy,
                    price=price,
                    input_tokens=input_tokens,
                )

            # Followed from before the admission is awaited: a stop that lands while its commit is on its way still
            # finds it (and settles it, if admitted). Forgotten below when it is not.
            say = Say(call.emitter, lang, valves, user.get("valves"), chat_id, message_id)
            continued = requests.continued_tokens(messages, metadata, self.counter())
            watched = self.follow.watch(key, member.id, store, continued, say, user)
            if watched is not None:
                watched.unseen = unseen_output
            try:
                result = await store.call(admit, store)
            except StoreUnavailable:
                # The file was replaced since our last look (a restored backup): once more, on the file there now.
                # A file deleted, not replaced, raises StoreUnavailable again, and the chat is refused below.
                store = await open_store_async(store.target)
                result = await store.call(admit, store)
        except Exception as exc:
            self.follow.forget(key, watched)
            if not terms.fails_open(valves, exc):
                raise Exception(_refused_for(exc, lang, user.get("id"))) from None
            # Fail open (the admin's choice): the chat goes on unbilled, and the admin is told in the log; its
            # outlet says so under the reply, even if the database is back by then.
            requests.mark_unbilled(metadata)
            log.warning(
                "openwebui_monitor: database unavailable at inlet for user %s; chat let through unbilled"
                " (on_db_unavailable=open)",
                user.get("id"),
                exc_info=True,
            )
        if not isinstance(result, billing.Admission):
            self.follow.forget(key, watched)  # refused, or let through unbilled: nothing to settle
        if isinstance(result, billing.Refusal):
            raise Exception(terms.refusal_text(result, lang, valves.currency_symbol))
        if body.get("stream"):
            # Open WebUI asks for usage only for models flagged with the usage capability; we always need it.
            options = body.get("stream_options")
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        return body

    async def outlet(self, valves: Settings, call: Call) -> Any:
        """Queue this round's charge; its notice follows once it commits. Returns the body unchanged."""
        body = call.body
        if not isinstance(body, dict) or not self.billable:
            return body
        if openwebui.is_legacy_outlet(call.request, call.metadata):
            log.info("openwebui_monitor: ignored a legacy /api/chat/completed replay")
            return body
        model_id = requests.model_id(body, call.model)
        values = terms.derived(valves)
        if terms.exempt(values, model_id, call.model, call.request):
            return body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            log.warning("openwebui_monitor: outlet without messages for %s", model_id)
            return body
        key = chat_id, message_id = requests.end_key(call.metadata, body)
        user = await self._outlet_user(call, key)
        lang = terms.language(valves, user)
        if not user.get("id"):
            return body
        member = requests.member(user)
        mine = user.get("valves")
        if requests.unbilled(call.metadata):
            self.follow.take(key)
            await emit(call.emitter, i18n.t(lang, "not_recorded"))
            return body
        try:
            store = await self._store(valves)
            plan = await self._groups.plan(store, member)
            agreed = billing.Terms(member, values.init_balance, plan, terms.policy(valves, member))
            price_of = terms.price_of(values, model_id, call.model, call.request)

            # From here to the submit nothing awaits: a stop that lands before this still finds the request followed
            # (and settles it without us); one that lands after finds it gone, its charge queued.
            live = self.follow.take(key)
            # Read now: the body goes on to later filters and Open WebUI, which may change it before our commit.
            usage, output_tokens, why = requests.this_round(
                live is not None,
                live.tally if live else None,
                self._continued(live),
                messages,
                chat_id,
                self.counter(),
            )
            if why:
                log.info("openwebui_monitor: %s for %s/%s, estimating", why, chat_id, message_id)

            def settle(store: Store) -> billing.Settlement:
                round_ = billing.Round(chat_id, message_id, model_id, usage, price_of(store), output_tokens)
                return billing.settle(store, agreed, round_)

            settled = store.submit(settle, store)
        except Exception as exc:
            await failed(exc, Say(call.emitter, lang, valves, mine, chat_id, message_id))
            return body
        say = Say(call.emitter, lang, valves, mine, chat_id, message_id, settle, store.target)
        self.pending.add(settled)
        settled.add_done_callback(functools.partial(self._committed, say))
        if call.emitter is None:
            # An API call: no notice can follow, and its client may read its balance as soon as it has the reply,
            # so the reply waits for the charge (shielded: a client gone away does not drop it). Failures are the
            # callback's to log.
            with suppress(Exception):
                await asyncio.shield(settled)
        return body

    async def _outlet_user(self, call: Call, key: requests.Key) -> dict[str, Any]:
        """Who an outlet bills. The outlet does not name `__user__`, so Open WebUI does not read the user's valves
        from its database once more before calling it (it does before every hook that names it: ~0.8 ms of server
        CPU a chat): the user is the one its inlet was given, a moment before, for the same reply. A caller may still
        pass `__user__` (tests do); an outlet whose inlet this process did not follow reads the user the metadata
        names from Open WebUI, as Open WebUI would have. When that read fails, the outlet bills nothing: a request
        admitted anywhere has its pending charge, which is settled without an outlet (abandoned, or swept)."""
        if isinstance(call.user, dict):
            return call.user
        live = self.follow.live.get(key)
        if live is not None and live.user:
            return live.user
        user_id = call.metadata.get("user_id") if isinstance(call.metadata, dict) else None
        if not user_id:
            return {}
        function_id = str(call.function_id) if call.function_id else None
        try:
            return await openwebui.hook_user(str(user_id), function_id, self._user_valves)
        except Exception:  # broad on purpose: Open WebUI's own database; the pending charge is settled without us
            log.exception("openwebui_monitor: could not read user %s for an outlet", user_id)
            return {}

    def _continued(self, live: Live | None) -> int | None:
        """The tokens of the reply a Continue extends, to take off the outlet's text; 0 when that text is only the new
        round (a non-streamed Continue before 0.11), so the round is still not priced from the saved usage."""
        if live is None or live.continued is None:
            return None
        if not self.whole_continue and not live.tally.chunks:
            return 0
        return live.continued

    async def settled(self) -> None:
        """Wait until every outlet so far has been committed and its notice sent (its failure said), and every
        other piece of background work is done. Open WebUI never needs to; tests and benchmarks read the database
        right after an outlet."""
        loop = asyncio.get_running_loop()
        while mine := [f for f in self.pending if f.get_loop() is loop]:
            if waiting := [f for f in mine if not f.done()]:
                await asyncio.wait(waiting)  # never cancels them, even if this wait is cancelled
            else:
                # Done, but their callbacks (which queue the notice, or the charge once more) have not run yet:
                # each takes itself out of `pending` when it does.
                await asyncio.sleep(0)

    def _committed(self, say: Say, settled: asyncio.Future[billing.Settlement]) -> None:
        """A queued charge has committed (or failed): send its notice, or say what went wrong, in the user's
        language. Nothing cancellable awaits the charge itself (an API call's outlet waits through a shield), so
        nothing cancelled can drop it from the queue."""
        self.pending.discard(settled)
        if settled.cancelled():
            return
        exc = settled.exception()
        if isinstance(exc, StoreUnavailable) and say.step is not None:
            sending = self._again(say)  # the file was replaced after the charge was queued (a restored backup)
        elif isinstance(exc, Exception):
            sending = failed(exc, say)
        elif exc is None:
            if say.emitter is None:
                return  # an API call: nobody to show a notice to, so none is worded (~50 µs a reply)
            description = self._render(settled.result(), say.lang, say.valves, say.mine)
            if not description:
                return
            sending = emit(say.emitter, description)
        else:
            return
        task = settled.get_loop().create_task(sending)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _again(self, say: Say) -> None:
        """Queue a charge once more, on the file now at the database's path: a backup restored over it while the
        charge waited. A file deleted, not replaced, raises StoreUnavailable here, and the user is told."""
        step, say = say.step, replace(say, step=None)
        try:
            store = await open_store_async(say.target)
            settled = store.submit(step, store)
        except Exception as exc:
            await failed(exc, say)
            return
        self.pending.add(settled)
        settled.add_done_callback(functools.partial(self._committed, say))

    async def _store(self, valves: Settings) -> Store:
        target, backups = self._where(valves)
        return await open_store_async(target, trust_proof=True, backup_dir=backups)


def _refused_for(exc: Exception, lang: str, user_id: Any) -> str:
    """An inlet that failed, not let through: logged, and what the user is told (a database that cannot be written
    is named as such; anything else is a generic error, its detail in the log only)."""
    if isinstance(exc, terms.UNAVAILABLE):
        # Fail closed: a chat that cannot be recorded is not sent.
        log.error("openwebui_monitor: database unavailable at inlet for user %s", user_id, exc_info=exc)
        return StoreUnavailable().message(lang)
    log.error("openwebui_monitor: inlet failed for user %s", user_id, exc_info=exc)
    return i18n.t(lang, "error_generic")
