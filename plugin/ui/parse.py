"""What the "Usage Monitor" model was asked: `/usage 7d`, `usage last 7 days`, `用量 7天`, `uso 7d` all mean
the same command. Parsing is pure (text in, `Command` out) so every hostile string can be tested without a
server; nothing typed here ever reaches SQL: commands select fixed queries and pass values as parameters.
The command language lives here alone: `commands` answers a `Command`; buttons never read these tables.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain import budget_admin
from ..domain.tokens import CJK
from . import vocabulary

MAX_INPUT = 4_000  # a command is a line, not a document; /import's JSON comes as a file or a code block

# Commands everyone may use, and those only an Open WebUI admin may.
PUBLIC = frozenset({"usage", "models", "days", "records", "balance", "help"})
ADMIN = frozenset({"users", "top", "prices", "price", "block", "unblock", "export", "import", "reconcile", "budget"})

# Words that name a command, in every language at once: the reader's language never limits what they type.
# `balance` doubles as the admin's `balance set|add`; without those words it is the reader's own balance.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "usage": (
        "usage",
        "use",
        "spend",
        "spent",
        "spending",
        "cost",
        "costs",
        "stats",
        "report",
        "me",
        "mine",
        "用量",
        "使用",
        "使用量",
        "统计",
        "花费",
        "消费",
        "账单",
        "uso",
        "consumo",
        "gasto",
        "gastos",
    ),
    "models": ("models", "model", "by model", "per model", "模型", "按模型", "modelos", "modelo", "por modelo"),
    "days": ("days", "daily", "by day", "per day", "每天", "每日", "按天", "días", "dias", "diario", "por día"),
    "records": (
        "records",
        "record",
        "history",
        "log",
        "logs",
        "latest",
        "recent",
        "记录",
        "明细",
        "历史",
        "registros",
        "registro",
        "historial",
    ),
    "balance": ("balance", "credit", "credits", "余额", "额度", "saldo", "crédito", "credito"),
    "help": ("help", "?", "commands", "start", "帮助", "命令", "ayuda", "comandos"),
    "users": ("users", "user", "people", "members", "用户", "用户列表", "usuarios", "usuario"),
    "top": (
        "top",
        "overview",
        "dashboard",
        "summary",
        "ranking",
        "leaderboard",
        "总览",
        "排行",
        "排名",
        "概览",
        "resumen",
        "clasificación",
        "clasificacion",
        "panel",
    ),
    "prices": ("prices", "pricing", "price list", "价格", "价格表", "定价", "precios", "tarifas"),
    "price": ("price", "价格设置", "设置价格", "precio"),
    "block": vocabulary.BLOCK,
    "unblock": vocabulary.UNBLOCK,
    "export": ("export", "download", "backup", "导出", "备份", "下载", "exportar", "descargar"),
    "import": ("import", "restore", "导入", "恢复", "importar", "restaurar"),
    "reconcile": (
        "reconcile",
        "reconciliation",
        "对账",
        "核对余额",
        "conciliar",
        "conciliación",
        "conciliacion",
    ),
    "budget": (
        "budget",
        "budgets",
        "allowance",
        "allowances",
        "预算",
        "配额",
        "presupuesto",
        "presupuestos",
        "asignación",
        "asignacion",
    ),
}
# Filler people put around a command: "show my usage for the last 7 days", "muéstrame mi uso".
FILLER = frozenset(
    "show me my the please pls for of in what what's whats is was how much did i do have give list see check "
    "查看 看看 我的 请 显示 一下 的 muestra muéstrame muestrame mi mis el la los las de del por favor ver cuál "
    "cual es".split()
)
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "set": ("set", "设置", "设", "fijar", "poner", "establecer"),
        "clear": ("clear", "unset", "remove", "delete", "reset", "清除", "删除", "borrar", "quitar"),
        "copy": ("copy", "复制", "copiar"),
        "inherit": vocabulary.PRICE_INHERIT,
        "sync": vocabulary.PRICE_SYNC,
        "catalogue": vocabulary.PRICE_CATALOGUE,
        "accept": ("accept", "接受", "采用", "aceptar"),
        "undo": vocabulary.PRICE_UNDO,
        "history": ("history", "changes", "历史", "变更", "historial", "cambios"),
    },
    "balance": {
        "set": ("set", "设置", "设为", "fijar", "poner", "establecer"),
        "add": (
            "add",
            "topup",
            "top-up",
            "top up",
            "recharge",
            "充值",
            "增加",
            "加",
            "añadir",
            "anadir",
            "agregar",
            "recargar",
            "sumar",
        ),
    },
    "reconcile": {"repair": ("repair", "fix", "修复", "reparar", "corregir")},
    "budget": {
        **budget_admin.SCOPES,
        "clear": ("clear", "remove", "delete", "unset", "清除", "删除", "borrar", "quitar"),
    },
    "export": {
        "csv": ("csv", "records", "usage", "记录", "registros"),
        "json": ("json", "database", "db", "all", "数据库", "全部", "base de datos", "todo"),
    },
}


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
OPTION_NAMES = {
    "user": ("user", "u", "用户", "usuario"),
    "model": ("model", "m", "模型", "modelo"),
    "sort": ("sort", "order", "by", "排序", "orden", "ordenar"),
    "page": ("page", "p", "页", "página", "pagina"),
    "size": ("size", "limit", "每页", "tamaño", "tamano"),
    "range": ("range", "period", "时间", "范围", "periodo"),
    "input": ("input", "in", "输入", "entrada"),
    "output": ("output", "out", "输出", "salida"),
    "cached": ("cached", "cache", "缓存", "caché"),
    "msg": ("msg", "message", "per_msg", "permsg", "每条", "mensaje"),
    "reasoning": ("reasoning", "think", "推理", "razonamiento"),
    "request": ("request", "req", "per_request", "每次请求", "solicitud"),
}
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


# Words that qualify a report rather than name its range: "/top 30d by calls", "/records 7d cost asc".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "calls": ("calls", "count", "requests", "次数", "调用", "llamadas"),
    "cost": ("cost", "spend", "amount", "money", "费用", "金额", "coste", "costo", "importe"),
    "tokens": ("tokens", "token"),
    "time": ("time", "date", "newest", "时间", "fecha"),
    "balance": ("balance", "余额", "saldo"),
    "asc": ("asc", "ascending", "oldest", "升序", "ascendente"),
    "desc": ("desc", "descending", "降序", "descendente"),
}
_PUNCTUATION = ",.;!?¿¡。，！？；"
QUALIFIER_KEYS = {word: key for key, words in QUALIFIERS.items() for word in words}


def qualifiers(args: Sequence[str]) -> tuple[set[str], str]:
    """Split words into qualifiers (by calls, asc, ...) and the remaining text (a range or a search), with
    filler ("for the", "de") dropped."""
    found: set[str] = set()
    rest: list[str] = []
    for word in args:
        lowered = word.lower().strip(_PUNCTUATION)
        if not lowered:
            continue
        if lowered in QUALIFIER_KEYS:
            found.add(QUALIFIER_KEYS[lowered])
        elif lowered not in FILLER and lowered not in ("by", "按", "por", "sort", "order"):
            rest.append(word.strip(_PUNCTUATION))
    return found, " ".join(rest)


# Words after `/price sync` or `/price catalogue` that apply the change instead of previewing it.
APPLY_WORDS = frozenset({"apply", "confirm", "yes", "执行", "确认", "aplicar", "confirmar"})
