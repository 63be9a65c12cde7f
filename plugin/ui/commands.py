"""What the "Usage Monitor" model was asked: `/usage 7d`, `usage last 7 days`, `用量 7天`, `uso 7d` all mean
the same command. Parsing is pure (text in, `Command` out) so every hostile string can be tested without a
server; nothing typed here ever reaches SQL: commands select fixed queries and pass values as parameters.
"""

from __future__ import annotations

import logging
import re
import shlex
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from ..domain import admin, budget_admin, budgets, exchange, ranges, reports
from ..domain.pricing import Price
from ..domain.tokens import CJK
from ..errors import AdminOnly, InvalidAmount, InvalidBudget, InvalidImport, MonitorError
from ..money import money, parse_amount
from ..store import Store
from ..words import i18n
from ..words.vocabulary import APPLY_WORDS, FILLER, OPTION_NAMES, QUALIFIERS, SUBCOMMANDS, SYNONYMS
from . import markdown, views

log = logging.getLogger(__name__)

SHOWN_CAP = 80  # characters of typed text quoted back in an answer
MAX_INPUT = 4_000  # a command is a line, not a document; /import's JSON comes as a file or a code block

# Commands everyone may use, and those only an Open WebUI admin may.
PUBLIC = frozenset({"usage", "models", "days", "records", "balance", "help"})
ADMIN = frozenset({"users", "top", "prices", "price", "block", "unblock", "export", "import", "reconcile", "budget"})


@dataclass(frozen=True)
class Command:
    """A recognised request: its name, an optional sub-command and the rest of the words as typed."""

    name: str
    sub: str = ""
    args: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def rest(self) -> str:
        return " ".join(self.args)

    @property
    def admin_only(self) -> bool:
        return self.name in ADMIN or (self.name == "balance" and bool(self.sub))


def message_text(body: Any) -> str:
    """The last user message as plain text, whatever shape the chat body has (string or list of parts)."""
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return ""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = [p.get("text") for p in content if isinstance(p, Mapping) and p.get("type") == "text"]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


_CODE_BLOCK = re.compile(r"```[a-zA-Z]*\n?(.*?)```", re.S)


def pasted_block(text: str) -> str | None:
    """The body of the first fenced code block, for `/import` with JSON pasted into the message."""
    match = _CODE_BLOCK.search(text)
    return match.group(1).strip() if match else None


def _split(text: str) -> list[str]:
    """Words, honouring quotes ("Ana María", 'gpt 4'); unbalanced quotes fall back to plain splitting."""
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def _match_prefix(text: str, table: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
    """The longest synonym that starts `text` as a whole word (or, for CJK, as a prefix): (key, remainder)."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for key, words in table.items():
        for word in words:
            if not lowered.startswith(word):
                continue
            after = lowered[len(word) : len(word) + 1]
            # Chinese needs no space after a command word ("用量7天"); other scripts do ("user" is not "use").
            if after and (after.isalnum() or after in "_-") and not _is_cjk(word[-1]):
                continue
            if best is None or len(word) > best[0]:
                best = (len(word), key)
    if best is None:
        return None
    return best[1], text[best[0] :].strip()


def _is_cjk(char: str) -> bool:
    return CJK.match(char) is not None


def _strip_filler(text: str) -> str:
    words = text.split()
    while words and words[0].lower().strip(",.?¿¡!") in FILLER:
        words.pop(0)
    return " ".join(words)


_OPTION = re.compile(r"^([a-z_\u4e00-\u9fff]+)[:=](.+)$", re.IGNORECASE)
_OPTION_KEYS = {alias: key for key, aliases in OPTION_NAMES.items() for alias in aliases}


def parse(text: str) -> Command:
    """Read one request. Anything unrecognised becomes `help` carrying what was typed, never an exception."""
    raw = (text or "")[:MAX_INPUT]
    line = raw.strip().splitlines()[0].strip() if raw.strip() else ""
    line = line.lstrip("/／").strip()
    if not line:
        return Command("help", raw=raw)
    found = _match_prefix(line, SYNONYMS)
    if found is None:
        found = _match_prefix(_strip_filler(line), SYNONYMS)
    if found is None:
        found = _scan(line)
    if found is None:
        return Command("help", args=tuple(_split(line)), raw=raw)
    name, rest = found
    sub = ""
    table = SUBCOMMANDS.get(name)
    if table:
        matched = _match_prefix(rest, table)
        if matched:
            sub, rest = matched
    if name == "price" and not sub:
        name = "prices"  # "/price" alone is the list
    if name == "export" and not sub:
        sub = "csv"
    words = _split(rest)
    args: list[str] = []
    options: dict[str, str] = {}
    for word in words:
        option = _OPTION.match(word)
        key = _OPTION_KEYS.get(option.group(1).lower()) if option else None
        if option and key:
            options[key] = option.group(2)
        else:
            args.append(word)
    return Command(name, sub, tuple(args), options, raw)


def _scan(line: str) -> tuple[str, str] | None:
    """Plain language with the command word inside: "how much did I spend last week" → usage, "last week";
    Chinese has no spaces, so there every character may start the word ("我的余额" → balance)."""
    starts = [0] + [i + 1 for i, char in enumerate(line) if char.isspace()]
    starts += [i for i, char in enumerate(line) if _is_cjk(char)]
    for index in sorted(set(starts)):
        found = _match_prefix(line[index:], SYNONYMS)
        if found is not None:
            return found
    return None


_PUNCTUATION = ",.;!?¿¡。，！？；"
_QUALIFIER_KEYS = {word: key for key, words in QUALIFIERS.items() for word in words}


def qualifiers(args: Sequence[str]) -> tuple[set[str], str]:
    """Split words into qualifiers (by calls, asc, ...) and the remaining text (a range or a search), with
    filler ("for the", "de") dropped."""
    found: set[str] = set()
    rest: list[str] = []
    for word in args:
        lowered = word.lower().strip(_PUNCTUATION)
        if not lowered:
            continue
        if lowered in _QUALIFIER_KEYS:
            found.add(_QUALIFIER_KEYS[lowered])
        elif lowered not in FILLER and lowered not in ("by", "按", "por", "sort", "order"):
            rest.append(word.strip(_PUNCTUATION))
    return found, " ".join(rest)


# -- answering ----------------------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything a command may need, passed in by the pipe front-end: the store, who asks, and the few
    Open WebUI services (its user directory, model list, file store) as plain callables."""

    store: Store
    user: Mapping[str, str]  # id, name, email, role
    lang: str
    symbol: str
    tz: tzinfo | None
    now: float
    directory: Callable[[], Awaitable[list[dict[str, Any]]]]
    models: Callable[[], list[dict[str, Any]]]
    billing: Callable[[], Awaitable[tuple[Price, int]]]  # the filter's default price and initial balance
    save_file: Callable[[str, str, bytes, str], Awaitable[dict[str, Any]]] | None = None
    attachments: Callable[[], Awaitable[list[bytes]]] | None = None
    page_size: int = 20
    message: str = ""  # the whole message (commands see its first line; /import may paste JSON below)
    groups: Callable[[], Awaitable[list[dict[str, str]]]] | None = None  # Open WebUI's groups: {id, name}
    member_groups: Callable[[str], Awaitable[list[str]]] | None = None  # a user's group ids

    @property
    def is_admin(self) -> bool:
        return self.user.get("role") == "admin"

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.lang, key, **params)

    def range(self, text: str, default: str = "30d") -> ranges.Range:
        return ranges.parse(text, now=self.now, tz=self.tz, default=default)

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.store.run(fn, self.store, *args, **kwargs)

    @property
    def actor(self) -> str:
        return self.user.get("id", "")


async def answer(ctx: Context, command: Command, text: str = "") -> str:
    """The Markdown answer to one command. Our own errors become their translated message; a non-admin asking
    for an admin command is told so and shown their own usage."""
    if command.admin_only and not ctx.is_admin:
        return AdminOnly().message(ctx.lang) + "\n\n" + await _usage(ctx, Command("usage"))
    ctx.message = ctx.message or text or command.raw
    handler = _HANDLERS[command.name]
    try:
        return await handler(ctx, command)
    except MonitorError as exc:
        return exc.message(ctx.lang)


def _range(ctx: Context, command: Command, default: str = "30d") -> tuple[set[str], ranges.Range]:
    found, rest = qualifiers(command.args)
    return found, ctx.range(command.options.get("range") or rest, default)


async def _target_user(ctx: Context, command: Command) -> tuple[str, str]:
    """Whose data a report shows: the reader's own, or (admins only, `user:NAME`) someone else's."""
    query = command.options.get("user")
    if not query or not ctx.is_admin:
        return ctx.user["id"], ""
    person = await find_person(ctx, query)
    return person["id"], person_label(person)


async def find_person(ctx: Context, query: str) -> dict[str, Any]:
    """The user `query` names; created if missing with the initial balance their first chat would give them
    (their groups' largest initial balance, else the filter's `init_balance`)."""
    directory = await ctx.directory()
    _price, init_balance = await ctx.billing()
    person = await ctx.run(lambda store: admin.pick_user(directory, store, query))
    config = await ctx.run(budgets.load)
    if ctx.member_groups is not None and any(row["init_balance"] is not None for row in config.groups.values()):
        own = config.plan(person["id"], await _groups_of(ctx, person["id"])).init_balance
        init_balance = init_balance if own is None else own
    return await ctx.run(admin.adopt_user, person, init_balance)


async def _groups_of(ctx: Context, user_id: str) -> list[str]:
    try:
        return await ctx.member_groups(user_id) if ctx.member_groups is not None else []
    except Exception:  # broad on purpose: Open WebUI's own database; the user's own budget still applies
        log.warning("openwebui_monitor: could not read the groups of %s", user_id, exc_info=True)
        return []


def person_label(person: Mapping[str, Any]) -> str:
    name, email = person.get("name") or "", person.get("email") or ""
    return f"{name} <{email}>" if name and email else name or email or str(person.get("id", ""))


async def _help(ctx: Context, command: Command) -> str:
    parts = [ctx.t("help_intro")]
    if command.args:
        parts.insert(0, ctx.t("help_unknown", text=_shown(" ".join(command.args))))
    parts.append(ctx.t("help_user"))
    if ctx.is_admin:
        parts.append(ctx.t("help_admin"))
    return "\n\n".join(parts)


def _shown(text: str) -> str:
    """What someone typed, quoted back harmlessly: short, one line, no Markdown."""
    return markdown.cell(text, SHOWN_CAP)


async def _usage(ctx: Context, command: Command) -> str:
    _, rng = _range(ctx, command)
    user_id, who = await _target_user(ctx, command)

    def build(store: Store) -> str:
        periods = [rng, ranges.Range("all", None, None)]
        if rng.key != "today":
            periods.insert(0, ctx.range("today"))
        if rng.key == "all":
            periods.pop()
        parts = [views.user_summary(reports.user_summary(store, user_id, periods), ctx.lang, ctx.symbol)]
        if who:
            parts.insert(0, f"**{_shown(who)}**")
        parts.append(views.by_model(reports.by_model(store, rng, user_id), rng, ctx.lang, ctx.symbol))
        parts.append(views.by_day(reports.by_day(store, rng, ctx.tz, user_id, now=ctx.now), rng, ctx.lang, ctx.symbol))
        return "\n\n".join(parts)

    return await ctx.store.run(build, ctx.store)


async def _models(ctx: Context, command: Command) -> str:
    _, rng = _range(ctx, command)
    user_id, _ = await _target_user(ctx, command)
    rows = await ctx.run(reports.by_model, rng, user_id)
    return views.by_model(rows, rng, ctx.lang, ctx.symbol)


async def _days(ctx: Context, command: Command) -> str:
    _, rng = _range(ctx, command)
    user_id, _ = await _target_user(ctx, command)
    rows = await ctx.run(reports.by_day, rng, ctx.tz, user_id, now=ctx.now)
    return views.by_day(rows, rng, ctx.lang, ctx.symbol)


async def _records(ctx: Context, command: Command) -> str:
    found, rng = _range(ctx, command, default="all")
    options = command.options
    sort = options.get("sort") or next((q for q in ("cost", "tokens", "balance", "time") if q in found), "time")
    sort = _QUALIFIER_KEYS.get(sort.lower(), sort.lower())
    user_id: str | None = ctx.user["id"]
    who = model_id = ""
    if ctx.is_admin:
        user_id = None
        if options.get("user"):
            person = await find_person(ctx, options["user"])
            user_id, who = person["id"], person_label(person)
    if options.get("model"):
        model_id, _entry = await ctx.run(admin.resolve_model, ctx.models(), options["model"])
    page = await ctx.run(
        reports.records,
        rng,
        user_id=user_id,
        model_id=model_id or None,
        sort=sort,
        descending="asc" not in found,
        page=_int(options.get("page"), 1),
        page_size=_int(options.get("size"), ctx.page_size),
    )
    return views.records(
        page, rng, ctx.lang, ctx.symbol, ctx.tz, sort=sort, descending="asc" not in found, user=who, model=model_id
    )


def _int(text: str | None, default: int) -> int:
    """A page number or size as typed; nonsense means the default, and reports clamp the rest."""
    if text and text.strip().isdigit() and len(text.strip()) < 7:
        return int(text.strip())
    return default


async def _balance(ctx: Context, command: Command) -> str:
    if command.sub:
        if len(command.args) < 2:
            raise InvalidAmount(text=_shown(command.rest))
        *who, amount_text = command.args
        # The amount first: a typo there should say so, not send the name through a user lookup.
        amount = parse_amount(amount_text, allow_negative=command.sub == "add")
        person = await find_person(ctx, " ".join(who))
        if command.sub == "set":
            change = await ctx.run(admin.set_balance, person["id"], amount, ctx.actor, "report model")
        else:
            change = await ctx.run(
                admin.add_balance, person["id"], amount, ctx.actor, "report model", symbol=ctx.symbol
            )
        return change.message(ctx.lang, ctx.symbol)
    if command.args and ctx.is_admin:
        return await _users(ctx, command)
    answer = await _usage(ctx, Command("usage", args=("today",)))
    allowance = await _allowance_line(ctx, ctx.user["id"])
    return answer + ("\n\n" + allowance if allowance else "")


async def _allowance_line(ctx: Context, user_id: str) -> str:
    """The reader's allowance and when it next refills, or "" when they have none."""
    config = await ctx.run(budgets.load)
    groups = await _groups_of(ctx, user_id) if config.needs_groups else []
    allowance = config.plan(user_id, groups).allowance
    if allowance is None:
        return ""
    return ctx.t(
        "allowance_line",
        allowance=budget_admin.describe(allowance, ctx.lang, ctx.symbol),
        when=budgets.when(allowance.next_refill(ctx.store.clock())),
    )


async def _budget(ctx: Context, command: Command) -> str:
    """`/budget` lists; `group|user NAME ...` sets; `clear group|user NAME [init|allowance]` removes."""
    groups = await ctx.groups() if ctx.groups is not None else []
    now = ctx.store.clock()
    if not command.sub:
        if command.args:
            raise InvalidBudget(text=_shown(command.rest))
        config = await ctx.run(budgets.load)
        names = {g["id"]: g["name"] for g in groups}
        return budget_admin.listing(config, names, ctx.lang, ctx.symbol, now)
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
        person = await find_person(ctx, name)
        target, label = person["id"], person.get("email") or person_label(person)
    shown = budget_admin.target_label(scope, label, ctx.lang)
    if command.sub == "clear":
        changed = await ctx.run(budget_admin.clear, scope, target, part)
        return ctx.t("budget_cleared" if changed else "budget_not_set", target=shown)
    if setting.init is not None:
        await ctx.run(budget_admin.set_init, target, label, setting.init, ctx.actor)
        return ctx.t("budget_init_set", target=shown, amount=money(setting.init, ctx.symbol, exact=True))
    await ctx.run(budget_admin.set_allowance, scope, target, label, setting, ctx.actor)
    allowance = budgets.Allowance(setting.period, setting.mode, setting.amount, scope, label)
    return ctx.t(
        "budget_allowance_set",
        target=shown,
        allowance=budget_admin.describe(allowance, ctx.lang, ctx.symbol),
        when=budgets.when(allowance.next_refill(now)),
    )


async def _users(ctx: Context, command: Command) -> str:
    _, search = qualifiers(command.args)
    directory = await ctx.directory()
    page = await ctx.run(
        reports.users, directory, search, page=_int(command.options.get("page"), 1), page_size=ctx.page_size
    )
    return views.users(page, ctx.lang, ctx.symbol, ctx.tz, search)


async def _top(ctx: Context, command: Command) -> str:
    found, rng = _range(ctx, command)
    by = "calls" if "calls" in found else "cost"

    def build(store: Store) -> str:
        return "\n\n".join(
            [
                views.report_card(reports.report_card(store, rng), rng, ctx.lang, ctx.symbol),
                views.distribution(reports.distribution(store, rng, by), rng, ctx.lang, ctx.symbol, by),
                views.ranking(reports.ranking(store, rng, by), rng, ctx.lang, ctx.symbol, by),
                views.by_day(reports.by_day(store, rng, ctx.tz, now=ctx.now), rng, ctx.lang, ctx.symbol),
            ]
        )

    return await ctx.store.run(build, ctx.store)


async def _prices(ctx: Context, command: Command) -> str:
    models = ctx.models()
    fallback, _init = await ctx.billing()
    rows = await ctx.run(reports.price_list, models, fallback)
    _, search = qualifiers(command.args)
    if search:
        needle = search.lower()
        rows = [
            r for r in rows if needle in str(r.get("model_id", "")).lower() or needle in str(r.get("name", "")).lower()
        ]
    return views.price_list(rows, ctx.lang, ctx.symbol)


_CATALOGUE_WORDS = frozenset(SUBCOMMANDS["price"]["catalogue"])


async def _price(ctx: Context, command: Command) -> str:
    models = ctx.models()
    args, options = list(command.args), command.options
    if command.sub == "sync" and args and args[0].lower() in _CATALOGUE_WORDS:  # "/price sync catalogue"
        command, args = Command("price", "catalogue", tuple(args[1:]), options, command.raw), args[1:]
    if command.sub == "catalogue":
        apply = bool(args) and args[0].lower() in APPLY_WORDS
        found = await ctx.run(admin.sync_catalogue_prices, models, actor=ctx.actor, dry_run=not apply)
        return found.message(ctx.lang, ctx.symbol)
    if command.sub == "undo":
        undone = await ctx.run(admin.undo_price_change, actor=ctx.actor)
        return undone.message(ctx.lang, ctx.symbol)
    if command.sub == "history":
        return await ctx.run(admin.price_history, ctx.lang, ctx.tz)
    if command.sub == "accept":
        if len(args) != 2:
            return ctx.t("price_accept_usage")
        change = await ctx.run(admin.accept_catalogue_price, args[0], args[1], models=models, actor=ctx.actor)
        return change.message(ctx.lang, ctx.symbol)
    if command.sub == "sync":
        apply = bool(args) and args[0].lower() in APPLY_WORDS
        result = await ctx.run(admin.sync_connection_prices, models, actor=ctx.actor, dry_run=not apply)
        if not apply and result.changed:
            return ctx.t("prices_sync_preview", models=admin.shown_models(result.changed))
        return result.message(ctx.lang, ctx.symbol)
    if command.sub == "inherit":
        result = await ctx.run(admin.inherit_base_prices, models, actor=ctx.actor)
        return result.message(ctx.lang, ctx.symbol)
    if not args:
        return await _help(ctx, Command("help"))
    if command.sub == "copy":
        if len(args) != 2:
            return await _help(ctx, Command("help"))
        change = await ctx.run(admin.copy_price, args[0], args[1], models=models, actor=ctx.actor)
        return change.message(ctx.lang, ctx.symbol)
    model_id, _entry = await ctx.run(admin.resolve_model, models, args[0])
    if command.sub == "clear":
        change = await ctx.run(admin.clear_price, model_id, models=models, actor=ctx.actor)
        return change.message(ctx.lang, ctx.symbol)
    positional = args[1:]
    if len(positional) > 2:
        raise InvalidAmount(text=_shown(" ".join(positional[2:])))
    values = {
        "input": options.get("input", positional[0] if positional else None),
        "output": options.get("output", positional[1] if len(positional) > 1 else None),
    }
    prices = {key: value for key, value in values.items() if value is not None}
    if "cached" in options:
        prices["cached_input"] = options["cached"]
    if "msg" in options:
        prices["per_msg"] = options["msg"]
    if "reasoning" in options:
        prices["reasoning"] = options["reasoning"]
    if "request" in options:
        prices["per_request"] = options["request"]
    if not prices:
        raise InvalidAmount(text=_shown(command.rest))
    change = await ctx.run(admin.set_price, model_id, models=models, actor=ctx.actor, **prices)
    return change.message(ctx.lang, ctx.symbol)


async def _block(ctx: Context, command: Command) -> str:
    if not command.args:
        return await _help(ctx, Command("help"))
    person = await find_person(ctx, " ".join(command.args))
    change = await ctx.run(admin.block, person["id"], command.name == "block", ctx.actor)
    return change.message(ctx.lang, ctx.symbol)


async def _export(ctx: Context, command: Command) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(ctx.now))
    if command.sub == "json":
        data, name, kind, key = (
            await ctx.run(exchange.export_json),
            f"openwebui-monitor-{stamp}.json",
            "application/json",
            "export_json_done",
        )
    else:
        _, rng = _range(ctx, command, default="all")
        data = await ctx.run(exchange.export_csv, rng)
        name, kind, key = f"openwebui-monitor-usage-{stamp}.csv", "text/csv", "export_csv_done"
    if ctx.save_file is None:
        return ctx.t(key, link=name) + "\n\n```\n" + data[:20_000] + "\n```"
    saved = await ctx.save_file(ctx.actor, name, data.encode("utf-8"), kind)
    return ctx.t(key, link=f"[{name}]({saved['url']})")


async def _import(ctx: Context, command: Command) -> str:
    documents: list[bytes | str] = list(await ctx.attachments()) if ctx.attachments else []
    pasted = pasted_block(ctx.message)
    if pasted:
        documents.append(pasted)
    if len(documents) != 1:
        raise InvalidImport(reason=ctx.t("import_needs_one"))
    result = await ctx.run(exchange.import_json, documents[0], ctx.actor)
    return result.message(ctx.lang, ctx.symbol)


async def _reconcile(ctx: Context, command: Command) -> str:
    """`/reconcile` checks every balance against the ledger; `/reconcile repair` sets differing ones to it."""
    result = await ctx.run(admin.reconcile, repair=command.sub == "repair", actor=ctx.actor)
    return result.message(ctx.lang, ctx.symbol)


_HANDLERS: dict[str, Callable[[Context, Command], Awaitable[str]]] = {
    "help": _help,
    "usage": _usage,
    "models": _models,
    "days": _days,
    "records": _records,
    "balance": _balance,
    "users": _users,
    "top": _top,
    "prices": _prices,
    "price": _price,
    "block": _block,
    "unblock": _block,
    "export": _export,
    "import": _import,
    "reconcile": _reconcile,
    "budget": _budget,
}
