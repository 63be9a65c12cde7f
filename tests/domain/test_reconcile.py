"""Reconciliation: every cached `users.balance` proved against (or repaired from) the sum of the ledger."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sessions

from plugin.domain import accounts
from plugin.domain.accounts import BalanceDifference
from plugin.store import Store
from plugin.ui import admin_views
from plugin.ui.commands import admin_only
from plugin.ui.parse import Command, parse
from plugin.words import i18n

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_900_000.0
ADMIN = {"id": "a1", "name": "Ada Admin", "email": "ada@example.com", "role": "admin"}
ALICE = {"id": "u1", "name": "Alice | *bold* <b>", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
HOSTILE_NAME = "Alice | *bold* <b>"


def seed(store: Store) -> None:
    """Alice: topped up 5, charged 0.111111; Bob: topped up 7, holding 0.5 for an open chat."""
    with store.immediate():
        for user in (ALICE, BOB):
            store.ensure_user(user["id"], user["name"], user["email"], user["role"])
        store.append_ledger("u1", "topup", 5_000_000, actor="a1")
        store.append_ledger("u1", "charge", -111_111, actor="filter", reference="c1")
        store.append_ledger("u2", "topup", 7_000_000, actor="a1")
        store.open_request("c", "m", "u2", "gpt-4o", 500_000)
        store.append_ledger("u2", "hold", -500_000, actor="filter", reference="c:m")


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store


def corrupt(store: Store, user_id: str, balance: int) -> None:
    """What a bug or a hand edit would do: change the cache without a ledger row."""
    store.conn.execute("UPDATE users SET balance = ? WHERE id = ?", (balance, user_id))


def ledger(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM ledger ORDER BY id")


def balance(store: Store, user_id: str) -> int:
    row = store.get_user(user_id)
    assert row is not None
    return row["balance"]


def ask(store: Store, user: dict, text: str, lang: str = "en") -> str:
    return sessions.ask(sessions.session(store, user, directory=[ADMIN, ALICE, BOB], lang=lang), text)


# -- the operation ------------------------------------------------------------------------------------------


def test_balances_that_agree_are_reported_as_agreeing(seeded: Store) -> None:
    result = accounts.reconcile(seeded, repair=False, actor="a1")
    assert result.users == 2 and result.differences == () and not result.repaired
    assert (result.open_holds, result.held) == (1, 500_000)
    assert admin_views.said(result, "en").startswith("All 2 balances agree with the ledger.")


def test_a_corrupted_balance_is_reported_and_left_alone_without_repair(seeded: Store) -> None:
    corrupt(seeded, "u1", 4_888_890)  # one micro-unit more than the ledger explains
    before = ledger(seeded)
    result = accounts.reconcile(seeded, repair=False, actor="a1")
    assert result.differences == (
        BalanceDifference("u1", HOSTILE_NAME, "alice@example.com", balance=4_888_890, ledger_sum=4_888_889),
    )
    assert result.differences[0].difference == 1
    assert not result.repaired
    assert balance(seeded, "u1") == 4_888_890
    assert ledger(seeded) == before
    text = admin_views.said(result, "en")
    assert text.startswith("1 of 2 balances differs from the ledger; nothing was changed.")
    assert "| $4.888890 | $4.888889 | +$0.000001 |" in text
    assert "/reconcile repair" in text


def test_repair_sets_the_balance_to_the_ledger_sum_and_leaves_the_ledger_alone(seeded: Store) -> None:
    corrupt(seeded, "u1", 0)
    corrupt(seeded, "u2", 9_999_999)
    before = ledger(seeded)
    result = accounts.reconcile(seeded, repair=True, actor="a1")
    assert result.repaired
    assert [(d.user_id, d.balance, d.ledger_sum, d.difference) for d in result.differences] == [
        ("u1", 0, 4_888_889, -4_888_889),
        ("u2", 9_999_999, 6_500_000, 3_499_999),
    ]
    assert ledger(seeded) == before
    assert balance(seeded, "u1") == sum(r["amount"] for r in before if r["user_id"] == "u1") == 4_888_889
    assert balance(seeded, "u2") == sum(r["amount"] for r in before if r["user_id"] == "u2") == 6_500_000
    assert seeded.reconcile() == []
    assert admin_views.said(result, "en").startswith("Repaired 2 of 2 balances")
    again = accounts.reconcile(seeded, repair=True, actor="a1")
    assert again.differences == () and not again.repaired
    assert admin_views.said(again, "en").startswith("All 2 balances agree with the ledger.")


def test_a_user_without_ledger_rows_is_repaired_to_zero(store: Store) -> None:
    with store.immediate():
        store.ensure_user("u9", "Nobody", "n@example.com", "user")
    corrupt(store, "u9", 123)
    result = accounts.reconcile(store, repair=True, actor="a1")
    assert [(d.balance, d.ledger_sum) for d in result.differences] == [(123, 0)]
    assert balance(store, "u9") == 0 and ledger(store) == []


def test_the_check_and_the_repair_are_one_transaction(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    corrupt(seeded, "u1", 1)
    corrupt(seeded, "u2", 2)
    real = seeded.repair_balance
    calls: list[str] = []

    def failing(user_id: str) -> int:
        calls.append(user_id)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(user_id)

    monkeypatch.setattr(seeded, "repair_balance", failing)
    with pytest.raises(RuntimeError):
        accounts.reconcile(seeded, repair=True, actor="a1")
    assert calls == ["u1", "u2"]
    assert (balance(seeded, "u1"), balance(seeded, "u2")) == (1, 2)  # the first repair was rolled back


def test_a_long_list_is_cut_in_the_chat_answer(store: Store) -> None:
    with store.immediate():
        for n in range(admin_views.RECONCILE_ROWS + 3):
            store.ensure_user(f"u{n:03}", f"User {n}", f"u{n}@example.com", "user")
    store.conn.execute("UPDATE users SET balance = 7")
    result = accounts.reconcile(store, repair=False, actor="a1")
    assert len(result.differences) == admin_views.RECONCILE_ROWS + 3
    text = admin_views.said(result, "en")
    assert text.count("| +$0.000007 |") == admin_views.RECONCILE_ROWS
    assert "… and 3 more not shown." in text


# -- the report model ---------------------------------------------------------------------------------------


def test_admin_reconcile_in_the_chat(seeded: Store) -> None:
    assert ask(seeded, ADMIN, "/reconcile").startswith("All 2 balances agree with the ledger.")
    corrupt(seeded, "u1", 5_000_000)
    text = ask(seeded, ADMIN, "/reconcile")
    assert "1 of 2 balances differ" in text
    # The name is quoted back through markdown.cell: no table break, no bold, no HTML.
    assert r"Alice \| \*bold\* \<b\>" in text and "<b>" not in text
    assert "| alice@example.com | $5.0000 | $4.888889 | +$0.111111 |" in text
    assert "1 pre-charge hold of an open chat, $0.5000, is in the ledger already." in text
    assert balance(seeded, "u1") == 5_000_000
    repaired = ask(seeded, ADMIN, "/reconcile repair")
    assert repaired.startswith("Repaired 1 of 2 balances") and "Balance before" in repaired
    assert balance(seeded, "u1") == 4_888_889
    assert ask(seeded, ADMIN, "/reconcile repair").startswith("All 2 balances agree")


@pytest.mark.parametrize(
    ("lang", "text", "agree", "found", "repaired"),
    [
        ("zh", "对账", "全部 2 个余额都与账本一致", "2 个余额中有 1 个与账本不一致", "已修复 2 个余额中的 1 个"),
        ("es", "/conciliar", "Todos los saldos (2) coinciden", "1 de 2 saldos no coincide ", "Se repararon 1 de 2"),
    ],
)
def test_reconcile_is_translated(seeded: Store, lang: str, text: str, agree: str, found: str, repaired: str) -> None:
    assert agree in ask(seeded, ADMIN, text, lang)
    corrupt(seeded, "u2", 1)
    answer = ask(seeded, ADMIN, text, lang)
    assert found in answer and i18n.t(lang, "col_ledger_sum") in answer
    assert repaired in ask(seeded, ADMIN, f"{text} {'修复' if lang == 'zh' else 'reparar'}", lang)
    assert seeded.reconcile() == []


@pytest.mark.parametrize("text", ["/reconcile", "/reconcile repair", "对账 修复"])
def test_a_normal_user_is_refused_and_nothing_changes(seeded: Store, text: str) -> None:
    corrupt(seeded, "u2", 1)
    before = ledger(seeded)
    answer = ask(seeded, ALICE, text)
    assert answer.startswith("That command is for administrators.")
    assert "differ" not in answer and "Repaired" not in answer
    assert balance(seeded, "u2") == 1
    assert ledger(seeded) == before


def test_parser_and_help() -> None:
    assert parse("/reconcile") == Command("reconcile", raw="/reconcile")
    assert parse("/reconcile repair").sub == "repair"
    assert parse("/reconcile repairs").sub == ""  # only the word itself repairs
    assert admin_only(parse("/reconcile"))
    for lang in i18n.LANGUAGES:
        assert "`/reconcile [repair]`" in i18n.t(lang, "help_admin")
        assert "reconcile" not in i18n.t(lang, "help_user")


# -- the command line ---------------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plugin", "reconcile", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.db"
    store = Store(path)
    seed(store)
    store.close()
    return path


def reopen(path: Path) -> Store:
    return Store(path)


def test_cli_agreement_exits_0(db_file: Path) -> None:
    result = cli("--db", str(db_file))
    assert result.returncode == 0, result.stderr
    assert "All 2 balances agree with the ledger." in result.stdout
    assert "1 pre-charge hold of an open chat, 0.5000, is in the ledger already." in result.stdout


@pytest.fixture
def seeded_target(db_target: str, backend: str, make_store) -> tuple[list[str], Callable[[], Store]]:
    """The CLI's arguments for a seeded database of either backend, and a way to open it again."""
    seed(make_store())
    return ["--db" if backend == "sqlite" else "--url", db_target], make_store


def test_cli_reports_differences_with_exit_1_then_repairs_with_exit_0(seeded_target) -> None:
    where, reopen = seeded_target
    store = reopen()
    corrupt(store, "u1", 4_888_890)
    before = ledger(store)
    store.close()

    found = cli(*where)
    assert found.returncode == 1, found.stderr
    assert "1 of 2 balances differs from the ledger; nothing was changed." in found.stdout
    assert "user u1 (Alice | *bold* <b> <alice@example.com>): cached 4.888890, ledger sum 4.888889" in found.stdout
    assert "difference +0.000001" in found.stdout and "--repair" in found.stdout
    store = reopen()
    assert balance(store, "u1") == 4_888_890
    store.close()

    repaired = cli(*where, "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "Repaired 1 of 2 balances" in repaired.stdout and "was 4.888890" in repaired.stdout
    store = reopen()
    assert balance(store, "u1") == 4_888_889 and ledger(store) == before
    store.close()

    again = cli(*where)
    assert again.returncode == 0 and "All 2 balances agree" in again.stdout


def test_cli_default_path_comes_from_data_dir(db_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "openwebui_monitor").mkdir(parents=True)
    db_file.rename(data / "openwebui_monitor" / "monitor.db")
    result = cli(env={"DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert str(data / "openwebui_monitor" / "monitor.db") in result.stdout


def test_cli_does_not_import_open_webui(db_file: Path) -> None:
    probe = (
        "import sys; from plugin.__main__ import main; code = main(['reconcile', '--db', sys.argv[1]]);"
        " assert not [m for m in sys.modules if m.split('.')[0] == 'open_webui']; sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(db_file)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_cli_missing_file_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "monitor.db"
    result = cli("--db", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == f"reconcile failed: no database at {missing} (nothing was created; pass --db PATH)"
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not missing.exists() and not missing.parent.exists()
    default = cli(env={"DATA_DIR": str(tmp_path / "empty")})
    assert default.returncode == 2 and not (tmp_path / "empty").exists()


def test_cli_unreachable_server_exits_2_without_the_password() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("--url", f"postgresql://bob:s3cret@127.0.0.1:{port}/monitor")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"reconcile failed: postgresql://bob:***@127.0.0.1:{port}/monitor: the server cannot be reached"
    )
    assert "s3cret" not in result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["directory", "not sqlite", "empty file", "other sqlite"])
def test_cli_bad_path_exits_2_with_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing.db"
    if kind == "directory":
        path.mkdir()
    elif kind == "not sqlite":
        path.write_text("hello, not a database\n" * 100)
    elif kind == "empty file":
        path.write_bytes(b"")
    else:
        import sqlite3

        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.close()
    before = path.read_bytes() if path.is_file() else None
    result = cli("--db", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reconcile failed: ") and "Traceback" not in result.stderr
    if before is not None:
        assert path.read_bytes() == before  # no monitor tables were created in someone else's file
