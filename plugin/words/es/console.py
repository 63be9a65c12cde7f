"""Español: lo que dice la consola (`/console`, `ui/console.py`). Se une a la tabla del modelo de informes."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "console_title": "Consola",
    "console_tab_users": "Usuarios",
    "console_tab_models": "Modelos y precios",
    "console_tab_usage": "Uso",
    "console_answer": "**Consola** · {view} · esta vista de nuevo: `{command}`",
    "console_needs_chat": "La consola es una página bajo la respuesta en el chat de Open WebUI; aquí, use los comandos"
    " (`/help`).",
    "console_hint_admin": "Cada cambio es un comando enviado a este chat: Open WebUI pide confirmarlo, el Usage Monitor"
    " lo ejecuta y responde, y la consola vuelve con el nuevo estado.",
    "console_hint_user": "Su propio uso. Elija un periodo y pulse Aplicar; cada vista es un comando enviado a este"
    " chat.",
    "console_hint_elsewhere": "Solo lectura aquí: en un chat con el Usage Monitor, `/console` pagina, ordena y cambia.",
    "console_search": "Nombre o correo",
    "console_search_button": "Buscar",
    "console_apply": "Aplicar",
    "console_prev": "‹ Anterior",
    "console_next": "Siguiente ›",
    "console_page": "Página {page} de {pages} · {total}",
    "console_amount": "Importe",
    "console_add": "Añadir",
    "console_set": "Fijar",
    "console_block": "Bloquear",
    "console_unblock": "Desbloquear",
    "console_actions": "Cambiar",
    "console_save": "Guardar",
    "console_clear": "Quitar",
    "console_undo": "Deshacer el último cambio de precio",
    "console_history": "Historial de precios",
    "console_range": "Periodo",
    "console_user": "Usuario",
    "console_everyone": "todos",
    "console_model": "Modelo",
    "console_all_models": "Todos los modelos",
    "console_export": "Exportar CSV",
    "console_records": "Registros",
    "console_no_rows": "Nada que mostrar.",
    "console_test": "Probar",
    "console_test_all": "Probar todos los modelos",
    "console_catalogue": "Precios del catálogo",
    "console_accept": "Usar {entry}",
    "console_not_billed": "nunca se cobra",
}
