"""Following an admitted request until its outlet, and settling it when no outlet comes.

The filter's promise is that no stop button, hang-up or crash makes a reply free. Every admitted request of this
process is followed (`Live`): its stream's chunks are tallied in memory and its output so far is saved on the pending
row every PROGRESS_EVERY seconds (for a process that dies). When the task that ran its inlet ends without an outlet
(the stop button cancels it; an API client hanging up ends it), the reply is settled as abandoned ABANDON_GRACE
seconds later, for the prompt and what it produced, unless its outlet came meanwhile. Requests whose process died are
settled by the sweep (every SWEEP_EVERY seconds, per process) once older than the `hold_timeout_minutes` valve,
from what their stream saved or what Open WebUI saved of the reply.

Work started here outlives the hook that started it; it is kept in the `pending` set the Meter shares, which
`Meter.settled` waits on (tests and benchmarks do; Open WebUI never needs to).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from .. import openwebui
from ..domain import billing, tokens
from ..store import Store
from ..words import i18n
from .notices import Render, Say, emit
from .requests import KEY, Key, saved_output

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0  # seconds between looks for forgotten holds, per process
# After the task that ran an inlet has ended without an outlet: how long its outlet may still come (an API stream's
# outlet runs shielded and may finish after the request's task) before the reply is settled as abandoned.
ABANDON_GRACE = 2.0
PROGRESS_EVERY = 2.0  # seconds between saves of a stream's output so far on its pending row


@dataclass(eq=False)
class Live:
    """An admitted request of this process, until its outlet (or its settlement without one)."""

    key: Key
    user_id: str
    store: Store
    continued: int | None  # a Continue: the tokens of the reply it extends (billed in an earlier round); else None
    started: float  # monotonic
    say: Say  # where and how a settlement without an outlet is shown
    # Open WebUI's `__user__` at the inlet (their record and valves): the outlet bills and words its notice for it.
    user: dict[str, Any] = field(default_factory=dict)
    tally: tokens.Tally = field(default_factory=tokens.Tally)
    saved: int = 0  # output tokens last saved on the pending row
    saved_at: float = 0.0  # monotonic time of that save
    heard: float = 0.0  # monotonic time of its stream's last chunk
    finished: bool = False  # its stream has ended (seen only where no outlet follows an API stream)
    task: asyncio.Task[Any] | None = None  # the task that ran its inlet
    ended: bool = False  # that task has ended (its outlet is not coming)
    stopped: bool = False  # that task was cancelled (the stop button)
    # Output tokens charged when nothing of the reply can be seen: a non-streamed API call on a release that runs no
    # outlet for it (Open WebUI 0.9) shows us neither its text nor its usage, so its output allowance is charged.
    unseen: int = 0


class Follower:
    """The requests this process admitted and has not settled yet, and the sweep of those another process left."""

    def __init__(
        self,
        pending: set[asyncio.Future[Any]],
        count: Callable[[], Callable[[str], int]],
        render: Render,
        api_outlets: bool = True,
    ) -> None:
        self.live: dict[Key, Live] = {}  # admitted requests of this process whose outlet has not come
        self._pending = pending  # work that outlives its hook (shared with the Meter, which waits on it)
        self._count = count  # the token counter (chosen once by the Meter)
        self._render = render
        self._last_sweep = 0.0
        self.api_outlets = api_outlets  # the release runs outlets for requests without a saved chat

    # -- following ------------------------------------------------------------------------------------------------

    def watch(
        self, key: Key, user_id: str, store: Store, continued: int | None, say: Say, user: dict[str, Any] | None = None
    ) -> Live | None:
        """Follow a request being admitted until its outlet: if the task that ran its inlet ends first (the stop
        button cancels it; an API client hanging up ends it), the reply is settled as abandoned. None when a round of
        the same message is followed already (this admission will be refused: the one followed stays so)."""
        if (earlier := self.live.get(key)) is not None and not earlier.ended:
            return None
        live = Live(
            key=key,
            user_id=user_id,
            store=store,
            continued=continued,
            started=time.monotonic(),
            say=say,
            user=dict(user or {}),  # a copy: Open WebUI sets each later filter's own user valves on the same dict
        )
        self.live[key] = live
        live.task = asyncio.current_task()
        if live.task is not None:
            live.task.add_done_callback(functools.partial(self._ended, key, live))
        return live

    def forget(self, key: Key, live: Live | None) -> None:
        """Stop following a request this inlet began following, when it was not admitted after all."""
        if live is not None and self.live.get(key) is live:
            del self.live[key]

    def take(self, key: Key) -> Live | None:
        """The outlet has come: the request is no longer followed (a stop landing after this finds nothing)."""
        return self.live.pop(key, None)

    async def settle_stopped(self, key: Key) -> None:
        """A Continue right after the stop button: the stopped round is settled now, not after the grace."""
        if (earlier := self.live.get(key)) is not None and earlier.ended:
            await self._abandon(key, earlier)

    def tally(self, event: dict, metadata: Any) -> dict:
        """The stream hook: tally a chunk of a followed request (its text, its usage), now and then save the output
        so far; the chunk goes on unchanged. Runs once per upstream chunk: kept to a few dict reads."""
        key = metadata.get(KEY) if type(metadata) is dict else None
        live = self.live.get((key.get("chat_id", ""), key.get("message_id", ""))) if type(key) is dict else None
        if live is not None:
            if type(event) is dict:
                live.tally.add(event)
            else:
                chunks, ended = openwebui.stream_lines(event)
                for chunk in chunks:
                    live.tally.add(chunk)
                if ended and not self.api_outlets and not live.key[0]:
                    # An API stream where no outlet follows (Open WebUI 0.9): over, so settled now, from its usage.
                    live.finished = True
                    self.spawn(asyncio.get_running_loop(), functools.partial(self._abandon, live.key, live))
            live.heard = now = time.monotonic()
            if live.tally.rough > live.saved and now - live.saved_at >= PROGRESS_EVERY:
                live.saved, live.saved_at = live.tally.rough, now
                self._save_progress(live)
        return event

    def _save_progress(self, live: Live) -> None:
        """Save a stream's output so far on its pending row (a process that dies leaves at least this)."""
        saving = live.store.submit(billing.progress, live.store, live.user_id, *live.key, live.tally.rough)
        self._pending.add(saving)
        saving.add_done_callback(_logged)
        saving.add_done_callback(self._pending.discard)

    def _ended(self, key: Key, live: Live, task: asyncio.Task[Any]) -> None:
        if self.live.get(key) is not live:
            return  # its outlet came
        live.ended, live.stopped = True, task.cancelled()
        loop = task.get_loop()
        loop.call_later(ABANDON_GRACE, self.spawn, loop, functools.partial(self._abandon, key, live))

    def spawn(self, loop: asyncio.AbstractEventLoop, work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run `work` in the background, kept in `pending` until it is done."""
        if loop.is_closed():
            return
        task = loop.create_task(work())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _abandon(self, key: Key, live: Live) -> None:
        """Settle a reply whose outlet never came, for what its stream produced (or what Open WebUI saved of it)."""
        if self.live.get(key) is not live:
            return  # its outlet came during the grace
        if not (live.finished or live.stopped) and time.monotonic() - live.heard < ABANDON_GRACE:
            # Its stream still flows without the task that ran its inlet (an API stream may outlive it; Open WebUI
            # 0.9 runs no outlet after one): it is over when the chunks stop. Not after the stop button (a Continue
            # pressed right after it settles the stopped round at once, its stream is cut).
            loop = asyncio.get_running_loop()
            loop.call_later(ABANDON_GRACE, self.spawn, loop, functools.partial(self._abandon, key, live))
            return
        del self.live[key]
        chat_id, message_id = key
        count = self._count()
        usage = live.tally.reported(count)
        output = live.tally.output_tokens(count)
        # Nothing streamed that we could read: what Open WebUI saved of the message (`abandon` takes off the earlier
        # rounds its record holds, as the sweep's does).
        saved = await saved_output(chat_id, message_id, count) if not output and chat_id else 0
        why = "stopped" if live.stopped else "no outlet"
        if usage is None and not output and live.unseen and not live.stopped:
            output, why = live.unseen, "not seen: no outlet on this Open WebUI"
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
            text = self._render(settled, say.lang, say.valves, say.mine)
            await emit(say.emitter, i18n.t(say.lang, "stopped_notice", notice=text))

    # -- the sweep ------------------------------------------------------------------------------------------------

    def sweep(self, store: Store, hold_timeout_minutes: int) -> None:
        """Now and then, settle pending requests whose outlet is not coming (their process died): in the
        background, from what their stream saved or what Open WebUI saved of the reply."""
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        older_than = hold_timeout_minutes * 60.0
        for key, live in list(self.live.items()):
            if now - live.started > older_than * 2 and (live.task is None or live.task.done()):
                del self.live[key]  # its task is over, yet it was never settled here: the sweep below settles it
        self.spawn(asyncio.get_running_loop(), functools.partial(self._settle_stale, store, older_than))

    async def _settle_stale(self, store: Store, older_than: float) -> None:
        try:
            for row in await store.run(billing.stale, store, older_than=older_than):
                chat_id, message_id = row["chat_id"], row["message_id"]
                if (chat_id, message_id) in self.live:
                    continue  # still followed here
                saved = await saved_output(chat_id, message_id, self._count()) if chat_id else 0
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


def _logged(done: asyncio.Future[Any]) -> None:
    if not done.cancelled() and (exc := done.exception()) is not None:
        log.warning("openwebui_monitor: could not save a stream's progress", exc_info=exc)
