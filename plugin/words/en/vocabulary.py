"""The words people type in English, and the symbols every language types: command names, sub-commands, options,
report qualifiers, range names, budget words, confirmations.

Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).
"""

from __future__ import annotations

# Words that name a command. `balance` doubles as the admin's `balance set|add`; alone it is the reader's own.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "usage": ("usage", "use", "spend", "spent", "spending", "cost", "costs", "stats", "report", "me", "mine"),
    "models": ("models", "model", "by model", "per model"),
    "days": ("days", "daily", "by day", "per day"),
    "records": ("records", "record", "history", "log", "logs", "latest", "recent"),
    "balance": ("balance", "credit", "credits"),
    "help": ("help", "?", "commands", "start"),
    "users": ("users", "user", "people", "members"),
    "top": ("top", "overview", "dashboard", "summary", "ranking", "leaderboard"),
    "prices": ("prices", "pricing", "price list"),
    "price": ("price",),
    "block": ("block", "ban", "disable"),
    "unblock": ("unblock", "unban", "enable"),
    "export": ("export", "download", "backup"),
    "import": ("import", "restore"),
    "reconcile": ("reconcile", "reconciliation"),
    "budget": ("budget", "budgets", "allowance", "allowances"),
}

# Filler people put around a command: "show me my usage for the last 7 days".
FILLER: tuple[str, ...] = (
    "show",
    "me",
    "my",
    "the",
    "please",
    "pls",
    "for",
    "of",
    "in",
    "what",
    "what's",
    "whats",
    "is",
    "was",
    "how",
    "much",
    "did",
    "i",
    "do",
    "have",
    "give",
    "list",
    "see",
    "check",
)

# Budget targets: `/budget group NAME ...`, `/budget user EMAIL ...` (also `/budget`'s sub-commands).
BUDGET_SCOPES: dict[str, tuple[str, ...]] = {"group": ("group", "groups"), "user": ("user",)}

# A command's sub-commands (`/price set`, `/balance add`, `/budget group`, ...).
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "set": ("set",),
        "clear": ("clear", "unset", "remove", "delete", "reset"),
        "copy": ("copy",),
        "inherit": ("inherit",),
        "sync": ("sync",),
        "catalogue": ("catalogue", "catalog"),
        "accept": ("accept",),
        "undo": ("undo", "revert"),
        "history": ("history", "changes"),
    },
    "balance": {"set": ("set",), "add": ("add", "topup", "top-up", "top up", "recharge")},
    "reconcile": {"repair": ("repair", "fix")},
    "budget": {**BUDGET_SCOPES, "clear": ("clear", "remove", "delete", "unset")},
    "export": {"csv": ("csv", "records", "usage"), "json": ("json", "database", "db", "all")},
}

# `name:value` options (`user:ana`, `sort:cost`).
OPTION_NAMES: dict[str, tuple[str, ...]] = {
    "user": ("user", "u"),
    "model": ("model", "m"),
    "sort": ("sort", "order", "by"),
    "page": ("page", "p"),
    "size": ("size", "limit"),
    "range": ("range", "period"),
    "input": ("input", "in"),
    "output": ("output", "out"),
    "cached": ("cached", "cache"),
    "msg": ("msg", "message", "per_msg", "permsg"),
    "reasoning": ("reasoning", "think"),
    "request": ("request", "req", "per_request"),
}

# Words that qualify a report rather than name its range: "/top 30d by calls", "/records 7d cost asc".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "calls": ("calls", "count", "requests"),
    "cost": ("cost", "spend", "amount", "money"),
    "tokens": ("tokens", "token"),
    "time": ("time", "date", "newest"),
    "balance": ("balance",),
    "asc": ("asc", "ascending", "oldest"),
    "desc": ("desc", "descending"),
}

# Words that confirm a preview: `/price catalogue apply`.
APPLY_WORDS: tuple[str, ...] = ("apply", "confirm", "yes")

# How an admin sets (rather than adds to) a balance in the top-up form: `=10`, `set 10`.
SET_PREFIXES: tuple[str, ...] = ("=", "set ")

# Words that clear one price (resolution falls through to the next source).
CLEAR_WORDS: tuple[str, ...] = ("off", "none", "clear", "unset", "default", "-")

# Budget allowances: the period, whether a refill resets or adds, and the parts of a budget.
PERIOD_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("day", "daily"),
    "week": ("week", "weekly"),
    "month": ("month", "monthly"),
}

MODE_WORDS: dict[str, tuple[str, ...]] = {"reset": ("reset", "set"), "add": ("add", "topup", "top-up")}

INIT_WORDS: tuple[str, ...] = ("init", "initial", "start")

ALLOWANCE_WORDS: tuple[str, ...] = ("allowance", "refill")

# Named time ranges: `today`, `last week`, `all`.
RANGE_NAMES: dict[str, tuple[str, ...]] = {
    "today": ("today", "day"),
    "yesterday": ("yesterday",),
    "week": ("week", "this week"),
    "month": ("month", "this month"),
    "last_week": ("last week", "previous week"),
    "last_month": ("last month", "previous month"),
    "all": ("all", "all time", "total", "ever"),
}
