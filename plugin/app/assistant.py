"""The assistant: a question the command parser did not understand, answered by a model the admin chose
(`assistant_model`), through Open WebUI's own chat completion, with our read-only report functions as its tools.

One question is at most `MAX_ROUNDS` requests to the model within `timeout` seconds; the model's words come back
with every tool result it used (`assistant_tools.ToolResult`), which the UI renders from our own records.

The assistant's tokens are the asker's usage, billed as a chat is (`domain/billing`: admitted with a hold before
the first request, the progress saved after each round, settled once at the end, even when the model failed, the
time ran out or the reader hung up), at the assistant model's price as the Filter would resolve it; with
`free` the usage is recorded and nothing is taken from the balance (billing's EXEMPT policy). A round whose
request was cut off (a timeout, a hang-up) reported no usage and is not charged; a round without reported usage
is estimated, as the Filter estimates one.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..domain import billing, catalogue, completions, pricing, tokens
from ..domain.completions import Conversation, Reply
from ..domain.tokens import Usage
from ..errors import MonitorError
from ..money import to_micro
from ..store import Store
from ..text import quoted
from ..words import i18n
from . import assistant_tools, terms
from .assistant_tools import ToolResult, Visible
from .groups import Groups
from .session import Session

log = logging.getLogger(__name__)

MAX_ROUNDS = 4  # requests to the model per question: tool rounds and the answer together
OUTPUT_ALLOWANCE = 1_000  # output tokens held per question when the Filter's valve cannot be read

# One request to the model: the form, and a list the reply's streamed text is appended to as it arrives (what a round
# cut off by the time limit or a hang-up had produced, which is charged as the Filter charges a stopped reply).
Complete = Callable[[dict[str, Any], list[str]], Awaitable[Mapping[str, Any] | str]]

# `assistant_free`: recorded, never charged, never refused for the balance; a blocked user stays blocked.
FREE = billing.Policy(refuse_empty=False, refuse_blocked=True, charge=False)


class AssistantFailed(MonitorError):
    """The assistant could not answer; `reason` is already in the reader's words. The help follows it."""

    key = "assistant_failed"


@dataclass(frozen=True)
class Assistant:
    """The admin's assistant valves and what one question needs from Open WebUI: `complete` sends one request to
    the model (the adapter's internal chat completion), `visible` lists the models the asker may use,
    `billing_valves` reads the Filter's valves (its policy), and the ids the usage is recorded under."""

    model: str
    complete: Complete
    timeout: float = 60.0
    free: bool = False
    stream: bool = False
    visible: Visible | None = None
    billing_valves: Callable[[], Awaitable[Mapping[str, Any]]] | None = None
    chat_id: str = ""
    message_id: str = ""
    itself: bool = False  # the model named is this report model (it would ask itself, round after round)
    status: Callable[[str, bool], Awaitable[None]] | None = None  # the line above the answer while it works


@dataclass(frozen=True)
class Answer:
    """The model's words, the tool results it used (in order, repeats dropped), and what the question cost."""

    words: str
    results: tuple[ToolResult, ...]
    usage: Usage
    cost: int
    charged: bool  # False: recorded only (assistant_free, an exempt admin)
    rounds: int


@dataclass
class _Exchange:
    """One question's running state: what the model was sent, its usage so far, the tool results."""

    conversation: Conversation
    usage: Usage = field(default_factory=lambda: Usage(0, 0))
    results: list[ToolResult] = field(default_factory=list)
    rounds: int = 0
    words: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)  # the messages of the round in flight
    received: list[str] = field(default_factory=list)  # what the round in flight has streamed so far

    def cut_off(self) -> None:
        """Count the round in flight as far as it came (a time limit, a hang-up): what it streamed is output, read
        as far as it goes, its prompt as the Filter counts one; a round that sent nothing back costs nothing."""
        received, self.received = self.received, []
        if not received:
            return
        try:
            reply = completions.read_stream("".join(received).split("\n"))
        except completions.CompletionError:
            return
        usage = reply.usage or _estimate(self.sent, reply)
        if usage.output_tokens > 0:
            self.usage = self.usage + usage


async def ask(session: Session, question: str, assistant: Assistant) -> Answer:
    """Answer `question` with the model and our tools; `AssistantFailed` (with the reason) when it cannot."""
    models = {str(m.get("id")): m for m in session.models() if m.get("id")}
    if assistant.model not in models:
        raise AssistantFailed(reason=session.t("assistant_missing", model=quoted(assistant.model)))
    if assistant.itself:
        raise AssistantFailed(reason=session.t("assistant_itself", model=quoted(assistant.model)))
    exchange = _Exchange(Conversation([_system(session), {"role": "user", "content": question}]))
    ledger = await _Ledger.open(session, assistant, models.get(assistant.model), exchange)
    try:
        return await _answered(session, assistant, exchange, ledger)
    finally:
        await _say(assistant, "", done=True)


async def _answered(session: Session, assistant: Assistant, exchange: _Exchange, ledger: _Ledger) -> Answer:
    """The rounds within the time limit, then the charge settled once, whatever ended them (shielded: a hang-up
    while it is written does not leave the hold open)."""
    failure: AssistantFailed | None = None
    try:
        await asyncio.wait_for(_converse(session, assistant, exchange, ledger), timeout=ledger.time_limit)
    except TimeoutError:
        failure = AssistantFailed(reason=session.t("assistant_timeout", seconds=max(1, round(ledger.time_limit))))
    except AssistantFailed as exc:
        failure = exc
    except Exception as exc:  # broad on purpose: the model, Open WebUI or a reply we cannot read; still settled
        failure = AssistantFailed(reason=_failed(session, assistant, exc))
    except BaseException:  # a hang-up (CancelledError): what was answered is settled, then the cancel goes on
        exchange.cut_off()
        await asyncio.shield(ledger.close(exchange))
        raise
    exchange.cut_off()
    await asyncio.shield(ledger.close(exchange))
    if failure is not None:
        raise failure
    return Answer(
        words=exchange.words,
        results=tuple(_distinct(exchange.results)),
        usage=exchange.usage,
        cost=ledger.cost,
        charged=ledger.charged,
        rounds=exchange.rounds,
    )


def _failed(session: Session, assistant: Assistant, exc: Exception) -> str:
    """Why the model failed, for the reader: our own errors in their words; the upstream's text to an admin only
    (it may name hosts or keys), a plain reason to a user; the whole error in the log."""
    if isinstance(exc, MonitorError):
        return exc.message(session.lang)
    log.warning("openwebui_monitor: assistant model %s failed", assistant.model, exc_info=exc)
    if not session.is_admin:
        return session.t("assistant_error_hidden")
    return session.t("assistant_error", detail=quoted(str(exc), 200))


async def _converse(session: Session, assistant: Assistant, exchange: _Exchange, ledger: _Ledger) -> None:
    tools = assistant_tools.schemas(session.is_admin)
    for number in range(1, MAX_ROUNDS + 1):
        await _say(assistant, session.t("assistant_working", model=assistant.model[:80], round=number))
        form: dict[str, Any] = {
            "model": assistant.model,
            "messages": exchange.conversation.messages,
            "tools": tools,
            "stream": assistant.stream,
        }
        if assistant.stream:
            form["stream_options"] = {"include_usage": True}
        # A copy per request: Open WebUI adds a model's own system prompt to the messages in place, which must not
        # pile up round after round (and be paid for each time).
        form = copy.deepcopy(form)
        exchange.sent, exchange.received = form["messages"], []
        reply = completions.read(await assistant.complete(form, exchange.received))
        exchange.received = []
        exchange.rounds += 1
        exchange.usage = exchange.usage + (reply.usage or _estimate(form["messages"], reply))
        await ledger.progress(exchange)
        if not reply.tool_calls:
            exchange.words = reply.content.strip()
            return
        answered = []
        for tool_call in reply.tool_calls:
            context = assistant_tools.Context(assistant.visible, ledger.hold)
            result = await assistant_tools.call(session, tool_call.name, tool_call.arguments, context)
            exchange.results.append(result)
            answered.append((tool_call, result.json()))
        exchange.conversation.add_round(reply, answered)
    raise AssistantFailed(reason=session.t("assistant_rounds", rounds=MAX_ROUNDS))


async def _say(assistant: Assistant, text: str, *, done: bool = False) -> None:
    """The status line while the model works ("Looking it up with gpt-4o… (2)"), hidden when done; a status that
    cannot be shown never stops the answer."""
    if assistant.status is None:
        return
    try:
        await assistant.status(text, done)
    except Exception:  # broad on purpose: Open WebUI's event channel; the answer matters, not its progress line
        log.debug("openwebui_monitor: assistant status not shown", exc_info=True)


def _estimate(messages: list[dict[str, Any]], reply: Reply) -> Usage:
    """A round the model reported no usage for: the prompt and the reply counted as the Filter counts them."""
    said = reply.content + "".join(call.name + call.arguments for call in reply.tool_calls)
    return Usage(tokens.prompt_tokens(messages), tokens.heuristic_count(said), estimated=True)


def _distinct(results: list[ToolResult]) -> list[ToolResult]:
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for result in results:
        key = (result.name, tuple(sorted(result.arguments.items())))
        if key not in seen:
            seen.add(key)
            kept.append(result)
    return kept


def _system(session: Session) -> dict[str, str]:
    """The instructions: what the tools are for, whose data they read, and the reader's language. They grant
    nothing: the tools' scope is enforced by `assistant_tools` whatever the model makes of them."""
    now = datetime.fromtimestamp(session.now, session.tz)
    scope = (
        "The person is an admin: the tools read everyone's usage, or one person's with `user`."
        if session.is_admin
        else "The person is a user: the tools read only their own usage."
    )
    text = (
        "You answer questions about usage of Open WebUI: spending, tokens, replies, balance and model prices."
        " Use the tools for every number; never invent one. Tables of the tool results are shown under your"
        " answer, so answer briefly, in a few sentences, and do not repeat whole tables."
        f" {scope} Amounts are in {session.symbol}. Today is {now.date().isoformat()}."
        f" Answer in {i18n.t(session.lang, 'assistant_language')}."
        " If the question is not about usage, say in one sentence what you can answer."
    )
    return {"role": "system", "content": text}


class _Ledger:
    """The question's charge, kept in our store the way a chat's is: admitted before the first request (refused
    like a chat when the balance cannot cover the hold), its progress saved after each round, settled once."""

    def __init__(
        self, session: Session, key: tuple[str, str], model_id: str, price: pricing.Price, charged: bool
    ) -> None:
        self.session, self.key, self.model_id, self.price, self.charged = session, key, model_id, price, charged
        self.member = billing.Member(*(session.user.get(k, "") for k in ("id", "name", "email", "role")))
        self.terms = billing.Terms(self.member)
        self.hold = 0
        self.cost = 0  # what this question cost (charged, or only recorded), for the footer
        self.time_limit = 60.0  # seconds the question may take (see `open`)

    @classmethod
    async def open(
        cls, session: Session, assistant: Assistant, model: Mapping[str, Any] | None, exchange: _Exchange
    ) -> _Ledger:
        valves = await _billing_valves(assistant)
        fallback, init_balance = await session.billing()
        minimum = _micro(valves.get("min_charge"))
        policy = terms.policy_of(
            valves.get("exempt_admins") is True, valves.get("tracking_only") is True, session.user.get("role", "")
        )
        exempt = {m.strip() for m in str(valves.get("exempt_models") or "").split(",") if m.strip()}
        if assistant.model in exempt:  # the admin's "never billed" for this model holds here too
            policy = billing.EXEMPT
        elif assistant.free:
            policy = FREE
        models = {str(m.get("id")): m for m in session.models() if m.get("id")}

        def price(store: Store) -> pricing.Price:
            found = pricing.resolve(
                assistant.model,
                model,
                admin_price=store.get_price,
                lookup_model=models.get,
                fallback=fallback,
                catalogue=catalogue.price_for,
            )
            return replace(found, minimum=minimum) if minimum else found

        key = (assistant.chat_id or f"assistant:{uuid.uuid4()}", assistant.message_id or str(uuid.uuid4()))
        store = session.store
        ledger = cls(session, key, assistant.model, await session.run(price), policy.charge)
        plan = await Groups().plan(store, ledger.member)
        ledger.terms = billing.Terms(ledger.member, init_balance, plan, policy)
        # Within the Filter's sweep window: a question still running when the sweep takes its pending row for dead
        # would have its later rounds go uncharged (an admin may set hold_timeout_minutes below assistant_timeout).
        ledger.time_limit = min(assistant.timeout, _sweep_window(valves))
        allowance = _whole(valves.get("reserve_output_tokens"), OUTPUT_ALLOWANCE)
        input_tokens = tokens.prompt_tokens(exchange.conversation.messages)
        hold = billing.reserve(ledger.price, input_tokens, allowance)
        admitting = asyncio.ensure_future(
            session.run(
                billing.admit,
                ledger.member,
                chat_id=key[0],
                message_id=key[1],
                model_id=assistant.model,
                hold=hold,
                init_balance=init_balance,
                plan=plan,
                policy=policy,
                price=ledger.price,
                input_tokens=input_tokens,
            )
        )
        try:
            result = await asyncio.shield(admitting)
        except asyncio.CancelledError:  # a hang-up while the admission commits: its hold goes back at once
            if isinstance(await admitting, billing.Admission):
                await session.run(billing.abandon, ledger.member.id, *key, why="assistant: hung up")
            raise
        if isinstance(result, billing.Refusal):
            reason = terms.refusal_text(result, session.lang, session.symbol)
            raise AssistantFailed(reason=session.t("assistant_refused", reason=reason))
        ledger.hold = result.hold
        return ledger

    async def progress(self, exchange: _Exchange) -> None:
        """The output so far, on the pending row: a process that dies now is settled for it by the sweep."""
        await self.session.run(billing.progress, self.member.id, self.key[0], self.key[1], exchange.usage.output_tokens)

    async def close(self, exchange: _Exchange) -> billing.Settlement | None:
        """Settle the question once: the rounds the model answered, at the price resolved at admission; nothing
        answered (the first request failed) releases the hold."""
        usage = exchange.usage
        if usage.output_tokens <= 0:
            await self.session.run(billing.abandon, self.member.id, *self.key, why="assistant: no answer")
            return None
        settlement: billing.Settlement = await self.session.run(
            billing.settle, self.terms, billing.Round(*self.key, self.model_id, usage, self.price)
        )
        # This question's round, not the message's running total (a Continue of the message adds to its record).
        if settlement.charged or not self.charged:
            self.cost = self.price.cost(
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_tokens,
                usage.reasoning_tokens,
                usage.cache_write_tokens,
            )
        return settlement


async def _billing_valves(assistant: Assistant) -> Mapping[str, Any]:
    if assistant.billing_valves is None:
        return {}
    try:
        return await assistant.billing_valves()
    except Exception:  # broad on purpose: Open WebUI's function table; the defaults then apply
        log.warning("openwebui_monitor: could not read the billing filter's valves", exc_info=True)
        return {}


def _sweep_window(valves: Mapping[str, Any]) -> float:
    """Nine tenths of the Filter's `hold_timeout_minutes` (30 by default), in seconds."""
    minutes = valves.get("hold_timeout_minutes", 30)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
        minutes = 30
    return float(minutes) * 60 * 0.9


def _micro(value: Any) -> int:
    try:
        return max(0, to_micro(float(value))) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _whole(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
