"""Words both front-ends understand, in every language at once: the command parser reads them as commands or
sub-commands (`parse.SYNONYMS`, `parse.SUBCOMMANDS`), the buttons' dialogs as answers ("block", "sync", ...).
One list each, so a word added for one is understood by the other; neither reads the other's tables."""

from __future__ import annotations

BLOCK = ("block", "ban", "disable", "封禁", "禁用", "拉黑", "bloquear")
UNBLOCK = ("unblock", "unban", "enable", "解封", "启用", "解除封禁", "desbloquear")

# What to do with prices instead of setting one model's.
PRICE_INHERIT = ("inherit", "继承", "heredar")
PRICE_SYNC = ("sync", "同步", "sincronizar")
PRICE_CATALOGUE = ("catalogue", "catalog", "价格目录", "目录", "catálogo", "catalogo")
PRICE_UNDO = ("undo", "revert", "撤销", "撤回", "deshacer")
