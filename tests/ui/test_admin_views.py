"""The admin operations' results in words (`ui/admin_views.py`): every result, in every language."""

from __future__ import annotations

from people import ADMIN, MODELS, user

from plugin.domain import accounts, price_admin
from plugin.store import Store
from plugin.ui.admin_views import said
from plugin.words import i18n


def test_every_result_renders_in_every_language(store: Store) -> None:
    user(store, balance=1_000_000)
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, input="3")
    results = [
        accounts.set_balance(store, "u-ann", 2_000_000, ADMIN),
        accounts.add_balance(store, "u-ann", 1_000_000, ADMIN),
        accounts.add_balance(store, "u-ann", -1_000_000, ADMIN),
        accounts.block(store, "u-ann", True, ADMIN),
        accounts.block(store, "u-ann", True, ADMIN),
        accounts.block(store, "u-ann", False, ADMIN),
        accounts.block(store, "u-ann", False, ADMIN),
        price_admin.set_price(store, "gpt-4o", models=MODELS, actor=ADMIN, output="1"),
        price_admin.copy_price(store, "gpt-4o", "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.clear_price(store, "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.clear_price(store, "llama3:8b", models=MODELS, actor=ADMIN),
        price_admin.inherit_base_prices(store, MODELS, actor=ADMIN),
        price_admin.inherit_base_prices(store, MODELS, actor=ADMIN),
    ]
    for result in results:
        texts = {lang: said(result, lang, "¥") for lang in i18n.LANGUAGES}
        assert len(set(texts.values())) == len(i18n.LANGUAGES), result.key  # really translated
        assert all("{" not in text for text in texts.values())
    assert store.reconcile() == []
