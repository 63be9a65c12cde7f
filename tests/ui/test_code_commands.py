"""Redemption codes as people meet them: the words that mean redeem or list, the admin's `/codes` answers (mint,
list, revoke), a user's `/redeem` and every refusal, the guessing limit, and the top-up button that mints. Both
backends (the `store` fixture); Open WebUI's file store is a fake `save_file`."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any

import pytest
import sessions
from sessions import NOW, Dialog

from plugin.domain import codes
from plugin.store import Store
from plugin.ui import buttons
from plugin.ui.commands import for_the_assistant
from plugin.ui.parse import parse

ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
DIRECTORY = [ADMIN, ALICE, BOB]
CODE = re.compile(r"^OWM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
ANY_CODE = re.compile(r"OWM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")
TYPED = "OWM-ABCD-EFGH-JKLM"  # well-formed, never minted
DAY = 86_400


def context(store: Store, user: dict, saved: list[tuple] | None = None, **extra: Any) -> Any:
    """A session for `user` whose file store appends to `saved`."""
    files = saved if saved is not None else []

    async def save_file(user_id: str, name: str, data: bytes, kind: str) -> dict:
        files.append((user_id, name, data, kind))
        return {"id": f"f{len(files)}", "filename": name, "url": f"/api/v1/files/f{len(files)}/content"}

    return sessions.session(store, user, directory=DIRECTORY, save_file=save_file, **extra)


def ask(store: Store, user: dict, text: str, saved: list[tuple] | None = None, **extra: Any) -> str:
    return sessions.ask(context(store, user, saved, **extra), text)


def minted(answer: str) -> list[str]:
    """The codes of a mint answer: the lines of its one fenced block."""
    blocks = re.findall(r"```\n(.*?)\n```", answer, re.S)
    assert len(blocks) == 1, answer
    return blocks[0].split("\n")


def mint(store: Store, options: str = "", **extra: Any) -> list[str]:
    return minted(ask(store, ADMIN, f"/codes mint 5 {options}".strip(), **extra))


def count(store: Store, table: str = "codes") -> int:
    return int(store.one(f"SELECT COUNT(*) AS n FROM {table}")["n"])


def balance(store: Store, user: dict) -> int:
    row = store.get_user(user["id"])
    return row["balance"] if row else 0


# -- parsing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/redeem owm abcd efgh jklm",
        "/redeem OWM-ABCD-EFGH-JKLM",
        "/REDEEM Owm-Abcd-Efgh-Jklm",
        "/redeem abcdefghjklm",
        "redeem owmabcdefghjklm",
        f"兑换 {TYPED}",
        f"/兑换 {TYPED}",
        f"canjear {TYPED}",
        f"兑换码 {TYPED}",  # the list's word with a code: the code is redeemed
        f"/codes {TYPED.lower()}",
        f"/códigos {TYPED}",
        f"use code {TYPED}",
    ],
)
def test_a_code_after_a_redeem_word_is_redeemed_in_any_case_and_spacing(text: str) -> None:
    command = parse(text)
    assert command.name == "redeem", command
    assert codes.letters_of("".join(command.args)) == "ABCDEFGHJKLM"


@pytest.mark.parametrize(
    "text", [f"here is my code {TYPED}", f"please redeem {TYPED}", f"Here is my voucher {TYPED.lower()}", TYPED]
)
def test_a_code_pasted_in_a_sentence_is_redeemed(text: str) -> None:
    command = parse(text)
    assert command.name == "redeem" and codes.letters_of("".join(command.args)) == "ABCDEFGHJKLM", command


@pytest.mark.parametrize(
    "text",
    [f"my code is {TYPED}", f"code: {TYPED}", f"兑换码：{TYPED}", f"mi código es {TYPED}", f"here is my code: {TYPED}"],
)
def test_a_code_after_the_word_code_in_a_sentence_is_redeemed(text: str) -> None:
    command = parse(text)
    assert command.name == "redeem" and codes.letters_of("".join(command.args)) == "ABCDEFGHJKLM", command


def test_codes_alone_is_the_list_and_mint_reads_its_options() -> None:
    for text in ("/codes", "codes", "/兑换码", "/códigos"):
        command = parse(text)
        assert (command.name, command.sub, command.args) == ("codes", "", ()), command
    command = parse("/codes mint 5 count:3 expires:2030-01-01 note:promo")
    assert (command.name, command.sub, command.args) == ("codes", "mint", ("5",))
    assert dict(command.options) == {"count": "3", "expires": "2030-01-01", "note": "promo"}
    command = parse("/兑换码 生成 5 数量:3 过期:2030-01-01 备注:春季")
    assert (command.sub, dict(command.options)) == ("mint", {"count": "3", "expires": "2030-01-01", "note": "春季"})
    command = parse(f"/codes revoke {TYPED}")
    assert (command.name, command.sub, command.args) == ("codes", "revoke", (TYPED,))


@pytest.mark.parametrize("text", ["tell me a joke", "what is the capital of France", "here is my recipe for cake"])
def test_a_sentence_without_a_code_stays_not_understood(text: str) -> None:
    command = parse(text)
    assert command.name == "help" and not command.understood, command


@pytest.mark.parametrize(
    "text", ["can you review my code", "my code has a bug", "how do I write python code", "¿puedes revisar mi código?"]
)
def test_a_sentence_that_merely_mentions_code_stays_not_understood(text: str) -> None:
    command = parse(text)
    assert command.name == "help" and not command.understood, command


@pytest.mark.parametrize(
    "text",
    [
        "here is my code:\nOWM-K7QX-M2PD-9HWC",  # a code on the second line
        "I got this from the admin\n\nOWM K7QX M2PD 9HWC",
        "my code is K7QX-M2PD-9HWC",  # no prefix after a code word (letters_of takes it)
        "K7QX-M2PD-9HWC",
        "OWM-K7QX-M2PD-9HW",  # one letter short: nearly a code
        "OWM–K7QX–M2PD–9HWC",  # en dashes, as a word processor pastes them (letters_of takes them)
    ],
)
def test_a_message_holding_a_code_never_goes_to_the_assistant(text: str) -> None:
    assert not for_the_assistant(parse(text)), parse(text)


@pytest.mark.parametrize("text", ["vouchers for amazon?", "卡密是什么", "兑换码在哪里买", "兑换码怎么用"])
def test_a_user_asking_about_codes_is_not_told_it_is_for_admins(store: Store, text: str) -> None:
    assert "for administrators" not in ask(store, ALICE, text)


# -- minting --------------------------------------------------------------------------------------------------


def test_a_file_store_that_fails_does_not_lose_the_minted_codes(store: Store) -> None:
    async def broken(user_id: str, name: str, data: bytes, kind: str) -> dict:
        raise OSError("storage provider unavailable")

    context = sessions.session(store, ADMIN, directory=DIRECTORY, save_file=broken)
    try:
        answer = sessions.ask(context, "/codes mint 5 count:3")
    except Exception:  # the pipe would answer its generic error
        answer = ""
    assert count(store) == 0 or len(ANY_CODE.findall(answer)) == 3


def test_minted_codes_are_shown_once_distinct_and_saved_as_csv(store: Store) -> None:
    saved: list[tuple] = []
    answer = ask(store, ADMIN, "/codes mint 5 count:3 expires:2030-01-01 note:promo", saved)
    shown = minted(answer)
    assert len(shown) == 3 and len(set(shown)) == 3 and all(CODE.match(code) for code in shown), shown
    assert answer.startswith("**3 new codes worth $5.0000 each** · valid through 2030-01-01 · note: promo"), answer
    assert len(ANY_CODE.findall(answer)) == 3  # in the block only
    assert count(store) == 3 and {row["amount"] for row in store.query("SELECT amount FROM codes")} == {5_000_000}

    [(owner, name, data, kind)] = saved
    assert (owner, kind) == ("a1", "text/csv") and name.endswith(".csv")
    assert f"[{name}](/api/v1/files/f1/content)" in answer  # the admin's link to the file
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [row["code"] for row in rows] == shown
    assert {(row["amount"], row["expires"], row["note"]) for row in rows} == {("5", "2030-01-01", "promo")}

    # Only digests and last groups are kept: no full code, nor its letters, is in the store.
    stored = repr(store.query("SELECT * FROM codes"))
    for code in shown:
        assert code not in stored and code.replace("-", "")[3:] not in stored


@pytest.mark.parametrize("note", ["=HYPERLINK(1)", "+1+2", "-2", "@SUM(A1)"])
def test_a_note_a_spreadsheet_would_run_is_neutralised_in_the_csv(store: Store, note: str) -> None:
    saved: list[tuple] = []
    shown = minted(ask(store, ADMIN, f"/codes mint 5 count:2 note:{note}", saved))
    rows = list(csv.DictReader(io.StringIO(saved[0][2].decode("utf-8"))))
    assert [row["code"] for row in rows] == shown
    for row in rows:
        assert row["note"][:1] not in "=+-@" and row["note"] == "'" + note, row


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("5 count:0", "0: mint between 1 and 500 codes at a time."),
        ("5 count:501", "501: mint between 1 and 500 codes at a time."),
        ("5 count:abc", "abc: mint between 1 and 500 codes at a time."),
        ("0", "“0” is not a valid amount."),
        ("-1", "“-1” is not a valid amount."),
        ("nonsense", "“nonsense” is not a valid amount."),
        ("5 expires:2020-01-01", "2020-01-01 is not a day to come: write expires:YYYY-MM-DD."),
        ("5 expires:2026-11-27", "2026-11-27 is not a day to come: write expires:YYYY-MM-DD."),
        ("5 expires:someday", "someday is not a day to come: write expires:YYYY-MM-DD."),
        ("5 expires:2030-02-30", "2030-02-30 is not a day to come: write expires:YYYY-MM-DD."),
        ("", "Mint codes with `/codes mint AMOUNT [count:N] [expires:YYYY-MM-DD] [note:TEXT]`."),
    ],
)
def test_a_bad_mint_says_why_and_mints_nothing(store: Store, typed: str, said: str) -> None:
    saved: list[tuple] = []
    assert ask(store, ADMIN, f"/codes mint {typed}".strip(), saved) == said
    assert count(store) == 0 and saved == []


def test_a_code_good_through_today_is_still_redeemable_today(store: Store) -> None:
    """`expires:` names the last good day (NOW is 2026-11-28)."""
    first, second = mint(store, "count:2 expires:2026-11-28")
    end = store.one("SELECT MAX(expires_at) AS t FROM codes")["t"]
    assert NOW < end <= NOW + DAY
    assert "redeemed" in ask(store, ALICE, f"/redeem {first}", now=end - 1)
    assert ask(store, ALICE, f"/redeem {second}", now=end) == f"The code OWM-••••-••••-{second[-4:]} has expired."


# -- redeeming ------------------------------------------------------------------------------------------------


def test_a_user_redeems_a_code_once_and_sees_the_stores_balance(store: Store) -> None:
    code = mint(store)[0]
    tail = code[-4:]
    answer = ask(store, ALICE, f"/redeem {code.lower().replace('-', ' ')}", init_balance=1_000_000)
    # Alice's first contact: her initial balance, then the code's credit.
    assert answer == f"Code OWM-••••-••••-{tail} redeemed: $5.0000 added. Your balance is $6.0000.", answer
    assert balance(store, ALICE) == 6_000_000
    assert [(row["kind"], row["amount"]) for row in store.ledger_for("u1")] == [
        ("topup", 1_000_000),
        ("redeem", 5_000_000),
    ]

    assert ask(store, ALICE, f"/redeem {code}") == f"You have already redeemed the code OWM-••••-••••-{tail}."
    assert ask(store, BOB, f"redeem {code}") == f"The code OWM-••••-••••-{tail} has already been used."
    assert balance(store, ALICE) == 6_000_000 and balance(store, BOB) == 0
    assert count(store, "code_failures") == 0  # refusals of a real code are no guesses
    assert store.reconcile() == []


def test_the_loser_of_a_race_is_told_the_code_was_used(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bob read the code before Alice claimed it (another worker): the claim itself must refuse him."""
    code = mint(store)[0]
    stale = store.code_by_digest(codes.digest(codes.letters_of(code) or ""))
    assert stale is not None and stale["redeemed_by"] is None
    assert "redeemed" in ask(store, ALICE, f"/redeem {code}")
    monkeypatch.setattr(store, "code_by_digest", lambda digest: dict(stale))
    assert ask(store, BOB, f"/redeem {code}") == f"The code OWM-••••-••••-{code[-4:]} has already been used."
    assert (balance(store, ALICE), balance(store, BOB)) == (5_000_000, 0)
    assert [row["redeemed_by"] for row in store.query("SELECT redeemed_by FROM codes")] == ["u1"]


def test_a_revoked_or_expired_code_is_refused(store: Store) -> None:
    revoked, kept = mint(store, "count:2")
    assert ask(store, ADMIN, f"/codes revoke {revoked}") == "Revoked 1 of 1 code."
    assert (
        ask(store, ALICE, f"/redeem {revoked}")
        == f"The code OWM-••••-••••-{revoked[-4:]} was revoked by an administrator."
    )
    assert (
        ask(store, ADMIN, f"/codes revoke {revoked}")
        == "Nothing to revoke: those codes were already redeemed or revoked."
    )

    expiring = mint(store, "expires:2026-12-01")[0]
    later = NOW + 30 * DAY
    assert ask(store, ALICE, f"/redeem {expiring}", now=later) == f"The code OWM-••••-••••-{expiring[-4:]} has expired."
    assert balance(store, ALICE) == 0 and count(store, "code_failures") == 0
    assert "redeemed" in ask(store, ALICE, f"/redeem {kept}", now=later)  # no expiry: good later too


def test_revoking_by_note_spares_redeemed_codes(store: Store) -> None:
    first, second, third = mint(store, "count:3 note:spring promo")
    ask(store, ALICE, f"/redeem {first}")
    assert ask(store, ADMIN, "/codes revoke note:spring promo") == "Revoked 2 of 3 codes."
    for code in (second, third):
        assert "revoked" in ask(store, BOB, f"/redeem {code}")
    assert balance(store, ALICE) == 5_000_000
    assert ask(store, ADMIN, "/codes revoke note:autumn") == "No code and no note matches autumn."


def test_a_note_that_spells_twelve_code_letters_is_still_a_note(store: Store) -> None:
    mint(store, "count:2 note:staff batch 22")
    assert ask(store, ADMIN, "/codes revoke note:staff batch 22") == "Revoked 2 of 2 codes."
    assert "staff batch 22" in ask(store, ADMIN, "/codes staff batch 22")
    assert count(store, "code_failures") == 0


@pytest.mark.parametrize(
    "text",
    [
        "/redeem {}.",
        "redeem code {}",
        "/redeem code: {}",
        "redeem: {}",
        "兑换 {}。",
        "/redeem `{}`",
        "redeem {} please",
    ],
)
def test_a_code_with_words_or_punctuation_around_it_is_redeemed(store: Store, text: str) -> None:
    code = mint(store)[0]
    answer = ask(store, ALICE, text.format(code))
    assert answer.startswith(f"Code OWM-••••-••••-{code[-4:]} redeemed"), answer


@pytest.mark.parametrize("typed", ["hello", "OWM-1234-5678-9ABC", "OWM-ABCD-EFGH", "ABCD-EFGH-JKLM-NPQR"])
def test_a_malformed_code_is_not_a_code_and_no_guess(store: Store, typed: str) -> None:
    code = mint(store)[0]
    for _ in range(codes.MAX_GUESSES + 2):
        answer = ask(store, ALICE, f"/redeem {typed}")
        assert "is not a code: codes look like OWM-XXXX-XXXX-XXXX." in answer, answer
    assert count(store, "code_failures") == 0
    assert "redeemed" in ask(store, ALICE, f"/redeem {code}")


def test_five_wrong_codes_then_even_a_good_one_waits(store: Store) -> None:
    code = mint(store)[0]
    for n in range(codes.MAX_GUESSES):
        wrong = f"OWM-ABCD-EFGH-JK{n + 2}M"
        assert (
            ask(store, ALICE, f"/redeem {wrong}", now=NOW + n)
            == f"There is no code OWM-••••-••••-JK{n + 2}M: check it and try again."
        )
    assert count(store, "code_failures") == codes.MAX_GUESSES
    assert (
        ask(store, ALICE, f"/redeem {code}", now=NOW + 60) == "Too many wrong codes: try again in 9 min."
    )  # the first wrong one was 60 s ago
    assert balance(store, ALICE) == 0
    assert "redeemed" in ask(store, BOB, f"/redeem {mint(store)[0]}", now=NOW + 60)  # Bob was not guessing

    # The admin sees who guessed, and no code in full.
    listing = ask(store, ADMIN, "/codes", now=NOW + 60)
    assert "**Wrong codes in the last 10 minutes**" in listing
    assert (
        f"- Alice \\<alice@example.com\\>: {codes.MAX_GUESSES} wrong, last at " in listing and "told to wait" in listing
    )
    assert ANY_CODE.search(listing) is None and "JK2M" not in listing, listing
    assert f"OWM-••••-••••-{code[-4:]}" in listing

    # Ten minutes after the first wrong code, the good one is heard.
    assert "redeemed" in ask(store, ALICE, f"/redeem {code}", now=NOW + codes.GUESS_WINDOW_S + 1)


# -- the admin's list -----------------------------------------------------------------------------------------


def test_the_list_masks_every_code_and_names_the_redeemer(store: Store) -> None:
    shown = mint(store, "count:3 note:promo")
    ask(store, ALICE, f"/redeem {shown[0]}")
    listing = ask(store, ADMIN, "/codes")
    assert listing.startswith("**Redemption codes · 3**"), listing
    assert ANY_CODE.search(listing) is None, listing
    for code in shown:
        assert code not in listing and code.replace("-", "")[3:] not in listing
        assert f"OWM-••••-••••-{code[-4:]}" in listing
    assert "| redeemed | Alice \\<alice@example.com\\> |" in listing and listing.count("| open |") == 2
    assert "Bob" not in ask(store, ADMIN, "/codes alice") and "· 1**" in ask(store, ADMIN, "/codes alice")


def test_a_user_asking_for_the_list_or_a_mint_gets_no_code_data(store: Store) -> None:
    code = mint(store, "note:secret-batch")[0]
    for text in ("/codes mint 5 count:10", f"/codes revoke {code}"):
        answer = ask(store, ALICE, text)
        assert answer.startswith("That command is for administrators."), answer
        assert "OWM-••••" not in answer and "secret-batch" not in answer and code[-4:] not in answer
    for text in ("/codes", "/codes secret"):  # a user asking about codes is told how to redeem one
        assert ask(store, ALICE, text) == "Redeem a code with `/redeem OWM-XXXX-XXXX-XXXX`."
    assert count(store) == 1 and store.one("SELECT revoked_at FROM codes")["revoked_at"] is None


def test_a_hostile_note_stays_text_in_the_list(store: Store) -> None:
    note = "<img src=x> [x](http://e) | end"
    mint(store, f"note:{note}")
    listing = ask(store, ADMIN, "/codes")
    assert re.search(r"(?<!\\)<img", listing) is None and "](http://e)" not in listing, listing  # shown as \\<img
    row = next(line for line in listing.split("\n") if "OWM-" in line)
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert len(cells) == 7, row  # the note's | did not open a column
    assert "img src=x" in cells[2] and "end" in cells[2]


# -- languages ------------------------------------------------------------------------------------------------

SAID = {
    "zh": {
        "mint": "/兑换码 生成 5 数量:2 备注:春季",
        "minted": "**新生成 2 个兑换码，每个 $5.0000** · 备注：春季",
        "redeem": "兑换",
        "redeemed": "当前余额 $5.0000。",
        "used": "已被使用",
        "yours": "你已经兑换过",
        "revoked": "已被管理员作废",
        "expired": "已过期",
        "not_a_code": "不是兑换码",
        "guesses": "错误的兑换码太多：请 10 分钟后再试。",
        "how": "兑换方式：`/兑换 OWM-XXXX-XXXX-XXXX`。",
        "title": "**兑换码 · 3**",
    },
    "es": {
        "mint": "/códigos crear 5 cantidad:2 nota:primavera",
        "minted": "**2 códigos nuevos de $5.0000 cada uno** · nota: primavera",
        "redeem": "canjear",
        "redeemed": "Su saldo es $5.0000.",
        "used": "ya se ha usado",
        "yours": "Ya canjeó el código",
        "revoked": "Un administrador revocó el código",
        "expired": "ha caducado",
        "not_a_code": "no es un código",
        "guesses": "Demasiados códigos erróneos: inténtelo de nuevo en 10 min.",
        "how": "Canjee un código con `/canjear OWM-XXXX-XXXX-XXXX`.",
        "title": "**Códigos de canje · 3**",
    },
}


@pytest.mark.parametrize("lang", sorted(SAID))
def test_the_same_flows_answer_in_chinese_and_spanish(store: Store, lang: str) -> None:
    said = SAID[lang]
    answer = ask(store, ADMIN, said["mint"], lang=lang)
    assert answer.startswith(said["minted"]), answer
    first, second = minted(answer)
    expiring = minted(ask(store, ADMIN, "/codes mint 1 expires:2026-12-01", lang=lang))[0]
    word = said["redeem"]
    assert answer_has(ask(store, ALICE, f"{word} {first}", lang=lang), said["redeemed"])
    assert answer_has(ask(store, ALICE, f"{word} {first}", lang=lang), said["yours"])
    assert answer_has(ask(store, BOB, f"{word} {first}", lang=lang), said["used"])
    ask(store, ADMIN, f"/codes revoke {second}", lang=lang)
    assert answer_has(ask(store, BOB, f"{word} {second}", lang=lang), said["revoked"])
    assert answer_has(ask(store, BOB, f"{word} {expiring}", lang=lang, now=NOW + 30 * DAY), said["expired"])
    assert answer_has(ask(store, BOB, f"{word} hola", lang=lang), said["not_a_code"])
    for n in range(codes.MAX_GUESSES):
        ask(store, BOB, f"{word} OWM-ABCD-EFGH-JK{n + 2}M", lang=lang)
    assert ask(store, BOB, f"{word} {expiring}", lang=lang) == said["guesses"]
    assert ask(store, ALICE, "/codes", lang=lang) == said["how"]  # a user asking about codes: how to redeem one
    listing = ask(store, ADMIN, "/codes", lang=lang)
    assert listing.startswith(said["title"]) and ANY_CODE.search(listing) is None, listing


def answer_has(answer: str, part: str) -> bool:
    assert part in answer, answer
    return True


# -- the top-up button ----------------------------------------------------------------------------------------


def press(store: Store, user: dict, dialog: Dialog, saved: list[tuple]) -> buttons.Outcome:
    p = buttons.Press(session=context(store, user, saved), chat_id="c", message_id="m0", ask=dialog)
    return asyncio.run(buttons.press("topup", p))


def test_typing_codes_at_the_top_up_button_mints_after_confirming(store: Store) -> None:
    saved: list[tuple] = []
    dialog = Dialog("codes", "5 count:2 note:x", True)
    outcome = press(store, ADMIN, dialog, saved)
    assert [event["type"] for event in dialog.asked] == ["input", "input", "confirmation"]
    assert dialog.asked[2]["data"]["message"] == "Mint 2 codes worth $5.0000 each?"
    shown = [line.strip("`") for line in outcome.lines if ANY_CODE.fullmatch(line.strip("`"))]
    assert len(shown) == 2 and len(set(shown)) == 2, outcome.lines
    assert outcome.lines[0] == "**2 new codes worth $5.0000 each** · note: x"
    [(owner, name, data, kind)] = saved
    assert (owner, kind) == ("a1", "text/csv") and outcome.files == [
        {"id": "f1", "filename": name, "url": "/api/v1/files/f1/content"}
    ]
    assert [row["code"] for row in csv.DictReader(io.StringIO(data.decode("utf-8")))] == shown
    assert name in outcome.lines[-1] and "/api/" not in outcome.text
    assert count(store) == 2
    for code in shown:
        assert code in outcome.html


def test_the_button_asks_to_mint_one_code_in_the_singular(store: Store) -> None:
    dialog = Dialog("codes", "5", False)
    press(store, ADMIN, dialog, [])
    assert dialog.asked[2]["data"]["message"] == "Mint 1 code worth $5.0000?"


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        (("codes", "5 count:2", False), "Cancelled"),
        (("codes", None), "Cancelled"),
        (("codes", "abc count:2"), "“abc” is not a valid amount."),
        (("codes", "5 count:999"), "999: mint between 1 and 500 codes at a time."),
    ],
)
def test_a_cancelled_or_bad_mint_at_the_button_mints_nothing(store: Store, answers: tuple, said: str) -> None:
    saved: list[tuple] = []
    outcome = press(store, ADMIN, Dialog(*answers), saved)
    assert outcome.text.startswith(said), outcome.text
    assert count(store) == 0 and saved == [] and not outcome.files


def test_a_user_pressing_top_up_is_refused_and_mints_nothing(store: Store) -> None:
    saved: list[tuple] = []
    dialog = Dialog("codes", "5 count:2", True)
    outcome = press(store, ALICE, dialog, saved)
    assert outcome.text == "Sorry, this button is for administrators; nothing was changed."
    assert dialog.asked == [] and count(store) == 0 and saved == [] and not outcome.files
