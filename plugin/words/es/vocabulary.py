"""The words people type in Spanish: command names, sub-commands, options, report qualifiers,
range names, budget words, confirmations.

Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).
"""

from __future__ import annotations

# Words that name a command.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "usage": ("uso", "consumo", "gasto", "gastos"),
    "models": ("modelos", "modelo", "por modelo"),
    "days": ("días", "dias", "diario", "por día"),
    "records": ("registros", "registro", "historial"),
    "balance": ("saldo", "crédito", "credito"),
    "help": ("ayuda", "comandos"),
    "users": ("usuarios", "usuario"),
    "top": ("resumen", "clasificación", "clasificacion", "panel"),
    "prices": ("precios", "tarifas"),
    "price": ("precio",),
    "block": ("bloquear",),
    "unblock": ("desbloquear",),
    "export": ("exportar", "descargar"),
    "import": ("importar", "restaurar"),
    "reconcile": ("conciliar", "conciliación", "conciliacion"),
    "budget": ("presupuesto", "presupuestos", "asignación", "asignacion"),
}

# Filler people put around a command: "show me my usage for the last 7 days".
FILLER: tuple[str, ...] = (
    "muestra",
    "muéstrame",
    "muestrame",
    "mi",
    "mis",
    "el",
    "la",
    "los",
    "las",
    "de",
    "del",
    "por",
    "favor",
    "ver",
    "cuál",
    "cual",
    "es",
)

# Budget targets: `/budget group NAME ...`, `/budget user EMAIL ...` (also `/budget`'s sub-commands).
BUDGET_SCOPES: dict[str, tuple[str, ...]] = {"group": ("grupo", "grupos"), "user": ("usuario",)}

# A command's sub-commands (`/price set`, `/balance add`, `/budget group`, ...).
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "set": ("fijar", "poner", "establecer"),
        "clear": ("borrar", "quitar"),
        "copy": ("copiar",),
        "inherit": ("heredar",),
        "sync": ("sincronizar",),
        "catalogue": ("catálogo", "catalogo"),
        "accept": ("aceptar",),
        "undo": ("deshacer",),
        "history": ("historial", "cambios"),
    },
    "balance": {"set": ("fijar", "poner", "establecer"), "add": ("añadir", "anadir", "agregar", "recargar", "sumar")},
    "reconcile": {"repair": ("reparar", "corregir")},
    "budget": {**BUDGET_SCOPES, "clear": ("borrar", "quitar")},
    "export": {"csv": ("registros",), "json": ("base de datos", "todo")},
}

# `name:value` options (`user:ana`, `sort:cost`).
OPTION_NAMES: dict[str, tuple[str, ...]] = {
    "user": ("usuario",),
    "model": ("modelo",),
    "sort": ("orden", "ordenar"),
    "page": ("página", "pagina"),
    "size": ("tamaño", "tamano"),
    "range": ("periodo",),
    "input": ("entrada",),
    "output": ("salida",),
    "cached": ("caché",),
    "msg": ("mensaje",),
    "reasoning": ("razonamiento",),
    "request": ("solicitud",),
}

# Words that qualify a report rather than name its range: "/top 30d by calls", "/records 7d cost asc".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "calls": ("llamadas",),
    "cost": ("coste", "costo", "importe"),
    "time": ("fecha",),
    "balance": ("saldo",),
    "asc": ("ascendente",),
    "desc": ("descendente",),
}

# Words that confirm a preview: `/price catalogue apply`.
APPLY_WORDS: tuple[str, ...] = ("aplicar", "confirmar")

# How an admin sets (rather than adds to) a balance in the top-up form: `=10`, `set 10`.
SET_PREFIXES: tuple[str, ...] = ("fijar ",)

# Words that clear one price (resolution falls through to the next source).
CLEAR_WORDS: tuple[str, ...] = ("ninguno", "quitar")

# Budget allowances: the period, whether a refill resets or adds, and the parts of a budget.
PERIOD_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("día", "dia", "diario", "diaria"),
    "week": ("semana", "semanal"),
    "month": ("mes", "mensual"),
}

MODE_WORDS: dict[str, tuple[str, ...]] = {
    "reset": ("restablecer", "reiniciar", "fijar"),
    "add": ("añadir", "anadir", "sumar", "agregar"),
}

INIT_WORDS: tuple[str, ...] = ("inicial",)

ALLOWANCE_WORDS: tuple[str, ...] = ("asignación", "asignacion", "recarga")

# Named time ranges: `today`, `last week`, `all`.
RANGE_NAMES: dict[str, tuple[str, ...]] = {
    "today": ("hoy",),
    "yesterday": ("ayer",),
    "week": ("semana", "esta semana"),
    "month": ("mes", "este mes"),
    "last_week": ("semana pasada", "la semana pasada"),
    "last_month": ("mes pasado", "el mes pasado"),
    "all": ("todo", "siempre"),
}
