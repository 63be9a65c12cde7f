"""Every user-facing string, in English, Chinese and Spanish. Unknown languages fall back to English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh", "es")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # commands
        "chat_title": "Usage Monitor",
        "help_intro": "I am the **Usage Monitor**. Ask me about your usage; ranges: `today`, `week`, `month`, "
        "`last week`, `7d`, `all`, `2026-11-01..2026-11-28`.",
        "help_unknown": "I didn't understand “{text}”.",
        "help_user": (
            "| Command | What it shows |\n|---|---|\n"
            "| `/usage [range]` | your balance, spend and tokens, by model and by day, with charts |\n"
            "| `/models [range]` | your spend per model |\n"
            "| `/days [range]` | your spend per day |\n"
            "| `/records [range] [sort:time/cost/tokens/balance] [asc] [page:N]` | your latest replies |\n"
            "| `/balance` | your balance |\n"
            "| `/help` | this list |"
        ),
        "help_admin": (
            "**Administrators**\n\n| Command | What it does |\n|---|---|\n"
            "| `/top [range] [by calls]` | report card, model share, user ranking |\n"
            "| `/records [range] user:NAME model:ID sort:cost` | everyone's records, filtered |\n"
            "| `/users [search]` | users with balance, spend and blocked flag |\n"
            "| `/balance set USER AMOUNT`, `/balance add USER AMOUNT` | set or top up a balance |\n"
            "| `/block USER`, `/unblock USER` | stop or allow a user's chats |\n"
            "| `/prices` | every model's price and where it comes from |\n"
            "| `/price set MODEL IN OUT [msg:X] [cached:Y]` | prices per 1M tokens (or per message) |\n"
            "| `/price clear MODEL`, `/price copy FROM TO`, `/price inherit` | clear, copy, inherit base-model "
            "prices |\n"
            "| `/export csv [range]`, `/export json` | usage records as CSV, the database as JSON |\n"
            "| `/import` + a JSON file or pasted JSON | restore a backup or the original Monitor's export |"
        ),
        "invalid_range": (
            "I can't read the time range “{text}”. Try today, week, month, 7d, all or 2026-11-01..2026-11-28."
        ),
        "admin_only": "That command is for administrators. Here is your own usage instead.",
        "unknown_user": "No user matches “{query}”.",
        "ambiguous_user": "“{query}” matches several users; say which one by email:\n{candidates}",
        "invalid_amount": "“{text}” is not a valid amount.",
        "unknown_model": "No model matches “{model}”.",
        "invalid_import": "Nothing was imported: {reason}",
        "summary_title": "**Your usage** · balance {balance}",
        "summary_header": "| Period | Replies | Input tokens | Output tokens | Cost |",
        "period_today": "Today",
        "period_30d": "Last 30 days",
        "period_all": "All time",
        "message_usage": "{tokens} | {cost} | price: {source}",
        "no_usage_for_message": "No usage has been recorded for this message.",
        "tokens": "Tokens: {input}+{output}",
        "estimated": " (est.)",
        "cost": "Cost: {amount}",
        "balance": "Balance: {amount}",
        "time": "Time: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": (
            "Insufficient balance: your balance is {balance} and this model needs {needed} to start."
            " Please ask an administrator to top up your account."
        ),
        "user_blocked": "Your account is blocked from chatting. Please contact an administrator.",
        "misconfigured_valve": "Billing is misconfigured ({valve}). Please tell an administrator.",
        "error_generic": "Billing is unavailable right now. Please try again or contact an administrator.",
        "billing_failed": "Usage for this reply could not be recorded; the administrator can see why in the logs.",
    },
    "zh": {
        # commands
        "chat_title": "用量监控",
        "help_intro": "我是**用量监控**。可以问我你的用量；时间范围：`今天`、`本周`、`本月`、`上周`、`7天`、`全部`、"
        "`2026-11-01..2026-11-28`。",
        "help_unknown": "没有理解“{text}”。",
        "help_user": (
            "| 命令 | 内容 |\n|---|---|\n"
            "| `/用量 [范围]` | 余额、花费和 Token，按模型和按天，附图表 |\n"
            "| `/模型 [范围]` | 各模型花费 |\n"
            "| `/每天 [范围]` | 每日花费 |\n"
            "| `/记录 [范围] [sort:time/cost/tokens/balance] [asc] [page:N]` | 最近的回复记录 |\n"
            "| `/余额` | 当前余额 |\n"
            "| `/帮助` | 本列表 |"
        ),
        "help_admin": (
            "**管理员**\n\n| 命令 | 作用 |\n|---|---|\n"
            "| `/top [范围] [by calls]` | 报表、模型占比、用户排行 |\n"
            "| `/records [范围] user:名称 model:ID sort:cost` | 所有人的记录，可筛选 |\n"
            "| `/users [搜索]` | 用户、余额、花费、封禁状态 |\n"
            "| `/balance set 用户 金额`、`/balance add 用户 金额` | 设置或充值余额 |\n"
            "| `/block 用户`、`/unblock 用户` | 禁止或允许用户对话 |\n"
            "| `/prices` | 所有模型的价格及来源 |\n"
            "| `/price set 模型 输入 输出 [msg:X] [cached:Y]` | 每百万 Token（或每条消息）价格 |\n"
            "| `/price clear 模型`、`/price copy 源 目标`、`/price inherit` | 清除、复制、继承基础模型价格 |\n"
            "| `/export csv [范围]`、`/export json` | 导出 CSV 记录、JSON 数据库 |\n"
            "| `/import` + JSON 文件或粘贴的 JSON | 恢复备份或导入原版 Monitor 的导出 |"
        ),
        "invalid_range": "无法识别时间范围“{text}”。可以用 今天、本周、本月、7天、全部 或 2026-11-01..2026-11-28。",
        "admin_only": "该命令仅限管理员使用。下面是您自己的用量。",
        "unknown_user": "没有与“{query}”匹配的用户。",
        "ambiguous_user": "“{query}”匹配到多个用户，请用邮箱指明：\n{candidates}",
        "invalid_amount": "“{text}”不是有效的金额。",
        "unknown_model": "没有与“{model}”匹配的模型。",
        "invalid_import": "未导入任何数据：{reason}",
        "summary_title": "**我的用量** · 余额 {balance}",
        "summary_header": "| 时段 | 回复数 | 输入 Token | 输出 Token | 费用 |",
        "period_today": "今天",
        "period_30d": "最近 30 天",
        "period_all": "全部",
        "message_usage": "{tokens} | {cost} | 价格来源: {source}",
        "no_usage_for_message": "这条消息还没有用量记录。",
        "tokens": "Token: {input}+{output}",
        "estimated": "（估算）",
        "cost": "费用: {amount}",
        "balance": "余额: {amount}",
        "time": "耗时: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": "余额不足：当前余额 {balance}，该模型至少需要 {needed} 才能开始。请联系管理员充值。",
        "user_blocked": "您的账户已被禁止使用对话，请联系管理员。",
        "misconfigured_valve": "计费配置有误（{valve}），请告知管理员。",
        "error_generic": "计费服务暂不可用，请稍后重试或联系管理员。",
        "billing_failed": "本条回复的用量未能记录，管理员可在日志中查看原因。",
    },
    "es": {
        # commands
        "chat_title": "Monitor de uso",
        "help_intro": "Soy el **Monitor de uso**. Pregúnteme por su uso; periodos: `hoy`, `semana`, `mes`, "
        "`semana pasada`, `7d`, `todo`, `2026-11-01..2026-11-28`.",
        "help_unknown": "No entendí “{text}”.",
        "help_user": (
            "| Comando | Qué muestra |\n|---|---|\n"
            "| `/uso [periodo]` | su saldo, gasto y tokens, por modelo y por día, con gráficos |\n"
            "| `/modelos [periodo]` | su gasto por modelo |\n"
            "| `/días [periodo]` | su gasto por día |\n"
            "| `/registros [periodo] [sort:time/cost/tokens/balance] [asc] [page:N]` | sus últimas respuestas |\n"
            "| `/saldo` | su saldo |\n"
            "| `/ayuda` | esta lista |"
        ),
        "help_admin": (
            "**Administradores**\n\n| Comando | Qué hace |\n|---|---|\n"
            "| `/top [periodo] [by calls]` | informe, reparto por modelo, ranking de usuarios |\n"
            "| `/records [periodo] user:NOMBRE model:ID sort:cost` | registros de todos, filtrados |\n"
            "| `/users [búsqueda]` | usuarios con saldo, gasto y bloqueo |\n"
            "| `/balance set USUARIO IMPORTE`, `/balance add USUARIO IMPORTE` | fijar o recargar un saldo |\n"
            "| `/block USUARIO`, `/unblock USUARIO` | impedir o permitir el chat |\n"
            "| `/prices` | el precio de cada modelo y su origen |\n"
            "| `/price set MODELO ENTRADA SALIDA [msg:X] [cached:Y]` | precios por 1M tokens (o por mensaje) |\n"
            "| `/price clear MODELO`, `/price copy DE A`, `/price inherit` | borrar, copiar, heredar precios |\n"
            "| `/export csv [periodo]`, `/export json` | registros en CSV, la base de datos en JSON |\n"
            "| `/import` + un archivo JSON o JSON pegado | restaurar una copia o la exportación del Monitor original |"
        ),
        "invalid_range": "No entiendo el periodo “{text}”. Pruebe hoy, semana, mes, 7d, todo o 2026-11-01..2026-11-28.",
        "admin_only": "Ese comando es para administradores. Aquí tiene su propio uso.",
        "unknown_user": "Ningún usuario coincide con “{query}”.",
        "ambiguous_user": "“{query}” coincide con varios usuarios; indique cuál por su correo:\n{candidates}",
        "invalid_amount": "“{text}” no es un importe válido.",
        "unknown_model": "Ningún modelo coincide con “{model}”.",
        "invalid_import": "No se importó nada: {reason}",
        "summary_title": "**Su uso** · saldo {balance}",
        "summary_header": "| Periodo | Respuestas | Tokens de entrada | Tokens de salida | Costo |",
        "period_today": "Hoy",
        "period_30d": "Últimos 30 días",
        "period_all": "Todo",
        "message_usage": "{tokens} | {cost} | precio: {source}",
        "no_usage_for_message": "No hay uso registrado para este mensaje.",
        "tokens": "Tokens: {input}+{output}",
        "estimated": " (estim.)",
        "cost": "Costo: {amount}",
        "balance": "Saldo: {amount}",
        "time": "Tiempo: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": (
            "Saldo insuficiente: su saldo es {balance} y este modelo necesita {needed} para empezar."
            " Pida a un administrador que recargue su cuenta."
        ),
        "user_blocked": "Su cuenta tiene bloqueado el chat. Póngase en contacto con un administrador.",
        "misconfigured_valve": "La facturación está mal configurada ({valve}). Avise a un administrador.",
        "error_generic": ("La facturación no está disponible ahora. Inténtelo de nuevo o contacte a un administrador."),
        "billing_failed": (
            "No se pudo registrar el uso de esta respuesta; el administrador verá el motivo en los registros."
        ),
    },
}


def language(*choices: str | None) -> str:
    """The first supported language among `choices` (a user's own setting first), else English."""
    for choice in choices:
        code = (choice or "").strip().lower().replace("_", "-").split("-")[0]
        if code in MESSAGES:
            return code
    return "en"


def t(lang: str, key: str, **params: Any) -> str:
    table = MESSAGES.get(lang, MESSAGES["en"])
    template = table.get(key) or MESSAGES["en"][key]
    return template.format(**params)
