"""Security properties across the whole plugin: roles at every admin entry point, escaping of every string a
person typed (HTML dashboard, Markdown answers, CSV), and no SQL text built from input.

Already covered elsewhere, so not repeated here (this file widens them):
- tests/ui/test_answers.py::test_an_admin_command_from_a_user_is_refused_with_their_own_usage: five admin commands
  through `commands.answer`, checking one balance and one block flag. Here: every admin command form the parser
  knows, through the real Pipe front-end, comparing a dump of every table (and the backup directory, the file
  store and the attachment reader).
- tests/ui/test_buttons.py::test_a_user_pressing_an_admin_button_is_refused_and_nothing_changes: every admin button
  through `buttons.press`, checking the ledger and prices. Here: through the real Action front-end, every table,
  and no file saved / model called.
- tests/ui/test_commands.py::test_admin_only_marks and ::test_hostile_input_never_raises (the parser alone).
- tests/ui/test_dashboard.py::test_every_user_string_is_escaped and ::test_results_table_escapes_cells: substring
  checks on `dashboard.dashboard` / `results_table` with one payload. Here: the page is parsed with html.parser,
  end to end from hostile rows in the store, and compared with the same page for harmless names.
- tests/domain/test_exchange.py::test_csv_quotes_awkward_names_and_defuses_formulas and
  ::test_csv_money_is_exact_and_negative_balances_are_numbers: `=`, `@`, `+`, `-` in User / Email / Model /
  Price source, and a balance of -0.000001. Here: every text column times every formula start (tab, CR, LF too).
- tests/domain/test_exchange.py OURS_MUTATIONS["unknown column"]: a hostile column name in an import is refused.
- tests/domain/test_accounts.py::test_find_user, ::test_unknown_user ("%", "_", SQL as a user query), and
  tests/domain/test_price_admin.py::test_set_price_for_awkward_model_ids, ::test_unknown_model: the admin
  functions with hostile text.
- tests/domain/test_reports.py::test_an_unknown_sort_is_refused_before_any_sql,
  ::test_records_view_escapes_names_and_shows_money, ::test_chart_labels_cannot_break_the_chart (Markdown).
"""

from __future__ import annotations

import ast
import asyncio
import csv
import io
import re
import shlex
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from plugin import openwebui
from plugin.app import session as session_module
from plugin.domain import codes, exchange, pricing
from plugin.errors import AdminOnly
from plugin.functions import action as action_module
from plugin.functions import admin_action as admin_action_module
from plugin.functions import pipe as pipe_module
from plugin.store import TABLES, Store
from plugin.ui import buttons, cmd_common, commands, dashboard, markdown, parse
from plugin.ui.admin_views import person_label
from plugin.words import i18n

NOW = 1_795_900_000.0  # 2026-11-28
ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob Secret", "email": "bob-secret@example.com", "role": "user"}
CAROL = {"id": "u3", "name": "Carol", "email": "carol@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB, CAROL]
BOB_COST = "0.7778"  # Bob's spend as reports show it: a user must never see it
MODELS = [
    {"id": "gpt-4o", "name": "GPT-4o"},
    {"id": "llama3:8b", "name": "Llama"},
    {"id": "my-gpt", "name": "My GPT", "info": {"base_model_id": "llama3:8b"}},
    {"id": "or/claude", "name": "Claude", "pricing": {"prompt": "0.000003", "completion": "0.000015"}},
]
REFUSED = AdminOnly().message("en")
SQL = "'; DROP TABLE users; --"


# -- fixtures -------------------------------------------------------------------------------------------------


def seed(store: Store) -> None:
    """Users with usage, a blocked user, an admin price, and one balance its ledger does not explain (so that
    `/reconcile repair` has something to change): every admin command has something to act on."""
    with store.immediate():
        for user, balance in ((ALICE, 5_000_000), (BOB, 7_000_000), (CAROL, 1_000_000)):
            store.ensure_user(user["id"], user["name"], user["email"], user["role"])
            store.append_ledger(user["id"], "topup", balance, actor="a1")
        for n, (user, model, cost) in enumerate(
            [(ALICE, "gpt-4o", 111_111), (ALICE, "llama3:8b", 2_222), (BOB, "gpt-4o", 777_777)]
        ):
            balance = store.append_ledger(user["id"], "charge", -cost, actor="filter", reference=f"c{n}")
            store.save_usage(
                {
                    "chat_id": "c",
                    "message_id": f"m{n}",
                    "user_id": user["id"],
                    "model_id": model,
                    "input_tokens": 100 + n,
                    "output_tokens": 50,
                    "price_source": "default",
                    "cost": cost,
                    "balance_after": balance,
                }
            )
        store.set_blocked(CAROL["id"], True)
        store.remember_price(store.next_price_batch(), "set", "llama3:8b", "a1")  # so `/price undo` has work
        store.set_price("llama3:8b", input_price=1_000_000, output_price=2_000_000, name="Llama", actor="a1")
        store.set_budget_allowance("group", "g-staff", "Staff", "day", "reset", 1_000_000, "a1")
        store.conn.execute("UPDATE users SET balance = balance + 1 WHERE id = ?", (CAROL["id"],))
    codes.mint(store, 1_000_000, 1, actor="a1", note="seed")  # so `/codes revoke note:seed` has work


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "db" / "monitor.db", clock=lambda: NOW - 3600)
    seed(store)
    yield store
    store.close()


def snapshot(store: Store) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The schema and every row of every table: the monitor's TABLES through `Store.dump`, and the rest (rollups,
    migrations, sqlite_sequence) read whole, so nothing an entry point could change is left out."""
    schema = store.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    rows = {table: store.dump(table) for table in TABLES}
    for entry in schema:
        if entry["type"] == "table" and entry["name"] not in TABLES:
            # A test reading its own database: the name comes from sqlite_master, quoted as an identifier.
            everything = store.query('SELECT * FROM "{}"'.format(entry["name"].replace('"', '""')))
            rows[entry["name"]] = sorted(everything, key=repr)
    assert set(TABLES) <= set(rows)
    return schema, rows


def backups(store: Store) -> list[Path]:
    return sorted(store.backup_stem().parent.glob("*backup*"))


class World:
    """Open WebUI as the front-ends see it (plugin.openwebui and the store opener), faked, recording calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: Store, models: list[dict] | None = None) -> None:
        self.store = store
        self.models = MODELS if models is None else models
        self.saved: list[tuple] = []
        self.read: list[str] = []
        self.completed: list[str] = []
        self.document = b""  # what an attached file holds
        self.directory = DIRECTORY
        self.groups = [{"id": "g-staff", "name": "Staff"}, {"id": "g-bob", "name": "Bob Secret's team"}]
        self.memberships = {ALICE["id"]: ["g-staff"], BOB["id"]: ["g-bob"]}

        async def open_store_async(path: Any, **_: Any) -> Store:
            return store

        async def list_users() -> list[dict]:
            return [dict(p) for p in self.directory]

        async def billing_settings() -> tuple[pricing.Price, int]:
            return pricing.defaults(60, 60, -1), 1_000_000

        async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
            self.saved.append((user_id, name, data, kind))
            n = len(self.saved)
            return {"id": f"f{n}", "filename": name, "size": len(data), "url": f"/api/v1/files/f{n}/content"}

        async def read_file(file_id: str, user: Any) -> bytes:
            self.read.append(file_id)
            return self.document

        async def complete(request: Any, user_id: str, model_id: str, prompt: str) -> str:
            self.completed.append(model_id)
            if model_id.startswith("fail:"):
                raise RuntimeError(model_id.removeprefix("fail:"))
            return "ok"

        monkeypatch.setattr(session_module, "open_store_async", open_store_async)
        monkeypatch.setattr(openwebui, "list_users", list_users)
        monkeypatch.setattr(openwebui, "model_list", lambda request: [dict(m) for m in self.models])
        monkeypatch.setattr(openwebui, "billing_settings", billing_settings)
        monkeypatch.setattr(openwebui, "save_file", save_file)
        monkeypatch.setattr(openwebui, "read_file", read_file)
        monkeypatch.setattr(openwebui, "complete", complete)

        async def list_groups() -> list[dict]:
            return [dict(g) for g in self.groups]

        async def member_group_ids(user_id: str) -> list[str]:
            return list(self.memberships.get(user_id, []))

        monkeypatch.setattr(openwebui, "list_groups", list_groups)
        monkeypatch.setattr(openwebui, "member_group_ids", member_group_ids)

    def say(self, user: dict, text: str, files: list | None = None) -> str:
        """What the "Usage Monitor" model (functions/pipe.py) answers `user` typing `text`."""

        async def go() -> str:
            out = await pipe_module.Pipe().pipe(
                {"messages": [{"role": "user", "content": text}]}, __user__=dict(user), __files__=files
            )
            return out if isinstance(out, str) else "".join([piece async for piece in out])

        return asyncio.run(go())

    def press(self, user: dict, button: str, *answers: Any, message_id: str = "m0") -> tuple[dict, list[dict], Any]:
        """Press an Action button as `user`, in the Function that shows it (functions/action.py for everyone's,
        functions/admin_action.py for the admin's): (its result, the events, the dialog)."""
        dialog = Dialog(*answers)
        events: list[dict] = []

        async def emit(event: dict) -> None:
            events.append(event)

        admin = button in {a["id"] for a in admin_action_module.Action.actions}
        function = admin_action_module.Action() if admin else action_module.Action()
        result = asyncio.run(
            function.action(
                {"chat_id": "c", "id": message_id},
                __user__=dict(user),
                __event_emitter__=emit,
                __event_call__=dialog,
                __id__=button,
            )
        )
        return result, events, dialog


class Dialog:
    """A fake `__event_call__`: answers each dialog in turn and remembers what was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[dict] = []

    async def __call__(self, event: dict) -> Any:
        self.asked.append(event)
        return self.answers.pop(0) if self.answers else False


def embeds(events: list[dict]) -> list[str]:
    return [page for e in events if e["type"] == "embeds" for page in e["data"]["embeds"]]


# -- every admin entry point refuses a non-admin and changes nothing ------------------------------------------


def command_forms() -> dict[tuple[str, str], str]:
    """(command, sub-command) -> the text that names it, for every command the dispatcher has a handler for and
    every sub-command the parser knows: derived from `commands.HANDLERS`, `parse.SYNONYMS` and
    `parse.SUBCOMMANDS`, so a command added later is tried here without anyone editing this file."""
    forms: dict[tuple[str, str], str] = {}
    for name in commands.HANDLERS:
        for sub in (*parse.SUBCOMMANDS.get(name, {}), ""):
            text = "/" + parse.SYNONYMS[name][0]
            if sub:
                text += " " + parse.SUBCOMMANDS[name][sub][0]
            parsed = parse.parse(text)
            forms.setdefault((parsed.name, parsed.sub), text)
    return forms


FORMS = command_forms()
ADMIN_FORMS = sorted(key for key, text in FORMS.items() if commands.admin_only(parse.parse(text)))
PUBLIC_FORMS = sorted(key for key, text in FORMS.items() if not commands.admin_only(parse.parse(text)))

# What follows each admin command so that, typed by an admin, it really does something (checked below by
# test_the_same_text_from_an_admin_does_act): a refusal of a command that would have done nothing proves little.
ADMIN_ARGS: dict[tuple[str, str], str] = {
    ("balance", "add"): "alice@example.com 2",
    ("balance", "set"): "alice@example.com 3",
    ("block", ""): "Bob",
    ("unblock", ""): "Carol",
    ("price", "set"): "gpt-4o 1 2",
    ("price", "clear"): "llama3:8b",
    ("price", "copy"): "llama3:8b gpt-4o",
    ("price", "inherit"): "",
    ("price", "sync"): "apply",
    ("price", "catalogue"): "apply",  # gpt-4o is in the bundled catalogue
    ("price", "accept"): "llama3:8b gpt-4o",
    ("price", "undo"): "",  # seed() leaves one change to undo
    ("price", "history"): "",
    ("import", ""): "",  # the document comes as an attached file (World.document)
    ("reconcile", "repair"): "",
    ("reconcile", ""): "",
    ("export", "csv"): "all",
    ("export", "json"): "",
    ("users", ""): "",
    ("top", ""): "all",
    ("prices", ""): "",
    ("budget", ""): "",
    ("budget", "group"): "Staff weekly add 2",
    ("budget", "user"): "alice@example.com daily reset 3",
    ("budget", "clear"): "group Staff",
    ("codes", ""): "",
    ("codes", "mint"): "5 count:2 note:sec",
    ("codes", "revoke"): "note:seed",
    ("console", "users"): "sort:balance",
    ("console", "models"): "",
    ("test", ""): "gpt-4o",
    ("test", "all"): "",
}
WRITES = {key for key in ADMIN_ARGS if key[0] in ("balance", "block", "unblock", "price", "import")} - {
    ("price", "history")
} | {
    ("reconcile", "repair"),
    ("budget", "group"),
    ("budget", "user"),
    ("budget", "clear"),
    ("codes", "mint"),
    ("codes", "revoke"),
}
EXPORTS = {("export", "csv"), ("export", "json"), ("codes", "mint")}
# Admin forms a user's words may also mean something of their own: answered with that, never with the admin's data.
ANSWERED_INSTEAD = {("codes", ""): "Redeem a code with `/redeem OWM-XXXX-XXXX-XXXX`."}  # "兑换码怎么用", "vouchers?"
# Public commands try to reach someone else's data; they must still write nothing and show nothing of Bob's.
PUBLIC_ARGS: dict[tuple[str, str], str] = {
    ("usage", ""): "all user:bob-secret@example.com",
    ("models", ""): "all user:Bob",
    ("days", ""): "all user:Bob",
    ("records", ""): "user:bob-secret@example.com model:gpt-4o",
    ("balance", ""): "Bob",
    ("help", ""): "",
    ("statement", ""): "bob-secret@example.com 2026-11",
    ("redeem", ""): "OWM-2222-3333-4444 user:bob-secret@example.com",
    ("console", ""): "user:bob-secret@example.com",
    ("console", "usage"): "all user:bob-secret@example.com model:gpt-4o",
}
# Public commands that write, and the one table they may write to: only rows of the asker's own.
OWN_WRITES = {("redeem", ""): "code_failures"}  # a wrong code is counted against its typist (the guessing limit)
# Public commands that hand the asker a file: their own (the statement's CSV), never with anyone else's data.
OWN_FILES = {("statement", "")}
# Public commands that tell a user naming someone else it is for admins, then answer with the user's own.
SAYS_ADMIN_ONLY = {("statement", "")}
NON_ADMINS = [
    pytest.param(ALICE, id="user"),
    pytest.param({**ALICE, "role": "pending"}, id="pending"),
    pytest.param({k: v for k, v in ALICE.items() if k != "role"}, id="no-role"),
]


def typed(key: tuple[str, str], args: dict[tuple[str, str], str]) -> str:
    text = (FORMS[key] + " " + args.get(key, "")).strip()
    parsed = parse.parse(text)
    assert (parsed.name, parsed.sub) == key, text  # the arguments did not turn it into another command
    return text


def export_document() -> bytes:
    """A valid export of another database (one new user), the file an attacker would attach to /import."""
    other = Store(":memory:", clock=lambda: NOW)
    try:
        with other.immediate():
            other.ensure_user("u-new", "Mallory", "mallory@example.com", "admin")
            other.append_ledger("u-new", "topup", 999_000_000, actor="u-new")
        return exchange.export_json(other).encode("utf-8")
    finally:
        other.close()


def test_every_command_is_classified_and_the_public_ones_are_pinned() -> None:
    handlers = set(commands.HANDLERS)
    assert handlers == commands.PUBLIC | commands.ADMIN and not commands.PUBLIC & commands.ADMIN
    assert set(parse.SYNONYMS) == handlers
    # Widening what everyone may run is a security decision: change this line only on purpose.
    # `redeem` (issue 20) credits only the asker, only with a code an admin minted, once per code. `console`
    # (issue 22) reads only: a user's is their own usage (`cmd_console._usage`), its buttons send other commands.
    assert commands.PUBLIC == {
        "usage",
        "models",
        "days",
        "records",
        "balance",
        "help",
        "redeem",
        "statement",
        "console",
    }
    # A sub-command of a public command (`/balance set`) is always an admin's; the one exception is the console's
    # usage view, which is everyone's own (its other views, users and prices, are an admin's).
    for (name, sub), text in FORMS.items():
        if sub and (name, sub) != ("console", "usage"):
            assert commands.admin_only(parse.parse(text + " x 1")), text
    assert not commands.admin_only(parse.parse("/console usage 7d")) and not commands.admin_only(
        parse.parse("/console")
    )
    # Every admin form has arguments that make it act (so the refusal test below is not vacuous).
    assert sorted(ADMIN_ARGS) == ADMIN_FORMS, "add the new admin command to ADMIN_ARGS (and WRITES if it writes)"
    assert sorted(PUBLIC_ARGS) == PUBLIC_FORMS


@pytest.mark.parametrize("user", NON_ADMINS)
@pytest.mark.parametrize("key", ADMIN_FORMS, ids=lambda key: " ".join(filter(None, key)))
def test_a_non_admin_is_refused_every_admin_command_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch, store: Store, key: tuple[str, str], user: dict
) -> None:
    world = World(monkeypatch, store)
    world.document = export_document()
    before = snapshot(store)
    text = world.say(user, typed(key, ADMIN_ARGS), files=[{"id": "file-1"}])
    assert text.startswith(REFUSED) or text == ANSWERED_INSTEAD.get(key), text
    assert BOB["name"] not in text and BOB["email"] not in text and BOB_COST not in text
    assert snapshot(store) == before
    assert (world.saved, world.read, world.completed) == ([], [], [])  # no export, no attachment read
    assert backups(store) == []  # an import would have written one first


@pytest.mark.parametrize("key", ADMIN_FORMS, ids=lambda key: " ".join(filter(None, key)))
def test_the_same_text_from_an_admin_does_act(monkeypatch: pytest.MonkeyPatch, store: Store, key) -> None:
    world = World(monkeypatch, store)
    world.document = export_document()
    before = snapshot(store)
    text = world.say(ADMIN, typed(key, ADMIN_ARGS), files=[{"id": "file-1"}])
    assert not text.startswith(REFUSED), text
    assert i18n.t("en", "error_generic") not in text, text
    if key in WRITES:
        assert snapshot(store) != before, text
    else:
        assert snapshot(store) == before, text  # reading, listing and exporting change nothing
    if key in EXPORTS:
        assert world.saved and world.saved[0][0] == ADMIN["id"]


@pytest.mark.parametrize("user", NON_ADMINS)
@pytest.mark.parametrize("key", PUBLIC_FORMS, ids=lambda key: " ".join(filter(None, key)))
def test_public_commands_write_nothing_and_show_only_the_askers_data(
    monkeypatch: pytest.MonkeyPatch, store: Store, key: tuple[str, str], user: dict
) -> None:
    """A command left out of ADMIN by mistake is public: it must then at least be read-only and personal."""
    world = World(monkeypatch, store)
    world.document = export_document()
    before = snapshot(store)
    text = world.say(user, typed(key, PUBLIC_ARGS), files=[{"id": "file-1"}])
    assert text.startswith(REFUSED) == (key in SAYS_ADMIN_ONLY)
    assert BOB["name"] not in text and BOB["email"] not in text and BOB_COST not in text
    after = snapshot(store)
    if key in OWN_WRITES:
        table = OWN_WRITES[key]
        added = [row for row in after[1].pop(table) if row not in before[1].pop(table)]
        assert added and {row["user_id"] for row in added} == {ALICE["id"]}
    assert after == before
    assert world.read == []
    assert len(world.saved) == (1 if key in OWN_FILES else 0)
    for owner, _name, data, _kind in world.saved:
        assert owner == ALICE["id"]
        assert BOB["name"] not in data.decode() and BOB["email"] not in data.decode() and BOB_COST not in data.decode()


# What an admin answers in each button's dialogs to make it act; a user's press must never get to ask.
BUTTON_ANSWERS: dict[str, tuple] = {
    "topup": ("alice@example.com", "5", True),
    "prices": ("gpt-4o", "1 2", True),
    "export": (),
    "test_models": (),
    "usage": (),
    "dashboard": ("all",),
}


def test_every_button_is_classified_and_the_public_ones_are_pinned() -> None:
    # A new button is an admin's unless reviewed and added here.
    assert set(buttons._BUTTONS) - buttons.ADMIN_BUTTONS == {"usage", "dashboard"}
    assert buttons.ADMIN_BUTTONS <= set(buttons._BUTTONS)
    assert set(BUTTON_ANSWERS) == set(buttons._BUTTONS)
    # Everyone's Function shows the public buttons only; the admin-only one (never global) shows the rest.
    assert {a["id"] for a in action_module.Action.actions} == set(buttons._BUTTONS) - buttons.ADMIN_BUTTONS
    assert {a["id"] for a in admin_action_module.Action.actions} == buttons.ADMIN_BUTTONS


@pytest.mark.parametrize("user", NON_ADMINS)
@pytest.mark.parametrize("button", sorted(buttons.ADMIN_BUTTONS))
def test_a_non_admin_pressing_an_admin_button_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, store: Store, button: str, user: dict
) -> None:
    world = World(monkeypatch, store)
    before = snapshot(store)
    result, events, dialog = world.press(user, button, *BUTTON_ANSWERS[button])
    assert result["text"] == "Sorry, this button is for administrators; nothing was changed."
    assert dialog.asked == [] and result["files"] == []
    (card,) = embeds(events)  # the refusal, and nothing of anyone's data
    assert "for administrators" in card and "Bob" not in card and "@example.com" not in card
    assert (world.saved, world.completed) == ([], [])
    assert snapshot(store) == before


@pytest.mark.parametrize("button", sorted(buttons.ADMIN_BUTTONS))
def test_the_same_press_from_an_admin_does_act(monkeypatch: pytest.MonkeyPatch, store: Store, button: str) -> None:
    world = World(monkeypatch, store)
    before = snapshot(store)
    result, _events, _dialog = world.press(ADMIN, button, *BUTTON_ANSWERS[button])
    assert not result["text"].startswith("Sorry")
    assert bool(world.saved) == (button == "export") and bool(world.completed) == (button == "test_models")
    assert (snapshot(store) != before) == (button in ("topup", "prices"))


@pytest.mark.parametrize("user", NON_ADMINS)
@pytest.mark.parametrize("button", sorted(set(buttons._BUTTONS) - buttons.ADMIN_BUTTONS))
def test_public_buttons_write_nothing_and_show_only_the_askers_data(
    monkeypatch: pytest.MonkeyPatch, store: Store, button: str, user: dict
) -> None:
    world = World(monkeypatch, store)
    before = snapshot(store)
    for message_id in ("m0", "m2"):  # Alice's own message, then Bob's
        result, events, _dialog = world.press(user, button, *BUTTON_ANSWERS[button], message_id=message_id)
        for shown in (result["text"], *embeds(events)):
            assert BOB["name"] not in shown and BOB["email"] not in shown and BOB_COST not in shown
    assert snapshot(store) == before and world.saved == []


# -- the HTML dashboard: every typed string is text, never markup -------------------------------------------

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "</title></text></svg><iframe src=javascript:alert(1)>",
    "<!--<script>alert(1)//-->",
    "&lt;b&gt;&amp; stays as typed",
]


class ParsedPage(HTMLParser):
    """What a browser would build from the page, as far as html.parser can tell: elements with their attribute
    names, attribute values, text, comments and scripts."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.values: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.other: list[str] = []  # comments, declarations past the doctype, processing instructions
        self._open: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.values += [value or "" for _, value in attrs]
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.values += [value or "" for _, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        (self.scripts if self._open and self._open[-1] == "script" else self.text).append(data)

    def handle_comment(self, data: str) -> None:
        self.other.append("<!--" + data)

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html":
            self.other.append(decl)

    def handle_pi(self, data: str) -> None:
        self.other.append(data)

    def unknown_decl(self, data: str) -> None:
        self.other.append(data)


def assert_inert(page: str, benign: str, labels: list[str]) -> None:
    """`page` (built from `labels`) has exactly the markup of `benign` (the same data under harmless names),
    no handler attribute, no script but the fixed one, and shows every label as text."""
    got, want = ParsedPage(page), ParsedPage(benign)
    assert got.elements == want.elements  # not one element or attribute more, less or different
    assert not any(name.startswith("on") for _, names in got.elements for name in names)
    assert {tag for tag, _ in got.elements}.isdisjoint({"img", "iframe", "object", "embed", "a", "form"})
    assert got.other == [] and got.scripts == want.scripts
    assert "".join(got.scripts) == dashboard.RESIZE.removeprefix("<script>").removesuffix("</script>")
    assert not any("alert" in value or "javascript" in value for value in got.values)
    text = "\x00".join(got.text)
    for label in labels:
        assert label in text, label  # rendered as the very text that was typed


def seed_labels(store: Store, labels: list[str]) -> list[dict]:
    """One user and one model per label: the label is the user's name, e-mail or id in turn (the dashboard
    shows the first that is set) and the model's id. Returns the users."""
    people = []
    with store.immediate():
        for n, label in enumerate(labels):
            kind = n % 3
            person = {
                "id": label if kind == 2 else f"h{n}",
                "name": label if kind == 0 else "",
                "email": label if kind == 1 else "",
                "role": "user",
            }
            people.append(person)
            store.ensure_user(person["id"], person["name"], person["email"], "user")
            store.append_ledger(person["id"], "topup", 9_000_000, actor="a1")
            cost = 100_000 + 1_000 * n  # close shares: every model gets its own slice and legend line
            balance = store.append_ledger(person["id"], "charge", -cost, actor="filter", reference=f"h{n}")
            store.save_usage(
                {
                    "chat_id": "c",
                    "message_id": f"h{n}",
                    "user_id": person["id"],
                    "model_id": label,
                    "input_tokens": 10,
                    "output_tokens": 10,
                    "price_source": "default",
                    "cost": cost,
                    "balance_after": balance,
                }
            )
    return people


def dashboards(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, labels: list[str]) -> list[str]:
    """The admin's dashboard, each labelled user's own dashboard, and the model test's table, as embedded."""
    store = Store(tmp_path / "monitor.db", clock=lambda: NOW - 3600)
    try:
        people = seed_labels(store, labels)
        world = World(monkeypatch, store, models=[{"id": x} for x in labels] + [{"id": "fail:" + x} for x in labels])
        pages = [embeds(world.press(ADMIN, "dashboard", "all")[1])]
        pages += [embeds(world.press({**p, "role": "user"}, "dashboard", "all")[1]) for p in people]
        tested = embeds(world.press(ADMIN, "test_models")[1])  # progress pages (fixed words), then the results
        assert all(len(found) == 1 for found in pages) and len(tested) == len(labels) * 2 + 2
        return [found[0] for found in pages] + [tested[-1]]
    finally:
        store.close()


def test_typed_strings_are_text_on_every_dashboard_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hostile = dashboards(monkeypatch, tmp_path / "hostile", PAYLOADS)
    benign = dashboards(monkeypatch, tmp_path / "benign", [f"name-{n}" for n in range(len(PAYLOADS))])
    admin_page, *own_pages, test_page = hostile
    assert_inert(admin_page, benign[0], PAYLOADS)  # ranking (names, e-mails, ids), donut and cards (models)
    for n, (page, plain) in enumerate(zip(own_pages, benign[1:-1], strict=True)):
        assert_inert(page, plain, [PAYLOADS[n]])  # the model of their own usage
    # The model test: hostile model ids, and a hostile upstream error text for the "fail:" ones.
    assert_inert(test_page, benign[-1], PAYLOADS + ["fail:" + p for p in PAYLOADS])


def test_a_typed_range_never_reaches_the_page(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    world = World(monkeypatch, store)
    (benign,) = embeds(world.press(ADMIN, "dashboard", "sometime")[1])
    for payload in PAYLOADS:
        result, events, _dialog = world.press(ADMIN, "dashboard", payload)
        assert "can't read the time range" in result["text"]
        (card,) = embeds(events)  # the explanation, as text: the same markup as for a harmless word
        assert_inert(card, benign, [])


# -- CSV: no cell a spreadsheet would run -----------------------------------------------------------------------

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r", "\n", "\t=", "\r=", "\r\n="]
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_csv_defuses_every_text_column(store: Store, start: str) -> None:
    """Every TEXT column of usage (as the schema declares it) and the user's name and e-mail start with a formula
    character; each exported cell must either be a number or not start with one."""
    text_columns = [c["name"] for c in store.columns("usage") if c["type"].upper() == "TEXT"]
    assert {"user_id", "model_id", "chat_id", "message_id", "price_source"} <= set(text_columns)
    record: dict[str, Any] = {name: f'{start}HYPERLINK("http://evil.example/{name}")' for name in text_columns}
    payload = {**record, "name": start + "cmd|' /C calc'!A0", "email": start + "SUM(1+1)@example.com"}
    with store.immediate():
        store.ensure_user(record["user_id"], payload["name"], payload["email"], "user")
        store.save_usage(
            {**record, "input_tokens": 3, "output_tokens": 4, "cost": 1_500_000, "balance_after": -1_500_000}
        )
    rows = list(csv.reader(io.StringIO(exchange.export_csv(store).removeprefix("\ufeff"), newline="")))
    header, body = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    (ours,) = [row for row in body if row["User ID"] != "u1" and row["User ID"] != "u2"]
    for column, cell in ours.items():
        if NUMBER.fullmatch(cell):
            continue
        assert not cell.startswith(tuple(exchange._FORMULA_STARTS)), (column, cell)
    # Each typed value is kept whole behind one apostrophe: defused, not dropped or cut.
    assert sorted(cell for cell in ours.values() if cell.startswith("'")) == sorted("'" + v for v in payload.values())
    # Numbers stay numbers: a negative balance is a negative number, not a defused text.
    assert (ours["Cost"], ours["Balance after"], ours["Input tokens"]) == ("1.500000", "-1.500000", "3")
    assert header == list(exchange.CSV_COLUMNS)


# -- SQL: never built from input ----------------------------------------------------------------------------------

PLUGIN = Path(__file__).resolve().parent.parent / "plugin"
# Methods whose argument (at this position, or keyword `sql` / `where`) is SQL text: sqlite3's, our Store's
# wrappers, and sqlite-utils' methods that take raw SQL or a raw WHERE clause.
SQL_METHODS = {
    "execute": 0,
    "executemany": 0,
    "executescript": 0,
    "query": 0,
    "one": 0,
    "execute_unread": 0,
    "defer": 0,
    "_cursor": 0,
    "execute_returning_dicts": 0,
    "rows_where": 0,
    "count_where": 0,
    "delete_where": 0,
    "create_view": 1,
}
# Builtins that only rearrange what they are given (constant in, constant out).
REARRANGE = {"reversed", "sorted", "tuple", "list", "set", "frozenset", "enumerate", "zip"}
# Our own functions that, given constant text, return constant text.
PURE_OURS = {"statements"}  # migrations.statements: splits a constant SQL script into statements
# str and dict methods that build text only from their object and arguments (`get`: its key may be anything,
# only an entry of the constant mapping can come out).
TEXT_METHODS = {"format", "replace", "join", "strip", "lower", "upper", "split", "items", "values", "keys", "get"}
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault"}

# The only non-constant parts of SQL text in plugin/, each with why it cannot carry input:
# (file, function, the expression the checker could not prove constant) -> reason.
SQL_ALLOWED: dict[tuple[str, str, str], str] = {
    ("store/__init__.py", "Store.query", "sql"): "the wrapper itself: every caller's SQL is checked by this test",
    ("store/__init__.py", "Store.one", "sql"): "the wrapper itself: every caller's SQL is checked by this test",
    ("store/sqlite.py", "_Reads._cursor", "sql"): "the wrapper itself: every caller's SQL is checked by this test",
    ("store/engine.py", "CursorReads.query", "sql"): "the wrapper itself: every caller's SQL is checked by this test",
    ("store/engine.py", "CursorReads.one", "sql"): "the wrapper itself: every caller's SQL is checked by this test",
    (
        "store/sqlite.py",
        "SqliteEngine.execute",
        "sql",
    ): "the wrapper itself: every caller's SQL is checked by this test",
    ("store/sqlite.py", "SqliteEngine._connect", "busy_timeout_ms"): "an int our code passes: BUSY_TIMEOUT_MS or 0",
    ("store/sqlite_alter.py", "widen_ledger_kinds", "int(version)"): "SQLite's own PRAGMA schema_version, an int",
    ("store/sqlite.py", "_Reads.columns", "table"): "refused just above unless it is one of DESCRIBED",
    ("store/postgres.py", "PgEngine.execute", "sql"): (
        "the wrapper itself: every caller's SQL is checked by this test"
    ),
    ("store/sqlite.py", "SqliteEngine.execute_unread", "sql"): "the wrapper itself: every caller's SQL is checked",
    ("store/postgres.py", "PgEngine.execute_unread", "sql"): "the wrapper itself: every caller's SQL is checked",
    ("store/engine.py", "CursorReads.ones", "statements"): (
        "the wrapper itself, running each (sql, params) through `one`; its one caller, RequestRecords.get_member_round,"
        " passes three constant statements"
    ),
    ("store/postgres.py", "_Connection._send", "batch"): "the wrapper itself: translated statements of callers above",
    ("store/postgres.py", "_Connection._send", "self.prepared.swap(sql, params)"): (
        "each of those statements, or `EXECUTE name(%s, ...)` for it: a hash of its text and its placeholders, bound"
        " by psycopg below as before"
    ),
    ("store/postgres_sql.py", "Prepared.prepare", "plan(sql)"): (
        "`PREPARE name AS` one of those statements (a billing step's, checked above), its placeholders numbered $1..$n"
        " and no value in it"
    ),
    ("store/postgres.py", "_Connection._send", "cursor.mogrify(sql, params)"): (
        "those statements with their parameters bound by psycopg's client-side binding (quoted as for one statement)"
    ),
    ("store/export.py", "Snapshots.dump", "table"): (
        "self.primary_key(table) ran first, through the engine's `columns`, which raised unless it is one of DESCRIBED"
    ),
    ("store/export.py", "Snapshots.dump", "self.engine.key_order(c)"): (
        "key column names of one of our tables (PRAGMA table_info, or PostgreSQL's catalogue), each as the engine "
        "orders it: the name itself, or the name and a fixed COLLATE"
    ),
    ("store/export.py", "Restores.replace_all", "tables"): (
        "only each row's keys reach the text, as column names, after `set(row) - known` refused any key that is "
        "not a column of the table (RestoreError); the values are parameters"
    ),
    ("store/usage.py", "UsageRecords.save_usage", "record"): (
        "the record's keys become column names and named placeholders: records are dicts billing.py builds with "
        "fixed keys (never a document or a message); the values are parameters"
    ),
    ("store/usage.py", "UsageRecords.save_usage", "self.clock()"): (
        "a value of the row dict: only its keys reach the text"
    ),
}


def _module_key(path: Path) -> str:
    return ".".join(path.relative_to(PLUGIN).with_suffix("").parts)


class SqlChecker:
    """Finds every SQL call in some modules and the parts of its SQL text not provably constant.

    Constant: literals, and text built from constants by f-strings, `+`, `%`, str methods, indexing a constant
    container, `" ".join` of constants (whatever the iteration runs over, as in `", ".join("?" for _ in rows)`),
    constant module-level names (here or imported from a sibling module) and local names whose every binding
    (assignment, loop target, `+=`, `.append(...)`, `x[k] = ...`) is constant. Anything else is reported as it
    is written (a parameter, an attribute, a call)."""

    def __init__(self, sources: dict[str, tuple[str, str]]) -> None:  # module key -> (file name, source)
        self.files = {key: name for key, (name, _) in sources.items()}
        self.trees = {key: ast.parse(source) for key, (_, source) in sources.items()}
        self.scopes: dict[int, dict[str, list[tuple[str, ast.AST | None, list[ast.AST]]]]] = {}
        self.modules: dict[int, str] = {}  # id(module tree) -> key
        self.imports: dict[str, dict[str, tuple[str, str | None]]] = {}
        for key, tree in self.trees.items():
            self.modules[id(tree)] = key
            self.imports[key] = self._imports(key, tree)
            self._bind(tree, [tree])
        self._busy: set[tuple[int, str]] = set()

    def _imports(self, key: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
        found: dict[str, tuple[str, str | None]] = {}
        package = key.split(".")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
                for alias in node.names:
                    module = ".".join([*base, alias.name])
                    if module in self.trees:
                        found[alias.asname or alias.name] = (module, None)
                    elif ".".join(base) in self.trees:
                        found[alias.asname or alias.name] = (".".join(base), alias.name)
        return found

    # -- bindings per scope: (kind, node, scope chain) with kind value / element / opaque

    def _bind(self, scope: ast.AST, chain: list[ast.AST]) -> None:
        names: dict[str, list[tuple[str, ast.AST | None, list[ast.AST]]]] = {}
        self.scopes[id(scope)] = names
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for arg in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]:
                names.setdefault(arg.arg, []).append(("opaque", None, chain))
            for arg in (scope.args.vararg, scope.args.kwarg):
                if arg:
                    names.setdefault(arg.arg, []).append(("opaque", None, chain))
        later: list[tuple[str, ast.AST]] = []

        def target(node: ast.AST, kind: str, value: ast.AST) -> None:
            if isinstance(node, ast.Name):
                names.setdefault(node.id, []).append((kind, value, chain))
            elif isinstance(node, ast.Tuple | ast.List):
                for element in node.elts:
                    target(element.value if isinstance(element, ast.Starred) else element, "element", value)
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                later.append((node.value.id, value))  # x[k] = value: x now holds value too

        def visit(node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                    if not isinstance(child, ast.Lambda):
                        names.setdefault(child.name, []).append(("opaque", None, chain))
                    if isinstance(child, ast.ClassDef):
                        visit(child)  # methods see the module, not the class body, for names
                    else:
                        self._bind(child, [child, *chain])
                    continue
                if isinstance(child, ast.Assign):
                    for t in child.targets:
                        target(t, "value", child.value)
                elif isinstance(child, ast.AnnAssign | ast.AugAssign) and child.value is not None:
                    target(child.target, "value", child.value)
                elif isinstance(child, ast.NamedExpr):
                    target(child.target, "value", child.value)
                elif isinstance(child, ast.For | ast.AsyncFor | ast.comprehension):
                    target(child.target, "element", child.iter)
                elif isinstance(child, ast.withitem) and child.optional_vars is not None:
                    target(child.optional_vars, "opaque", child.context_expr)
                elif isinstance(child, ast.ExceptHandler) and child.name:
                    names.setdefault(child.name, []).append(("opaque", None, chain))
                elif isinstance(child, ast.Import | ast.ImportFrom) and scope is not chain[-1]:
                    for alias in child.names:
                        names.setdefault((alias.asname or alias.name).split(".")[0], []).append(("opaque", None, chain))
                elif (
                    isinstance(child, ast.Call)
                    and isinstance(child.func, ast.Attribute)
                    and child.func.attr in MUTATORS
                    and isinstance(child.func.value, ast.Name)
                ):
                    later.extend(
                        (child.func.value.id, arg) for arg in [*child.args, *(k.value for k in child.keywords)]
                    )
                visit(child)

        visit(scope)
        for name, value in later:  # to the nearest scope that binds the name
            for outer in chain:
                if name in self.scopes.get(id(outer), {}) or outer is chain[-1]:
                    self.scopes.setdefault(id(outer), {}).setdefault(name, []).append(("value", value, chain))
                    break

    # -- what is not constant

    def loose(self, node: ast.AST | None, chain: list[ast.AST]) -> list[str]:
        """The parts of `node` not provably constant, as written; [] when it is constant."""
        if node is None or isinstance(node, ast.Constant):
            return []
        if isinstance(node, ast.JoinedStr):
            return [part for value in node.values for part in self.loose(value, chain)]
        if isinstance(node, ast.FormattedValue):
            return self.loose(node.value, chain) + self.loose(node.format_spec, chain)
        if isinstance(node, ast.BinOp):
            return self.loose(node.left, chain) + self.loose(node.right, chain)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [part for element in node.elts for part in self.loose(element, chain)]
        if isinstance(node, ast.Starred):
            return self.loose(node.value, chain)
        if isinstance(node, ast.Dict):
            return [part for item in [*node.keys, *node.values] for part in self.loose(item, chain)]
        if isinstance(node, ast.IfExp):
            return self.loose(node.body, chain) + self.loose(node.orelse, chain)
        if isinstance(node, ast.BoolOp):
            return [part for value in node.values for part in self.loose(value, chain)]
        if isinstance(node, ast.Subscript):
            return self.loose(node.value, chain)  # an entry of a constant container, whatever the index
        if isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp):
            return self.loose(node.elt, chain)  # its loop names are bindings of the scope, checked if used
        if isinstance(node, ast.DictComp):
            return self.loose(node.key, chain) + self.loose(node.value, chain)
        if isinstance(node, ast.Name):
            return self.name(node.id, chain)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self._module_of(node.value.id, chain)
            if module is not None:
                return self.name(node.attr, [self.trees[module]])
        if isinstance(node, ast.Call):
            func = node.func
            args = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(func, ast.Name) and func.id in REARRANGE:
                return [part for arg in node.args for part in self.loose(arg, chain)]
            if isinstance(func, ast.Name) and func.id in PURE_OURS:
                return [part for arg in args for part in self.loose(arg, chain)]
            if isinstance(func, ast.Attribute) and func.attr in TEXT_METHODS:
                if func.attr == "join" and isinstance(func.value, ast.Constant) and node.args:
                    element = node.args[0]
                    if isinstance(element, ast.GeneratorExp | ast.ListComp | ast.SetComp):
                        return self.loose(element.elt, chain)
                if func.attr == "get":
                    args = args[1:]
                return self.loose(func.value, chain) + [part for arg in args for part in self.loose(arg, chain)]
        return [ast.unparse(node)]

    def _module_of(self, name: str, chain: list[ast.AST]) -> str | None:
        if any(name in self.scopes.get(id(scope), {}) for scope in chain):
            return None
        found = self.imports[self.modules[id(chain[-1])]].get(name)
        return found[0] if found and found[1] is None else None

    def name(self, name: str, chain: list[ast.AST]) -> list[str]:
        for scope in chain:
            bindings = self.scopes.get(id(scope), {}).get(name)
            if bindings is None:
                continue
            key = (id(scope), name)
            if key in self._busy:  # x = x + "...": the other bindings decide
                return []
            self._busy.add(key)
            try:
                parts: list[str] = []
                for kind, value, where in bindings:
                    parts += [name] if kind == "opaque" else self.loose(value, where)
                return parts
            finally:
                self._busy.discard(key)
        imported = self.imports[self.modules[id(chain[-1])]].get(name)
        if imported and imported[1] is not None:
            return self.name(imported[1], [self.trees[imported[0]]])
        return [name]

    # -- the calls

    def findings(self) -> list[tuple[str, str, str]]:
        """(file, function, loose part) for every SQL call."""
        found: list[tuple[str, str, str]] = []
        for key, tree in self.trees.items():
            self._walk(tree, [tree], "", key, found)
        return found

    def calls(self) -> int:
        return sum(
            1
            for tree in self.trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS
        )

    def _walk(self, node: ast.AST, chain: list[ast.AST], qualname: str, key: str, found: list) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                self._walk(child, chain, f"{qualname}{child.name}.", key, found)
                continue
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                self._walk(child, [child, *chain], f"{qualname}{child.name}.", key, found)
                continue
            if isinstance(child, ast.Lambda):
                self._walk(child, [child, *chain], qualname, key, found)
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr in SQL_METHODS:
                position = SQL_METHODS[child.func.attr]
                sql = child.args[position] if len(child.args) > position else None
                sql = sql or next((k.value for k in child.keywords if k.arg in ("sql", "where")), None)
                for part in self.loose(sql, chain):
                    found.append((self.files[key], qualname.rstrip(".") or "<module>", part))
            self._walk(child, chain, qualname, key, found)


def plugin_checker() -> SqlChecker:
    sources = {
        _module_key(path): (str(path.relative_to(PLUGIN)), path.read_text(encoding="utf-8"))
        for path in sorted(PLUGIN.rglob("*.py"))
    }
    return SqlChecker(sources)


def test_no_sql_text_is_built_from_anything_but_constants() -> None:
    checker = plugin_checker()
    assert checker.calls() > 40  # the walk does see the queries
    findings = checker.findings()
    unexplained = sorted(set(findings) - set(SQL_ALLOWED))
    assert unexplained == [], "SQL text built from something not provably constant (see SQL_ALLOWED)"
    stale = sorted(set(SQL_ALLOWED) - set(findings))
    assert stale == [], "allow-list entries no longer needed: remove them"

    # sqlite-utils' table API builds SQL from a table name and a dict's keys: only constant table names.
    def is_db(node: ast.AST) -> bool:  # Store.db, or a sqlite_utils.Database named db
        named = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        return named == "db"

    for tree in checker.trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and is_db(node.value):
                assert isinstance(node.slice, ast.Constant), ast.unparse(node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_db(node.func.value):
                if node.func.attr in ("table", "create_table", "create_view"):
                    assert node.args and isinstance(node.args[0], ast.Constant), ast.unparse(node)


def check_snippet(source: str) -> list[str]:
    checker = SqlChecker({"snippet": ("snippet.py", textwrap.dedent(source))})
    return [part for _file, _function, part in checker.findings()]


@pytest.mark.parametrize(
    ("source", "loose"),
    [
        ("def f(store, name):\n    store.query(f\"SELECT * FROM users WHERE name = '{name}'\")", ["name"]),
        ("def f(store, name):\n    store.one(\"SELECT * FROM users WHERE name = '%s'\" % name)", ["name"]),
        ("def f(db, name):\n    db.execute('DELETE FROM users WHERE id = ' + name)", ["name"]),
        ("def f(db, name):\n    db.execute('SELECT {}'.format(name))", ["name"]),
        ("def f(db, t):\n    sql = 'SELECT '\n    sql += t\n    db.executescript(sql)", ["t"]),
        ("def f(db, t):\n    parts = ['SELECT 1']\n    parts.append(t)\n    db.execute(' '.join(parts))", ["t"]),
        ("def f(db, d):\n    for k in d:\n        db.execute(f'UPDATE x SET {k} = 1')", ["d"]),
        ("def f(t, w):\n    t.rows_where(where=w)", ["w"]),
        ("def f(db, m):\n    db.query(m.sql)", ["m.sql"]),
        ("def f(db, ids):\n    db.query(f\"SELECT * FROM u WHERE id IN ({', '.join(ids)})\")", ["ids"]),
        # Constant text, however it is put together, passes.
        ("A = 'SELECT 1'\nB = A + ' UNION SELECT 2'\ndef f(db):\n    db.execute(B)", []),
        ("O = {'a': 'x ASC', 'b': 'x DESC'}\ndef f(db, k):\n    db.query(f'SELECT x FROM t ORDER BY {O[k]}')", []),
        ("def f(db, ids):\n    m = ', '.join('?' for _ in ids)\n    db.query(f'SELECT 1 WHERE a IN ({m})', ids)", []),
        ("T = ('a', 'b')\ndef f(db):\n    for t in reversed(T):\n        db.execute(f'DELETE FROM {t}')", []),
    ],
)
def test_the_sql_checker_catches_text_built_from_input(source: str, loose: list[str]) -> None:
    assert check_snippet(source) == loose


# Hostile text as typed into commands: each needle names exactly one person (inside their name) and one model
# (its whole id); SQL wildcards and quotes must match only themselves.
NEEDLES = {
    "sql": SQL,
    "percent": "%",
    "underscore": "_",
    "quotes": "q'uo\"te",
    "nul": "n\x00ul",
    "backslash": "\\",
}
HOSTILE_PEOPLE = {
    key: {"id": f"h-{key}", "name": f"Mr {needle} Smith", "email": f"h-{key}@example.com", "role": "user"}
    for key, needle in NEEDLES.items()
}


@pytest.fixture
def hostile_store(store: Store) -> Store:
    """The seeded store plus the hostile people, each with one usage record of the hostile model of their key."""
    with store.immediate():
        for key, needle in NEEDLES.items():
            person = HOSTILE_PEOPLE[key]
            store.ensure_user(person["id"], person["name"], person["email"], "user")
            store.append_ledger(person["id"], "topup", 1_000_000, actor="a1")
            balance = store.append_ledger(person["id"], "charge", -1_000, actor="filter", reference=key)
            store.save_usage(
                {
                    "chat_id": "c",
                    "message_id": key,
                    "user_id": person["id"],
                    "model_id": needle,
                    "input_tokens": 1,
                    "output_tokens": 1,
                    "price_source": "default",
                    "cost": 1_000,
                    "balance_after": balance,
                }
            )
    return store


def new_rows(before: list[dict], after: list[dict]) -> list[dict]:
    return [row for row in after if row not in before]


@pytest.mark.parametrize("key", NEEDLES)
def test_hostile_text_in_commands_is_literal_and_leaves_every_table_intact(
    monkeypatch: pytest.MonkeyPatch, hostile_store: Store, key: str
) -> None:
    store, needle, person = hostile_store, NEEDLES[key], HOSTILE_PEOPLE[key]
    world = World(monkeypatch, store, models=[*MODELS, *({"id": n, "name": "Hostile"} for n in NEEDLES.values())])
    world.directory = [*DIRECTORY, *HOSTILE_PEOPLE.values()]
    q = shlex.quote

    # Reads: the needle matches only what contains it literally (as a LIKE pattern "%" or "_" would match all).
    before = snapshot(store)
    found = world.say(ADMIN, f"/users {q(needle)}")
    assert found.endswith("Page 1 of 1 · 1 user") and markdown.cell(person["email"]) in found, found
    assert world.say(ADMIN, "/records " + q("model:" + needle)).endswith("· 1 record")
    label = markdown.cell(person_label(person), cmd_common.SHOWN_CAP)
    mine = world.say(ADMIN, "/records " + q("user:" + needle))
    assert label in mine and mine.endswith("· 1 record")
    world.say(ADMIN, f"/prices {q(needle)}")
    assert "No model matches" in world.say(ADMIN, f"/price set {q(needle + 'x')} 1 2")
    assert "No user matches" in world.say(ADMIN, f"/block {q(needle + 'x')}")
    assert snapshot(store) == before

    # Writes: exactly the row the needle names, stored as typed.
    assert "is blocked" in world.say(ADMIN, f"/block {q(needle)}")
    assert "Added" in world.say(ADMIN, f"/balance add {q(needle)} 1")
    assert "Prices of" in world.say(ADMIN, f"/price set {q(needle)} 1 2")
    schema, after = snapshot(store)
    assert schema == before[0]
    changed = ("users", "ledger", "prices", "price_history", "sqlite_sequence")
    assert {t: rows for t, rows in after.items() if t not in changed} == {
        t: rows for t, rows in before[1].items() if t not in changed
    }
    assert [r["model_id"] for r in new_rows(before[1]["price_history"], after["price_history"])] == [needle]
    assert [u["id"] for u in after["users"]] == [u["id"] for u in before[1]["users"]]  # nobody added or left
    assert [u["id"] for u in new_rows(before[1]["users"], after["users"])] == [person["id"]]  # only them changed
    assert store.get_user(person["id"])["blocked"] == 1
    assert new_rows(after["ledger"], before[1]["ledger"]) == []
    assert {row["user_id"] for row in new_rows(before[1]["ledger"], after["ledger"])} == {person["id"]}
    assert [p["model_id"] for p in new_rows(before[1]["prices"], after["prices"])] == [needle]
    assert new_rows(after["prices"], before[1]["prices"]) == []
    assert store.get_price(needle)["input_price"] == 1_000_000
    assert store.get_user(person["id"])["name"] == person["name"]


# -- Markdown answers: typed strings stay text ----------------------------------------------------------------

MARKDOWN_PAYLOADS = [
    *PAYLOADS[:3],
    "a | b || c",
    "**bold** _it_ `code` ~~x~~",
    "[click](javascript:alert(1))",
    "![beacon](http://evil.example/x.png)",
    "$x^2$ \\(y\\)",
    "```\nfence",
]
_FENCE = re.compile(r"^```[a-z-]*\n.*?^```$", re.S | re.M)
# What each payload would do if it reached the Markdown unescaped: open a tag, a link, an image, code,
# emphasis, math or a fence. Escaped, each is broken up by backslashes.
_ACTIVE = [
    *("<img", "<script", "</script", "<svg"),
    *("**bold**", "`code`", "~~x~~", "[click](", "![beacon](", "$x^2$", "```\nfence"),
]


def assert_plain_markdown(answer: str) -> None:
    """No payload fragment is active, every table row has its header's number of cells, and the charts hold no
    `<` or backtick."""
    for fragment in _ACTIVE:
        assert not re.search(r"(?<!\\)" + re.escape(fragment), _FENCE.sub("", answer)), (fragment, answer)
    for block in _FENCE.findall(answer):
        body = block.split("\n", 1)[1].rsplit("\n", 1)[0]
        assert "<" not in body and "`" not in body, block
    widths: list[int] = []
    for line in [*_FENCE.sub("", answer).splitlines(), ""]:
        if line.startswith("|"):
            widths.append(len(re.findall(r"(?<!\\)\|", line)))
        elif widths:
            assert len(set(widths)) == 1, answer
            widths = []


# (who asks, what they type): {who} / {id} / {model} / {payload} stand for each hostile person or model in turn.
# Known failures when this was written (product bugs, left failing on purpose):
# - /price set|copy|clear, /price sync [apply], /price inherit: the words for PriceChange, SyncResult and
#   InheritResult (now ui/admin_views.said) and /price sync's preview put model ids into the answer unescaped.
# - /balance add, /block (a person with neither name nor e-mail): the label fell back to the raw user id
#   (now ui/admin_views._label).
MARKDOWN_ASKS = [
    ("admin", "/users"),
    ("admin", "/top all"),
    ("admin", "/records"),
    ("admin", "/models all"),
    ("admin", "/prices"),
    ("admin", "/reconcile"),
    ("admin", "/block example.com"),  # several match: the candidates are listed
    ("admin", "/balance add {who} 1"),
    ("admin", "/block {who}"),
    ("admin", "/records user:{id}"),
    ("admin", "/price set {model} 1 2"),
    ("admin", "/price copy gpt-4o {model}"),
    ("admin", "/price clear {model}"),
    ("admin", "/price sync"),
    ("admin", "/price sync apply"),
    ("admin", "/price inherit"),
    ("user", "/usage all"),
    ("user", "/records"),
    ("user", "{payload}"),  # not a command: quoted back under the help
]


@pytest.mark.parametrize(("asker", "template"), MARKDOWN_ASKS, ids=[t for _, t in MARKDOWN_ASKS])
def test_typed_strings_stay_text_in_markdown_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, asker: str, template: str
) -> None:
    store = Store(tmp_path / "monitor.db", clock=lambda: NOW - 3600)
    try:
        people = seed_labels(store, MARKDOWN_PAYLOADS)
        with store.immediate():
            store.conn.execute("UPDATE users SET balance = balance + 1 WHERE id = ?", (people[0]["id"],))
            store.set_price("gpt-4o", input_price=1_000_000, output_price=2_000_000, actor="a1")
        reported = {"prompt": "0.000001", "completion": "0.000002"}  # a connection's price, for /price sync
        hostile = [
            {"id": x, "name": x, "info": {"base_model_id": "gpt-4o"}, "pricing": reported} for x in MARKDOWN_PAYLOADS
        ]
        world = World(monkeypatch, store, models=[{"id": "gpt-4o", "name": "GPT-4o"}, *hostile])
        world.directory = [ADMIN, *people]
        rounds = zip(people, MARKDOWN_PAYLOADS, strict=True) if "{" in template else [(people[0], "")]
        for person, payload in rounds:
            who = person["email"] or person["name"] or person["id"]
            text = template.format(
                who=shlex.quote(who),
                id=shlex.quote(person["id"]),
                model=shlex.quote(payload),
                payload=payload,
            )
            if template.startswith("/price clear"):
                world.say(ADMIN, text.replace("/price clear", "/price set") + " 1 2")
            answer = world.say(ADMIN if asker == "admin" else {**person, "role": "user"}, text)
            assert_plain_markdown(answer)
    finally:
        store.close()
