"""Copy a SQLite monitor database into PostgreSQL and prove the copy: `python -m plugin migrate-to-postgres`.

A tool, not part of the Functions (the bundle leaves it out): an admin runs it once, when several Open WebUI
replicas are to share one PostgreSQL database, and points the functions' `database_url` valve at the copy.

The rules, and why:

* The source is only read. It is opened with SQLite's `mode=ro`, never through `Store`, which would migrate the
  file and switch its journal mode: a migration tool that changed the database it was asked to copy could not
  be trusted to leave it as the fallback. For the same reason a source of an older schema is refused, not
  migrated here: the admin opens it once with the current version (or migrates a copy) and runs this again.
  Every table is read in one read transaction, so the copy is one consistent moment of the file.
* The copy is one PostgreSQL transaction under the store's exclusive lock (`PgStore.immediate`), through the
  store's own `replace_all` (which moves the identity sequences past the copied ids): any failure leaves the
  target exactly as it was. The report rollups are not copied: PostgreSQL's triggers rebuild them as the usage
  rows go in, so they agree with the copied usage by construction (the verification checks that too).
* A target that already holds monitor data (a row in users, ledger or usage) is refused unless the admin says
  `replace`: copying over balances a running replica has been changing would lose money silently.
* After the commit everything is read back, on a connection of its own, and compared with the source: rows per
  table, every row, each user's balance against the source and against the target's own ledger, the ledger
  per user and the grand totals. The copy is only called verified when all of it agrees.
* A balance the source's own ledger does not explain is refused before anything is copied: the copy would carry
  the difference over and the verification would fail after the commit; `reconcile --repair` settles it first.

`price_history` (the admins' undo of price changes) is copied as well, ids kept: it is not among `TABLES`
(a restore deliberately starts it over), but a move to another database should not lose it.

Functions here return data and raise `TransferError` with one line; printing is `plugin/tools/cli.py`'s.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ..domain import rollups
from ..errors import StoreUnavailable
from ..store import (
    COPIED,
    HISTORY_COLUMNS,
    TABLES,
    LedgerChecks,
    PgStore,
    RestoreError,
    Snapshots,
    SqliteReader,
    Store,
    is_url,
    redacted,
)
from ..store import sqlite_schema as migrations

# Tables whose rows mean the target is in use: users and what they spent.
IN_USE = ("users", "ledger", "usage")
MAX_ROW_DIFFERENCES = 20  # per table: the rest are counted, not listed
_ABSENT = "(no such column)"


class TransferError(Exception):
    """Why nothing was copied (or the copy was rolled back): one line, never the URL's password."""


@dataclass(frozen=True)
class Facts:
    """What the verification compares between the source and the target, read the same way from both."""

    counts: dict[str, int]  # rows per table of COPIED
    balances: dict[str, int]  # users.balance per user id
    ledger: dict[str, tuple[int, int]]  # per user id: (ledger rows, sum of their amounts)
    totals: dict[str, int]  # ledger_total, usage_cost, usage_count


@dataclass(frozen=True)
class Outcome:
    """A copy that was committed, and what its verification found (`problems` empty: verified)."""

    source: str
    target: str  # the URL without its password
    rows: dict[str, int]  # rows per table copied
    users: int
    total_balance: int  # micro-units
    replaced: bool  # the target held monitor data, now replaced
    problems: tuple[str, ...] = field(default=())


class Source(Snapshots, LedgerChecks):
    """The SQLite file opened read-only, read by the store's own record code over a read-only engine (so a row
    reads the same from the source as `Store.dump` gives it). Nothing here can write: SQLite refuses it."""

    engine: SqliteReader

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():  # mode=ro never creates a file, but say it plainly
            raise TransferError(f"no database at {path} (nothing was created; pass --db PATH)")
        try:
            self.conn = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise TransferError(f"{path} is not a readable SQLite database ({exc})") from exc
        self.engine = SqliteReader(self.conn)

    def close(self) -> None:
        self.conn.close()


@dataclass
class Snapshot:
    """Every row of the source at one moment, and its facts at the same moment."""

    tables: dict[str, list[dict[str, Any]]]
    facts: Facts
    columns: dict[str, set[str]]


def latest_steps() -> list[str]:
    """The migration steps this version applies to a new database, in order (run on an in-memory database,
    so the answer is the code's own and no list is kept by hand)."""
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    try:
        migrations.apply(db)
        return [step.name for step in migrations.MIGRATIONS.applied(db)]
    finally:
        db.close()


def read_source(path: Path) -> Snapshot:
    """The whole source in one read transaction, after checking it is a monitor database of this version whose
    balances agree with its ledger."""
    source = Source(path)
    try:
        source.conn.execute("BEGIN")
        try:
            names = source.engine.table_names()
            if not {"users", "ledger", "_sqlite_migrations"} <= names:
                raise TransferError(f"{path} is not an OpenWebUI Monitor database")
            _check_version(path, source.engine.applied_steps())
            if differ := source.reconcile():
                first = differ[0]
                raise TransferError(
                    f"{len(differ)} balance(s) in {path} differ from the ledger (user {first['id']}: balance"
                    f" {first['balance']}, ledger sum {first['ledger_sum']} micro-units); run"
                    f" `python -m plugin reconcile --db {path} --repair` first (or on a copy, and copy that)"
                )
            tables = {table: source.dump(table) for table in TABLES}
            tables["price_history"] = source.history_rows()
            columns = {table: {c["name"] for c in source.columns(table)} for table in COPIED}
            facts = read_facts(source)
        finally:
            source.conn.execute("ROLLBACK")  # it only read
    except sqlite3.Error as exc:
        raise TransferError(f"{path}: cannot read it ({exc})") from exc
    finally:
        source.close()
    return Snapshot(tables, facts, columns)


def _check_version(path: Path, applied: list[str]) -> None:
    """Refuse a source whose schema is not this version's: the copy's columns would not match, and migrating
    the source here would change the file this tool promises only to read."""
    latest = latest_steps()
    if applied == latest:
        return
    have = applied[-1] if applied else "none"
    if set(applied) < set(latest):
        raise TransferError(
            f"{path} has an older schema ({have}; this version needs {latest[-1]}): open it once with this version"
            " (start Open WebUI with the current functions), or migrate a copy, then run this again"
        )
    raise TransferError(f"{path} has a schema this version does not know ({have}): use the version that wrote it")


def read_facts(store: Snapshots) -> Facts:
    """Counts, balances, ledger sums per user and grand totals: the same statements on either backend."""
    counts = {table: store.row_count(table) for table in COPIED}
    return Facts(counts, store.balances(), store.ledger_sums(), store.grand_totals())


# -- the target ---------------------------------------------------------------------------------------------


def scrub(text: str, url: str) -> str:
    """`text` with every password of `url` (as written and percent-decoded) replaced by ***."""
    secrets = re.findall(r"^[^:/?#]+://[^/?#@]*?:([^/?#@]*)@", url) + re.findall(r"[?&]password=([^&#]*)", url)
    forms = {form for found in secrets if found for form in (found, unquote(found))}
    for secret in sorted(forms, key=len, reverse=True):  # a longer form first: a shorter may be inside it
        text = text.replace(secret, "***")
    return text


def check_url(url: str) -> None:
    if not is_url(url):
        raise TransferError(f"{redacted(url)} is not a PostgreSQL URL (postgresql://user:password@host:5432/database)")


def open_target(url: str) -> PgStore:
    """The target store (its schema created if missing), or a one-line TransferError: not a PostgreSQL URL, no
    psycopg, or a server that cannot be reached or refuses us."""
    check_url(url)
    try:
        import psycopg
    except ImportError:
        raise TransferError("PostgreSQL needs psycopg 3: pip install 'psycopg[binary]>=3.1'") from None
    try:  # first on its own: PgStore reports a lost server as StoreUnavailable, which does not say why
        psycopg.connect(url, autocommit=True, connect_timeout=10).close()
        return PgStore(url)
    except (psycopg.Error, StoreUnavailable, ValueError) as exc:
        raise TransferError(f"cannot use {redacted(url)}: {_first_line(exc, url)}") from None


def _first_line(exc: BaseException, url: str) -> str:
    cause = exc.__cause__ if isinstance(exc, StoreUnavailable) and exc.__cause__ else exc
    lines = str(cause).strip().splitlines()
    return scrub(" ".join(lines[0].split()) if lines else type(cause).__name__, url)


def _check_columns(pg: PgStore, snapshot: Snapshot) -> None:
    """Source and target must have the same columns in every table: a column only one of them has would be
    refused halfway through the copy, or silently left at its default."""
    target = {table: {c["name"] for c in pg.columns(table)} for table in COPIED}
    for table in COPIED:
        expected = set(HISTORY_COLUMNS) if table == "price_history" else target[table]
        for side, names in (("source", snapshot.columns[table]), ("target", target[table])):
            if names != expected:
                odd = sorted(names ^ expected)
                raise TransferError(f"the {side}'s {table} table does not have this version's columns ({odd})")


def copy(pg: PgStore, snapshot: Snapshot, *, replace: bool) -> bool:
    """Replace the target's monitor data with the snapshot in one transaction; True when it held some."""
    import psycopg

    try:
        _check_columns(pg, snapshot)
        with pg.immediate():
            held = any(pg.has_rows(table) for table in IN_USE)
            if held and not replace:
                raise TransferError(
                    f"{redacted(pg.url)} already holds monitor data (users, ledger or usage rows); nothing was copied."
                    " Pass --replace to delete it and copy the SQLite database over it"
                )
            pg.replace_all({table: snapshot.tables[table] for table in TABLES})  # resequences the identities
            pg.insert_history(snapshot.tables["price_history"])  # and again, for price_history's ids
    except (RestoreError, psycopg.Error, StoreUnavailable) as exc:
        raise TransferError(
            f"the copy failed and was rolled back, the target is as it was: {_first_line(exc, pg.url)}"
        ) from None
    return held


# -- the verification -------------------------------------------------------------------------------------


def verify(url: str, snapshot: Snapshot) -> list[str]:
    """Every difference between the source (as read) and the committed target, read on a store of its own in
    one transaction; an empty list means the copy is exact."""
    import psycopg

    try:
        check = PgStore(url)
    except (psycopg.Error, StoreUnavailable) as exc:
        return [f"the copy was committed but could not be read back: {_first_line(exc, url)}"]
    try:
        with check.immediate():
            problems = compare_facts(snapshot.facts, read_facts(check))
            problems += [
                f"user {row['id']}: balance {row['balance']} but the target's ledger sums to {row['ledger_sum']}"
                for row in check.reconcile()
            ]
            problems += [f"rollup {line}" for line in rollups.mismatches(check)]
            for table in COPIED:
                rows = check.history_rows() if table == "price_history" else check.dump(table)
                problems += compare_rows(table, snapshot.tables[table], rows, _key_columns(check, table))
    except (psycopg.Error, StoreUnavailable) as exc:
        problems = [f"the copy was committed but could not be read back: {_first_line(exc, url)}"]
    finally:
        check.close()
    return problems


def compare_facts(source: Facts, target: Facts) -> list[str]:
    """Each fact of the source the target does not have, in words (amounts in micro-units)."""
    problems = [
        f"{table}: {source.counts[table]} rows in the source, {target.counts.get(table)} in the target"
        for table in COPIED
        if source.counts[table] != target.counts.get(table)
    ]
    for user_id in sorted(source.balances.keys() | target.balances.keys()):
        want, got = source.balances.get(user_id), target.balances.get(user_id)
        if want != got:
            problems.append(f"user {user_id}: balance {want} in the source, {got} in the target")
    for user_id in sorted(source.ledger.keys() | target.ledger.keys()):
        want_l, got_l = source.ledger.get(user_id, (0, 0)), target.ledger.get(user_id, (0, 0))
        if want_l != got_l:
            problems.append(
                f"user {user_id}: ledger {want_l[0]} rows summing to {want_l[1]} in the source,"
                f" {got_l[0]} rows summing to {got_l[1]} in the target"
            )
    for name, value in source.totals.items():
        if target.totals.get(name) != value:
            problems.append(f"{name}: {value} in the source, {target.totals.get(name)} in the target")
    return problems


def _key_columns(store: Store, table: str) -> list[str]:
    return ["id"] if table == "price_history" else [c["name"] for c in store.primary_key(table)]


def compare_rows(table: str, source: list[dict[str, Any]], target: list[dict[str, Any]], keys: list[str]) -> list[str]:
    """Rows missing, extra or different, matched by primary key (the backends sort text keys differently)."""
    want = {tuple(row[k] for k in keys): row for row in source}
    got = {tuple(row[k] for k in keys): row for row in target}
    problems: list[str] = []
    for key in sorted(want.keys() | got.keys(), key=repr):
        a, b = want.get(key), got.get(key)
        if a == b:
            continue
        name = f"{table} {', '.join(f'{k}={v!r}' for k, v in zip(keys, key, strict=True))}"
        if a is None:
            problems.append(f"{name}: only in the target")
        elif b is None:
            problems.append(f"{name}: missing from the target")
        else:
            columns = sorted(c for c in a.keys() | b.keys() if a.get(c, _ABSENT) != b.get(c, _ABSENT))
            problems.append(
                f"{name}: "
                + "; ".join(
                    f"{c} {a.get(c, _ABSENT)!r} in the source, {b.get(c, _ABSENT)!r} in the target" for c in columns
                )
            )
    if len(problems) > MAX_ROW_DIFFERENCES:
        problems[MAX_ROW_DIFFERENCES:] = [f"{table}: {len(problems) - MAX_ROW_DIFFERENCES} more rows differ"]
    return problems


# -- the whole -----------------------------------------------------------------------------------------------


def migrate(path: Path, url: str, *, replace: bool = False) -> Outcome:
    """Read the source, copy it into the target in one transaction, read the target back and compare. Raises
    TransferError when nothing was copied; a copy that was committed but differs comes back with `problems`."""
    check_url(url)  # before the source is even opened
    snapshot = read_source(path)
    pg = open_target(url)
    try:
        held = copy(pg, snapshot, replace=replace)
    finally:
        pg.close()
    problems = verify(url, snapshot)
    facts = snapshot.facts
    return Outcome(
        source=str(path),
        target=redacted(url),
        rows=dict(facts.counts),
        users=facts.counts["users"],
        total_balance=sum(facts.balances.values()),
        replaced=held,
        problems=tuple(problems),
    )
