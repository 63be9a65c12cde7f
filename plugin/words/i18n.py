"""User-facing strings in English, Chinese and Spanish, and how to pick a language (unknown ones fall back to
English). This table holds what the Filter says; the report model's and the buttons' messages are added by
`report_messages` when a module that speaks them is imported."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh", "es")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "invalid_range": (
            "I can't read the time range “{text}”. Try today, week, month, 7d, all or 2026-11-01..2026-11-28."
        ),
        "admin_only": "That command is for administrators. Here is your own usage instead.",
        "unknown_user": "No user matches “{query}”.",
        "ambiguous_user": "“{query}” matches several users; say which one by email:\n{candidates}",
        "invalid_amount": "“{text}” is not a valid amount.",
        "unknown_model": "No model matches “{model}”.",
        "invalid_import": "Nothing was imported: {reason}",
        "tokens": "Tokens: {input}+{output}",
        "estimated": " (est.)",
        "stopped_notice": "Stopped: {notice}",
        "cost": "Cost: {amount}",
        "balance": "Balance: {amount}",
        "time": "Time: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": (
            "Insufficient balance: this reply needs up to {needed} set aside to start, and your balance is {balance}."
            " Unused, it is given back when the reply ends. Please ask an administrator to top up your account."
        ),
        "empty_balance": (
            "Insufficient balance: your balance is used up ({balance}). Please ask an administrator to top up your"
            " account."
        ),
        "user_blocked": "Your account is blocked from chatting. Please contact an administrator.",
        "reply_in_progress": "This reply is still being written. Please wait a moment, then try again.",
        "message_not_yours": "This message belongs to another conversation. Please start a new chat.",
        "misconfigured_valve": "Billing is misconfigured ({valve}). Please tell an administrator.",
        "error_generic": "Billing is unavailable right now. Please try again or contact an administrator.",
        "billing_failed": "Usage for this reply could not be recorded; the administrator can see why in the logs.",
        "db_unavailable": "Billing is paused: the usage database cannot be written right now, so nothing was sent."
        " Please try again in a moment or tell an administrator.",
        # budgets
        "next_refill": "Next refill: {when}",
        "refusal_next_refill": "Your allowance refills at {when}.",
        "not_recorded": "Not recorded: the usage database was unavailable, so this reply was not billed.",
        "invalid_budget": "I can't read the budget “{text}”. Try `/budget group NAME init 5`, "
        "`/budget group NAME daily reset 1`, `/budget user EMAIL weekly add 2` or `/budget clear group NAME`.",
        "unknown_group": "No Open WebUI group matches “{query}”.",
        "ambiguous_group": "“{query}” matches several groups; use the group's id:\n{candidates}",
        # reports
        "invalid_sort": "I can't sort by “{text}”. Try one of: {choices}.",
        "negative_balance": (
            "Nothing changed: deducting {amount} would leave {user} with a negative balance (it is {balance})."
        ),
        "no_admin_price": "{model} has no price set by an administrator, so there is nothing to copy.",
        "unknown_catalogue_entry": "{entry} is not in the price catalogue.",
    },
    "zh": {
        "invalid_range": "无法识别时间范围“{text}”。可以用 今天、本周、本月、7天、全部 或 2026-11-01..2026-11-28。",
        "admin_only": "该命令仅限管理员使用。下面是您自己的用量。",
        "unknown_user": "没有与“{query}”匹配的用户。",
        "ambiguous_user": "“{query}”匹配到多个用户，请用邮箱指明：\n{candidates}",
        "invalid_amount": "“{text}”不是有效的金额。",
        "unknown_model": "没有与“{model}”匹配的模型。",
        "invalid_import": "未导入任何数据：{reason}",
        "tokens": "Token: {input}+{output}",
        "estimated": "（估算）",
        "stopped_notice": "已停止：{notice}",
        "cost": "费用: {amount}",
        "balance": "余额: {amount}",
        "time": "耗时: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": (
            "余额不足：本次回复开始前需要预留最多 {needed}，当前余额为 {balance}。未用完的部分会在回复结束时退回。"
            "请联系管理员充值。"
        ),
        "empty_balance": "余额不足：您的余额已用完（{balance}）。请联系管理员充值。",
        "user_blocked": "您的账户已被禁止使用对话，请联系管理员。",
        "reply_in_progress": "这条回复仍在生成中，请稍候再试。",
        "message_not_yours": "这条消息属于另一个对话，请新建对话。",
        "misconfigured_valve": "计费配置有误（{valve}），请告知管理员。",
        "error_generic": "计费服务暂不可用，请稍后重试或联系管理员。",
        "billing_failed": "本条回复的用量未能记录，管理员可在日志中查看原因。",
        "db_unavailable": "计费已暂停：用量数据库暂时无法写入，消息未发送。请稍后重试或告知管理员。",
        # budgets
        "next_refill": "下次补充: {when}",
        "refusal_next_refill": "你的额度将于 {when} 补充。",
        "not_recorded": "未记录：用量数据库暂时不可用，本条回复未计费。",
        "invalid_budget": "无法识别预算“{text}”。试试 `/budget group 名称 init 5`、`/budget group 名称 daily reset 1`、"
        "`/budget user 邮箱 weekly add 2` 或 `/budget clear group 名称`。",
        "unknown_group": "没有与“{query}”匹配的 Open WebUI 用户组。",
        "ambiguous_group": "“{query}”匹配多个用户组；请使用用户组 id：\n{candidates}",
        # reports
        "invalid_sort": "无法按“{text}”排序。可以用：{choices}。",
        "negative_balance": "未做更改：扣除 {amount} 会使 {user} 的余额变为负数（当前余额 {balance}）。",
        "no_admin_price": "{model} 没有管理员设置的价格，无可复制。",
        "unknown_catalogue_entry": "价格目录中没有 {entry}。",
    },
    "es": {
        "invalid_range": "No entiendo el periodo “{text}”. Pruebe hoy, semana, mes, 7d, todo o 2026-11-01..2026-11-28.",
        "admin_only": "Ese comando es para administradores. Aquí tiene su propio uso.",
        "unknown_user": "Ningún usuario coincide con “{query}”.",
        "ambiguous_user": "“{query}” coincide con varios usuarios; indique cuál por su correo:\n{candidates}",
        "invalid_amount": "“{text}” no es un importe válido.",
        "unknown_model": "Ningún modelo coincide con “{model}”.",
        "invalid_import": "No se importó nada: {reason}",
        "tokens": "Tokens: {input}+{output}",
        "estimated": " (estim.)",
        "stopped_notice": "Detenida: {notice}",
        "cost": "Costo: {amount}",
        "balance": "Saldo: {amount}",
        "time": "Tiempo: {seconds}s",
        "speed": "{rate} T/s",
        "insufficient_balance": (
            "Saldo insuficiente: esta respuesta necesita reservar hasta {needed} para empezar y su saldo es {balance}."
            " Lo no usado se devuelve al terminar la respuesta. Pida a un administrador que recargue su cuenta."
        ),
        "empty_balance": (
            "Saldo insuficiente: su saldo se ha agotado ({balance}). Pida a un administrador que recargue su cuenta."
        ),
        "user_blocked": "Su cuenta tiene bloqueado el chat. Póngase en contacto con un administrador.",
        "reply_in_progress": "Esta respuesta todavía se está escribiendo. Espere un momento e inténtelo de nuevo.",
        "message_not_yours": "Este mensaje pertenece a otra conversación. Empiece un chat nuevo.",
        "misconfigured_valve": "La facturación está mal configurada ({valve}). Avise a un administrador.",
        "error_generic": ("La facturación no está disponible ahora. Inténtelo de nuevo o contacte a un administrador."),
        "billing_failed": (
            "No se pudo registrar el uso de esta respuesta; el administrador verá el motivo en los registros."
        ),
        "db_unavailable": (
            "La facturación está en pausa: la base de datos de uso no se puede escribir ahora y no se envió nada."
            " Inténtelo de nuevo en un momento o avise a un administrador."
        ),
        # budgets
        "next_refill": "Próxima recarga: {when}",
        "refusal_next_refill": "Tu asignación se recarga el {when}.",
        "not_recorded": (
            "No registrado: la base de datos de uso no estaba disponible, así que esta respuesta no se cobró."
        ),
        "invalid_budget": "No entiendo el presupuesto “{text}”. Prueba `/budget group NOMBRE init 5`, "
        "`/budget group NOMBRE daily reset 1`, `/budget user CORREO weekly add 2` o `/budget clear group NOMBRE`.",
        "unknown_group": "Ningún grupo de Open WebUI coincide con “{query}”.",
        "ambiguous_group": "“{query}” coincide con varios grupos; usa el id del grupo:\n{candidates}",
        # reports
        "invalid_sort": "No puedo ordenar por “{text}”. Pruebe uno de: {choices}.",
        "negative_balance": (
            "No se cambió nada: descontar {amount} dejaría a {user} con saldo negativo (su saldo es {balance})."
        ),
        "no_admin_price": "{model} no tiene precio definido por un administrador; no hay nada que copiar.",
        "unknown_catalogue_entry": "{entry} no está en el catálogo de precios.",
    },
}


def extend(tables: dict[str, dict[str, str]]) -> None:
    """Add messages to every language's table (a key present twice keeps its first text)."""
    for lang, table in tables.items():
        for key, text in table.items():
            MESSAGES[lang].setdefault(key, text)


def language(*choices: str | None) -> str:
    """The first supported language among `choices` (a user's own setting first), else English."""
    for choice in choices:
        if choice in MESSAGES:  # already a code of ours: the usual case, at once
            return choice  # type: ignore[return-value]
        code = (choice or "").strip().lower().replace("_", "-").split("-")[0]
        if code in MESSAGES:
            return code
    return "en"


def t(lang: str, key: str, **params: Any) -> str:
    table = MESSAGES.get(lang, MESSAGES["en"])
    template = table.get(key) or MESSAGES["en"][key]
    return template.format(**params)
