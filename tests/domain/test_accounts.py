"""Admin operations on people (`domain/accounts.py`): finding users, balances and blocking, with hostile input."""

from __future__ import annotations

import pytest
from people import ADMIN, DIRECTORY, SQL, tables_intact, user

from plugin import money
from plugin.domain import accounts, billing
from plugin.errors import AmbiguousUser, InvalidAmount, NegativeBalance, UnknownUser, UserBlocked
from plugin.store import Store
from plugin.ui.admin_views import said
from plugin.words import i18n

# -- finding users ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ANN@example.com", "u-ann"),  # exact email, any case
        ("u-bob", "u-bob"),  # exact id
        ("bob", "u-bob"),  # exact name wins over the substring that also matches Bobby
        ("ann lee", "u-ann"),
        ("tables", "u-bobby"),  # unique substring of a name
        ("school.org", "u-bobby"),  # unique substring of an email
        ("张", "u-zh"),
        ("Bobby Tables <bobby@school.org>", "u-bobby"),  # as the candidate list shows people
        (SQL, "u-sql"),  # a hostile name is just a name
        ("  u-ann  ", "u-ann"),
    ],
)
def test_find_user(store: Store, query: str, expected: str) -> None:
    found = accounts.find_user(DIRECTORY, store, query)
    assert found["id"] == expected
    assert store.get_user(expected) is not None  # the row now exists, for users who never chatted
    tables_intact(store)


def test_find_user_creates_the_row_with_the_initial_balance_once(store: Store) -> None:
    found = accounts.find_user(DIRECTORY, store, "ann@example.com", init_balance=3_000_000)
    assert found["created"] is True and found["balance"] == 3_000_000 and found["blocked"] is False
    again = accounts.find_user(DIRECTORY, store, "ann@example.com", init_balance=3_000_000)
    assert again["created"] is False and again["balance"] == 3_000_000
    assert [(r["kind"], r["amount"], r["actor"]) for r in store.ledger_for("u-ann")] == [("topup", 3_000_000, "system")]
    # The filter must not give the initial balance a second time at the first chat.
    billing.admit(
        store,
        billing.Member("u-ann", "Ann Lee", "ann@example.com"),
        chat_id="c",
        message_id="m",
        model_id="gpt",
        hold=0,
        init_balance=3_000_000,
    )
    assert store.get_user("u-ann")["balance"] == 3_000_000
    assert store.reconcile() == []


def test_find_user_refreshes_the_profile_from_the_directory(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u-ann", "Old Name", "old@example.com", "user")
    accounts.find_user(DIRECTORY, store, "ann@example.com")
    row = store.get_user("u-ann")
    assert (row["name"], row["email"]) == ("Ann Lee", "ann@example.com")


def test_users_who_left_open_webui_are_still_found(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u-gone", "Gone Person", "gone@example.com", "user")
    assert accounts.find_user(DIRECTORY, store, "gone@example.com")["id"] == "u-gone"


def test_ambiguous_user_lists_candidates_capped(store: Store) -> None:
    with pytest.raises(AmbiguousUser) as caught:
        accounts.find_user(DIRECTORY, store, "bo")
    candidates = caught.value.params["candidates"]
    assert "- Bob <bob@example.com>" in candidates and "- Bobby Tables <bobby@school.org>" in candidates
    assert "Ann" not in candidates
    many = [{"id": f"u{i}", "name": f"Sam {i}", "email": f"sam{i}@x.org"} for i in range(25)]
    with pytest.raises(AmbiguousUser) as caught:
        accounts.find_user(many, store, "sam")
    lines = caught.value.params["candidates"].splitlines()
    assert len(lines) == accounts.MAX_CANDIDATES + 1 and lines[-1] == "- … (+15)"
    assert "sam" in caught.value.message("en")


def test_two_people_with_one_exact_name_are_ambiguous(store: Store) -> None:
    twins = [*DIRECTORY, {"id": "u-bob2", "name": "BOB", "email": "bob2@example.com"}]
    with pytest.raises(AmbiguousUser):
        accounts.find_user(twins, store, "bob")


@pytest.mark.parametrize("query", ["", "   ", "nobody", "u-", "%", "_", "*", SQL + "x", "a" * 10_000])
def test_unknown_user(store: Store, query: str) -> None:
    # Ids match only exactly; "%" and "_" are not wildcards here.
    with pytest.raises(UnknownUser) as caught:
        accounts.find_user(DIRECTORY, store, query)
    assert len(caught.value.params["query"]) <= 80
    assert store.all_users() == []  # nothing was created
    tables_intact(store)


def test_substring_of_one_email_is_unique(store: Store) -> None:
    assert accounts.find_user(DIRECTORY, store, "ann@example")["id"] == "u-ann"


# -- balances -----------------------------------------------------------------------------------------------


def test_set_balance_writes_one_set_row_for_the_difference(store: Store) -> None:
    user(store, balance=2_000_000)
    change = accounts.set_balance(store, "u-ann", 5_500_000, ADMIN, "prize")
    assert (change.old, change.new, change.delta) == (2_000_000, 5_500_000, 3_500_000)
    last = store.ledger_for("u-ann")[-1]
    assert (last["kind"], last["amount"], last["balance_after"], last["actor"], last["reason"]) == (
        "set",
        3_500_000,
        5_500_000,
        ADMIN,
        "prize",
    )
    down = accounts.set_balance(store, "u-ann", 0, ADMIN)
    assert down.delta == -5_500_000 and store.get_user("u-ann")["balance"] == 0
    assert said(change, "en") == "Balance of U-Ann (u-ann@example.com) set to $5.5000 (was $2.0000)."
    assert store.reconcile() == []


@pytest.mark.parametrize("amount", [-1, money.MAX_MICRO + 1])
def test_set_balance_refuses_negative_and_absurd(store: Store, amount: int) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(InvalidAmount):
        accounts.set_balance(store, "u-ann", amount, ADMIN)
    assert store.get_user("u-ann")["balance"] == 1_000_000 and len(store.ledger_for("u-ann")) == 1


def test_balance_ops_on_unknown_user(store: Store) -> None:
    for op in (
        lambda: accounts.set_balance(store, SQL, 1, ADMIN),
        lambda: accounts.add_balance(store, SQL, 1, ADMIN),
        lambda: accounts.block(store, SQL, True, ADMIN),
    ):
        with pytest.raises(UnknownUser):
            op()
    assert store.query("SELECT COUNT(*) AS n FROM ledger")[0]["n"] == 0
    tables_intact(store)


def test_add_balance_topup_and_deduction(store: Store) -> None:
    user(store, balance=1_000_000)
    up = accounts.add_balance(store, "u-ann", 2_500_000, ADMIN, "bonus")
    assert (up.key, up.old, up.new) == ("balance_added", 1_000_000, 3_500_000)
    down = accounts.add_balance(store, "u-ann", -3_500_000, ADMIN)
    assert (down.key, down.new) == ("balance_deducted", 0)
    kinds = [(r["kind"], r["amount"], r["actor"]) for r in store.ledger_for("u-ann")[1:]]
    assert kinds == [("topup", 2_500_000, ADMIN), ("adjust", -3_500_000, ADMIN)]
    assert said(down, "es") == "Se descontó $3.5000 del saldo de U-Ann (u-ann@example.com): $3.5000 → $0.0000."
    assert store.reconcile() == []


def test_deduction_below_zero_is_refused_and_changes_nothing(store: Store) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(NegativeBalance) as caught:
        accounts.add_balance(store, "u-ann", -1_000_001, ADMIN)
    assert caught.value.params["balance"] == "$1.0000"
    for lang in i18n.LANGUAGES:
        assert "1.0000" in caught.value.message(lang)
    assert store.get_user("u-ann")["balance"] == 1_000_000 and len(store.ledger_for("u-ann")) == 1


@pytest.mark.parametrize("amount", [0, money.MAX_MICRO + 1, -(money.MAX_MICRO + 1)])
def test_add_balance_refuses_zero_and_absurd(store: Store, amount: int) -> None:
    user(store, balance=1_000_000)
    with pytest.raises(InvalidAmount):
        accounts.add_balance(store, "u-ann", amount, ADMIN)
    assert len(store.ledger_for("u-ann")) == 1


def test_balance_may_not_grow_past_the_cap(store: Store) -> None:
    user(store, balance=money.MAX_MICRO)
    with pytest.raises(InvalidAmount):
        accounts.add_balance(store, "u-ann", 1, ADMIN)
    assert store.get_user("u-ann")["balance"] == money.MAX_MICRO


# -- blocking -----------------------------------------------------------------------------------------------


def test_block_is_audited_and_enforced_and_idempotent(store: Store) -> None:
    user(store, balance=5_000_000)
    done = accounts.block(store, "u-ann", True, ADMIN)
    assert (done.key, done.changed) == ("user_blocked_done", True)
    again = accounts.block(store, "u-ann", True, ADMIN)
    assert (again.key, again.changed) == ("user_already_blocked", False)
    refused = billing.admit(
        store, billing.Member("u-ann"), chat_id="c", message_id="m", model_id="gpt", hold=0, init_balance=0
    )
    assert isinstance(refused, billing.Refusal) and isinstance(refused.error, UserBlocked)
    assert accounts.block(store, "u-ann", False, ADMIN).key == "user_unblocked_done"
    assert accounts.block(store, "u-ann", False, ADMIN).key == "user_already_unblocked"
    audit = [(r["kind"], r["amount"], r["actor"], r["reason"]) for r in store.ledger_for("u-ann")[1:]]
    assert audit == [("adjust", 0, ADMIN, "blocked"), ("adjust", 0, ADMIN, "unblocked")]
    assert store.get_user("u-ann")["balance"] == 5_000_000
    assert store.reconcile() == []
