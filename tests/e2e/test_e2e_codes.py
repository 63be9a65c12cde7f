"""Redemption codes inside a real Open WebUI 0.12.4, through the "Usage Monitor" model over HTTP: the admin mints two
codes (shown once, and a CSV file in Open WebUI's own store), a user redeems one and their next reply's notice shows
the credit, the same code is refused, the admin revokes the other and the user is refused it. Neither full code is
left in the JSON export or in Open WebUI's server log."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from plugin.domain import codes as codes_domain
from plugin.money import money
from plugin.store import Store

from .fake_upstream import MODEL_GPT
from .monitor import ask, balance, installed_monitor, notice
from .owui import OpenWebUI

PER_TOKEN = 60  # micro-units per token at the default 60 per 1M
CODE = re.compile(r"\bOWM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")
FILE_LINK = re.compile(r"\((/api/v1/files/[^)]+/content)\)")


@pytest.fixture(scope="module")
def monitor(owui: OpenWebUI) -> Iterator[Store]:
    with installed_monitor(owui) as store:
        yield store


def forms(code: str) -> tuple[str, str]:
    """A code as shown and as its twelve letters: neither may be kept anywhere."""
    return code, code.replace("-", "")[3:]


def test_codes_are_minted_redeemed_once_revoked_and_never_kept(owui: OpenWebUI, monitor: Store, make_user) -> None:
    store = monitor
    reader, other = make_user("redeemer"), make_user("latecomer")

    # The admin mints two codes: shown once in the answer, and in a CSV file in Open WebUI's file store.
    minted = ask(owui, owui.admin_token, "/codes mint 5 count:2 note:e2e")
    codes = CODE.findall(minted)
    assert len(codes) == 2 and len(set(codes)) == 2, minted
    link = FILE_LINK.search(minted)
    assert link, minted
    rows = list(csv.DictReader(io.StringIO(owui.request("GET", link.group(1)).content.decode("utf-8"))))
    assert sorted(row["code"] for row in rows) == sorted(codes)
    assert {(row["amount"], row["note"]) for row in rows} == {("5", "e2e")}
    first, second = codes

    # The user redeems one through the pipe: the answer shows the new balance, the store holds it.
    before = balance(store, reader)
    answer = ask(owui, reader["token"], f"/redeem {first.lower()}")
    assert answer.startswith(f"Code OWM-••••-••••-{first[-4:]} redeemed"), answer
    assert f"Your balance is {money(before + 5_000_000, '$')}." in answer, answer
    assert balance(store, reader) == before + 5_000_000

    # Their next reply with a priced model: the notice shows that balance less this reply's cost.
    result = owui.chat_saved(reader["token"], MODEL_GPT, "hello [usage 1000 500]")
    assert not result["message"].get("error"), result["message"]
    after_chat = before + 5_000_000 - 1500 * PER_TOKEN
    assert f"Balance: {money(after_chat, '$')}" in notice(result["message"]), notice(result["message"])
    assert balance(store, reader) == after_chat

    # The same code again: refused, by the same user and by another; nothing credited.
    assert "You have already redeemed" in ask(owui, reader["token"], f"/redeem {first}")
    assert "has already been used" in ask(owui, other["token"], f"/redeem {first}")
    assert balance(store, reader) == after_chat and balance(store, other) == 0

    # The admin revokes the other code; the user is refused it.
    assert ask(owui, owui.admin_token, f"/codes revoke {second}") == "Revoked 1 of 1 code."
    refused = ask(owui, reader["token"], f"/redeem {second}")
    assert "was revoked" in refused, refused
    assert balance(store, reader) == after_chat
    assert store.reconcile() == []

    # The admin's list shows both, masked; neither full code is in the JSON export nor in the server log.
    listing = ask(owui, owui.admin_token, "/codes e2e")
    assert f"OWM-••••-••••-{first[-4:]}" in listing and f"OWM-••••-••••-{second[-4:]}" in listing, listing
    exported = ask(owui, owui.admin_token, "/export json")
    link = FILE_LINK.search(exported)
    assert link, exported
    document = owui.request("GET", link.group(1)).content.decode("utf-8")
    for code in codes:  # the export carries the codes as the store keeps them: digest and last group
        assert codes_domain.digest(forms(code)[1]) in document, document[:2000]
    log = owui.log_path.read_text(errors="replace")
    for code in codes:
        for form in forms(code):
            assert form not in listing and form not in exported
            assert form not in document, f"{form} is in the JSON export"
            assert form.lower() not in log and form not in log, f"{form} is in Open WebUI's server log"
