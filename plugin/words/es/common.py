"""What every Function may say in Spanish, the Filter included: refusals, the status line, input errors.

Only these reach the Filter's generated file (Open WebUI re-reads it on every chat); the report model's and the
buttons' messages are in `reports`. Every language has the same keys and the same {placeholders}."""

MESSAGES: dict[str, str] = {
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
    "low_balance_refill": "⚠ Saldo bajo — próxima recarga {when}",
    "low_balance_redeem": "⚠ Saldo bajo — canjee un código: /redeem CÓDIGO en Usage Monitor",
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
    "code_in_chat": (
        "Eso parece un código de canje, así que no se envió al modelo. Canjéelo en el modelo Usage Monitor:"
        " /redeem CÓDIGO."
    ),
    "refusal_redeem": "O canjee un código: /redeem CÓDIGO en Usage Monitor.",
    "refusal_next_refill": "Tu asignación se recarga el {when}.",
    "release_unbilled": "Sin facturar: OpenWebUI Monitor no factura nada en Open WebUI {version}, que deja al"
    " navegador escribir el uso que se cobra. Actualiza Open WebUI a {oldest} o posterior.",
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
}

# Words written after an amount for its currency ("10元", "10 USD"); the symbols ($, ¥, €, £) are in money.py.
AMOUNT_SUFFIXES: tuple[str, ...] = ()
