"""The bundled price catalogue: the build script on a small file of LiteLLM's shape, matching (exact, each
normalisation, never fuzzy), its place in price resolution, the rates it brings (cached, reasoning, per request,
minimum charge, integer-exact), and the admin side: sync preview/apply, near-miss acceptance, history and undo."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sessions
from sessions import Dialog  # a fake `__event_call__`

from plugin.app.session import Session
from plugin.domain import billing, catalogue, catalogue_data, price_admin, pricing
from plugin.domain.tokens import Usage
from plugin.errors import UnknownCatalogueEntry
from plugin.store import Store
from plugin.tools import catalogue_build
from plugin.tools import cli as cli
from plugin.ui import admin_views, buttons
from plugin.ui.commands import admin_only
from plugin.ui.parse import parse
from plugin.words import i18n

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "litellm_prices.json"
NOW = 1_795_900_000.0
ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
DEFAULT = pricing.defaults(60, 60, -1)


def fixture_catalogue() -> catalogue.Catalogue:
    """The fixture file through the build script and back: what the Functions would parse."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    namespace: dict[str, Any] = {}
    exec(catalogue_build.render(data, "fixture.json", "2026-01-02"), namespace)
    return catalogue.Catalogue(catalogue.parse(namespace["TABLE"]), namespace["SOURCE"], namespace["DATE"])


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> catalogue.Catalogue:
    cat = fixture_catalogue()
    monkeypatch.setattr(catalogue, "bundled", lambda: cat)
    return cat


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "m.db", clock=lambda: NOW)
    yield store
    store.close()


# -- the build script -----------------------------------------------------------------------------------------


def test_build_keeps_chat_models_of_listed_providers_with_the_rates_billing_uses() -> None:
    rows = catalogue_build.rows(json.loads(FIXTURE.read_text(encoding="utf-8")))
    assert rows == [
        ("claude-sonnet-4-5", "3", "15", "0.3", "-", "-"),
        ("deepseek/deepseek-chat", "0.28", "0.42", "0.028", "-", "-"),
        ("gemini/gemini-2.5-flash", "0.3", "2.5", "0.03", "2.5", "-"),
        ("gpt-4o", "2.5", "10", "1.25", "-", "-"),
        ("gpt-4o-2024-05-13", "5", "15", "-", "-", "-"),
        ("gpt-4o-2024-08-06", "2.5", "10", "1.25", "-", "-"),
        ("groq/llama-3.3-70b", "0.59", "0.79", "-", "-", "-"),
        ("perplexity/llama-3.3-70b", "1", "1", "-", "-", "-"),
        ("perplexity/sonar-small-online", "0", "0.28", "-", "-", "0.005"),
        ("xai/grok-think", "2", "10", "-", "5", "-"),
    ]
    # Left out: sample_spec, fine-tune templates, embeddings, azure, no rates, a rate that is not a number, and a
    # dated twin where every variant has one price (claude-sonnet-4-5-20250929). gpt-4o's variants have two prices,
    # so each dated one stays: a dated id is matched exactly or not at all.


def test_every_source_entry_kept_or_dropped_is_still_priced_at_its_own_rates() -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    book = fixture_catalogue()
    for model_id in ("gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "gpt-4o-2024-05-13", "xai/grok-think"):
        spec = data[model_id]
        entry = book.match(model_id)
        assert entry is not None, model_id
        assert entry.input == round(spec["input_cost_per_token"] * 10**12), model_id
        assert entry.output == round(spec["output_cost_per_token"] * 10**12), model_id


def test_rendered_module_names_source_and_date_and_parses_to_micro_units() -> None:
    book = fixture_catalogue()
    assert (book.source, book.date) == ("fixture.json", "2026-01-02")
    assert book.entries["gpt-4o"] == catalogue.Entry("gpt-4o", 2_500_000, 10_000_000, 1_250_000, None, None)
    assert book.entries["gemini/gemini-2.5-flash"].reasoning == 2_500_000
    assert book.entries["deepseek/deepseek-chat"].cached_input == 28_000
    assert book.entries["perplexity/sonar-small-online"].per_request == 5_000


def test_build_reads_the_file_out_of_a_wheel_and_the_cli_writes_the_module(tmp_path: Path) -> None:
    wheel = tmp_path / "litellm-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("litellm/" + catalogue_build.FILE_NAME, FIXTURE.read_text(encoding="utf-8"))
    data, source = catalogue_build.load(wheel)
    assert "gpt-4o" in data
    assert source == f"litellm 9.9.9 wheel, litellm/{catalogue_build.FILE_NAME}"
    out = tmp_path / "catalogue_data.py"
    assert cli.main(["catalogue-build", str(wheel), "--out", str(out), "--date", "2026-02-03"]) == 0
    namespace: dict[str, Any] = {}
    exec(out.read_text(encoding="utf-8"), namespace)
    assert namespace["SOURCE"] == source and namespace["DATE"] == "2026-02-03"
    assert len(catalogue.parse(namespace["TABLE"])) == 10


def test_build_refuses_what_is_not_a_litellm_price_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    empty = tmp_path / "litellm-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("litellm/other.json", "{}")
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", encoding="utf-8")
    for path in (empty, listing, broken, tmp_path / "missing.json"):
        assert cli.main(["catalogue-build", str(path), "--out", str(tmp_path / "out.py")]) == 2, path
    assert not (tmp_path / "out.py").exists()
    assert "catalogue-build failed" in capsys.readouterr().err


def test_the_shipped_table_is_small_and_says_where_it_came_from() -> None:
    assert Path(catalogue_data.__file__).stat().st_size < 40_000
    assert "litellm" in catalogue_data.SOURCE and catalogue_build.FILE_NAME in catalogue_data.SOURCE
    assert len(catalogue_data.DATE) == 10
    shipped = catalogue.bundled()
    assert len(shipped.entries) > 100
    assert shipped.match("openai/gpt-4o") is not None and shipped.match("claude-sonnet-4-5") is not None


# -- matching -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "entry"),
    [
        ("gpt-4o", "gpt-4o"),  # exact
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # exact beats the normalised gpt-4o
        ("GPT-4o-2024-05-13", "gpt-4o-2024-05-13"),  # the same id in another case
        ("GPT-4O", "gpt-4o"),
        ("openai/gpt-4o", "gpt-4o"),  # provider prefixes
        ("openrouter/openai/gpt-4o", "gpt-4o"),
        ("gemini-2.5-flash", "gemini/gemini-2.5-flash"),
        ("models/gemini-2.5-flash", "gemini/gemini-2.5-flash"),
        ("gpt-4o:latest", "gpt-4o"),  # tags
        ("deepseek-chat:beta", "deepseek/deepseek-chat"),
        ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),  # a dated variant of a model with several prices: exact
        ("openai/gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # ... also behind a provider prefix
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),  # dates, where every variant has one price
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),  # OpenRouter writes versions with dots
        ("openrouter/anthropic/Claude-Sonnet-4.5:beta", "claude-sonnet-4-5"),
        ("groq/llama-3.3-70b", "groq/llama-3.3-70b"),  # exact wins where the normalised id is ambiguous
    ],
)
def test_exact_and_normalised_ids_match(model_id: str, entry: str) -> None:
    found = fixture_catalogue().match(model_id)
    assert found is not None and found.id == entry


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4",  # a different model, however close
        "gpt-4o-mini",
        "gpt-4o-mni",
        "claude-sonnet",
        "llama-3.3-70b",  # two providers, two prices, neither is the plain id: no guess
        "meta/llama-3.3-70b",
        "text-embedding-3-small",  # not a chat model
        "azure/gpt-4o-x",
        "gpt-4o-2024-11-20",  # a dated id the catalogue does not list, of a model with several prices
        "gpt-4o-latest",  # an alias of the newest version, which may be priced otherwise
        "deepseek-chat:free",  # a free variant is not the paid model
        "",
    ],
)
def test_no_fuzzy_match_and_no_guess_between_prices(model_id: str) -> None:
    assert fixture_catalogue().match(model_id) is None


@pytest.mark.parametrize(
    ("model_id", "entry"),
    [
        ("openai/gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # its own price (5/15), not gpt-4o's
        ("azure/gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
        ("gpt-4o-2024-11-20", "gpt-4o-2024-11-20"),
        ("chat", None),  # a bare word is not `chat-latest`
        ("ollama/chat:latest", None),
        ("chat-latest", "chat-latest"),
        ("gpt-4o:free", None),
        ("gpt-4o-2099-01-01", None),  # a date the catalogue does not know: no guess
    ],
)
def test_the_shipped_catalogue_prices_dated_prefixed_and_bare_ids_without_guessing(
    model_id: str, entry: str | None
) -> None:
    found = catalogue.bundled().match(model_id)
    assert (found.id if found else None) == entry


def test_a_model_served_by_ollama_is_never_priced_from_the_catalogue() -> None:
    """Local models share names with cloud ones (`deepseek-r1`); the catalogue's price is a cloud API's."""
    local = {"id": "deepseek-r1:latest", "owned_by": "ollama"}
    assert fixture_catalogue().price("deepseek-chat:latest") is not None
    assert resolve("deepseek-chat:latest", {**local, "id": "deepseek-chat:latest"}, {}) == DEFAULT
    workspace = {"id": "helper", "info": {"base_model_id": "deepseek-chat:latest"}}
    lookup = {"deepseek-chat:latest": {**local, "id": "deepseek-chat:latest"}}
    assert resolve("helper", workspace, {}, lookup) == DEFAULT  # nor a workspace model built on one
    assert resolve("deepseek-chat:latest", {"id": "deepseek-chat:latest", "owned_by": "openai"}, {}).source == (
        "catalogue"
    )


def test_near_misses_are_suggested_for_the_admin_only() -> None:
    book = fixture_catalogue()
    assert [e.id for e in book.near("gpt-4o-mni")][:1] == ["gpt-4o"]
    assert {e.id for e in book.near("llama-3.3-70b")} >= {"groq/llama-3.3-70b", "perplexity/llama-3.3-70b"}
    assert book.near("a-model-nobody-sells") == []
    assert book.price("gpt-4o-mni") is None


# -- resolution -----------------------------------------------------------------------------------------------


def resolve(model_id: str, model: dict | None, admin_rows: dict[str, dict], lookup: dict[str, dict] | None = None):
    return pricing.resolve(
        model_id,
        model,
        admin_price=admin_rows.get,
        lookup_model=(lookup or {}).get,
        fallback=DEFAULT,
        catalogue=fixture_catalogue().price,
    )


def test_catalogue_sits_after_admin_base_and_connection_prices_and_before_defaults() -> None:
    admin_row = {"input_price": 1, "output_price": 2}
    reported = {"id": "gpt-4o", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    workspace = {"id": "mine", "info": {"base_model_id": "gpt-4o"}}
    assert resolve("gpt-4o", {"id": "gpt-4o"}, {"gpt-4o": admin_row}).source == "admin"
    assert resolve("mine", workspace, {"gpt-4o": admin_row}).source == "admin:gpt-4o"
    assert resolve("gpt-4o", reported, {}).source == "connection"
    assert resolve("mine", workspace, {}, {"gpt-4o": reported}).source == "connection:gpt-4o"
    price = resolve("openai/gpt-4o", {"id": "openai/gpt-4o"}, {})
    assert (price.source, price.input, price.output, price.cached_input) == (
        "catalogue",
        2_500_000,
        10_000_000,
        1_250_000,
    )
    assert resolve("mine", workspace, {}).source == "catalogue:gpt-4o"
    assert resolve("gpt-4o-mni", {"id": "gpt-4o-mni"}, {}) == DEFAULT
    no_catalogue = pricing.resolve("gpt-4o", None, admin_price={}.get, lookup_model={}.get, fallback=DEFAULT)
    assert no_catalogue == DEFAULT


def test_views_name_the_catalogue_source_in_every_language() -> None:
    from plugin.ui import views

    for lang in i18n.LANGUAGES:
        assert views.price_source("catalogue", lang) == i18n.t(lang, "source_catalogue")
        assert views.price_source("catalogue:gpt-4o", lang) == i18n.t(lang, "source_catalogue_base", base="gpt-4o")


# -- arithmetic -----------------------------------------------------------------------------------------------


def test_cached_and_reasoning_tokens_take_their_own_rates_and_are_never_billed_twice() -> None:
    price = pricing.Price(2_500_000, 10_000_000, "x", cached_input=1_250_000, reasoning=5_000_000)
    # 600 fresh input, 400 cached, 300 visible output, 200 reasoning (inside the 500 output): micro-units exactly.
    assert price.cost(1000, 500, 400, 200) == 600 * 2_500_000 // 10**6 + 400 * 1_250_000 // 10**6 + 3000 + 1000
    assert price.cost(1000, 500, 400, 200) == 6000
    plain = pricing.Price(2_500_000, 10_000_000, "x")  # no cached or reasoning rate: input and output rates
    assert plain.cost(1000, 500, 400, 200) == 2500 + 5000
    assert price.cost(1000, 500, 400, 9999) == 600 * 2_500 // 1000 + 500 + 500 * 5  # reasoning capped at output


def test_rounding_is_half_up_on_the_whole_message_and_stays_integer() -> None:
    price = pricing.Price(1_500_000, 0, "x")
    assert price.cost(1, 1) == 2  # 1.5 micro-units
    assert price.cost(3, 1) == 5  # 4.5
    assert isinstance(price.cost(7, 3), int)


def test_per_request_fee_is_added_once_and_minimum_charge_only_with_output() -> None:
    sonar = fixture_catalogue().entries["perplexity/sonar-small-online"].price()
    assert sonar.cost(100, 1000) == 280 + 5_000
    minimum = pricing.Price(1, 1, "x", minimum=10_000)
    assert minimum.cost(10, 10) == 10_000
    assert minimum.cost(10, 0) == 0  # no output, nothing delivered, nothing owed
    assert pricing.Price(2_000_000, 2_000_000, "x", minimum=10).cost(10_000, 10_000) == 40_000
    assert pricing.Price(0, 0, "x", per_message=3, minimum=10).cost(1, 1) == 10


def test_settle_charges_the_catalogue_rates_and_records_them(store: Store) -> None:
    price = fixture_catalogue().entries["xai/grok-think"].price()
    member = billing.Member(ALICE["id"], ALICE["name"], ALICE["email"])
    with store.immediate():
        store.ensure_user(member.id, member.name, member.email, member.role)
        store.append_ledger(member.id, "topup", 1_000_000, actor="a1")
    # Only a request the filter admitted is charged: its inlet comes first (no hold here, to read the charge alone).
    billing.admit(
        store, member, chat_id="c", message_id="m", model_id="xai/grok-think", hold=0, init_balance=0, price=price
    )
    done = billing.settle(
        store,
        billing.Terms(member),
        billing.Round(
            chat_id="c", message_id="m", model_id="xai/grok-think", usage=Usage(1000, 400, 0, 300), price=price
        ),
    )
    assert done.cost == 2_000 + 100 * 10 + 300 * 5 == 4_500
    record = store.get_usage("c", "m")
    assert (record["price_source"], record["reasoning_price"], record["request_price"]) == (
        "catalogue",
        5_000_000,
        None,
    )
    assert store.get_user(member.id)["balance"] == 1_000_000 - 4_500
    assert store.ledger_for(member.id)[-1]["amount"] == -4_500


# -- sync, acceptance, history and undo ----------------------------------------------------------------------

MODELS = [
    {"id": "gpt-4o", "name": "GPT-4o"},
    {"id": "anthropic/claude-sonnet-4.5", "name": "Claude"},
    {"id": "gpt-4o-mni", "name": "Typo"},
    {"id": "mine", "name": "Mine", "info": {"base_model_id": "gpt-4o"}},
    {"id": "or/deepseek-chat", "name": "DS", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
    {"id": "local-llama", "name": "Local"},
]


def rows_of(store: Store) -> dict[str, tuple]:
    return {r["model_id"]: tuple(r[c] for c in price_admin.PRICE_COLUMNS) for r in store.all_prices()}


def test_catalogue_sync_previews_then_pins_in_one_undoable_batch(store: Store, book: catalogue.Catalogue) -> None:
    store.set_price("gpt-4o", input_price=1, output_price=2, per_msg_price=3, actor="a1")
    before = rows_of(store)
    preview = price_admin.sync_catalogue_prices(store, MODELS, actor="a1", dry_run=True)
    assert preview.new == [("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5")]
    assert preview.changed == [("gpt-4o", "gpt-4o")]
    assert preview.near == [("gpt-4o-mni", ["gpt-4o"])]  # the workspace model and the reported one are skipped
    assert rows_of(store) == before and store.price_history(10) == []
    text = admin_views.said(preview, "en")
    assert "fixture.json" in text and "/price catalogue apply" in text and "/price accept gpt-4o-mni gpt-4o" in text

    done = price_admin.sync_catalogue_prices(store, MODELS, actor="a2")
    assert done.models == ["anthropic/claude-sonnet-4.5", "gpt-4o"]
    assert rows_of(store)["gpt-4o"] == (2_500_000, 10_000_000, 1_250_000, None, None, None)
    assert rows_of(store)["anthropic/claude-sonnet-4.5"] == (3_000_000, 15_000_000, 300_000, None, None, None)
    assert {r["batch"] for r in store.price_history(10)} == {1}
    assert price_admin.sync_catalogue_prices(store, MODELS, actor="a1", dry_run=True).models == []  # in step now

    assert store.get_price("gpt-4o")["updated_by"] == "a2"
    undone = price_admin.undo_price_change(store, actor="a3")
    assert undone.models == ["anthropic/claude-sonnet-4.5", "gpt-4o"] and undone.action == "catalogue"
    assert rows_of(store) == before
    assert store.get_price("gpt-4o")["updated_by"] == "a1"  # the row as it was, not the undoer's name
    assert price_admin.undo_price_change(store, actor="a1").models == []  # the earlier set_price was not through admin


def test_catalogue_sync_includes_a_workspace_model_only_where_resolution_reaches_the_catalogue(
    store: Store, book: catalogue.Catalogue
) -> None:
    wrappers = [
        {"id": "local-llama", "name": "Local"},
        {"id": "claude-sonnet-4-5", "name": "Claude here", "info": {"base_model_id": "local-llama"}},
        {"id": "gpt-4o", "name": "GPT here", "info": {"base_model_id": "or/deepseek-chat"}},
        MODELS[4],  # or/deepseek-chat: its connection reports a price, which comes first
    ]
    assert price_admin.sync_catalogue_prices(store, wrappers, actor="a1", dry_run=True).new == [
        ("claude-sonnet-4-5", "claude-sonnet-4-5")
    ]
    store.set_price("local-llama", input_price=1, output_price=1, actor="a1")  # now the base's price comes first
    assert price_admin.sync_catalogue_prices(store, wrappers, actor="a1", dry_run=True).models == []


def test_undo_walks_back_one_change_at_a_time(store: Store, book: catalogue.Catalogue) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="1", output="2")
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="3", reasoning="4", per_request="0.01")
    assert rows_of(store)["gpt-4o"] == (3_000_000, 2_000_000, None, None, 4_000_000, 10_000)
    price_admin.copy_price(store, "gpt-4o", "local-llama", models=MODELS, actor="a1")
    price_admin.clear_price(store, "gpt-4o", models=MODELS, actor="a1")
    assert list(rows_of(store)) == ["local-llama"]
    assert price_admin.undo_price_change(store, actor="a1").action == "clear"
    assert rows_of(store)["gpt-4o"] == (3_000_000, 2_000_000, None, None, 4_000_000, 10_000)
    assert price_admin.undo_price_change(store, actor="a1").action == "copy"
    assert list(rows_of(store)) == ["gpt-4o"]
    assert price_admin.undo_price_change(store, actor="a1").action == "set"
    assert rows_of(store)["gpt-4o"] == (1_000_000, 2_000_000, None, None, None, None)
    assert price_admin.undo_price_change(store, actor="a1").action == "set"
    assert rows_of(store) == {}
    none = price_admin.undo_price_change(store, actor="a1")
    assert none.models == [] and admin_views.said(none, "zh") == i18n.t("zh", "price_undo_none")
    history = admin_views.price_history(price_admin.price_changes(store), "en")
    assert history.count("(undone)") == 4 and "clear" in history and "copy" in history


def test_a_near_miss_is_priced_only_once_accepted(store: Store, book: catalogue.Catalogue) -> None:
    def price_of(model_id: str) -> pricing.Price:
        return pricing.resolve(
            model_id, None, admin_price=store.get_price, lookup_model={}.get, fallback=DEFAULT, catalogue=book.price
        )

    assert price_of("gpt-4o-mni") == DEFAULT
    change = price_admin.accept_catalogue_price(store, "gpt-4o-mni", "GPT-4O", models=MODELS, actor="a1")
    assert change.source == "gpt-4o"
    assert admin_views.said(change, "en").startswith("gpt-4o-mni now has the catalogue prices of gpt-4o:")
    accepted = price_of("gpt-4o-mni")
    assert (accepted.source, accepted.input, accepted.output) == ("admin", 2_500_000, 10_000_000)
    with pytest.raises(UnknownCatalogueEntry) as refused:
        price_admin.accept_catalogue_price(store, "gpt-4o-mni", "gpt-4", models=MODELS, actor="a1")
    for lang in i18n.LANGUAGES:
        assert refused.value.message(lang) == i18n.t(lang, "unknown_catalogue_entry", entry="gpt-4")
    price_admin.undo_price_change(store, actor="a1")
    assert price_of("gpt-4o-mni") == DEFAULT


# -- the report model and the Prices button ------------------------------------------------------------------


def context(store: Store, user: dict, lang: str = "en") -> Session:
    """What the report model and the buttons get from Open WebUI: two people, MODELS, default prices."""
    return sessions.session(store, user, directory=[ADMIN, ALICE], models=MODELS, default=DEFAULT, lang=lang)


def ask(store: Store, user: dict, text: str, lang: str = "en") -> str:
    return sessions.ask(context(store, user, lang), text)


@pytest.mark.parametrize(
    ("text", "sub"),
    [
        ("/price catalogue", "catalogue"),
        ("/price 价格目录", "catalogue"),
        ("/precio catálogo", "catalogue"),
        ("/price undo", "undo"),
        ("/price 撤销", "undo"),
        ("/price deshacer", "undo"),
        ("/price history", "history"),
        ("/price 历史", "history"),
        ("/price historial", "history"),
        ("/price accept a b", "accept"),
        ("/price 接受 a b", "accept"),
        ("/price aceptar a b", "accept"),
    ],
)
def test_price_subcommands_in_every_language(text: str, sub: str) -> None:
    parsed = parse(text)
    assert (parsed.name, parsed.sub) == ("price", sub) and admin_only(parsed)


def test_report_model_previews_applies_accepts_and_undoes(store: Store, book: catalogue.Catalogue) -> None:
    preview = ask(store, ADMIN, "/price catalogue")
    assert "/price catalogue apply" in preview and store.all_prices() == []
    assert ask(store, ADMIN, "/price sync catalogue") == preview
    assert "Pinned catalogue prices for 2 models" in ask(store, ADMIN, "/price catalogue apply")
    assert store.get_price("gpt-4o")["input_price"] == 2_500_000
    listed = ask(store, ADMIN, "/prices")
    assert "set by an admin" in listed
    assert "Say which model" in ask(store, ADMIN, "/price accept gpt-4o-mni")
    assert "not in the price catalogue" in ask(store, ADMIN, "/price accept gpt-4o-mni gpt-5")
    assert "now has the catalogue prices" in ask(store, ADMIN, "/price accept gpt-4o-mni gpt-4o")
    assert "Reasoning" in ask(store, ADMIN, "/price set local-llama 1 2 reasoning:3 request:0.5")
    assert store.get_price("local-llama")["request_price"] == 500_000
    history = ask(store, ADMIN, "/price history")
    assert "catalogue" in history and "accept" in history and "local-llama" in history
    assert "local-llama" in ask(store, ADMIN, "/price undo")
    assert store.get_price("local-llama") is None
    assert "gpt-4o-mni" in ask(store, ADMIN, "/price 撤销", lang="zh")
    assert "2 个模型" in ask(store, ADMIN, "/price 撤销", lang="zh")
    assert store.all_prices() == []


def test_price_list_shows_catalogue_prices_before_any_sync(store: Store, book: catalogue.Catalogue) -> None:
    listed = ask(store, ADMIN, "/prices")
    claude = next(line for line in listed.splitlines() if "Claude" in line)
    assert "price catalogue" in claude and "$3.0000" in claude


def test_price_list_shows_reasoning_and_request_rates_only_where_some_model_has_one(
    store: Store, book: catalogue.Catalogue
) -> None:
    plain = ask(store, ADMIN, "/prices")
    assert "Reasoning / 1M" not in plain and "Per request" not in plain
    price_admin.set_price(
        store, "gpt-4o", models=MODELS, actor="a1", input="3", output="12", reasoning="4", per_request="0.01"
    )
    listed = ask(store, ADMIN, "/prices")
    header = next(line for line in listed.splitlines() if "Reasoning / 1M" in line)
    assert "Per request" in header
    row = next(line for line in listed.splitlines() if "gpt-4o" in line and "$12.0000" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    names = [c.strip() for c in header.strip("|").split("|")]
    assert cells[names.index("Reasoning / 1M")] == "$4.0000" and cells[names.index("Per request")] == "$0.0100"
    assert "Razonamiento / 1M" in ask(store, ADMIN, "/precios", lang="es")


def test_a_user_cannot_sync_accept_or_undo(store: Store, book: catalogue.Catalogue) -> None:
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="1", output="2")
    before = (rows_of(store), store.price_history(10))
    for text in ("/price catalogue apply", "/price accept gpt-4o-mni gpt-4o", "/price undo", "/price history"):
        answer = ask(store, ALICE, text)
        assert answer.startswith(i18n.t("en", "admin_only")), text
    assert (rows_of(store), store.price_history(10)) == before


def press(store: Store, user: dict, dialog: Dialog) -> buttons.Outcome:
    return asyncio.run(buttons.press("prices", buttons.Press(context(store, user), "c", "m", ask=dialog)))


def test_prices_button_previews_the_catalogue_sync_and_undoes_it(store: Store, book: catalogue.Catalogue) -> None:
    cancelled = Dialog("catalogue", False)
    assert press(store, ADMIN, cancelled).text == i18n.t("en", "button_cancelled")
    assert "claude-sonnet-4-5" in cancelled.asked[1]["data"]["message"] and store.all_prices() == []
    done = press(store, ADMIN, Dialog("catalogue", True))
    assert "Pinned catalogue prices for 2 models" in done.text
    undo = Dialog("undo", True)
    assert "Undid the last price change (catalogue)" in press(store, ADMIN, undo).text
    assert "gpt-4o" in undo.asked[1]["data"]["message"] and store.all_prices() == []
    assert press(store, ADMIN, Dialog("undo")).text == i18n.t("en", "price_undo_none")
    refused = Dialog("catalogue", True)
    assert press(store, ALICE, refused).text == i18n.t("en", "button_admin_only") and refused.asked == []


def test_the_prices_button_undoes_only_the_change_it_showed(store: Store) -> None:
    """Another admin's change landing while the confirmation is open is not undone in its place."""
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="1", output="2")

    class Meanwhile(Dialog):
        async def __call__(self, event: dict) -> Any:
            if len(self.asked) == 1:  # the confirmation of "undo the set of gpt-4o" is open
                price_admin.set_price(store, "local-llama", models=MODELS, actor="a2", input="5", output="5")
            return await super().__call__(event)

    dialog = Meanwhile("undo", True)
    outcome = press(store, ADMIN, dialog)
    assert "gpt-4o" in dialog.asked[1]["data"]["message"]
    assert outcome.text == i18n.t("en", "price_undo_moved_on")
    assert sorted(rows_of(store)) == ["gpt-4o", "local-llama"]  # nothing undone
    again = Dialog("undo", True)
    assert "local-llama" in press(store, ADMIN, again).text and sorted(rows_of(store)) == ["gpt-4o"]


def test_a_restore_starts_a_fresh_price_history(store: Store, book: catalogue.Catalogue) -> None:
    """Undoing a change made before a restore would overwrite the restored prices: a restore forgets them."""
    from plugin.domain import exchange, restore

    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="1", output="2", reasoning="3")
    document = exchange.export_json(store)
    price_admin.set_price(store, "gpt-4o", models=MODELS, actor="a1", input="5")
    restore.import_json(store, document, "a1")
    assert rows_of(store)["gpt-4o"] == (1_000_000, 2_000_000, None, None, 3_000_000, None)  # new columns restored
    assert store.price_history(10) == [] and price_admin.last_price_change(store).models == []
