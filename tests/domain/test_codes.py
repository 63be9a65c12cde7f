"""Redemption codes in the domain and the store, on both backends: their shape and randomness, digests instead of
codes, exactly one credit per code whatever races (threads, processes), the guessing limit counted in the database,
revocation, expiry, the first contact's initial balance, backups and the migration of older databases."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from backends import is_postgres, open_target, plain_rows
from conftest import FakeClock

from plugin.domain import budgets, codes, exchange, restore
from plugin.domain.codes import (
    BalanceFull,
    CodeExpired,
    CodeRevoked,
    CodeUsed,
    CodeYoursAlready,
    InvalidCodeCount,
    NotACode,
    TooManyCodeGuesses,
    UnknownCode,
)
from plugin.errors import InvalidAmount
from plugin.money import MAX_MICRO
from plugin.store import Store, sqlite_alter
from plugin.store import sqlite_schema as migrations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from test_store import schema_of

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000.0
FIVE = 5_000_000
SHAPE = re.compile(
    r"^OWM-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}$"
)


def person(n: int | str) -> dict[str, str]:
    return {"id": f"u{n}", "name": f"User {n}", "email": f"u{n}@example.com", "role": "user"}


def redeem(store: Store, who: dict[str, str], text: str, *, init: int = 0, now: float = NOW) -> codes.Redeemed:
    return codes.redeem(store, who, text, init_balance=init, now=now)


def redeem_rows(store: Store) -> list[dict]:
    return store.query("SELECT user_id, amount, reference, reason FROM ledger WHERE kind = 'redeem' ORDER BY id")


# -- the codes themselves ---------------------------------------------------------------------------------


def test_a_code_is_owm_and_three_groups_of_an_alphabet_without_look_alikes_with_sixty_bits() -> None:
    made = {codes.generate() for _ in range(3000)}
    assert len(made) == 3000
    assert all(SHAPE.match(code) for code in made)
    assert not set("0O1I") & set(codes.ALPHABET) and len(set(codes.ALPHABET)) == 32
    assert len(codes.ALPHABET) ** codes.LETTERS >= 2**60
    letters = "".join(code[4:].replace("-", "") for code in made)
    assert set(letters) == set(codes.ALPHABET)  # every letter turns up: drawn from the whole alphabet


@pytest.mark.parametrize(
    "typed",
    [
        "OWM-K7QX-2345-ABCD",
        "owm-k7qx-2345-abcd",
        "OWM K7QX 2345 ABCD",
        "K7QX2345ABCD",
        " k7qx-2345-abcd ",
        "OWM–K7QX—2345-ABCD",
    ],
)
def test_a_code_is_read_in_any_case_with_spaces_or_dashes_and_with_or_without_its_prefix(typed: str) -> None:
    assert codes.letters_of(typed) == "K7QX2345ABCD"


@pytest.mark.parametrize(
    "typed", ["", "OWM-K7QX-2345-ABC", "OWM-K7QX-2345-ABCDE", "OWM-K7QX-2345-ABC0", "O1IK7QX2345A", "x" * 500]
)
def test_what_cannot_be_a_code_is_none(typed: str) -> None:
    assert codes.letters_of(typed) is None


def test_minting_stores_digests_and_last_groups_never_the_codes(store: Store) -> None:
    minted = codes.mint(store, FIVE, 5, actor="admin", note="spring", expires_at=NOW + 86_400)
    assert len(set(minted.codes)) == 5 and all(SHAPE.match(code) for code in minted.codes)
    rows = store.query("SELECT * FROM codes ORDER BY id")
    stored = json.dumps(rows, default=str)
    for code in minted.codes:
        letters = code[4:].replace("-", "")
        assert letters not in stored and code[4:] not in stored
    assert sorted(row["digest"] for row in rows) == sorted(
        hashlib.sha256(code[4:].replace("-", "").encode()).hexdigest() for code in minted.codes
    )
    assert {row["tail"] for row in rows} == {code[-4:] for code in minted.codes}
    assert {(row["amount"], row["note"], row["batch"], row["created_by"]) for row in rows} == {
        (FIVE, "spring", 1, "admin")
    }
    assert codes.mint(store, FIVE, 1, actor="admin").batch == 2


@pytest.mark.parametrize(
    ("amount", "count"), [(0, 1), (-1, 1), (MAX_MICRO + 1, 1), (FIVE, 0), (FIVE, codes.MAX_COUNT + 1)]
)
def test_minting_refuses_bad_amounts_and_counts_and_mints_nothing(store: Store, amount: int, count: int) -> None:
    with pytest.raises((InvalidAmount, InvalidCodeCount)):
        codes.mint(store, amount, count, actor="admin")
    assert store.query("SELECT * FROM codes") == []


# -- redeeming --------------------------------------------------------------------------------------------


def test_a_code_credits_once_with_a_redeem_row_naming_it_and_the_first_contact_gets_its_initial_balance(
    store: Store,
) -> None:
    first, second = codes.mint(store, FIVE, 2, actor="admin").codes
    ann, bob = person("ann"), person("bob")
    done = redeem(store, ann, first.lower(), init=1_000_000)
    assert (done.amount, done.balance, done.tail, done.created) == (FIVE, 6_000_000, first[-4:], True)
    kinds = [(r["kind"], r["amount"], r["actor"], r["reason"]) for r in store.ledger_for("uann")]
    assert kinds == [
        ("topup", 1_000_000, "system", "initial balance"),
        ("redeem", FIVE, "uann", f"code OWM-••••-••••-{first[-4:]}"),
    ]
    code_id = store.code_by_digest(codes.digest(first[4:].replace("-", "")))["id"]
    assert redeem_rows(store)[0]["reference"] == f"code:{code_id}"
    with pytest.raises(CodeYoursAlready):
        redeem(store, ann, first, init=1_000_000)
    with pytest.raises(CodeUsed):
        redeem(store, bob, first, init=1_000_000)
    # Bob's first contact still gave him his initial balance (once), though his code was refused.
    assert store.get_user("ubob")["balance"] == 1_000_000
    later = redeem(store, ann, second, init=1_000_000)
    assert (later.balance, later.created) == (11_000_000, False)
    assert [r["kind"] for r in store.ledger_for("uann")].count("topup") == 1
    assert store.reconcile() == []


def test_a_redeemed_credit_outlives_the_next_reset_of_an_allowance(store: Store, clock: FakeClock) -> None:
    daily = budgets.Allowance("day", "reset", 1_000_000, "user")
    code = codes.mint(store, FIVE, 1, actor="admin").codes[0]
    ann = person("ann")
    with store.immediate():
        store.ensure_user("uann", ann["name"], ann["email"], "user")
        budgets.refill(store, "uann", daily)  # today's allowance: 1.00
    assert redeem(store, ann, code, now=clock.now).balance == 1_000_000 + FIVE
    clock.advance(86_400)
    with store.immediate():
        budgets.refill(store, "uann", daily)  # tomorrow's reset
    assert store.get_user("uann")["balance"] == 1_000_000 + FIVE  # the code's 5.00 is the user's own money


def spend(store: Store, user_id: str, amount: int) -> None:
    with store.immediate():
        store.append_ledger(user_id, "charge", -amount, actor="filter", reference=f"spent-{amount}")


def test_a_reset_keeps_what_is_left_of_redeemed_credit_spent_after_the_allowance(
    store: Store, clock: FakeClock
) -> None:
    """The allowance is spent first, a code's credit last: a reset keeps min(credit, what the user has), across
    several periods, and codes redeemed before the user's first allowance count too."""
    daily = budgets.Allowance("day", "reset", 1_000_000, "user")
    first, second = codes.mint(store, FIVE, 2, actor="admin").codes
    ann = person("ann")
    redeem(store, ann, first, now=clock.now)  # before any allowance: 5.00
    with store.immediate():
        budgets.refill(store, "uann", daily)
    assert store.get_user("uann")["balance"] == 1_000_000 + FIVE
    spend(store, "uann", 2_500_000)  # the day's 1.00, then 1.50 of the code's credit
    clock.advance(86_400)
    with store.immediate():
        budgets.refill(store, "uann", daily)
    assert store.get_user("uann")["balance"] == 1_000_000 + 3_500_000
    redeem(store, ann, second, now=clock.now)
    spend(store, "uann", 500_000)  # within the day's allowance: the credit is whole
    clock.advance(86_400)
    with store.immediate():
        budgets.refill(store, "uann", daily)
    assert store.get_user("uann")["balance"] == 1_000_000 + 3_500_000 + FIVE
    spend(store, "uann", 1_000_000 + 3_500_000 + FIVE)  # everything
    clock.advance(86_400)
    with store.immediate():
        budgets.refill(store, "uann", daily)
    assert store.get_user("uann")["balance"] == 1_000_000  # no credit left: the allowance alone
    assert store.reconcile() == []


def test_an_add_allowance_and_an_admin_top_up_are_as_before(store: Store, clock: FakeClock) -> None:
    """Only redeemed credit outlives a reset (an admin who wants a top-up kept uses an `add` allowance)."""
    daily = budgets.Allowance("day", "reset", 1_000_000, "user")
    ann = person("ann")
    with store.immediate():
        store.ensure_user("uann", ann["name"], ann["email"], "user")
        budgets.refill(store, "uann", daily)
        store.append_ledger("uann", "topup", 2_000_000, actor="admin")
    clock.advance(86_400)
    with store.immediate():
        budgets.refill(store, "uann", daily)
    assert store.get_user("uann")["balance"] == 1_000_000
    weekly_add = budgets.Allowance("week", "add", 3_000_000, "user")
    clock.advance(7 * 86_400)
    with store.immediate():
        budgets.refill(store, "uann", weekly_add)
    assert store.get_user("uann")["balance"] == 4_000_000


def test_revoked_expired_and_unknown_codes_are_refused_and_move_no_money(store: Store) -> None:
    batch = codes.mint(store, FIVE, 3, actor="admin", note="Spring  promo").codes
    timed = codes.mint(store, FIVE, 1, actor="admin", expires_at=NOW + 60).codes[0]
    ann = person("ann")
    redeem(store, ann, batch[0])
    assert codes.revoke(store, batch[1], actor="admin") == codes.Revoked(1, 1, (batch[1][-4:],))
    revoked_all = codes.revoke(store, "spring promo", actor="admin")  # the note, any case and spacing
    assert (revoked_all.found, revoked_all.revoked) == (3, 1)  # the redeemed one stays redeemed
    before = store.ledger_for("uann")
    for code, error in ((batch[1], CodeRevoked), (batch[2], CodeRevoked), ("OWM-2222-3333-4444", UnknownCode)):
        with pytest.raises(error):
            redeem(store, ann, code)
    with pytest.raises(CodeExpired):
        redeem(store, ann, timed, now=NOW + 60)
    assert store.ledger_for("uann") == before
    assert redeem(store, person("bob"), timed, now=NOW + 59).amount == FIVE  # a second before it expires
    assert codes.status(store.code_by_digest(codes.digest(batch[0][4:].replace("-", ""))), NOW) == "redeemed"
    assert codes.revoke(store, "no such note", actor="admin").found == 0


def test_a_redemption_that_would_pass_the_largest_balance_is_refused(store: Store) -> None:
    code = codes.mint(store, MAX_MICRO, 1, actor="admin").codes[0]
    with pytest.raises(BalanceFull):
        redeem(store, person("ann"), code, init=1)
    assert store.get_user("uann")["balance"] == 1
    assert store.query("SELECT redeemed_by FROM codes") == [{"redeemed_by": None}]


# -- guessing ---------------------------------------------------------------------------------------------


def test_five_wrong_codes_in_ten_minutes_make_a_user_wait_and_malformed_ones_do_not_count(store: Store) -> None:
    good = codes.mint(store, FIVE, 1, actor="admin").codes[0]
    ann = person("ann")
    for _ in range(3):
        with pytest.raises(NotACode):
            redeem(store, ann, "hello")
    for n in range(5):
        with pytest.raises(UnknownCode):
            redeem(store, ann, f"OWM-2222-3333-444{n + 5}", now=NOW + n * 60)
    with pytest.raises(TooManyCodeGuesses) as refused:
        redeem(store, ann, good, now=NOW + 300)
    assert refused.value.params == {"minutes": 5}  # the first wrong one leaves the window at NOW + 600
    with pytest.raises(TooManyCodeGuesses):
        redeem(store, ann, good, now=NOW + 599)
    assert redeem(store, person("bob"), good, now=NOW + 300).amount == FIVE  # guesses are counted per user
    other = codes.mint(store, FIVE, 1, actor="admin").codes[0]
    assert redeem(store, ann, other, now=NOW + 600).amount == FIVE  # one guess has left the window
    guessers = codes.listing(store, "", page=1, size=20, now=NOW + 300).guessers
    assert [(g["user_id"], g["failures"], g["locked"]) for g in guessers] == [("uann", 5, True)]


# -- races ------------------------------------------------------------------------------------------------


def test_many_users_racing_for_one_code_on_the_stores_threads_credit_it_once(store: Store) -> None:
    code = codes.mint(store, FIVE, 1, actor="admin").codes[0]

    def attempt(n: int) -> str:
        try:
            redeem(store, person(n), code)
        except CodeUsed:
            return "used"
        return "won"

    async def race() -> list[str]:
        return await asyncio.gather(*(store.run(attempt, n) for n in range(24)))

    outcomes = asyncio.run(race())
    assert sorted(outcomes) == ["used"] * 23 + ["won"]
    assert len(redeem_rows(store)) == 1
    assert sum(row["balance"] for row in store.all_users()) == FIVE
    assert store.reconcile() == []


WORKER = """
import sys
from plugin.domain import codes
from plugin.domain.codes import CodeUsed
from plugin.store import PgStore, Store, is_url
path, worker, *wanted = sys.argv[1:]
s = (PgStore if is_url(path) else Store)(path)
won = 0
for n in range(6):
    for code in wanted:
        who = {"id": f"{worker}-{n}", "name": "", "email": "", "role": "user"}
        try:
            codes.redeem(s, who, code, init_balance=0, now=1_800_000_000.0)
            won += 1
        except CodeUsed:
            pass
print(won)
s.close()
"""


def test_processes_racing_for_the_same_codes_credit_each_exactly_once(db_target: str) -> None:
    setup = open_target(db_target)
    wanted = codes.mint(setup, FIVE, 3, actor="admin").codes
    setup.close()
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, db_target, f"w{n}", *wanted], cwd=ROOT, stdout=subprocess.PIPE)
        for n in range(4)
    ]
    won = [int(w.communicate(timeout=120)[0]) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0]
    assert sum(won) == 3
    check = open_target(db_target)
    try:
        rows = redeem_rows(check)
        assert len(rows) == 3 and len({row["reference"] for row in rows}) == 3
        assert sum(row["balance"] for row in check.all_users()) == 3 * FIVE
        assert check.reconcile() == []
    finally:
        check.close()


GUESSER = """
import sys
from plugin.domain import codes
from plugin.domain.codes import TooManyCodeGuesses, UnknownCode
from plugin.store import PgStore, Store, is_url
path, worker = sys.argv[1:]
s = (PgStore if is_url(path) else Store)(path)
who = {"id": "ann", "name": "Ann", "email": "", "role": "user"}
seen = []
for n in range(4):
    try:
        codes.redeem(s, who, f"OWM-2222-3333-{worker}" + "ABCD"[n] * 3, init_balance=0, now=1_800_000_000.0)
    except UnknownCode:
        seen.append("unknown")
    except TooManyCodeGuesses:
        seen.append("wait")
print(" ".join(seen))
s.close()
"""


def test_workers_count_the_same_wrong_guesses(db_target: str) -> None:
    """Four processes guessing for one user at once: exactly five guesses are heard, every later one waits."""
    open_target(db_target).close()
    workers = [
        subprocess.Popen([sys.executable, "-c", GUESSER, db_target, str(n + 5)], cwd=ROOT, stdout=subprocess.PIPE)
        for n in range(4)
    ]
    seen = " ".join(w.communicate(timeout=120)[0].decode() for w in workers).split()
    assert sorted(seen) == ["unknown"] * 5 + ["wait"] * 11
    check = open_target(db_target)
    try:
        assert len(check.code_failures("ann", 0)) == 5
    finally:
        check.close()


# -- listing, backups, migration --------------------------------------------------------------------------


def test_the_list_pages_newest_first_and_searches_notes_tails_and_redeemers(store: Store) -> None:
    spring = codes.mint(store, FIVE, 3, actor="admin", note="spring").codes
    codes.mint(store, FIVE, 2, actor="admin", note="autumn 100%_off")
    redeem(store, person("ann"), spring[0])
    page = codes.listing(store, "", page=1, size=2, now=NOW)
    assert (page.total, page.pages, len(page.rows)) == (5, 3, 2)
    assert [row["note"] for row in page.rows] == ["autumn 100%_off"] * 2
    assert codes.listing(store, "", page=99, size=2, now=NOW).page == 3
    assert codes.listing(store, "SPRING", page=1, size=20, now=NOW).total == 3
    assert codes.listing(store, "%_", page=1, size=20, now=NOW).total == 2  # LIKE's wildcards are text
    found = codes.listing(store, "User ann", page=1, size=20, now=NOW).rows
    assert [(row["tail"], row["redeemer_name"]) for row in found] == [(spring[0][-4:], "User ann")]
    assert codes.listing(store, spring[1][-4:], page=1, size=20, now=NOW).total >= 1


def test_a_backup_carries_the_codes_and_a_restore_keeps_them_spent_or_open(
    store: Store, make_store, backend: str
) -> None:
    spent, kept = codes.mint(store, FIVE, 2, actor="admin").codes
    redeem(store, person("ann"), spent)
    document = exchange.export_json(store)
    assert spent[4:] not in document and kept[4:] not in document
    assert restore.import_json(store, document, "admin").counts["codes"] == 2
    with pytest.raises(CodeUsed):
        redeem(store, person("bob"), spent)
    assert redeem(store, person("bob"), kept).amount == FIVE
    if is_postgres(store):  # the identity moved past the restored ids
        assert codes.mint(store, FIVE, 1, actor="admin").codes
        assert plain_rows(store, "SELECT COUNT(*) FROM codes") == [(3,)]


@pytest.mark.parametrize("in_place", [True, False], ids=["in place", "copied"])
def test_a_database_of_the_release_before_keeps_its_ledger_and_takes_redeem_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_place: bool
) -> None:
    """m006 widens the ledger's CHECK in place (its text in sqlite_master, instant at any size), or, where SQLite
    refuses that, copies the table: either way ids and rows are kept, the wider CHECK holds, the schema is
    schema.sql's, and a connection another worker opened before the upgrade reads the new CHECK too."""
    if not in_place:
        monkeypatch.setattr(sqlite_alter, "widen_ledger_kinds", lambda conn: False)
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.MIGRATIONS.apply(db, stop_before="m006_codes")
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ledger'").fetchone()
    worker = sqlite3.connect(path, isolation_level=None)
    worker.execute("SELECT COUNT(*) FROM ledger").fetchone()  # its schema read before the upgrade
    db.execute("INSERT INTO users (id, balance, created_at, updated_at) VALUES ('ann', 7, 0, 0)")
    db.execute(
        "INSERT INTO ledger (id, user_id, kind, amount, balance_after, actor, reason, reference, created_at)"
        " VALUES (41, 'ann', 'topup', 7, 7, 'system', 'initial balance', 'r', 1.5)"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at)"
            " VALUES ('ann', 'redeem', 1, 8, 'x', 2)"
        )
    db.conn.commit()
    db.conn.close()
    migrated = Store(path)
    try:
        assert migrated.ledger_for("ann") == [
            {
                "id": 41,
                "user_id": "ann",
                "kind": "topup",
                "amount": 7,
                "balance_after": 7,
                "actor": "system",
                "reason": "initial balance",
                "reference": "r",
                "created_at": 1.5,
            }
        ]
        code = codes.mint(migrated, FIVE, 1, actor="admin").codes[0]
        assert redeem(migrated, {"id": "ann", "name": "", "email": "", "role": "user"}, code).balance == FIVE + 7
        (now_root,) = migrated.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ledger'").fetchone()
        assert (now_root == root) == in_place  # in place: the same table, not a copy
        assert migrated.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with pytest.raises(sqlite3.IntegrityError):
            migrated.conn.execute(
                "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at)"
                " VALUES ('ann', 'gift', 1, 8, 'x', 2)"
            )
        worker.execute(
            "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at)"
            " VALUES ('ann', 'redeem', 0, 0, 'worker', 3)"
        )  # the old connection read the new schema (its version moved on)
        fresh = sqlite3.connect(tmp_path / "fresh.db")
        fresh.executescript(migrations.schema_sql())
        assert schema_of(migrated.conn) == schema_of(fresh)
        fresh.close()
        assert [row["id"] for row in migrated.ledger_for("ann")] == [41, 42, 43]  # 43: the worker's
        assert migrated.reconcile() == []
    finally:
        worker.close()
        migrated.close()


def test_a_claim_matches_only_an_open_code_whatever_was_read_before(store: Store) -> None:
    """The conditional UPDATE alone refuses a second claim, a revoked code and an expired one: a redemption that
    read the code as open an instant earlier still cannot credit it twice."""
    first, revoked, timed = codes.mint(store, FIVE, 3, actor="admin").codes
    ids = {
        code: store.code_by_digest(codes.digest(code[4:].replace("-", "")))["id"] for code in (first, revoked, timed)
    }
    with store.immediate():
        store.ensure_user("a", "", "", "user")
        store.ensure_user("b", "", "", "user")
        assert store.claim_code(ids[first], "a", NOW) is True
        assert store.claim_code(ids[first], "b", NOW) is False
        assert store.revoke_codes([ids[revoked]], "admin") == 1
        assert store.claim_code(ids[revoked], "a", NOW) is False
        store.engine.execute("UPDATE codes SET expires_at = ? WHERE id = ?", (NOW, ids[timed]))
        assert store.claim_code(ids[timed], "a", NOW) is False
        assert store.claim_code(ids[timed], "a", NOW - 1) is True
    assert plain_rows(store, "SELECT redeemed_by FROM codes ORDER BY id") == [("a",), (None,), ("a",)]


def test_widening_the_ledger_in_place_moves_the_schema_version_for_other_connections(tmp_path: Path) -> None:
    """On its own (no other change of m006 to move it), the edit of the table's text must tell every connection to
    read the schema again, or one opened before would go on refusing `redeem` rows."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.MIGRATIONS.apply(db, stop_before="m006_codes")
    db.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('ann', 0, 0)")
    db.conn.commit()
    worker = sqlite3.connect(path, isolation_level=None)
    insert = (
        "INSERT INTO ledger (user_id, kind, amount, balance_after, actor, created_at) VALUES ('ann', ?, 0, 0, 'w', 1)"
    )
    try:
        with pytest.raises(sqlite3.IntegrityError):
            worker.execute(insert, ("redeem",))
        assert sqlite_alter.widen_ledger_kinds(db.conn) is True
        db.conn.commit()
        worker.execute(insert, ("redeem",))
        with pytest.raises(sqlite3.IntegrityError):
            worker.execute(insert, ("gift",))
    finally:
        worker.close()
        db.close()
