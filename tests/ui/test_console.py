"""`/console`: the page under the reply, the commands its buttons carry, and the console coming back after a change
made from it. The browser half (the buttons pressed, Open WebUI's confirmation) is tests/e2e/browser/
test_e2e_browser_console.py; here the page is read as HTML."""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from plugin.app.session import Session
from plugin.domain import reports
from plugin.store import Store
from plugin.ui import console
from plugin.ui.parse import parse, previous_reply
from tests.sessions import NOW, ask, seeded_store, session

ADMIN = {"id": "a1", "name": "Admin", "email": "admin@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
HOSTILE = {"id": "u3", "name": "<img src=x onerror=alert(1)>\"' /balance", "email": "eve@example.com", "role": "user"}
MODELS = [{"id": "gpt-4o", "name": "GPT-4o"}, {"id": "claude", "name": "Claude"}]


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="claude")


class Pages:
    """A fake chat for `show_page`: the pages shown, in order."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    async def __call__(self, page: str) -> None:
        self.shown.append(page)


def _session(store: Store, user: dict[str, str], pages: Pages, **extra: Any) -> Session:
    return session(store, user, directory=[ADMIN, ALICE, BOB, HOSTILE], models=MODELS, show_page=pages, **extra)


def commands_of(page: str) -> list[str]:
    """The commands the page's buttons carry, as the script starts them (before typed values are added)."""
    return [html.unescape(c) for c in re.findall(r'data-cmd="([^"]*)"', page)]


def rows_of(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>(.*?)</tr>", page)]


def test_users_view_sorts_pages_and_offers_each_change(store: Store) -> None:
    pages = Pages()
    answer = ask(_session(store, ADMIN, pages), "/console users sort:balance desc")
    assert "`/console users desc sort:balance page:1`" in answer
    page = pages.shown[-1]
    names = [row.split("|")[1] for row in rows_of(page)[1:]]
    assert names[:2] == ["Bob", "Alice"]  # $7 − 0.78, $5 − 0.11: by balance, highest first
    cmds = commands_of(page)
    assert "/balance add bob@example.com" in cmds and "/balance set alice@example.com" in cmds
    assert "/block bob@example.com" in cmds
    assert "/console users asc sort:balance" in cmds  # the balance column again: the other way
    ascending = Pages()
    ask(_session(store, ADMIN, ascending), "/console users sort:balance asc")
    assert [row.split("|")[1] for row in rows_of(ascending.shown[-1])[1:3]] == ["Alice", "Bob"]


def test_users_sorted_by_spend_and_last_use_put_the_never_billed_last(store: Store) -> None:
    directory = [ADMIN, ALICE, BOB, HOSTILE]
    for sort, first in (("spend", "u2"), ("last", "u1")):  # Bob spent most; both charged at one moment: by name
        page = reports.users(store, directory, sort=sort, descending=True, page_size=10)
        ids = [r["id"] for r in page.rows]
        assert ids[0] == first and set(ids[2:]) == {"a1", "u3"}, (sort, ids)
        rising = reports.users(store, directory, sort=sort, descending=False, page_size=10)
        assert [r["id"] for r in rising.rows][:2] == ["u1", "u2"], (sort, rising.rows)
        assert set(r["id"] for r in rising.rows[2:]) == {
            "a1",
            "u3",
        }


def test_last_use_orders_within_a_day_by_the_moment(tmp_path: Path) -> None:
    """Several people whose last use is the same UTC day, more than a page of them: the order inside the day is
    the exact moment, on every page (only the page's days are read exactly)."""
    clock = [NOW]
    store = Store(tmp_path / "d.db", clock=lambda: clock[0])
    people = [{"id": f"p{n:02d}", "name": f"P{n:02d}", "email": f"p{n}@x.io", "role": "user"} for n in range(12)]
    moments = [NOW - 40_000 + 997 * ((n * 7) % 12) for n in range(12)]  # one day, shuffled moments
    for person, moment in zip(people, moments, strict=True):
        clock[0] = moment
        with store.immediate():
            store.ensure_user(person["id"], person["name"], person["email"], "user")
            store.save_usage(
                {
                    "chat_id": "c",
                    "message_id": person["id"],
                    "user_id": person["id"],
                    "model_id": "m",
                    "input_tokens": 1,
                    "output_tokens": 1,
                    "price_source": "default",
                    "cost": 5,
                    "balance_after": 0,
                }
            )
    assert len({int(m) // 86_400 for m in moments}) == 1
    want = [p["id"] for _, p in sorted(zip(moments, people, strict=True), key=lambda pair: -pair[0])]
    got = []
    for page_no in (1, 2, 3):
        got += [
            r["id"] for r in reports.users(store, people, sort="last", descending=True, page=page_no, page_size=5).rows
        ]
    assert got == want


def test_hostile_name_is_text_and_every_command_reads_back(store: Store) -> None:
    with store.immediate():
        store.ensure_user(HOSTILE["id"], HOSTILE["name"], HOSTILE["email"], "user")
    pages = Pages()
    ask(_session(store, ADMIN, pages), "/console users '<img'")
    page = pages.shown[-1]
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    for cmd in commands_of(page):
        parsed = parse(cmd)
        assert parsed.understood and "\n" not in cmd, cmd
        if parsed.name == "console":
            assert parsed.args[-1:] == ("<img",) or "<img" not in cmd  # the search is one word again


def test_models_view_edits_in_place_with_the_set_command(store: Store) -> None:
    pages = Pages()
    ask(_session(store, ADMIN, pages), "/price set gpt-4o 2.5 10")
    ask(_session(store, ADMIN, pages), "/console models")
    page = pages.shown[-1]
    assert 'value="2.5"' in page and 'value="10"' in page  # the price as the admin would type it back
    cmds = commands_of(page)
    assert "/price set model:gpt-4o" in cmds and "/price clear model:gpt-4o" in cmds and "/price undo" in cmds
    assert "/price clear model:claude" not in cmds  # no admin price to clear
    # The row's two fields go as input: and output: (positional, an emptied input would shift the output into it).
    assert re.search(r'data-cmd="/price set model:gpt-4o" data-fields="input=i\d+ output=o\d+"', page)
    parsed = parse("/price set model:gpt-4o input:3 output:12")  # what the page sends with the row's two values
    assert (parsed.name, parsed.sub, dict(parsed.options)) == (
        "price",
        "set",
        {"model": "gpt-4o", "input": "3", "output": "12"},
    )
    ask(_session(store, ADMIN, pages), "/price set model:gpt-4o output:12")  # only the output typed: stays output
    assert (store.get_price("gpt-4o")["input_price"], store.get_price("gpt-4o")["output_price"]) == (
        2_500_000,
        12_000_000,
    )


def test_a_change_after_the_console_brings_it_back_with_the_new_state(store: Store) -> None:
    pages = Pages()
    shown = ask(_session(store, ADMIN, pages), "/console users sort:balance desc")
    answer = ask(_session(store, ADMIN, pages, previous=shown), "/balance add alice@example.com 10")
    assert len(pages.shown) == 2 and "**Console**" in answer
    names = [row.split("|")[1] for row in rows_of(pages.shown[-1])[1:3]]
    assert names == ["Alice", "Bob"]  # Alice's $14.89 now leads
    assert store.get_user("u1")["balance"] == 14_886_667
    ledger = store.engine.query("SELECT actor, amount FROM ledger WHERE user_id = 'u1' ORDER BY id DESC LIMIT 1")
    assert ledger == [{"actor": "a1", "amount": 10_000_000}]
    # Without a console before it, a change is answered alone; a report is no change.
    alone = Pages()
    ask(_session(store, ADMIN, alone, previous="Balance of Bob: $7"), "/balance add bob@example.com 1")
    ask(_session(store, ADMIN, alone, previous=shown), "/usage 7d")
    assert alone.shown == []


def test_a_user_sees_only_their_own_usage_and_no_change(store: Store) -> None:
    pages = Pages()
    refused = ask(_session(store, ALICE, pages), "/console users")
    assert "admin" in refused.lower() and pages.shown == []  # the users view is an admin's
    answer = ask(_session(store, ALICE, pages), "/console user:bob@example.com")
    page = pages.shown[-1]
    assert "`/console usage" in answer
    assert "Bob" not in page and "bob@example.com" not in page and "777" not in page
    cmds = commands_of(page)
    assert cmds and all(c.startswith("/console usage") for c in cmds), cmds
    assert "0.11" in page  # her own gpt-4o reply


def test_usage_view_filters_by_model_and_exports_the_selection(store: Store) -> None:
    pages = Pages()
    ask(_session(store, ADMIN, pages), "/console usage range:7d model:claude user:alice")
    page = pages.shown[-1]
    records = rows_of(page)
    assert any("claude" in r for r in records) and not any("gpt-4o|" in r for r in records)
    cmds = commands_of(page)
    export = next(c for c in cmds if c.startswith("/export"))
    assert export == "/export csv range:7d user:alice model:claude"
    parsed = parse(export)
    assert parsed.options == {"range": "7d", "user": "alice", "model": "claude"}
    # The per-day columns are the selection's too: claude's $0.0022 that day, not everyone's $0.8911.
    ask(_session(store, ADMIN, pages), "/console usage range:7d model:claude")
    columns = re.findall(r'<rect class="col"[^>]*><title>([^<]*)</title>', pages.shown[-1])
    assert any("$0.0022 ·" in c for c in columns) and not any("$0.8911" in c for c in columns), columns


def test_without_a_chat_the_console_says_to_use_the_commands(store: Store) -> None:
    context = session(store, ADMIN, directory=[ADMIN], models=MODELS)
    assert "commands" in ask(context, "/console")


def test_previous_reply_is_the_reply_before_the_last_message() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "/console"},
            {"role": "assistant", "content": "**Console** · Users · this view again: `/console users`"},
            {"role": "user", "content": "/balance add bob 5"},
        ]
    }
    assert previous_reply(body).endswith("`/console users`")
    assert previous_reply({"messages": [{"role": "user", "content": "x"}]}) == ""
    assert previous_reply({"messages": "nonsense"}) == ""


def test_command_values_are_one_word_each() -> None:
    cmd = console.command("usage", range="this month", user="Ana María", model="llama3:8b", page=2)
    assert parse(cmd).options == {"range": "this month", "user": "Ana María", "model": "llama3:8b", "page": "2"}
    assert shlex.split(console.arg("a'b\nc")) == ["a'b c"]


def test_models_view_offers_tests_the_catalogue_and_leaves_our_own_model_alone(store: Store) -> None:
    listed = [*MODELS, {"id": "gpt4-o", "name": "gpt4-o"}, {"id": "openwebui_monitor_pipe", "name": "Usage Monitor"}]
    pages = Pages()
    context = session(
        store,
        ADMIN,
        directory=[ADMIN],
        models=listed,
        show_page=pages,
        skip_model=lambda model: model["id"] == "openwebui_monitor_pipe",
    )
    ask(context, "/console models")
    page = pages.shown[-1]
    cmds = commands_of(page)
    assert "/price accept model:gpt4-o gpt-4o" in cmds  # a near miss of the catalogue, taken explicitly
    assert "/test model:gpt-4o" in cmds and "/test all" in cmds and "/price catalogue" in cmds
    ours = next(r for r in rows_of(page) if "openwebui_monitor_pipe" in r)
    assert "never billed" in ours and not any("openwebui_monitor_pipe" in c for c in cmds)
    assert "gpt4-o" in ask(context, "/price accept model:gpt4-o gpt-4o")
    assert store.get_price("gpt4-o")["input_price"] == 2_500_000  # the catalogue's gpt-4o input price


def test_test_command_asks_one_model_or_every_model_but_ours(store: Store) -> None:
    asked: list[str] = []

    async def complete(model_id: str, prompt: str) -> str:
        asked.append(model_id)
        if model_id == "claude":
            raise RuntimeError("HTTP 500: <overloaded>")
        return "ok"

    listed = [*MODELS, {"id": "openwebui_monitor_pipe"}, {"id": "arena-1", "owned_by": "arena"}]
    context = session(
        store,
        ADMIN,
        directory=[ADMIN],
        models=listed,
        complete=complete,
        skip_model=lambda model: model["id"] == "openwebui_monitor_pipe",
    )
    one = ask(context, "/test GPT-4o")
    assert asked == ["gpt-4o"] and "1 of 1 model answered" in one
    every = ask(context, "/test all")
    assert sorted(asked[1:]) == ["claude", "gpt-4o"] and "1 of 2 models answered" in every
    assert "HTTP 500: \\<overloaded\\>" in every  # the upstream's words, escaped
    user = session(store, ALICE, directory=[ALICE], models=listed, complete=complete)
    assert "admin" in ask(user, "/test all").lower() and len(asked) == 3


def test_a_model_no_longer_listed_is_still_a_filter_for_its_records(store: Store) -> None:
    """Open WebUI lists neither model any more (retired, renamed): their records are still found by their id."""
    pages = Pages()
    context = session(store, ADMIN, directory=[ADMIN, ALICE, BOB], models=[], show_page=pages)
    ask(context, "/console usage range:all model:claude")
    assert [r for r in rows_of(pages.shown[-1]) if "claude" in r] and "gpt-4o|" not in pages.shown[-1]
    assert "claude" in ask(context, "/records model:claude") and "m1" not in ask(context, "/records model:nope")
    assert "nope" in ask(context, "/export csv model:nope")  # an unknown model is named, not exported as all


def test_only_an_admin_view_has_change_buttons() -> None:
    """Defence in depth: the users and models views drawn for a non-admin (the role check refuses them first)
    carry no change, even when live."""
    found = reports.Page(
        [{**ALICE, "seen": True, "balance": 1, "blocked": False, "spent": 0, "last_used": None, "in_directory": True}],
        1,
        1,
        25,
    )
    for admin, expected in ((True, True), (False, False)):
        view = console.View("users", "en", "$", None, admin=admin, live=True)
        page = console.users(view, found, sort="name", descending=False, search="")
        assert ("/balance add" in page) is expected


@pytest.mark.parametrize(
    ("lang", "typed", "words"),
    [("zh", "/控制台", ("控制台", "用户", "充值")), ("es", "/consola", ("Consola", "Usuarios", "Añadir"))],
)
def test_the_console_speaks_the_readers_language(store: Store, lang: str, typed: str, words: tuple[str, ...]) -> None:
    pages = Pages()
    context = session(store, ADMIN, directory=[ADMIN, ALICE], models=MODELS, show_page=pages, lang=lang)
    answer = ask(context, typed)
    assert words[0] in answer and all(w in pages.shown[-1] for w in words)
    assert f'<html lang="{lang}">' in pages.shown[-1]


def test_a_row_names_its_person_so_that_the_command_finds_exactly_them(store: Store) -> None:
    """An e-mail that the lookup would clean up into someone else's (a trailing space, `Name <email>`), or that two
    accounts share, is not how a button names a person: their id is."""
    victim = {"id": "v1", "name": "Victim", "email": "victim@corp.com", "role": "user"}
    spaced = {"id": "x1", "name": "Spaced", "email": "victim@corp.com ", "role": "user"}
    bracket = {"id": "x2", "name": "Bracket", "email": "evil<victim@corp.com>", "role": "user"}
    twin_a = {"id": "t1", "name": "Twin", "email": "twin@corp.com", "role": "user"}
    twin_b = {"id": "t2", "name": "Twin B", "email": "TWIN@corp.com", "role": "user"}
    pages = Pages()
    context = session(store, ADMIN, directory=[victim, spaced, bracket, twin_a, twin_b], models=MODELS, show_page=pages)
    ask(context, "/console users")
    blocks = {c for c in commands_of(pages.shown[-1]) if c.startswith("/block") and "example.com" not in c}
    assert blocks == {"/block victim@corp.com", "/block x1", "/block x2", "/block t1", "/block t2"}
    for command in blocks:  # each finds exactly its row's person (Open WebUI's lookup rules, `pick_user`)
        said = ask(context, command)
        assert "blocked" in said.lower(), (command, said)
    assert {row["id"] for row in store.query("SELECT id FROM users WHERE blocked = 1")} == {
        "v1",
        "x1",
        "x2",
        "t1",
        "t2",
    }


def test_a_model_id_shaped_like_an_option_or_a_word_stays_the_target(store: Store) -> None:
    asked: list[str] = []

    async def complete(model_id: str, prompt: str) -> str:
        asked.append(model_id)
        return "ok"

    listed = [*MODELS, {"id": "think:deep"}, {"id": "all.x"}]
    pages = Pages()
    context = session(store, ADMIN, directory=[ADMIN], models=listed, complete=complete, show_page=pages)
    ask(context, "/console models")
    cmds = commands_of(pages.shown[-1])
    assert "/price set model:think:deep" in cmds and "/test model:all.x" in cmds
    ask(context, "/test model:all.x")
    assert asked == ["all.x"]  # one model, not every model
    ask(context, "/price set model:think:deep input:1 output:2")
    assert store.get_price("think:deep")["output_price"] == 2_000_000


def test_the_console_comes_back_only_after_a_console_and_a_change_still_answers_when_it_cannot(store: Store) -> None:
    pages = Pages()
    help_text = ask(_session(store, ADMIN, pages), "/help")
    assert "`/console`" in help_text
    ask(_session(store, ADMIN, pages, previous=help_text), "/block bob@example.com")
    assert pages.shown == []  # the help names /console; it showed none
    shown = ask(_session(store, ADMIN, pages), "/console usage model:claude")
    count = len(pages.shown)
    gone = session(store, ADMIN, directory=[ADMIN, ALICE, BOB], models=[], show_page=pages, previous=shown)
    with store.immediate():
        store.engine.execute("DELETE FROM usage WHERE model_id = 'claude'")
    said = ask(gone, "/unblock bob@example.com")
    assert (
        "unblocked" in said.lower() and len(pages.shown) == count
    )  # no console (its model is gone), the answer stands
    typed = ask(_session(store, ADMIN, pages), "/console users 'a`b'")
    assert "`/console users`" in typed  # a backtick typed in the search does not end the line's code
