"""What the report model and the buttons say in Spanish, and the words people type to them.

Loaded by the front-ends that speak them (the pipe, the action, the command line) with `i18n.load(REPORTS)`;
the typed words are joined over every language by `words/vocabulary.py` (a reader's language never limits
what they may type). The Filter carries neither: its words are `common.py`'s.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # commands
    "prices_synced": "Precios de la conexión fijados como precios de administrador en {count} modelos: {models}.",
    "prices_synced_none": "Los precios de la conexión ya coinciden con los del administrador; no se cambió nada.",
    "prices_sync_preview": "Se fijarían los precios de la conexión para: {models}. Envíe `/price sync apply`.",
    "confirm_sync": "¿Fijar los precios de la conexión como precios de administrador para: {models}?",
    "import_needs_one": "adjunte un archivo JSON o pegue el JSON en un bloque ```json debajo de /import.",
    "chat_title": "Monitor de uso",
    "help_intro": "Soy el **Monitor de uso**. Pregúnteme por su uso; periodos: `hoy`, `semana`, `mes`, "
    "`semana pasada`, `7d`, `todo`, `2026-11-01..2026-11-28`.",
    "help_unknown": "No entendí “{text}”.",
    "help_closest": "Comandos más parecidos: {commands}.",
    "help_examples": "O pregunte sin más, por ejemplo: «¿cuánto gasté esta semana?», «¿cuántos tokens usé ayer en "
    "gpt-4o?», «¿cuál es mi saldo?»",
    "answer_cost": "{range}: gastó {cost} en {replies} ({tokens} tokens).",
    "answer_cost_model": "{range}: gastó {cost} en {model}, en {replies} ({tokens} tokens).",
    "answer_tokens": ("{range}: usó {tokens} tokens (entrada {input}, salida {output}) en {replies}, {cost}."),
    "answer_tokens_model": (
        "{range}: usó {tokens} tokens en {model} (entrada {input}, salida {output}) en {replies}, {cost}."
    ),
    "answer_calls": "{range}: recibió {replies} ({tokens} tokens, {cost}).",
    "answer_calls_model": "{range}: {model} le dio {replies} ({tokens} tokens, {cost}).",
    "replies_one": "{count} respuesta",
    "replies": "{count} respuestas",
    "answer_balance": "Su saldo es {balance}.",
    "question_no_model": "Ningún modelo se llama «{model}», así que estas cifras son de todos sus modelos.",
    "assistant_failed": "El asistente no pudo responder: {reason}",
    "assistant_missing": "no hay ningún modelo «{model}» (el ajuste assistant_model del administrador).",
    "assistant_itself": "«{model}» es el propio Monitor de uso; el asistente debe ser otro modelo.",
    "assistant_working": "Consultando con {model}… ({round})",
    "assistant_timeout": "tardó más de {seconds} segundos.",
    "assistant_error": "el modelo falló ({detail}).",
    "assistant_error_hidden": "el modelo falló (el administrador puede ver el motivo en el registro de Open WebUI).",
    "assistant_rounds": "seguía consultando datos después de {rounds} rondas.",
    "assistant_refused": "{reason}",
    "assistant_language": "español (Spanish)",
    "assistant_no_words": "El asistente no dio ninguna respuesta escrita; esto es lo que consultó.",
    "assistant_footer": "Respondido por {model} · {tokens} tokens · {cost}",
    "assistant_footer_free": "Respondido por {model} · {tokens} tokens · {cost}, sin cargo",
    # Códigos de canje (issue 20)
    "code_not_a_code": "“{text}” no es un código: los códigos tienen la forma OWM-XXXX-XXXX-XXXX.",
    "code_unknown": "No existe el código {code}: revíselo e inténtelo de nuevo.",
    "code_used": "El código {code} ya se ha usado.",
    "code_yours_already": "Ya canjeó el código {code}.",
    "code_revoked": "Un administrador revocó el código {code}.",
    "code_expired": "El código {code} ha caducado.",
    "code_too_many_guesses": "Demasiados códigos erróneos: inténtelo de nuevo en {minutes} min.",
    "code_invalid_count": "{count}: cree entre 1 y {most} códigos cada vez.",
    "code_bad_expiry": "{text} no es un día futuro: escriba caduca:AAAA-MM-DD.",
    "code_balance_full": "El código {code} llevaría su saldo más allá del máximo; consulte a un administrador.",
    "code_redeemed": "Código {code} canjeado: se añadieron {amount}. Su saldo es {balance}.",
    "redeem_usage": "Canjee un código con `/canjear OWM-XXXX-XXXX-XXXX`.",
    "codes_minted": "**{count} códigos nuevos de {amount} cada uno**",
    "codes_minted_one": "**{count} código nuevo de {amount}**",
    "codes_valid_through": "válidos hasta el {date}",
    "codes_with_note": "nota: {note}",
    "codes_shown_once": (
        "Estos códigos solo se muestran ahora (solo se guarda su último grupo): repártalos o guarde {link}."
    ),
    "codes_mint_usage": "Cree códigos con `/códigos crear IMPORTE [cantidad:N] [caduca:AAAA-MM-DD] [nota:TEXTO]`.",
    "codes_revoke_usage": (
        "Revoque un código con `/códigos revocar CÓDIGO`, o un lote con `/códigos revocar nota:TEXTO`."
    ),
    "codes_revoke_none": "Ningún código ni nota coincide con {target}.",
    "codes_revoke_nothing_open": "Nada que revocar: esos códigos ya se canjearon o revocaron.",
    "codes_revoked": "Revocados {count} de {found} códigos.",
    "codes_shown_once_no_file": "Estos códigos solo se muestran ahora y su archivo no se pudo guardar: cópielos ya.",
    "confirm_mint_one": "¿Crear {count} código de {amount}?",
    "codes_revoked_one": "Revocado {count} de {found} código.",
    "codes_title": "Códigos de canje · {total}",
    "codes_title_search": "Códigos de canje que coinciden con {search} · {total}",
    "codes_none": "No hay códigos. Cree algunos con `/códigos crear 5 cantidad:10`.",
    "codes_page": "Página {page} de {pages} · {total} códigos",
    "codes_page_one": "Página {page} de {pages} · {total} código",
    "codes_guessers_title": "Códigos erróneos en los últimos {minutes} minutos",
    "codes_guesser": "{user}: {count} erróneos, el último a las {when}",
    "codes_guesser_locked": "{user}: {count} erróneos, el último a las {when}, debe esperar",
    "code_status_open": "disponible",
    "code_status_redeemed": "canjeado",
    "code_status_revoked": "revocado",
    "code_status_expired": "caducado",
    "col_code": "Código",
    "col_amount": "Importe",
    "col_note": "Nota",
    "col_expires": "Válido hasta",
    "col_redeemed_by": "Canjeado por",
    "col_redeemed_at": "Canjeado el",
    "codes_button_prompt": (
        "Crear códigos: el importe de cada uno y luego opciones, por ejemplo"
        " 5 cantidad:10 caduca:2027-01-31 nota:primavera"
    ),
    "confirm_mint": "¿Crear {count} códigos de {amount} cada uno?",
    "range_last_week": "La semana pasada ({first} – {last})",
    "range_last_month": "El mes pasado ({first} – {last})",
    "help_user": (
        "| Comando | Qué muestra |\n|---|---|\n"
        "| `/uso [periodo]` | su saldo, gasto y tokens, por modelo y por día, con gráficos |\n"
        "| `/modelos [periodo]` | su gasto por modelo |\n"
        "| `/días [periodo]` | su gasto por día |\n"
        "| `/registros [periodo] [sort:time/cost/tokens/balance] [asc] [page:N]` | sus últimas respuestas |\n"
        "| `/saldo` | su saldo |\n"
        "| `/canjear CÓDIGO` | suma a su saldo el crédito de un código |\n"
        "| `/extracto [AAAA-MM]` | su extracto mensual: saldo inicial, recargas, asignaciones, gasto por modelo, "
        "saldo final, con un CSV (administradores: `/extracto USUARIO AAAA-MM`) |\n"
        "| `/consola` | la consola: una página para recorrer su uso (administradores: usuarios, precios, el uso de"
        " todos) |\n"
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
        "| `/test MODELO`, `/test all` | una pregunta mínima a un modelo o a todos (nunca se cobra) |\n"
        "| `/price set MODELO ENTRADA SALIDA [msg:X] [cached:Y]` | precios por 1M tokens (o por mensaje) |\n"
        "| `/price clear MODELO`, `/price copy DE A`, `/price inherit` | borrar, copiar, heredar precios |\n"
        "| `/price sync [apply]` | ver y luego fijar los precios de la conexión como de administrador |\n"
        "| `/price catalogue [apply]`, `/price accept MODELO ID` | ver y luego fijar los precios del catálogo "
        "incluido; aceptar una entrada parecida |\n"
        "| `/price undo`, `/price history` | deshacer el último cambio de precios (toda una sincronización), "
        "ver cambios |\n"
        "| `/export csv [periodo]`, `/export json` | registros en CSV, la base de datos en JSON |\n"
        "| `/import` + un archivo JSON o JSON pegado | restaurar una copia o la exportación del Monitor "
        "original |\n"
        "| `/reconcile [repair]` | comprobar cada saldo con el libro; `repair` fija los distintos en su suma |\n"
        "| `/budget`, `/budget group NOMBRE init IMPORTE` | ver presupuestos; saldo inicial de un grupo |\n"
        "| `/budget group NOMBRE daily/weekly/monthly reset/add IMPORTE`, `/budget user CORREO …` | asignación |\n"
        "| `/budget clear group NOMBRE [init/allowance]`, `/budget clear user CORREO` | quitar un presupuesto |\n"
        "| `/códigos [búsqueda]` | códigos de canje (enmascarados), quién los canjeó, intentos erróneos |\n"
        "| `/códigos crear IMPORTE [cantidad:N] [caduca:AAAA-MM-DD] [nota:TEXTO]` | códigos nuevos, mostrados una"
        " vez, y un CSV |\n"
        "| `/códigos revocar CÓDIGO`, `/códigos revocar nota:TEXTO` | revoca un código, o un lote por su nota |"
    ),
    "summary_title": "**Su uso** · saldo {balance}",
    "summary_header": "| Periodo | Respuestas | Tokens de entrada | Tokens de salida | Costo |",
    "period_today": "Hoy",
    "period_30d": "Últimos 30 días",
    "period_all": "Todo",
    "message_usage": "{tokens} | {cost} | precio: {source}",
    "no_usage_for_message": "No hay uso registrado para este mensaje.",
    "allowance_reset": "restablecer a {amount} {period}",
    "allowance_add": "añadir {amount} {period}",
    "period_day": "cada día (UTC)",
    "period_week": "cada semana (lunes, UTC)",
    "period_month": "cada mes (UTC)",
    "allowance_line": "**Asignación:** {allowance}; próxima recarga {when}.",
    "budget_group": "grupo {name}",
    "budget_user": "usuario {name}",
    "budget_init_set": "Saldo inicial de {target}: {amount} (lo reciben los miembros que aún no han chateado).",
    "budget_allowance_set": "Asignación de {target}: {allowance}; próxima recarga {when}.",
    "budget_cleared": "Presupuesto de {target} borrado.",
    "budget_not_set": "{target} no tiene ese presupuesto; no cambió nada.",
    "budget_list_title": "**Presupuestos**",
    "budget_list_header": "| Se aplica a | Saldo inicial | Asignación | Próxima recarga |",
    "budget_none": "Aún no hay presupuestos. Ejemplo: `/budget group Staff daily reset 1`.",
    "budget_rules": "Un miembro de varios grupos recibe el mayor saldo inicial; la asignación propia de un usuario "
    "gana a la de sus grupos, y entre grupos gana el mayor importe. Se recarga en la primera petición del periodo.",
    "range_today": "Hoy ({day})",
    "range_yesterday": "Ayer ({day})",
    "range_day_before": "Anteayer ({day})",
    "range_week": "Esta semana ({first} – {last})",
    "range_month": "Este mes ({first} – {last})",
    "range_days": "Últimos {days} días ({first} – {last})",
    "range_all": "Todo el tiempo",
    "range_custom": "{first} – {last}",
    "no_usage": "No hay uso en este periodo.",
    "rows_hidden": "… y {count} más que no se muestran.",
    "earlier_hidden": "No se muestran {count} filas anteriores; el gráfico las incluye todas.",
    "summary_not_seen": "Aún no ha chateado: su saldo se asigna en su primer chat.",
    "col_metric": "Métrica",
    "col_value": "Valor",
    "col_model": "Modelo",
    "col_replies": "Respuestas",
    "col_input": "Tokens de entrada",
    "col_output": "Tokens de salida",
    "col_cached": "Tokens en caché",
    "col_reasoning": "Tokens de razonamiento",
    "col_tokens": "Tokens",
    "col_cost": "Costo",
    "col_share": "Porcentaje",
    "col_day": "Día",
    "col_month": "Mes",
    "col_year": "Año",
    "col_time": "Hora",
    "col_user": "Usuario",
    "col_email": "Correo",
    "col_balance": "Saldo",
    "col_name": "Nombre",
    "col_role": "Rol",
    "col_spent": "Gastado",
    "col_last_used": "Último uso",
    "col_status": "Estado",
    "col_price_input": "Entrada / 1M",
    "col_price_output": "Salida / 1M",
    "col_price_cached": "Entrada en caché / 1M",
    "col_price_msg": "Por mensaje",
    "col_price_reasoning": "Razonamiento / 1M",
    "col_price_request": "Por solicitud",
    "col_source": "Origen",
    "totals_title": "Uso · {range}",
    "card_title": "Informe de uso · {range}",
    "card_cost": "Costo total",
    "card_tokens_value": "{total} (entrada {input} · salida {output})",
    "card_users": "Usuarios activos",
    "card_models": "Modelos usados",
    "card_top_model": "Modelo más usado",
    "card_top_model_value": "{model} · {calls} respuestas",
    "card_top_spender": "Mayor gasto",
    "card_estimated": "Respuestas con tokens estimados",
    "by_model_title": "Uso por modelo · {range}",
    "by_day_title_day": "Uso por día · {range}",
    "by_day_title_month": "Uso por mes · {range}",
    "by_day_title_year": "Uso por año · {range}",
    "chart_cost_day": "Costo por día",
    "chart_cost_month": "Costo por mes",
    "chart_cost_year": "Costo por año",
    "chart_share_cost": "Costo por modelo",
    "chart_share_calls": "Respuestas por modelo",
    "share_title_cost": "Reparto del costo por modelo · {range}",
    "share_title_calls": "Reparto de respuestas por modelo · {range}",
    "others": "Otros ({count} modelos)",
    "records_title": "Registros de uso · {range}",
    "records_filter_user": "Usuario: {user}",
    "records_filter_model": "Modelo: {model}",
    "records_sorted": "ordenado por {sort}, {direction}",
    "sort_time": "hora",
    "sort_cost": "costo",
    "sort_tokens": "tokens",
    "sort_balance": "saldo",
    "dir_desc": "descendente",
    "dir_asc": "ascendente",
    "records_page": "Página {page} de {pages} · {total} registros",
    "ranking_title_cost": "Usuarios con más gasto · {range}",
    "ranking_title_calls": "Usuarios con más respuestas · {range}",
    "users_title": "Usuarios ({total})",
    "users_title_search": "Usuarios que coinciden con “{search}” ({total})",
    "users_none": "Nadie coincide.",
    "users_page": "Página {page} de {pages} · {total} usuarios",
    "status_active": "activo",
    "status_blocked": "bloqueado",
    "status_not_seen": "aún sin uso",
    "status_gone": "ya no está en Open WebUI",
    "prices_title": "Precios de los modelos (por 1M de tokens o por mensaje)",
    "prices_none": "No se encontraron modelos.",
    "price_unlisted": "no está en la lista de modelos",
    "source_admin": "fijado por un administrador",
    "source_admin_base": "precio de administrador del modelo base {base}",
    "source_connection": "de la conexión",
    "source_connection_base": "precio de la conexión del modelo base {base}",
    "source_default": "por defecto",
    # admin
    "not_set": "sin definir",
    "balance_set": "Saldo de {user} fijado en {new} (antes {old}).",
    "balance_added": "Se añadió {amount} al saldo de {user}: {old} → {new}.",
    "balance_deducted": "Se descontó {amount} del saldo de {user}: {old} → {new}.",
    "user_blocked_done": "{user} está bloqueado: sus chats se rechazarán hasta que se desbloquee.",
    "user_unblocked_done": "{user} está desbloqueado y puede volver a chatear.",
    "user_already_blocked": "{user} ya estaba bloqueado; no se cambió nada.",
    "user_already_unblocked": "{user} no estaba bloqueado; no se cambió nada.",
    "price_set": (
        "Precios de {model}: entrada {input}, salida {output}, entrada en caché {cached} por 1M de tokens;"
        " por mensaje {per_msg}."
    ),
    "price_cleared": (
        "Se eliminaron los precios de administrador de {model}; ahora se cobra según su modelo base,"
        " su conexión o los valores por defecto."
    ),
    "price_not_set": "{model} no tenía precio de administrador; no se cambió nada.",
    "price_copied": (
        "Se copiaron los precios de {source} a {model}: entrada {input}, salida {output}, entrada en caché"
        " {cached} por 1M de tokens; por mensaje {per_msg}."
    ),
    "prices_inherited": ("Se copiaron los precios del modelo base a {count} modelos del espacio de trabajo: {models}."),
    "prices_inherited_none": "Ningún modelo sin precios tiene un modelo base con precios; no se cambió nada.",
    "import_done": (
        "Se importaron {users}, {usage}, {prices} y {ledger} desde {source}. Todo lo anterior ha sido reemplazado."
    ),
    "import_backup": "Los datos anteriores se guardaron en {path}.",
    "import_source_embedded": "una exportación de OpenWebUI Monitor (integrado)",
    "import_source_original": "una copia de seguridad de OpenWebUI-Monitor",
    "export_csv_done": "Registros de uso en CSV: {link}",
    "export_json_done": "Toda la base de datos en JSON: {link}",
    "reconcile_ok": "Todos los saldos ({total}) coinciden con el libro de movimientos.",
    "reconcile_found": "{count} de {total} saldos no coinciden con el libro de movimientos; no se cambió nada.",
    "reconcile_hint": (
        "Envíe `/reconcile repair` para fijar cada uno en la suma de su libro (el libro manda y no se modifica)."
    ),
    "reconcile_repaired": (
        "Se repararon {count} de {total} saldos: cada uno es ahora la suma de su libro de movimientos."
        " El libro no se modificó."
    ),
    "reconcile_holds": "{count} retenciones de chats abiertos, {amount} en total, ya están en el libro.",
    "col_cached_balance": "Saldo en caché",
    "col_balance_before": "Saldo anterior",
    "col_ledger_sum": "Suma del libro",
    "col_difference": "Diferencia",
    # action
    "message_not_billed": "Este mensaje nunca se facturó: no hay registro de uso.",
    "usage_tokens_detail": "Tokens: entrada {input}, salida {output}, en caché {cached}, razonamiento {reasoning}",
    "usage_price_source": "precio: {source}",
    "usage_balance_after": "saldo después: {amount}",
    "button_admin_only": "Lo siento, este botón es para administradores; no se cambió nada.",
    "button_cancelled": "Cancelado; no se cambió nada.",
    "dialog_unavailable": "Este botón necesita el chat abierto en el navegador para preguntar ({error}).",
    "usage_title": "Uso de este mensaje",
    "export_title": "Exportar el uso",
    "dash_title": "Panel de uso",
    "dash_range_prompt": (
        "¿Qué periodo? today, 7d, 30d, month, last month, all o 2026-11-01..2026-11-28; o consola para la"
        " consola interactiva"
    ),
    "dash_ranking": "Usuarios con más gasto",
    "dash_done": "El panel de {range} está abajo.",
    "topup_title": "Saldo o bloqueo",
    "topup_user_prompt": "¿Qué usuario? Escribe un correo o un nombre (o escribe códigos para crear códigos de canje).",
    "topup_amount_prompt": (
        "{user}: saldo {balance}, {state}. Escribe un importe a sumar (5), uno negativo a restar (-2),"
        " =10 para fijar el saldo, o block / unblock."
    ),
    "confirm_add": "¿Sumar {amount} al saldo de {user}?",
    "confirm_deduct": "¿Restar {amount} del saldo de {user}?",
    "confirm_set": "¿Fijar el saldo de {user} en {amount}?",
    "confirm_block": "¿Bloquear a {user}? Sus chats se rechazarán hasta desbloquearlo.",
    "confirm_unblock": "¿Desbloquear a {user}?",
    "prices_button_title": "Precios de modelos",
    "prices_model_prompt": (
        "¿Qué modelo? Escribe su id o nombre, inherit para heredar del"
        " modelo base, sync para fijar los de la conexión, catalogue para fijar los del catálogo"
        " o undo para deshacer el último cambio de precios."
    ),
    "prices_values_prompt": (
        "{current} Escribe precios nuevos por 1M tokens: entrada salida [por mensaje]; - conserva, off quita."
    ),
    "confirm_price": "¿Fijar los precios de {model}: {prices}?",
    "confirm_inherit": "¿Copiar precios del modelo base a: {models}?",
    "catalogue_intro": "Catálogo de precios: {source}, {date}.",
    "catalogue_new": "Precios nuevos: {models}.",
    "catalogue_changed": "Precios que cambian (sustituyen un precio de administrador): {models}.",
    "catalogue_apply_hint": (
        "Envíe `/price catalogue apply` para fijarlos como precios de administrador; `/price undo` deshace toda "
        "la sincronización."
    ),
    "catalogue_near": (
        "No están en el catálogo, pero se parecen a una entrada (sin precio de ella hasta que acepte una): "
        "{models}. Para aceptar: `{example}`."
    ),
    "catalogue_synced": "Precios del catálogo fijados en {count} modelos: {models}. `/price undo` lo deshace.",
    "catalogue_synced_none": "Todos los modelos que el catálogo nombra ya tienen su precio; nada que fijar.",
    "price_accepted": (
        "{model} tiene ahora los precios de catálogo de {source}: entrada {input}, salida {output}, entrada en "
        "caché {cached} por 1M tokens."
    ),
    "price_accept_usage": "Indique el modelo y la entrada del catálogo: `/price accept MODELO ID-CATÁLOGO`.",
    "price_undone": "Deshecho el último cambio de precios ({action}) en {count} modelos: {models}.",
    "price_undo_none": "No hay ningún cambio de precios que deshacer.",
    "price_undo_moved_on": (
        "Mientras tanto se hizo otro cambio de precios, así que no se deshizo nada. Pulse de nuevo para verlo."
    ),
    "price_history_none": "Aún no hay cambios de precios registrados.",
    "price_history_title": "Cambios de precios, el más reciente primero",
    "price_history_undone": "(deshecho)",
    "price_history_hint": "`/price undo` deshace el cambio más reciente aún no deshecho.",
    "price_more_rates": "Razonamiento {reasoning} por 1M tokens, {request} por solicitud.",
    "source_catalogue": "catálogo de precios",
    "source_catalogue_base": "precio de catálogo del modelo base {base}",
    "confirm_catalogue": "¿Fijar estos precios del catálogo como precios de administrador?\n\n{summary}",
    "confirm_undo": "¿Deshacer el último cambio de precios ({action}) de: {models}?",
    "test_title": "Prueba de modelos",
    "test_none": "No hay modelos que probar.",
    "test_progress": "Probando modelos: {done}/{total}…",
    "test_done": "{ok} de {total} modelos respondieron.",
    "test_ok": "ok",
    "test_failed": "error",
    "test_timeout": "sin respuesta en {seconds:.0f} s",
    "col_latency": "Latencia",
    "col_error": "Error",
    # Gráficos y plurales (issue 18): una clave `_one` es el texto de su clave para la cantidad 1 (ver i18n.tn).
    "chart_with_unit": "{chart} ({symbol})",
    "row_total": "Total",
    "count_users": "{count} usuarios",
    "count_users_one": "{count} usuario",
    "count_usage": "{count} registros de uso",
    "count_usage_one": "{count} registro de uso",
    "count_prices": "{count} precios",
    "count_prices_one": "{count} precio",
    "count_ledger": "{count} asientos",
    "count_ledger_one": "{count} asiento",
    "replies_count": "{count} respuestas",
    "replies_count_one": "{count} respuesta",
    "card_top_model_value_one": "{model} · {calls} respuesta",
    "others_one": "Otros ({count} modelo)",
    "earlier_hidden_one": "No se muestra {count} fila anterior; el gráfico la incluye.",
    "records_page_one": "Página {page} de {pages} · {total} registro",
    "users_page_one": "Página {page} de {pages} · {total} usuario",
    "range_days_one": "Último {days} día ({first} – {last})",
    "prices_synced_one": "Precios de la conexión fijados como precios de administrador en {count} modelo: {models}.",
    "prices_inherited_one": (
        "Se copiaron los precios del modelo base a {count} modelo del espacio de trabajo: {models}."
    ),
    "catalogue_synced_one": "Precios del catálogo fijados en {count} modelo: {models}. `/price undo` lo deshace.",
    "price_undone_one": "Deshecho el último cambio de precios ({action}) en {count} modelo: {models}.",
    "reconcile_ok_one": "El saldo ({total}) coincide con el libro de movimientos.",
    "reconcile_found_one": "{count} de {total} saldos no coincide con el libro de movimientos; no se cambió nada.",
    "reconcile_holds_one": "{count} retención de un chat abierto, {amount}, ya está en el libro.",
    "test_done_one": "{ok} de {total} modelo respondió.",
    # Statements (issue 20)
    "statement_title": "**Extracto · {month}**",
    "statement_title_user": "**Extracto · {month}** · {user}",
    "statement_in_progress": "Este mes aún no ha terminado: el saldo final es el saldo hasta ahora.",
    "statement_opening": "Saldo inicial el {day}: **{amount}**",
    "statement_closing": "Saldo final: **{amount}**",
    "statement_no_entries": "Ninguna recarga, canje, asignación ni otro cambio este mes.",
    "statement_spend_title": "**Gasto en chats por modelo**",
    "statement_no_spend": "Ningún gasto en chats este mes.",
    "statement_col_entry": "Movimiento",
    "statement_col_detail": "Detalle",
    "statement_col_by": "Por",
    "statement_col_requests": "Solicitudes",
    "statement_col_amount": "Importe",
    "statement_kind_initial": "Saldo inicial",
    "statement_kind_topup": "Recarga",
    "statement_kind_redemption": "Código canjeado",
    "statement_kind_refill": "Asignación recargada",
    "statement_kind_reset": "Asignación restablecida",
    "statement_kind_set": "Saldo fijado",
    "statement_kind_deduction": "Deducción",
    "statement_kind_block": "Bloqueo",
    "statement_kind_unblock": "Desbloqueo",
    "statement_kind_other": "Otro cambio",
    "statement_system": "sistema",
    "statement_unknown_model": "(modelo sin registro)",
    "statement_opening_row": "Saldo inicial",
    "statement_closing_row": "Saldo final",
    "statement_chat_row": "Gasto en chats",
    "statement_zone": "Las horas están en {zone}.",
    "statement_server_zone": "la zona horaria del servidor",
    "statement_csv": "Las mismas líneas en CSV: {link}",
    "statement_bad_month": "«{text}» no es un mes del que pueda hacer un extracto: escríbalo como AAAA-MM, por "
    "ejemplo `/extracto 2026-11`.",
}


# -- the words people type --------------------------------------------------------------------------------------
# The words people type in Spanish: command names, sub-commands, options, report qualifiers,
# range names, budget words, confirmations.
#
# Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
# A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).

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
    "codes": ("códigos", "codigos", "cupones"),
    "redeem": ("canjear", "canjea", "canje", "usar código", "usar codigo"),
    "statement": ("extracto", "extractos", "estado de cuenta", "extracto mensual"),
    "console": ("consola", "panel de control"),
    "test": ("probar",),
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
    "console": {"users": ("usuarios",), "models": ("modelos", "precios"), "usage": ("uso", "registros")},
    "test": {"all": ("todos", "todo")},
    "codes": {"mint": ("crear", "generar", "emitir"), "revoke": ("revocar", "anular")},
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
    "count": ("cantidad",),
    "expires": ("caduca", "vence", "hasta"),
    "note": ("nota",),
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
    "day_before": ("anteayer", "antier"),
    "week": ("semana", "esta semana"),
    "month": ("mes", "este mes"),
    "last_week": ("semana pasada", "la semana pasada"),
    "last_month": ("mes pasado", "el mes pasado"),
    "all": ("todo", "siempre"),
}


# fmt: off

# The words around a counted range ("últimos 10 días", "2 semanas"), read by domain/ranges.py.
RANGE_COUNT_WORDS: dict[str, tuple[str, ...]] = {
    "last": ("últimos", "ultimos", "últimas", "ultimas"),
    "days": ("días", "dias", "día", "dia"),
    "weeks": ("semanas", "semana"),
}

# The numbers a count may be written in ("las últimas dos semanas"), by their digits.
RANGE_NUMBERS: dict[str, tuple[str, ...]] = {
    "2": ("dos",), "3": ("tres",), "4": ("cuatro",), "5": ("cinco",), "6": ("seis",), "7": ("siete",),
    "8": ("ocho",), "9": ("nueve",), "10": ("diez",),
}

# Everyday Spanish words that another language's typed words also spell (none yet; see the English table).
SHARED_WORDS: tuple[str, ...] = ()

# Plain questions (ui/question.py): the words that ask for one number (balance first: "¿cuánto me queda?").
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "balance": ("saldo", "queda", "quedan", "resta", "restante", "crédito", "credito", "disponible"),
    "tokens": ("tokens", "token"),
    "calls": (
        "respuestas", "respuesta", "mensajes", "mensaje", "llamadas", "peticiones", "solicitudes", "veces",
        "consultas", "preguntas",
    ),
    "cost": (
        "gasté", "gaste", "gastado", "gastar", "gasto", "gastos", "cuánto", "cuanto", "dinero", "costo", "coste",
        "costó", "pagué", "pague", "uso", "consumo", "consumí", "consumi", "usé",
    ),
}

# Words a question carries that say nothing by themselves ("¿cuántas respuestas llevo hoy?").
QUESTION_FILLER: tuple[str, ...] = (
    "cuántos", "cuantos", "cuántas", "cuantas", "qué", "que", "he", "has", "llevo", "me", "yo", "en", "con", "este",
    "esta", "a", "al", "lo", "hasta", "ahora", "usado", "tengo", "tuve", "modelo", "para", "un", "una", "dime",
    "durante", "hecho",
)
# fmt: on
