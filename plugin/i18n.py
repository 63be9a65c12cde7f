"""Every user-facing string, in English, Chinese and Spanish. Unknown languages fall back to English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh", "es")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
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
