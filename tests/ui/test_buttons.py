"""The action's buttons inside the library: a fake `__event_call__` answers the dialogs, a fake file store and
model call stand in for Open WebUI. Every admin write must land in the ledger with the admin as actor, and a
non-admin pressing an admin button changes nothing."""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sessions import Dialog, seeded_store, session

from plugin.app import model_tests
from plugin.store import Store
from plugin.ui import buttons

ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice <b>", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB]
MODELS = [
    {"id": "gpt-4o", "name": "GPT-4o"},
    {"id": "broken", "name": "Broken"},
    {"id": "slow", "name": "Slow"},
    {"id": "arena-model", "name": "Arena", "owned_by": "arena"},
    {"id": "monitor", "name": "Usage Monitor", "pipe": {"type": "pipe"}},
    {"id": "my-gpt", "name": "My GPT", "info": {"base_model_id": "gpt-4o"}},
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama<x>", details=True)
    yield store
    store.close()


def press(
    store: Store, user: dict, button: str, dialog: Dialog | None = None, message_id: str = "m0", **extra: Any
) -> buttons.Outcome:
    saved: list[tuple] = extra.pop("saved", [])

    async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
        saved.append((user_id, name, data, kind))
        n = len(saved)
        return {"id": f"f{n}", "filename": name, "size": len(data), "url": f"/api/v1/files/f{n}/content"}

    context = session(
        store,
        user,
        directory=DIRECTORY,
        models=MODELS,
        lang=extra.pop("lang", "en"),
        save_file=save_file,
        live=extra.pop("live", True),
    )
    p = buttons.Press(session=context, chat_id="c", message_id=message_id, ask=dialog, **extra)
    return asyncio.run(buttons.press(button, p))


def ledger(store: Store) -> list[dict]:
    return store.query("SELECT * FROM ledger ORDER BY id")


# -- usage of this message ----------------------------------------------------------------------------------


def test_usage_details_of_a_message(store: Store) -> None:
    outcome = press(store, ALICE, "usage")
    text = outcome.text
    for part in ("gpt-4o", "input 1000", "output 500", "cached 40", "reasoning 3", "$0.111111", "price: default"):
        assert part in text, text
    assert "balance after: $4.8889" in text and "2.00s" in text and "250.0 T/s" in text


def test_usage_is_a_card_with_one_line_per_part_none_cut(store: Store) -> None:
    """The answer is a page under the reply, every part on its own line in full (a status line is one clamped
    line, and it is the reply's cost notice's)."""
    outcome = press(store, ALICE, "usage")
    assert outcome.html.startswith("<!DOCTYPE html>") and "<h1>Usage of this message</h1>" in outcome.html
    assert len(outcome.lines) == 8 and " | ".join(outcome.lines) == outcome.text
    for line in outcome.lines:
        assert f"<li>{html.escape(line)}</li>" in outcome.html, line
    assert "<li>balance after: $4.8889</li>" in outcome.html
    zh = press(store, ALICE, "usage", lang="zh").html
    assert "<h1>本条消息的用量</h1>" in zh


def test_every_answer_but_a_cancellation_is_a_card(store: Store) -> None:
    refused = press(store, ALICE, "topup", Dialog())
    assert "<h1>Balance or block</h1>" in refused.html and "for administrators" in refused.html
    unbilled = press(store, BOB, "usage")
    assert "never billed" in unbilled.html and not unbilled.cancelled
    cancelled = press(store, ADMIN, "topup", Dialog(False))
    assert cancelled.cancelled and cancelled.html == "" and cancelled.text.startswith("Cancelled")
    assert press(store, ADMIN, "dashboard", Dialog(False)).cancelled


def test_usage_of_someone_elses_or_an_unbilled_message(store: Store) -> None:
    assert press(store, BOB, "usage").text == "This message was never billed: there is no usage record for it."
    assert "never billed" in press(store, ALICE, "usage", message_id="nope").text
    assert "Alice" not in press(store, BOB, "usage").text
    assert "gpt-4o" in press(store, ADMIN, "usage").text  # an admin may look at anyone's
    assert "从未计费" in press(store, ALICE, "usage", message_id="nope", lang="zh").text


# -- roles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("button", sorted(buttons.ADMIN_BUTTONS))
def test_a_user_pressing_an_admin_button_is_refused_and_nothing_changes(store: Store, button: str) -> None:
    before = ledger(store), store.all_prices()
    dialog = Dialog()
    outcome = press(store, ALICE, button, dialog)
    assert outcome.text == "Sorry, this button is for administrators; nothing was changed."
    assert dialog.asked == [] and not outcome.files and "for administrators" in outcome.html
    assert (ledger(store), store.all_prices()) == before


# -- balances -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind", "amount", "balance"),
    [
        ("5", "topup", 5_000_000, 9_886_667),
        ("-1.5", "adjust", -1_500_000, 3_386_667),
        ("=2", "set", -2_886_667, 2_000_000),
    ],
)
def test_topup_dialogs_write_one_ledger_row_by_the_admin(
    store: Store, typed: str, kind: str, amount: int, balance: int
) -> None:
    dialog = Dialog("alice@example.com", typed, True)
    outcome = press(store, ADMIN, "topup", dialog)
    assert [e["type"] for e in dialog.asked] == ["input", "input", "confirmation"]
    assert "Alice" in dialog.asked[1]["data"]["message"] and "$4.8867" in dialog.asked[1]["data"]["message"]
    row = ledger(store)[-1]
    assert (row["kind"], row["amount"], row["actor"], row["user_id"]) == (kind, amount, "a1", "u1")
    assert store.get_user("u1")["balance"] == balance
    assert "alice@example.com" in outcome.text


def test_block_and_unblock_through_the_dialog(store: Store) -> None:
    assert "is blocked" in press(store, ADMIN, "topup", Dialog("Bob", "block", True)).text
    assert store.get_user("u2")["blocked"] == 1
    assert ledger(store)[-1]["actor"] == "a1" and ledger(store)[-1]["reason"] == "blocked"
    assert "unblocked" in press(store, ADMIN, "topup", Dialog("bob@example.com", "unblock", True)).text
    assert store.get_user("u2")["blocked"] == 0


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((False,), "Cancelled"),
        (("alice@example.com", "5", False), "Cancelled"),
        (("alice@example.com", False), "Cancelled"),
        (("nobody", "5", True), "No user matches “nobody”"),
        (("example.com",), "matches several users"),
        (("alice@example.com", "five", True), "“five” is not a valid amount"),
        (("alice@example.com", "0", True), "is not a valid amount"),
        (("alice@example.com", "-99", True), "negative balance"),
        (("alice@example.com", "=-3", True), "is not a valid amount"),
        (({"error": "Client session disconnected."},), "needs the chat open in the browser"),
    ],
)
def test_every_bad_answer_says_why_and_changes_nothing(store: Store, answers: tuple, expected: str) -> None:
    before = ledger(store)
    assert expected in press(store, ADMIN, "topup", Dialog(*answers)).text
    assert ledger(store) == before


def test_without_a_browser_session_writes_are_refused(store: Store) -> None:
    assert "needs the chat open" in press(store, ADMIN, "topup", None).text


# -- dashboard ------------------------------------------------------------------------------------------------


def test_admin_dashboard_shows_everyone_escaped(store: Store) -> None:
    dialog = Dialog("all")
    outcome = press(store, ADMIN, "dashboard", dialog)
    assert dialog.asked[0]["data"]["value"] == "30d"
    page = outcome.html
    assert (
        page.startswith("<!DOCTYPE html>")
        and page.count("<script") == 1  # only the fixed height message (dashboard.RESIZE)
        and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    )
    assert "Alice &lt;b&gt;" in page and "Alice <b>" not in page and "llama&lt;x&gt;" in page
    assert "$0.8911" in page  # total cost of everyone
    assert "Bob" in page and "Top users by cost" in page
    assert page.count("<path") >= 2 and 'class="col"' in page


def test_user_dashboard_is_their_own(store: Store) -> None:
    page = press(store, BOB, "dashboard", Dialog("7d")).html
    assert "$0.7778" in page and "Alice" not in page and "Top users" not in page


def test_console_is_a_choice_of_the_dashboard_button(store: Store) -> None:
    """Typed "console" (or 控制台) instead of a range: the console under the reply, with its buttons only when the
    chat's model is the Usage Monitor (elsewhere its commands would go to another model)."""
    live = press(store, ADMIN, "dashboard", Dialog("Console"), live=True)
    assert "Console" in live.text and 'data-cmd="/balance add' in live.html and "input:prompt:submit" in live.html
    elsewhere = press(store, ADMIN, "dashboard", Dialog("控制台"), live=False)
    assert "data-cmd" not in elsewhere.html and "<script" in elsewhere.html  # only the height message
    assert elsewhere.html.count("<script") == 1 and "Read-only here" in elsewhere.html
    assert "bob@example.com" in elsewhere.html  # still the admin's users view, read as it is
    own = press(store, BOB, "dashboard", Dialog("console"), live=True)
    assert "Alice" not in own.html and "$0.7778" in own.html and 'data-cmd="/balance' not in own.html


def test_dashboard_bad_range_and_cancel(store: Store) -> None:
    assert "can't read the time range" in press(store, ADMIN, "dashboard", Dialog("someday")).text
    assert press(store, ADMIN, "dashboard", Dialog(False)).text.startswith("Cancelled")
    assert press(store, ADMIN, "dashboard", None).html  # no dialog possible: 30 days


# -- export ---------------------------------------------------------------------------------------------------


def test_export_saves_both_files_for_the_admin(store: Store) -> None:
    saved: list[tuple] = []
    outcome = press(store, ADMIN, "export", saved=saved)
    assert [s[3] for s in saved] == ["text/csv", "application/json"] and all(s[0] == "a1" for s in saved)
    assert b"gpt-4o" in saved[0][2] and b'"usage"' in saved[1][2]
    assert [f["url"] for f in outcome.files] == ["/api/v1/files/f1/content", "/api/v1/files/f2/content"]
    # The answer names the files (their download paths mean nothing to a person); the files are attached.
    names = [s[1] for s in saved]
    assert names[0].startswith("openwebui-monitor-usage-") and names[0].endswith(".csv")
    assert outcome.lines == [f"Usage records as CSV: {names[0]}", f"The whole database as JSON: {names[1]}"]
    assert "/api/" not in outcome.text and "/api/" not in outcome.html and names[1] in outcome.html


# -- test all models ------------------------------------------------------------------------------------------


def test_models_are_tested_with_failures_and_timeouts_reported(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(model_tests, "TIMEOUT", 0.2)
    asked: list[str] = []
    progress: list[str] = []

    async def complete(model_id: str, prompt: str) -> str:
        asked.append(model_id)
        if model_id == "broken":
            raise RuntimeError("HTTP 500: <upstream exploded>")
        if model_id == "slow":
            await asyncio.sleep(5)
        return "ok"

    async def report(text: str) -> None:
        progress.append(text)

    outcome = press(
        store, ADMIN, "test_models", complete=complete, progress=report, skip_model=lambda m: m["id"] == "monitor"
    )
    assert sorted(asked) == ["broken", "gpt-4o", "my-gpt", "slow"]  # no arena model, not our own pipe
    assert outcome.text == "2 of 4 models answered."
    # Progress is a page too (0 of 4 at once, then after each model), replaced by the results.
    assert len(progress) == 5 and all("<h1>Model test</h1>" in page for page in progress)
    assert "Testing models: 0/4…" in progress[0] and "Testing models: 4/4…" in progress[-1]
    assert "HTTP 500: &lt;upstream exploded&gt;" in outcome.html and "no answer within 0s" in outcome.html
    assert outcome.html.count('class="ok"') == 2 and outcome.html.count('class="bad"') == 2


# -- prices ---------------------------------------------------------------------------------------------------


def test_set_a_price_after_confirming(store: Store) -> None:
    dialog = Dialog("gpt-4o", "1.5 6", True)
    outcome = press(store, ADMIN, "prices", dialog)
    assert "not set" in dialog.asked[1]["data"]["message"]
    assert "input 1.5, output 6" in dialog.asked[2]["data"]["message"]
    row = store.get_price("gpt-4o")
    assert (row["input_price"], row["output_price"], row["updated_by"]) == (1_500_000, 6_000_000, "a1")
    assert "Prices of gpt-4o" in outcome.text


def test_price_typos_and_cancel_change_nothing(store: Store) -> None:
    assert "not a valid amount" in press(store, ADMIN, "prices", Dialog("gpt-4o", "cheap")).text
    assert press(store, ADMIN, "prices", Dialog("gpt-4o", "1 2", False)).text.startswith("Cancelled")
    assert "No model matches" in press(store, ADMIN, "prices", Dialog("nope")).text
    assert store.all_prices() == []


def test_inherit_shows_what_would_change_first(store: Store) -> None:
    press(store, ADMIN, "prices", Dialog("gpt-4o", "1 2", True))
    dialog = Dialog("inherit", False)
    assert press(store, ADMIN, "prices", dialog).text.startswith("Cancelled")
    assert "my-gpt ← gpt-4o" in dialog.asked[1]["data"]["message"] and store.get_price("my-gpt") is None
    assert "my-gpt" in press(store, ADMIN, "prices", Dialog("inherit", True)).text
    assert store.get_price("my-gpt")["input_price"] == 1_000_000


def test_sync_pins_connection_prices_after_confirmation(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    reported = {"id": "or/claude", "name": "Claude", "pricing": {"prompt": "0.000003", "completion": "0.000015"}}
    monkeypatch.setattr(sys.modules[__name__], "MODELS", [*MODELS, reported])
    dialog = Dialog("sync", False)
    assert press(store, ADMIN, "prices", dialog).text.startswith("Cancelled")
    assert "or/claude" in dialog.asked[1]["data"]["message"] and store.get_price("or/claude") is None
    assert "or/claude" in press(store, ADMIN, "prices", Dialog("sync", True)).text
    assert (store.get_price("or/claude")["input_price"], store.get_price("or/claude")["output_price"]) == (
        3_000_000,
        15_000_000,
    )
    assert "nothing changed" in press(store, ADMIN, "prices", Dialog("sync")).text


# -- cards show what was typed --------------------------------------------------------------------------------

# The words a button answers with are the pipe's Markdown, where typed text is escaped (`\<`, `\_`); a card is
# HTML, so it shows each typed character as it was typed, through html.escape exactly once.
ANGLED = {"id": "u1", "name": "Bob <bob@example.com>", "email": "bob@example.com", "role": "user"}
SCRIPT = {"id": "u2", "name": "<script>alert(1)</script>", "email": "eve@example.com", "role": "user"}
IMG = {"id": "u3", "name": '"><img src=x onerror=alert(1)>', "email": "mal@example.com", "role": "user"}
STARRED = "gpt_4o*mini"
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


@pytest.fixture
def typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """Alice's second message on `gpt_4o*mini`, users named with angle brackets and markup, all in the directory
    and the model list the buttons read."""
    store = seeded_store(tmp_path / "m.db", ANGLED, SCRIPT, second_model=STARRED, details=True)
    store.ensure_user(IMG["id"], IMG["name"], IMG["email"], IMG["role"])
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "DIRECTORY", [ADMIN, ANGLED, SCRIPT, IMG])
    monkeypatch.setattr(module, "MODELS", [*MODELS, {"id": STARRED, "name": "GPT 4o mini"}])
    yield store
    store.close()


def card_text(page: str) -> str:
    """The card's items with their HTML entities read once: what the reader sees."""
    return html.unescape(" ".join(re.findall(r"<li>(.*?)</li>", page)))


def assert_once_escaped(page: str) -> None:
    assert "\\" not in page, page  # no Markdown escape reaches the reader
    assert "&amp;lt;" not in page and "&amp;gt;" not in page, page  # nothing escaped twice
    for hostile in HOSTILE:
        assert hostile not in page, page
    assert page.count("<script") == 1  # only the fixed height message (dashboard.RESIZE)


def test_a_balance_card_names_the_person_as_typed(typed: Store) -> None:
    outcome = press(typed, ADMIN, "topup", Dialog("bob@example.com", "5", True))
    assert "Added $5.0000 to the balance of Bob &lt;bob@example.com&gt; (bob@example.com)" in outcome.html
    assert "Added $5.0000 to the balance of Bob <bob@example.com> (bob@example.com)" in card_text(outcome.html)
    assert_once_escaped(outcome.html)


@pytest.mark.parametrize(("email", "name"), [(SCRIPT["email"], SCRIPT["name"]), (IMG["email"], IMG["name"])])
def test_a_hostile_name_on_a_card_stays_text(typed: Store, email: str, name: str) -> None:
    blocked = press(typed, ADMIN, "topup", Dialog(email, "block", True))
    assert html.escape(name, quote=True) in blocked.html and name in card_text(blocked.html)
    assert_once_escaped(blocked.html)
    unknown = press(typed, ADMIN, "topup", Dialog(name + "x", "5", True))  # the query quoted in an error
    assert "No user matches" in unknown.html and f"“{name}x”" in card_text(unknown.html)
    assert_once_escaped(unknown.html)


def test_several_matches_are_one_line_each_as_typed(typed: Store) -> None:
    page = press(typed, ADMIN, "topup", Dialog("example.com")).html
    assert "<li>Bob &lt;bob@example.com&gt; &lt;bob@example.com&gt;</li>" in page
    assert_once_escaped(page)


def test_usage_and_price_cards_show_the_model_as_typed(typed: Store) -> None:
    usage = press(typed, ANGLED, "usage", message_id="m1")
    assert f"<li>{STARRED}</li>" in usage.html
    assert_once_escaped(usage.html)
    price = press(typed, ADMIN, "prices", Dialog(STARRED, "1 2", True))
    assert f"Prices of {STARRED}" in card_text(price.html)
    assert_once_escaped(price.html)
    with typed.immediate():
        typed.conn.execute("UPDATE usage SET price_source = ? WHERE message_id = 'm1'", (f"admin:{STARRED}",))
    inherited = press(typed, ANGLED, "usage", message_id="m1")
    assert STARRED in card_text(inherited.html).split("price:")[1]
    assert_once_escaped(inherited.html)


def test_sync_undo_export_and_model_test_cards_have_no_escapes(typed: Store, monkeypatch) -> None:
    reported = {"id": "or/a_b*c", "name": "C", "pricing": {"prompt": "0.000003", "completion": "0.000015"}}
    monkeypatch.setattr(sys.modules[__name__], "MODELS", [*MODELS, reported])
    synced = press(typed, ADMIN, "prices", Dialog("sync", True))
    assert "or/a_b*c" in card_text(synced.html)
    undone = press(typed, ADMIN, "prices", Dialog("undo", True))
    assert "or/a_b*c" in card_text(undone.html)
    exported = press(typed, ADMIN, "export")

    async def complete(model_id: str, prompt: str) -> str:
        raise RuntimeError("<b>no</b> a_b")

    tested = press(typed, ADMIN, "test_models", complete=complete)
    assert "or/a_b*c" in tested.html and "&lt;b&gt;no&lt;/b&gt; a_b" in tested.html
    for page in (synced.html, undone.html, exported.html, tested.html):
        assert_once_escaped(page)


def test_a_catalogue_card_has_a_line_per_paragraph_and_commands_as_code(typed: Store, monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "MODELS", [*MODELS, {"id": "gpt-4o-mini_x", "name": "X"}])
    page = press(typed, ADMIN, "prices", Dialog("catalogue", True)).html
    assert "<code>/price undo</code> reverts.</li>" in page
    assert "<code>/price accept gpt-4o-mini_x gpt-4o-mini</code>" in page
    assert page.count("<li>") == 3
    assert_once_escaped(page)
