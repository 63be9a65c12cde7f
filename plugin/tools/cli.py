"""Command line for repository tools: ``python -m plugin bundle [--check]``, ``install``, ``uninstall``,
``reconcile`` and ``migrate-to-postgres``.

Kept separate from the runtime library (and out of the bundles) so that the
Functions pasted into Open WebUI carry only what they execute.
"""

from __future__ import annotations

import argparse
import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from .bundle import BundleError, stale_bundles, write_bundles

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_parser() -> argparse.ArgumentParser:
    """Subcommands so later tools (e.g. ``install``) slot in beside ``bundle``."""
    parser = argparse.ArgumentParser(prog="python -m plugin")
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="generate the single-file Open WebUI Functions")
    bundle.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a generated file is missing or stale",
    )
    bundle.add_argument(
        "--root",
        type=Path,
        default=REPO_ROOT,
        help="repository root holding plugin/ and schema.sql (default: %(default)s)",
    )
    install = sub.add_parser(
        "install",
        help="create or update the four functions in a running Open WebUI over its REST API",
        description="Idempotent: run it again after `git pull` to update. Needs an admin's credentials "
        "and Open WebUI 0.12.4 or newer.",
    )
    add_server_arguments(install)
    install.add_argument(
        "--dir",
        type=Path,
        default=REPO_ROOT,
        help="repository holding the generated function files (default: %(default)s)",
    )
    install.add_argument(
        "--pipe-public",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="let every user read the Usage Monitor model (default: on; --no-pipe-public keeps it admin-only)",
    )
    install.add_argument(
        "--group",
        metavar="NAME",
        help="let only this Open WebUI group (by name) read the Usage Monitor model, instead of everyone",
    )
    install.add_argument(
        "--valves-json",
        type=Path,
        help='JSON file {"function_id": {"valve": value}} overlaid on the valves already stored',
    )
    uninstall = sub.add_parser(
        "uninstall",
        help="remove the four functions and the Usage Monitor's two model records (the SQLite data is kept)",
        description="Idempotent. The monitor's data stays in DATA_DIR/openwebui_monitor/monitor.db on the server.",
    )
    add_server_arguments(uninstall)
    reconcile = sub.add_parser(
        "reconcile",
        help="check every users.balance against the sum of the user's ledger rows; --repair sets it to that sum",
        description="Exit 0 when every balance agrees with the ledger (or was repaired), 1 when some differ and "
        "were not repaired, 2 when the database cannot be read. Run it on the Open WebUI server (or on a copy of "
        "the file); it never creates a database.",
    )
    reconcile.add_argument(
        "--db",
        type=Path,
        help="the monitor's SQLite file (default: $DATA_DIR/openwebui_monitor/monitor.db, DATA_DIR defaulting "
        "to ./data)",
    )
    reconcile.add_argument(
        "--url",
        help="the monitor's PostgreSQL database instead (the filter's database_url: postgresql://user:password@host/db)",
    )
    reconcile.add_argument(
        "--repair",
        action="store_true",
        help="set each differing balance to its ledger sum (the ledger is the record and is not changed)",
    )
    migrate = sub.add_parser(
        "migrate-to-postgres",
        help="copy the monitor's SQLite file into a PostgreSQL database in one transaction, then verify the copy",
        description="Exit 0 when the copy was committed and verified, 1 when it was committed but differs from the "
        "source (each difference is printed), 2 when nothing was copied: no such file, not a monitor database or "
        "an older schema, a URL that is not PostgreSQL or a server that cannot be reached, or a target that already "
        "holds monitor data (without --replace). The SQLite file is only read: never created, migrated or changed.",
    )
    migrate.add_argument(
        "--db",
        type=Path,
        help="the monitor's SQLite file (default: $DATA_DIR/openwebui_monitor/monitor.db, DATA_DIR defaulting "
        "to ./data)",
    )
    migrate.add_argument(
        "--url",
        required=True,
        help="the target, postgresql://user:password@host:5432/database (tables go in its schema openwebui_monitor)",
    )
    migrate.add_argument(
        "--replace",
        action="store_true",
        help="delete the monitor data the target already holds (in the same transaction as the copy)",
    )
    catalogue = sub.add_parser(
        "catalogue-build",
        help="regenerate plugin/domain/catalogue_data.py from LiteLLM's price file",
        description="Give the litellm wheel (`pip download litellm --no-deps`) or its "
        "model_prices_and_context_window_backup.json; writes the trimmed table the Functions bundle.",
    )
    catalogue.add_argument("source", type=Path, help="litellm-*.whl or the price JSON")
    catalogue.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "plugin" / "domain" / "catalogue_data.py",
        help="the module to write (default: %(default)s)",
    )
    catalogue.add_argument("--date", help="the date recorded in the data (default: today, UTC)")
    return parser


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the server is and how to act as its admin; shared by install and uninstall."""
    parser.add_argument("--url", required=True, help="Open WebUI base URL, e.g. http://127.0.0.1:8080")
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--api-key",
        default=os.environ.get("OPENWEBUI_API_KEY"),
        help="an admin's API key (sk-...) or session token (default: $OPENWEBUI_API_KEY)",
    )
    who.add_argument("--email", help="sign in as this admin instead of using an API key")
    parser.add_argument(
        "--password",
        default=os.environ.get("OPENWEBUI_PASSWORD"),
        help="the admin's password, with --email (default: $OPENWEBUI_PASSWORD)",
    )


def run_install(args: argparse.Namespace) -> int:
    """Print the summary, or one line saying why it stopped."""
    from .install import InstallError, install  # httpx is needed only here

    api_key = None if args.email else args.api_key
    try:
        lines = install(
            args.url,
            args.dir,
            api_key=api_key,
            email=args.email,
            password=args.password,
            pipe_public=args.pipe_public,
            group=args.group,
            valves_json=args.valves_json,
        )
    except InstallError as exc:
        print(f"install failed: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    """Print what was removed and where the data stays, or one line saying why it stopped."""
    from .install import InstallError, uninstall

    api_key = None if args.email else args.api_key
    try:
        lines = uninstall(args.url, api_key=api_key, email=args.email, password=args.password)
    except InstallError as exc:
        print(f"uninstall failed: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def default_db_path() -> Path:
    """Where the functions keep their data when the `db_path` valve is empty: as `plugin.openwebui` finds it
    outside the server (DATA_DIR from the environment, else ./data), without importing Open WebUI."""
    return Path(os.environ.get("DATA_DIR") or "data") / "openwebui_monitor" / "monitor.db"


def check_database(path: Path) -> str | None:
    """Why `path` is not a monitor database we may open, or None. Reads it read-only and creates nothing."""
    if not path.exists():
        return f"no database at {path} (nothing was created; pass --db PATH)"
    if not path.is_file():
        return f"{path} is not a file"
    from ..store import SqliteReader

    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            names = SqliteReader(conn).table_names()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{path} is not a readable SQLite database ({exc})"
    if not {"users", "ledger"} <= names:
        return f"{path} is not an OpenWebUI Monitor database (it has no users and ledger tables)"
    return None


def run_reconcile(db: Path | None, repair: bool, url: str | None = None) -> int:
    """Print the check (or the repair) in English; 0 all agree or repaired, 1 differences left, 2 bad database."""
    from ..domain import accounts
    from ..errors import StoreUnavailable
    from ..money import money
    from ..store import PgStore, Store, is_url, redacted
    from ..ui.admin_views import reconcile_headline, signed
    from ..words import i18n
    from ..words.reports import REPORTS

    i18n.load(REPORTS)  # the check's verdict is a report message
    if url is not None:
        if db is not None or not is_url(url):
            print("reconcile failed: give either --db FILE or --url postgresql://...", file=sys.stderr)
            return 2
        shown: object = redacted(url)
        opened: Callable[[], Store] = functools.partial(PgStore, url)
    else:
        path = db if db is not None else default_db_path()
        problem = check_database(path)
        if problem:
            print(f"reconcile failed: {problem}", file=sys.stderr)
            return 2
        shown, opened = path, functools.partial(Store, path)
    try:
        store = opened()
        try:
            result = accounts.reconcile(store, repair=repair, actor="cli")
        finally:
            store.close()
    except (sqlite3.Error, OSError) as exc:
        print(f"reconcile failed: {shown}: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable:
        print(f"reconcile failed: {shown}: the server cannot be reached", file=sys.stderr)
        return 2
    print(f"database: {shown}")
    verdict, *holds = reconcile_headline(result, "en", "")
    print(verdict)
    for diff in result.differences:
        who = " ".join(part for part in (_plain(diff.name), f"<{_plain(diff.email)}>" if diff.email else "") if part)
        print(
            f"  user {_plain(diff.user_id)}{' (' + who + ')' if who else ''}:"
            f" {'was' if result.repaired else 'cached'} {money(diff.balance, '', exact=True)},"
            f" ledger sum {money(diff.ledger_sum, '', exact=True)},"
            f" difference {signed(diff.difference, '')}"
        )
    if result.differences and not result.repaired:
        print("Run again with --repair to set each of them to its ledger sum (the ledger is not changed).")
    for line in holds:
        print(line)
    return 1 if result.differences and not result.repaired else 0


def run_migrate(db: Path | None, url: str, replace: bool) -> int:
    """Print what was copied and whether it verified; 0 verified, 1 committed but different, 2 nothing copied."""
    from .transfer import TransferError, migrate

    path = db if db is not None else default_db_path()
    problem = check_database(path)
    if problem:
        print(f"migrate-to-postgres failed: {problem}", file=sys.stderr)
        return 2
    try:
        outcome = migrate(path, url, replace=replace)
    except TransferError as exc:
        print(f"migrate-to-postgres failed: {_plain(str(exc))}", file=sys.stderr)
        return 2
    print(f"source: {outcome.source}")
    print(f"target: {outcome.target}" + (" (the monitor data it held was replaced)" if outcome.replaced else ""))
    print("copied: " + ", ".join(f"{table} {count}" for table, count in outcome.rows.items()))
    print(f"users: {outcome.users}, total balance {_units(outcome.total_balance)}")
    if outcome.problems:
        print(f"NOT verified: {len(outcome.problems)} difference(s) between the source and the committed copy:")
        for line in outcome.problems[:20]:
            print(f"  {_plain(line)}")
        if len(outcome.problems) > 20:
            print(f"  ... and {len(outcome.problems) - 20} more")
        print("Do not point Open WebUI at it; rerun with --replace once the cause is found.")
        return 1
    print("verified: rows per table, every row, each balance (source and ledger), ledger and usage totals, rollups")
    return 0


def _units(micro: int) -> str:
    """Micro-units as currency units with all six decimals, exactly (no float)."""
    whole, part = divmod(abs(micro), 1_000_000)
    return f"{'-' if micro < 0 else ''}{whole}.{part:06d}"


def _plain(text: str) -> str:
    """A name on one line of a terminal: no control characters (no escape sequences from a user's name)."""
    return "".join(ch for ch in " ".join(str(text).split()) if ch.isprintable())


def run_bundle(root: Path, check: bool) -> int:
    """Return a process exit code; errors are reported, not raised, for CLI use."""
    try:
        if check:
            stale = stale_bundles(root)
            if stale:
                print(
                    f"stale generated files: {', '.join(stale)}; run `python -m plugin bundle`",
                    file=sys.stderr,
                )
                return 1
            print("generated files are up to date")
            return 0
        changed = write_bundles(root)
    except BundleError as exc:
        print(f"bundle failed: {exc}", file=sys.stderr)
        return 2
    print(f"wrote: {', '.join(changed)}" if changed else "generated files unchanged")
    return 0


def run_catalogue_build(source: Path, out: Path, date: str | None) -> int:
    """Regenerate the catalogue's data module; 2 when the source is not a LiteLLM price file."""
    from .catalogue_build import BuildError, build

    try:
        count = build(source, out, date=date)
    except (BuildError, OSError, ValueError) as exc:
        print(f"catalogue-build failed: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({count} models, {out.stat().st_size} bytes); rerun `python -m plugin bundle`")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point used by ``python -m plugin``."""
    args = build_parser().parse_args(argv)
    if args.command == "bundle":
        return run_bundle(args.root, args.check)
    if args.command == "install":
        return run_install(args)
    if args.command == "uninstall":
        return run_uninstall(args)
    if args.command == "reconcile":
        return run_reconcile(args.db, args.repair, args.url)
    if args.command == "migrate-to-postgres":
        return run_migrate(args.db, args.url, args.replace)
    if args.command == "catalogue-build":
        return run_catalogue_build(args.source, args.out, args.date)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
