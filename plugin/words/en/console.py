"""English: what the console page (`/console`, `ui/console.py`) says. Joined into the report model's table
(`words/reports.py`): only the pipe and the action show the console."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "console_title": "Console",
    "console_tab_users": "Users",
    "console_tab_models": "Models and prices",
    "console_tab_usage": "Usage",
    "console_answer": "**Console** · {view} · this view again: `{command}`",
    "console_needs_chat": "The console is a page shown under the reply in Open WebUI's chat; here, use the commands"
    " (`/help`).",
    "console_hint_admin": "Every change is a command sent to this chat: Open WebUI asks you to confirm it, the Usage"
    " Monitor runs it and answers, and the console comes back with the new state.",
    "console_hint_user": "Your own usage. Choose a range and press Apply; each view is a command sent to this chat.",
    "console_hint_elsewhere": "Read-only here: in a chat with the Usage Monitor, `/console` pages, sorts and changes.",
    "console_search": "Name or e-mail",
    "console_search_button": "Search",
    "console_apply": "Apply",
    "console_prev": "‹ Previous",
    "console_next": "Next ›",
    "console_page": "Page {page} of {pages} · {total}",
    "console_amount": "Amount",
    "console_add": "Add",
    "console_set": "Set",
    "console_block": "Block",
    "console_unblock": "Unblock",
    "console_actions": "Change",
    "console_save": "Save",
    "console_clear": "Clear",
    "console_undo": "Undo last price change",
    "console_history": "Price history",
    "console_range": "Range",
    "console_user": "User",
    "console_everyone": "everyone",
    "console_model": "Model",
    "console_all_models": "All models",
    "console_export": "Export CSV",
    "console_records": "Records",
    "console_no_rows": "Nothing to show.",
    "console_test": "Test",
    "console_test_all": "Test all models",
    "console_catalogue": "Catalogue prices",
    "console_accept": "Use {entry}",
    "console_not_billed": "never billed",
}
